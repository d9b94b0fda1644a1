// End-to-end tests of `cux serve`: the built binary (CUX_BINARY) run as a user would, on a fresh
// data directory under /tmp, its stdout and stderr read through pipes. Every wait has a deadline,
// so a hang fails the test instead of blocking CI, and a child still running at the end of a test
// is killed. Ticks are driven with a small --tick-ms; progress is observed through the journal
// file's size, never by sleeping a fixed time.
#include <sys/stat.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/e2e/cli_harness.hpp"

namespace cux::e2e {
namespace {

// The journal's on-disk format (engine/journal.hpp), as a user with a hex editor sees it.
constexpr uint64_t header_bytes = 32;
constexpr uint64_t record_bytes = 120;
constexpr uint64_t frame_bytes = 8;

// A fresh directory under /tmp, removed at the end of the test.
struct temp_dir {
    std::string path;
    temp_dir() {
        char tmpl[] = "/tmp/cux-serve-test-XXXXXX";
        const char* p = ::mkdtemp(tmpl);
        if (p == nullptr) std::abort();
        path = p;
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    [[nodiscard]] std::string data() const { return path + "/data"; }
    // The first (and, at 256 MiB per segment, only) journal segment.
    [[nodiscard]] std::string segment() const {
        return data() + "/journal/00000000000000000001.cuxj";
    }
};

// One `cux serve` process with its stdout and stderr on pipes (the e2e harness's child).
class server : public child {
public:
    explicit server(const std::vector<std::string>& args) : child(with_serve(args), {}) {}

private:
    static std::vector<std::string> with_serve(const std::vector<std::string>& args) {
        std::vector<std::string> all = {"serve"};
        all.insert(all.end(), args.begin(), args.end());
        return all;
    }
};

// The non-empty lines of `text`.
std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> v;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) v.push_back(line);
    }
    return v;
}

// "replayed N commands: seq S, state HASH"
struct replayed_line {
    uint64_t commands = 0;
    uint64_t seq = 0;
    std::string state;
};
std::optional<replayed_line> parse_replayed(const std::string& out) {
    static const std::regex re(R"(replayed (\d+) commands: seq (\d+), state ([0-9a-f]{16}))");
    std::smatch m;
    if (!std::regex_search(out, m, re)) return std::nullopt;
    return replayed_line{std::stoull(m[1]), std::stoull(m[2]), m[3]};
}

// "stopped on SIGTERM: seq S durable D, state HASH, ..."
struct stopped_line {
    std::string signal;
    uint64_t seq = 0;
    uint64_t durable = 0;
    std::string state;
};
std::optional<stopped_line> parse_stopped(const std::string& out) {
    static const std::regex re(
        R"(stopped on (SIGTERM|SIGINT): seq (\d+) durable (\d+), state ([0-9a-f]{16}))");
    std::smatch m;
    if (!std::regex_search(out, m, re)) return std::nullopt;
    return stopped_line{m[1], std::stoull(m[2]), std::stoull(m[3]), m[4]};
}

std::vector<std::string> serve_args(const temp_dir& t, uint32_t tick_ms) {
    return {"--data", t.data(), "--tick-ms", std::to_string(tick_ms), "--listen", "127.0.0.1:0"};
}

uint64_t size_of(const std::string& path) {
    std::error_code ec;
    const auto n = fs::file_size(path, ec);
    return ec ? 0 : static_cast<uint64_t>(n);
}

// Waits until the journal holds at least `records` records (written, not necessarily synced).
void wait_for_records(const temp_dir& t, uint64_t records) {
    const auto until = clock_type::now() + deadline;
    while (size_of(t.segment()) < header_bytes + records * record_bytes) {
        ASSERT_LT(clock_type::now(), until)
            << "the journal did not reach " << records << " records";
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

// One session: start on `t`, check the replay line, let the clock add at least `new_records`
// records (tick_ms > 0), stop with `sig`, expect exit 0 and a consistent stop line.
struct session {
    replayed_line replayed;
    stopped_line stopped;
    std::string err;
};
void run_session(const temp_dir& t, uint32_t tick_ms, uint64_t new_records, int sig, session& s) {
    const uint64_t before = size_of(t.segment()) < header_bytes
                                ? 0
                                : (size_of(t.segment()) - header_bytes) / record_bytes;
    server srv(serve_args(t, tick_ms));
    ASSERT_TRUE(srv.wait_stdout("ready")) << srv.output();
    const auto r = parse_replayed(srv.out());
    ASSERT_TRUE(r) << srv.output();
    s.replayed = *r;
    if (new_records > 0) {
        ASSERT_NO_FATAL_FAILURE(wait_for_records(t, before + new_records));
    }
    srv.send(sig);
    const int status = srv.finish();
    s.err = srv.err();
    ASSERT_EQ(status, 0) << "status " << status << "\n" << srv.output();
    const auto st = parse_stopped(srv.out());
    ASSERT_TRUE(st) << srv.output();
    s.stopped = *st;
    EXPECT_EQ(s.stopped.signal, sig == SIGINT ? "SIGINT" : "SIGTERM");
    // A clean stop journals and syncs everything it applied.
    EXPECT_EQ(s.stopped.durable, s.stopped.seq) << srv.output();
    EXPECT_GE(s.stopped.seq, s.replayed.seq);
    EXPECT_EQ(size_of(t.segment()), header_bytes + s.stopped.seq * record_bytes);
}

// Every regular file under `dir` with its contents.
std::map<std::string, std::string> snapshot(const std::string& dir) {
    std::map<std::string, std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
        if (!e.is_regular_file()) continue;
        std::ifstream in(e.path(), std::ios::binary);
        std::ostringstream s;
        s << in.rdbuf();
        files[e.path().string()] = s.str();
    }
    return files;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    ASSERT_TRUE(out.good()) << path;
}

void flip_byte(const std::string& path, uint64_t offset) {
    const int fd = ::open(path.c_str(), O_RDWR);
    ASSERT_GE(fd, 0) << path;
    unsigned char b = 0;
    ASSERT_EQ(::pread(fd, &b, 1, static_cast<off_t>(offset)), 1);
    b ^= 0x5A;
    ASSERT_EQ(::pwrite(fd, &b, 1, static_cast<off_t>(offset)), 1);
    ::close(fd);
}

void resize(const std::string& path, uint64_t bytes) {
    ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(bytes)), 0) << std::strerror(errno);
}

// A crash while the next record was being written: the first `bytes` of a record (a copy of the
// last one, so the frame looks plausible) after the durable ones. That record was never
// acknowledged, so nothing downstream (the ledger) can have seen it.
void append_partial_record(const std::string& path, uint64_t record, uint64_t bytes) {
    const std::string text = read_text(path);
    ASSERT_GE(text.size(), record);
    write_text(path, text + text.substr(text.size() - record, bytes));
}

// A journal of a few dozen ticks, stopped cleanly: the durable seq.
uint64_t make_journal(const temp_dir& t) {
    session s;
    run_session(t, 1, 30, SIGTERM, s);
    return s.stopped.durable;
}

TEST(Serve, FreshStartStopAndRestartsKeepTheState) {
    temp_dir t;
    session first;
    ASSERT_NO_FATAL_FAILURE(run_session(t, 1, 20, SIGTERM, first));
    EXPECT_EQ(first.replayed.commands, 0u);
    EXPECT_EQ(first.replayed.seq, 0u);
    EXPECT_GE(first.stopped.seq, 21u);  // the admin's creation, then the ticks
    EXPECT_TRUE(first.err.empty()) << first.err;
    EXPECT_TRUE(fs::exists(t.data() + "/market.json"));

    // The restart replays exactly what the stop called durable, into the same state; then more
    // ticks, stopped with SIGINT this time.
    session second;
    ASSERT_NO_FATAL_FAILURE(run_session(t, 1, 20, SIGINT, second));
    EXPECT_EQ(second.replayed.commands, first.stopped.durable);
    EXPECT_EQ(second.replayed.seq, first.stopped.seq);
    EXPECT_EQ(second.replayed.state, first.stopped.state);
    EXPECT_GE(second.stopped.seq, first.stopped.seq + 20);
    EXPECT_TRUE(second.err.empty()) << second.err;

    // No clock: nothing new is applied, so the stop line repeats the replayed state.
    session third;
    ASSERT_NO_FATAL_FAILURE(run_session(t, 0, 0, SIGTERM, third));
    EXPECT_EQ(third.replayed.commands, second.stopped.durable);
    EXPECT_EQ(third.replayed.seq, second.stopped.seq);
    EXPECT_EQ(third.replayed.state, second.stopped.state);
    EXPECT_EQ(third.stopped.seq, second.stopped.seq);
    EXPECT_EQ(third.stopped.state, second.stopped.state);
    EXPECT_TRUE(third.err.empty()) << third.err;
}

TEST(Serve, CorruptJournalIsRefusedAndLeftUntouched) {
    temp_dir t;
    const uint64_t durable = make_journal(t);
    ASSERT_GE(durable, 30u);
    const uint64_t damaged = durable / 2;  // well before the tail
    const uint64_t at = header_bytes + damaged * record_bytes;
    ASSERT_NO_FATAL_FAILURE(flip_byte(t.segment(), at + frame_bytes + 40));
    const auto before = snapshot(t.data());

    server srv(serve_args(t, 1));
    const int status = srv.finish();
    EXPECT_EQ(status, 1) << "status " << status << "\n" << srv.output();
    EXPECT_EQ(srv.out().find("ready"), std::string::npos) << srv.output();
    const auto err = lines(srv.err());
    ASSERT_EQ(err.size(), 1u) << srv.output();
    EXPECT_NE(err[0].find("refusing to start"), std::string::npos) << err[0];
    EXPECT_NE(err[0].find("corrupt"), std::string::npos) << err[0];
    EXPECT_NE(err[0].find("crc"), std::string::npos) << err[0];
    EXPECT_NE(err[0].find(t.segment()), std::string::npos) << err[0];
    EXPECT_NE(err[0].find("byte " + std::to_string(at)), std::string::npos) << err[0];
    EXPECT_EQ(snapshot(t.data()), before);  // not a byte changed, nothing added or removed
}

TEST(Serve, TornTailIsTruncatedAndTheRecordsBeforeItReplayed) {
    temp_dir t;
    const uint64_t durable = make_journal(t);
    ASSERT_GE(durable, 30u);
    ASSERT_NO_FATAL_FAILURE(append_partial_record(t.segment(), record_bytes, record_bytes - 7));

    session torn;
    ASSERT_NO_FATAL_FAILURE(run_session(t, 0, 0, SIGTERM, torn));
    EXPECT_EQ(torn.replayed.commands, durable);
    EXPECT_EQ(torn.replayed.seq, durable);
    const auto err = lines(torn.err);
    ASSERT_EQ(err.size(), 1u) << torn.err;
    EXPECT_NE(err[0].find("torn"), std::string::npos) << err[0];
    EXPECT_NE(err[0].find("truncated " + std::to_string(record_bytes - 7) + " bytes"),
              std::string::npos)
        << err[0];
    EXPECT_EQ(torn.stopped.durable, durable);

    // A power cut that kept the new size but not the data: a zero-filled tail, also torn. The
    // journal goes on after the cut: this session appends where the zeros were.
    ASSERT_NO_FATAL_FAILURE(resize(t.segment(), size_of(t.segment()) + 4096));
    session zeros;
    ASSERT_NO_FATAL_FAILURE(run_session(t, 1, 5, SIGTERM, zeros));
    EXPECT_EQ(zeros.replayed.commands, durable);
    EXPECT_EQ(zeros.replayed.state, torn.replayed.state);
    const auto zero_err = lines(zeros.err);
    ASSERT_EQ(zero_err.size(), 1u) << zeros.err;
    EXPECT_NE(zero_err[0].find("zero-filled"), std::string::npos) << zero_err[0];
    EXPECT_NE(zero_err[0].find("truncated 4096 bytes"), std::string::npos) << zero_err[0];
}

TEST(Serve, BadMarketFileIsRefusedWithTheFieldNamed) {
    temp_dir t;
    std::string text = read_text(std::string(CUX_SOURCE_DIR) + "/schemas/market.default.json");
    const std::string good = R"("taker_bps": 5)";
    const auto at = text.find(good);
    ASSERT_NE(at, std::string::npos);
    text.replace(at, good.size(), R"("taker_bps": 5000)");
    const std::string bad = t.path + "/market.bad.json";
    ASSERT_NO_FATAL_FAILURE(write_text(bad, text));

    std::vector<std::string> args = serve_args(t, 1);
    args.insert(args.end(), {"--market", bad});
    server srv(args);
    const int status = srv.finish();
    EXPECT_EQ(status, 1) << "status " << status << "\n" << srv.output();
    const auto err = lines(srv.err());
    ASSERT_EQ(err.size(), 1u) << srv.output();
    EXPECT_NE(err[0].find("fees.taker_bps"), std::string::npos) << err[0];
    EXPECT_NE(err[0].find(bad), std::string::npos) << err[0];
    // Refused before anything was written: no market of its own, no journal.
    EXPECT_FALSE(fs::exists(t.data() + "/market.json"));
    EXPECT_FALSE(fs::exists(t.data() + "/journal"));
}

TEST(Serve, DifferentMarketFileOnAnExistingDirectoryIsRefused) {
    // The market check comes before the journal is read, so a data directory with only its
    // market file will do.
    temp_dir t;
    const std::string text =
        read_text(std::string(CUX_SOURCE_DIR) + "/schemas/market.default.json");
    fs::create_directories(t.data());
    ASSERT_NO_FATAL_FAILURE(write_text(t.data() + "/market.json", text));
    const std::string other = t.path + "/market.other.json";
    ASSERT_NO_FATAL_FAILURE(write_text(other, text + "\n"));  // the same market, other bytes
    const auto before = snapshot(t.data());

    std::vector<std::string> args = serve_args(t, 1);
    args.insert(args.end(), {"--market", other});
    server srv(args);
    const int status = srv.finish();
    EXPECT_EQ(status, 1) << "status " << status << "\n" << srv.output();
    const auto err = lines(srv.err());
    ASSERT_EQ(err.size(), 1u) << srv.output();
    EXPECT_NE(err[0].find("differs"), std::string::npos) << err[0];
    // Nothing changed but the empty lock file every start takes first (DIR/lock).
    auto expected = before;
    expected[t.data() + "/lock"] = "";
    EXPECT_EQ(snapshot(t.data()), expected);
}

TEST(Serve, SigkillMidRunThenRestartReplays) {
    temp_dir t;
    uint64_t written = 0;
    {
        server srv(serve_args(t, 1));
        ASSERT_TRUE(srv.wait_stdout("ready")) << srv.output();
        ASSERT_NO_FATAL_FAILURE(wait_for_records(t, 40));
        srv.send(SIGKILL);
        EXPECT_EQ(srv.finish(), 128 + SIGKILL) << srv.output();
        EXPECT_FALSE(parse_stopped(srv.out()).has_value()) << srv.output();
        written = (size_of(t.segment()) - header_bytes) / record_bytes;
    }
    ASSERT_GE(written, 40u);

    // What a killed process wrote is in the page cache: every whole record replays. A kill
    // mid-write may leave a torn record, which is reported and cut, never a refusal.
    session s;
    ASSERT_NO_FATAL_FAILURE(run_session(t, 0, 0, SIGTERM, s));
    EXPECT_EQ(s.replayed.commands, written);
    EXPECT_EQ(s.replayed.seq, s.replayed.commands);
    EXPECT_EQ(s.stopped.state, s.replayed.state);
    for (const std::string& line : lines(s.err)) {
        EXPECT_NE(line.find("torn"), std::string::npos) << line;
    }
}

TEST(Serve, SecondServerOnTheSameDirectoryIsRefusedWhileTheFirstKeepsServing) {
    temp_dir t;
    server first(serve_args(t, 1));
    ASSERT_TRUE(first.wait_stdout("cux serve: ready: ")) << first.output();
    ASSERT_TRUE(first.wait_stdout("\n")) << first.output();
    const std::string url = capture(first.out(), R"(cux serve: ready: (\S+) data )");
    ASSERT_FALSE(url.empty()) << first.output();
    struct stat st {};
    ASSERT_EQ(::stat((t.data() + "/lock").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);

    {
        server second(serve_args(t, 1));
        const int status = second.finish();
        EXPECT_EQ(status, 1) << "status " << status << "\n" << second.output();
        const auto err = lines(second.err());
        ASSERT_EQ(err.size(), 1u) << second.output();
        EXPECT_EQ(err[0], "cux serve: data directory " + t.data() +
                              " is in use by another cux serve (" + t.data() + "/lock is locked)");
        EXPECT_TRUE(second.out().empty()) << second.output();
    }

    // The first one still serves: it answers a client and its clock keeps journaling.
    const uint64_t records = (size_of(t.segment()) - header_bytes) / record_bytes;
    ASSERT_NO_FATAL_FAILURE(wait_for_records(t, records + 10));
    child client({"instruments", "--url", url, "--cacert", t.data() + "/cert.pem", "--json"},
                 {{"HOME", "/nonexistent"}});
    EXPECT_EQ(client.finish(), 0) << client.output();
    EXPECT_NE(client.out().find("\"symbol\""), std::string::npos) << client.output();
    first.send(SIGTERM);
    EXPECT_EQ(first.finish(), 0) << first.output();
    EXPECT_TRUE(parse_stopped(first.out()).has_value()) << first.output();

    // Stopped, it released the lock: the directory starts again.
    session again;
    ASSERT_NO_FATAL_FAILURE(run_session(t, 0, 0, SIGTERM, again));
    EXPECT_TRUE(again.err.empty()) << again.err;
}

TEST(Serve, MissingDataDirectoryIsAUsageError) {
    server srv({"--tick-ms", "1"});
    const int status = srv.finish();
    EXPECT_EQ(status, 2) << "status " << status << "\n" << srv.output();
    const auto err = lines(srv.err());
    ASSERT_FALSE(err.empty()) << srv.output();
    EXPECT_NE(err[0].find("usage: cux serve --data DIR"), std::string::npos) << err[0];
}

TEST(Serve, BadTickIntervalIsAUsageErrorNamingTheValue) {
    temp_dir t;
    for (const char* bad : {"abc", "-1", "60001", "10ms", "99999999999"}) {
        server srv({"--data", t.data(), "--tick-ms", bad});
        const int status = srv.finish();
        EXPECT_EQ(status, 2) << bad << ": status " << status << "\n" << srv.output();
        const auto err = lines(srv.err());
        ASSERT_FALSE(err.empty()) << srv.output();
        EXPECT_EQ(err[0], std::string("cux serve: --tick-ms ") + bad + ": want 0..60000");
        EXPECT_FALSE(fs::exists(t.data() + "/journal")) << bad;  // refused before any work
    }
}

}  // namespace
}  // namespace cux::e2e
