// Market data (issue 6) against hand-computed fixtures: bars and VWAP, the SCU indices and their
// methodology's edge cases (no trades, one trade, outliers, east-west spread, CPU, daily tenor),
// and the store: settlements as the engine set them, bars and the tape on a real SQLite file,
// exactly once across a reopen that sees the whole event history again (a restart's replay).

#include <gtest/gtest.h>

#include "ledger/market_data_rules.hpp"
#include "ledger/market_data_store.hpp"
#include "tests/ledger/ledger_harness.hpp"

namespace cux::ledger::test {
namespace {

using engine::test::hourly;
using md::tape_trade;

constexpr uint8_t h100 = 0;
constexpr uint8_t x86 = 1;
constexpr uint8_t yrd = 0;  // east
constexpr uint8_t nx = 1;   // west

tape_trade trade(uint8_t chip, uint8_t region, int64_t price, int64_t qty, tenor ten = tenor::hour,
                 utc_ns ts = t0) {
    tape_trade t;
    t.ts = ts;
    const epoch_hour start = ten == tenor::hour ? h0 + 2 : h0 + 16;
    t.instrument = pack(instrument_key{chip, region, ten, start}).value();
    t.price_fen = price;
    t.qty = qty;
    t.compute_fen = price * qty * tenor_hours(ten);
    return t;
}

// ---- bars -------------------------------------------------------------------------------

TEST(MarketDataBars, OhlcvAndVwapByHand) {
    // 10:00:05 1200 x 2, 10:00:40 1250 x 1, 10:00:59 1190 x 3 | 10:01:00 1210 x 4.
    md::bar m;
    const utc_ns at = t0 + 10 * ns_per_hour;
    EXPECT_EQ(md::bar_start(at + 5 * ns_per_s, md::interval::m1), at);
    EXPECT_EQ(md::bar_start(at + 59 * ns_per_s, md::interval::m1), at);
    EXPECT_EQ(md::bar_start(at + 60 * ns_per_s, md::interval::m1), at + 60 * ns_per_s);
    EXPECT_EQ(md::bar_start(at + 3599 * ns_per_s, md::interval::h1), at);
    m.add(1200, 2, 2400);
    m.add(1250, 1, 1250);
    m.add(1190, 3, 3570);
    EXPECT_EQ(m.open, 1200);
    EXPECT_EQ(m.high, 1250);
    EXPECT_EQ(m.low, 1190);
    EXPECT_EQ(m.close, 1190);
    EXPECT_EQ(m.volume, 6);
    EXPECT_EQ(m.trades, 3);
    // (2400 + 1250 + 3570) / 6 = 1203.33 -> 1203.
    EXPECT_EQ(md::vwap_fen(m.notional, m.volume), 1203);
    EXPECT_EQ(m.turnover, 7220);
    md::bar later;
    later.add(1210, 4, 4840);
    md::bar hour = m;
    hour.merge_later(later);
    EXPECT_EQ(hour.open, 1200);
    EXPECT_EQ(hour.close, 1210);
    EXPECT_EQ(hour.high, 1250);
    EXPECT_EQ(hour.low, 1190);
    EXPECT_EQ(hour.volume, 10);
    // (7220 + 4840) / 10 = 1206.
    EXPECT_EQ(md::vwap_fen(hour.notional, hour.volume), 1206);
    // Half up: (1200 + 1201) / 2 = 1200.5 -> 1201.
    EXPECT_EQ(md::vwap_fen(2401, 2), 1201);
    EXPECT_EQ(md::vwap_fen(0, 0), 0);
}

// ---- indices ----------------------------------------------------------------------------

TEST(MarketDataIndex, NoTradesPublishesNoPrice) {
    const market_config m = engine::test::small_market();
    const md::index_set s = md::compute_index(m, {}, {});
    EXPECT_FALSE(s.national.price);
    EXPECT_FALSE(s.east.price);
    EXPECT_FALSE(s.west.price);
    EXPECT_FALSE(s.east_west_spread);
    EXPECT_FALSE(s.cpu.price);
    EXPECT_EQ(s.national.trades, 0);
    ASSERT_EQ(s.regions.size(), 2U);
    EXPECT_FALSE(s.regions[yrd].price);
}

TEST(MarketDataIndex, OneTradeIsItsOwnPricePerPflopsHour) {
    const market_config m = engine::test::small_market();
    // 12.00 per H100-hour / 0.989 PFLOPS = 12.13346... -> 12.1335 (0.0001 CNY: 121335).
    const std::vector<tape_trade> t = {trade(h100, yrd, 1200, 2)};
    const md::index_set s = md::compute_index(m, t, {});
    ASSERT_TRUE(s.national.price);
    EXPECT_EQ(*s.national.price, 121335);
    EXPECT_EQ(s.national.trades, 1);
    EXPECT_EQ(s.national.units_milli, 1978);  // 2 x 0.989 PFLOPS-hours
    EXPECT_EQ(*s.east.price, 121335);
    EXPECT_FALSE(s.west.price);
    EXPECT_FALSE(s.east_west_spread);  // only one side traded
    EXPECT_EQ(*s.regions[yrd].price, 121335);
    EXPECT_FALSE(s.regions[nx].price);
    EXPECT_EQ(*s.chips[h100].price, 121335);
    EXPECT_FALSE(s.cpu.price);
}

TEST(MarketDataIndex, OutlierFarFromTheMedianIsLeftOut) {
    const market_config m = engine::test::small_market();
    // Median of 1190, 1200, 1210, 2000 (one device-hour each) is 1200; 2000 is more than 30%
    // above it. The rest: (1190 + 1200 + 1210) / (3 x 0.989) = 1213.3468 fen -> 12.1335.
    const std::vector<tape_trade> t = {trade(h100, yrd, 1190, 1), trade(h100, yrd, 2000, 1),
                                       trade(h100, yrd, 1200, 1), trade(h100, yrd, 1210, 1)};
    const md::index_set s = md::compute_index(m, t, {});
    EXPECT_EQ(*s.national.price, 121335);
    EXPECT_EQ(s.national.trades, 3);
    EXPECT_EQ(s.national.excluded, 1);
    // Two trades are no majority: nothing is excluded. (1200 + 2000) / (2 x 0.989) -> 16.1780.
    const std::vector<tape_trade> two = {trade(h100, yrd, 1200, 1), trade(h100, yrd, 2000, 1)};
    const md::index_set s2 = md::compute_index(m, two, {});
    EXPECT_EQ(*s2.national.price, 161780);
    EXPECT_EQ(s2.national.excluded, 0);
    // Within 30%: kept. 1200, 1200, 1560 (exactly +30%) -> (3960) / (3 x 0.989) = 13.3468.
    const std::vector<tape_trade> edge = {trade(h100, yrd, 1200, 1), trade(h100, yrd, 1200, 1),
                                          trade(h100, yrd, 1560, 1)};
    EXPECT_EQ(md::compute_index(m, edge, {}).national.excluded, 0);
    // The median is weighted by device-hours: 10 devices at 1000 outweigh 1200 x 1 and 1301 x 1,
    // so the median is 1000: 1200 stays, 1301 (above 1000 + 30%) goes.
    const std::vector<tape_trade> weighted = {trade(h100, yrd, 1000, 10), trade(h100, yrd, 1200, 1),
                                              trade(h100, yrd, 1301, 1)};
    const md::index_set sw = md::compute_index(m, weighted, {});
    EXPECT_EQ(sw.national.excluded, 1);  // 1301 > 1300
}

TEST(MarketDataIndex, EastWestSpreadAndRegions) {
    const market_config m = engine::test::small_market();
    // East yrd 1200 x 2 -> 12.1335; west nx 1100 x 2 -> 11.00 / 0.989 = 11.12235 -> 11.1223.
    // Spread 12.1335 - 11.1223 = 1.0112. National: 4600 / (4 x 0.989) = 11.62791 -> 11.6279.
    const std::vector<tape_trade> t = {trade(h100, yrd, 1200, 2), trade(h100, nx, 1100, 2)};
    const md::index_set s = md::compute_index(m, t, {});
    EXPECT_EQ(*s.east.price, 121335);
    EXPECT_EQ(*s.west.price, 111223);
    ASSERT_TRUE(s.east_west_spread);
    EXPECT_EQ(*s.east_west_spread, 10112);
    EXPECT_EQ(*s.national.price, 116279);
    EXPECT_EQ(*s.regions[nx].price, 111223);
    // The heat map's cells: chip x region.
    ASSERT_EQ(s.cells.size(), 4U);
    EXPECT_EQ(*s.cells[h100 * 2 + yrd].price, 121335);
    EXPECT_EQ(*s.cells[h100 * 2 + nx].price, 111223);
    EXPECT_FALSE(s.cells[x86 * 2 + yrd].price);
    // Filters narrow the trades first.
    const md::index_set only_nx = md::compute_index(m, t, md::index_filter{-1, nx});
    EXPECT_EQ(*only_nx.national.price, 111223);
    EXPECT_FALSE(only_nx.east.price);
}

TEST(MarketDataIndex, CpuClassesHaveTheirOwnIndexPerVcpuHour) {
    const market_config m = engine::test::small_market();
    // x86: 0.12 x 10 vCPU-h in yrd, 0.10 x 30 in nx: (120 + 300) / 40 = 10.5 fen -> 0.1050.
    const std::vector<tape_trade> t = {trade(x86, yrd, 12, 10), trade(x86, nx, 10, 30),
                                       trade(h100, yrd, 1200, 2)};
    const md::index_set s = md::compute_index(m, t, {});
    ASSERT_TRUE(s.cpu.price);
    EXPECT_EQ(*s.cpu.price, 1050);
    EXPECT_EQ(s.cpu.units_milli, 40'000);
    EXPECT_EQ(*s.cpu_regions[yrd].price, 1200);
    EXPECT_EQ(*s.cpu_chips[x86].price, 1050);
    EXPECT_EQ(*s.cells[x86 * 2 + nx].price, 1000);  // per vCPU-hour
    // CPU trades stay out of the SCU indices.
    EXPECT_EQ(*s.national.price, 121335);
    EXPECT_EQ(s.national.trades, 1);
}

TEST(MarketDataIndex, DailyTradesWeighByTheirHours) {
    const market_config m = engine::test::small_market();
    // 10.00 x 1 device for 24 h: 24,000 fen over 23.736 PFLOPS-h = 10.1112 per PFLOPS-h; with
    // 12.00 x 1 for an hour: 25,200 / 24.725 = 10.19211 -> 10.1921 (the day weighs 24 times).
    const std::vector<tape_trade> t = {trade(h100, yrd, 1000, 1, tenor::day),
                                       trade(h100, yrd, 1200, 1)};
    const md::index_set s = md::compute_index(m, t, {});
    EXPECT_EQ(*s.national.price, 101921);
    EXPECT_EQ(s.national.units_milli, 24725);
}

// ---- the store --------------------------------------------------------------------------

class MarketDataStore : public ::testing::Test {
protected:
    void SetUp() override {
        buyer = h.add("buyer", role_buyer);
        vendor = h.add("vendor", role_vendor);
        h.deposit(buyer, 10'000'000);
        h.capacity(vendor, h100, yrd, 100, h0, h0 + 48);
        h.tick_at(t0 + 61 * ns_per_s);
        reopen();
    }
    void reopen() {
        store.reset();
        auto s = md_store::open(dir.path + "/marketdata.db", 8, 900);
        ASSERT_TRUE(s.ok()) << s.error().message;
        store = std::move(s.value());
    }
    // Feeds every event from the first (as a restart's replay does) and commits.
    void sync_all() {
        for (const event& e : h.log.events) {
            const status s = store->apply(e);
            ASSERT_TRUE(s.ok()) << s.error().message;
        }
        const status s = store->commit(true);
        ASSERT_TRUE(s.ok()) << s.error().message;
    }
    void trade_at(utc_ns t, int64_t price, int64_t qty) {
        h.tick_at(t);
        h.place(vendor, i1, side::sell, price, qty);
        h.place(buyer, i1, side::buy, price, qty);
    }
    md_reader read() {
        auto r = md_reader::open(dir.path + "/marketdata.db");
        EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
        return std::move(r.value());
    }

    engine::test::harness h;
    temp_dir dir;
    std::unique_ptr<md_store> store;
    participant_id buyer, vendor;
    const instrument_id i1 = hourly(h100, yrd, 1);  // 01:00Z window, gate closure 00:45Z
};

TEST_F(MarketDataStore, BarsSettlementAndTapePersistExactlyOnce) {
    trade_at(t0 + 10 * ns_per_min, 1100, 5);
    trade_at(t0 + 10 * ns_per_min + 30 * ns_per_s, 1150, 1);
    trade_at(t0 + 31 * ns_per_min, 1250, 1);
    trade_at(t0 + 39 * ns_per_min, 1300, 3);
    h.tick_at(t0 + 45 * ns_per_min);  // gate closure: settlement by VWAP of the last 15 min
    sync_all();
    // Reopened, as after a restart, and fed the whole history again: nothing doubles.
    reopen();
    EXPECT_EQ(store->committed_seq(), h.log.events.back().event_seq);
    sync_all();

    md_reader r = read();
    bool truncated = true;
    auto minutes = r.bars(i1.value(), md::interval::m1, 0, INT64_MAX, 100, truncated);
    ASSERT_TRUE(minutes.ok()) << minutes.error().message;
    EXPECT_FALSE(truncated);
    ASSERT_EQ(minutes.value().size(), 3U);
    const md::bar& first = minutes.value()[0];
    EXPECT_EQ(first.start, t0 + 10 * ns_per_min);
    EXPECT_EQ(first.open, 1100);
    EXPECT_EQ(first.high, 1150);
    EXPECT_EQ(first.low, 1100);
    EXPECT_EQ(first.close, 1150);
    EXPECT_EQ(first.volume, 6);
    EXPECT_EQ(first.trades, 2);
    EXPECT_EQ(md::vwap_fen(first.notional, first.volume), 1108);  // 6650 / 6 = 1108.33
    auto hours = r.bars(i1.value(), md::interval::h1, 0, INT64_MAX, 100, truncated);
    ASSERT_TRUE(hours.ok());
    ASSERT_EQ(hours.value().size(), 1U);
    const md::bar& hb = hours.value()[0];
    EXPECT_EQ(hb.start, t0);
    EXPECT_EQ(hb.open, 1100);
    EXPECT_EQ(hb.high, 1300);
    EXPECT_EQ(hb.low, 1100);
    EXPECT_EQ(hb.close, 1300);
    EXPECT_EQ(hb.volume, 10);
    EXPECT_EQ(hb.trades, 4);
    // (5500 + 1150 + 1250 + 3900) / 10 = 1180.
    EXPECT_EQ(md::vwap_fen(hb.notional, hb.volume), 1180);
    // The newest bar only, when the limit cuts.
    auto newest = r.bars(i1.value(), md::interval::m1, 0, INT64_MAX, 1, truncated);
    ASSERT_TRUE(newest.ok());
    EXPECT_TRUE(truncated);
    ASSERT_EQ(newest.value().size(), 1U);
    EXPECT_EQ(newest.value()[0].start, t0 + 39 * ns_per_min);

    // 2026-12-01T01:00Z is 09:00 CST on Dec 1: local day 1796083200 / 86400 = 20788.
    auto days = r.settlements(20788);
    ASSERT_TRUE(days.ok());
    const settlement_row* s = nullptr;
    for (const settlement_row& row : days.value()) {
        if (row.instrument == i1.value()) s = &row;
    }
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->price_fen, 1288);  // (1250 + 3900) / 4 = 1287.5 -> 1288
    EXPECT_EQ(s->method, settlement_method::vwap_15m);
    EXPECT_EQ(s->auction_volume, 0);
    EXPECT_EQ(s->volume, 10);
    EXPECT_EQ(s->trades, 4);
    EXPECT_EQ(md::vwap_fen(s->notional, s->volume), 1180);
    EXPECT_EQ(s->window_start, t0 + ns_per_hour);
    EXPECT_EQ(s->gate_closure, t0 + 45 * ns_per_min);

    auto tape = r.tape(i1.value(), 10, 0);
    ASSERT_TRUE(tape.ok());
    ASSERT_EQ(tape.value().size(), 4U);
    EXPECT_EQ(tape.value()[0].price_fen, 1300);  // newest first
    EXPECT_EQ(tape.value()[3].price_fen, 1100);
    auto window = r.trades_of_windows(h0 + 1, h0 + 2);
    ASSERT_TRUE(window.ok());
    EXPECT_EQ(window.value().size(), 4U);
    auto position = r.position();
    ASSERT_TRUE(position.ok());
    EXPECT_EQ(position.value().last_seq, h.log.events.back().event_seq);
}

TEST_F(MarketDataStore, AGapInTheEventsStopsTheStore) {
    event e = h.log.events.back();
    e.event_seq += 5;
    sync_all();
    EXPECT_FALSE(store->apply(e).ok());
    EXPECT_TRUE(store->failed());
    EXPECT_EQ(store->failure().code, error_code::diverged);
}

}  // namespace
}  // namespace cux::ledger::test
