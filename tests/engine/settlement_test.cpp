// The official settlement rule (engine/settlement.hpp) against hand-computed fixtures, and the
// exchange applying it at gate closure: closing auction, VWAP of the last 15 minutes, last
// trade, none.

#include "engine/settlement.hpp"

#include <gtest/gtest.h>

#include "engine/exchange.hpp"
#include "tests/engine/harness.hpp"

namespace cux::engine::test {
namespace {

settlement_window window(std::initializer_list<std::pair<int64_t, int64_t>> trades) {
    settlement_window w;
    for (const auto& [p, q] : trades) w.add(price_fen(p), qty_devices(q));
    return w;
}

TEST(Settlement, ClosingAuctionWinsWhenItCrossed) {
    const auto s = settlement_rule(price_fen(1300), qty_devices(2), window({{1250, 5}}),
                                   price_fen(1250), price_fen(1));
    EXPECT_EQ(s.price.value(), 1300);
    EXPECT_EQ(s.method, settlement_method::closing_auction);
}

TEST(Settlement, VwapOfTheLastFifteenMinutesRoundsHalfUpToTheTick) {
    // (1250 x 1 + 1300 x 3) / 4 = 1287.5 -> 1288.
    auto s = settlement_rule(price_fen(0), qty_devices(0), window({{1250, 1}, {1300, 3}}),
                             price_fen(1300), price_fen(1));
    EXPECT_EQ(s.price.value(), 1288);
    EXPECT_EQ(s.method, settlement_method::vwap_15m);
    // Tick 5: 1287.5 / 5 = 257.5 ticks -> 258 ticks = 1290; 1284 / 5 = 256.8 -> 257 = 1285.
    s = settlement_rule(price_fen(0), qty_devices(0), window({{1250, 1}, {1300, 3}}),
                        price_fen(1300), price_fen(5));
    EXPECT_EQ(s.price.value(), 1290);
    s = settlement_rule(price_fen(0), qty_devices(0), window({{1284, 1}}), price_fen(1284),
                        price_fen(5));
    EXPECT_EQ(s.price.value(), 1285);
}

TEST(Settlement, LastTradeWhenNothingTradedLate) {
    const auto s =
        settlement_rule(price_fen(0), qty_devices(0), window({}), price_fen(1210), price_fen(1));
    EXPECT_EQ(s.price.value(), 1210);
    EXPECT_EQ(s.method, settlement_method::last_trade);
}

TEST(Settlement, NoneWhenNeverTraded) {
    const auto s =
        settlement_rule(price_fen(0), qty_devices(0), window({}), price_fen(0), price_fen(1));
    EXPECT_EQ(s.price.value(), 0);
    EXPECT_EQ(s.method, settlement_method::none);
    EXPECT_STREQ(settlement_method_name(s.method), "none");
}

TEST(Settlement, OverflowFallsThroughToTheLastTrade) {
    settlement_window w;
    w.add(price_fen(INT64_MAX / 2), qty_devices(3));
    EXPECT_TRUE(w.overflow);
    const auto s = settlement_rule(price_fen(0), qty_devices(0), w, price_fen(99), price_fen(1));
    EXPECT_EQ(s.method, settlement_method::last_trade);
}

constexpr uint8_t h100 = 0;
constexpr uint8_t yrd = 0;

class SettlementExchange : public ::testing::Test {
protected:
    void SetUp() override {
        buyer = h.add("buyer", role_buyer);
        vendor = h.add("vendor", role_vendor);
        h.deposit(buyer, 10'000'000);
        h.capacity(vendor, h100, yrd, 100, h0, h0 + 48);
        h.tick_at(t0 + 61 * ns_per_s);  // open
    }
    void trade_at(utc_ns t, int64_t price, int64_t qty) {
        h.tick_at(t);
        h.place(vendor, i1, side::sell, price, qty);
        h.place(buyer, i1, side::buy, price, qty);
    }
    const event* closed_status(const std::vector<event>& evs) const {
        for (const event& e : evs) {
            if (e.type == event_type::instrument_status && e.body.status.instrument == i1 &&
                e.body.status.status == instrument_status::closed) {
                return &e;
            }
        }
        return nullptr;
    }

    harness h;
    participant_id buyer, vendor;
    const instrument_id i1 = hourly(h100, yrd, 1);  // gate closure at t0 + 45 min
};

TEST_F(SettlementExchange, VwapOfTradesInTheLastFifteenMinutes) {
    trade_at(t0 + 10 * ns_per_min, 1100, 5);  // before the window: only a last-trade candidate
    trade_at(t0 + 31 * ns_per_min, 1250, 1);
    trade_at(t0 + 39 * ns_per_min, 1300, 3);
    const auto evs = h.tick_at(t0 + 45 * ns_per_min);
    const event* closed = closed_status(evs);
    ASSERT_NE(closed, nullptr);
    EXPECT_EQ(closed->body.status.settlement.value(), 1288);
    EXPECT_EQ(closed->body.status.settlement_by, settlement_method::vwap_15m);
    EXPECT_EQ(h.ex.last_settlement(h100, yrd).value(), 1288);
}

TEST_F(SettlementExchange, LastTradeWhenTheLateWindowIsEmpty) {
    trade_at(t0 + 10 * ns_per_min, 1100, 5);
    trade_at(t0 + 20 * ns_per_min, 1150, 1);
    const auto evs = h.tick_at(t0 + 45 * ns_per_min);  // kept: closed points into it
    const event* closed = closed_status(evs);
    ASSERT_NE(closed, nullptr);
    EXPECT_EQ(closed->body.status.settlement.value(), 1150);
    EXPECT_EQ(closed->body.status.settlement_by, settlement_method::last_trade);
}

TEST_F(SettlementExchange, ClosingAuctionPriceAndNoneWithoutTrades) {
    const instrument_id i2 = hourly(h100, yrd, 2);
    h.tick_at(t0 + 41 * ns_per_min);  // i1 in its closing call
    h.place(vendor, i1, side::sell, 1300, 2);
    h.place(buyer, i1, side::buy, 1350, 2);
    const auto evs = h.tick_at(t0 + 45 * ns_per_min);
    const event* closed = closed_status(evs);
    ASSERT_NE(closed, nullptr);
    EXPECT_EQ(closed->body.status.settlement.value(), 1300);
    EXPECT_EQ(closed->body.status.settlement_by, settlement_method::closing_auction);
    // i2 never trades: closed with no settlement price.
    for (const event& e : h.tick_at(t0 + 105 * ns_per_min)) {
        if (e.type == event_type::instrument_status && e.body.status.instrument == i2 &&
            e.body.status.status == instrument_status::closed) {
            EXPECT_EQ(e.body.status.settlement.value(), 0);
            EXPECT_EQ(e.body.status.settlement_by, settlement_method::none);
        }
    }
}

}  // namespace
}  // namespace cux::engine::test
