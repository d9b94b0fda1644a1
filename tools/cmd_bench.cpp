// `cux bench engine`: throughput and per-operation latency of the matching engine, printed as
// figures (a benchmark, never a timed test: nothing here fails because the machine is slow).
//
// Methodology. One instrument, tick 1 fen, mid 100.00 CNY. Resting orders are spread uniformly
// over P price levels per side (bids mid-P .. mid-1, asks mid+1 .. mid+P), quantities uniform in
// 1..100. Operations: 45% add (a non-crossing GTC limit order at a uniformly chosen level of a
// random side), 45% cancel (a uniformly chosen live order), 10% match (an IOC on a random side
// whose quantity sweeps k = 1..4 resting orders: the first k-1 whole and part of the k-th, limit
// at the k-th order's price). `hot` keeps ~1k live orders over 50 levels per side, `deep` ~1M over
// 500. The book is pre-filled to the live target before timing, and the whole operation stream is
// generated beforehand (seeded xoshiro256**) by a model of a price-time book, so timing measures
// only the engine; every run is checked against the model (trades, traded quantity, live orders).
// Keeping the live count stable: IOCs use up resting orders (about 1.5 per IOC), so an exact
// 45/45 split would drain the book. The generator draws the IOCs at exactly 10% and, for the
// other 90%, adds when the book is below the target and cancels when above (a coin at the
// target). The live count stays within ~15 orders of the target and the achieved mix is about
// 53/37/10; both are printed.
// Passes: every pass runs on a fresh, identically pre-filled engine. `--repeat R` throughput
// passes (default 1; the median is reported, every run listed) run the stream with no per-op
// timing: operations / wall time of the whole loop (steady_clock). One latency pass then times
// every operation with the TSC (lfence; rdtsc; lfence on both sides), calibrated against
// steady_clock over 250 ms (steady_clock when the CPU has no invariant TSC). The timer's
// resolution and the cost of an empty timed region are measured and printed; that cost is NOT
// subtracted from the latencies (the goal lines show both).
// Paths: `core` drives engine::book directly (order_pool + level_pool + a listener that counts
// trades): the matching core alone, comparable with other engines' order-book benchmarks.
// `full` does what pipeline::run_engine does with a queue that never runs dry: builds each
// engine::command, stamps seq and ts = max(last ts, clock) (steady_clock moved into the trading
// window), applies it with exchange::apply (8 funded buyers, 8 vendors with registered capacity,
// 1 chip x 1 region, an open hourly instrument) and stages its events on an spmc_ring<event>,
// committed once per 1024 commands (pipeline_options::batch_max), drained by one consumer thread.
// Throughput counts until the consumer has seen the last event; per-command latency is the
// engine thread's cost (build, stamp, append, apply; every 1024th also commits the batch).
// `--journal` also appends every stamped command to the real journal (fdatasync group commit) in
// a fresh directory under --data (default /tmp), removed afterwards, and counts until durable_seq
// reaches the last seq; its latency pass also records each command's stamp-to-durable time.
// Memory: peak RSS (getrusage) after the first pre-fill, which includes the pre-generated stream;
// the resident size before and after building the engine and pre-filling is printed too.

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "tools/bench_engine.hpp"
#include "tools/bench_gateway.hpp"
#include "tools/bench_jobs.hpp"
#include "tools/bench_ledger.hpp"
#include "tools/bench_machine.hpp"
#include "tools/commands.hpp"

namespace cux::tools {

namespace {

using namespace bench;

int usage() {
    std::fprintf(stderr,
                 "usage: cux bench engine --scenario hot|deep [--path core|full] [--journal]\n"
                 "                        [--ops N] [--seed S] [--data DIR] [--json]\n"
                 "                        [--repeat R]   (R throughput runs, the median reported)\n"
                 "                        [--live N] [--levels P]   (override the scenario)\n"
                 "       cux bench ledger [--trades N] [--per-hour N] [--data DIR] [--batch N]\n"
                 "                        [--keep] [--json]\n"
                 "       cux bench jobs [--jobs N] [--seed S] [--market FILE] [--json]\n"
                 "       cux bench gateway [--connections N] [--seconds S] [--rate R]\n"
                 "                         [--insecure-http] [--echo] [--depth D] [--books B]\n"
                 "                         [--data DIR] [--keep]   (cux bench gateway --help)\n");
    return 2;
}

struct options {
    std::string scenario;
    engine_path path = engine_path::core;
    int64_t ops = 2'000'000;
    uint64_t seed = 1;
    std::string data_dir;
    bool json = false;
    int64_t repeat = 1;
    int64_t live = 0;    // 0: the scenario's
    int64_t levels = 0;  // 0: the scenario's
};

// A non-negative integer with an optional k/M suffix; false when malformed.
bool parse_count(std::string_view s, int64_t& out) {
    int64_t mult = 1;
    if (!s.empty() && (s.back() == 'k' || s.back() == 'K')) mult = 1'000;
    if (!s.empty() && (s.back() == 'm' || s.back() == 'M')) mult = 1'000'000;
    if (mult != 1) s.remove_suffix(1);
    if (s.empty() || s.size() > 12) return false;
    int64_t v = 0;
    for (const char c : s) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    out = v * mult;
    return true;
}

std::string json_escape(const std::string& s) {
    std::string out;
    for (const char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

double pct(uint64_t part, uint64_t whole) {
    return whole == 0 ? 0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

double mib(long kib) { return static_cast<double>(kib) / 1024.0; }

void print_latency_row(const char* name, const latency_stats& s) {
    std::printf("             %-8s %9llu %8.0f %8.0f %8.0f %9.0f %8.1f\n", name,
                static_cast<unsigned long long>(s.count), s.p50_ns, s.p99_ns, s.p999_ns, s.max_ns,
                s.mean_ns);
}

void json_latency(std::string& j, const char* name, const latency_stats& s) {
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "\"%s\":{\"count\":%llu,\"p50\":%.0f,\"p99\":%.0f,\"p999\":%.0f,\"max\":%.0f,"
                  "\"mean\":%.1f}",
                  name, static_cast<unsigned long long>(s.count), s.p50_ns, s.p99_ns, s.p999_ns,
                  s.max_ns, s.mean_ns);
    j += buf;
}

// The goals set for this engine, next to what was measured. Latency goals are judged on the raw
// figures and, as an estimate, net of the timer's own median cost.
void print_goals(const options& o, const run_result& r, double rate, double timer_p50_ns) {
    const auto verdict = [](bool ok) { return ok ? "met" : "NOT met"; };
    if (o.live > 0 || o.levels > 0) {
        std::printf("goal       n/a (scenario overridden)\n");
    } else if (o.path == engine_path::journal) {
        std::printf("goal       >= 1.0 M durable commands/s: %s\n", verdict(rate >= 1e6));
    } else if (o.path == engine_path::full) {
        std::printf("goal       >= 3.0 M commands/s: %s\n", verdict(rate >= 3e6));
    } else if (o.scenario == "deep") {
        std::printf("goal       >= 3.0 M ops/s: %s\n", verdict(rate >= 3e6));
    } else {
        std::printf("goal       >= 10.0 M ops/s: %s\n", verdict(rate >= 10e6));
        const double goal[op_kinds][2] = {{40, 120}, {30, 80}, {80, 250}};
        for (std::size_t k = 0; k < op_kinds; ++k) {
            const latency_stats& l = r.latency[k];
            const double n50 = l.p50_ns - timer_p50_ns;
            const double n99 = l.p99_ns - timer_p50_ns;
            std::printf(
                "goal       %-6s p50/p99 <= %.0f/%.0f ns: raw %.0f/%.0f %s; net of the "
                "timer %.0f/%.0f %s\n",
                op_kind_name(static_cast<op_kind>(k)), goal[k][0], goal[k][1], l.p50_ns, l.p99_ns,
                verdict(l.p50_ns <= goal[k][0] && l.p99_ns <= goal[k][1]), n50, n99,
                verdict(n50 <= goal[k][0] && n99 <= goal[k][1]));
        }
    }
}

int run_bench_engine(const options& o) {
    workload_spec spec;
    spec.scenario = o.scenario;
    spec.live_target = o.scenario == "hot" ? 1'000 : 1'000'000;
    spec.levels_per_side = o.scenario == "hot" ? 50 : 500;
    if (o.live > 0) spec.live_target = o.live;
    if (o.levels > 0) spec.levels_per_side = o.levels;
    spec.ops = o.ops;
    spec.seed = o.seed;

    progress prog;
    const clock_info clk = calibrate_clock();
    const latency_stats overhead = measure_overhead(clk);
    const double resolution_ns = timer_resolution_ns(clk);
    const workload w = make_workload(spec, prog);
    run_options ro;
    ro.path = o.path;
    ro.data_dir = o.data_dir;
    ro.repeat = static_cast<int>(o.repeat);
    const std::string load_before = load_average();
    const run_result r = run_engine(w, ro, clk, prog);

    const long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    const std::string cpu = cpu_model();
    const uint64_t n = w.ops.size();
    const double rate = r.seconds > 0 ? static_cast<double>(n) / r.seconds : 0;

    std::printf("cux bench engine: scenario %s, path %s, %llu ops, seed %llu\n", o.scenario.c_str(),
                path_name(o.path), static_cast<unsigned long long>(n),
                static_cast<unsigned long long>(o.seed));
    std::printf("machine    %s; load %s before, %s after\n", machine_summary().c_str(),
                load_before.c_str(), load_average().c_str());
    if (clk.tsc) {
        std::printf("clock      rdtsc %.3f GHz (invariant), calibrated against steady_clock\n",
                    clk.ghz);
    } else {
        std::printf("clock      steady_clock (no invariant TSC)\n");
    }
    std::printf(
        "timer      resolution %.1f ns; empty timed region p50 %.0f ns, p99 %.0f ns, mean "
        "%.1f ns (not subtracted below)\n",
        resolution_ns, overhead.p50_ns, overhead.p99_ns, overhead.mean_ns);
    std::printf("workload   %lld live over %lld levels/side (prefill %zu adds)\n",
                static_cast<long long>(spec.live_target),
                static_cast<long long>(spec.levels_per_side), w.prefill.size());
    std::printf("mix        add %llu (%.2f%%)  cancel %llu (%.2f%%)  match %llu (%.2f%%)\n",
                static_cast<unsigned long long>(w.count[0]), pct(w.count[0], n),
                static_cast<unsigned long long>(w.count[1]), pct(w.count[1], n),
                static_cast<unsigned long long>(w.count[2]), pct(w.count[2], n));
    std::printf("live       start %lld, end %lld (min %lld, max %lld during the stream)\n",
                static_cast<long long>(r.live_start), static_cast<long long>(r.live_end),
                static_cast<long long>(w.live_min), static_cast<long long>(w.live_max));
    std::printf("matches    %llu trades, qty %lld, %llu resting orders used up\n",
                static_cast<unsigned long long>(w.trades), static_cast<long long>(w.traded_qty),
                static_cast<unsigned long long>(w.resting_filled));
    std::printf(
        "prefill    %zu orders in %.3f s; peak RSS %.1f MiB after it (resident %.1f -> "
        "%.1f MiB across engine set-up and prefill)\n",
        w.prefill.size(), r.prefill_seconds, mib(r.peak_rss_kib), mib(r.rss_before_kib),
        mib(r.rss_after_kib));
    if (o.path == engine_path::core) {
        std::printf("throughput %.2f M ops/s (%llu ops in %.3f s, no per-op timing)\n", rate / 1e6,
                    static_cast<unsigned long long>(n), r.seconds);
    } else {
        const double submit_rate =
            r.submit_seconds > 0 ? static_cast<double>(n) / r.submit_seconds : 0;
        std::printf(
            "throughput %.2f M %scommands/s (%llu commands in %.3f s until %s; engine "
            "thread alone %.2f M/s), %llu events (%.1f per command)\n",
            rate / 1e6, o.path == engine_path::journal ? "durable " : "",
            static_cast<unsigned long long>(n), r.seconds,
            o.path == engine_path::journal ? "durable and drained" : "drained", submit_rate / 1e6,
            static_cast<unsigned long long>(r.events),
            n == 0 ? 0.0 : static_cast<double>(r.events) / static_cast<double>(n));
    }
    if (r.runs_seconds.size() > 1) {
        std::printf("runs       median of %zu, M/s each:", r.runs_seconds.size());
        for (const double sec : r.runs_seconds) {
            std::printf(" %.2f", sec > 0 ? static_cast<double>(n) / sec / 1e6 : 0.0);
        }
        std::printf("\n");
    }
    if (o.path == engine_path::journal) {
        std::printf(
            "journal    %llu records, %llu fdatasyncs (%.1f commands per sync), %llu "
            "write() calls, %.1f MiB, in %s (%s; removed after the run)\n",
            static_cast<unsigned long long>(r.records), static_cast<unsigned long long>(r.fsyncs),
            r.fsyncs == 0 ? 0.0 : static_cast<double>(r.records) / static_cast<double>(r.fsyncs),
            static_cast<unsigned long long>(r.batches),
            static_cast<double>(r.journal_bytes) / (1024.0 * 1024.0), r.journal_dir.c_str(),
            fs_type(o.data_dir.empty() ? "/tmp" : o.data_dir).c_str());
    }
    std::printf("latency    per %s, ns:\n", o.path == engine_path::core ? "operation" : "command");
    std::printf("             %-8s %9s %8s %8s %8s %9s %8s\n", "kind", "count", "p50", "p99",
                "p99.9", "max", "mean");
    for (std::size_t k = 0; k < op_kinds; ++k) {
        print_latency_row(op_kind_name(static_cast<op_kind>(k)), r.latency[k]);
    }
    if (o.path == engine_path::journal) print_latency_row("durable", r.durable);
    if (r.problem.empty()) {
        std::printf("check      ok: both passes match the workload model\n");
    } else {
        std::printf("check      FAILED: %s\n", r.problem.c_str());
    }
    print_goals(o, r, rate, overhead.p50_ns);

    if (o.json) {
        std::string j = "{\"bench\":\"engine\"";
        char buf[512];
        std::snprintf(buf, sizeof buf,
                      ",\"scenario\":\"%s\",\"path\":\"%s\",\"journal\":%s,\"ops\":%llu,"
                      "\"seed\":%llu,\"nproc\":%ld,\"cpu\":\"%s\",\"live_target\":%lld,"
                      "\"levels_per_side\":%lld",
                      o.scenario.c_str(), o.path == engine_path::core ? "core" : "full",
                      o.path == engine_path::journal ? "true" : "false",
                      static_cast<unsigned long long>(n), static_cast<unsigned long long>(o.seed),
                      ncpu, json_escape(cpu).c_str(), static_cast<long long>(spec.live_target),
                      static_cast<long long>(spec.levels_per_side));
        j += buf;
        std::snprintf(
            buf, sizeof buf,
            ",\"mix\":{\"add\":%llu,\"cancel\":%llu,\"match\":%llu},\"live_start\":%lld,"
            "\"live_end\":%lld,\"trades\":%llu,\"ops_per_s\":%.0f,\"seconds\":%.6f,"
            "\"peak_rss_kib\":%ld,\"timer_overhead_p50_ns\":%.0f,\"tsc\":%s,"
            "\"events\":%llu,\"ok\":%s",
            static_cast<unsigned long long>(w.count[0]),
            static_cast<unsigned long long>(w.count[1]),
            static_cast<unsigned long long>(w.count[2]), static_cast<long long>(r.live_start),
            static_cast<long long>(r.live_end), static_cast<unsigned long long>(w.trades), rate,
            r.seconds, r.peak_rss_kib, overhead.p50_ns, clk.tsc ? "true" : "false",
            static_cast<unsigned long long>(r.events), r.problem.empty() ? "true" : "false");
        j += buf;
        if (o.path == engine_path::journal) {
            std::snprintf(buf, sizeof buf, ",\"fsyncs\":%llu,\"records\":%llu",
                          static_cast<unsigned long long>(r.fsyncs),
                          static_cast<unsigned long long>(r.records));
            j += buf;
        }
        j += ",\"runs_ops_per_s\":[";
        for (std::size_t i = 0; i < r.runs_seconds.size(); ++i) {
            std::snprintf(buf, sizeof buf, "%s%.0f", i == 0 ? "" : ",",
                          r.runs_seconds[i] > 0 ? static_cast<double>(n) / r.runs_seconds[i] : 0.0);
            j += buf;
        }
        j += "],\"load_before\":\"" + load_before + "\"";
        j += ",\"latency_ns\":{";
        for (std::size_t k = 0; k < op_kinds; ++k) {
            if (k != 0) j += ',';
            json_latency(j, op_kind_name(static_cast<op_kind>(k)), r.latency[k]);
        }
        if (o.path == engine_path::journal) {
            j += ',';
            json_latency(j, "durable", r.durable);
        }
        j += "}}";
        std::printf("%s\n", j.c_str());
    }
    return r.problem.empty() ? 0 : 1;
}

}  // namespace

int cmd_bench(int argc, char** argv) {
    if (argc >= 2 && std::string_view(argv[1]) == "ledger") {
        return bench::cmd_bench_ledger(argc, argv, default_market_path());
    }
    if (argc >= 2 && std::string_view(argv[1]) == "jobs") {
        return bench::cmd_bench_jobs(argc, argv, default_market_path());
    }
    if (argc >= 2 && std::string_view(argv[1]) == "gateway") {
        return bench::cmd_bench_gateway(argc, argv, default_market_path());
    }
    if (argc < 2 || std::string_view(argv[1]) != "engine") return usage();
    options o;
    bool journal = false;
    bool full = false;
    for (int i = 2; i < argc; ++i) {
        const std::string_view a = argv[i];
        const bool has_value = i + 1 < argc;
        if (a == "--scenario" && has_value) {
            o.scenario = argv[++i];
        } else if (a == "--path" && has_value) {
            const std::string_view p = argv[++i];
            if (p == "core") {
                full = false;
            } else if (p == "full") {
                full = true;
            } else {
                return usage();
            }
        } else if (a == "--journal") {
            journal = true;
        } else if (a == "--ops" && has_value) {
            if (!parse_count(argv[++i], o.ops) || o.ops < 1 || o.ops > (int64_t{1} << 30)) {
                return usage();
            }
        } else if (a == "--seed" && has_value) {
            int64_t s = 0;
            if (!parse_count(argv[++i], s)) return usage();
            o.seed = static_cast<uint64_t>(s);
        } else if (a == "--data" && has_value) {
            o.data_dir = argv[++i];
        } else if (a == "--live" && has_value) {
            if (!parse_count(argv[++i], o.live) || o.live < 1 || o.live > (int64_t{1} << 24)) {
                return usage();
            }
        } else if (a == "--levels" && has_value) {
            if (!parse_count(argv[++i], o.levels) || o.levels < 1 ||
                o.levels > levels_per_side_max) {
                return usage();
            }
        } else if (a == "--repeat" && has_value) {
            if (!parse_count(argv[++i], o.repeat) || o.repeat < 1 || o.repeat > 100) {
                return usage();
            }
        } else if (a == "--json") {
            o.json = true;
        } else {
            return usage();
        }
    }
    if (o.scenario != "hot" && o.scenario != "deep") return usage();
    // --journal is the full path with the journal added.
    o.path = journal ? engine_path::journal : full ? engine_path::full : engine_path::core;
    if (!o.data_dir.empty() && !journal) {
        std::fprintf(stderr, "cux bench: --data only matters with --journal\n");
        return 2;
    }
    return run_bench_engine(o);
}

}  // namespace cux::tools
