// Statements read back line by line: a contract transfer shows as its contract's lines on every
// account it touches, each line has its own id, and pages split between lines (never between
// the two sides of one line) so that walking them yields every line exactly once.

#include "ledger/reader.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "ledger/detail/sqlite.hpp"
#include "tests/ledger/ledger_fixture.hpp"

namespace cux::ledger::test {
namespace {

struct expected_line {
    line_kind kind;
    account_kind account;
    int64_t amount_fen;
};

void expect_lines(const std::vector<statement_line>& got, const std::vector<expected_line>& want) {
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        EXPECT_EQ(got[i].kind, want[i].kind) << "line " << i;
        EXPECT_EQ(got[i].account, want[i].account) << "line " << i;
        EXPECT_EQ(got[i].amount_fen, want[i].amount_fen) << "line " << i;
    }
}

TEST_F(Ledger, TheBuyerSeesEscrowAndReleaseLineByLine) {
    const trade_body t = trade_two();
    L.tick_at(t0 + 135 * ns_per_min);  // delivered: escrow pays out
    auto lines = L.read().statement(buyer, 0, INT64_MAX, 100);
    ASSERT_TRUE(lines.ok());
    using lk = line_kind;
    const account_kind av = account_kind::available, es = account_kind::escrow;
    expect_lines(lines.value(), {
                                    {lk::deposit, av, 10'000'000},
                                    {lk::compute, av, -2200},
                                    {lk::compute, es, 2200},
                                    {lk::energy, av, -126},
                                    {lk::energy, es, 126},
                                    {lk::network, av, -4800},
                                    {lk::network, es, 4800},
                                    {lk::fee, av, -1},
                                    {lk::fee, es, 1},
                                    {lk::compute, es, -2200},
                                    {lk::energy, es, -126},
                                    {lk::network, es, -4800},
                                    {lk::fee, es, -1},
                                });
    int64_t escrow_net = 0;
    for (const statement_line& l : lines.value()) {
        if (l.account == es) escrow_net += l.amount_fen;
        if (l.kind != lk::deposit) {
            EXPECT_EQ(l.ref, static_cast<int64_t>(t.id.value()));
            EXPECT_EQ(l.contract, t.contract.value());
        }
    }
    EXPECT_EQ(escrow_net, 0);
    // Every line has an id of its own (the two sides of one line share it), ascending.
    for (std::size_t i = 1; i < lines.value().size(); ++i) {
        const bool same_line = lines.value()[i].kind == lines.value()[i - 1].kind &&
                               lines.value()[i].amount_fen == -lines.value()[i - 1].amount_fen;
        if (same_line) {
            EXPECT_EQ(lines.value()[i].transfer, lines.value()[i - 1].transfer);
        } else {
            EXPECT_GT(lines.value()[i].transfer, lines.value()[i - 1].transfer);
        }
    }
    // The release's counterparties: the seller, the carrier, the exchange.
    const auto& release = lines.value();
    EXPECT_EQ(release[9].counterparty, available_account(vendor));
    EXPECT_EQ(release[11].counterparty, carrier_account(0));
    EXPECT_EQ(release[12].counterparty, fee_account);
    expect_verified();
}

TEST_F(Ledger, PagesOfAnySizeWalkEveryLineOnce) {
    const trade_body a = trade_two();
    trade_two();
    L.run(engine::test::fail_cmd(vendor, a.contract));
    L.tick_at(t0 + 135 * ns_per_min);
    reader r = L.read();
    auto all = r.statement(buyer, 0, INT64_MAX, 1000);
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(all.value().size(), 1U + 8 + 8 + 2 + 4);  // deposit, 2 escrows, refund, release
    for (const std::size_t limit : {1U, 2U, 3U, 5U, 8U}) {
        std::vector<statement_line> walked;
        int64_t cursor = 0;
        for (int pages = 0; pages < 100; ++pages) {
            auto page = r.statement(buyer, 0, INT64_MAX, limit, cursor);
            ASSERT_TRUE(page.ok());
            if (page.value().empty()) break;
            // limit + 1 at most: the two sides of one line stay on one page.
            EXPECT_LE(page.value().size(), limit + 1) << "limit " << limit;
            walked.insert(walked.end(), page.value().begin(), page.value().end());
            cursor = page.value().back().transfer;
        }
        ASSERT_EQ(walked.size(), all.value().size()) << "limit " << limit;
        for (std::size_t i = 0; i < walked.size(); ++i) {
            EXPECT_EQ(walked[i].transfer, all.value()[i].transfer) << "limit " << limit;
            EXPECT_EQ(walked[i].account, all.value()[i].account) << "limit " << limit;
        }
    }
}

TEST_F(Ledger, ATimeRangeSelectsTheEventsInIt) {
    trade_two();
    const utc_ns settled_at = t0 + 135 * ns_per_min;
    L.tick_at(settled_at);
    reader r = L.read();
    auto release = r.statement(buyer, settled_at, INT64_MAX, 100);
    ASSERT_TRUE(release.ok());
    ASSERT_EQ(release.value().size(), 4U);
    for (const statement_line& l : release.value()) {
        EXPECT_EQ(l.account, account_kind::escrow);
        EXPECT_LT(l.amount_fen, 0);
    }
    auto seller = r.statement(vendor, 0, settled_at, 100);
    ASSERT_TRUE(seller.ok());
    EXPECT_TRUE(seller.value().empty());  // paid at settlement, not before
    EXPECT_FALSE(r.statement(buyer, 0, INT64_MAX, 10, -1).ok());
}

int64_t count_rows(const std::string& db, const std::string& sql) {
    auto c = detail::connection::open(db, false, false, "", 1000);
    EXPECT_TRUE(c.ok());
    auto n = c.value().query_int(sql);
    EXPECT_TRUE(n.ok());
    return n.ok() ? n.value() : -1;
}

TEST_F(Ledger, WhatThePostingListsDoNotHoldYetIsReadFromTheTables) {
    L.posting_flush_batches = 1000;  // no flush but a forced one
    L.reopen();
    L.fed = 0;  // the recorder skips what it has (as after a journal replay)
    const trade_body a = trade_two();
    auto before = L.read().statement(buyer, 0, INT64_MAX, 100);
    ASSERT_TRUE(before.ok());
    EXPECT_EQ(before.value().size(), 9U);  // the deposit, then the escrow's lines
    EXPECT_EQ(count_rows(L.dir.db(), "SELECT count(*) FROM postings WHERE kind = 1"), 0);
    // A restart without a flush (as a kill -9 would leave it): the new writer lists the tail
    // again from the tables, and its next forced commit writes the lists.
    L.rec.reset();
    L.reopen();
    L.fed = 0;
    trade_two();
    L.tick_at(t0 + 135 * ns_per_min);  // both settle
    contract_query q;
    q.participant = vendor;
    auto sold = L.read().contracts(q);
    ASSERT_TRUE(sold.ok());
    ASSERT_EQ(sold.value().size(), 2U);
    EXPECT_EQ(sold.value()[0].trade, a.id.value());
    ASSERT_TRUE(L.rec->commit(true).ok());
    EXPECT_GT(count_rows(L.dir.db(), "SELECT count(*) FROM postings WHERE kind = 1"), 0);
    EXPECT_EQ(count_rows(L.dir.db(), "SELECT posted_seq - last_seq FROM ledger_state"), 0);
    auto after = L.read().statement(buyer, 0, INT64_MAX, 100);
    ASSERT_TRUE(after.ok());
    ASSERT_EQ(after.value().size(), 9U + 8U + 4U + 4U);
    for (std::size_t i = 0; i < before.value().size(); ++i) {
        EXPECT_EQ(after.value()[i].transfer, before.value()[i].transfer);
    }
    expect_verified();
    // A list that lost an id is named.
    {
        auto c = detail::connection::open(L.dir.db(), false, false, "", 1000);
        ASSERT_TRUE(c.ok());
        ASSERT_TRUE(c.value()
                        .exec("DELETE FROM postings WHERE owner = " +
                              std::to_string(vendor.value()) + " AND kind = 2")
                        .ok());
    }
    const verify_report r = L.verify_all();
    const verify_check* postings = find_check(r, "postings");
    ASSERT_NE(postings, nullptr);
    EXPECT_FALSE(postings->ok) << describe(r);
}

}  // namespace
}  // namespace cux::ledger::test
