// The engine benchmark's clocks and meters: TSC calibration, the timer's resolution and its
// own cost, latency percentiles, and the resident set size.

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tools/bench_engine.hpp"
#include "tools/bench_passes.hpp"

namespace cux::tools::bench {

namespace {

bool cpu_has_invariant_tsc() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("flags", 0) == 0) {
            return line.find(" constant_tsc") != std::string::npos &&
                   line.find(" nonstop_tsc") != std::string::npos;
        }
    }
    return false;
}

}  // namespace

clock_info calibrate_clock() {
#if defined(CUX_BENCH_TSC)
    if (cpu_has_invariant_tsc()) {
        const auto c0 = steady::now();
        const uint64_t r0 = __rdtsc();
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        const uint64_t r1 = __rdtsc();
        const auto c1 = steady::now();
        const double ns = std::chrono::duration<double, std::nano>(c1 - c0).count();
        if (r1 > r0 && ns > 0) {
            const auto ticks = static_cast<double>(r1 - r0);
            return clock_info{true, ns / ticks, ticks / ns};
        }
    }
#endif
    return clock_info{false, 1.0, 0};
}

latency_stats summarize(std::vector<uint32_t>& ticks, const clock_info& clk) {
    latency_stats s;
    s.count = ticks.size();
    if (ticks.empty()) return s;
    std::sort(ticks.begin(), ticks.end());
    const auto at = [&](double q) {
        // Nearest rank: the smallest sample with at least q of the samples at or below it.
        const auto n = static_cast<double>(ticks.size());
        auto i = static_cast<std::size_t>(std::ceil(q * n));
        i = std::clamp<std::size_t>(i, 1, ticks.size());
        return static_cast<double>(ticks[i - 1]) * clk.ns_per_tick;
    };
    s.p50_ns = at(0.50);
    s.p99_ns = at(0.99);
    s.p999_ns = at(0.999);
    s.max_ns = static_cast<double>(ticks.back()) * clk.ns_per_tick;
    double sum = 0;
    for (const uint32_t t : ticks) sum += t;
    s.mean_ns = sum / static_cast<double>(ticks.size()) * clk.ns_per_tick;
    return s;
}

double timer_resolution_ns(const clock_info& clk) {
    // The most common non-zero step between two reads in a row (the TSCs of some virtual
    // machines advance in steps of many ticks; a rare odd step comes from a CPU migration).
    constexpr int n = 100'000;
    std::vector<uint64_t> steps;
    steps.reserve(n);
    for (int i = 0; i < n; ++i) {
#if defined(CUX_BENCH_TSC)
        const uint64_t a = clk.tsc ? __rdtsc() : steady_timer::begin();
        const uint64_t b = clk.tsc ? __rdtsc() : steady_timer::begin();
#else
        const uint64_t a = steady_timer::begin();
        const uint64_t b = steady_timer::begin();
#endif
        if (b > a) steps.push_back(b - a);
    }
    if (steps.empty()) return 0;
    std::sort(steps.begin(), steps.end());
    uint64_t mode = steps.front();
    std::size_t best = 0;
    for (std::size_t i = 0; i < steps.size();) {
        std::size_t j = i;
        while (j < steps.size() && steps[j] == steps[i]) ++j;
        if (j - i > best) {
            best = j - i;
            mode = steps[i];
        }
        i = j;
    }
    return static_cast<double>(mode) * clk.ns_per_tick;
}

latency_stats measure_overhead(const clock_info& clk) {
    constexpr std::size_t n = 1'000'000;
    std::vector<uint32_t> ticks;
    ticks.reserve(n);
#if defined(CUX_BENCH_TSC)
    if (clk.tsc) {
        for (std::size_t i = 0; i < n; ++i) {
            const uint64_t t0 = tsc_timer::begin();
            const uint64_t t1 = tsc_timer::end();
            ticks.push_back(sat32(t1 - t0));
        }
        return summarize(ticks, clk);
    }
#endif
    for (std::size_t i = 0; i < n; ++i) {
        const uint64_t t0 = steady_timer::begin();
        const uint64_t t1 = steady_timer::end();
        ticks.push_back(sat32(t1 - t0));
    }
    return summarize(ticks, clk);
}

long rss_now_kib() {
    std::ifstream in("/proc/self/statm");
    long pages = 0;
    long resident = 0;
    if (!(in >> pages >> resident)) return 0;
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

long peak_rss_kib() {
    rusage u{};
    if (getrusage(RUSAGE_SELF, &u) != 0) return 0;
    return u.ru_maxrss;
}

}  // namespace cux::tools::bench
