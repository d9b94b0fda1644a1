#pragma once
// The ledger writer: ONE thread that consumes the engine's event ring and records every event
// through a recorder (ledger/recorder.hpp), in seq order, in batched transactions (group
// commit: a batch commits when no more events are waiting, when it covers batch_events events
// or stages batch_events rows, or when it has been open batch_ms while events kept coming).
//
// Threads: open() and start() from the owner before the ring's producer starts (the writer
//   registers a consumer: before pipeline::replay() when replayed events are published). The
//   writer thread polls the ring until it is closed and drained (pipeline::stop()), commits
//   what it holds, and ends; join() waits for that. Every const accessor is safe from any
//   thread.
// Durability: before a batch commits, wait_durable(highest command seq in the batch) must say
//   the engine's journal has it on disk — so the ledger never records a command that a crash
//   could take back out of the journal. A false answer (the journal failed) stops the writer.
// Failure: a recorder error (outcome unknown on a failed write/sync, a divergence from the
//   engine, a gap) stops recording for good; on_failure is called once, from the writer
//   thread. The thread then keeps draining the ring WITHOUT recording, so the engine is never
//   blocked by a dead ledger; the order gate stays shut; a restart resumes from the ledger's
//   position (the journal replays what was not recorded).
// Backpressure: order_gate() says whether new orders may be accepted: not while the ledger has
//   failed, nor while it lags more than lag_events_max events behind the ring (published but
//   not yet committed). The bound is below the ring's capacity, so it trips before the ring
//   fills and blocks the engine. The gateway answers a refused order with the reason.
// Checkpoints: with background_checkpoints (the default) a checkpointer thread
//   (ledger/checkpointer.hpp) copies the WAL back into the database whenever it has grown by
//   checkpoint_pages, and the writer checkpoints itself only when the WAL reaches
//   wal_restart_pages (mostly copied by then) so that it restarts; without, every commit that
//   finds checkpoint_pages in the WAL checkpoints on the writer thread, as SQLite's own
//   autocheckpoint does. Past wal_pages_max the writer stops (`io`): checkpoints are failing
//   or a reader holds a snapshot that old, and the WAL must not grow without bound.
// Limits: batch_events <= limits::batch_events_max; lag_events_max < ring capacity;
//   checkpoint_pages < wal_restart_pages < wal_pages_max <= limits::wal_pages_max; commit
//   latency samples kept
//   for at most latency_samples_max batches.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/event.hpp"
#include "engine/ring.hpp"
#include "ledger/checkpointer.hpp"
#include "ledger/detail/batch_thread.hpp"
#include "ledger/recorder.hpp"
#include "ledger/result.hpp"

namespace cux::ledger {

struct writer_options {
    recorder_options db;
    std::size_t batch_events = limits::batch_events_default;
    uint32_t batch_ms = limits::batch_ms_default;
    uint64_t lag_events_max = 0;  // 0: half the ring's capacity
    // Parks until the journal has this command seq on disk; false when it never will. Empty:
    // events are taken as durable (tests without a journal, benchmarks).
    std::function<bool(uint64_t cmd_seq)> wait_durable;
    // Called once, on the writer thread, when the writer stops recording.
    std::function<void(const ledger_error&)> on_failure;
    bool background_checkpoints = true;
    uint32_t checkpoint_pages = limits::checkpoint_pages_default;
    uint32_t wal_restart_pages = limits::wal_restart_pages_default;
    uint32_t wal_pages_max = limits::wal_pages_max;
    std::size_t latency_samples_max = std::size_t{1} << 20;
};

// Whether new orders may be accepted, and if not, why (one line for the API error).
struct order_gate_state {
    bool open = true;
    uint64_t lag_events = 0;  // published by the engine, not yet committed by the ledger
    uint64_t lag_events_max = 0;
    std::string reason;  // empty when open
};
// The rule itself: published - applied must not exceed the bound.
[[nodiscard]] order_gate_state lag_gate(uint64_t published, uint64_t applied, uint64_t bound);

struct writer_counters {
    recorder_counters recorded;  // final once join() returned
    uint64_t batches = 0;        // transactions committed with effects
    uint64_t ring_events = 0;    // events taken from the ring (recorded, skipped or drained)
    uint64_t events_max_per_batch = 0;
    checkpointer_counters checkpoints;  // the background checkpointer's (zero without one)
};

class writer : private detail::batch_sink {
public:
    // Opens the ledger (recorder::open) and registers on `ring`. Errors: the recorder's.
    [[nodiscard]] static result<std::unique_ptr<writer>> open(
        engine::spmc_ring<engine::event>& ring, writer_options o);
    // Joins; if the ring was never closed, closes it first (an abort: see spmc_ring::close).
    ~writer();
    writer(const writer&) = delete;
    writer& operator=(const writer&) = delete;

    void start();
    // Waits for the writer thread to end (after the ring is closed and drained).
    void join();

    // Last event seq whose effects are committed; at open, the ledger's position.
    [[nodiscard]] uint64_t committed_seq() const {
        return committed_seq_.load(std::memory_order_acquire);
    }
    [[nodiscard]] uint64_t position_at_open() const { return position_at_open_; }
    // The write connection's settings as SQLite reports them (recorder::settings()).
    [[nodiscard]] const std::string& sqlite_settings() const { return settings_; }
    [[nodiscard]] bool failed() const { return loop_.failed(); }
    // Why it stopped; code none while it runs.
    [[nodiscard]] ledger_error failure() const { return loop_.failure(); }
    [[nodiscard]] order_gate_state order_gate() const;
    [[nodiscard]] writer_counters counters() const;
    // Commit latency of each batch with effects, in microseconds (BEGIN to COMMIT returned,
    // including the sync). Call after join().
    [[nodiscard]] const std::vector<uint32_t>& commit_latencies_us() const { return latency_us_; }

private:
    writer(engine::spmc_ring<engine::event>& ring, writer_options o);
    // batch_sink (the writer thread, detail/batch_thread.hpp).
    bool stage(const engine::event& e) override { return rec_->apply(e).ok(); }
    [[nodiscard]] ledger_error stage_failure() const override { return rec_->failure(); }
    [[nodiscard]] bool due(uint64_t pending, clock::duration open_for) const override;
    void flush(bool force) override;

    writer_options opts_;
    std::unique_ptr<recorder> rec_;
    std::unique_ptr<checkpointer> checkpointer_;
    uint64_t position_at_open_ = 0;
    std::string settings_;

    // Writer thread only.
    std::vector<uint32_t> latency_us_;
    uint64_t batch_max_seen_ = 0;
    int checkpoint_asked_at_ = 0;  // WAL frames when the checkpointer was last asked

    std::atomic<uint64_t> committed_seq_{0};
    std::atomic<uint64_t> batches_{0};
    detail::batch_thread loop_;  // last: its thread stops before the members it uses go
};

}  // namespace cux::ledger
