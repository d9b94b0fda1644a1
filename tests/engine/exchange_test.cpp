// Scenario tests of the exchange state machine: orders, risk, costs, lifecycle, and every
// reject reason on its accept and its reject path. Costs are computed by hand in comments.

#include "engine/exchange.hpp"

#include <gtest/gtest.h>

#include "tests/engine/harness.hpp"

namespace cux::engine::test {
namespace {

std::vector<event> for_instrument(const std::vector<event>& evs, instrument_id id) {
    std::vector<event> out;
    for (const event& e : evs) {
        if (e.body.auction.instrument == id) out.push_back(e);
    }
    return out;
}

constexpr uint8_t h100 = 0;
constexpr uint8_t x86 = 1;
constexpr uint8_t yrd = 0;
constexpr uint8_t nx = 1;

class Exchange : public ::testing::Test {
protected:
    void SetUp() override {
        admin = h.add("admin", role_admin);
        buyer = h.add("buyer", role_buyer);
        buyer2 = h.add("buyer2", role_buyer);
        vendor = h.add("vendor", role_vendor);
        vendor2 = h.add("vendor2", role_vendor);
        both = h.add("both", role_buyer | role_vendor);
        regulator = h.add("regulator", role_regulator);
        for (const participant_id p : {buyer, buyer2, both}) h.deposit(p, 10'000'000);
        for (const participant_id p : {vendor, vendor2, both}) {
            for (const uint8_t r : {yrd, nx}) {
                h.capacity(p, h100, r, 100, h0, h0 + 48);
                h.capacity(p, x86, r, 1000, h0, h0 + 48);
            }
        }
        h.tick_at(t0 + 61 * ns_per_s);  // past pre-open: the listed instruments are open
    }

    const participant_state& ps(participant_id p) { return *h.ex.participant(p); }
    order_id rest_sell(int64_t price, int64_t qty, participant_id p = participant_id(0)) {
        return accepted_id(h.place(p.value() == 0 ? vendor : p, i1, side::sell, price, qty));
    }
    order_id rest_buy(int64_t price, int64_t qty, participant_id p = participant_id(0)) {
        return accepted_id(h.place(p.value() == 0 ? buyer : p, i1, side::buy, price, qty));
    }

    harness h;
    participant_id admin, buyer, buyer2, vendor, vendor2, both, regulator;
    const instrument_id i1 = hourly(h100, yrd, 1);  // h100.yrd.20261201T01.1h
};

// ---- calendar and lifecycle ------------------------------------------------------------------

TEST_F(Exchange, FirstCommandListsTheWholeCalendar) {
    // 2 chips x 2 regions x (2 hourly + 1 daily).
    EXPECT_EQ(h.ex.live_instruments(), 12U);
    const instrument_state* in = h.ex.instrument(i1);
    ASSERT_NE(in, nullptr);
    EXPECT_EQ(in->status, instrument_status::open);
    EXPECT_EQ(in->reference.value(), 1200);
    EXPECT_EQ(in->band_low.value(), 600);
    EXPECT_EQ(in->band_high.value(), 1800);
    EXPECT_EQ(in->gate_ts, t0 + 45 * ns_per_min);
    EXPECT_EQ(in->closing_ts, t0 + 40 * ns_per_min);
    const instrument_state* d = h.ex.instrument(daily(x86, nx));
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->hours, 24);
    EXPECT_EQ(d->band_low.value(), 6);
    EXPECT_EQ(d->band_high.value(), 18);
    EXPECT_EQ(h.ex.instrument(hourly(h100, yrd, 3)), nullptr);  // beyond the 2 hourly slots
}

TEST_F(Exchange, CalendarRollsForwardAndInstrumentsRunTheirLifecycle) {
    // 00:45 passes gate closure of the 01:00 slot and lists the 03:00 slot.
    auto evs = h.tick_at(t0 + 45 * ns_per_min);
    EXPECT_EQ(h.ex.instrument(i1)->status, instrument_status::closed);
    ASSERT_NE(h.ex.instrument(hourly(h100, yrd, 3)), nullptr);
    EXPECT_EQ(h.ex.instrument(hourly(h100, yrd, 3))->status, instrument_status::pre_open);
    h.tick_at(t0 + 60 * ns_per_min);
    EXPECT_EQ(h.ex.instrument(i1)->status, instrument_status::delivering);
    h.tick_at(t0 + 120 * ns_per_min);  // the window ended; the delivery grace (15 min) runs
    EXPECT_EQ(h.ex.instrument(i1)->status, instrument_status::delivering);
    h.tick_at(t0 + 135 * ns_per_min);
    EXPECT_EQ(h.ex.instrument(i1)->status, instrument_status::settled);
    h.tick_at(t0 + 194 * ns_per_min);
    EXPECT_NE(h.ex.instrument(i1), nullptr);
    h.tick_at(t0 + 195 * ns_per_min);  // settled + retention (1 h): delisted
    EXPECT_EQ(h.ex.instrument(i1), nullptr);
    // The listing horizon kept moving: 2 hourly slots ahead of 03:00 + 15 min.
    EXPECT_NE(h.ex.instrument(hourly(h100, yrd, 4)), nullptr);
    EXPECT_NE(h.ex.instrument(hourly(h100, yrd, 5)), nullptr);
}

TEST_F(Exchange, PreOpenCollectsOrdersAndTheOpeningAuctionUncrosses) {
    // The 03:00 slot lists at 00:45 and stays in pre-open for 60 s.
    h.tick_at(t0 + 45 * ns_per_min);
    const instrument_id i3 = hourly(h100, yrd, 3);
    ASSERT_EQ(h.ex.instrument(i3)->status, instrument_status::pre_open);
    h.place(vendor, i3, side::sell, 1100, 4);
    h.place(buyer, i3, side::buy, 1300, 3);
    const auto crossing = h.place(buyer2, i3, side::buy, 1250, 3);
    EXPECT_TRUE(of_type(crossing, event_type::trade).empty());  // no matching in a call phase
    EXPECT_EQ(rejection(h.place(buyer, i3, side::buy, 1300, 1, time_in_force::ioc)),
              reject_reason::not_allowed_in_phase);
    const auto evs = h.tick_at(t0 + 46 * ns_per_min);
    const auto auctions = for_instrument(of_type(evs, event_type::auction_result), i3);
    ASSERT_EQ(auctions.size(), 1U);
    // Volume 4 for prices 1100..1250 (buys >= p: 6, sells: 4) -> imbalance 2 throughout;
    // nearest the reference 1200.
    EXPECT_EQ(auctions[0].body.auction.kind, auction_kind::opening);
    EXPECT_EQ(auctions[0].body.auction.volume.value(), 4);
    EXPECT_EQ(auctions[0].body.auction.price.value(), 1200);
    const auto trades = of_type(evs, event_type::trade);
    ASSERT_EQ(trades.size(), 2U);
    EXPECT_EQ(trades[0].body.trade.buyer, buyer);  // best bid first
    EXPECT_EQ(trades[0].body.trade.qty.value(), 3);
    EXPECT_EQ(trades[1].body.trade.buyer, buyer2);
    EXPECT_EQ(trades[1].body.trade.qty.value(), 1);
    EXPECT_EQ(trades[0].body.trade.auction, 1);
    EXPECT_EQ(h.ex.instrument(i3)->status, instrument_status::open);
}

TEST_F(Exchange, ClosingAuctionSetsSettlementAndExpiryReleasesEverything) {
    const money_fen before = ps(buyer).available;
    h.place(buyer, i1, side::buy, 1000, 2);  // will expire
    h.tick_at(t0 + 40 * ns_per_min);         // closing call
    EXPECT_EQ(h.ex.instrument(i1)->status, instrument_status::closing);
    h.place(vendor, i1, side::sell, 1300, 2);
    h.place(buyer2, i1, side::buy, 1350, 2);  // crosses, but only at the auction
    EXPECT_EQ(h.ex.instrument(i1)->volume.value(), 0);
    const auto evs = h.tick_at(t0 + 45 * ns_per_min);
    const auto auctions = for_instrument(of_type(evs, event_type::auction_result), i1);
    ASSERT_EQ(auctions.size(), 1U);
    EXPECT_EQ(auctions[0].body.auction.kind, auction_kind::closing);
    // Volume 2 at 1300..1350, imbalance 0: nearest the reference 1200 is 1300.
    EXPECT_EQ(auctions[0].body.auction.price.value(), 1300);
    EXPECT_EQ(h.ex.instrument(i1)->settlement.value(), 1300);
    EXPECT_EQ(h.ex.last_settlement(h100, yrd).value(), 1300);
    // The resting bid at 1000 expired and its hold came back.
    bool expired = false;
    for (const event& e : of_type(evs, event_type::order_done)) {
        expired |= e.body.done.reason == done_reason::expired && e.participant == buyer;
    }
    EXPECT_TRUE(expired);
    EXPECT_EQ(ps(buyer).available, before);
    EXPECT_EQ(ps(buyer).held.value(), 0);
    // After gate closure nothing trades.
    EXPECT_EQ(rejection(h.place(buyer, i1, side::buy, 1300, 1)), reject_reason::market_closed);
    // The next listing of h100 x yrd takes the settlement price as its reference.
    h.tick_at(t0 + 105 * ns_per_min);  // lists the 04:00 slot
    const instrument_state* later = h.ex.instrument(hourly(h100, yrd, 4));
    ASSERT_NE(later, nullptr);
    EXPECT_EQ(later->reference.value(), 1300);
    EXPECT_EQ(later->band_low.value(), 650);
    EXPECT_EQ(later->band_high.value(), 1950);
}

TEST_F(Exchange, SettlementFallsBackToTheLastTrade) {
    rest_sell(1250, 1);
    rest_buy(1250, 1);  // trades continuously at 1250
    h.tick_at(t0 + 45 * ns_per_min);
    EXPECT_EQ(h.ex.instrument(i1)->settlement.value(), 1250);
}

// ---- continuous trading and money -------------------------------------------------------------

TEST_F(Exchange, TradeChargesComputeEnergyNetworkAndFeesByHand) {
    rest_sell(1100, 2);
    command c = harness::order_cmd(buyer, i1, side::buy, 1200, 2);
    c.body.place.origin_region = nx;
    c.body.place.data_gb = 1000;
    const money_fen start = ps(buyer).available;
    const auto evs = h.run(c);
    // Hold at the limit: compute 1200 x 2 x 1 = 2400; energy per device-hour in yrd
    // 700 W x 1.300 x 0.692 CNY/kWh = 62.972 fen, x 2 = 125.944 -> 126; network nx->yrd
    // 1000 GB x 0.048 = 48 CNY = 4800; fee hold 5 bps of 2400 = 1.2 -> 1. Total 7327.
    const auto acc = of_type(evs, event_type::order_accepted);
    ASSERT_EQ(acc.size(), 1U);
    EXPECT_EQ(acc[0].body.accepted.hold.value(), 7327);
    const auto trades = of_type(evs, event_type::trade);
    ASSERT_EQ(trades.size(), 1U);
    const trade_body& t = trades[0].body.trade;
    EXPECT_EQ(t.price.value(), 1100);  // the resting price
    EXPECT_EQ(t.compute.value(), 2200);
    EXPECT_EQ(t.energy.value(), 126);
    EXPECT_EQ(t.network.value(), 4800);
    EXPECT_EQ(t.buyer_fee.value(), 1);   // taker 5 bps of 2200 = 1.1 -> 1
    EXPECT_EQ(t.seller_fee.value(), 0);  // maker 2 bps of 2200 = 0.44 -> 0
    EXPECT_EQ(t.aggressor, side::buy);
    EXPECT_EQ(ps(buyer).escrow.value(), 2200 + 126 + 4800 + 1);
    EXPECT_EQ(ps(buyer).held.value(), 0);
    EXPECT_EQ(ps(buyer).available.value(), start.value() - 7127);
    // The vendor's capacity for 01:00 moved from committed to sold.
    const capacity_hour cap = h.ex.capacity(vendor, h100, yrd, h0 + 1);
    EXPECT_EQ(cap.sold, 2);
    EXPECT_EQ(cap.committed, 0);
}

TEST_F(Exchange, PartialFillsChargeNetworkProRataAndExactlyInTotal) {
    command c = harness::order_cmd(buyer, i1, side::buy, 1200, 3);
    c.body.place.origin_region = nx;
    c.body.place.data_gb = 1001;  // network 1001 x 0.048 = 48.048 CNY -> 4805 fen
    h.run(c);
    int64_t network = 0;
    for (int i = 0; i < 3; ++i) {
        for (const event& e :
             of_type(h.place(vendor, i1, side::sell, 1200, 1), event_type::trade)) {
            network += e.body.trade.network.value();
        }
    }
    EXPECT_EQ(network, 4805);  // 1601 + 1601 + 1603: floor shares, the rest on the last fill
    EXPECT_EQ(ps(buyer).held.value(), 0);
}

TEST_F(Exchange, BuyHoldsWorstCaseAndCancelReleasesIt) {
    const money_fen start = ps(buyer).available;
    const order_id id = rest_buy(1000, 5);
    // compute 5000 + energy 5 x 62.972 = 314.86 -> 315 + fee 5 bps of 5000 = 2.5 -> 2.
    EXPECT_EQ(ps(buyer).held.value(), 5317);
    EXPECT_EQ(ps(buyer).available.value(), start.value() - 5317);
    const auto evs = h.cancel(buyer, id);
    const auto done = of_type(evs, event_type::order_done);
    ASSERT_EQ(done.size(), 1U);
    EXPECT_EQ(done[0].body.done.reason, done_reason::cancelled);
    EXPECT_EQ(ps(buyer).held.value(), 0);
    EXPECT_EQ(ps(buyer).available, start);
    EXPECT_EQ(of_type(evs, event_type::balance_changed).size(), 1U);
}

TEST_F(Exchange, SellReservesCapacityForEveryHourAndHourlyAndDailyOverlap) {
    // vendor2 registers 10 x86 devices in nx for the 24 h of the daily window only.
    harness& x = h;
    const participant_id v = x.add("v3", role_vendor);
    x.capacity(v, x86, nx, 10, h0 + 16, h0 + 40);
    const instrument_id day = daily(x86, nx);
    EXPECT_NE(accepted_id(x.place(v, day, side::sell, 12, 6)), order_id(0));
    EXPECT_EQ(x.ex.capacity(v, x86, nx, h0 + 16).committed, 6);
    EXPECT_EQ(x.ex.capacity(v, x86, nx, h0 + 39).committed, 6);
    EXPECT_EQ(rejection(x.place(v, day, side::sell, 12, 5)), reject_reason::insufficient_capacity);
    EXPECT_NE(accepted_id(x.place(v, day, side::sell, 12, 4)), order_id(0));
}

TEST_F(Exchange, HourlySellCannotUseCapacityHeldByADailySell) {
    const participant_id v = h.add("v4", role_vendor);
    h.capacity(v, h100, yrd, 10, h0, h0 + 48);
    // Move the clock so that the 16:00 hourly slot is listed (gate 15:45, 2 slots ahead).
    h.tick_at(t0 + 14 * ns_per_hour + 50 * ns_per_min);
    const instrument_id hour16 = hourly(h100, yrd, 16);
    ASSERT_NE(h.ex.instrument(hour16), nullptr);
    h.tick_at(t0 + 14 * ns_per_hour + 52 * ns_per_min);  // past its pre-open
    EXPECT_NE(accepted_id(h.place(v, daily(h100, yrd), side::sell, 1200, 7)), order_id(0));
    EXPECT_EQ(rejection(h.place(v, hour16, side::sell, 1200, 4)),
              reject_reason::insufficient_capacity);
    EXPECT_NE(accepted_id(h.place(v, hour16, side::sell, 1200, 3)), order_id(0));
    EXPECT_EQ(h.ex.capacity(v, h100, yrd, h0 + 16).committed, 10);
    EXPECT_EQ(h.ex.capacity(v, h100, yrd, h0 + 17).committed, 7);
}

TEST_F(Exchange, MarketOrderTradesWithinTheCollar) {
    rest_sell(1000, 1);
    rest_sell(1100, 1);
    rest_sell(1200, 1);
    command c = harness::order_cmd(buyer, i1, side::buy, 0, 5);
    c.body.place.type = order_type::market;
    const auto evs = h.run(c);
    // Collar: touch 1000 + 10% = 1100, so the 1200 ask is not reached.
    EXPECT_EQ(of_type(evs, event_type::order_accepted)[0].body.accepted.price.value(), 1100);
    EXPECT_EQ(of_type(evs, event_type::trade).size(), 2U);
    const auto done = of_type(evs, event_type::order_done);
    ASSERT_FALSE(done.empty());
    EXPECT_EQ(done.back().body.done.reason, done_reason::unfilled);
    EXPECT_EQ(done.back().body.done.filled.value(), 2);
    EXPECT_EQ(ps(buyer).held.value(), 0);
}

TEST_F(Exchange, MarketFokFillsWholeWithinTheCollarOrNothing) {
    rest_sell(1000, 1);
    rest_sell(1100, 1);
    rest_sell(1200, 1);
    command c = harness::order_cmd(buyer, i1, side::buy, 0, 3, time_in_force::fok);
    c.body.place.type = order_type::market;
    // Only 2 of the 3 lie within the collar (1100): nothing trades, nothing stays held.
    auto evs = h.run(c);
    EXPECT_TRUE(of_type(evs, event_type::trade).empty());
    ASSERT_FALSE(of_type(evs, event_type::order_done).empty());
    EXPECT_EQ(of_type(evs, event_type::order_done).back().body.done.reason, done_reason::unfilled);
    EXPECT_EQ(ps(buyer).held.value(), 0);
    c.body.place.qty = qty_devices(2);
    evs = h.run(c);
    EXPECT_EQ(of_type(evs, event_type::trade).size(), 2U);
}

TEST_F(Exchange, MarketOrderWithoutLiquidityIsRejected) {
    command c = harness::order_cmd(buyer, i1, side::buy, 0, 1);
    c.body.place.type = order_type::market;
    EXPECT_EQ(rejection(h.run(c)), reject_reason::no_liquidity);
    rest_sell(1200, 1);
    EXPECT_EQ(rejection(h.run(c)), reject_reason::none);
}

TEST_F(Exchange, IocRemainderIsCancelled) {
    rest_sell(1200, 2);
    const auto evs = h.place(buyer, i1, side::buy, 1200, 5, time_in_force::ioc);
    const auto done = of_type(evs, event_type::order_done);
    EXPECT_EQ(done.back().body.done.reason, done_reason::unfilled);
    EXPECT_EQ(done.back().body.done.filled.value(), 2);
    EXPECT_EQ(done.back().body.done.remaining.value(), 3);
    EXPECT_TRUE(h.ex.instrument(i1)->bk.empty(side::buy));
}

TEST_F(Exchange, FokFillsWholeOrNothing) {
    rest_sell(1200, 2);
    rest_sell(1210, 2);
    auto evs = h.place(buyer, i1, side::buy, 1210, 5, time_in_force::fok);
    EXPECT_TRUE(of_type(evs, event_type::trade).empty());
    EXPECT_EQ(of_type(evs, event_type::order_done).back().body.done.reason, done_reason::unfilled);
    EXPECT_EQ(h.ex.instrument(i1)->bk.best_price(side::sell).value(), 1200);
    EXPECT_EQ(ps(buyer).held.value(), 0);
    evs = h.place(buyer, i1, side::buy, 1210, 4, time_in_force::fok);
    EXPECT_EQ(of_type(evs, event_type::trade).size(), 2U);
    EXPECT_EQ(of_type(evs, event_type::order_done).back().body.done.reason, done_reason::filled);
}

TEST_F(Exchange, PostOnlyRestsOrIsRejected) {
    rest_sell(1200, 1);
    command c = harness::order_cmd(buyer, i1, side::buy, 1200, 1);
    c.body.place.post_only = 1;
    EXPECT_EQ(rejection(h.run(c)), reject_reason::post_only_would_cross);
    c.body.place.price = price_fen(1199);
    EXPECT_EQ(rejection(h.run(c)), reject_reason::none);
    EXPECT_EQ(h.ex.instrument(i1)->bk.best_price(side::buy).value(), 1199);
}

TEST_F(Exchange, SelfTradePreventionModes) {
    // `both` holds both roles: its own resting ask meets its own bid.
    const order_id own = rest_sell(1200, 1, both);
    rest_sell(1201, 1, vendor);
    command c = harness::order_cmd(both, i1, side::buy, 1201, 2);
    c.body.place.stp = stp_mode::cancel_newest;
    auto evs = h.run(c);
    EXPECT_TRUE(of_type(evs, event_type::trade).empty());
    EXPECT_EQ(of_type(evs, event_type::order_done).back().body.done.reason,
              done_reason::self_trade);
    ASSERT_NE(h.ex.find_order(own), nullptr);

    c.body.place.stp = stp_mode::cancel_oldest;
    evs = h.run(c);
    EXPECT_EQ(h.ex.find_order(own), nullptr);  // the resting one went
    EXPECT_EQ(of_type(evs, event_type::trade).size(), 1U);
    EXPECT_EQ(of_type(evs, event_type::trade)[0].body.trade.seller, vendor);
    // The unfilled remainder rests as a bid; take it away before the next case.
    ASSERT_EQ(rejection(h.cancel(both, accepted_id(evs))), reject_reason::none);

    const order_id own2 = rest_sell(1200, 1, both);
    c.body.place.stp = stp_mode::cancel_both;
    evs = h.run(c);
    EXPECT_EQ(h.ex.find_order(own2), nullptr);
    EXPECT_TRUE(of_type(evs, event_type::trade).empty());
    EXPECT_EQ(of_type(evs, event_type::order_done).size(), 2U);
}

TEST_F(Exchange, ReplaceQtyDownKeepsPriority) {
    const order_id first = rest_sell(1200, 5);
    rest_sell(1200, 5, vendor2);
    const auto evs = h.replace(vendor, first, 1200, 2);
    EXPECT_EQ(of_type(evs, event_type::order_replaced)[0].body.replaced.kept_priority, 1);
    EXPECT_EQ(h.ex.capacity(vendor, h100, yrd, h0 + 1).committed, 2);
    const auto trades = of_type(h.place(buyer, i1, side::buy, 1200, 1), event_type::trade);
    ASSERT_EQ(trades.size(), 1U);
    EXPECT_EQ(trades[0].body.trade.seller, vendor);
}

TEST_F(Exchange, ReplaceQtyUpOrPriceChangeLosesPriority) {
    const order_id first = rest_sell(1200, 5);
    rest_sell(1200, 5, vendor2);
    auto evs = h.replace(vendor, first, 1200, 6);
    EXPECT_EQ(of_type(evs, event_type::order_replaced)[0].body.replaced.kept_priority, 0);
    auto trades = of_type(h.place(buyer, i1, side::buy, 1200, 1), event_type::trade);
    ASSERT_EQ(trades.size(), 1U);
    EXPECT_EQ(trades[0].body.trade.seller, vendor2);
    // A price change that crosses trades like a new order.
    const order_id bid = rest_buy(1100, 2, buyer2);
    evs = h.replace(buyer2, bid, 1200, 2);
    trades = of_type(evs, event_type::trade);
    ASSERT_EQ(trades.size(), 1U);
    EXPECT_EQ(trades[0].body.trade.qty.value(), 2);
    EXPECT_EQ(trades[0].body.trade.aggressor, side::buy);
}

TEST_F(Exchange, ReplaceThatCannotBeFundedLeavesTheOrderAsItWas) {
    const participant_id poor = h.add("poor", role_buyer);
    h.deposit(poor, 2000);
    const order_id id = accepted_id(h.place(poor, i1, side::buy, 1000, 1));
    ASSERT_NE(id, order_id(0));
    const money_fen held = ps(poor).held;
    EXPECT_EQ(rejection(h.replace(poor, id, 1800, 2)), reject_reason::insufficient_funds);
    EXPECT_EQ(ps(poor).held, held);
    EXPECT_EQ(h.ex.find_order(id)->price.value(), 1000);
    EXPECT_EQ(h.ex.find_order(id)->remaining.value(), 1);
}

TEST_F(Exchange, WithdrawAndDeposit) {
    const money_fen start = ps(buyer).available;
    command w;
    w.type = command_type::withdraw;
    w.actor = buyer;
    w.body.money.amount = money_fen(start.value() + 1);
    EXPECT_EQ(rejection(h.run(w)), reject_reason::insufficient_funds);
    w.body.money.amount = money_fen(500);
    EXPECT_EQ(rejection(h.run(w)), reject_reason::none);
    EXPECT_EQ(ps(buyer).available.value(), start.value() - 500);
    EXPECT_EQ(rejection(h.deposit(buyer, 0)), reject_reason::invalid_amount);
    EXPECT_EQ(rejection(h.deposit(buyer, 1)), reject_reason::none);
}

// ---- every reject reason: accept and reject path ---------------------------------------------

TEST_F(Exchange, RejectUnknownInstrument) {
    EXPECT_EQ(rejection(h.place(buyer, hourly(h100, yrd, 40), side::buy, 1200, 1)),
              reject_reason::unknown_instrument);
    EXPECT_EQ(rejection(h.place(buyer, i1, side::buy, 1200, 1)), reject_reason::none);
}

TEST_F(Exchange, RejectInvalidPriceAndOutOfBand) {
    EXPECT_EQ(rejection(h.place(buyer, i1, side::buy, 0, 1)), reject_reason::invalid_price);
    EXPECT_EQ(rejection(h.place(buyer, i1, side::buy, -5, 1)), reject_reason::invalid_price);
    EXPECT_EQ(rejection(h.place(buyer, i1, side::buy, 599, 1)), reject_reason::price_out_of_band);
    EXPECT_EQ(rejection(h.place(buyer, i1, side::buy, 1801, 1)), reject_reason::price_out_of_band);
    EXPECT_EQ(rejection(h.place(buyer, i1, side::buy, 600, 1)), reject_reason::none);
    EXPECT_EQ(rejection(h.place(vendor, i1, side::sell, 1800, 1)), reject_reason::none);
}

TEST(ExchangeTick, RejectOffTickPrice) {
    market_config m = small_market();
    m.chips[0].tick = price_fen(10);
    harness x(m);
    const participant_id b = x.add("b", role_buyer);
    x.deposit(b, 1'000'000);
    x.tick_at(t0 + 61 * ns_per_s);
    const instrument_id i = hourly(0, 0, 1);
    EXPECT_EQ(rejection(x.place(b, i, side::buy, 1205, 1)), reject_reason::invalid_price);
    EXPECT_EQ(rejection(x.place(b, i, side::buy, 1210, 1)), reject_reason::none);
}

TEST_F(Exchange, RejectInvalidQty) {
    EXPECT_EQ(rejection(h.place(buyer, i1, side::buy, 1200, 0)), reject_reason::invalid_qty);
    EXPECT_EQ(rejection(h.place(buyer, i1, side::buy, 1200, limits::qty_per_order_max + 1)),
              reject_reason::invalid_qty);
    EXPECT_EQ(rejection(h.replace(buyer, rest_buy(1000, 1), 1000, 0)), reject_reason::invalid_qty);
}

TEST_F(Exchange, RejectInvalidOrder) {
    command c = harness::order_cmd(buyer, i1, side::buy, 1200, 1);
    c.body.place.tif = static_cast<time_in_force>(7);
    EXPECT_EQ(rejection(h.run(c)), reject_reason::invalid_order);
    c = harness::order_cmd(buyer, i1, side::buy, 1200, 1, time_in_force::ioc);
    c.body.place.post_only = 1;
    EXPECT_EQ(rejection(h.run(c)), reject_reason::invalid_order);
    c.body.place.tif = time_in_force::gtc;
    EXPECT_EQ(rejection(h.run(c)), reject_reason::none);
    command none;
    none.actor = buyer;
    EXPECT_EQ(rejection(h.run(none)), reject_reason::invalid_order);
}

TEST_F(Exchange, RejectUnknownParticipant) {
    EXPECT_EQ(rejection(h.place(participant_id(60), i1, side::buy, 1200, 1)),
              reject_reason::unknown_participant);
    EXPECT_EQ(rejection(h.place(participant_id(100000), i1, side::buy, 1200, 1)),
              reject_reason::unknown_participant);
    EXPECT_EQ(rejection(h.deposit(participant_id(61), 100)), reject_reason::unknown_participant);
}

TEST_F(Exchange, RejectForbiddenByRole) {
    EXPECT_EQ(rejection(h.place(buyer, i1, side::sell, 1200, 1)), reject_reason::forbidden);
    EXPECT_EQ(rejection(h.place(vendor, i1, side::buy, 1200, 1)), reject_reason::forbidden);
    EXPECT_EQ(rejection(h.place(regulator, i1, side::buy, 1200, 1)), reject_reason::forbidden);
    EXPECT_EQ(rejection(h.capacity(buyer, h100, yrd, 1, h0, h0 + 2)), reject_reason::forbidden);
    command dep;
    dep.type = command_type::deposit;
    dep.actor = buyer;
    dep.body.money.target = buyer;
    dep.body.money.amount = money_fen(100);
    EXPECT_EQ(rejection(h.run(dep)), reject_reason::forbidden);
    dep.actor = admin;
    EXPECT_EQ(rejection(h.run(dep)), reject_reason::none);
    command t;
    t.type = command_type::tick;
    t.actor = admin;
    EXPECT_EQ(rejection(h.run(t)), reject_reason::forbidden);
    command cp;
    cp.type = command_type::create_participant;
    cp.actor = buyer;
    cp.body.create.roles = role_buyer;
    std::strncpy(cp.body.create.name, "x", sizeof cp.body.create.name);
    EXPECT_EQ(rejection(h.run(cp)), reject_reason::forbidden);
    cp.actor = admin;
    EXPECT_EQ(rejection(h.run(cp)), reject_reason::none);
    EXPECT_EQ(rejection(h.place(both, i1, side::sell, 1200, 1)), reject_reason::none);
}

TEST_F(Exchange, RejectUnknownOrder) {
    const order_id mine = rest_buy(1000, 1);
    EXPECT_EQ(rejection(h.cancel(buyer2, mine)), reject_reason::unknown_order);  // not theirs
    EXPECT_EQ(rejection(h.cancel(buyer, order_id(12345))), reject_reason::unknown_order);
    EXPECT_EQ(rejection(h.replace(buyer2, mine, 1000, 1)), reject_reason::unknown_order);
    EXPECT_EQ(rejection(h.cancel(buyer, mine)), reject_reason::none);
    EXPECT_EQ(rejection(h.cancel(buyer, mine)), reject_reason::unknown_order);  // gone
}

TEST_F(Exchange, RejectUnknownRegionAndInvalidDataVolume) {
    command c = harness::order_cmd(buyer, i1, side::buy, 1200, 1);
    c.body.place.origin_region = 9;
    EXPECT_EQ(rejection(h.run(c)), reject_reason::unknown_region);
    c.body.place.origin_region = nx;
    c.body.place.data_gb = -1;
    EXPECT_EQ(rejection(h.run(c)), reject_reason::invalid_data_volume);
    c.body.place.data_gb = limits::data_gb_max + 1;
    EXPECT_EQ(rejection(h.run(c)), reject_reason::invalid_data_volume);
    c.body.place.data_gb = 10;
    EXPECT_EQ(rejection(h.run(c)), reject_reason::none);
    command s = harness::order_cmd(vendor, i1, side::sell, 1200, 1);
    s.body.place.data_gb = 10;  // a sell moves no data
    EXPECT_EQ(rejection(h.run(s)), reject_reason::invalid_data_volume);
}

TEST_F(Exchange, RejectInvalidCapacityAndUnknownChip) {
    EXPECT_EQ(rejection(h.capacity(vendor, 5, yrd, 1, h0, h0 + 2)), reject_reason::unknown_chip);
    EXPECT_EQ(rejection(h.capacity(vendor, h100, 5, 1, h0, h0 + 2)), reject_reason::unknown_region);
    EXPECT_EQ(rejection(h.capacity(vendor, h100, yrd, 0, h0, h0 + 2)), reject_reason::invalid_qty);
    EXPECT_EQ(rejection(h.capacity(vendor, h100, yrd, 1, h0 + 2, h0 + 2)),
              reject_reason::invalid_capacity);
    EXPECT_EQ(rejection(h.capacity(vendor, h100, yrd, 1, h0 - 1, h0 + 2)),
              reject_reason::invalid_capacity);
    EXPECT_EQ(rejection(h.capacity(vendor, h100, yrd, 1, h0, h0 + limits::capacity_ring_hours + 1)),
              reject_reason::invalid_capacity);
    EXPECT_EQ(rejection(h.capacity(vendor, h100, yrd, 1, h0, h0 + limits::capacity_ring_hours)),
              reject_reason::none);
}

TEST_F(Exchange, RejectDuplicateParticipantAndBadRoles) {
    command cp;
    cp.type = command_type::create_participant;
    cp.actor = admin;
    cp.body.create.roles = role_buyer;
    std::strncpy(cp.body.create.name, "buyer", sizeof cp.body.create.name);
    EXPECT_EQ(rejection(h.run(cp)), reject_reason::duplicate_participant);
    // Bytes after the name's NUL do not make it another name.
    cp.body.create.name[20] = 'x';
    EXPECT_EQ(rejection(h.run(cp)), reject_reason::duplicate_participant);
    // The exchange itself (participant 0) holds its name.
    std::memset(cp.body.create.name, 0, sizeof cp.body.create.name);
    std::strncpy(cp.body.create.name, "exchange", sizeof cp.body.create.name);
    EXPECT_EQ(rejection(h.run(cp)), reject_reason::duplicate_participant);
    std::strncpy(cp.body.create.name, "newcomer", sizeof cp.body.create.name);
    cp.body.create.roles = role_regulator | role_buyer;  // a regulator never trades
    EXPECT_EQ(rejection(h.run(cp)), reject_reason::invalid_order);
    cp.body.create.roles = role_buyer;
    EXPECT_EQ(rejection(h.run(cp)), reject_reason::none);
}

TEST_F(Exchange, RejectInsufficientFunds) {
    const participant_id poor = h.add("poor", role_buyer);
    h.deposit(poor, 1260);
    // 1 x 1200 + energy 62.972 -> 63 + fee 0.6 -> 0 = 1263 > 1260.
    EXPECT_EQ(rejection(h.place(poor, i1, side::buy, 1200, 1)), reject_reason::insufficient_funds);
    h.deposit(poor, 3);
    EXPECT_EQ(rejection(h.place(poor, i1, side::buy, 1200, 1)), reject_reason::none);
    EXPECT_EQ(ps(poor).available.value(), 0);
}

TEST_F(Exchange, RejectInsufficientCapacity) {
    EXPECT_EQ(rejection(h.place(vendor, i1, side::sell, 1200, 101)),
              reject_reason::insufficient_capacity);
    EXPECT_EQ(rejection(h.place(vendor, i1, side::sell, 1200, 100)), reject_reason::none);
    EXPECT_EQ(rejection(h.place(vendor, i1, side::sell, 1200, 1)),
              reject_reason::insufficient_capacity);
    const participant_id fresh = h.add("fresh", role_vendor);  // nothing registered
    EXPECT_EQ(rejection(h.place(fresh, i1, side::sell, 1200, 1)),
              reject_reason::insufficient_capacity);
}

TEST(ExchangeLimits, RejectOpenOrderLimitBookLimitAndPoolFull) {
    exchange_config cfg = small_config();
    cfg.open_orders_per_participant_max = 2;
    harness x(small_market(), cfg);
    const participant_id b = x.add("b", role_buyer);
    const participant_id b2 = x.add("b2", role_buyer);
    x.deposit(b, 1'000'000);
    x.deposit(b2, 1'000'000);
    x.tick_at(t0 + 61 * ns_per_s);
    const instrument_id i = hourly(0, 0, 1);
    EXPECT_EQ(rejection(x.place(b, i, side::buy, 1000, 1)), reject_reason::none);
    EXPECT_EQ(rejection(x.place(b, i, side::buy, 1000, 1)), reject_reason::none);
    EXPECT_EQ(rejection(x.place(b, i, side::buy, 1000, 1)), reject_reason::open_order_limit);
    EXPECT_EQ(rejection(x.place(b2, i, side::buy, 1000, 1)), reject_reason::none);

    exchange_config book_cfg = small_config();
    book_cfg.open_orders_per_book_max = 1;
    harness y(small_market(), book_cfg);
    const participant_id c = y.add("c", role_buyer);
    y.deposit(c, 1'000'000);
    y.tick_at(t0 + 61 * ns_per_s);
    EXPECT_EQ(rejection(y.place(c, i, side::buy, 1000, 1)), reject_reason::none);
    EXPECT_EQ(rejection(y.place(c, i, side::buy, 1000, 1)), reject_reason::book_order_limit);
    EXPECT_EQ(rejection(y.place(c, hourly(0, 0, 2), side::buy, 1000, 1)), reject_reason::none);

    exchange_config pool_cfg = small_config();
    pool_cfg.orders_max = 2;
    harness z(small_market(), pool_cfg);
    const participant_id d = z.add("d", role_buyer);
    z.deposit(d, 1'000'000);
    z.tick_at(t0 + 61 * ns_per_s);
    EXPECT_EQ(rejection(z.place(d, i, side::buy, 1000, 1)), reject_reason::none);
    EXPECT_EQ(rejection(z.place(d, i, side::buy, 1000, 1)), reject_reason::none);
    EXPECT_EQ(rejection(z.place(d, i, side::buy, 1000, 1)), reject_reason::order_pool_full);
}

TEST(ExchangeLimits, RejectParticipantAndCapacityTablesFull) {
    exchange_config cfg = small_config();
    cfg.participants_max = 2;
    cfg.capacity_rows_max = 1;
    harness x(small_market(), cfg);
    const participant_id v = x.add("v", role_vendor);
    EXPECT_NE(v, participant_id(0));
    EXPECT_NE(x.add("w", role_vendor), participant_id(0));
    EXPECT_EQ(x.add("z", role_vendor), participant_id(0));
    EXPECT_EQ(rejection(x.log.events), reject_reason::participant_table_full);
    EXPECT_EQ(rejection(x.capacity(v, 0, 0, 1, h0, h0 + 2)), reject_reason::none);
    EXPECT_EQ(rejection(x.capacity(v, 0, 0, 1, h0, h0 + 2)), reject_reason::none);  // same row
    EXPECT_EQ(rejection(x.capacity(v, 1, 0, 1, h0, h0 + 2)), reject_reason::capacity_table_full);
}

TEST_F(Exchange, EveryRejectReasonHasAnApiCode) {
    for (const reject_reason r :
         {reject_reason::unknown_instrument, reject_reason::market_closed,
          reject_reason::invalid_price, reject_reason::price_out_of_band,
          reject_reason::invalid_qty, reject_reason::insufficient_funds,
          reject_reason::insufficient_capacity, reject_reason::post_only_would_cross,
          reject_reason::no_liquidity, reject_reason::order_pool_full}) {
        const std::string code = reject_code(r);
        EXPECT_FALSE(code.empty());
        for (const char ch : code) EXPECT_TRUE((ch >= 'A' && ch <= 'Z') || ch == '_') << code;
    }
    EXPECT_STREQ(reject_code(reject_reason::insufficient_funds), "INSUFFICIENT_FUNDS");
    EXPECT_STREQ(reject_code(reject_reason::unknown_instrument), "UNKNOWN_INSTRUMENT");
}

// ---- determinism ---------------------------------------------------------------------------

TEST_F(Exchange, SameCommandsGiveTheSameEventsByteForByteAndTheSameState) {
    rest_sell(1150, 3);
    rest_buy(1160, 2);
    h.place(buyer2, i1, side::buy, 1200, 4, time_in_force::ioc);
    h.tick_at(t0 + 46 * ns_per_min);
    harness again;
    for (const command& c : h.journal) {
        again.ex.apply(c, again.log);
    }
    ASSERT_EQ(again.log.events.size(), h.log.events.size());
    EXPECT_EQ(std::memcmp(again.log.events.data(), h.log.events.data(),
                          h.log.events.size() * sizeof(event)),
              0);
    EXPECT_EQ(again.ex.state_hash(), h.ex.state_hash());
    // And a different history gives a different hash.
    h.deposit(buyer, 1);
    EXPECT_NE(again.ex.state_hash(), h.ex.state_hash());
}

TEST_F(Exchange, EveryCommandEndsWithCommandDone) {
    const auto evs = h.place(buyer, i1, side::buy, 1200, 1);
    ASSERT_FALSE(evs.empty());
    EXPECT_EQ(evs.back().type, event_type::command_done);
    uint64_t seq = evs.front().event_seq;
    for (const event& e : evs) EXPECT_EQ(e.event_seq, seq++);
}

}  // namespace
}  // namespace cux::engine::test
