// `cux serve --data DIR [--listen HOST:PORT] [--market FILE] [--insecure-http] [--cert F --key F]
// [--tick-ms N]`: runs the exchange on a data directory (API.md "Starting a server").
//
// First start on an empty directory: copies the market file to DIR/market.json (the standard a
// journal was written under must never change beneath it); the gateway creates the admin
// participant, DIR/admin.credentials (0600) and a self-signed certificate.
// Every start replays DIR/journal through the engine (progress on a terminal), refuses to start
// on a corrupt journal, truncates a torn tail after reporting it, prints the state hash, then
// runs the pipeline (sequencer, journal with group-commit fsync, the clock's ticks) until
// SIGTERM/SIGINT and stops cleanly, printing the final seq and state hash.
//
// The ledger writer (DIR/cux.db, issue 3) consumes the event ring from before the replay: the
// pipeline publishes replayed events and the ledger records those it does not have yet. It
// refuses to start when the ledger is ahead of the journal.
//
// The audit store (DIR/audit.db, ledger/audit_writer.hpp: the regulator's audit trail and the
// surveillance alerts) is a third consumer, opened once the gateway exists (it pushes alerts to
// the stream) and before the replay, which fills in whatever it does not hold yet. New orders
// are refused while it lags too far or has failed, as for the ledger.
//
// The market-data recorder (DIR/marketdata.db, issue 6: tape, bars, settlements) is a consumer
// of its own, wired like the ledger; its lag or failure shuts the order gate too.
//
// One server per data directory: before anything in DIR is read or written, `cux serve` takes an
// exclusive flock on DIR/lock (created 0600) and holds it until it exits; a second one on the
// same directory prints one line and exits 1. The kernel drops the lock with the process (a
// crash or SIGKILL included), so the file left behind never blocks a restart.
//
// The HTTPS gateway (gateway/server.hpp) registers its event consumer before the replay too (its
// read models rebuild from the journal), then binds and prints the ready line
// `cux serve: ready: URL data DIR`. A journal or ledger failure while running is reported on
// stderr; a journal failure stops the server (exit 1), a ledger failure shuts the order gate.

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

#include "engine/exchange.hpp"
#include "engine/pipeline.hpp"
#include "gateway/market_file.hpp"
#include "gateway/server.hpp"
#include "ledger/audit_writer.hpp"
#include "ledger/market_data_writer.hpp"
#include "ledger/pipeline_link.hpp"
#include "ledger/writer.hpp"
#include "tools/commands.hpp"

namespace cux::tools {

namespace {

using namespace cux::engine;

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void fsync_path(const std::string& path, int flags) {
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0) throw std::runtime_error("cannot sync " + path + ": " + std::strerror(err));
}

// Written to a temporary file, synced, renamed over `path`, and the directory synced: after a
// crash the file is either absent or whole.
void write_file_durably(const std::string& dir, const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) throw std::runtime_error("cannot write " + tmp);
        out << text;
        out.flush();
        if (!out) throw std::runtime_error("cannot write " + tmp);
    }
    fsync_path(tmp, O_RDONLY);
    std::filesystem::rename(tmp, path);
    fsync_path(dir, O_RDONLY | O_DIRECTORY);
}

// web/ of the source tree the binary was built from, when it holds the dashboard; else "".
std::string default_web_dir() {
    const std::string dir = CUX_SOURCE_DIR "/web";
    return std::filesystem::exists(dir + "/index.html") ? dir : std::string();
}

int usage() {
    std::fprintf(stderr,
                 "usage: cux serve --data DIR [--listen HOST:PORT] [--market FILE]\n"
                 "                 [--insecure-http] [--cert FILE --key FILE] [--tick-ms N]\n"
                 "  --listen       default 127.0.0.1:8443; port 0 picks a free one\n"
                 "  --tick-ms      engine clock tick every N ms, 0..60000 (default 250; 0 stops "
                 "the clock)\n"
                 "  --web DIR      the dashboard's files, served at / (default: web/ of the "
                 "source tree\n"
                 "                 when it exists); --no-web serves none\n");
    return 2;
}

// The market file of a data directory: DIR/market.json, created from `given` on first start.
market_config market_of(const std::string& dir, const std::string& given, bool given_explicitly) {
    const std::string own = dir + "/market.json";
    if (!std::filesystem::exists(own)) {
        const std::string text = read_file(given);
        market_config m = gateway::parse_market_json(text, given);  // refuse a bad file first
        write_file_durably(dir, own, text);
        return m;
    }
    if (given_explicitly && read_file(given) != read_file(own)) {
        throw std::runtime_error("--market " + given + " differs from " + own +
                                 ", the market this data directory's journal was written under");
    }
    return gateway::load_market_file(own);
}

// An exclusive, non-blocking flock on DIR/lock, held while the object lives. `held()` false: the
// lock file could not be opened or another process holds the lock; `error()` says which.
class data_dir_lock {
public:
    explicit data_dir_lock(const std::string& dir) : path_(dir + "/lock") {
        fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd_ < 0) {
            error_ = "cux serve: cannot open " + path_ + ": " + std::strerror(errno);
            return;
        }
        if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
            error_ = errno == EWOULDBLOCK
                         ? "cux serve: data directory " + dir +
                               " is in use by another cux serve (" + path_ + " is locked)"
                         : "cux serve: cannot lock " + path_ + ": " + std::strerror(errno);
            ::close(fd_);
            fd_ = -1;
        }
    }
    ~data_dir_lock() {
        if (fd_ >= 0) ::close(fd_);  // releases the lock
    }
    data_dir_lock(const data_dir_lock&) = delete;
    data_dir_lock& operator=(const data_dir_lock&) = delete;

    [[nodiscard]] bool held() const { return fd_ >= 0; }
    [[nodiscard]] const std::string& error() const { return error_; }

private:
    std::string path_;
    std::string error_;
    int fd_ = -1;
};

class counting_consumer {
public:
    explicit counting_consumer(spmc_ring<event>& ring) : ring_(ring), id_(ring.add_consumer()) {}
    void start() {
        thread_ = std::thread([this] {
            while (ring_.wait_available(id_) > 0) {
                ring_.poll(
                    id_, [this](const event&) { ++events_; }, 4096);
            }
        });
    }
    void join() {
        if (thread_.joinable()) thread_.join();
    }
    [[nodiscard]] uint64_t events() const { return events_.load(); }

private:
    spmc_ring<event>& ring_;
    spmc_consumer id_;
    std::thread thread_;
    std::atomic<uint64_t> events_{0};
};

}  // namespace

int cmd_serve(int argc, char** argv) {
    std::string dir;
    std::string market_path = default_market_path();
    bool market_given = false;
    uint32_t tick_ms = 250;
    gateway::server_options so;
    std::string web_dir = default_web_dir();
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        const bool has_value = i + 1 < argc;
        if (a == "--data" && has_value) {
            dir = argv[++i];
        } else if (a == "--market" && has_value) {
            market_path = argv[++i];
            market_given = true;
        } else if (a == "--listen" && has_value) {
            so.listen = argv[++i];
        } else if (a == "--cert" && has_value) {
            so.cert_file = argv[++i];
        } else if (a == "--key" && has_value) {
            so.key_file = argv[++i];
        } else if (a == "--insecure-http") {
            so.insecure_http = true;
        } else if (a == "--web" && has_value) {
            web_dir = argv[++i];
        } else if (a == "--no-web") {
            web_dir.clear();
        } else if (a == "--tick-ms" && has_value) {
            const std::string_view v = argv[++i];
            const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), tick_ms);
            if (ec != std::errc() || end != v.data() + v.size() || tick_ms > 60000) {
                std::fprintf(stderr, "cux serve: --tick-ms %.*s: want 0..60000\n",
                             static_cast<int>(v.size()), v.data());
                return usage();
            }
        } else {
            return usage();
        }
    }
    if (dir.empty()) return usage();
    if (so.cert_file.empty() != so.key_file.empty()) {
        std::fprintf(stderr, "cux serve: --cert and --key go together\n");
        return usage();
    }
    so.data_dir = dir;
    so.web_dir = web_dir;
    std::filesystem::create_directories(dir);
    // Held until this function returns, i.e. for the life of the server.
    const data_dir_lock lock(dir);
    if (!lock.held()) {
        std::fprintf(stderr, "%s\n", lock.error().c_str());
        return 1;
    }
    const market_config market = market_of(dir, market_path, market_given);

    // Signals are taken synchronously by sigwait below, so block them before any thread starts.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    exchange ex(market, exchange_config{});
    machine_ref<exchange> m(ex);
    pipeline_options opts;
    opts.data_dir = dir;
    opts.tick_interval_ms = tick_ms;
    // The ledger records from the journal's events too: it skips those it already has.
    opts.publish_replayed_events = true;
    pipeline p(m, opts);
    counting_consumer consumer(p.events());

    // The ledger (DIR/cux.db): registered and running before the replay publishes into the ring.
    ledger::pipeline_durability durable(p);
    ledger::writer_options lopts;
    lopts.db.path = dir + "/cux.db";
    lopts.db.carriers = market.carriers;
    lopts.wait_durable = durable.fn();
    lopts.on_failure = [](const ledger::ledger_error& e) {
        std::fprintf(stderr,
                     "cux: ledger stopped recording (%s), new orders refused until restart: %s\n",
                     ledger::error_code_name(e.code), e.message.c_str());
    };
    auto opened = ledger::writer::open(p.events(), std::move(lopts));
    if (!opened) {
        std::fprintf(stderr, "cux: cannot open the ledger %s/cux.db: %s\n", dir.c_str(),
                     opened.error().message.c_str());
        return 1;
    }
    ledger::writer& ledger_writer = *opened.value();
    ledger_writer.start();

    ledger::md_writer_options mopts;
    mopts.path = dir + "/marketdata.db";
    mopts.utc_offset_hours = market.calendar.utc_offset_hours;
    mopts.gate_closure_s = market.calendar.gate_closure_s;
    mopts.wait_durable = durable.fn();
    mopts.on_failure = [](const ledger::ledger_error& e) {
        std::fprintf(stderr,
                     "cux: market data stopped recording (%s), new orders refused until "
                     "restart: %s\n",
                     ledger::error_code_name(e.code), e.message.c_str());
    };
    auto md_opened = ledger::md_writer::open(p.events(), std::move(mopts));
    if (!md_opened) {
        std::fprintf(stderr, "cux: cannot open the market data %s/marketdata.db: %s\n", dir.c_str(),
                     md_opened.error().message.c_str());
        p.stop();
        ledger_writer.join();
        return 1;
    }
    ledger::md_writer& md_writer = *md_opened.value();
    md_writer.start();
    consumer.start();

    // The gateway: its read models consume the replayed events too. New orders wait on the
    // ledger: refused (503) while it has failed or lags too far behind.
    std::unique_ptr<ledger::audit_writer> audit;
    so.order_gate = [&ledger_writer, &md_writer, &audit] {
        const auto g = ledger_writer.order_gate();
        if (!g.open) return g.reason;
        std::string why = md_writer.order_gate();
        if (!why.empty()) return why;
        const auto a = audit ? audit->order_gate() : ledger::order_gate_state{};
        return a.open ? std::string() : a.reason;
    };
    std::unique_ptr<gateway::server> srv;
    try {
        srv = std::make_unique<gateway::server>(p, market, so);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "cux: cannot start the gateway: %s\n", e.what());
        p.stop();
        consumer.join();
        ledger_writer.join();
        md_writer.join();
        return 1;
    }
    ledger::audit_options aopts;
    aopts.path = dir + "/audit.db";
    aopts.journal_dir = journal_dir(dir);
    aopts.wait_durable = durable.fn();
    aopts.on_failure = [](const ledger::ledger_error& e) {
        std::fprintf(stderr,
                     "cux: audit store stopped recording (%s), new orders refused until restart: "
                     "%s\n",
                     ledger::error_code_name(e.code), e.message.c_str());
    };
    gateway::server* const srv_ptr = srv.get();
    aopts.on_alerts = [srv_ptr](const std::vector<ledger::alert>& a) {
        srv_ptr->publish_alerts(a);
    };
    auto audit_opened = ledger::audit_writer::open(p.events(), std::move(aopts));
    if (!audit_opened) {
        std::fprintf(stderr, "cux: cannot open the audit store %s/audit.db: %s\n", dir.c_str(),
                     audit_opened.error().message.c_str());
        p.stop();
        srv->stop();
        consumer.join();
        ledger_writer.join();
        md_writer.join();
        return 1;
    }
    audit = std::move(audit_opened.value());
    audit->start();

    // The pipeline first (every queued command applied and durable, the ring closed), then the
    // audit writer (it publishes alerts through the gateway), then the gateway (answers the last
    // responses, closes connections), then the other consumers.
    const auto stop_all = [&] {
        p.stop();
        audit->join();
        srv->stop();
        consumer.join();
        ledger_writer.join();
        md_writer.join();
    };

    const bool tty = isatty(STDERR_FILENO) != 0;
    const replay_result r = p.replay([tty](uint64_t commands, uint64_t bytes) {
        if (tty) {
            std::fprintf(stderr, "\rreplaying journal: %llu commands, %.1f MiB",
                         static_cast<unsigned long long>(commands),
                         static_cast<double>(bytes) / (1024.0 * 1024.0));
        }
    });
    if (tty) std::fprintf(stderr, "\n");
    if (r.scan.status == tail_status::torn) {
        std::fprintf(stderr, "cux: journal tail was torn (%s); truncated %llu bytes at %s:%llu\n",
                     r.scan.what.c_str(), static_cast<unsigned long long>(r.scan.tail_bytes),
                     r.scan.file.c_str(), static_cast<unsigned long long>(r.scan.offset));
    }
    if (!r.ok()) {
        std::fprintf(stderr, "cux: refusing to start: journal %s: %s (%s at byte %llu)\n",
                     tail_status_name(r.scan.status), r.scan.what.c_str(), r.scan.file.c_str(),
                     static_cast<unsigned long long>(r.scan.offset));
        stop_all();
        return 1;
    }
    // Every event of the journal went through the ring: the last one is event number this.
    const uint64_t replayed_events = p.events().published();
    if (ledger_writer.position_at_open() > replayed_events) {
        std::fprintf(stderr,
                     "cux: refusing to start: the ledger %s/cux.db has events up to %llu but "
                     "the journal only up to %llu\n",
                     dir.c_str(), static_cast<unsigned long long>(ledger_writer.position_at_open()),
                     static_cast<unsigned long long>(replayed_events));
        stop_all();
        return 1;
    }
    if (audit->position_at_open().last_event_seq > replayed_events) {
        std::fprintf(stderr,
                     "cux: refusing to start: the audit store %s/audit.db has events up to %llu "
                     "but the journal only up to %llu (delete it to rebuild it from the journal)\n",
                     dir.c_str(),
                     static_cast<unsigned long long>(audit->position_at_open().last_event_seq),
                     static_cast<unsigned long long>(replayed_events));
        stop_all();
        return 1;
    }
    if (md_writer.position_at_open() > replayed_events) {
        std::fprintf(stderr,
                     "cux: refusing to start: the market data %s/marketdata.db has events up to "
                     "%llu but the journal only up to %llu\n",
                     dir.c_str(), static_cast<unsigned long long>(md_writer.position_at_open()),
                     static_cast<unsigned long long>(replayed_events));
        stop_all();
        return 1;
    }
    durable.replayed(p.last_seq());
    std::printf("replayed %llu commands: seq %llu, state %016llx\n",
                static_cast<unsigned long long>(r.commands),
                static_cast<unsigned long long>(ex.last_seq()),
                static_cast<unsigned long long>(ex.state_hash()));
    std::printf("ledger %s/cux.db: at event %llu of %llu\n", dir.c_str(),
                static_cast<unsigned long long>(ledger_writer.position_at_open()),
                static_cast<unsigned long long>(replayed_events));
    std::printf("audit %s/audit.db: at event %llu of %llu, %llu alerts\n", dir.c_str(),
                static_cast<unsigned long long>(audit->position_at_open().last_event_seq),
                static_cast<unsigned long long>(replayed_events),
                static_cast<unsigned long long>(audit->position_at_open().alerts));
    std::printf("market data %s/marketdata.db: at event %llu of %llu\n", dir.c_str(),
                static_cast<unsigned long long>(md_writer.position_at_open()),
                static_cast<unsigned long long>(replayed_events));
    if (!p.start()) {
        std::fprintf(stderr, "cux: cannot start: %s\n", p.error().c_str());
        stop_all();
        return 1;
    }
    try {
        srv->start();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "cux: cannot serve: %s\n", e.what());
        stop_all();
        return 1;
    }
    for (const std::string& w : srv->web_warnings()) std::fprintf(stderr, "cux: %s\n", w.c_str());
    if (!web_dir.empty()) {
        std::printf("dashboard: %s/ (%zu files from %s)\n", srv->url().c_str(), srv->web_files(),
                    web_dir.c_str());
    }
    std::printf("cux serve: ready: %s data %s\n", srv->url().c_str(), dir.c_str());
    std::fflush(stdout);

    // Wait for a stop signal, watching the journal and the ledger meanwhile: a journal failure
    // (outcome unknown) ends the run; a ledger failure (reported by on_failure) shuts the order
    // gate but the exchange keeps serving reads and cancels.
    int sig = 0;
    const timespec poll_every{0, 200 * 1000 * 1000};
    while (sig == 0) {
        const int got = sigtimedwait(&stop_signals, nullptr, &poll_every);
        if (got > 0) sig = got;
        if (p.failed()) {
            std::fprintf(stderr, "cux: journal failed, stopping (outcome unknown): %s\n",
                         p.error().c_str());
            break;
        }
    }
    stop_all();
    const pipeline_counters n = p.counters();
    std::printf(
        "stopped on %s: seq %llu durable %llu, state %016llx, %llu commands %llu events "
        "this run\n",
        sig == SIGINT ? "SIGINT" : (sig == SIGTERM ? "SIGTERM" : "journal failure"),
        static_cast<unsigned long long>(ex.last_seq()),
        static_cast<unsigned long long>(p.durable_seq()),
        static_cast<unsigned long long>(ex.state_hash()),
        static_cast<unsigned long long>(n.commands_applied),
        static_cast<unsigned long long>(consumer.events() - replayed_events));
    if (ledger_writer.failed()) {
        std::printf("ledger: STOPPED at event %llu: %s\n",
                    static_cast<unsigned long long>(ledger_writer.committed_seq()),
                    ledger_writer.failure().message.c_str());
    } else {
        std::printf("ledger: committed to event %llu\n",
                    static_cast<unsigned long long>(ledger_writer.committed_seq()));
    }
    if (audit->failed()) {
        std::printf("audit: STOPPED at event %llu: %s\n",
                    static_cast<unsigned long long>(audit->recorded_event_seq()),
                    audit->failure().message.c_str());
    } else {
        std::printf("audit: recorded to event %llu, %llu alerts\n",
                    static_cast<unsigned long long>(audit->recorded_event_seq()),
                    static_cast<unsigned long long>(audit->alerts_recorded()));
    }
    if (md_writer.failed()) {
        std::printf("market data: STOPPED at event %llu: %s\n",
                    static_cast<unsigned long long>(md_writer.committed_seq()),
                    md_writer.failure().message.c_str());
    } else {
        std::printf("market data: committed to event %llu\n",
                    static_cast<unsigned long long>(md_writer.committed_seq()));
    }
    return p.failed() || ledger_writer.failed() || audit->failed() || md_writer.failed() ? 1 : 0;
}

}  // namespace cux::tools
