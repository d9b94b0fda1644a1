// The engine's arithmetic at the edge of what a valid market file and a valid order allow:
// the costliest chip (1 MW) in the costliest region (PUE 3.0, 100 CNY/kWh every hour), the
// largest order (1,000,000 devices) of a daily window at the top of the band. Every figure
// must come out exact in fen, never abort, never wrap.

#include <gtest/gtest.h>

#include "engine/exchange.hpp"
#include "tests/engine/harness.hpp"

namespace cux::engine::test {
namespace {

market_config costliest_market() {
    market_config m = small_market();
    m.chips[0].power_w = 1'000'000;
    m.chips[0].typical_price = price_fen(limits::price_fen_max);
    m.regions[0].pue_milli = 3000;
    m.regions[0].tariff_mcny_kwh.fill(100'000);
    m.links[2].tariff_mcny_gb = 1'000'000;  // nx -> yrd: 1000 CNY/GB
    m.taker_fee_bps = 1000;
    return m;
}

TEST(Limits, LargestOrderOnTheCostliestMarketIsExactIn64Bits) {
    ASSERT_EQ(validate(costliest_market()), "");
    harness h(costliest_market());
    const participant_id buyer = h.add("buyer", role_buyer);
    const participant_id vendor = h.add("vendor", role_vendor);
    for (int i = 0; i < 4; ++i) h.deposit(buyer, limits::amount_fen_max);
    const instrument_id day = daily(0, 0);
    h.capacity(vendor, 0, 0, limits::qty_per_order_max, h0 + 16, h0 + 40);
    h.tick_at(t0 + 61 * ns_per_s);
    const instrument_state* in = h.ex.instrument(day);
    ASSERT_NE(in, nullptr);
    // The reference is capped at half the price limit; the band (50% = 50M ticks of 1 fen) is
    // narrowed to 65536 ticks around it: 49,967,233 .. 50,032,767.
    EXPECT_EQ(in->reference.value(), 50'000'000);
    EXPECT_EQ(in->band_low.value(), 49'967'233);
    const int64_t price = in->band_high.value();
    EXPECT_EQ(price, 50'032'767);
    const int64_t qty = limits::qty_per_order_max;
    EXPECT_NE(accepted_id(h.place(vendor, day, side::sell, price, qty)), order_id(0));

    command c = harness::order_cmd(buyer, day, side::buy, price, qty);
    c.body.place.origin_region = 1;
    c.body.place.data_gb = limits::data_gb_max;
    const auto evs = h.run(c);
    const auto trades = of_type(evs, event_type::trade);
    ASSERT_EQ(trades.size(), 1U) << static_cast<int>(rejection(evs));
    const trade_body& t = trades[0].body.trade;
    // compute 50,032,767 fen x 1,000,000 devices x 24 h.
    EXPECT_EQ(t.compute.value(), 1'200'786'408'000'000);
    // energy 1,000,000 W x 3.0 x 100 CNY/kWh = 300,000 CNY per device-hour = 3e7 fen,
    // x 24 h x 1,000,000 devices = 7.2e14 fen.
    EXPECT_EQ(t.energy.value(), 720'000'000'000'000);
    // network 1e8 GB x 1000 CNY/GB = 1e11 CNY = 1e13 fen.
    EXPECT_EQ(t.network.value(), 10'000'000'000'000);
    // taker fee 10% of compute.
    EXPECT_EQ(t.buyer_fee.value(), 120'078'640'800'000);
    EXPECT_EQ(h.ex.participant(buyer)->escrow.value(), 2'050'865'048'800'000);
    EXPECT_EQ(h.ex.participant(buyer)->available.value(),
              4 * limits::amount_fen_max - 2'050'865'048'800'000);
}

TEST(Limits, MarketWhoseBooksWouldNotFitInMemoryIsRefused) {
    market_config m = small_market();
    m.chips[0].typical_price = price_fen(10'000'000);  // 100,000 CNY, 1 fen tick: 65536 ticks
    m.calendar.hourly_slots = 1000;
    m.calendar.daily_windows = 40;
    // 65536 ticks x 8 bytes x 2 regions x 1040 windows = 1040 MiB for h100 alone.
    const std::string problem = validate(m);
    EXPECT_EQ(problem.rfind("chips[0].tick: the listed books' price arrays would take 1040", 0), 0U)
        << problem;
    m.chips[0].tick = price_fen(10'000);  // 1001 ticks per book, 16 MiB in all: fits
    EXPECT_EQ(validate(m), "");
}

}  // namespace
}  // namespace cux::engine::test
