// `cux serve --data DIR [--market FILE]`: runs the exchange's engine on a data directory.
//
// First start on an empty directory: copies the market file to DIR/market.json (the standard a
// journal was written under must never change beneath it) and creates the admin participant.
// Every start replays DIR/journal through the engine (progress on a terminal), refuses to start
// on a corrupt journal, truncates a torn tail after reporting it, prints the state hash, then
// runs the pipeline (sequencer, journal with group-commit fsync, the clock's ticks) until
// SIGTERM/SIGINT and stops cleanly, printing the final seq and state hash.
//
// The HTTPS/WebSocket gateway (issue 4) plugs into the same pipeline; until it lands the engine
// runs its calendar and clock only.

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "engine/exchange.hpp"
#include "engine/pipeline.hpp"
#include "gateway/market_file.hpp"
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

void write_file_durably(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) throw std::runtime_error("cannot write " + tmp);
        out << text;
        out.flush();
        if (!out) throw std::runtime_error("cannot write " + tmp);
    }
    std::filesystem::rename(tmp, path);
}

// The market file of a data directory: DIR/market.json, created from `given` on first start.
market_config market_of(const std::string& dir, const std::string& given, bool given_explicitly) {
    const std::string own = dir + "/market.json";
    if (!std::filesystem::exists(own)) {
        const std::string text = read_file(given);
        market_config m = gateway::parse_market_json(text, given);  // refuse a bad file first
        write_file_durably(own, text);
        return m;
    }
    if (given_explicitly && read_file(given) != read_file(own)) {
        throw std::runtime_error("--market " + given + " differs from " + own +
                                 ", the market this data directory's journal was written under");
    }
    return gateway::load_market_file(own);
}

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
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--data" && i + 1 < argc) {
            dir = argv[++i];
        } else if (a == "--market" && i + 1 < argc) {
            market_path = argv[++i];
            market_given = true;
        } else if (a == "--tick-ms" && i + 1 < argc) {
            tick_ms = static_cast<uint32_t>(std::stoul(argv[++i]));
        } else {
            std::fprintf(stderr, "usage: cux serve --data DIR [--market FILE] [--tick-ms N]\n");
            return 2;
        }
    }
    if (dir.empty()) {
        std::fprintf(stderr, "usage: cux serve --data DIR [--market FILE] [--tick-ms N]\n");
        return 2;
    }
    std::filesystem::create_directories(dir);
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
    pipeline p(m, opts);
    counting_consumer consumer(p.events());

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
        return 1;
    }
    std::printf("replayed %llu commands: seq %llu, state %016llx\n",
                static_cast<unsigned long long>(r.commands),
                static_cast<unsigned long long>(ex.last_seq()),
                static_cast<unsigned long long>(ex.state_hash()));
    consumer.start();
    if (!p.start()) {
        std::fprintf(stderr, "cux: cannot start: %s\n", p.error().c_str());
        p.stop();
        consumer.join();
        return 1;
    }
    if (r.commands == 0) {
        // A fresh market: its first participant is the admin (participant 1).
        command c;
        c.type = command_type::create_participant;
        c.body.create.roles = role_admin;
        std::strncpy(c.body.create.name, "admin", sizeof c.body.create.name - 1);
        if (!p.submit(c)) throw std::runtime_error("cannot submit the admin's creation");
    }
    std::printf(
        "cux serve: ready: data %s, %zu chips x %zu regions (engine only: the gateway "
        "arrives with issue 4)\n",
        dir.c_str(), market.chips.size(), market.regions.size());
    std::fflush(stdout);

    int sig = 0;
    sigwait(&stop_signals, &sig);
    p.stop();
    consumer.join();
    const pipeline_counters n = p.counters();
    std::printf(
        "stopped on %s: seq %llu durable %llu, state %016llx, %llu commands %llu events "
        "this run\n",
        sig == SIGINT ? "SIGINT" : "SIGTERM", static_cast<unsigned long long>(ex.last_seq()),
        static_cast<unsigned long long>(p.durable_seq()),
        static_cast<unsigned long long>(ex.state_hash()),
        static_cast<unsigned long long>(n.commands_applied),
        static_cast<unsigned long long>(consumer.events()));
    return p.failed() ? 1 : 0;
}

}  // namespace cux::tools
