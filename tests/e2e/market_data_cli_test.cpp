// End-to-end: `cux bars`, `cux index`, `cux settlements` and `cux watch bars:... index` against a
// real `cux serve` (tests/e2e/cli_harness.hpp), after a trade of 2 gpu1 devices at 12.00 (989
// TFLOPS: 12.1335 per PFLOPS-hour).

#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <thread>

#include "tests/e2e/cli_harness.hpp"

namespace cux::e2e {
namespace {

TEST_F(ClientCli, BarsIndexAndSettlementsVerbs) {
    const std::string vendor_id = add_participant("vendor-m", "vendor");
    const std::string buyer_id = add_participant("buyer-m", "buyer");
    const std::string vendor = data_ + "/vendor-m.json";
    const std::string buyer = data_ + "/buyer-m.json";
    ASSERT_EQ(cux({"admin", "deposit", buyer_id, "1000.00", "--config", admin_}).code, 0);
    const std::string symbol = open_symbol();
    ASSERT_FALSE(symbol.empty());
    ASSERT_EQ(
        cux({"capacity", "add", "gpu1", "east1", "10", "--hours", "48", "--config", vendor}).code,
        0);
    child watch({"watch", "bars:" + symbol + ":1m", "index", "--count", "4", "--config", buyer},
                env_);
    ASSERT_TRUE(watch.wait_stdout("index snapshot #1")) << watch.output();
    ASSERT_EQ(cux({"order", "place", "sell", symbol, "2", "12.00", "--config", vendor}).code, 0);
    ASSERT_EQ(cux({"order", "place", "buy", symbol, "2", "12.00", "--config", buyer}).code, 0);
    EXPECT_EQ(watch.finish(), 0) << watch.output();
    EXPECT_TRUE(std::regex_search(
        watch.out(),
        std::regex("bars:" + std::regex_replace(symbol, std::regex(R"(\.)"), R"(\.)") +
                   R"(:1m update #2 \S+ O 12\.00 H 12\.00 L 12\.00 C 12\.00 V 2 vwap 12\.00)")))
        << watch.output();
    EXPECT_NE(watch.out().find("index update #2 national 12.1335 east 12.1335 west - spread -"),
              std::string::npos)
        << watch.output();

    // The recorder commits in batches: the bar shows within a moment.
    result r;
    for (int i = 0; i < 100; ++i) {
        r = cux({"bars", symbol, "--config", buyer});
        if (r.out.find("24.00") != std::string::npos) break;
        std::this_thread::sleep_for(50ms);
    }
    ASSERT_EQ(r.code, 0) << r;
    EXPECT_TRUE(std::regex_search(
        r.out, std::regex(R"(\S+Z\s+12\.00\s+12\.00\s+12\.00\s+12\.00\s+2\s+1\s+12\.00\s+24\.00)")))
        << r;
    r = cux({"index", "--config", buyer});
    ASSERT_EQ(r.code, 0) << r;
    EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(national\s+12\.1335\s+1\s+0\s+1\.978)")))
        << r;
    EXPECT_NE(r.out.find("east-west spread: -"), std::string::npos) << r;
    r = cux({"index", "--chip", "h999", "--config", buyer});
    EXPECT_EQ(r.code, 1) << r;
    EXPECT_NE(r.err.find("UNKNOWN_CHIP"), std::string::npos) << r;
    r = cux({"settlements", "--date", "2001-01-01", "--config", buyer});
    EXPECT_EQ(r.code, 0) << r;
    EXPECT_NE(r.out.find("no instrument that traded has reached gate closure"), std::string::npos)
        << r;
    r = cux({"bars", symbol, "--interval", "5m", "--config", buyer});
    EXPECT_EQ(r.code, 1) << r;
    EXPECT_NE(r.err.find("BAD_REQUEST"), std::string::npos) << r;
}

}  // namespace
}  // namespace cux::e2e
