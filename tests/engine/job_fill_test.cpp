// Job orders: how they fill. All-or-nothing across hours and books (FOK, and every job without
// split), split across candidates, the network spread over the hours, fees per fill, the
// buyer's own asks, dry runs and funds. Worked examples; the market's figures are in
// job_harness.hpp.

#include <gtest/gtest.h>

#include "tests/engine/job_fixture.hpp"

namespace cux::engine::test {
namespace {

// Six hours of 8 H100 from yrd. The east offers 8 @ 12.00 in every hour but the fourth (hour
// index 3), where it has only 4; the west offers 2 @ 11.00 every hour.
//   Without split: yrd has no liquidity for hour 3, nx none for hour 0: no route, nothing
//   changes (the content hash - books, balances, capacity, ids - is the same afterwards).
//   Split, priced for what every hour can give:
//     nx  2 devices: compute 2 x 1100 x 6 = 13200; energy 6 x (2 x 31.6365 = 63.273 -> 63)
//         = 378; fees 6 x (2200 x 5 bps = 1.1 -> 1) = 6.   total 13584 = 11.32 per dev-hour
//     yrd 4 devices: compute 4 x 1200 x 6 = 28800; energy 6 x (4 x 62.972 = 251.888 -> 252)
//         = 1512; fees 6 x (4800 x 5 bps = 2.4 -> 2) = 12. total 30324 = 12.635 -> 12.64
//   fok + split covers 6 of 8: nothing. ioc + split buys nx's 2 and yrd's 4 in that order:
//   partial, 6 devices for 43908.
TEST_F(JobTest, SixHourFokWithOneThinHourLeavesNoTrace) {
    for (int64_t hour = 1; hour <= 6; ++hour) {
        sell(east, chip_h100, region_yrd, hour, 1200, hour == 4 ? 4 : 8);
        sell(west, chip_h100, region_nx, hour, 1100, 2);
    }
    job_spec s;
    s.hours = 6;
    s.tif = time_in_force::fok;
    const uint64_t before = h.ex.content_hash();
    const participant_state lab_before = *h.ex.participant(lab);
    const std::size_t orders_before = h.ex.live_orders();

    auto evs = job(s);
    EXPECT_EQ(candidate_of(evs, chip_h100, region_yrd).exclusion, job_exclusion::no_liquidity);
    EXPECT_EQ(candidate_of(evs, chip_h100, region_yrd).detail, 3);
    EXPECT_EQ(candidate_of(evs, chip_h100, region_nx).exclusion, job_exclusion::no_liquidity);
    EXPECT_EQ(candidate_of(evs, chip_h100, region_nx).detail, 0);
    EXPECT_EQ(job_done_of(evs).status, job_status::unfilled);
    EXPECT_EQ(job_done_of(evs).reason, reject_reason::no_route);
    EXPECT_TRUE(of_type(evs, event_type::trade).empty());
    EXPECT_TRUE(of_type(evs, event_type::balance_changed).empty());
    EXPECT_EQ(h.ex.content_hash(), before);
    EXPECT_EQ(h.ex.live_orders(), orders_before);
    EXPECT_EQ(h.ex.participant(lab)->available, lab_before.available);

    s.split = true;
    evs = job(s);
    const job_candidate_body w = candidate_of(evs, chip_h100, region_nx);
    const job_candidate_body y = candidate_of(evs, chip_h100, region_yrd);
    EXPECT_EQ(w.rank, 1);
    EXPECT_EQ(w.devices.value(), 2);
    EXPECT_EQ(w.need.value(), 8);
    EXPECT_EQ(w.compute.value(), 13200);
    EXPECT_EQ(w.energy.value(), 378);
    EXPECT_EQ(w.fees.value(), 6);
    EXPECT_EQ(w.unit_price_fen, 1132);
    EXPECT_EQ(y.rank, 2);
    EXPECT_EQ(y.devices.value(), 4);
    EXPECT_EQ(y.compute.value(), 28800);
    EXPECT_EQ(y.energy.value(), 1512);
    EXPECT_EQ(y.fees.value(), 12);
    EXPECT_EQ(y.unit_price_fen, 1264);
    EXPECT_EQ(w.taken.value() + y.taken.value(), 0);
    EXPECT_EQ(job_done_of(evs).reason, reject_reason::no_route);
    EXPECT_EQ(h.ex.content_hash(), before);

    s.tif = time_in_force::ioc;
    evs = job(s);
    const job_done_body d = job_done_of(evs);
    EXPECT_EQ(d.status, job_status::partial);
    EXPECT_EQ(d.devices.value(), 6);
    EXPECT_EQ(d.covered, 6);
    EXPECT_EQ(candidate_of(evs, chip_h100, region_nx).taken_cost.value(), 13584);
    EXPECT_EQ(candidate_of(evs, chip_h100, region_yrd).taken_cost.value(), 30324);
    const trade_sums t = trades_of(evs);
    EXPECT_EQ(of_type(evs, event_type::trade).size(), 12U);  // 6 hours x 2 regions
    EXPECT_EQ(t.qty, 36);
    EXPECT_EQ(t.total(), 43908);
    EXPECT_EQ(d.compute.value() + d.energy.value() + d.network.value() + d.fees.value(), 43908);
    EXPECT_EQ(h.ex.participant(lab)->escrow.value(), 43908);
    // The trades are nx's first (rank order), hour by hour.
    EXPECT_EQ(of_type(evs, event_type::trade)[0].body.trade.instrument,
              hourly(chip_h100, region_nx, 1));
    EXPECT_EQ(of_type(evs, event_type::trade)[6].body.trade.instrument,
              hourly(chip_h100, region_yrd, 1));
}

// fok + split where two candidates together cover the job: all of it, in cost order.
TEST_F(JobTest, FokSplitFillsWholeAcrossCandidates) {
    sell(east, chip_h100, region_yrd, 1, 1200, 6);
    sell(west, chip_h100, region_nx, 1, 1100, 5);
    job_spec s;
    s.tif = time_in_force::fok;
    s.split = true;
    const auto evs = job(s);
    EXPECT_EQ(candidate_of(evs, chip_h100, region_nx).taken.value(), 5);
    EXPECT_EQ(candidate_of(evs, chip_h100, region_yrd).taken.value(), 3);  // of 6 offered
    EXPECT_EQ(job_done_of(evs).status, job_status::filled);
    EXPECT_EQ(trades_of(evs).qty, 8);
    // yrd's part is priced again for 3: 3600 + 3 x 62.972 = 188.916 -> 189 + fee 1 = 3790.
    EXPECT_EQ(candidate_of(evs, chip_h100, region_yrd).taken_cost.value(), 3790);
}

// Six hours of 8 H100 in nx for a job whose 7 GB live in yrd: the transfer costs
// 7 x 48 = 336 + 5 -> 34 fen, spread over the hours as 34 x (h+1) / 6 - 34 x h / 6 =
// 5, 6, 6, 5, 6, 6. Each hour: compute 8800, energy 253, fee 4.
// Total 6 x 9057 + 34 = 54376 (11.33 per device-hour).
TEST_F(JobTest, NetworkIsSpreadOverTheHours) {
    for (int64_t hour = 1; hour <= 6; ++hour) sell(west, chip_h100, region_nx, hour, 1100, 8);
    job_spec s;
    s.hours = 6;
    s.data_gb = 7;
    s.regions = 1U << region_nx;
    const auto evs = job(s);
    const job_candidate_body w = candidate_of(evs, chip_h100, region_nx);
    EXPECT_EQ(w.network.value(), 34);
    EXPECT_EQ(total_of(w), 54376);
    EXPECT_EQ(w.unit_price_fen, 1133);
    const auto trades = of_type(evs, event_type::trade);
    ASSERT_EQ(trades.size(), 6U);
    const int64_t shares[6] = {5, 6, 6, 5, 6, 6};
    for (std::size_t i = 0; i < 6; ++i) {
        EXPECT_EQ(trades[i].body.trade.instrument,
                  hourly(chip_h100, region_nx, static_cast<int64_t>(i) + 1));
        EXPECT_EQ(trades[i].body.trade.network.value(), shares[i]) << "hour " << i;
        EXPECT_EQ(trades[i].body.trade.compute.value(), 8800);
        EXPECT_EQ(trades[i].body.trade.energy.value(), 253);
        EXPECT_EQ(trades[i].body.trade.origin_region, region_yrd);
    }
    EXPECT_EQ(trades_of(evs).total(), 54376);
}

// The sweep goes order by order, as matching does, and the fee rounds down per fill:
// 3 @ 12.00 (fee 3600 x 5 bps = 1.8 -> 1), 3 @ 12.00 (1), 2 of 4 @ 12.10 (2420 -> 1.21 -> 1):
// compute 9620, fees 3 (not 9620 x 5 bps = 4), energy 504. Total 10127 = 12.66 per dev-hour.
TEST_F(JobTest, FeesRoundDownPerFillAcrossLevels) {
    sell(east, chip_h100, region_yrd, 1, 1200, 3);
    sell(east, chip_h100, region_yrd, 1, 1200, 3);
    sell(east, chip_h100, region_yrd, 1, 1210, 4);
    const auto evs = job(job_spec{});
    const job_candidate_body y = candidate_of(evs, chip_h100, region_yrd);
    EXPECT_EQ(y.compute.value(), 9620);
    EXPECT_EQ(y.fees.value(), 3);
    EXPECT_EQ(y.energy.value(), 504);
    EXPECT_EQ(total_of(y), 10127);
    EXPECT_EQ(y.unit_price_fen, 1266);
    const auto trades = of_type(evs, event_type::trade);
    ASSERT_EQ(trades.size(), 3U);
    for (const event& e : trades) EXPECT_EQ(e.body.trade.buyer_fee.value(), 1);
    EXPECT_EQ(trades_of(evs).total(), 10127);
    // The job's own per-hour order never stays: only the rest of the 12.10 ask does.
    EXPECT_EQ(h.ex.find_order(trades[0].body.trade.buy_order), nullptr);
    const instrument_state* in = h.ex.instrument(hourly(chip_h100, region_yrd, 1));
    int64_t asks = 0;
    h.ex.for_each_level(*in, side::sell, [&](price_fen p, qty_devices q, int64_t) {
        EXPECT_EQ(p.value(), 1210);
        asks += q.value();
    });
    EXPECT_EQ(asks, 2);
    EXPECT_EQ(h.ex.live_orders(), 1U);
    // Events: the report, the trades, job_done, the balances, command_done.
    ASSERT_GE(evs.size(), 4U);
    EXPECT_EQ(evs.front().type, event_type::job_candidate);
    EXPECT_EQ(evs.back().type, event_type::command_done);
    std::size_t done_at = 0;
    for (std::size_t i = 0; i < evs.size(); ++i) {
        if (evs[i].type == event_type::job_done) done_at = i;
        EXPECT_EQ(evs[i].command, command_type::place_job);
    }
    EXPECT_EQ(evs[done_at + 1].type, event_type::balance_changed);
}

// A buyer that also sells: its job stops at its own first ask, as an IOC with cancel_newest
// self-trade prevention would, and never touches it.
TEST_F(JobTest, OwnAsksStopTheSweep) {
    const participant_id trader = h.add("trader", role_buyer | role_vendor);
    h.deposit(trader, 1'000'000);
    h.capacity(trader, chip_h100, region_yrd, 100, h0, h0 + 24);
    sell(east, chip_h100, region_yrd, 1, 1200, 3);
    sell(trader, chip_h100, region_yrd, 1, 1200, 2);
    sell(east, chip_h100, region_yrd, 1, 1210, 5);
    const uint64_t before = h.ex.content_hash();
    auto evs = job(job_spec{}, trader);
    EXPECT_EQ(candidate_of(evs, chip_h100, region_yrd).exclusion, job_exclusion::no_liquidity);
    EXPECT_EQ(h.ex.content_hash(), before);
    job_spec s;
    s.size = 3;
    evs = job(s, trader);
    EXPECT_EQ(job_done_of(evs).status, job_status::filled);
    EXPECT_EQ(trades_of(evs).qty, 3);
    EXPECT_TRUE(of_type(evs, event_type::order_done).size() == 1U);  // east's 3, filled
    EXPECT_EQ(h.ex.live_orders(), 2U);  // the trader's own ask and east's 12.10
}

// A dry run reports exactly what the job would do and changes nothing; the real job then buys
// at exactly the quoted figures.
TEST_F(JobTest, DryRunQuotesWithoutChangingState) {
    sell(east, chip_h100, region_yrd, 1, 1200, 8);
    sell(west, chip_h100, region_nx, 1, 1100, 8);
    job_spec s;
    s.data_gb = 100;
    s.dry_run = true;
    const uint64_t before = h.ex.content_hash();
    const auto quote = job(s);
    EXPECT_EQ(h.ex.content_hash(), before);
    EXPECT_TRUE(of_type(quote, event_type::trade).empty());
    EXPECT_TRUE(of_type(quote, event_type::balance_changed).empty());
    const job_done_body q = job_done_of(quote);
    EXPECT_EQ(q.status, job_status::filled);  // what would happen
    EXPECT_EQ(q.flags & job_flag_dry_run, job_flag_dry_run);
    EXPECT_EQ(candidate_of(quote, chip_h100, region_nx).taken_cost.value(), 9537);

    s.dry_run = false;
    const auto real = job(s);
    const auto a = candidates_of(quote);
    const auto b = candidates_of(real);
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].chip, b[i].chip);
        EXPECT_EQ(a[i].region, b[i].region);
        EXPECT_EQ(total_of(a[i]), total_of(b[i]));
        EXPECT_EQ(a[i].taken_cost, b[i].taken_cost);
    }
    EXPECT_EQ(trades_of(real).total(), 9537);
}

// The buyer must fund the whole fill: 10107 fen for a 10108 job leaves everything as it was;
// 10108 buys it and leaves exactly nothing available.
TEST_F(JobTest, InsufficientFundsLeavesNoTrace) {
    const participant_id poor = h.add("poor", role_buyer);
    h.deposit(poor, 10107);
    sell(east, chip_h100, region_yrd, 1, 1200, 8);
    const uint64_t before = h.ex.content_hash();
    auto evs = job(job_spec{}, poor);
    EXPECT_EQ(job_done_of(evs).status, job_status::unfilled);
    EXPECT_EQ(job_done_of(evs).reason, reject_reason::insufficient_funds);
    EXPECT_EQ(candidate_of(evs, chip_h100, region_yrd).rank, 1);  // the report is still there
    EXPECT_EQ(candidate_of(evs, chip_h100, region_yrd).taken.value(), 0);
    EXPECT_EQ(h.ex.content_hash(), before);
    h.deposit(poor, 1);
    evs = job(job_spec{}, poor);
    EXPECT_EQ(job_done_of(evs).status, job_status::filled);
    EXPECT_EQ(h.ex.participant(poor)->available.value(), 0);
    EXPECT_EQ(h.ex.participant(poor)->escrow.value(), 10108);
}

// The limit is per device-hour of delivered cost: 12.63 excludes yrd's 12.64 (10108 / 8).
TEST_F(JobTest, OverMaxPriceIsExcludedWithItsPrice) {
    sell(east, chip_h100, region_yrd, 1, 1200, 8);
    job_spec s;
    s.max_price = 1263;
    auto evs = job(s);
    EXPECT_EQ(candidate_of(evs, chip_h100, region_yrd).exclusion, job_exclusion::over_max_price);
    EXPECT_EQ(candidate_of(evs, chip_h100, region_yrd).detail, 1264);
    EXPECT_EQ(job_done_of(evs).reason, reject_reason::no_route);
    s.max_price = 1264;  // 10108 <= 1264 x 8 = 10112
    evs = job(s);
    EXPECT_EQ(job_done_of(evs).status, job_status::filled);
}

}  // namespace
}  // namespace cux::engine::test
