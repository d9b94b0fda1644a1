// End-to-end: `cux bench gateway` as a user runs it, small (2 connections, 1 s, plain WS): it sets
// up its own server and market, and its throughput run acknowledges orders. Not a timed test:
// the figures are only checked to be there and non-zero, and the bound on the run is generous.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "tests/e2e/cli_harness.hpp"

namespace cux::e2e {
namespace {

TEST(BenchGateway, SmallRunAcknowledgesOrdersOverTheStream) {
    char tmpl[] = "/tmp/cux-bench-gateway-test-XXXXXX";
    const char* dir = ::mkdtemp(tmpl);
    ASSERT_NE(dir, nullptr);
    child c({"bench", "gateway", "--seconds", "1", "--connections", "2", "--insecure-http",
             "--rate", "0", "--data", dir},
            {{"HOME", "/nonexistent"}});
    // wait_stdout gives up after 10 s at a time (sooner when the output ended); the whole run
    // gets 2 minutes on a busy machine.
    const auto until = clock_type::now() + std::chrono::minutes(2);
    for (;;) {
        const auto asked = clock_type::now();
        if (c.wait_stdout("\ndata ")) break;
        if (clock_type::now() - asked < deadline - 1s || clock_type::now() >= until) break;
    }
    const int code = c.finish();
    EXPECT_EQ(code, 0) << c.output();
    const std::string rate =
        capture(c.out(), R"(\nfull path +([0-9]+) acknowledged/s \(orders [0-9]+/s)");
    ASSERT_FALSE(rate.empty()) << c.output();
    EXPECT_GT(std::atoll(rate.c_str()), 0) << c.output();
    EXPECT_NE(c.out().find("order->ack latency"), std::string::npos) << c.output();
    EXPECT_NE(c.out().find("data       removed"), std::string::npos) << c.output();
    // The run's own data directory inside `dir` is gone.
    std::error_code ec;
    EXPECT_TRUE(fs::is_empty(dir, ec)) << c.output();
    fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace cux::e2e
