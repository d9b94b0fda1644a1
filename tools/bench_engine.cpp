// `cux bench engine`: runs the workload on the chosen path (see tools/cmd_bench.cpp for the
// methodology). The pieces: tools/bench_workload.cpp (the stream), bench_measure.cpp (clocks,
// latency, memory), bench_passes.hpp (the timed loops and passes), bench_core.cpp and
// bench_full.cpp (the drivers). This file holds run_engine, the journal path's directory and
// the progress line.

#include "tools/bench_engine.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "engine/types.hpp"
#include "tools/bench_passes.hpp"

namespace cux::tools::bench {

namespace {

// A fresh directory (mkdtemp) under `parent`, created when missing.
std::string make_temp_dir(const std::string& parent) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) throw std::runtime_error("bench: cannot create " + parent + ": " + ec.message());
    std::string tmpl = parent + "/cux-bench-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) {
        throw std::runtime_error("bench: cannot create a directory in " + parent + ": " +
                                 std::strerror(errno));
    }
    return tmpl;
}

}  // namespace

const char* path_name(engine_path p) {
    switch (p) {
        case engine_path::core:
            return "core";
        case engine_path::full:
            return "full";
        case engine_path::journal:
            return "full+journal";
    }
    return "?";
}

progress::progress() : tty_(isatty(STDERR_FILENO) == 1) {}

void progress::start(const char* phase) {
    phase_ = phase;
    last_pct_ = -1;
}

void progress::update(uint64_t done, uint64_t total) {
    if (!tty_ || total == 0) return;
    const int pct = static_cast<int>(done * 100 / total);
    if (pct == last_pct_) return;
    last_pct_ = pct;
    std::fprintf(stderr, "\r  %-18s %3d%%", phase_, pct);
    std::fflush(stderr);
}

void progress::finish() {
    if (!tty_ || last_pct_ < 0) return;
    std::fprintf(stderr, "\r%40s\r", "");
    std::fflush(stderr);
    last_pct_ = -1;
}

run_result run_engine(const workload& w, const run_options& o, const clock_info& clk, progress& p) {
    CUX_ASSERT(o.repeat >= 1);
    if (o.path == engine_path::core) {
        return run_core(w, o.repeat, clk, p);
    }
    if (o.path == engine_path::full) {
        return run_full(w, o.repeat, clk, p, std::string());
    }
    // Journal: each pass gets a fresh journal in a directory this run creates (and removes).
    const std::string base = make_temp_dir(o.data_dir.empty() ? "/tmp" : o.data_dir);
    run_result r;
    try {
        r = run_full(w, o.repeat, clk, p, base);
    } catch (...) {
        std::error_code ec;
        std::filesystem::remove_all(base, ec);
        throw;
    }
    r.journal_dir = base;
    std::error_code ec;
    std::filesystem::remove_all(base, ec);
    return r;
}

}  // namespace cux::tools::bench
