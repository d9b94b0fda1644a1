// End-to-end: `cux watch` against a real `cux serve` (tests/e2e/cli_harness.hpp), as a user
// would run it: a line per channel message as trades happen, stopping after --count; a channel
// the server refuses exits 1 with its code.

#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "tests/e2e/cli_harness.hpp"

namespace cux::e2e {
namespace {

TEST_F(ClientCli, WatchPrintsALinePerTradesMessageAsTradesHappen) {
    const std::string vendor_id = add_participant("vendor-w", "vendor");
    const std::string buyer_id = add_participant("buyer-w", "buyer");
    const std::string vendor = data_ + "/vendor-w.json";
    const std::string buyer = data_ + "/buyer-w.json";
    ASSERT_EQ(cux({"admin", "deposit", buyer_id, "1000.00", "--config", admin_}).code, 0);
    const std::string symbol = open_symbol();
    ASSERT_FALSE(symbol.empty());
    ASSERT_EQ(
        cux({"capacity", "add", "gpu1", "east1", "10", "--hours", "48", "--config", vendor}).code,
        0);

    // Public data: the server's URL and certificate, no key. The snapshot, then two trades.
    child watch({"watch", "trades:" + symbol, "--count", "3", "--url", url_, "--cacert",
                 data_ + "/cert.pem"},
                env_);
    ASSERT_TRUE(watch.wait_stdout("trades:" + symbol + " snapshot #1 no trades\n"))
        << watch.output();
    result r = cux({"order", "place", "sell", symbol, "4", "12.00", "--config", vendor});
    ASSERT_EQ(r.code, 0) << r;
    r = cux({"order", "place", "buy", symbol, "1", "12.00", "--config", buyer});
    ASSERT_EQ(r.code, 0) << r;
    ASSERT_TRUE(watch.wait_stdout("#2")) << watch.output();
    r = cux({"order", "place", "buy", symbol, "2", "12.50", "--config", buyer});
    ASSERT_EQ(r.code, 0) << r;
    EXPECT_EQ(watch.finish(), 0) << watch.output();
    EXPECT_NE(watch.out().find("trades:" + symbol + " update #2 buy 1 @ 12.00\n"),
              std::string::npos)
        << watch.output();
    EXPECT_NE(watch.out().find("trades:" + symbol + " update #3 buy 2 @ 12.00\n"),
              std::string::npos)
        << watch.output();

    // Private channels authenticate first; an unknown channel is refused by name.
    child orders({"watch", "orders", "--count", "1", "--config", vendor}, env_);
    EXPECT_EQ(orders.finish(), 0) << orders.output();
    EXPECT_TRUE(std::regex_search(
        orders.out(),
        std::regex(
            R"(orders snapshot #1 order \d+ sell 4 @ 12\.00 partially_filled \(3 filled\))")))
        << orders.output();
    r = cux({"watch", "candles", "--count", "1", "--config", buyer});
    EXPECT_EQ(r.code, 1) << r;
    EXPECT_NE(r.err.find("error: UNKNOWN_CHANNEL: no channel candles"), std::string::npos) << r;
}

}  // namespace
}  // namespace cux::e2e
