// End-to-end: `cux sim` (tools/sim.hpp), the built binary against a real `cux serve` on the small
// test market (tests/e2e/cli_harness.hpp), for a few seconds: its summary says that orders
// traded, jobs were routed and bought, and that no request failed unexpectedly; with the server
// stopped, the data directory's ledger verifies. And the choice sequence is the seed's alone.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/e2e/cli_harness.hpp"

namespace cux::e2e {
namespace {

TEST_F(ClientCli, SimTradesRoutesJobsAndTheLedgerVerifies) {
    ASSERT_FALSE(open_symbol().empty());  // the books are open
    const result r = cux({"sim", "--agents", "9", "--rate", "25", "--seconds", "4", "--seed", "7",
                          "--quiet", "--json", "--config", admin_});
    ASSERT_EQ(r.code, 0) << r;
    const auto s = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_TRUE(s.is_object()) << r;
    EXPECT_EQ(s["unexpected_errors"], 0) << r;
    EXPECT_EQ(s["agents"]["vendors"], 4) << r;
    EXPECT_EQ(s["agents"]["enterprises"], 5) << r;
    EXPECT_GT(s["orders"]["accepted"].get<int64_t>(), 0) << r;
    // Trades: the sim's own fills, and the same trades seen on the stream's tape.
    EXPECT_GT(s["trades"]["own"].get<int64_t>(), 0) << r;
    EXPECT_GT(s["trades"]["tape"].get<int64_t>(), 0) << r;
    // Jobs were submitted, some bought, and each that bought has a reason for where it ran.
    const auto& jobs = s["jobs"];
    EXPECT_GT(jobs["submitted"].get<int64_t>(), 0) << r;
    const int64_t bought = jobs["filled"].get<int64_t>() + jobs["partially_filled"].get<int64_t>();
    EXPECT_GT(bought, 0) << r;
    EXPECT_EQ(jobs["submitted"].get<int64_t>(), bought + jobs["unfilled"].get<int64_t>()) << r;
    int64_t why = 0;
    for (const auto& [k, v] : jobs["why"].items()) why += v.get<int64_t>();
    EXPECT_EQ(why, bought) << r;
    EXPECT_FALSE(jobs["by_region"].empty()) << r;
    for (const auto& [region, p] : jobs["by_region"].items()) {
        EXPECT_TRUE(region == "east1" || region == "west1") << region;
        EXPECT_GT(p["device_hours"].get<int64_t>(), 0) << r;
    }

    // The text summary of a second, shorter run names the same parts.
    const result t = cux({"sim", "--agents", "4", "--rate", "10", "--seconds", "1", "--seed", "8",
                          "--quiet", "--config", admin_});
    EXPECT_EQ(t.code, 0) << t;
    EXPECT_NE(t.out.find("orders:"), std::string::npos) << t;
    EXPECT_NE(t.out.find("jobs:"), std::string::npos) << t;
    EXPECT_NE(t.out.find("unexpected errors: 0"), std::string::npos) << t;

    // Stopped, the ledger of everything the sim did verifies.
    server_->send(SIGTERM);
    ASSERT_EQ(server_->finish(), 0) << server_->output();
    server_.reset();
    const result v = cux({"ledger", "verify", "--data", data_});
    EXPECT_EQ(v.code, 0) << v;
    EXPECT_NE(v.out.find("ledger verified"), std::string::npos) << v;
}

TEST_F(ClientCli, SimUntilStoppedWithdrawsItsOrdersAndSummarizes) {
    // As tools/run runs it: no end of its own; SIGTERM ends it with its summary, and no order of
    // its rests in any book afterwards (only the sim trades here, so every book is empty).
    ASSERT_FALSE(open_symbol().empty());
    child sim({"sim", "--agents", "6", "--rate", "20", "--seconds", "0", "--seed", "11", "--quiet",
               "--json", "--config", admin_},
              env_);
    std::this_thread::sleep_for(3s);
    sim.send(SIGTERM);
    ASSERT_EQ(sim.finish(), 0) << sim.output();
    const auto s = nlohmann::json::parse(sim.out(), nullptr, false);
    ASSERT_TRUE(s.is_object()) << sim.output();
    EXPECT_GT(s["orders"]["accepted"].get<int64_t>(), 0) << sim.output();
    EXPECT_EQ(s["unexpected_errors"], 0) << sim.output();
    const result r = cux({"instruments", "--status", "open", "--json", "--config", admin_});
    ASSERT_EQ(r.code, 0) << r;
    const auto books = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_TRUE(books.is_array()) << r;
    int checked = 0;
    for (const auto& b : books) {
        if (b["tenor"] != "1h" || checked >= 8) continue;
        const result book =
            cux({"book", b["symbol"].get<std::string>(), "--json", "--config", admin_});
        ASSERT_EQ(book.code, 0) << book;
        const auto j = nlohmann::json::parse(book.out, nullptr, false);
        EXPECT_TRUE(j["bids"].empty() && j["asks"].empty()) << book;
        ++checked;
    }
    EXPECT_EQ(checked, 8);
}

TEST_F(ClientCli, SimChoicesAreTheSeeds) {
    const std::string market = tmp_ + "/market.json";
    auto plan = [&](const char* seed) {
        const result r =
            cux({"sim", "--plan", "200", "--agents", "10", "--seed", seed, "--market", market});
        EXPECT_EQ(r.code, 0) << r;
        return r.out;
    };
    const std::string a = plan("42");
    EXPECT_NE(a.find("vendor"), std::string::npos) << a;
    EXPECT_NE(a.find("enterprise latency"), std::string::npos) << a;
    EXPECT_NE(a.find("job agent"), std::string::npos) << a;
    EXPECT_EQ(a, plan("42"));
    EXPECT_NE(a, plan("43"));
}

}  // namespace
}  // namespace cux::e2e
