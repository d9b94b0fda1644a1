#include "ledger/writer.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

namespace cux::ledger {

namespace {

using steady = std::chrono::steady_clock;

// Events handled per poll: the ring slots are released after each chunk, so the engine gets
// room back while a large backlog is being staged.
constexpr std::size_t poll_chunk = 1024;

}  // namespace

order_gate_state lag_gate(uint64_t published, uint64_t applied, uint64_t bound) {
    order_gate_state g;
    g.lag_events = published > applied ? published - applied : 0;
    g.lag_events_max = bound;
    if (g.lag_events > bound) {
        g.open = false;
        g.reason = "the ledger is " + std::to_string(g.lag_events) +
                   " events behind the engine (limit " + std::to_string(bound) +
                   "): new orders are refused until it catches up";
    }
    return g;
}

result<std::unique_ptr<writer>> writer::open(engine::spmc_ring<engine::event>& ring,
                                             writer_options o) {
    if (o.batch_events == 0 || o.batch_events > limits::batch_events_max) {
        return ledger_error{error_code::bad_request, "batch_events out of range"};
    }
    if (o.lag_events_max == 0) o.lag_events_max = ring.capacity() / 2;
    if (o.lag_events_max >= ring.capacity()) {
        return ledger_error{error_code::bad_request,
                            "lag_events_max must stay below the event ring's capacity, or the "
                            "engine blocks before new orders are refused"};
    }
    if (o.checkpoint_pages == 0 || o.checkpoint_pages >= o.wal_restart_pages ||
        o.wal_restart_pages >= o.wal_pages_max || o.wal_pages_max > limits::wal_pages_max) {
        return ledger_error{error_code::bad_request,
                            "want 0 < checkpoint_pages < wal_restart_pages < wal_pages_max <= " +
                                std::to_string(limits::wal_pages_max)};
    }
    o.db.autocheckpoint_pages = o.background_checkpoints ? o.wal_restart_pages : o.checkpoint_pages;
    auto rec = recorder::open(o.db);
    if (!rec) return rec.error();
    std::unique_ptr<checkpointer> ckpt;
    if (o.background_checkpoints) {
        auto k = checkpointer::open(o.db.path, o.db.vfs);
        if (!k) return k.error();
        ckpt = std::move(k.value());
    }
    std::unique_ptr<writer> w(new writer(ring, std::move(o)));
    w->rec_ = std::move(rec.value());
    w->checkpointer_ = std::move(ckpt);
    w->position_at_open_ = w->rec_->committed_seq();
    w->settings_ = w->rec_->settings();
    w->committed_seq_.store(w->position_at_open_, std::memory_order_release);
    w->id_ = ring.add_consumer();
    return w;
}

writer::writer(engine::spmc_ring<engine::event>& ring, writer_options o)
    : ring_(ring), opts_(std::move(o)) {
    latency_us_.reserve(std::min<std::size_t>(opts_.latency_samples_max, 4096));
}

writer::~writer() {
    if (thread_.joinable()) {
        ring_.close();
        thread_.join();
    }
    if (checkpointer_) checkpointer_->stop();
}

void writer::start() {
    CUX_ASSERT(!thread_.joinable());
    if (checkpointer_) checkpointer_->start();
    thread_ = std::thread([this] { run(); });
}

void writer::join() {
    if (thread_.joinable()) thread_.join();
    if (checkpointer_) checkpointer_->stop();
}

ledger_error writer::failure() const {
    std::lock_guard lock(failure_mu_);
    return failure_;
}

order_gate_state writer::order_gate() const {
    if (!failed() && checkpointer_ && checkpointer_->failed()) {
        // The writer stops on it at its next commit; no new order meanwhile.
        order_gate_state g;
        g.open = false;
        g.lag_events_max = opts_.lag_events_max;
        g.reason = "the ledger's checkpoint failed (outcome unknown: " +
                   checkpointer_->counters().last_error + "): new orders are refused";
        return g;
    }
    if (failed()) {
        order_gate_state g;
        g.open = false;
        g.lag_events_max = opts_.lag_events_max;
        g.reason = "the ledger has stopped (" + failure().message + "): new orders are refused";
        return g;
    }
    return lag_gate(ring_.published(), done_items_.load(std::memory_order_acquire),
                    opts_.lag_events_max);
}

writer_counters writer::counters() const {
    writer_counters c;
    if (!thread_.joinable()) {
        c.recorded = rec_->counters();
        c.events_max_per_batch = batch_max_seen_;
    }
    c.batches = batches_.load(std::memory_order_relaxed);
    c.ring_events = ring_events_.load(std::memory_order_relaxed);
    if (checkpointer_) c.checkpoints = checkpointer_->counters();
    return c;
}

void writer::stop_recording(ledger_error e) {
    {
        std::lock_guard lock(failure_mu_);
        if (failure_.code != error_code::none) return;
        failure_ = e;
    }
    failed_.store(true, std::memory_order_release);
    if (opts_.on_failure) opts_.on_failure(e);
}

void writer::flush(bool force) {
    if (failed()) return;
    const bool effects = rec_->has_effects();
    batch_max_seen_ = std::max<uint64_t>(batch_max_seen_, rec_->staged_events());
    if (effects && opts_.wait_durable && !opts_.wait_durable(rec_->staged_cmd_seq())) {
        stop_recording(ledger_error{
            error_code::journal_failed,
            "the engine's journal failed before command " + std::to_string(rec_->staged_cmd_seq()) +
                " was durable: events after " + std::to_string(rec_->committed_seq()) +
                " are not recorded"});
        return;
    }
    const auto t0 = steady::now();
    const status s = rec_->commit(force);
    if (!s) {
        stop_recording(s.error());
        return;
    }
    if (effects) {
        const auto us = std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - t0);
        if (latency_us_.size() < opts_.latency_samples_max) {
            latency_us_.push_back(static_cast<uint32_t>(std::min<int64_t>(us.count(), UINT32_MAX)));
        }
        batches_.fetch_add(1, std::memory_order_relaxed);
    }
    committed_seq_.store(rec_->committed_seq(), std::memory_order_release);
    done_local_ = taken_;
    done_items_.store(taken_, std::memory_order_release);
    const std::string ckpt_error = !rec_->checkpoint_error().empty() ? rec_->checkpoint_error()
                                   : checkpointer_ && checkpointer_->failed()
                                       ? checkpointer_->counters().last_error
                                       : std::string();
    if (!ckpt_error.empty()) {
        stop_recording(ledger_error{
            error_code::outcome_unknown,
            "outcome unknown: " + ckpt_error +
                " (the database file could not be written or synced); the ledger stopped at "
                "event " +
                std::to_string(rec_->committed_seq()) + ", restart to re-read its position"});
        return;
    }
    const int frames = rec_->wal_frames();
    if (frames > static_cast<int>(opts_.wal_pages_max)) {
        const std::string last = checkpointer_ ? checkpointer_->counters().last_error : "";
        stop_recording(ledger_error{
            error_code::io, "the ledger's WAL holds " + std::to_string(frames) + " pages (limit " +
                                std::to_string(opts_.wal_pages_max) +
                                "): checkpoints fail or a reader holds a snapshot that old" +
                                (last.empty() ? "" : "; last checkpoint error: " + last)});
        return;
    }
    if (checkpointer_) {
        if (frames < checkpoint_asked_at_) checkpoint_asked_at_ = 0;  // the WAL restarted
        // Past wal_restart_pages the commits checkpoint themselves so that the WAL restarts;
        // the checkpointer stays idle then, or it would keep them from the checkpoint lock.
        if (frames - checkpoint_asked_at_ >= static_cast<int>(opts_.checkpoint_pages) &&
            frames < static_cast<int>(opts_.wal_restart_pages)) {
            checkpoint_asked_at_ = frames;
            checkpointer_->request();
        }
    }
}

void writer::run() {
    auto batch_start = steady::now();
    for (;;) {
        std::size_t avail = ring_.available(id_);
        if (avail == 0) {
            // Nothing more is waiting: commit what is staged now (group commit), then park.
            if (taken_ != done_local_ && !failed()) {
                flush(false);
                continue;
            }
            avail = ring_.wait_available(id_);
            if (avail == 0) break;  // closed and drained
        }
        if (failed()) {
            // Keep the ring moving so the engine never waits for a dead ledger.
            const std::size_t n = ring_.poll(
                id_, [](const engine::event&) {}, avail);
            ring_events_.fetch_add(n, std::memory_order_relaxed);
            continue;
        }
        if (taken_ == done_local_) batch_start = steady::now();
        bool ok = true;
        const std::size_t n = ring_.poll(
            id_,
            [&](const engine::event& e) {
                if (ok && !rec_->apply(e)) ok = false;
            },
            std::min(avail, poll_chunk));
        taken_ += n;
        ring_events_.fetch_add(n, std::memory_order_relaxed);
        if (!ok) {
            stop_recording(rec_->failure());
            continue;
        }
        // A batch is bounded by the events it covers and by the rows it writes (a settlement
        // writes six rows per event, a trade's command less than one), so batches cost alike.
        if (taken_ - done_local_ >= opts_.batch_events ||
            rec_->staged_rows() >= opts_.batch_events ||
            steady::now() - batch_start >= std::chrono::milliseconds(opts_.batch_ms)) {
            flush(false);
        }
    }
    flush(true);
}

}  // namespace cux::ledger
