// Money, capacity and contracts over TLS: the account's three balances, deposits, withdrawals,
// capacity registration, contracts and a seller's failure report refunding the buyer.

#include <gtest/gtest.h>

#include <thread>

#include "engine/symbol.hpp"
#include "tests/gateway/support/harness.hpp"

namespace cux::gateway::test {
namespace {

class Money : public GatewayTest {
protected:
    void SetUp() override {
        GatewayTest::SetUp();
        ex->open_market();
        symbol = ex->open_symbol();
        vendor = ex->add_participant("vendor-a", {"vendor"});
        buyer = ex->add_participant("buyer-a", {"buyer"});
    }

    nlohmann::json account(const credentials& who) {
        const http_result r = ex->call(who, "GET", "/v1/account");
        EXPECT_EQ(r.status, 200u) << r.body;
        ex->expect_schema(r, "account.json");
        return r.json();
    }

    std::string symbol;
    credentials vendor;
    credentials buyer;
};

TEST_F(Money, AccountFollowsDepositsOrdersTradesAndWithdrawals) {
    EXPECT_EQ(
        account(buyer),
        nlohmann::json::parse(
            R"({"available":"0.00","escrow":"0.00","held_by_orders":"0.00","currency":"CNY"})"));
    ex->deposit(buyer, "1000.50");
    EXPECT_EQ(account(buyer)["available"], "1000.50");
    const http_result bid =
        ex->call(buyer, "POST", "/v1/orders", order_body(symbol, "buy", "12.00", 2));
    ASSERT_EQ(bid.status, 201u) << bid.body;
    const auto held = account(buyer);
    EXPECT_NE(held["held_by_orders"], "0.00");
    ex->register_capacity(vendor, symbol, 3);
    ASSERT_EQ(ex->call(vendor, "POST", "/v1/orders", order_body(symbol, "sell", "12.00", 2)).status,
              201u);
    const auto after = account(buyer);
    EXPECT_EQ(after["held_by_orders"], "0.00");
    EXPECT_NE(after["escrow"], "0.00");
    const std::string body = R"({"amount":"100.25"})";
    const http_result w = ex->call(buyer, "POST", "/v1/withdrawals", body);
    ASSERT_EQ(w.status, 200u) << w.body;
    EXPECT_EQ(w.json()["amount"], "100.25");
    EXPECT_EQ(w.json()["available"], account(buyer)["available"]);
    ex->expect_schema(w, "withdrawal.json");
    ex->expect_schema_json(nlohmann::json::parse(body), "withdrawal_request.json");
}

TEST_F(Money, WithdrawalsAndDepositsAreChecked) {
    ex->deposit(buyer, "10.00");
    const http_result much = ex->call(buyer, "POST", "/v1/withdrawals", R"({"amount":"10.01"})");
    EXPECT_EQ(much.status, 409u);
    EXPECT_EQ(much.code(), "INSUFFICIENT_FUNDS");
    EXPECT_EQ(much.json()["error"]["field"], "amount");
    for (const char* bad : {R"({"amount":"0"})", R"({"amount":"1.001"})", R"({"amount":"-1"})",
                            R"({"amount":"01.00"})", R"({"amount":"1e2"})"}) {
        const http_result r = ex->call(buyer, "POST", "/v1/withdrawals", bad);
        EXPECT_EQ(r.code(), "INVALID_AMOUNT") << bad << " " << r.body;
    }
    EXPECT_EQ(ex->call(buyer, "POST", "/v1/withdrawals", R"({"amount":5})").code(), "BAD_REQUEST");
    EXPECT_EQ(ex->call(buyer, "POST", "/v1/withdrawals", R"({})").code(), "BAD_REQUEST");
    auto deposit = [&](const std::string& body) {
        return ex->call(ex->admin(), "POST", "/v1/admin/deposits", body);
    };
    const http_result nobody = deposit(R"({"participant_id":"999","amount":"1.00"})");
    EXPECT_EQ(nobody.status, 404u);
    EXPECT_EQ(nobody.code(), "NOT_FOUND");
    EXPECT_EQ(deposit(R"({"participant_id":"x","amount":"1.00"})").code(), "BAD_REQUEST");
    EXPECT_EQ(deposit(R"({"participant_id":2,"amount":"1.00"})").code(), "BAD_REQUEST");
    EXPECT_EQ(
        deposit(R"({"participant_id":")" + buyer.participant_id + R"(","amount":"0.00"})").code(),
        "INVALID_AMOUNT");
    EXPECT_EQ(account(buyer)["available"], "10.00");
}

TEST_F(Money, CapacityIsRegisteredAndListed) {
    ex->register_capacity(vendor, symbol, 7);
    const http_result list = ex->call(vendor, "GET", "/v1/capacity");
    ASSERT_EQ(list.status, 200u);
    ASSERT_EQ(list.json().size(), 1u);
    EXPECT_EQ(list.json()[0]["devices"], 7);
    EXPECT_EQ(list.json()[0]["chip"], "gpu1");
    ex->expect_schema(list, "capacity_list.json");
    const auto key = engine::parse_symbol(ex->market(), symbol);
    ASSERT_TRUE(key.has_value());
    const std::string from = engine::format_rfc3339(key->start_hour * engine::ns_per_hour);
    const std::string to = engine::format_rfc3339((key->start_hour + 1) * engine::ns_per_hour);
    auto post = [&](const std::string& chip, const std::string& f, const std::string& t,
                    int devices) {
        const nlohmann::json b = {
            {"chip", chip}, {"region", "east1"}, {"devices", devices}, {"from", f}, {"to", t}};
        return ex->call(vendor, "POST", "/v1/capacity", b.dump());
    };
    EXPECT_EQ(post("h999", from, to, 1).code(), "UNKNOWN_CHIP");
    EXPECT_EQ(post("gpu1", from, to, 0).code(), "INVALID_QTY");
    EXPECT_EQ(post("gpu1", to, from, 1).code(), "INVALID_CAPACITY");
    EXPECT_EQ(post("gpu1", "2030-01-01T00:30:00Z", to, 1).code(), "INVALID_CAPACITY");
    const http_result past = post("gpu1", "2001-01-01T00:00:00Z", "2001-01-01T01:00:00Z", 1);
    EXPECT_EQ(past.status, 400u);
    EXPECT_EQ(past.code(), "INVALID_CAPACITY");
}

TEST_F(Money, ContractsAndTheSellersFailureReport) {
    ex->deposit(buyer, "1000.00");
    ex->register_capacity(vendor, symbol, 2);
    ASSERT_EQ(ex->call(vendor, "POST", "/v1/orders", order_body(symbol, "sell", "12.00", 2)).status,
              201u);
    ASSERT_EQ(ex->call(buyer, "POST", "/v1/orders", order_body(symbol, "buy", "12.00", 2)).status,
              201u);
    const http_result mine = ex->call(buyer, "GET", "/v1/contracts");
    ASSERT_EQ(mine.status, 200u);
    ASSERT_EQ(mine.json().size(), 1u);
    const auto k = mine.json()[0];
    EXPECT_EQ(k["role"], "buyer");
    EXPECT_EQ(k["status"], "open");
    EXPECT_EQ(k["qty"], 2);
    EXPECT_EQ(k["compute"], "24.00");
    ex->expect_schema(mine, "contracts.json");
    const std::string id = k["contract_id"];
    EXPECT_EQ(ex->call(vendor, "GET", "/v1/contracts?role=seller&status=open").json().size(), 1u);
    EXPECT_TRUE(ex->call(vendor, "GET", "/v1/contracts?role=buyer").json().empty());
    EXPECT_EQ(ex->call(vendor, "GET", "/v1/contracts?status=lost").code(), "BAD_REQUEST");
    const auto before = account(buyer);
    EXPECT_NE(before["escrow"], "0.00");
    // Another vendor cannot fail it; the seller can, once.
    const credentials other = ex->add_participant("vendor-b", {"vendor"});
    EXPECT_EQ(ex->call(other, "POST", "/v1/contracts/" + id + "/fail").code(), "NOT_FOUND");
    EXPECT_EQ(ex->call(vendor, "POST", "/v1/contracts/" + id + "/fail", R"({"why":1})").code(),
              "UNKNOWN_FIELD");
    const http_result failed = ex->call(vendor, "POST", "/v1/contracts/" + id + "/fail");
    ASSERT_EQ(failed.status, 200u) << failed.body;
    EXPECT_EQ(failed.json()["status"], "failed");
    ex->expect_schema(failed, "contract.json");
    const http_result twice = ex->call(vendor, "POST", "/v1/contracts/" + id + "/fail", "{}");
    EXPECT_EQ(twice.status, 409u);
    EXPECT_EQ(twice.code(), "CONTRACT_NOT_OPEN");
    const auto after = account(buyer);
    EXPECT_EQ(after["escrow"], "0.00");
    EXPECT_EQ(after["available"], "1000.00");
    EXPECT_EQ(ex->call(buyer, "GET", "/v1/contracts?status=failed").json().size(), 1u);
}

}  // namespace
}  // namespace cux::gateway::test

namespace cux::gateway::test {
namespace {

TEST_F(Money, StatementListsLedgerLines) {
    ex->deposit(buyer, "1000.00");
    ex->register_capacity(vendor, symbol, 2);
    ASSERT_EQ(ex->call(vendor, "POST", "/v1/orders", order_body(symbol, "sell", "12.00", 2)).status,
              201u);
    ASSERT_EQ(ex->call(buyer, "POST", "/v1/orders", order_body(symbol, "buy", "12.00", 2)).status,
              201u);
    // The ledger records in batches of its own: wait for the trade's lines.
    nlohmann::json lines;
    for (int i = 0; i < 200; ++i) {
        const http_result r = ex->call(buyer, "GET", "/v1/statement");
        ASSERT_EQ(r.status, 200u) << r.body;
        lines = r.json();
        if (lines.size() >= 2) {
            ex->expect_schema(r, "statement.json");
            break;
        }
        std::this_thread::sleep_for(10ms);
    }
    ASSERT_GE(lines.size(), 2u) << lines.dump();
    EXPECT_EQ(lines[0]["kind"], "deposit");
    EXPECT_EQ(lines[0]["amount"], "1000.00");
    EXPECT_EQ(lines[0]["account"], "available");
    bool compute = false;
    for (const auto& l : lines) compute = compute || l["kind"] == "compute";
    EXPECT_TRUE(compute) << lines.dump();
    // Paging: after the deposit's transfer comes the next transfer (a transfer between two of
    // the buyer's own accounts is two lines, never split across pages).
    const std::string first = lines[0]["transfer_id"];
    const http_result after = ex->call(buyer, "GET", "/v1/statement?cursor=" + first + "&limit=1");
    ASSERT_EQ(after.status, 200u);
    ASSERT_GE(after.json().size(), 1u);
    EXPECT_LE(after.json().size(), 2u);
    EXPECT_EQ(after.json()[0]["transfer_id"], lines[1]["transfer_id"]);
    for (const auto& l : after.json()) EXPECT_EQ(l["transfer_id"], lines[1]["transfer_id"]);
    EXPECT_TRUE(ex->call(buyer, "GET", "/v1/statement?to=2000-01-01T00:00:00Z").json().empty());
    EXPECT_EQ(ex->call(buyer, "GET", "/v1/statement?from=yesterday").code(), "BAD_REQUEST");
    EXPECT_EQ(
        ex->call(buyer, "GET", "/v1/statement?from=2030-01-01T00:00:00Z&to=2020-01-01T00:00:00Z")
            .code(),
        "BAD_REQUEST");
}

}  // namespace
}  // namespace cux::gateway::test
