// End to end with the built `cux` binary: `cux market check` and the verb dispatcher.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace cux::e2e {
namespace {

const std::string source_dir = CUX_SOURCE_DIR;
const std::string small_file = source_dir + "/tests/data/market_small.json";
const std::string bad_dir = source_dir + "/tests/data/market_bad/";

// `cux market check` runs the market-file loader; its exit codes and one-line errors are part of
// the operator's interface.
TEST(CuxMarketCheck, ReportsSummaryAndErrors) {
    const auto run = [](const std::string& args, std::string& output) {
        const std::string cmd = std::string(CUX_BINARY) + " " + args + " 2>&1";
        std::FILE* p = popen(cmd.c_str(), "r");
        if (p == nullptr) return -1;
        char buf[4096];
        output.clear();
        for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) output.append(buf, n);
        const int status = pclose(p);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    };
    std::string out;
    EXPECT_EQ(run("market check", out), 0) << out;
    EXPECT_NE(out.find("chips    16:"), std::string::npos) << out;
    EXPECT_NE(out.find("regions  8:"), std::string::npos) << out;
    EXPECT_NE(out.find("links    64 (8 x 8)"), std::string::npos) << out;
    EXPECT_EQ(run("market check --market " + small_file, out), 0) << out;
    EXPECT_NE(out.find("chips    2: gpu1 cpu1"), std::string::npos) << out;
    EXPECT_EQ(run("market check " + bad_dir + "negative_pue.json", out), 1);
    EXPECT_EQ(out, "cux: market file " + bad_dir +
                       "negative_pue.json: regions[0].pue: must be a number in [1.0, 3.0]\n");
    EXPECT_EQ(run("market", out), 2);
    EXPECT_EQ(run("market check a b", out), 2);
    EXPECT_EQ(run("no-such-verb", out), 2);
    EXPECT_NE(out.find("unknown verb 'no-such-verb'"), std::string::npos) << out;
    EXPECT_EQ(run("help", out), 0);
    EXPECT_NE(out.find("market check"), std::string::npos) << out;
}

}  // namespace
}  // namespace cux::e2e
