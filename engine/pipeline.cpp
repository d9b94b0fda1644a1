#include "engine/pipeline.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

namespace cux::engine {

utc_ns system_clock_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Stages events on the ring; the engine thread commits them (and the count) once per batch.
class pipeline::ring_sink final : public event_sink {
public:
    ring_sink(spmc_ring<event>& ring, std::atomic<uint64_t>& count) : ring_(ring), count_(count) {}
    void on_event(const event& e) override {
        event* slot = ring_.claim();
        if (slot == nullptr) return;  // closed by an abort: nobody is listening any more
        *slot = e;
        ++staged_;
    }
    void commit() {
        ring_.commit();
        count_.fetch_add(staged_, std::memory_order_relaxed);
        staged_ = 0;
    }

private:
    spmc_ring<event>& ring_;
    std::atomic<uint64_t>& count_;
    uint64_t staged_ = 0;
};

// Replay without publishing: events of already-processed commands are dropped.
class pipeline::null_sink final : public event_sink {
public:
    void on_event(const event&) override {}
};

pipeline::pipeline(machine& m, pipeline_options opts)
    : machine_(m),
      opts_(std::move(opts)),
      commands_(opts_.command_ring_capacity),
      events_(opts_.event_ring_capacity),
      journal_(journal_options{
          .dir = journal_dir(opts_.data_dir),
          .segment_bytes_max = opts_.segment_bytes_max,
          .sync = opts_.sync,
          .ring_capacity = opts_.journal_ring_capacity,
          .batch_max = std::size_t{4096},
          .io = opts_.io,
      }),
      batch_(opts_.batch_max) {
    CUX_ASSERT(opts_.batch_max > 0);
    if (!opts_.clock) opts_.clock = system_clock_ns;
}

pipeline::~pipeline() { stop(); }

replay_result pipeline::replay(const replay_progress& progress) {
    CUX_ASSERT(!replayed_ && !started_);
    replayed_ = true;
    replay_result res;
    journal_reader reader(journal_dir(opts_.data_dir));
    ring_sink publish(events_, events_published_);
    null_sink discard;
    event_sink& sink = opts_.publish_replayed_events ? static_cast<event_sink&>(publish)
                                                     : static_cast<event_sink&>(discard);
    command c;
    bool seq_ok = true;
    while (reader.next(c)) {
        // The machine starts empty (no snapshot yet), so the journal must start at seq 1.
        if (c.seq != last_seq_ + 1) {
            seq_ok = false;
            break;
        }
        machine_.apply(c, sink);
        if (opts_.publish_replayed_events) events_.commit();
        last_seq_ = c.seq;
        last_ts_ = c.ts;
        ++res.commands;
        if (progress && res.commands % replay_progress_every == 0) {
            progress(res.commands, reader.result().bytes);
        }
    }
    res.scan = reader.result();
    const bool readable =
        res.scan.status == tail_status::clean || res.scan.status == tail_status::torn;
    if (!seq_ok || (readable && res.scan.next_seq != last_seq_ + 1)) {
        res.scan.status = tail_status::corrupt;
        res.scan.what = "journal starts at seq " +
                        std::to_string(seq_ok ? res.scan.next_seq : c.seq) +
                        ", but replay starts from an empty state (seq 1)";
    }
    if (res.scan.status == tail_status::torn) {
        std::string err;
        if (!truncate_torn_tail(res.scan, err)) {
            res.scan.status = tail_status::io_error;
            res.scan.what = "truncating the torn tail failed: " + err;
        }
    }
    if (progress) progress(res.commands, res.scan.bytes);
    replayed_count_.store(res.commands, std::memory_order_relaxed);
    last_seq_pub_.store(last_seq_, std::memory_order_release);
    scan_ = res.scan;
    return res;
}

bool pipeline::start() {
    CUX_ASSERT(replayed_ && !started_ && !stopped_);
    started_ = true;
    const replay_result check{scan_, 0};
    if (!check.ok()) {
        error_ = std::string("journal is ") + tail_status_name(scan_.status) + ": " + scan_.file +
                 " at offset " + std::to_string(scan_.offset) + ": " + scan_.what;
        return false;
    }
    if (!journal_.open(scan_)) {
        error_ = journal_.error();
        return false;
    }
    engine_thread_ = std::thread([this] { run_engine(); });
    if (opts_.tick_interval_ms != 0) clock_thread_ = std::thread([this] { run_clock(); });
    return true;
}

void pipeline::run_engine() {
    ring_sink sink(events_, events_published_);
    for (;;) {
        const std::size_t n = commands_.pop_batch_wait(batch_.data(), batch_.size());
        if (n == 0) break;  // closed and drained
        std::size_t i = 0;
        for (; i < n; ++i) {
            command& c = batch_[i];
            c.seq = last_seq_ + 1;
            last_ts_ = std::max(last_ts_, opts_.clock());
            c.ts = last_ts_;
            if (!journal_.append(c)) break;  // journal failed: not journaled, so not applied
            last_seq_ = c.seq;
            machine_.apply(c, sink);
        }
        sink.commit();
        last_seq_pub_.store(last_seq_, std::memory_order_release);
        applied_.fetch_add(i, std::memory_order_relaxed);
        batches_.fetch_add(1, std::memory_order_relaxed);
        if (i != n) {
            // Outcome unknown from here on: accept nothing more, apply nothing more.
            journal_failed_.store(true, std::memory_order_release);
            commands_.close();
            break;
        }
    }
}

void pipeline::run_clock() {
    const auto interval = std::chrono::milliseconds(opts_.tick_interval_ms);
    auto next = std::chrono::steady_clock::now() + interval;
    std::unique_lock lock(clock_mu_);
    for (;;) {
        if (clock_cv_.wait_until(lock, next, [this] { return clock_stop_; })) return;
        const auto now = std::chrono::steady_clock::now();
        next += interval;
        if (next <= now) next = now + interval;  // fell behind (suspended?): no burst of ticks
        command tick{};
        tick.type = command_type::tick;
        tick.actor = participant_id{0};
        lock.unlock();
        const bool ok = commands_.push(tick);
        lock.lock();
        if (!ok) return;
        ticks_.fetch_add(1, std::memory_order_relaxed);
    }
}

void pipeline::stop() {
    if (stopped_) return;
    stopped_ = true;
    {
        std::lock_guard lock(clock_mu_);
        clock_stop_ = true;
    }
    clock_cv_.notify_all();
    if (clock_thread_.joinable()) clock_thread_.join();
    commands_.close();
    if (engine_thread_.joinable()) engine_thread_.join();
    journal_.stop();
    events_.close();
}

bool pipeline::failed() const {
    return journal_failed_.load(std::memory_order_acquire) || journal_.failed();
}

std::string pipeline::error() const {
    if (journal_.failed()) return journal_.error();
    return error_;
}

pipeline_counters pipeline::counters() const {
    pipeline_counters c;
    c.commands_applied = applied_.load(std::memory_order_relaxed);
    c.commands_replayed = replayed_count_.load(std::memory_order_relaxed);
    c.batches = batches_.load(std::memory_order_relaxed);
    c.events_published = events_published_.load(std::memory_order_relaxed);
    c.ticks = ticks_.load(std::memory_order_relaxed);
    c.journal = journal_.counters();
    return c;
}

}  // namespace cux::engine
