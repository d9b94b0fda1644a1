// Restart with resume: stop the server and the pipeline, start a new pipeline and server on the
// same data directory, and find the same keys, participants, balances, orders, book, tape and
// client_order_id results, rebuilt from the replayed journal; then trade on.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/gateway/support/harness.hpp"

namespace cux::gateway::test {
namespace {

using Restart = GatewayTest;

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

TEST_F(Restart, StateAndKeysSurviveARestart) {
    ex->open_market();
    const std::string symbol = ex->open_symbol();
    const credentials vendor = ex->add_participant("vendor-a", {"vendor"});
    const credentials buyer = ex->add_participant("buyer-a", {"buyer"});
    ex->deposit(buyer, "500.00");
    ex->register_capacity(vendor, symbol, 5);
    const http_result ask =
        ex->call(vendor, "POST", "/v1/orders",
                 order_body(symbol, "sell", "12.00", 3, R"("client_order_id":"s1")"));
    ASSERT_EQ(ask.status, 201u);
    const http_result bid =
        ex->call(buyer, "POST", "/v1/orders",
                 order_body(symbol, "buy", "12.00", 1, R"("client_order_id":"b1")"));
    ASSERT_EQ(bid.status, 201u);
    const std::string creds_before = read_file(ex->dir() + "/admin.credentials");
    const auto snapshot = [&] {
        return std::vector<std::string>{
            ex->call(buyer, "GET", "/v1/account").body,
            ex->call(vendor, "GET", "/v1/account").body,
            ex->call(vendor, "GET", "/v1/orders?status=all").body,
            ex->call(buyer, "GET", "/v1/fills").body,
            ex->call(buyer, "GET", "/v1/contracts").body,
            ex->call(vendor, "GET", "/v1/capacity").body,
            ex->get("/v1/book/" + symbol).body,
            ex->get("/v1/trades/" + symbol).body,
            ex->get("/v1/instruments?status=open").body,
        };
    };
    const std::vector<std::string> before = snapshot();
    const uint64_t seq_before = ex->get("/healthz").json()["seq"];

    ex->stop();
    ex->start();

    EXPECT_EQ(read_file(ex->dir() + "/admin.credentials"), creds_before);
    EXPECT_GE(ex->get("/healthz").json()["seq"].get<uint64_t>(), seq_before);
    EXPECT_EQ(snapshot(), before);
    // The original results of client_order_ids come back from the replayed journal.
    const http_result retry =
        ex->call(buyer, "POST", "/v1/orders",
                 order_body(symbol, "buy", "12.00", 1, R"("client_order_id":"b1")"));
    EXPECT_EQ(retry.status, 201u);
    EXPECT_EQ(retry.body, bid.body);
    // And the market goes on: seqs continue, the resting ask still trades.
    const http_result more =
        ex->call(buyer, "POST", "/v1/orders", order_body(symbol, "buy", "12.00", 2));
    ASSERT_EQ(more.status, 201u) << more.body;
    EXPECT_EQ(more.json()["status"], "filled");
    EXPECT_GT(more.json()["seq"].get<uint64_t>(), seq_before);
    EXPECT_EQ(ex->call(ex->admin(), "POST", "/v1/admin/participants",
                       R"({"name":"buyer-a","roles":["buyer"]})")
                  .code(),
              "DUPLICATE_PARTICIPANT");
}

}  // namespace
}  // namespace cux::gateway::test
