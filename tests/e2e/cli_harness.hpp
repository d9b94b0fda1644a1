#pragma once
// The harness of the end-to-end tests: the built `cux` binary (CUX_BINARY) run as a user would,
// against a real `cux serve` on an ephemeral port over TLS (the server's self-signed certificate
// found beside the credentials files). A fresh data directory under /tmp per test, the small
// test market with a 1 s pre-open so books open at once, HOME pointed at the directory and every
// CUX_* variable cleared so nothing of the machine's own configuration leaks in. Every wait has a
// deadline; a child still running at the end of a test is killed.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace cux::e2e {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto deadline = 10s;

inline std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

inline void write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

// The first capture of `re` in `text`, or "".
inline std::string capture(const std::string& text, const std::string& re) {
    std::smatch m;
    return std::regex_search(text, m, std::regex(re)) ? m[1].str() : std::string();
}

// A child process of CUX_BINARY with stdout and stderr on pipes.
class child {
public:
    child(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
        int out[2];
        int err[2];
        if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) std::abort();
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&fa, out[1], 1);
        posix_spawn_file_actions_adddup2(&fa, err[1], 2);
        posix_spawnattr_t attr;
        posix_spawnattr_init(&attr);
        sigset_t none;
        sigemptyset(&none);
        sigset_t defaults;
        sigemptyset(&defaults);
        sigaddset(&defaults, SIGTERM);
        sigaddset(&defaults, SIGINT);
        sigaddset(&defaults, SIGPIPE);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setsigdefault(&attr, &defaults);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

        std::vector<std::string> all = {CUX_BINARY};
        all.insert(all.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (std::string& a : all) argv.push_back(a.data());
        argv.push_back(nullptr);
        // The test's environment without CUX_*, then the given variables.
        std::vector<std::string> vars;
        for (char** e = environ; *e != nullptr; ++e) {
            const std::string v = *e;
            const std::string name = v.substr(0, v.find('='));
            if (!name.starts_with("CUX_") && !env.contains(name)) vars.push_back(v);
        }
        for (const auto& [k, v] : env) vars.push_back(k + "=" + v);
        std::vector<char*> envp;
        for (std::string& v : vars) envp.push_back(v.data());
        envp.push_back(nullptr);
        const int rc = ::posix_spawn(&pid_, CUX_BINARY, &fa, &attr, argv.data(), envp.data());
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        ::close(out[1]);
        ::close(err[1]);
        out_fd_ = out[0];
        err_fd_ = err[0];
        if (rc != 0) {
            ADD_FAILURE() << "posix_spawn " << CUX_BINARY << ": " << std::strerror(rc);
            pid_ = -1;
        }
    }
    ~child() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            int status = 0;
            ::waitpid(pid_, &status, 0);
        }
        if (out_fd_ >= 0) ::close(out_fd_);
        if (err_fd_ >= 0) ::close(err_fd_);
    }
    child(const child&) = delete;
    child& operator=(const child&) = delete;

    // Reads until `needle` is on stdout: false at the deadline or when the output ended first.
    bool wait_stdout(const std::string& needle) {
        const auto until = clock_type::now() + deadline;
        while (out_.find(needle) == std::string::npos) {
            if ((out_fd_ < 0 && err_fd_ < 0) || clock_type::now() >= until) return false;
            pump(until);
        }
        return true;
    }

    void send(int sig) const { ::kill(pid_, sig); }

    // Reads both pipes to their end and reaps the child: its exit code (128 + signal when
    // killed; at the deadline it is killed and the test fails).
    int finish() {
        const auto until = clock_type::now() + deadline;
        while ((out_fd_ >= 0 || err_fd_ >= 0) && clock_type::now() < until) pump(until);
        int status = 0;
        for (;;) {
            if (::waitpid(pid_, &status, WNOHANG) == pid_) break;
            if (clock_type::now() >= until) {
                ADD_FAILURE() << "cux did not exit within the deadline\n" << output();
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, &status, 0);
                break;
            }
            std::this_thread::sleep_for(5ms);
        }
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }

    [[nodiscard]] const std::string& out() const { return out_; }
    [[nodiscard]] const std::string& err() const { return err_; }
    [[nodiscard]] std::string output() const { return "stdout:\n" + out_ + "\nstderr:\n" + err_; }

private:
    void pump(clock_type::time_point until) {
        pollfd fds[2];
        int* owners[2];
        std::string* sinks[2];
        nfds_t n = 0;
        if (out_fd_ >= 0) {
            fds[n] = {out_fd_, POLLIN, 0};
            owners[n] = &out_fd_;
            sinks[n++] = &out_;
        }
        if (err_fd_ >= 0) {
            fds[n] = {err_fd_, POLLIN, 0};
            owners[n] = &err_fd_;
            sinks[n++] = &err_;
        }
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(until - clock_type::now());
        const int wait_ms = static_cast<int>(std::clamp<int64_t>(left.count(), 0, 50));
        if (n == 0 || ::poll(fds, n, wait_ms) <= 0) return;
        for (nfds_t i = 0; i < n; ++i) {
            if (fds[i].revents == 0) continue;
            char buf[4096];
            const ssize_t r = ::read(fds[i].fd, buf, sizeof buf);
            if (r > 0) {
                sinks[i]->append(buf, static_cast<std::size_t>(r));
            } else if (r == 0 || errno != EINTR) {
                ::close(*owners[i]);
                *owners[i] = -1;
            }
        }
    }

    pid_t pid_ = -1;
    int out_fd_ = -1;
    int err_fd_ = -1;
    std::string out_;
    std::string err_;
};

struct result {
    int code = -1;
    std::string out;
    std::string err;
};

inline std::ostream& operator<<(std::ostream& os, const result& r) {
    return os << "exit " << r.code << "\nstdout:\n" << r.out << "\nstderr:\n" << r.err;
}

// A server on a fresh directory and the way to run client verbs against it.
class ClientCli : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/cux-client-test-XXXXXX";
        const char* p = ::mkdtemp(tmpl);
        ASSERT_NE(p, nullptr);
        tmp_ = p;
        data_ = tmp_ + "/data";
        // The small test market, with books that open 1 s after listing.
        std::string market =
            read_text(std::string(CUX_SOURCE_DIR) + "/tests/data/market_small.json");
        const std::string from = "\"pre_open_seconds\": 60";
        const std::size_t at = market.find(from);
        ASSERT_NE(at, std::string::npos);
        market.replace(at, from.size(), "\"pre_open_seconds\": 1");
        write_text(tmp_ + "/market.json", market);
        server_ = std::make_unique<child>(
            std::vector<std::string>{"serve", "--data", data_, "--market", tmp_ + "/market.json",
                                     "--listen", "127.0.0.1:0", "--tick-ms", "100"},
            env_);
        ASSERT_TRUE(server_->wait_stdout("cux serve: ready: ")) << server_->output();
        ASSERT_TRUE(server_->wait_stdout("\n")) << server_->output();
        url_ = capture(server_->out(), R"(cux serve: ready: (\S+) data )");
        ASSERT_TRUE(url_.starts_with("https://127.0.0.1:")) << server_->output();
        admin_ = data_ + "/admin.credentials";
    }

    void TearDown() override {
        if (server_) {
            server_->send(SIGTERM);
            const int code = server_->finish();
            EXPECT_EQ(code, 0) << "cux serve on SIGTERM\n" << server_->output();
        }
        server_.reset();
        std::error_code ec;
        fs::remove_all(tmp_, ec);
    }

    result cux(const std::vector<std::string>& args,
               const std::map<std::string, std::string>& extra_env = {}) {
        std::map<std::string, std::string> env = env_;
        env.insert(extra_env.begin(), extra_env.end());
        child c(args, env);
        result r;
        r.code = c.finish();
        r.out = c.out();
        r.err = c.err();
        return r;
    }

    // Creates a participant through the CLI, its credentials in DATA/<name>.json: its id.
    std::string add_participant(const std::string& name, const std::string& roles) {
        const std::string creds = data_ + "/" + name + ".json";
        const result r = cux({"admin", "participant", "add", name, "--roles", roles, "--write",
                              creds, "--json", "--config", admin_});
        EXPECT_EQ(r.code, 0) << r;
        struct stat st {};
        EXPECT_EQ(::stat(creds.c_str(), &st), 0);
        EXPECT_EQ(st.st_mode & 0777, 0600u);
        return capture(r.out, R"re("participant_id":"(\d+)")re");
    }

    // The first open hourly gpu1 book in east1 (books open 1 s after listing).
    std::string open_symbol() {
        const auto until = clock_type::now() + deadline;
        while (clock_type::now() < until) {
            const result r = cux({"instruments", "--chip", "gpu1", "--region", "east1", "--status",
                                  "open", "--json", "--config", admin_});
            EXPECT_EQ(r.code, 0) << r;
            const std::string s = capture(r.out, R"re("symbol":"(gpu1\.east1\.[0-9T]+\.1h)")re");
            if (!s.empty()) return s;
            std::this_thread::sleep_for(100ms);
        }
        ADD_FAILURE() << "no gpu1 east1 book opened";
        return "";
    }

    std::string tmp_;
    std::string data_;
    std::string url_;
    std::string admin_;
    std::map<std::string, std::string> env_{{"HOME", "/nonexistent"}};
    std::unique_ptr<child> server_;
};

}  // namespace cux::e2e
