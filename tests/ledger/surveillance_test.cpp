// Surveillance (ledger/surveillance.hpp): each pattern is raised in a crafted scenario, with its
// evidence, and not in the clean scenario next to it. The scenarios run on the real engine
// (tests/engine/harness.hpp) and the detectors read its events.

#include "ledger/surveillance.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "tests/engine/harness.hpp"

namespace cux::ledger {
namespace {

using namespace cux::engine;
using engine::test::h0;
using engine::test::harness;
using engine::test::t0;
namespace cfg = surveillance_config;

constexpr uint8_t h100 = 0;
constexpr uint8_t yrd = 0;

std::vector<alert> detect(const std::vector<event>& events) {
    surveillance s;
    std::vector<alert> out;
    for (const event& e : events) s.on_event(e, out);
    return out;
}

participant_id add(harness& h, const char* name, uint8_t roles, uint32_t group = 0) {
    command c;
    c.type = command_type::create_participant;
    c.actor = participant_id(0);
    c.body.create.roles = roles;
    c.body.create.group = group;
    std::memcpy(c.body.create.name, name, std::strlen(name));
    for (const event& e : h.run(c)) {
        if (e.type == event_type::participant_created) {
            EXPECT_EQ(e.body.created.group, group);
            return e.body.created.participant;
        }
    }
    ADD_FAILURE() << "participant " << name << " not created";
    return participant_id(0);
}

std::vector<trade_body> trades_of(const std::vector<event>& evs) {
    std::vector<trade_body> t;
    for (const event& e : evs) {
        if (e.type == event_type::trade) t.push_back(e.body.trade);
    }
    return t;
}

class Surveillance : public ::testing::Test {
protected:
    // A vendor with `devices` of h100 in yrd for 48 hours, funded buyers; the books open.
    void open(int64_t devices = 100) {
        vendor = add(h, "vendor", role_vendor);
        for (const participant_id p : {vendor}) h.capacity(p, h100, yrd, devices, h0, h0 + 48);
    }
    void fund(participant_id p) { h.deposit(p, 100'000'000); }
    void start_trading() { h.tick_at(t0 + 61 * ns_per_s); }
    void later(int64_t seconds) { h.now += seconds * ns_per_s; }

    harness h;
    participant_id vendor;
    const instrument_id i1 = engine::test::hourly(h100, yrd, 1);
};

// ---- wash trades ------------------------------------------------------------------------------

TEST_F(Surveillance, WashTradeBetweenLinkedParticipantsIsRaisedWithEvidence) {
    open();
    const participant_id seller = add(h, "seller-a", role_vendor, 7);
    const participant_id buyer = add(h, "buyer-a", role_buyer, 7);
    h.capacity(seller, h100, yrd, 50, h0, h0 + 48);
    fund(buyer);
    start_trading();
    const order_id sell = engine::test::accepted_id(h.place(seller, i1, side::sell, 1200, 5));
    const auto evs = h.place(buyer, i1, side::buy, 1200, 5);
    const order_id buy = engine::test::accepted_id(evs);
    ASSERT_EQ(trades_of(evs).size(), 1u);

    const auto alerts = detect(h.log.events);
    ASSERT_EQ(alerts.size(), 1u);
    const alert& a = alerts[0];
    EXPECT_EQ(a.seq, 1u);
    EXPECT_EQ(a.kind, alert_kind::wash_trade);
    EXPECT_EQ(a.instrument, i1);
    ASSERT_EQ(a.participants, 2);
    EXPECT_EQ(a.participant[0], buyer);
    EXPECT_EQ(a.participant[1], seller);
    ASSERT_EQ(a.orders, 2);
    EXPECT_EQ(a.order_id[0], buy.value());
    EXPECT_EQ(a.order_id[1], sell.value());
    ASSERT_EQ(a.trades, 1);
    EXPECT_EQ(a.trade_id[0], trades_of(evs)[0].id.value());
    EXPECT_EQ(a.cmd_seq, h.ex.last_seq());
    EXPECT_EQ(a.metric[0], 5);  // qty
    EXPECT_EQ(a.metric[1], 7);  // group
}

TEST_F(Surveillance, WashTradeOfOneParticipantWithItselfInTheOpeningAuction) {
    open();
    // Self-trade prevention applies to continuous matching only: in the call auction a
    // participant's own bid and ask cross.
    const participant_id both = add(h, "both", role_vendor | role_buyer);
    h.capacity(both, h100, yrd, 50, h0, h0 + 48);
    fund(both);
    h.place(both, i1, side::sell, 1200, 4);
    h.place(both, i1, side::buy, 1200, 4);
    const auto evs = h.tick_at(t0 + 61 * ns_per_s);
    ASSERT_EQ(trades_of(evs).size(), 1u);
    ASSERT_EQ(trades_of(evs)[0].buyer, trades_of(evs)[0].seller);

    const auto alerts = detect(h.log.events);
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0].kind, alert_kind::wash_trade);
    ASSERT_EQ(alerts[0].participants, 1);
    EXPECT_EQ(alerts[0].participant[0], both);
    EXPECT_EQ(alerts[0].metric[1], 0);  // no group: one participant
}

TEST_F(Surveillance, TradesBetweenUnlinkedParticipantsRaiseNothing) {
    open();
    const participant_id seller = add(h, "seller-a", role_vendor, 7);
    const participant_id buyer = add(h, "buyer-a", role_buyer, 8);  // another owner
    const participant_id plain = add(h, "buyer-b", role_buyer);     // no group
    h.capacity(seller, h100, yrd, 50, h0, h0 + 48);
    fund(buyer);
    fund(plain);
    start_trading();
    h.place(seller, i1, side::sell, 1200, 5);
    h.place(vendor, i1, side::sell, 1200, 5);
    EXPECT_EQ(trades_of(h.place(buyer, i1, side::buy, 1200, 5)).size(), 1u);
    EXPECT_EQ(trades_of(h.place(plain, i1, side::buy, 1200, 5)).size(), 1u);
    EXPECT_TRUE(detect(h.log.events).empty());
}

// ---- layering / spoofing ----------------------------------------------------------------------

class SurveillanceLayering : public Surveillance {
protected:
    void SetUp() override {
        open();
        spoofer = add(h, "spoofer", role_vendor | role_buyer);
        h.capacity(spoofer, h100, yrd, 100, h0, h0 + 48);
        fund(spoofer);
        start_trading();
        h.place(vendor, i1, side::sell, 1200, 10);  // what the spoofer ends up buying
    }
    // A large sell away from the touch, cancelled `after_s` seconds later.
    order_id place_and_cancel(int64_t qty, int64_t after_s, side sd = side::sell) {
        const order_id id =
            engine::test::accepted_id(h.place(spoofer, i1, sd, sd == side::sell ? 1500 : 900, qty));
        later(after_s);
        h.cancel(spoofer, id);
        later(1);
        return id;
    }

    participant_id spoofer;
};

TEST_F(SurveillanceLayering, QuickCancelsOfLargeOrdersThenATradeOnTheOtherSideRaiseAnAlert) {
    std::vector<order_id> cancelled;
    for (int i = 0; i < 3; ++i) cancelled.push_back(place_and_cancel(20, 2));
    const auto evs = h.place(spoofer, i1, side::buy, 1200, 4);
    ASSERT_EQ(trades_of(evs).size(), 1u);

    const auto alerts = detect(h.log.events);
    ASSERT_EQ(alerts.size(), 1u);
    const alert& a = alerts[0];
    EXPECT_EQ(a.kind, alert_kind::layering);
    ASSERT_EQ(a.participants, 1);
    EXPECT_EQ(a.participant[0], spoofer);
    EXPECT_EQ(a.instrument, i1);
    ASSERT_EQ(a.orders, 4);  // the three cancelled orders, then the order that traded
    for (int i = 0; i < 3; ++i) EXPECT_EQ(a.order_id[i], cancelled[i].value());
    EXPECT_EQ(a.order_id[3], engine::test::accepted_id(evs).value());
    EXPECT_EQ(a.seqs, 7);  // placement and cancel of each, then the trade's command
    EXPECT_EQ(a.cmd_seq_of[6], h.ex.last_seq());
    EXPECT_EQ(a.metric[0], 3);   // cancelled orders
    EXPECT_EQ(a.metric[1], 60);  // cancelled devices
    EXPECT_EQ(a.metric[2], 4);   // traded
    // The evidence is used: another trade without new cancels raises nothing more.
    later(1);
    h.place(spoofer, i1, side::buy, 1200, 2);
    EXPECT_EQ(detect(h.log.events).size(), 1u);
}

TEST_F(SurveillanceLayering, SlowCancelsSmallOrdersFewCancelsSameSideOrStaleCancelsRaiseNothing) {
    // Cancelled too late after placing.
    for (int i = 0; i < 3; ++i) place_and_cancel(20, cfg::layering_cancel_within_ns / ns_per_s + 1);
    // Too small.
    for (int i = 0; i < 3; ++i) place_and_cancel(cfg::layering_order_qty_min - 1, 1);
    // Too few.
    for (std::size_t i = 0; i + 1 < cfg::layering_cancels_min; ++i) place_and_cancel(20, 1);
    // On the side it then trades on (bids cancelled, then a buy).
    for (int i = 0; i < 3; ++i) place_and_cancel(20, 1, side::buy);
    h.place(spoofer, i1, side::buy, 1200, 2);
    EXPECT_TRUE(detect(h.log.events).empty());
    // Enough quick cancels, but the trade comes after the window.
    for (int i = 0; i < 3; ++i) place_and_cancel(20, 1);
    later(cfg::layering_window_ns / ns_per_s + 1);
    h.place(spoofer, i1, side::buy, 1200, 2);
    EXPECT_TRUE(detect(h.log.events).empty());
}

// ---- capacity hoarding ------------------------------------------------------------------------

TEST_F(Surveillance, ABuyerHoldingHalfAWindowsSupplyRaisesOneAlert) {
    open(20);  // 20 devices registered for each hour
    const participant_id hoarder = add(h, "hoarder", role_buyer);
    fund(hoarder);
    start_trading();
    h.place(vendor, i1, side::sell, 1200, 20);
    const auto first = h.place(hoarder, i1, side::buy, 1200, 6);
    EXPECT_TRUE(detect(h.log.events).empty());  // 30%
    later(1);
    const auto second = h.place(hoarder, i1, side::buy, 1200, 4);  // 50%
    const auto alerts = detect(h.log.events);
    ASSERT_EQ(alerts.size(), 1u);
    const alert& a = alerts[0];
    EXPECT_EQ(a.kind, alert_kind::capacity_hoarding);
    EXPECT_EQ(a.instrument, i1);
    EXPECT_EQ(a.participant[0], hoarder);
    EXPECT_EQ(a.metric[0], 10);    // held
    EXPECT_EQ(a.metric[1], 20);    // supply
    EXPECT_EQ(a.metric[2], 5000);  // share, basis points
    ASSERT_EQ(a.trades, 2);        // both purchases are the evidence
    EXPECT_EQ(a.trade_id[0], trades_of(first)[0].id.value());
    EXPECT_EQ(a.trade_id[1], trades_of(second)[0].id.value());
    // Once per buyer and window hour.
    later(1);
    h.place(hoarder, i1, side::buy, 1200, 2);
    EXPECT_EQ(detect(h.log.events).size(), 1u);
}

TEST_F(Surveillance, BuyersBelowTheShareOrThinWindowsRaiseNothing) {
    open(20);
    const participant_id b1 = add(h, "b1", role_buyer);
    const participant_id b2 = add(h, "b2", role_buyer);
    fund(b1);
    fund(b2);
    start_trading();
    h.place(vendor, i1, side::sell, 1200, 20);
    h.place(b1, i1, side::buy, 1200, 9);  // 45% each: together most of it, each below
    h.place(b2, i1, side::buy, 1200, 9);
    EXPECT_TRUE(detect(h.log.events).empty());

    harness thin;
    const participant_id v = add(thin, "v", role_vendor);
    const participant_id b = add(thin, "b", role_buyer);
    thin.capacity(v, h100, yrd, cfg::hoarding_supply_min - 1, h0, h0 + 48);
    thin.deposit(b, 100'000'000);
    thin.tick_at(t0 + 61 * ns_per_s);
    thin.place(v, i1, side::sell, 1200, cfg::hoarding_supply_min - 1);
    thin.place(b, i1, side::buy, 1200, cfg::hoarding_supply_min - 1);  // all of a thin window
    EXPECT_TRUE(detect(thin.log.events).empty());
}

TEST_F(Surveillance, TheSameEventsRaiseTheSameAlertsByteForByte) {
    open(20);
    const participant_id a = add(h, "a", role_vendor | role_buyer, 3);
    const participant_id b = add(h, "b", role_buyer, 3);
    h.capacity(a, h100, yrd, 30, h0, h0 + 48);
    fund(a);
    fund(b);
    start_trading();
    h.place(a, i1, side::sell, 1200, 30);
    h.place(b, i1, side::buy, 1200, 25);  // wash (group 3) and hoarding (25 of 50)
    const auto x = detect(h.log.events);
    const auto y = detect(h.log.events);
    ASSERT_EQ(x.size(), 2u);
    ASSERT_EQ(y.size(), x.size());
    EXPECT_EQ(std::memcmp(x.data(), y.data(), x.size() * sizeof(alert)), 0);
    EXPECT_EQ(x[0].kind, alert_kind::wash_trade);
    EXPECT_EQ(x[1].kind, alert_kind::capacity_hoarding);
    EXPECT_EQ(x[1].seq, 2u);
}

}  // namespace
}  // namespace cux::ledger
