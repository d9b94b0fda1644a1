// `cux audit` and `cux alerts` against a real `cux serve` (tests/e2e/cli_harness.hpp): a
// regulator reads the trail, exports it as CSV and sees a wash trade between two participants
// an admin linked with --group; a vendor is refused.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <thread>

#include "tests/e2e/cli_harness.hpp"

namespace cux::e2e {
namespace {

TEST_F(ClientCli, ARegulatorReadsTheTrailAndSeesAWashTradeBetweenLinkedParticipants) {
    EXPECT_NE(server_->out().find("audit " + data_ + "/audit.db: at event 0 of 0, 0 alerts"),
              std::string::npos)
        << server_->output();
    ASSERT_FALSE(add_participant("watcher", "regulator").empty());
    const std::string watcher = data_ + "/watcher.json";
    const std::string vendor = data_ + "/owner-v.json";
    const std::string buyer = data_ + "/owner-b.json";
    for (const auto& [name, roles] : {std::pair{"owner-v", "vendor"}, {"owner-b", "buyer"}}) {
        const result r =
            cux({"admin", "participant", "add", name, "--roles", roles, "--group", "9", "--write",
                 data_ + "/" + name + ".json", "--json", "--config", admin_});
        ASSERT_EQ(r.code, 0) << r;
    }
    const std::string symbol = open_symbol();
    ASSERT_FALSE(symbol.empty());
    ASSERT_EQ(
        cux({"capacity", "add", "gpu1", "east1", "20", "--hours", "48", "--config", vendor}).code,
        0);
    // The buyer is participant 4 (admin 1, watcher 2, owner-v 3).
    ASSERT_EQ(cux({"admin", "deposit", "4", "1000.00", "--config", admin_}).code, 0);
    ASSERT_EQ(cux({"order", "place", "sell", symbol, "2", "12.00", "--config", vendor}).code, 0);
    ASSERT_EQ(cux({"order", "place", "buy", symbol, "2", "12.00", "--config", buyer}).code, 0);

    result r;
    for (int i = 0; i < 50; ++i) {
        r = cux({"alerts", "--config", watcher});
        if (r.out.find("wash_trade") != std::string::npos) break;
        std::this_thread::sleep_for(100ms);
    }
    ASSERT_EQ(r.code, 0) << r;
    EXPECT_NE(r.out.find("#1 "), std::string::npos) << r;
    EXPECT_NE(r.out.find("wash trade: participants 4 and 3 (group 9) traded 2 with each other"),
              std::string::npos)
        << r;

    r = cux({"audit", "--from-seq", "1", "--limit", "5", "--config", watcher});
    ASSERT_EQ(r.code, 0) << r;
    EXPECT_NE(r.out.find("ROW"), std::string::npos) << r;
    EXPECT_NE(r.out.find("create_participant"), std::string::npos) << r;
    EXPECT_NE(r.out.find("next: --cursor 6"), std::string::npos) << r;
    r = cux({"audit", "--all", "--config", watcher});
    ASSERT_EQ(r.code, 0) << r;
    EXPECT_NE(r.out.find("group=9"), std::string::npos) << r;
    EXPECT_NE(r.out.find("place_order"), std::string::npos) << r;
    const std::size_t all_lines = std::count(r.out.begin(), r.out.end(), '\n');
    r = cux({"audit", "--all", "--quiet-ticks", "--config", watcher});
    ASSERT_EQ(r.code, 0) << r;
    EXPECT_NE(r.out.find("place_order"), std::string::npos) << r;
    EXPECT_LT(std::count(r.out.begin(), r.out.end(), '\n'), all_lines) << "idle ticks left out";

    const std::string csv = tmp_ + "/trail.csv";
    r = cux({"audit", "csv", "--out", csv, "--config", watcher});
    ASSERT_EQ(r.code, 0) << r;
    EXPECT_NE(r.out.find("rows to " + csv), std::string::npos) << r;
    EXPECT_TRUE(read_text(csv).starts_with("row,seq,event_seq,time,kind,type,participant_id,"))
        << read_text(csv).substr(0, 200);

    // Not for a vendor.
    r = cux({"alerts", "--config", vendor});
    EXPECT_EQ(r.code, 1) << r;
    EXPECT_NE(r.err.find("FORBIDDEN"), std::string::npos) << r;
    r = cux({"audit", "csv", "--config", vendor});
    EXPECT_EQ(r.code, 1) << r;
}

}  // namespace
}  // namespace cux::e2e
