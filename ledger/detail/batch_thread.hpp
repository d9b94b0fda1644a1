#pragma once
// The thread the ring writers share (ledger/writer.hpp, ledger/market_data_writer.hpp,
// ledger/audit_writer.hpp): ONE consumer of the engine's event ring that hands every event to
// its writer (a batch_sink) to stage, lets the writer commit the batch when no more events are
// waiting or when the writer says it is due, and publishes how many ring items the commits
// cover, which is what the writers' lag gates compare with the ring's published count. What a
// batch holds, when it is due and how it is committed (durability wait included) stay with
// each writer; the loop, the failure latch and the draining after a failure live here once.
//
// Threads: the owner constructs it, calls attach() (registers the ring consumer) once the
//   writer's store has opened and before the ring's producer publishes, then start(); the
//   thread runs until the ring is closed and drained, commits what is staged (flush(true)) and
//   ends; join() waits for that, stop() closes the ring first (an abort: the owner's
//   destructor, see spmc_ring::close). The sink's hooks run on this thread only. failed(),
//   failure(), published(), committed_items() and ring_items() from any thread.
// Failure: stop_recording() latches the first error, calls on_failure once (on this thread)
//   and makes failed() true for good; the thread then keeps draining the ring WITHOUT staging,
//   so the engine is never blocked by a dead store, and never calls flush() again.
// Limits: at most poll_chunk events are staged per poll, so the ring's slots come back to the
//   engine while a large backlog is staged; the batch limits themselves are the sink's.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "engine/event.hpp"
#include "engine/ring.hpp"
#include "ledger/result.hpp"

namespace cux::ledger::detail {

// Events staged per poll.
inline constexpr std::size_t poll_chunk = 1024;

// What a writer does with the events; every hook runs on the batch thread.
class batch_sink {
public:
    using clock = std::chrono::steady_clock;

    // Stages one event. False: recording must stop (the loop stages nothing more of the chunk
    // and calls stop_recording(stage_failure())).
    virtual bool stage(const engine::event& e) = 0;
    [[nodiscard]] virtual ledger_error stage_failure() const = 0;
    // Whether the batch is empty, so that the next poll starts it (and its clock). `pending` is
    // the ring items taken since the last commit.
    [[nodiscard]] virtual bool batch_empty(uint64_t pending) const { return pending == 0; }
    // Whether the open batch must commit now (after a poll): `pending` ring items taken since
    // the last commit, the batch open for `open_for`.
    [[nodiscard]] virtual bool due(uint64_t pending, clock::duration open_for) const = 0;
    // Whether the sink holds something to hand on although every taken item is committed (the
    // audit writer's alerts): an idle loop then flushes too.
    [[nodiscard]] virtual bool holds_more() const { return false; }
    // Commits what is staged (`last`: the ring is closed and drained). On success it calls
    // batch_thread::committed(); on failure batch_thread::stop_recording(). Never called once
    // the thread has failed.
    virtual void flush(bool last) = 0;

protected:
    ~batch_sink() = default;
};

class batch_thread {
public:
    batch_thread(engine::spmc_ring<engine::event>& ring, batch_sink& sink,
                 std::function<void(const ledger_error&)> on_failure)
        : ring_(ring), sink_(sink), on_failure_(std::move(on_failure)) {}
    // Stops (closing the ring if the thread still runs).
    ~batch_thread() { stop(); }
    batch_thread(const batch_thread&) = delete;
    batch_thread& operator=(const batch_thread&) = delete;

    void attach() { id_ = ring_.add_consumer(); }
    void start();
    // Waits for the thread to end (after the ring is closed and drained).
    void join();
    // Closes the ring if the thread still runs, then joins.
    void stop();
    [[nodiscard]] bool running() const { return thread_.joinable(); }

    [[nodiscard]] bool failed() const { return failed_.load(std::memory_order_acquire); }
    // Why it stopped; code none while it records.
    [[nodiscard]] ledger_error failure() const;
    // The first call latches `e`, sets failed() and calls on_failure; later calls do nothing.
    void stop_recording(ledger_error e);

    // Batch thread: every ring item taken so far is committed (or needs no commit).
    void committed() {
        done_local_ = taken_;
        done_items_.store(taken_, std::memory_order_release);
    }
    // Ring items whose effects are committed; the ring's published count.
    [[nodiscard]] uint64_t committed_items() const {
        return done_items_.load(std::memory_order_acquire);
    }
    [[nodiscard]] uint64_t published() const { return ring_.published(); }
    // Ring items taken, staged or drained after a failure.
    [[nodiscard]] uint64_t ring_items() const {
        return ring_items_.load(std::memory_order_relaxed);
    }

private:
    void run();

    engine::spmc_ring<engine::event>& ring_;
    batch_sink& sink_;
    std::function<void(const ledger_error&)> on_failure_;
    engine::spmc_consumer id_{};
    std::thread thread_;

    // Batch thread only.
    uint64_t taken_ = 0;       // ring items polled while recording
    uint64_t done_local_ = 0;  // ring items covered by the last commit

    std::atomic<uint64_t> done_items_{0};
    std::atomic<uint64_t> ring_items_{0};
    std::atomic<bool> failed_{false};
    mutable std::mutex failure_mu_;
    ledger_error failure_;
};

}  // namespace cux::ledger::detail
