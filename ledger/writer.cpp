#include "ledger/writer.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

namespace cux::ledger {

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
    w->loop_.attach();
    return w;
}

writer::writer(engine::spmc_ring<engine::event>& ring, writer_options o)
    : opts_(std::move(o)), loop_(ring, *this, opts_.on_failure) {
    latency_us_.reserve(std::min<std::size_t>(opts_.latency_samples_max, 4096));
}

writer::~writer() {
    loop_.stop();
    if (checkpointer_) checkpointer_->stop();
}

void writer::start() {
    if (checkpointer_) checkpointer_->start();
    loop_.start();
}

void writer::join() {
    loop_.join();
    if (checkpointer_) checkpointer_->stop();
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
    return lag_gate(loop_.published(), loop_.committed_items(), opts_.lag_events_max);
}

writer_counters writer::counters() const {
    writer_counters c;
    if (!loop_.running()) {
        c.recorded = rec_->counters();
        c.events_max_per_batch = batch_max_seen_;
    }
    c.batches = batches_.load(std::memory_order_relaxed);
    c.ring_events = loop_.ring_items();
    if (checkpointer_) c.checkpoints = checkpointer_->counters();
    return c;
}

bool writer::due(uint64_t pending, clock::duration open_for) const {
    // A batch is bounded by the events it covers and by the rows it writes (a settlement
    // writes six rows per event, a trade's command less than one), so batches cost alike.
    return pending >= opts_.batch_events || rec_->staged_rows() >= opts_.batch_events ||
           open_for >= std::chrono::milliseconds(opts_.batch_ms);
}

void writer::flush(bool force) {
    const bool effects = rec_->has_effects();
    batch_max_seen_ = std::max<uint64_t>(batch_max_seen_, rec_->staged_events());
    if (effects && opts_.wait_durable && !opts_.wait_durable(rec_->staged_cmd_seq())) {
        loop_.stop_recording(ledger_error{
            error_code::journal_failed,
            "the engine's journal failed before command " + std::to_string(rec_->staged_cmd_seq()) +
                " was durable: events after " + std::to_string(rec_->committed_seq()) +
                " are not recorded"});
        return;
    }
    const auto t0 = clock::now();
    const status s = rec_->commit(force);
    if (!s) {
        loop_.stop_recording(s.error());
        return;
    }
    if (effects) {
        const auto us = std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - t0);
        if (latency_us_.size() < opts_.latency_samples_max) {
            latency_us_.push_back(static_cast<uint32_t>(std::min<int64_t>(us.count(), UINT32_MAX)));
        }
        batches_.fetch_add(1, std::memory_order_relaxed);
    }
    committed_seq_.store(rec_->committed_seq(), std::memory_order_release);
    loop_.committed();
    const std::string ckpt_error = !rec_->checkpoint_error().empty() ? rec_->checkpoint_error()
                                   : checkpointer_ && checkpointer_->failed()
                                       ? checkpointer_->counters().last_error
                                       : std::string();
    if (!ckpt_error.empty()) {
        loop_.stop_recording(ledger_error{
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
        loop_.stop_recording(ledger_error{
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

}  // namespace cux::ledger
