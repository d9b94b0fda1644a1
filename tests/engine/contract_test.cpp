// Contracts: a trade's delivered cost waits in the buyer's escrow until the window's delivery
// grace ends, then pays the seller and the exchange; a seller's failure report refunds the
// buyer and frees the devices. Figures by hand in the comments (small market of harness.hpp).

#include <gtest/gtest.h>

#include "engine/exchange.hpp"
#include "tests/engine/harness.hpp"

namespace cux::engine::test {
namespace {

constexpr uint8_t h100 = 0;
constexpr uint8_t yrd = 0;
constexpr uint8_t nx = 1;

class Contracts : public ::testing::Test {
protected:
    explicit Contracts(std::size_t contracts_max = std::size_t{1} << 12)
        : h(small_market(), config_with(contracts_max)) {}

    static exchange_config config_with(std::size_t contracts_max) {
        exchange_config c = small_config();
        c.contracts_max = contracts_max;
        return c;
    }

    void SetUp() override {
        buyer = h.add("buyer", role_buyer);
        vendor = h.add("vendor", role_vendor);
        vendor2 = h.add("vendor2", role_vendor);
        h.deposit(buyer, 10'000'000);
        h.capacity(vendor, h100, yrd, 100, h0, h0 + 48);
        h.capacity(vendor2, h100, yrd, 100, h0, h0 + 48);
        h.tick_at(t0 + 61 * ns_per_s);  // past pre-open
    }

    // The vendor rests 2 at 11.00 and the buyer (data 1000 GB from nx) takes them: compute
    // 2200, energy 126, network 4800, buyer fee (taker 5 bps) 1, seller fee (maker 2 bps) 0.
    trade_body trade_two() {
        h.place(vendor, i1, side::sell, 1100, 2);
        command c = harness::order_cmd(buyer, i1, side::buy, 1200, 2);
        c.body.place.origin_region = nx;
        c.body.place.data_gb = 1000;
        const auto trades = of_type(h.run(c), event_type::trade);
        EXPECT_EQ(trades.size(), 1U);
        return trades.empty() ? trade_body{} : trades[0].body.trade;
    }

    const participant_state& ps(participant_id p) { return *h.ex.participant(p); }

    harness h;
    participant_id buyer, vendor, vendor2;
    const instrument_id i1 = hourly(h100, yrd, 1);  // window 01:00-02:00, settles 02:15
};

TEST_F(Contracts, TradeOpensAContractWithItsCostLines) {
    const trade_body t = trade_two();
    EXPECT_EQ(t.origin_region, nx);
    EXPECT_EQ(t.carrier, 0);
    const contract* k = h.ex.find_contract(t.contract);
    ASSERT_NE(k, nullptr);
    EXPECT_EQ(k->status, contract_status::open);
    EXPECT_EQ(k->trade, t.id);
    EXPECT_EQ(k->cost().value(), 2200 + 126 + 4800 + 1);
    EXPECT_EQ(ps(buyer).escrow.value(), 7127);
    EXPECT_EQ(h.ex.live_contracts(), 1U);
}

TEST_F(Contracts, DeliveryGraceEndSettlesToSellerAndExchange) {
    const trade_body t = trade_two();
    const money_fen buyer_available = ps(buyer).available;
    EXPECT_TRUE(of_type(h.tick_at(t0 + 134 * ns_per_min), event_type::contract_settled).empty());
    EXPECT_EQ(ps(buyer).escrow.value(), 7127);
    const auto evs = h.tick_at(t0 + 135 * ns_per_min);
    const auto settled = of_type(evs, event_type::contract_settled);
    ASSERT_EQ(settled.size(), 1U);
    const contract_body_ev& b = settled[0].body.contract;
    EXPECT_EQ(b.id, t.contract);
    EXPECT_EQ(b.trade, t.id);
    EXPECT_EQ(b.buyer, buyer);
    EXPECT_EQ(b.seller, vendor);
    EXPECT_EQ(b.compute.value(), 2200);
    EXPECT_EQ(b.network.value(), 4800);
    // The buyer's escrow is spent; the seller gets compute + energy - its fee (0); the
    // exchange the buyer's fee (1). The 4800 of network leaves for the carrier.
    EXPECT_EQ(ps(buyer).escrow.value(), 0);
    EXPECT_EQ(ps(buyer).available, buyer_available);
    EXPECT_EQ(ps(vendor).available.value(), 2200 + 126);
    EXPECT_EQ(h.ex.participant(participant_id(0))->available.value(), 1);
    // One balance event each for buyer, seller and exchange, with the change of available.
    const auto bal = of_type(evs, event_type::balance_changed);
    ASSERT_EQ(bal.size(), 3U);
    EXPECT_EQ(bal[0].body.balance.participant, buyer);
    EXPECT_EQ(bal[0].body.balance.delta_available.value(), 0);
    EXPECT_EQ(bal[1].body.balance.participant, vendor);
    EXPECT_EQ(bal[1].body.balance.delta_available.value(), 2326);
    EXPECT_EQ(bal[2].body.balance.participant, participant_id(0));
    EXPECT_EQ(bal[2].body.balance.delta_available.value(), 1);
    EXPECT_EQ(h.ex.instrument(i1)->status, instrument_status::settled);
    EXPECT_EQ(h.ex.find_contract(t.contract), nullptr);
    EXPECT_EQ(h.ex.live_contracts(), 0U);
}

TEST_F(Contracts, SellerFailureRefundsTheBuyerAndFreesTheDevices) {
    const money_fen start = ps(buyer).available;
    const trade_body t = trade_two();
    EXPECT_EQ(h.ex.capacity(vendor, h100, yrd, h0 + 1).sold, 2);
    const auto evs = h.run(fail_cmd(vendor, t.contract));
    const auto failed = of_type(evs, event_type::contract_failed);
    ASSERT_EQ(failed.size(), 1U);
    EXPECT_EQ(failed[0].body.contract.id, t.contract);
    EXPECT_EQ(ps(buyer).escrow.value(), 0);
    EXPECT_EQ(ps(buyer).available, start);  // every fen back
    const auto bal = of_type(evs, event_type::balance_changed);
    ASSERT_EQ(bal.size(), 1U);
    EXPECT_EQ(bal[0].body.balance.delta_available.value(), 7127);
    EXPECT_EQ(h.ex.capacity(vendor, h100, yrd, h0 + 1).sold, 0);
    EXPECT_EQ(h.ex.find_contract(t.contract)->status, contract_status::failed);
    // A failed contract does not settle: the seller is never paid for it.
    EXPECT_TRUE(of_type(h.tick_at(t0 + 135 * ns_per_min), event_type::contract_settled).empty());
    EXPECT_EQ(ps(vendor).available.value(), 0);
    EXPECT_EQ(ps(buyer).available, start);
}

TEST_F(Contracts, AdminMayFailAContractForTheSeller) {
    const trade_body t = trade_two();
    EXPECT_EQ(rejection(h.run(fail_cmd(participant_id(0), t.contract))), reject_reason::none);
    EXPECT_EQ(ps(buyer).escrow.value(), 0);
}

TEST_F(Contracts, RejectUnknownContract) {
    const trade_body t = trade_two();
    // Only its seller may fail it: to the buyer or another vendor it does not exist.
    EXPECT_EQ(rejection(h.run(fail_cmd(buyer, t.contract))), reject_reason::unknown_contract);
    EXPECT_EQ(rejection(h.run(fail_cmd(vendor2, t.contract))), reject_reason::unknown_contract);
    EXPECT_EQ(rejection(h.run(fail_cmd(vendor, contract_id(t.contract.value() + 1)))),
              reject_reason::unknown_contract);
    EXPECT_EQ(rejection(h.run(fail_cmd(vendor, contract_id(0)))), reject_reason::unknown_contract);
    EXPECT_EQ(ps(buyer).escrow.value(), 7127);
    // Once settled, a contract can no longer be failed.
    h.tick_at(t0 + 135 * ns_per_min);
    EXPECT_EQ(rejection(h.run(fail_cmd(vendor, t.contract))), reject_reason::unknown_contract);
}

TEST_F(Contracts, RejectContractNotOpen) {
    const trade_body t = trade_two();
    EXPECT_EQ(rejection(h.run(fail_cmd(vendor, t.contract))), reject_reason::none);
    const money_fen after = ps(buyer).available;
    EXPECT_EQ(rejection(h.run(fail_cmd(vendor, t.contract))), reject_reason::contract_not_open);
    EXPECT_EQ(ps(buyer).available, after);  // refunded once, not twice
}

// With room for 3 contracts: 1 trade made, 1 order resting, so one more order fits (it and the
// resting one could still each become a contract) and the next is refused.
class ContractTable : public Contracts {
protected:
    ContractTable() : Contracts(3) {}
};

TEST_F(ContractTable, RejectContractTableFull) {
    trade_two();
    EXPECT_NE(accepted_id(h.place(vendor, i1, side::sell, 1300, 1)), order_id(0));
    EXPECT_NE(accepted_id(h.place(vendor, i1, side::sell, 1310, 1)), order_id(0));
    EXPECT_EQ(rejection(h.place(vendor, i1, side::sell, 1320, 1)),
              reject_reason::contract_table_full);
    // Settlement frees the table again.
    h.tick_at(t0 + 135 * ns_per_min);
    const instrument_id i3 = hourly(h100, yrd, 3);
    h.tick_at(h.now + 61 * ns_per_s);
    ASSERT_NE(h.ex.instrument(i3), nullptr);
    EXPECT_NE(accepted_id(h.place(vendor, i3, side::sell, 1300, 1)), order_id(0));
}

}  // namespace
}  // namespace cux::engine::test
