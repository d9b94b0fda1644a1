// End-to-end: a job order with the built `cux` binary (tests/e2e/cli_harness.hpp). Vendors in
// an eastern and a western region post capacity and asks, a buyer submits `cux job submit`, the
// exchange routes it west (cheaper delivered for a little data) and buys there; the buyer's
// statement and contracts show the network line to the carrier; with the server stopped,
// `cux ledger verify` proves the books. (Settlement comes at the end of the window's delivery
// grace, hours of real time away: the contracts are checked open.)

#include <gtest/gtest.h>

#include <ctime>
#include <regex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "tests/e2e/cli_harness.hpp"

namespace cux::e2e {
namespace {

// "YYYY-MM-DDTHH:00:00Z" and the symbol hour "YYYYMMDDTHH" of `hour` hours since the epoch.
std::string hour_text(int64_t hour, const char* format) {
    const time_t t = static_cast<time_t>(hour * 3600);
    tm u{};
    gmtime_r(&t, &u);
    char buf[32];
    std::strftime(buf, sizeof buf, format, &u);
    return buf;
}

TEST_F(ClientCli, JobSubmitRoutesBuysAndTheLedgerVerifies) {
    const std::string east_id = add_participant("east-cloud", "vendor");
    const std::string west_id = add_participant("west-dc", "vendor");
    const std::string buyer_id = add_participant("ai-lab", "buyer");
    ASSERT_FALSE(buyer_id.empty());
    const std::string east = data_ + "/east-cloud.json";
    const std::string west = data_ + "/west-dc.json";
    const std::string buyer = data_ + "/ai-lab.json";
    result r = cux({"admin", "deposit", buyer_id, "10000.00", "--config", admin_});
    ASSERT_EQ(r.code, 0) << r;
    ASSERT_FALSE(open_symbol().empty());  // the books are open

    // Two hours starting two hours from now: well before any gate closure while the test runs.
    const int64_t start = std::time(nullptr) / 3600 + 2;
    for (const auto& [vendor, region, price] :
         {std::tuple{east, std::string("east1"), std::string("12.00")},
          std::tuple{west, std::string("west1"), std::string("11.00")}}) {
        r = cux({"capacity", "add", "gpu1", region, "8", "--from",
                 hour_text(start, "%Y-%m-%dT%H:00:00Z"), "--hours", "2", "--config", vendor});
        ASSERT_EQ(r.code, 0) << r;
        for (int64_t h = start; h < start + 2; ++h) {
            const std::string symbol = "gpu1." + region + "." + hour_text(h, "%Y%m%dT%H") + ".1h";
            r = cux({"order", "place", "sell", symbol, "4", price, "--config", vendor});
            ASSERT_EQ(r.code, 0) << r;
        }
    }

    // A dry run quotes; the job buys 4 gpu1 for both hours in the west (10 GB from east1 cost
    // 0.48 CNY to move, 0.24 an hour).
    const std::vector<std::string> job = {
        "job",       "submit", "--chips",     "gpu1,cpu1",
        "--qty",     "4",      "--start",     hour_text(start, "%Y-%m-%dT%H:00:00Z"),
        "--hours",   "2",      "--origin",    "east1",
        "--data-gb", "10",     "--max-price", "40.00",
        "--config",  buyer};
    std::vector<std::string> dry = job;
    dry.push_back("--dry-run");
    r = cux(dry);
    ASSERT_EQ(r.code, 0) << r;
    EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(job \d+ \(dry run\) would be filled: 4)")))
        << r;
    EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(gpu1\s+west1\s+1\s+11\.00.*would buy)")))
        << r;
    r = cux(job);
    ASSERT_EQ(r.code, 0) << r;
    EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(job \d+ filled: 4 devices for 2 h)"))) << r;
    EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(gpu1\s+west1\s+1\s+11\.00.*bought)"))) << r;
    EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(gpu1\s+east1\s+2\s+12\.00.*eligible)")))
        << r;
    EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(cpu1\s+east1.*no liquidity for hour 1)")))
        << r;
    EXPECT_TRUE(
        std::regex_search(r.out, std::regex(R"(gpu1\.west1\.\d{8}T\d{2}\.1h\s+11\.00\s+4\s+44\.00)"
                                            R"(\s+[0-9.]+\s+0\.24\s+0\.02\s+backbone)")))
        << r;
    // The same job again: the west is sold out, the east still has 4 an hour and sells them.
    // A third finds nothing: exit 1, with the report.
    std::vector<std::string> again = job;
    again.push_back("--json");
    r = cux(again);
    EXPECT_EQ(r.code, 0) << r;
    EXPECT_NE(r.out.find(R"("status":"filled")"), std::string::npos) << r;
    r = cux(job);
    EXPECT_EQ(r.code, 1) << r;
    EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(job \d+ unfilled: NO_ROUTE: )"))) << r;

    // The statement (the ledger's, a moment behind) shows the network lines; the contracts
    // carry them.
    const auto until = clock_type::now() + deadline;
    do {
        r = cux({"statement", "--config", buyer});
        ASSERT_EQ(r.code, 0) << r;
        if (r.out.find("network") != std::string::npos) break;
        std::this_thread::sleep_for(100ms);
    } while (clock_type::now() < until);
    EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(network\s+available\s+-0\.24)"))) << r;
    EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(network\s+escrow\s+0\.24)"))) << r;
    r = cux({"contracts", "--config", buyer});
    ASSERT_EQ(r.code, 0) << r;
    EXPECT_TRUE(std::regex_search(
        r.out,
        std::regex(R"(gpu1\.west1\.\S+\s+buyer\s+11\.00\s+4\s+44\.00\s+\S+\s+0\.24\s+.*open)")))
        << r;
    EXPECT_TRUE(std::regex_search(
        r.out,
        std::regex(R"(gpu1\.east1\.\S+\s+buyer\s+12\.00\s+4\s+48\.00\s+\S+\s+0\.00\s+.*open)")))
        << r;

    // Stopped, the data directory's ledger verifies (zero sum, escrow = open contracts, every
    // contract's lines, and the engine's balances replayed from the journal).
    server_->send(SIGTERM);
    ASSERT_EQ(server_->finish(), 0) << server_->output();
    server_.reset();
    r = cux({"ledger", "verify", "--data", data_});
    EXPECT_EQ(r.code, 0) << r;
    EXPECT_NE(r.out.find("ledger verified"), std::string::npos) << r;
}

}  // namespace
}  // namespace cux::e2e
