#pragma once
// The single-process LMAX pipeline (DESIGN.md §3):
//
//   submit() from any thread ──► mpsc_ring<command> ──► engine thread:
//       pop a batch → stamp seq/ts → journal append → machine.apply → events staged on the
//       spmc_ring<event>, committed once per batch
//   journal writer thread: group-commits the stamped commands, publishes durable_seq
//   clock thread (optional): submits a `tick` command (actor 0) every tick_interval_ms
//
// Threads: construct, replay(), start() and stop() from one owner thread. submit()/try_submit()
//   from any thread. The machine is touched only by the owner during replay() and only by the
//   engine thread between start() and stop(). Event consumers register on events() before
//   start() (or before replay() when replayed events are published) and poll from their own
//   threads; each must keep polling until the ring is closed (or remove itself), because the
//   engine thread waits for the slowest consumer (backpressure) — stop() too.
// Stamping: seq = last + 1, from 1 (continuing after the replayed journal); ts = max(last ts,
//   clock()) so time never goes backwards even if the wall clock does. The gateway fills type,
//   actor, token and body; whatever it put in seq/ts is overwritten.
// Durability: an event may be seen before its command is durable. Whoever releases an outcome
//   to a client waits for wait_durable(event.cmd_seq) first.
// Limits: ring capacities are powers of two (CUX_ASSERT); batch_max commands per engine batch.
// Errors: replay() reports a damaged journal in its result (corrupt / io_error: refuse to start;
//   torn: the tail was truncated, log it and go on). start() returns false with error(). A
//   journal write/fsync failure makes the pipeline FAILED for good: the engine thread stops
//   applying commands, submit() returns false, wait_durable() returns false ("outcome unknown").

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/command.hpp"
#include "engine/event.hpp"
#include "engine/journal.hpp"
#include "engine/ring.hpp"

namespace cux::engine {

// The deterministic state machine the pipeline drives: the same commands in, the same events out.
class machine {
public:
    virtual void apply(const command& c, event_sink& out) = 0;

protected:
    ~machine() = default;
};

// Adapts any type with `void apply(const command&, event_sink&)` to `machine`.
template <class M>
class machine_ref final : public machine {
public:
    explicit machine_ref(M& m) : m_(m) {}
    void apply(const command& c, event_sink& out) override { m_.apply(c, out); }

private:
    M& m_;
};

// Nanoseconds since the Unix epoch from std::chrono::system_clock: the default pipeline clock.
[[nodiscard]] utc_ns system_clock_ns();

struct pipeline_options {
    std::string data_dir;  // the journal lives in journal_dir(data_dir)
    sync_mode sync = sync_mode::fdatasync;
    uint32_t tick_interval_ms = 250;  // 0: no clock thread (tests)
    std::size_t command_ring_capacity = std::size_t{1} << 14;
    std::size_t event_ring_capacity = std::size_t{1} << 15;
    std::size_t journal_ring_capacity = std::size_t{1} << 14;
    std::size_t batch_max = 1024;  // commands the engine thread takes per batch
    uint64_t segment_bytes_max = uint64_t{256} << 20;
    bool publish_replayed_events = false;  // false: replayed commands' events are discarded
    std::function<utc_ns()> clock;         // empty: system_clock_ns
    journal_io io;                         // test hooks for the journal's write/fdatasync
};

struct replay_result {
    scan_result scan;       // clean, torn (tail truncated), corrupt or io_error
    uint64_t commands = 0;  // re-applied to the machine
    // True when start() may go on: clean, or torn with the tail truncated.
    [[nodiscard]] bool ok() const {
        return scan.status == tail_status::clean ||
               (scan.status == tail_status::torn && scan.truncated);
    }
};

// Called during replay every replay_progress_every commands and once at the end.
using replay_progress = std::function<void(uint64_t commands, uint64_t bytes)>;
inline constexpr uint64_t replay_progress_every = uint64_t{1} << 16;

struct pipeline_counters {
    uint64_t commands_applied = 0;  // since start(), replay excluded
    uint64_t commands_replayed = 0;
    uint64_t batches = 0;
    uint64_t events_published = 0;
    uint64_t ticks = 0;
    journal_counters journal;
};

class pipeline {
public:
    pipeline(machine& m, pipeline_options opts);
    ~pipeline();  // stop()
    pipeline(const pipeline&) = delete;
    pipeline& operator=(const pipeline&) = delete;

    // Owner thread, once, before start(): re-applies every journaled command to the machine
    // without re-journaling it, and continues seq numbering after the last one.
    replay_result replay(const replay_progress& progress = {});

    // Owner thread, once, after replay(). Opens the journal for append and starts the threads.
    // False (see error()) when replay was not ok or the journal cannot be opened.
    [[nodiscard]] bool start();

    // Any thread. Queues a command; blocks while the command ring is full. False once stopping
    // or failed.
    [[nodiscard]] bool submit(const command& c) { return !journal_.failed() && commands_.push(c); }
    // Any thread. Never blocks: false when the ring is full (answer 503), closed or failed.
    [[nodiscard]] bool try_submit(const command& c) {
        return !journal_.failed() && commands_.try_push(c);
    }

    // Owner thread, idempotent: stops the clock, applies and journals every command already
    // submitted, fsyncs, joins all threads, then closes the event ring (consumers drain it).
    void stop();

    // Where consumers register (before start) and poll.
    [[nodiscard]] spmc_ring<event>& events() { return events_; }

    [[nodiscard]] uint64_t durable_seq() const { return journal_.durable_seq(); }
    [[nodiscard]] bool wait_durable(uint64_t seq) const { return journal_.wait_durable(seq); }
    // Last seq stamped by the sequencer (engine thread; a snapshot from elsewhere).
    [[nodiscard]] uint64_t last_seq() const {
        return last_seq_pub_.load(std::memory_order_acquire);
    }

    [[nodiscard]] bool failed() const;
    [[nodiscard]] std::string error() const;
    [[nodiscard]] pipeline_counters counters() const;

private:
    class ring_sink;
    class null_sink;

    void run_engine();
    void run_clock();

    machine& machine_;
    pipeline_options opts_;
    mpsc_ring<command> commands_;
    spmc_ring<event> events_;
    journal_writer journal_;
    std::vector<command> batch_;

    // Owner thread until start(), then the engine thread.
    uint64_t last_seq_ = 0;
    utc_ns last_ts_ = 0;
    bool replayed_ = false;
    bool started_ = false;
    bool stopped_ = false;
    scan_result scan_;
    std::string error_;  // owner thread: set before start() returns false

    std::thread engine_thread_;
    std::thread clock_thread_;
    std::mutex clock_mu_;  // only for the clock thread's interruptible sleep
    std::condition_variable clock_cv_;
    bool clock_stop_ = false;

    std::atomic<bool> journal_failed_{false};
    std::atomic<uint64_t> last_seq_pub_{0};
    std::atomic<uint64_t> applied_{0};
    std::atomic<uint64_t> replayed_count_{0};
    std::atomic<uint64_t> batches_{0};
    std::atomic<uint64_t> events_published_{0};
    std::atomic<uint64_t> ticks_{0};
};

}  // namespace cux::engine
