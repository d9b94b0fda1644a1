#include "ledger/detail/batch_thread.hpp"

#include <algorithm>
#include <utility>

namespace cux::ledger::detail {

void batch_thread::start() {
    CUX_ASSERT(!thread_.joinable());
    thread_ = std::thread([this] { run(); });
}

void batch_thread::join() {
    if (thread_.joinable()) thread_.join();
}

void batch_thread::stop() {
    if (thread_.joinable()) {
        ring_.close();
        thread_.join();
    }
}

ledger_error batch_thread::failure() const {
    std::lock_guard lock(failure_mu_);
    return failure_;
}

void batch_thread::stop_recording(ledger_error e) {
    {
        std::lock_guard lock(failure_mu_);
        if (failure_.code != error_code::none) return;
        failure_ = e;
    }
    failed_.store(true, std::memory_order_release);
    if (on_failure_) on_failure_(e);
}

void batch_thread::run() {
    using clock = batch_sink::clock;
    auto batch_start = clock::now();
    for (;;) {
        std::size_t avail = ring_.available(id_);
        if (avail == 0) {
            // Nothing more is waiting: commit what is staged now (group commit), then park.
            if (!failed() && (taken_ != done_local_ || sink_.holds_more())) {
                sink_.flush(false);
                continue;
            }
            avail = ring_.wait_available(id_);
            if (avail == 0) break;  // closed and drained
        }
        if (failed()) {
            // Keep the ring moving so the engine never waits for a dead store.
            const std::size_t n = ring_.poll(
                id_, [](const engine::event&) {}, avail);
            ring_items_.fetch_add(n, std::memory_order_relaxed);
            continue;
        }
        if (sink_.batch_empty(taken_ - done_local_)) batch_start = clock::now();
        bool ok = true;
        const std::size_t n = ring_.poll(
            id_,
            [&](const engine::event& e) {
                if (ok && !sink_.stage(e)) ok = false;
            },
            std::min(avail, poll_chunk));
        taken_ += n;
        ring_items_.fetch_add(n, std::memory_order_relaxed);
        if (!ok) {
            stop_recording(sink_.stage_failure());
            continue;
        }
        if (sink_.due(taken_ - done_local_, clock::now() - batch_start)) sink_.flush(false);
    }
    if (!failed()) sink_.flush(true);
}

}  // namespace cux::ledger::detail
