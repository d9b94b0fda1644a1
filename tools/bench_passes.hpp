#pragma once
// Internal to `cux bench engine` (tools/bench_*.cpp): the timers, the loops that replay a stream
// through a driver, and the passes every driver runs (repeat throughput passes, then one latency
// pass, each on a fresh driver, checked against the workload model). A driver is a class with
// apply(op), start_timed(bool latency_pass), finish(), live(), collect(run_result&) and
// collect_latency(run_result&); the two are in tools/bench_core.cpp (engine::book alone) and
// tools/bench_full.cpp (the whole command path, optionally journaled), each behind a run_* entry
// point that tools/bench_engine.cpp dispatches to. Thread: the caller's.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine/types.hpp"
#include "tools/bench_engine.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define CUX_BENCH_TSC 1
#endif

namespace cux::tools::bench {

namespace eng = cux::engine;
using steady = std::chrono::steady_clock;

inline double seconds_between(steady::time_point a, steady::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}

inline uint32_t sat32(uint64_t v) {
    return v > 0xffffffffULL ? 0xffffffffU : static_cast<uint32_t>(v);
}

// ---- timers ----------------------------------------------------------------------------------

#if defined(CUX_BENCH_TSC)
// lfence; rdtsc; lfence on both sides: the first lfence waits for earlier work to finish, the
// second keeps later work from starting before the read. (Not rdtscp: valgrind cannot run it.)
struct tsc_timer {
    static uint64_t read() {
        _mm_lfence();
        const uint64_t t = __rdtsc();
        _mm_lfence();
        return t;
    }
    static uint64_t begin() { return read(); }
    static uint64_t end() { return read(); }
};
#endif

struct steady_timer {
    static uint64_t begin() {
        return static_cast<uint64_t>(steady::now().time_since_epoch().count());
    }
    static uint64_t end() { return begin(); }
};
static_assert(std::is_same_v<steady::duration, std::chrono::nanoseconds>);

using tick_samples = std::array<std::vector<uint32_t>, op_kinds>;

inline constexpr std::size_t chunk_ops = 1 << 16;  // progress is updated between chunks only

template <class Driver>
void run_plain(Driver& d, const std::vector<op>& ops, progress& p) {
    const std::size_t n = ops.size();
    for (std::size_t i = 0; i < n; i += chunk_ops) {
        const std::size_t end = std::min(n, i + chunk_ops);
        for (std::size_t j = i; j < end; ++j) d.apply(ops[j]);
        p.update(end, n);
    }
}

template <class Timer, class Driver>
void run_each(Driver& d, const std::vector<op>& ops, tick_samples& ticks, progress& p) {
    const std::size_t n = ops.size();
    for (std::size_t i = 0; i < n; i += chunk_ops) {
        const std::size_t end = std::min(n, i + chunk_ops);
        for (std::size_t j = i; j < end; ++j) {
            const op& o = ops[j];
            const uint64_t t0 = Timer::begin();
            d.apply(o);
            const uint64_t t1 = Timer::end();
            ticks[static_cast<std::size_t>(o.kind)].push_back(sat32(t1 - t0));
        }
        p.update(end, n);
    }
}

// Live orders never pass the target by more than one add plus one IOC; the margin is slack.
inline std::size_t pool_capacity(const workload& w) {
    return static_cast<std::size_t>(w.spec.live_target) + (std::size_t{1} << 16);
}

// ---- passes ----------------------------------------------------------------------------------

template <class Driver>
void prefill(Driver& d, const workload& w, progress& p) {
    p.start("prefill");
    run_plain(d, w.prefill, p);
    p.finish();
}

inline std::string check_against_model(const workload& w, const run_result& r, const char* pass) {
    char buf[256];
    if (r.rejects != 0) {
        std::snprintf(buf, sizeof buf, "%s pass: %llu commands rejected", pass,
                      static_cast<unsigned long long>(r.rejects));
        return buf;
    }
    if (r.live_start != w.live_start || r.live_end != w.live_end || r.trades != w.trades ||
        r.traded_qty != w.traded_qty) {
        std::snprintf(buf, sizeof buf,
                      "%s pass: engine live %lld->%lld trades %llu qty %lld, model live "
                      "%lld->%lld trades %llu qty %lld",
                      pass, static_cast<long long>(r.live_start),
                      static_cast<long long>(r.live_end), static_cast<unsigned long long>(r.trades),
                      static_cast<long long>(r.traded_qty), static_cast<long long>(w.live_start),
                      static_cast<long long>(w.live_end), static_cast<unsigned long long>(w.trades),
                      static_cast<long long>(w.traded_qty));
        return buf;
    }
    return {};
}

// make(i) builds a fresh driver for pass i: 0 .. repeat-1 throughput, then the latency pass.
template <class Driver, class Make>
run_result run_passes(const workload& w, int repeat, const clock_info& clk, progress& p,
                      Make make) {
    std::vector<run_result> runs;
    for (int i = 0; i < repeat; ++i) {
        // Throughput: the stream with no per-op timing.
        run_result r;
        r.rss_before_kib = rss_now_kib();
        std::unique_ptr<Driver> d = make(i);
        const auto t0 = steady::now();
        prefill(*d, w, p);
        d->start_timed(false);
        r.prefill_seconds = seconds_between(t0, steady::now());
        r.rss_after_kib = rss_now_kib();
        r.peak_rss_kib = peak_rss_kib();
        r.live_start = d->live();
        p.start("run (throughput)");
        const auto t1 = steady::now();
        run_plain(*d, w.ops, p);
        const auto t2 = steady::now();
        d->finish();
        const auto t3 = steady::now();
        p.finish();
        r.submit_seconds = seconds_between(t1, t2);
        r.seconds = seconds_between(t1, t3);
        d->collect(r);
        if (r.problem.empty()) r.problem = check_against_model(w, r, "throughput");
        runs.push_back(std::move(r));
    }
    // Report the median run (by time); keep every run's time. Memory is the first run's.
    std::vector<double> times;
    for (const run_result& x : runs) times.push_back(x.seconds);
    std::vector<std::size_t> order(runs.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return times[a] < times[b]; });
    run_result r = runs[order[order.size() / 2]];
    r.runs_seconds = times;
    r.peak_rss_kib = runs.front().peak_rss_kib;
    r.rss_before_kib = runs.front().rss_before_kib;
    r.rss_after_kib = runs.front().rss_after_kib;
    for (const run_result& x : runs) {
        if (r.problem.empty() && !x.problem.empty()) r.problem = x.problem;
    }
    {
        // Latency: the same stream on a fresh engine, each operation timed.
        std::unique_ptr<Driver> d = make(repeat);
        prefill(*d, w, p);
        run_result again;
        again.live_start = d->live();
        tick_samples ticks;
        for (std::size_t k = 0; k < op_kinds; ++k) ticks[k].reserve(w.count[k]);
        d->start_timed(true);
        p.start("run (latency)");
#if defined(CUX_BENCH_TSC)
        if (clk.tsc) {
            run_each<tsc_timer>(*d, w.ops, ticks, p);
        } else {
            run_each<steady_timer>(*d, w.ops, ticks, p);
        }
#else
        run_each<steady_timer>(*d, w.ops, ticks, p);
#endif
        d->finish();
        p.finish();
        for (std::size_t k = 0; k < op_kinds; ++k) r.latency[k] = summarize(ticks[k], clk);
        d->collect(again);
        d->collect_latency(r);
        if (r.problem.empty() && !again.problem.empty()) r.problem = again.problem;
        if (r.problem.empty()) r.problem = check_against_model(w, again, "latency");
    }
    return r;
}

// The drivers' entry points: run_passes over a core_driver (tools/bench_core.cpp) or a
// full_driver (tools/bench_full.cpp). journal_base empty: no journal; otherwise pass i journals
// into journal_base/pass<i>, a directory the driver removes when it is done.
run_result run_core(const workload& w, int repeat, const clock_info& clk, progress& p);
run_result run_full(const workload& w, int repeat, const clock_info& clk, progress& p,
                    const std::string& journal_base);

}  // namespace cux::tools::bench
