// The recorder on hand-computed scenarios (the small market of tests/engine/harness.hpp): each
// kind of line, fee rounding, refunds, idempotent re-application, statements, and the checks
// that stop it. Figures by hand in the comments.

#include "ledger/recorder.hpp"

#include <gtest/gtest.h>

#include "ledger/reader.hpp"
#include "tests/ledger/ledger_fixture.hpp"

namespace cux::ledger::test {
namespace {

using engine::test::fail_cmd;
using engine::test::harness;
using engine::test::of_type;

TEST_F(Ledger, DepositComesFromTheBank) {
    EXPECT_EQ(bal(available_account(buyer)), 10'000'000);
    EXPECT_EQ(bal(bank_account), -10'000'000);
    auto lines = L.read().statement(buyer, 0, INT64_MAX, 100);
    ASSERT_TRUE(lines.ok());
    ASSERT_EQ(lines.value().size(), 1U);
    const statement_line& l = lines.value()[0];
    EXPECT_EQ(l.kind, line_kind::deposit);
    EXPECT_EQ(l.amount_fen, 10'000'000);
    EXPECT_EQ(l.account, account_kind::available);
    EXPECT_EQ(l.counterparty, bank_account);
    EXPECT_EQ(l.ref, 3);  // the third command: admin-created buyer, vendor, then the deposit
    EXPECT_EQ(l.transfer % 8, 0);
    expect_verified();
}

TEST_F(Ledger, WithdrawalPaysOutToTheBank) {
    command c;
    c.type = command_type::withdraw;
    c.actor = buyer;
    c.body.money.amount = money_fen(250'000);
    L.run(c);
    EXPECT_EQ(bal(available_account(buyer)), 9'750'000);
    EXPECT_EQ(bal(bank_account), -9'750'000);
    auto lines = L.read().statement(buyer, 0, INT64_MAX, 100);
    ASSERT_TRUE(lines.ok());
    ASSERT_EQ(lines.value().size(), 2U);
    EXPECT_EQ(lines.value()[1].kind, line_kind::withdrawal);
    EXPECT_EQ(lines.value()[1].amount_fen, -250'000);
    EXPECT_EQ(L.rec->counters().withdrawals, 1U);
    expect_verified();
}

TEST_F(Ledger, HoldsAreNotLedgerMovements) {
    // A resting buy holds funds in the engine; the ledger's available still counts them.
    L.run(harness::order_cmd(buyer, i1, side::buy, 1000, 3));
    const participant_state* ps = L.h.ex.participant(buyer);
    ASSERT_GT(ps->held.value(), 0);
    EXPECT_EQ(bal(available_account(buyer)), 10'000'000);
    auto b = L.read().balance(buyer, ps->held);
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b.value().available, ps->available);
    EXPECT_EQ(b.value().held_by_orders, ps->held);
    EXPECT_EQ(b.value().escrow.value(), 0);
    L.expect_mirrors_engine();
}

TEST_F(Ledger, TradeMovesItsCostIntoEscrowLineByLine) {
    const trade_body t = trade_two();
    EXPECT_EQ(bal(escrow_account(buyer)), 7127);
    EXPECT_EQ(bal(available_account(buyer)), 10'000'000 - 7127);
    auto lines = L.read().statement(buyer, 0, INT64_MAX, 100);
    ASSERT_TRUE(lines.ok());
    // Deposit, then four transfers available -> escrow, each seen from both accounts.
    ASSERT_EQ(lines.value().size(), 9U);
    const line_kind kinds[4] = {line_kind::compute, line_kind::energy, line_kind::network,
                                line_kind::fee};
    const int64_t amounts[4] = {2200, 126, 4800, 1};
    for (std::size_t i = 0; i < 4; ++i) {
        const statement_line& out = lines.value()[1 + 2 * i];
        const statement_line& in = lines.value()[2 + 2 * i];
        EXPECT_EQ(out.kind, kinds[i]);
        EXPECT_EQ(out.account, account_kind::available);
        EXPECT_EQ(out.amount_fen, -amounts[i]);
        EXPECT_EQ(in.account, account_kind::escrow);
        EXPECT_EQ(in.amount_fen, amounts[i]);
        EXPECT_EQ(out.ref, static_cast<int64_t>(t.id.value()));
        EXPECT_EQ(out.contract, t.contract.value());
    }
    auto k = L.read().contract_of_trade(t.id.value());
    ASSERT_TRUE(k.ok() && k.value().has_value());
    EXPECT_EQ(k.value()->status, contract_state::open);
    EXPECT_EQ(k.value()->cost_fen(), 7127);
    EXPECT_EQ(k.value()->contract, t.contract.value());
    L.expect_mirrors_engine();
    expect_verified();
}

TEST_F(Ledger, SettlementPaysSellerCarrierAndExchange) {
    const trade_body t = trade_two();
    L.tick_at(t0 + 134 * ns_per_min);
    EXPECT_EQ(bal(escrow_account(buyer)), 7127);  // not yet: grace ends at 02:15
    L.tick_at(t0 + 135 * ns_per_min);
    EXPECT_EQ(bal(escrow_account(buyer)), 0);
    EXPECT_EQ(bal(available_account(vendor)), 2200 + 126);
    EXPECT_EQ(bal(carrier_account(0)), 4800);
    EXPECT_EQ(bal(fee_account), 1);
    EXPECT_EQ(bal(available_account(buyer)), 10'000'000 - 7127);
    auto k = L.read().contract_of_trade(t.id.value());
    ASSERT_TRUE(k.ok() && k.value().has_value());
    EXPECT_EQ(k.value()->status, contract_state::settled);
    // The seller's statement: compute and energy in; no seller fee at 0.44 fen.
    auto lines = L.read().statement(vendor, 0, INT64_MAX, 100);
    ASSERT_TRUE(lines.ok());
    ASSERT_EQ(lines.value().size(), 2U);
    EXPECT_EQ(lines.value()[0].kind, line_kind::compute);
    EXPECT_EQ(lines.value()[0].amount_fen, 2200);
    EXPECT_EQ(lines.value()[1].kind, line_kind::energy);
    EXPECT_EQ(lines.value()[1].amount_fen, 126);
    // The exchange's statement shows the buyer's fee.
    auto fees = L.read().statement(participant_id(0), 0, INT64_MAX, 100);
    ASSERT_TRUE(fees.ok());
    ASSERT_EQ(fees.value().size(), 1U);
    EXPECT_EQ(fees.value()[0].kind, line_kind::fee);
    EXPECT_EQ(fees.value()[0].account, account_kind::fees);
    EXPECT_EQ(fees.value()[0].amount_fen, 1);
    L.expect_mirrors_engine();
    expect_verified();
}

TEST_F(Ledger, SellerFeeComesOutOfTheProceeds) {
    // 10 at 12.00, same region: compute 12000; energy 10 x 62.972 = 629.72 -> 630; buyer
    // (taker) fee 5 bps = 6; seller (maker) fee 2 bps = 2.4 -> 2.
    L.run(harness::order_cmd(vendor, i1, side::sell, 1200, 10));
    L.run(harness::order_cmd(buyer, i1, side::buy, 1200, 10));
    EXPECT_EQ(bal(escrow_account(buyer)), 12000 + 630 + 6);
    L.tick_at(t0 + 135 * ns_per_min);
    EXPECT_EQ(bal(available_account(vendor)), 12000 + 630 - 2);
    EXPECT_EQ(bal(fee_account), 6 + 2);
    auto lines = L.read().statement(vendor, 0, INT64_MAX, 100);
    ASSERT_TRUE(lines.ok());
    ASSERT_EQ(lines.value().size(), 3U);
    EXPECT_EQ(lines.value()[2].kind, line_kind::fee);
    EXPECT_EQ(lines.value()[2].amount_fen, -2);
    EXPECT_EQ(lines.value()[2].counterparty, fee_account);
    L.expect_mirrors_engine();
    expect_verified();
}

TEST_F(Ledger, FailureRefundsTheBuyerInFull) {
    const trade_body t = trade_two();
    L.run(fail_cmd(vendor, t.contract));
    EXPECT_EQ(bal(escrow_account(buyer)), 0);
    EXPECT_EQ(bal(available_account(buyer)), 10'000'000);
    EXPECT_EQ(bal(available_account(vendor)), 0);
    auto lines = L.read().statement(buyer, 0, INT64_MAX, 100);
    ASSERT_TRUE(lines.ok());
    // The refund, seen from both of the buyer's accounts (available first).
    ASSERT_GE(lines.value().size(), 2U);
    const statement_line& in = lines.value()[lines.value().size() - 2];
    const statement_line& out = lines.value().back();
    EXPECT_EQ(in.kind, line_kind::refund);
    EXPECT_EQ(in.account, account_kind::available);
    EXPECT_EQ(in.amount_fen, 7127);
    EXPECT_EQ(out.account, account_kind::escrow);
    EXPECT_EQ(out.amount_fen, -7127);
    auto k = L.read().contract_of_trade(t.id.value());
    ASSERT_TRUE(k.ok() && k.value().has_value());
    EXPECT_EQ(k.value()->status, contract_state::failed);
    // A failed contract never settles: nothing moves at the end of the grace.
    L.tick_at(t0 + 135 * ns_per_min);
    EXPECT_EQ(bal(available_account(vendor)), 0);
    EXPECT_EQ(bal(carrier_account(0)), 0);
    L.expect_mirrors_engine();
    expect_verified();
}

TEST_F(Ledger, FeeRoundingNeitherCreatesNorLosesAFen) {
    // Three resting sells of 1, 2 and 4 at 11.03 and one buy of 7 that takes them all. Each
    // fill rounds on its own: buyer (taker) fees 5 bps of 1103, 2206, 4412 = 0.55, 1.10, 2.21
    // -> 0 + 1 + 2 = 3; seller fees 2 bps -> 0 each. Energy is rounded cumulatively: 62.972 x
    // (1, 3, 7) = 62.97, 188.92, 440.80 -> 63, 189, 441, so the fills pay 63, 126, 252.
    for (const int64_t q : {1, 2, 4}) L.run(harness::order_cmd(vendor, i1, side::sell, 1103, q));
    const auto trades =
        of_type(L.run(harness::order_cmd(buyer, i1, side::buy, 1103, 7)), event_type::trade);
    ASSERT_EQ(trades.size(), 3U);
    const int64_t fee[3] = {0, 1, 2};
    const int64_t energy[3] = {63, 126, 252};
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(trades[i].body.trade.buyer_fee.value(), fee[i]);
        EXPECT_EQ(trades[i].body.trade.energy.value(), energy[i]);
    }
    EXPECT_EQ(bal(escrow_account(buyer)), 7721 + 441 + 3);
    L.tick_at(t0 + 135 * ns_per_min);
    EXPECT_EQ(bal(fee_account), 3);
    EXPECT_EQ(bal(available_account(vendor)), 7721 + 441);
    EXPECT_EQ(bal(available_account(buyer)), 10'000'000 - 7721 - 441 - 3);
    EXPECT_EQ(bal(escrow_account(buyer)), 0);
    EXPECT_EQ(bal(bank_account), -10'000'000);
    L.expect_mirrors_engine();
    expect_verified();
}

TEST_F(Ledger, ContractsAndTradesByParty) {
    const trade_body a = trade_two();
    const trade_body b = trade_two();
    L.run(fail_cmd(vendor, a.contract));
    reader r = L.read();
    contract_query q;
    q.participant = buyer;
    q.role = party::buyer;
    auto all = r.contracts(q);
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(all.value().size(), 2U);
    EXPECT_EQ(all.value()[0].trade, a.id.value());
    q.status = contract_state::open;
    auto open = r.contracts(q);
    ASSERT_TRUE(open.ok());
    ASSERT_EQ(open.value().size(), 1U);
    EXPECT_EQ(open.value()[0].trade, b.id.value());
    q.role = party::seller;
    q.status.reset();
    auto sold = r.contracts(q);
    ASSERT_TRUE(sold.ok());
    EXPECT_TRUE(sold.value().empty());
    q.participant = vendor;
    sold = r.contracts(q);
    ASSERT_TRUE(sold.ok());
    EXPECT_EQ(sold.value().size(), 2U);
    trade_query tq;
    tq.from = t0 + 61 * ns_per_s;
    auto tape = r.trades(tq);
    ASSERT_TRUE(tape.ok());
    EXPECT_EQ(tape.value().size(), 2U);
    tq.after_trade = a.id.value();
    tape = r.trades(tq);
    ASSERT_TRUE(tape.ok());
    ASSERT_EQ(tape.value().size(), 1U);
    EXPECT_EQ(tape.value()[0].trade, b.id.value());
    tq = trade_query{};
    tq.to = t0;  // before any trade
    tape = r.trades(tq);
    ASSERT_TRUE(tape.ok());
    EXPECT_TRUE(tape.value().empty());
}

TEST_F(Ledger, StatementPagesAndTimeRanges) {
    trade_two();
    reader r = L.read();
    auto all = r.statement(buyer, 0, INT64_MAX, 100);
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(all.value().size(), 9U);
    // Pages of whole transfers: a transfer between two of the buyer's accounts is two lines.
    auto first = r.statement(buyer, 0, INT64_MAX, 3);
    ASSERT_TRUE(first.ok());
    ASSERT_EQ(first.value().size(), 3U);
    auto next = r.statement(buyer, 0, INT64_MAX, 100, first.value().back().transfer);
    ASSERT_TRUE(next.ok());
    EXPECT_EQ(next.value().size(), 6U);
    // The deposit was stamped t0, the trade at t0 + 61 s.
    auto before = r.statement(buyer, 0, t0 + ns_per_s, 100);
    ASSERT_TRUE(before.ok());
    ASSERT_EQ(before.value().size(), 1U);
    EXPECT_EQ(before.value()[0].kind, line_kind::deposit);
    EXPECT_FALSE(r.statement(buyer, 10, 5, 100).ok());
}

TEST_F(Ledger, ReapplyingEventsIsANoOp) {
    trade_two();
    L.tick_at(t0 + 135 * ns_per_min);
    const auto before = L.read().accounts();
    ASSERT_TRUE(before.ok());
    // The same events again, through the same recorder and through a fresh one.
    for (const event& e : L.h.log.events) ASSERT_TRUE(L.rec->apply(e).ok());
    ASSERT_TRUE(L.rec->commit(true).ok());
    L.reopen();
    for (const event& e : L.h.log.events) ASSERT_TRUE(L.rec->apply(e).ok());
    ASSERT_TRUE(L.rec->commit(true).ok());
    EXPECT_EQ(L.rec->counters().events, 0U);
    const auto after = L.read().accounts();
    ASSERT_TRUE(after.ok());
    ASSERT_EQ(after.value().size(), before.value().size());
    for (std::size_t i = 0; i < after.value().size(); ++i) {
        EXPECT_EQ(after.value()[i].balance_fen, before.value()[i].balance_fen);
    }
    expect_verified();
}

TEST_F(Ledger, StaleLastSeqDoesNotDoubleAnything) {
    // ledger_state.last_seq rewound below rows that are on disk (as if it had been written
    // separately and lost): the rows themselves say which events were applied.
    trade_two();
    L.rec.reset();
    {
        auto db = detail::connection::open(L.dir.db(), false, false, "", 1000);
        ASSERT_TRUE(db.ok());
        ASSERT_TRUE(db.value().exec("UPDATE ledger_state SET last_seq = 3").ok());
    }
    L.reopen();
    EXPECT_GT(L.rec->stale_state_events(), 0U);
    for (const event& e : L.h.log.events) ASSERT_TRUE(L.rec->apply(e).ok());
    ASSERT_TRUE(L.rec->commit(true).ok());
    EXPECT_EQ(L.rec->counters().transfers, 0U);
    EXPECT_EQ(bal(escrow_account(buyer)), 7127);
    expect_verified();
}

TEST_F(Ledger, AGapInEventSeqsStopsTheRecorder) {
    const std::size_t fed = L.fed;
    L.h.run(harness::order_cmd(vendor, i1, side::sell, 1100, 2));
    L.h.run(harness::order_cmd(buyer, i1, side::buy, 1200, 2));
    ASSERT_GT(L.h.log.events.size(), fed + 2);
    const status s = L.rec->apply(L.h.log.events[fed + 2]);  // skips two events
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, error_code::diverged);
    EXPECT_NE(s.error().message.find("gap"), std::string::npos) << s.error().message;
    EXPECT_TRUE(L.rec->failed());
    EXPECT_FALSE(L.rec->commit().ok());
}

TEST_F(Ledger, ABalanceTheLedgerCannotExplainStopsIt) {
    // A balance event that claims money the ledger never saw move (outside deposit/withdraw).
    event e = L.h.log.events.back();
    e.event_seq += 1;
    e.type = event_type::balance_changed;
    e.command = command_type::place_order;
    e.body.balance = balance_changed_body{};
    e.body.balance.participant = buyer;
    e.body.balance.available = money_fen(10'000'001);
    const status s = L.rec->apply(e);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, error_code::diverged);
    EXPECT_NE(s.error().message.find("participant " + std::to_string(buyer.value())),
              std::string::npos)
        << s.error().message;
    // Nothing of the failed batch is written.
    L.rec.reset();
    EXPECT_EQ(bal(available_account(buyer)), 10'000'000);
}

TEST_F(Ledger, VerifyNamesTamperedBalancesAndLines) {
    trade_two();
    L.rec.reset();
    {
        auto db = detail::connection::open(L.dir.db(), false, false, "", 1000);
        ASSERT_TRUE(db.ok());
        ASSERT_TRUE(db.value()
                        .exec("UPDATE accounts SET balance = balance + 5 WHERE id = " +
                              std::to_string(available_account(vendor)))
                        .ok());
    }
    verify_report r = L.verify_all();
    EXPECT_FALSE(r.ok());
    for (const char* name : {"zero_sum", "balances_match_lines", "engine_replay"}) {
        const verify_check* c = find_check(r, name);
        ASSERT_NE(c, nullptr) << name;
        EXPECT_FALSE(c->ok) << name << "\n" << describe(r);
    }
    EXPECT_TRUE(find_check(r, "contract_lines")->ok);
    // A consistent forgery (a balanced pair of lines that the engine never did) passes the
    // ledger's own checks but not the engine's replay.
    {
        auto db = detail::connection::open(L.dir.db(), false, false, "", 1000);
        ASSERT_TRUE(db.ok());
        ASSERT_TRUE(db.value()
                        .exec("UPDATE accounts SET balance = balance - 5 WHERE id = " +
                              std::to_string(available_account(vendor)) +
                              "; INSERT INTO transfers VALUES (999999, 1, " +
                              std::to_string(available_account(vendor)) +
                              ", 500, 1, 0, 0); UPDATE accounts SET balance = balance + 500 "
                              "WHERE id = " +
                              std::to_string(available_account(vendor)) +
                              "; UPDATE accounts SET balance = balance - 500 WHERE id = 1")
                        .ok());
    }
    r = L.verify_all();
    EXPECT_TRUE(find_check(r, "zero_sum")->ok) << describe(r);
    EXPECT_TRUE(find_check(r, "balances_match_lines")->ok) << describe(r);
    EXPECT_FALSE(find_check(r, "engine_replay")->ok) << describe(r);
}

TEST_F(Ledger, VerifyNamesAContractWhoseLinesDoNotAddUp) {
    trade_two();
    L.rec.reset();
    {
        auto db = detail::connection::open(L.dir.db(), false, false, "", 1000);
        ASSERT_TRUE(db.ok());
        // Contracts are append-only (a trigger refuses updates); a forger drops the trigger.
        EXPECT_FALSE(db.value().exec("UPDATE contracts SET energy = energy + 1").ok());
        ASSERT_TRUE(db.value()
                        .exec("DROP TRIGGER contracts_no_update; "
                              "UPDATE contracts SET energy = energy + 1")
                        .ok());
    }
    const verify_report r = L.verify_all();
    const verify_check* lines = find_check(r, "contract_lines");
    ASSERT_NE(lines, nullptr);
    EXPECT_FALSE(lines->ok);
    ASSERT_FALSE(lines->details.empty());
    EXPECT_NE(lines->details[0].find("cost 7128"), std::string::npos) << lines->details[0];
    EXPECT_FALSE(find_check(r, "escrow_matches_open")->ok);
}

TEST(LedgerCarriers, NetworkIsPaidToTheCarrierOfTheRoutesRegionPair) {
    // Three carriers; the market file names one per link: yrd <-> nx each way its own.
    market_config m = engine::test::small_market();
    m.carriers = {"backbone", "east", "west"};
    m.links[1].carrier = 1;  // from yrd to nx
    m.links[2].carrier = 2;  // from nx to yrd
    ledger_harness L(m);
    const participant_id b = L.add("buyer", role_buyer);
    const participant_id v = L.add("vendor", role_vendor);
    L.deposit(b, 10'000'000);
    L.h.capacity(v, h100, yrd, 10, h0, h0 + 48);
    L.h.capacity(v, h100, nx, 10, h0, h0 + 48);
    L.tick_at(t0 + 61 * ns_per_s);
    for (const uint8_t region : {yrd, nx}) {
        const instrument_id inst = engine::test::hourly(h100, region, 1);
        L.run(harness::order_cmd(v, inst, side::sell, 1100, 1));
        command c = harness::order_cmd(b, inst, side::buy, 1100, 1);
        c.body.place.origin_region = region == yrd ? nx : yrd;  // the data crosses over
        c.body.place.data_gb = 100;
        ASSERT_EQ(of_type(L.run(c), event_type::trade).size(), 1U);
    }
    L.tick_at(t0 + 135 * ns_per_min);  // both settle
    reader r = L.read();
    contract_query q;
    auto k = r.contracts(q);
    ASSERT_TRUE(k.ok());
    ASSERT_EQ(k.value().size(), 2U);
    EXPECT_NE(k.value()[0].carrier, k.value()[1].carrier);
    for (const contract_row& c : k.value()) {
        EXPECT_EQ(c.status, contract_state::settled);
        EXPECT_GT(c.network_fen, 0);
        EXPECT_NE(c.carrier, 0);
        auto paid = r.account_balance(carrier_account(c.carrier));
        ASSERT_TRUE(paid.ok());
        EXPECT_EQ(paid.value(), c.network_fen) << "carrier " << int{c.carrier};
    }
    auto backbone = r.account_balance(carrier_account(0));
    ASSERT_TRUE(backbone.ok());
    EXPECT_EQ(backbone.value(), 0);
    const verify_report rep = L.verify_all();
    EXPECT_TRUE(rep.ok()) << describe(rep);
}

// The engine's failure event of `t`, as the next event after everything applied so far.
event failure_of(const trade_body& t, const ledger_harness& L) {
    event e{};
    e.event_seq = L.h.log.events.back().event_seq + 1;
    e.cmd_seq = L.h.log.events.back().cmd_seq + 1;
    e.ts = L.h.log.events.back().ts;
    e.type = event_type::contract_failed;
    e.command = command_type::fail_contract;
    auto& k = e.body.contract;
    k.id = t.contract;
    k.trade = t.id;
    k.instrument = t.instrument;
    k.buyer = t.buyer;
    k.seller = t.seller;
    k.carrier = t.carrier;
    k.compute = t.compute;
    k.energy = t.energy;
    k.network = t.network;
    k.buyer_fee = t.buyer_fee;
    k.seller_fee = t.seller_fee;
    return e;
}

TEST_F(Ledger, ClosingAContractTheLedgerNeverOpenedStopsIt) {
    trade_two();
    trade_body ghost = trade_two();
    ghost.id = trade_id(ghost.id.value() + 100);  // escrow covers it, but no such contract
    ASSERT_TRUE(L.rec->apply(failure_of(ghost, L)).ok());
    const status s = L.rec->commit();
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, error_code::diverged);
    EXPECT_NE(s.error().message.find("does not hold"), std::string::npos) << s.error().message;
    // Nothing of the batch is written: the escrow is still there.
    L.rec.reset();
    EXPECT_EQ(bal(escrow_account(buyer)), 2 * 7127);
}

TEST_F(Ledger, ClosingAContractTwiceStopsIt) {
    const trade_body a = trade_two();
    trade_two();  // the buyer's escrow covers a second refund of `a`
    L.run(fail_cmd(vendor, a.contract));
    ASSERT_EQ(bal(escrow_account(buyer)), 7127);
    ASSERT_TRUE(L.rec->apply(failure_of(a, L)).ok());
    const status s = L.rec->commit();
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, error_code::diverged) << s.error().message;
    L.rec.reset();
    EXPECT_EQ(bal(escrow_account(buyer)), 7127);
    EXPECT_EQ(bal(available_account(buyer)), 10'000'000 - 7127);
}

}  // namespace
}  // namespace cux::ledger::test
