// End to end with the built `cux` binary: `cux serve` records its ledger in DIR/cux.db, and
// `cux ledger verify --data DIR` proves it (exit 0), or names what is violated (exit 1).

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "ledger/detail/sqlite.hpp"
#include "tests/ledger/ledger_harness.hpp"

namespace cux::ledger::test {
namespace {

struct run_result {
    int exit_code = -1;
    std::string out;  // stdout and stderr
};

run_result run(const std::string& args) {
    run_result r;
    const std::string cmd = std::string(CUX_BINARY) + " " + args + " 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    if (p == nullptr) return r;
    std::array<char, 4096> buf{};
    std::size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
    const int status = ::pclose(p);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

// Runs `cux serve` on dir until it is ready plus a moment of clock ticks, then SIGTERM.
void serve_briefly(const std::string& dir) {
    int out[2];
    ASSERT_EQ(::pipe(out), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        ::dup2(out[1], STDOUT_FILENO);
        ::close(out[0]);
        ::execl(CUX_BINARY, CUX_BINARY, "serve", "--data", dir.c_str(), "--tick-ms", "20",
                static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::close(out[1]);
    std::string text;
    char buf[512];
    ssize_t n;
    while (text.find("ready") == std::string::npos && (n = ::read(out[0], buf, sizeof buf)) > 0) {
        text.append(buf, static_cast<std::size_t>(n));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ::kill(pid, SIGTERM);
    while ((n = ::read(out[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
    ::close(out[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << text;
    EXPECT_NE(text.find("ledger: committed to event"), std::string::npos) << text;
}

TEST(LedgerCli, VerifyProvesWhatServeRecordedAndNamesTampering) {
    temp_dir dir;
    serve_briefly(dir.path);
    serve_briefly(dir.path);  // a restart resumes the same ledger
    run_result r = run("ledger verify --data " + dir.path);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("engine_replay          ok"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("ledger verified"), std::string::npos) << r.out;
    {
        auto db = detail::connection::open(dir.db(), false, false, "", 1000);
        ASSERT_TRUE(db.ok());
        ASSERT_TRUE(db.value().exec("UPDATE accounts SET balance = balance + 1 WHERE id = 1").ok());
    }
    r = run("ledger verify --data " + dir.path);
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find("verify failed: zero_sum, balances_match_lines"), std::string::npos)
        << r.out;
}

TEST(LedgerCli, VerifyRefusesBadUsageAndAMissingLedger) {
    temp_dir dir;
    EXPECT_EQ(run("ledger").exit_code, 2);
    EXPECT_EQ(run("ledger verify").exit_code, 2);
    const run_result r = run("ledger verify --data " + dir.path);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.out.find("no ledger"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace cux::ledger::test
