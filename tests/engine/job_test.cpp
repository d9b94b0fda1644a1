// Job orders: where a job runs, in worked examples with the numbers computed by hand (the
// market's figures are in job_harness.hpp). Fills, FOK, split and dry runs are in
// job_fill_test.cpp; every reject reason in job_validation_test.cpp; random jobs against a
// brute force in job_random_test.cpp.

#include <gtest/gtest.h>

#include "tests/engine/job_fixture.hpp"

namespace cux::engine::test {
namespace {

// Energy saving that the network eats. 8 H100 for one hour, 100 GB of data in yrd.
//   yrd: ask 8 @ 12.00.  compute 8 x 1200 = 9600; energy 8 x 62.972 = 503.776 -> 504;
//        network 0; fee 9600 x 5 bps = 4.8 -> 4.         total 10108 (12.64 per device-hour)
//   nx:  ask 8 @ 11.80.  compute 8 x 1180 = 9440; energy 8 x 31.6365 = 253.092 -> 253;
//        network 100 GB x 0.048 = 480; fee 4.72 -> 4.     total 10177 (12.72)
// The west saves 160 of compute and 251 of energy, and spends 480 moving the data: it costs
// 69 fen more delivered, so the job stays east.
TEST_F(JobTest, EnergySavingEatenByNetworkStaysEast) {
    sell(east, chip_h100, region_yrd, 1, 1200, 8);
    sell(west, chip_h100, region_nx, 1, 1180, 8);
    job_spec s;
    s.data_gb = 100;
    const auto evs = job(s);
    ASSERT_EQ(rejection(evs), reject_reason::none);

    const job_candidate_body y = candidate_of(evs, chip_h100, region_yrd);
    EXPECT_EQ(y.exclusion, job_exclusion::none);
    EXPECT_EQ(y.rank, 1);
    EXPECT_EQ(y.compute.value(), 9600);
    EXPECT_EQ(y.energy.value(), 504);
    EXPECT_EQ(y.network.value(), 0);
    EXPECT_EQ(y.fees.value(), 4);
    EXPECT_EQ(total_of(y), 10108);
    EXPECT_EQ(y.unit_price_fen, 1264);  // 10108 / 8 = 1263.5, half up
    EXPECT_EQ(y.taken.value(), 8);
    EXPECT_EQ(y.taken_cost.value(), 10108);

    const job_candidate_body w = candidate_of(evs, chip_h100, region_nx);
    EXPECT_EQ(w.exclusion, job_exclusion::none);
    EXPECT_EQ(w.rank, 2);
    EXPECT_EQ(w.compute.value(), 9440);
    EXPECT_EQ(w.energy.value(), 253);
    EXPECT_EQ(w.network.value(), 480);
    EXPECT_EQ(w.fees.value(), 4);
    EXPECT_EQ(total_of(w), 10177);
    EXPECT_EQ(w.unit_price_fen, 1272);
    EXPECT_EQ(w.taken.value(), 0);

    const auto trades = of_type(evs, event_type::trade);
    ASSERT_EQ(trades.size(), 1U);
    EXPECT_EQ(trades[0].body.trade.instrument, hourly(chip_h100, region_yrd, 1));
    EXPECT_EQ(trades[0].body.trade.origin_region, region_yrd);
    const job_done_body d = job_done_of(evs);
    EXPECT_EQ(d.status, job_status::filled);
    EXPECT_EQ(d.reason, reject_reason::none);
    EXPECT_EQ(d.devices.value(), 8);
    EXPECT_EQ(d.compute.value() + d.energy.value() + d.network.value() + d.fees.value(), 10108);
    EXPECT_EQ(std::string(d.client_order_id), "job");
    EXPECT_EQ(h.ex.participant(lab)->available.value(), 10'000'000 - 10108);
    EXPECT_EQ(h.ex.participant(lab)->escrow.value(), 10108);
    EXPECT_EQ(h.ex.participant(lab)->held.value(), 0);
}

// A compute gap that pays for the transfer. As above, but the west asks 11.00:
//   nx: compute 8800; energy 253; network 480; fee 8800 x 5 bps = 4.4 -> 4.  total 9537
//   yrd: 10108 as above. The west is 571 cheaper delivered: the job goes west, and the trade
//   carries the network line (origin yrd, the route's carrier).
TEST_F(JobTest, ComputeGapPaysForTheTransferGoesWest) {
    sell(east, chip_h100, region_yrd, 1, 1200, 8);
    sell(west, chip_h100, region_nx, 1, 1100, 8);
    job_spec s;
    s.data_gb = 100;
    const auto evs = job(s);
    const job_candidate_body w = candidate_of(evs, chip_h100, region_nx);
    EXPECT_EQ(w.rank, 1);
    EXPECT_EQ(total_of(w), 9537);
    EXPECT_EQ(w.unit_price_fen, 1192);  // 1192.125
    EXPECT_EQ(candidate_of(evs, chip_h100, region_yrd).rank, 2);
    EXPECT_EQ(total_of(candidate_of(evs, chip_h100, region_yrd)), 10108);

    const auto trades = of_type(evs, event_type::trade);
    ASSERT_EQ(trades.size(), 1U);
    const trade_body& t = trades[0].body.trade;
    EXPECT_EQ(t.instrument, hourly(chip_h100, region_nx, 1));
    EXPECT_EQ(t.qty.value(), 8);
    EXPECT_EQ(t.compute.value(), 8800);
    EXPECT_EQ(t.energy.value(), 253);
    EXPECT_EQ(t.network.value(), 480);
    EXPECT_EQ(t.buyer_fee.value(), 4);
    EXPECT_EQ(t.origin_region, region_yrd);
    EXPECT_EQ(t.carrier, 0);
    EXPECT_EQ(t.seller, west);
    const contract* k = h.ex.find_contract(t.contract);
    ASSERT_NE(k, nullptr);
    EXPECT_EQ(k->network.value(), 480);
    EXPECT_EQ(h.ex.participant(lab)->escrow.value(), 9537);
}

// Latency-bound: max_rtt_ms 5 from yrd. nx is 38.6 ms away: excluded with the round trip, and
// the job runs at its origin for 10108 although the west would deliver it for 9537.
TEST_F(JobTest, LatencyBoundJobRunsAtItsOrigin) {
    sell(east, chip_h100, region_yrd, 1, 1200, 8);
    sell(west, chip_h100, region_nx, 1, 1100, 8);
    job_spec s;
    s.data_gb = 100;
    s.max_rtt_us = 5000;
    const auto evs = job(s);
    const job_candidate_body w = candidate_of(evs, chip_h100, region_nx);
    EXPECT_EQ(w.exclusion, job_exclusion::latency);
    EXPECT_EQ(w.detail, 38600);
    EXPECT_EQ(w.rank, 0);
    EXPECT_EQ(total_of(w), 0);  // excluded before pricing
    const job_candidate_body y = candidate_of(evs, chip_h100, region_yrd);
    EXPECT_EQ(y.rank, 1);
    EXPECT_EQ(y.taken_cost.value(), 10108);
    const auto trades = of_type(evs, event_type::trade);
    ASSERT_EQ(trades.size(), 1U);
    EXPECT_EQ(trades[0].body.trade.instrument, hourly(chip_h100, region_yrd, 1));
}

// Residency and green power. Any chip with at least 64 GB (so x86, 4 GB, is out by memory),
// data that may only stay in yrd (nx: region_not_allowed), then a green-share floor of 0.25
// (nx, 0.23, is out by green share) and of 0.30 (yrd, 0.29, too: no route at all).
TEST_F(JobTest, ResidencyAndGreenShareExcludeWithReasons) {
    sell(east, chip_h100, region_yrd, 1, 1200, 8);
    sell(west, chip_h100, region_nx, 1, 1100, 8);
    job_spec s;
    s.chips = 0;
    s.min_memory_gb = 64;
    s.regions = 1U << region_yrd;
    auto evs = job(s);
    ASSERT_EQ(candidates_of(evs).size(), 6U);  // 3 chips x 2 regions
    EXPECT_EQ(candidate_of(evs, chip_x86, region_yrd).exclusion, job_exclusion::memory);
    EXPECT_EQ(candidate_of(evs, chip_x86, region_yrd).detail, 4);
    EXPECT_EQ(candidate_of(evs, chip_x86, region_nx).exclusion, job_exclusion::memory);
    EXPECT_EQ(candidate_of(evs, chip_h100, region_nx).exclusion, job_exclusion::region_not_allowed);
    EXPECT_EQ(candidate_of(evs, chip_910b, region_nx).exclusion, job_exclusion::region_not_allowed);
    // The 910B meets the constraints but nobody sells it: no liquidity in hour 0.
    EXPECT_EQ(candidate_of(evs, chip_910b, region_yrd).exclusion, job_exclusion::no_liquidity);
    EXPECT_EQ(candidate_of(evs, chip_910b, region_yrd).detail, 0);
    EXPECT_EQ(candidate_of(evs, chip_h100, region_yrd).rank, 1);
    EXPECT_EQ(job_done_of(evs).eligible, 1);
    EXPECT_EQ(job_done_of(evs).status, job_status::filled);
    // The report lists the eligible first, then the excluded in chip-major order.
    const auto lines = candidates_of(evs);
    EXPECT_EQ(lines[0].chip, chip_h100);
    EXPECT_EQ(lines[0].region, region_yrd);
    EXPECT_EQ(lines[1].chip, chip_h100);
    EXPECT_EQ(lines[1].region, region_nx);
    EXPECT_EQ(lines[5].chip, chip_910b);
    EXPECT_EQ(lines[5].region, region_nx);

    sell(east, chip_h100, region_yrd, 1, 1200, 8);
    job_spec g;
    g.min_green_milli = 250;
    evs = job(g);
    EXPECT_EQ(candidate_of(evs, chip_h100, region_nx).exclusion, job_exclusion::green_share);
    EXPECT_EQ(candidate_of(evs, chip_h100, region_nx).detail, 230);
    EXPECT_EQ(candidate_of(evs, chip_h100, region_yrd).rank, 1);
    EXPECT_EQ(of_type(evs, event_type::trade).size(), 1U);

    g.min_green_milli = 300;
    const uint64_t before = h.ex.content_hash();
    evs = job(g);
    EXPECT_EQ(candidate_of(evs, chip_h100, region_yrd).exclusion, job_exclusion::green_share);
    EXPECT_EQ(candidate_of(evs, chip_h100, region_yrd).detail, 290);
    EXPECT_EQ(job_done_of(evs).status, job_status::unfilled);
    EXPECT_EQ(job_done_of(evs).reason, reject_reason::no_route);
    EXPECT_EQ(reject_code(job_done_of(evs).reason), std::string("NO_ROUTE"));
    EXPECT_TRUE(of_type(evs, event_type::trade).empty());
    EXPECT_EQ(h.ex.content_hash(), before);
}

// A job sized in compute: 9.89 PFLOPS for one hour in yrd. From the chip data, an H100 has
// 989 TFLOPS dense, a 910B 320: the H100 candidate needs ceil(9.89 / 0.989) = 10 devices, the
// 910B ceil(9.89 / 0.32) = ceil(30.9) = 31, about three times as many.
//   h100 @ 12.00: compute 10 x 1200 = 12000; energy 10 x 62.972 = 629.72 -> 630;
//                 fee 6.                             total 12636 = 12.78 per PFLOPS-hour
//   910b @ 3.80:  compute 31 x 380 = 11780; energy 31 x 35.984 = 1115.504 -> 1116;
//                 fee 5.89 -> 5.                     total 12901 = 13.04 per PFLOPS-hour
// The 910B's compute is 2.20 CNY cheaper, but 31 cards draw 4.86 CNY more power: the H100
// wins. At 3.60 the 910B costs 11160 + 1116 + 5 = 12281 (12.42) and wins instead.
TEST_F(JobTest, ComputeSizedJobComparesH100And910bByDeliveredCost) {
    sell(east, chip_h100, region_yrd, 1, 1200, 10);
    sell(east, chip_910b, region_yrd, 1, 380, 31);
    job_spec s;
    s.chips = (1U << chip_h100) | (1U << chip_910b);
    s.regions = 1U << region_yrd;
    s.pflops = true;
    s.size = 9890;  // milli-PFLOPS
    s.max_price = 2000;
    auto evs = job(s);
    job_candidate_body a = candidate_of(evs, chip_h100, region_yrd);
    job_candidate_body b = candidate_of(evs, chip_910b, region_yrd);
    EXPECT_EQ(a.need.value(), 10);
    EXPECT_EQ(b.need.value(), 31);
    EXPECT_EQ(a.compute.value(), 12000);
    EXPECT_EQ(a.energy.value(), 630);
    EXPECT_EQ(a.fees.value(), 6);
    EXPECT_EQ(total_of(a), 12636);
    EXPECT_EQ(a.unit_price_fen, 1278);  // 12636 / 9.89 = 1277.65
    EXPECT_EQ(b.compute.value(), 11780);
    EXPECT_EQ(b.energy.value(), 1116);
    EXPECT_EQ(b.fees.value(), 5);
    EXPECT_EQ(total_of(b), 12901);
    EXPECT_EQ(b.unit_price_fen, 1304);  // 1304.45
    EXPECT_EQ(a.rank, 1);
    EXPECT_EQ(b.rank, 2);
    EXPECT_EQ(a.taken.value(), 10);
    job_done_body d = job_done_of(evs);
    EXPECT_EQ(d.status, job_status::filled);
    EXPECT_EQ(d.devices.value(), 10);
    EXPECT_EQ(d.size, 9890);
    EXPECT_EQ(d.covered, 9890);

    // The limit is per PFLOPS-hour: 13.00 keeps the H100 and excludes the 910B (13.04).
    sell(east, chip_h100, region_yrd, 1, 1200, 10);
    s.max_price = 1300;
    evs = job(s);
    b = candidate_of(evs, chip_910b, region_yrd);
    EXPECT_EQ(b.exclusion, job_exclusion::over_max_price);
    EXPECT_EQ(b.detail, 1304);
    EXPECT_EQ(total_of(b), 12901);  // priced, then excluded
    EXPECT_EQ(candidate_of(evs, chip_h100, region_yrd).taken.value(), 10);

    // A cheaper 910B ask in front: 31 @ 3.60 delivers the same compute for 12281 < 12636.
    sell(east, chip_h100, region_yrd, 1, 1200, 10);
    sell(east, chip_910b, region_yrd, 1, 360, 31);
    s.max_price = 2000;
    evs = job(s);
    a = candidate_of(evs, chip_h100, region_yrd);
    b = candidate_of(evs, chip_910b, region_yrd);
    EXPECT_EQ(total_of(b), 12281);
    EXPECT_EQ(b.unit_price_fen, 1242);  // 1241.76
    EXPECT_EQ(b.rank, 1);
    EXPECT_EQ(b.taken.value(), 31);
    EXPECT_EQ(a.taken.value(), 0);
    const trade_sums t = trades_of(evs);
    EXPECT_EQ(t.qty, 31);
    EXPECT_EQ(t.total(), 12281);
}

}  // namespace
}  // namespace cux::engine::test
