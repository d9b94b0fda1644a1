#pragma once
// Copies the ledger's WAL back into the database file (a SQLite checkpoint) on a thread of its
// own, so that the writer thread's commits pay only for the WAL append and its sync. With
// synchronous=FULL a checkpoint of a thousand pages costs the writer a few milliseconds of
// writes and two syncs every few commits; here it overlaps with the writer's next batch.
//
// The writer asks (request()) when its WAL has grown past a threshold; requests coalesce. Each
// round is a PASSIVE checkpoint on the checkpointer's own connection: it never blocks the
// writer or readers and copies the frames no reader still needs. It cannot let the WAL wrap
// around while the writer keeps committing (SQLite restarts the WAL only when a write
// transaction begins on a fully copied WAL), so the writer finishes the job itself now and then
// (recorder_options::autocheckpoint_pages): by then nearly everything is copied already.
//
// Thread: open() and start() from the owner; request() from any thread; stop() (or the
//   destructor) joins. The counters are safe from any thread.
// Errors: a failed checkpoint loses nothing committed (the WAL still holds the frames and
//   readers read them from there), but a write or sync error on the ledger's disk is "outcome
//   unknown" all the same (STYLE.md): failed() turns true for good, the writer stops on it,
//   and the thread makes no further attempt.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "ledger/detail/sqlite.hpp"
#include "ledger/result.hpp"

namespace cux::ledger {

struct checkpointer_counters {
    uint64_t rounds = 0;     // checkpoints run
    uint64_t failures = 0;   // rounds that returned an error
    std::string last_error;  // empty when none failed
};

class checkpointer {
public:
    // Opens its own connection to the ledger at `path` (which must exist), through `vfs`.
    [[nodiscard]] static result<std::unique_ptr<checkpointer>> open(const std::string& path,
                                                                    const std::string& vfs);
    ~checkpointer();
    checkpointer(const checkpointer&) = delete;
    checkpointer& operator=(const checkpointer&) = delete;

    void start();
    // Asks for a checkpoint soon; never blocks.
    void request();
    // Ends the thread after the round in progress, if any.
    void stop();
    [[nodiscard]] checkpointer_counters counters() const;
    [[nodiscard]] bool failed() const { return failed_.load(std::memory_order_acquire); }

private:
    checkpointer() = default;
    void run();

    detail::connection db_;
    std::thread thread_;
    std::atomic<uint32_t> requests_{0};  // bumped by request() and stop(); the thread waits on it
    std::atomic<bool> stopping_{false};
    std::atomic<bool> failed_{false};
    mutable std::mutex mu_;
    checkpointer_counters counters_;  // under mu_
};

}  // namespace cux::ledger
