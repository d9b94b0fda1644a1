#pragma once
// The audit writer: ONE thread that consumes the engine's event ring (a consumer of its own,
// beside the ledger writer's) and records the audit trail and the surveillance alerts in the
// audit store (ledger/audit_store.hpp) in batched transactions.
//
// Each command's full body is read from the journal (engine/journal_lookup.hpp) when its first
// event is recorded, so the trail holds every command and every event. Every event — also those
// of the replayed journal the store already holds — goes through the surveillance detectors
// (ledger/surveillance.hpp), which are deterministic: alerts already stored are derived again
// with the same numbers and are not stored twice; new ones are stored in the transaction of the
// events that raised them. After each commit, on_alerts hands the alerts derived since the last
// commit (replayed ones included, so a stream's recent list is whole after a restart) to the
// gateway.
//
// Threads: open() and start() from the owner before the ring's producer publishes (before
//   pipeline::replay()); the thread runs until the ring is closed and drained; join() waits.
//   Const accessors from any thread.
// Batches: a batch commits when no more events wait, or at a command boundary once it holds
//   batch_rows rows or has been open batch_ms, or (a huge command) at rows_hard_max.
// Durability: before a batch commits, wait_durable(highest command seq in it) must be true —
//   a false answer (the journal failed) stops the writer; see audit_store.hpp for the rest.
// Failure: a SQLite error, a command missing from the journal, or alerts that disagree with
//   the stored ones stop recording for good (on_failure once, from the writer thread); the
//   thread keeps draining the ring so the engine is never blocked; the order gate stays shut.
// Backpressure: order_gate() is shut while failed or while more than lag_events_max events are
//   published and not yet committed (ledger::lag_gate, below the ring's capacity).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/journal_lookup.hpp"
#include "engine/ring.hpp"
#include "ledger/audit_store.hpp"
#include "ledger/detail/batch_thread.hpp"
#include "ledger/detail/sqlite.hpp"
#include "ledger/result.hpp"
#include "ledger/surveillance.hpp"
#include "ledger/writer.hpp"

namespace cux::ledger {

struct audit_options {
    std::string path;         // DIR/audit.db
    std::string journal_dir;  // engine::journal_dir(DIR): where command bodies are read
    // Reads command `seq` (durable); empty: an engine::journal_lookup over journal_dir.
    std::function<bool(uint64_t seq, engine::command& out, std::string& error)> command_at;
    std::function<bool(uint64_t cmd_seq)> wait_durable;  // empty: events are durable
    std::function<void(const ledger_error&)> on_failure;
    std::function<void(const std::vector<alert>&)> on_alerts;
    std::size_t batch_rows = std::size_t{1} << 13;
    std::size_t rows_hard_max = std::size_t{1} << 17;
    uint32_t batch_ms = 50;
    uint64_t lag_events_max = 0;  // 0: half the ring's capacity
};

class audit_writer : private detail::batch_sink {
public:
    [[nodiscard]] static result<std::unique_ptr<audit_writer>> open(
        engine::spmc_ring<engine::event>& ring, audit_options o);
    ~audit_writer();
    audit_writer(const audit_writer&) = delete;
    audit_writer& operator=(const audit_writer&) = delete;

    void start();
    void join();

    [[nodiscard]] audit_position position_at_open() const { return at_open_; }
    [[nodiscard]] uint64_t recorded_event_seq() const {
        return recorded_event_seq_.load(std::memory_order_acquire);
    }
    [[nodiscard]] uint64_t recorded_cmd_seq() const {
        return recorded_cmd_seq_.load(std::memory_order_acquire);
    }
    [[nodiscard]] uint64_t alerts_recorded() const {
        return alerts_recorded_.load(std::memory_order_acquire);
    }
    [[nodiscard]] bool failed() const { return loop_.failed(); }
    [[nodiscard]] ledger_error failure() const { return loop_.failure(); }
    [[nodiscard]] order_gate_state order_gate() const;

private:
    audit_writer(engine::spmc_ring<engine::event>& ring, audit_options o);
    status init();
    // batch_sink (the writer thread, detail/batch_thread.hpp).
    bool stage(const engine::event& e) override;
    [[nodiscard]] ledger_error stage_failure() const override { return stage_error_; }
    [[nodiscard]] bool batch_empty(uint64_t) const override { return staged_.empty(); }
    [[nodiscard]] bool due(uint64_t pending, clock::duration open_for) const override;
    [[nodiscard]] bool holds_more() const override { return !to_publish_.empty(); }
    void flush(bool last) override;
    status write_batch();

    audit_options opts_;
    std::unique_ptr<engine::journal_lookup> journal_;
    detail::connection db_;
    detail::statement insert_row_;
    detail::statement insert_alert_;
    detail::statement set_state_;
    detail::statement begin_;
    detail::statement commit_;
    detail::statement rollback_;
    audit_position at_open_;

    // Writer thread only.
    surveillance detect_;
    std::vector<alert> raised_;          // scratch
    std::vector<engine::event> staged_;  // events to record
    std::vector<alert> staged_alerts_;   // alerts to record
    std::vector<alert> to_publish_;      // alerts derived since the last commit
    audit_position pos_;                 // what is committed
    bool at_boundary_ = true;
    ledger_error stage_error_;

    std::atomic<uint64_t> recorded_event_seq_{0};
    std::atomic<uint64_t> recorded_cmd_seq_{0};
    std::atomic<uint64_t> alerts_recorded_{0};
    detail::batch_thread loop_;  // last: its thread stops before the members it uses go
};

}  // namespace cux::ledger
