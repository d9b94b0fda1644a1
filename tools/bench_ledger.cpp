// `cux bench ledger` (methodology in tools/bench_ledger.hpp).

#include "tools/bench_ledger.hpp"

#include <stdlib.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "engine/exchange.hpp"
#include "engine/ring.hpp"
#include "engine/symbol.hpp"
#include "gateway/market_file.hpp"
#include "ledger/verify.hpp"
#include "ledger/writer.hpp"
#include "tools/bench_machine.hpp"

namespace cux::tools::bench {

namespace {

namespace eng = cux::engine;
using steady = std::chrono::steady_clock;

constexpr uint32_t parties = 16;  // buyers, and as many vendors
// 2026-12-01T00:00:00Z: the simulated clock starts here.
constexpr eng::epoch_hour start_hour = 1796083200 / 3600;
constexpr std::size_t ring_capacity = std::size_t{1} << 15;
constexpr uint64_t commit_every = 64;  // commands per ring commit (like a pipeline batch)

double seconds(steady::duration d) { return std::chrono::duration<double>(d).count(); }

double percentile(const std::vector<uint32_t>& sorted, double p) {
    if (sorted.empty()) return 0;
    const auto i = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
    return static_cast<double>(sorted[std::min(i, sorted.size() - 1)]);
}

// Stages events on the ring as the pipeline's engine thread does; commit() publishes them.
class ring_sink final : public eng::event_sink {
public:
    explicit ring_sink(eng::spmc_ring<eng::event>& ring) : ring_(ring) {}
    void on_event(const eng::event& e) override {
        eng::event* slot = ring_.claim();
        if (slot != nullptr) *slot = e;
    }
    void commit() { ring_.commit(); }

private:
    eng::spmc_ring<eng::event>& ring_;
};

// The engine side: set-up, then (after `go`) the trades, then the last settlement.
class producer {
public:
    producer(const eng::market_config& m, const ledger_bench_options& o,
             eng::spmc_ring<eng::event>& ring)
        : ex_(m, eng::exchange_config{}), sink_(ring), o_(o) {}

    void setup() {
        ts_ = start_hour * eng::ns_per_hour;
        for (uint32_t i = 0; i < 2 * parties; ++i) {
            eng::command c;
            c.type = eng::command_type::create_participant;
            c.body.create.roles = i < parties ? eng::role_buyer : eng::role_vendor;
            std::snprintf(c.body.create.name, sizeof c.body.create.name, "%s-%u",
                          i < parties ? "buyer" : "vendor", i % parties);
            apply(c);
        }
        for (uint32_t b = 1; b <= parties; ++b) {
            eng::command c;
            c.type = eng::command_type::deposit;
            c.body.money.target = eng::participant_id(b);
            c.body.money.amount = eng::money_fen(int64_t{1} << 45);
            apply(c);
        }
        for (uint32_t v = parties + 1; v <= 2 * parties; ++v) {
            for (std::size_t r = 0; r < ex_.market().regions.size(); ++r) {
                eng::command c;
                c.type = eng::command_type::register_capacity;
                c.actor = eng::participant_id(v);
                c.body.capacity.chip = 0;
                c.body.capacity.region = static_cast<uint8_t>(r);
                c.body.capacity.devices = eng::qty_devices(100'000'000);
                c.body.capacity.from_hour = start_hour;
                c.body.capacity.to_hour = start_hour + 1000;
                apply(c);
            }
        }
        ts_ += 61 * eng::ns_per_s;  // past the first listing's pre-open
        tick();
        sink_.commit();
    }

    void trade_all(std::atomic<int64_t>& done) {
        const auto regions = static_cast<int64_t>(ex_.market().regions.size());
        const int64_t price = ex_.market().chips[0].typical_price.value();
        int64_t hour = -1;
        for (int64_t i = 0; i < o_.trades; ++i) {
            if (i / o_.trades_per_hour != hour) {
                // A new market hour, half past: trade the window starting two hours on; the
                // windows that ended over an hour ago settle on this tick.
                hour = i / o_.trades_per_hour;
                ts_ = (start_hour + hour) * eng::ns_per_hour + 30 * eng::ns_per_min;
                tick();
            }
            const auto region = static_cast<uint8_t>(i % regions);
            const eng::instrument_id inst =
                eng::pack(eng::instrument_key{0, region, eng::tenor::hour, start_hour + hour + 2});
            const int64_t qty = 5 + i % 4;  // compute 6000+ fen: the seller's 2 bps are >= 1
            const int64_t p = price - 20 + (i * 7) % 41;
            eng::command sell =
                order(participant(parties + 1 + i % parties), inst, eng::side::sell, p, qty);
            apply(sell);
            eng::command buy =
                order(participant(1 + (i * 7) % parties), inst, eng::side::buy, p, qty);
            buy.body.place.tif = eng::time_in_force::ioc;
            buy.body.place.origin_region = static_cast<uint8_t>((region + 1) % regions);
            buy.body.place.data_gb = 10 + i % 90;
            apply(buy);
            done.store(i + 1, std::memory_order_relaxed);
        }
        // Past the last window's delivery grace: everything still open settles.
        ts_ = (start_hour + hour + 5) * eng::ns_per_hour;
        tick();
        sink_.commit();
    }

    [[nodiscard]] const eng::exchange& exchange() const { return ex_; }

private:
    static eng::participant_id participant(int64_t id) {
        return eng::participant_id(static_cast<uint32_t>(id));
    }
    static eng::command order(eng::participant_id p, eng::instrument_id inst, eng::side sd,
                              int64_t price, int64_t qty) {
        eng::command c;
        c.type = eng::command_type::place_order;
        c.actor = p;
        c.body.place.instrument = inst;
        c.body.place.sd = sd;
        c.body.place.type = eng::order_type::limit;
        c.body.place.tif = eng::time_in_force::gtc;
        c.body.place.origin_region = eng::origin_none;
        c.body.place.price = eng::price_fen(price);
        c.body.place.qty = eng::qty_devices(qty);
        return c;
    }
    void tick() {
        eng::command c;
        c.type = eng::command_type::tick;
        apply(c);
    }
    void apply(eng::command c) {
        c.seq = ++seq_;
        c.ts = ts_;
        ex_.apply(c, sink_);
        if (seq_ % commit_every == 0) sink_.commit();
    }

    eng::exchange ex_;
    ring_sink sink_;
    const ledger_bench_options& o_;
    uint64_t seq_ = 0;
    eng::utc_ns ts_ = 0;
};

int usage() {
    std::fprintf(stderr,
                 "usage: cux bench ledger [--trades N] [--per-hour N] [--data DIR] [--batch N]\n"
                 "                        [--keep] [--json]\n"
                 "  N may end in k or M; DIR is where the run's own database goes (/tmp)\n");
    return 2;
}

bool parse_count(std::string_view s, int64_t& out) {
    int64_t mult = 1;
    if (!s.empty() && (s.back() == 'k' || s.back() == 'K')) mult = 1'000;
    if (!s.empty() && (s.back() == 'm' || s.back() == 'M')) mult = 1'000'000;
    if (mult != 1) s.remove_suffix(1);
    if (s.empty() || s.size() > 10) return false;
    int64_t v = 0;
    for (const char ch : s) {
        if (ch < '0' || ch > '9') return false;
        v = v * 10 + (ch - '0');
    }
    out = v * mult;
    return true;
}

}  // namespace

int cmd_bench_ledger(int argc, char** argv, const std::string& market_file) {
    ledger_bench_options o;
    for (int i = 2; i < argc; ++i) {
        const std::string_view a = argv[i];
        const bool has_value = i + 1 < argc;
        int64_t n = 0;
        if (a == "--trades" && has_value) {
            if (!parse_count(argv[++i], n) || n < 1 || n > 100'000'000) return usage();
            o.trades = n;
        } else if (a == "--per-hour" && has_value) {
            if (!parse_count(argv[++i], n) || n < 1 || n > 1'000'000) return usage();
            o.trades_per_hour = n;
        } else if (a == "--batch" && has_value) {
            if (!parse_count(argv[++i], n) || n < 1 ||
                n > static_cast<int64_t>(ledger::limits::batch_events_max)) {
                return usage();
            }
            o.batch_events = static_cast<std::size_t>(n);
        } else if (a == "--data" && has_value) {
            o.data_dir = argv[++i];
        } else if (a == "--keep") {
            o.keep = true;
        } else if (a == "--json") {
            o.json = true;
        } else {
            return usage();
        }
    }
    return run_bench_ledger(o, market_file);
}

int run_bench_ledger(const ledger_bench_options& o, const std::string& market_file) {
    const eng::market_config market = gateway::load_market_file(market_file);
    const std::string parent = o.data_dir.empty() ? "/tmp" : o.data_dir;
    std::string tmpl = parent + "/cux-bench-ledger-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
        throw std::runtime_error("cannot create a directory under " + parent);
    }
    const std::string dir = tmpl;
    const std::string db = dir + "/cux.db";
    const bool tty = isatty(STDERR_FILENO) == 1;
    const std::string load_before = load_average();

    eng::spmc_ring<eng::event> ring(ring_capacity);
    ledger::writer_options wo;
    wo.db.path = db;
    wo.db.carriers = market.carriers;
    if (o.batch_events != 0) wo.batch_events = o.batch_events;
    auto opened = ledger::writer::open(ring, wo);
    if (!opened) throw std::runtime_error("cannot open the ledger: " + opened.error().message);
    std::unique_ptr<ledger::writer> w = std::move(opened.value());
    auto prod = std::make_unique<producer>(market, o, ring);
    w->start();

    std::atomic<bool> go{false};
    std::atomic<steady::duration::rep> t0_ticks{0};  // t0, set before `go`
    std::atomic<int64_t> done{0};
    // Time from t0 until the engine published its last event; 0 until then.
    std::atomic<steady::duration::rep> engine_done{0};
    std::thread engine_thread([&] {
        prod->setup();
        go.wait(false);
        prod->trade_all(done);
        const steady::duration::rep took =
            steady::now().time_since_epoch().count() - t0_ticks.load();
        engine_done.store(std::max<steady::duration::rep>(1, took));
    });
    // Set-up first (untimed): wait until the ledger has it all.
    while (ring.published() == 0 || w->committed_seq() < ring.published()) {
        if (w->failed()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    const uint64_t setup_events = ring.published();
    const auto t0 = steady::now();
    t0_ticks.store(t0.time_since_epoch().count());
    go = true;
    go.notify_all();
    // Until the engine is done and the ledger has committed every event it published.
    auto last_print = t0;
    for (;;) {
        const bool engine_finished = engine_done.load() != 0;
        if (w->failed()) break;
        if (engine_finished && w->committed_seq() >= ring.published()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        if (tty && steady::now() - last_print > std::chrono::milliseconds(250)) {
            last_print = steady::now();
            std::fprintf(stderr, "\r  trades %lld/%lld, ledger at event %llu of %llu   ",
                         static_cast<long long>(done.load()), static_cast<long long>(o.trades),
                         static_cast<unsigned long long>(w->committed_seq()),
                         static_cast<unsigned long long>(ring.published()));
        }
    }
    const auto t1 = steady::now();
    engine_thread.join();
    if (tty) std::fprintf(stderr, "\r%70s\r", "");
    ring.close();
    w->join();
    if (w->failed()) {
        std::fprintf(stderr, "cux bench ledger: the ledger failed: %s\n",
                     w->failure().message.c_str());
        return 1;
    }

    const ledger::writer_counters c = w->counters();
    std::vector<uint32_t> lat = w->commit_latencies_us();
    std::sort(lat.begin(), lat.end());
    double mean = 0;
    for (const uint32_t v : lat) mean += v;
    mean = lat.empty() ? 0 : mean / static_cast<double>(lat.size());
    const double secs = seconds(t1 - t0);
    const double rate = static_cast<double>(o.trades) / secs;
    const uint64_t events = ring.published() - setup_events;
    std::error_code ec;
    const auto db_bytes = std::filesystem::file_size(db, ec);
    const auto wal_bytes = std::filesystem::file_size(db + "-wal", ec);

    // Untimed: the ledger's own checks (the engine replay needs a journal; there is none).
    ledger::verify_options vo;
    vo.db_path = db;
    const auto v = ledger::verify(vo);
    const bool verified = v.ok() && v.value().ok();

    std::printf("cux bench ledger: %lld trades (%lld per market hour)\n",
                static_cast<long long>(o.trades), static_cast<long long>(o.trades_per_hour));
    std::printf("machine    %s; load %s before, %s after\n", machine_summary().c_str(),
                load_before.c_str(), load_average().c_str());
    std::printf("sqlite     %s, %s (read back from the writer's connection), on %s (%s)\n",
                ledger::sqlite_library_version(), w->sqlite_settings().c_str(), dir.c_str(),
                fs_type(dir).c_str());
    std::printf(
        "throughput %.0f trades/s opened and settled (%lld in %.3f s; engine done after "
        "%.3f s)\n",
        rate, static_cast<long long>(o.trades), secs,
        seconds(steady::duration(engine_done.load())));
    std::printf(
        "recorded   %llu contracts opened, %llu settled, %llu transfers (%.1f per "
        "trade), %llu events (%.0f/s)\n",
        static_cast<unsigned long long>(c.recorded.contracts_opened),
        static_cast<unsigned long long>(c.recorded.contracts_settled),
        static_cast<unsigned long long>(c.recorded.transfers),
        o.trades == 0 ? 0.0
                      : static_cast<double>(c.recorded.transfers) / static_cast<double>(o.trades),
        static_cast<unsigned long long>(events), static_cast<double>(events) / secs);
    std::printf(
        "batches    %llu commits (each one WAL sync), up to %llu events per batch; %llu "
        "background checkpoints (%llu failed)\n",
        static_cast<unsigned long long>(c.batches),
        static_cast<unsigned long long>(c.events_max_per_batch),
        static_cast<unsigned long long>(c.checkpoints.rounds),
        static_cast<unsigned long long>(c.checkpoints.failures));
    std::printf("commit     latency per batch, ms: p50 %.2f  p99 %.2f  max %.2f  mean %.2f\n",
                percentile(lat, 0.50) / 1000, percentile(lat, 0.99) / 1000,
                lat.empty() ? 0.0 : lat.back() / 1000.0, mean / 1000);
    std::printf("files      cux.db %.1f MiB, WAL %.1f MiB%s\n",
                static_cast<double>(db_bytes) / (1 << 20),
                static_cast<double>(ec ? 0 : wal_bytes) / (1 << 20),
                o.keep ? "" : " (removed after the run)");
    std::printf("goal       >= 50,000 trades/s sustained: %s\n",
                rate >= 50'000 ? "met" : "NOT met");
    std::printf("verify     %s\n", verified ? "ok (zero sum, lines, escrow, payees, postings)"
                                            : "FAILED: the ledger's checks did not pass");
    if (o.json) {
        std::printf(
            "{\"bench\":\"ledger\",\"trades\":%lld,\"seconds\":%.4f,\"trades_per_s\":%.0f,"
            "\"transfers\":%llu,\"batches\":%llu,\"commit_ms\":{\"p50\":%.3f,\"p99\":%.3f,"
            "\"max\":%.3f},\"verified\":%s}\n",
            static_cast<long long>(o.trades), secs, rate,
            static_cast<unsigned long long>(c.recorded.transfers),
            static_cast<unsigned long long>(c.batches), percentile(lat, 0.50) / 1000,
            percentile(lat, 0.99) / 1000, lat.empty() ? 0.0 : lat.back() / 1000.0,
            verified ? "true" : "false");
    }
    prod.reset();
    if (o.keep) {
        std::printf("kept       %s\n", db.c_str());
    } else {
        std::filesystem::remove_all(dir, ec);
    }
    return verified && c.recorded.contracts_settled == static_cast<uint64_t>(o.trades) ? 0 : 1;
}

}  // namespace cux::tools::bench
