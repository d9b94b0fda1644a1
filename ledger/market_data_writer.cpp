#include "ledger/market_data_writer.hpp"

#include <algorithm>
#include <chrono>

#include "ledger/limits.hpp"

namespace cux::ledger {

namespace {
using steady = std::chrono::steady_clock;
constexpr std::size_t poll_chunk = 1024;
}  // namespace

result<std::unique_ptr<md_writer>> md_writer::open(engine::spmc_ring<engine::event>& ring,
                                                   md_writer_options o) {
    if (o.batch_events == 0 || o.batch_events > limits::batch_events_max) {
        return ledger_error{error_code::bad_request, "batch_events out of range"};
    }
    if (o.lag_events_max == 0) o.lag_events_max = ring.capacity() / 2;
    if (o.lag_events_max >= ring.capacity()) {
        return ledger_error{error_code::bad_request,
                            "lag_events_max must stay below the event ring's capacity"};
    }
    auto s = md_store::open(o.path, o.utc_offset_hours, o.gate_closure_s);
    if (!s) return s.error();
    std::unique_ptr<md_writer> w(new md_writer(ring, std::move(o)));
    w->store_ = std::move(s.value());
    w->position_at_open_ = w->store_->committed_seq();
    w->committed_seq_.store(w->position_at_open_, std::memory_order_release);
    w->id_ = ring.add_consumer();
    return w;
}

md_writer::~md_writer() {
    if (thread_.joinable()) {
        ring_.close();
        thread_.join();
    }
}

void md_writer::start() {
    CUX_ASSERT(!thread_.joinable());
    thread_ = std::thread([this] { run(); });
}

void md_writer::join() {
    if (thread_.joinable()) thread_.join();
}

ledger_error md_writer::failure() const {
    std::lock_guard lock(failure_mu_);
    return failure_;
}

std::string md_writer::order_gate() const {
    if (failed()) {
        return "market data stopped recording (" + failure().message +
               "): new orders are refused until restart";
    }
    const uint64_t pub = ring_.published();
    const uint64_t done = done_items_.load(std::memory_order_acquire);
    const uint64_t lag = pub > done ? pub - done : 0;
    if (lag > opts_.lag_events_max) {
        return "market data is " + std::to_string(lag) + " events behind the engine (limit " +
               std::to_string(opts_.lag_events_max) +
               "): new orders are refused until it catches up";
    }
    return {};
}

void md_writer::stop_recording(const ledger_error& e) {
    {
        std::lock_guard lock(failure_mu_);
        if (failure_.code != error_code::none) return;
        failure_ = e;
    }
    failed_.store(true, std::memory_order_release);
    if (opts_.on_failure) opts_.on_failure(e);
}

void md_writer::flush(bool force) {
    if (failed()) return;
    if (store_->has_effects() && opts_.wait_durable &&
        !opts_.wait_durable(store_->staged_cmd_seq())) {
        stop_recording(
            ledger_error{error_code::journal_failed, "the engine's journal failed before command " +
                                                         std::to_string(store_->staged_cmd_seq()) +
                                                         " was durable: market data after event " +
                                                         std::to_string(store_->committed_seq()) +
                                                         " is not recorded"});
        return;
    }
    if (const status s = store_->commit(force); !s) {
        stop_recording(s.error());
        return;
    }
    committed_seq_.store(store_->committed_seq(), std::memory_order_release);
    done_local_ = taken_;
    done_items_.store(taken_, std::memory_order_release);
}

void md_writer::run() {
    auto batch_start = steady::now();
    for (;;) {
        std::size_t avail = ring_.available(id_);
        if (avail == 0) {
            if (taken_ != done_local_ && !failed()) {
                flush(false);
                continue;
            }
            avail = ring_.wait_available(id_);
            if (avail == 0) break;  // closed and drained
        }
        if (failed()) {
            // Keep the ring moving: the engine never waits for dead market data.
            taken_ += ring_.poll(
                id_, [](const engine::event&) {}, avail);
            done_items_.store(taken_, std::memory_order_release);
            continue;
        }
        if (taken_ == done_local_) batch_start = steady::now();
        bool ok = true;
        taken_ += ring_.poll(
            id_,
            [&](const engine::event& e) {
                if (ok && !store_->apply(e)) ok = false;
            },
            std::min(avail, poll_chunk));
        if (!ok) {
            stop_recording(store_->failure());
            continue;
        }
        if (taken_ - done_local_ >= opts_.batch_events ||
            steady::now() - batch_start >= std::chrono::milliseconds(opts_.batch_ms)) {
            flush(false);
        }
    }
    flush(true);
}

}  // namespace cux::ledger
