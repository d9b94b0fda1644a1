#pragma once
// `cux bench engine`: the workload (a pre-generated, seeded operation stream over one
// instrument), the clocks, and the three drivers that replay it: the matching core alone
// (engine::book), the whole command path (engine::exchange + an SPMC event ring drained by a
// consumer thread), and the same with every command journaled (durable throughput).
//
// Thread: every function here runs on the calling thread, except the drivers' own helper threads
// (the event consumer, the journal's writer, the durability watcher), which they start and join.
// Errors: a workload the engine does not follow (a reject, a count that differs from the model)
// is reported in run_result::problem; start-up failures (journal directory) are exceptions.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace cux::tools::bench {

enum class op_kind : uint8_t { add = 0, cancel = 1, match = 2 };
inline constexpr std::size_t op_kinds = 3;
const char* op_kind_name(op_kind k);

// One operation of the stream. Orders are named by a handle (their add's number) so that the
// same stream drives engines whose order ids differ; each driver maps handle -> its order id.
struct op {
    op_kind kind;
    uint8_t buy;  // add: side of the new order; match: side of the IOC
    uint16_t pad;
    uint32_t handle;    // add: the new order's handle; cancel: the order to cancel
    int64_t price_fen;  // add: limit; match: the IOC's limit (the price of the last level swept)
    int64_t qty;        // add, match
};
static_assert(sizeof(op) == 24);

// The price grid: bids at mid-1 ... mid-P, asks at mid+1 ... mid+P, tick 1 fen, inside the band
// reference +-50% of the instrument the full path lists (reference = mid).
inline constexpr int64_t mid_price_fen = 10'000;
inline constexpr int64_t band_low_fen = 5'000;
inline constexpr int64_t band_ticks = 10'001;
inline constexpr int64_t add_qty_max = 100;
inline constexpr int64_t levels_per_side_max = 4'000;

struct workload_spec {
    std::string scenario;
    int64_t live_target = 0;
    int64_t levels_per_side = 0;
    int64_t ops = 0;
    uint64_t seed = 0;
};

struct workload {
    workload_spec spec;
    std::vector<op> prefill;  // adds that bring the book to live_target (untimed)
    std::vector<op> ops;      // the timed stream
    uint32_t handles = 0;     // handles used by prefill + ops
    std::array<uint64_t, op_kinds> count{};
    int64_t live_start = 0;  // after the prefill
    int64_t live_end = 0;
    int64_t live_min = 0;
    int64_t live_max = 0;
    uint64_t prefill_buys = 0;
    uint64_t stream_buys = 0;  // buy adds in the stream (sizes the buyers' funds)
    // What the model says the stream must produce; every driver is checked against it.
    uint64_t trades = 0;
    int64_t traded_qty = 0;
    uint64_t resting_filled = 0;  // resting orders used up by IOCs
};

// Shows progress on one line of stderr when it is a terminal; silent otherwise.
class progress {
public:
    progress();
    void start(const char* phase);
    void update(uint64_t done, uint64_t total);
    void finish();

private:
    bool tty_ = false;
    int last_pct_ = -1;
    const char* phase_ = "";
};

workload make_workload(const workload_spec& spec, progress& p);

// Time stamps for per-operation latency: the TSC on x86 (serialised with lfence), calibrated
// against steady_clock; steady_clock nanoseconds elsewhere.
struct clock_info {
    bool tsc = false;
    double ns_per_tick = 1.0;
    double ghz = 0;  // TSC ticks per ns (0 when steady_clock is used)
};
clock_info calibrate_clock();

struct latency_stats {
    uint64_t count = 0;
    double p50_ns = 0, p99_ns = 0, p999_ns = 0, max_ns = 0, mean_ns = 0;
};
// Sorts `ticks` in place.
latency_stats summarize(std::vector<uint32_t>& ticks, const clock_info& clk);
// The latency of an empty timed region (the measurement's own cost).
latency_stats measure_overhead(const clock_info& clk);
// The smallest step the clock is seen to advance by, in ns.
double timer_resolution_ns(const clock_info& clk);

enum class engine_path : uint8_t { core = 0, full = 1, journal = 2 };
const char* path_name(engine_path p);

struct run_options {
    engine_path path = engine_path::core;
    std::string data_dir;  // journal: the parent of the run's own (removed) directory
    int repeat = 1;        // throughput passes; the median is reported
};

struct run_result {
    // Throughput pass (no per-op timing): the median of the repeats.
    std::vector<double> runs_seconds;  // every repeat's `seconds`, in run order
    double seconds = 0;         // the whole timed loop (full: until the consumer drained; journal:
                                // until durable_seq reached the last seq)
    double submit_seconds = 0;  // full/journal: until the engine thread applied the last command
    double prefill_seconds = 0;
    int64_t live_start = 0;
    int64_t live_end = 0;
    uint64_t trades = 0;
    int64_t traded_qty = 0;
    uint64_t events = 0;   // full/journal: events drained by the consumer in the timed loop
    uint64_t rejects = 0;  // full/journal
    // Memory (from the throughput pass).
    long peak_rss_kib = 0;    // getrusage after the prefill
    long rss_before_kib = 0;  // resident before building the engine and prefilling
    long rss_after_kib = 0;   // resident after the prefill
    // Latency pass.
    std::array<latency_stats, op_kinds> latency{};
    latency_stats durable{};  // journal: append -> durable_seq covers it (all kinds)
    // Journal counters over the timed loop of the throughput pass.
    uint64_t fsyncs = 0;
    uint64_t batches = 0;
    uint64_t records = 0;
    uint64_t journal_bytes = 0;
    std::string journal_dir;
    std::string problem;  // non-empty: the engine did not follow the workload
};

run_result run_engine(const workload& w, const run_options& o, const clock_info& clk, progress& p);

// Resident set size now (KiB), from /proc/self/statm; 0 when unreadable.
long rss_now_kib();
long peak_rss_kib();

}  // namespace cux::tools::bench
