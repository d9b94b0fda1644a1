#pragma once
// The market-data recorder: ONE thread that consumes the engine's event ring with its own
// cursor and records the tape, bars and settlements (ledger/market_data_store.hpp) in batched
// transactions, the way the ledger writer does (ledger/writer.hpp), into DIR/marketdata.db.
//
// Threads: open() from the owner before the ring's producer starts (it registers a consumer:
//   before pipeline::replay(), whose replayed events it records when it does not have them
//   yet); start(); join() after the ring is closed (pipeline::stop()).
// Exactly once: the store skips events at or below its position (md_state.last_seq, committed
//   in the same transaction as the rows), so a restart, which replays the whole journal,
//   records each event once. Before a batch commits, wait_durable(highest command seq) must
//   say the journal has it on disk, so a crash never leaves market data ahead of the journal.
// Never blocks the engine: on any failure it stops recording (on_failure once) and keeps
//   draining the ring; order_gate() says "closed" when it lags more than lag_events_max events
//   (published, not yet committed) or has failed, and `cux serve` adds that to the order gate,
//   so new orders stop before the ring could fill and wait on SQLite.
// Limits: a batch commits when the ring is empty, at batch_events events, or after batch_ms.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "engine/event.hpp"
#include "engine/ring.hpp"
#include "ledger/detail/batch_thread.hpp"
#include "ledger/market_data_store.hpp"
#include "ledger/result.hpp"

namespace cux::ledger {

struct md_writer_options {
    std::string path;  // DIR/marketdata.db
    int64_t utc_offset_hours = 8;
    int64_t gate_closure_s = 900;
    std::size_t batch_events = 8192;
    uint32_t batch_ms = 200;
    uint64_t lag_events_max = 0;  // 0: half the ring's capacity
    std::function<bool(uint64_t cmd_seq)> wait_durable;
    std::function<void(const ledger_error&)> on_failure;
};

class md_writer : private detail::batch_sink {
public:
    [[nodiscard]] static result<std::unique_ptr<md_writer>> open(
        engine::spmc_ring<engine::event>& ring, md_writer_options o);
    ~md_writer();
    md_writer(const md_writer&) = delete;
    md_writer& operator=(const md_writer&) = delete;

    void start();
    void join();

    [[nodiscard]] uint64_t committed_seq() const {
        return committed_seq_.load(std::memory_order_acquire);
    }
    [[nodiscard]] uint64_t position_at_open() const { return position_at_open_; }
    [[nodiscard]] bool failed() const { return loop_.failed(); }
    [[nodiscard]] ledger_error failure() const { return loop_.failure(); }
    // "" while new orders may be accepted, else one line why not.
    [[nodiscard]] std::string order_gate() const;

private:
    md_writer(engine::spmc_ring<engine::event>& ring, md_writer_options o)
        : opts_(std::move(o)), loop_(ring, *this, opts_.on_failure) {}
    // batch_sink (the writer thread, detail/batch_thread.hpp).
    bool stage(const engine::event& e) override { return store_->apply(e).ok(); }
    [[nodiscard]] ledger_error stage_failure() const override { return store_->failure(); }
    [[nodiscard]] bool due(uint64_t pending, clock::duration open_for) const override {
        return pending >= opts_.batch_events ||
               open_for >= std::chrono::milliseconds(opts_.batch_ms);
    }
    void flush(bool force) override;

    md_writer_options opts_;
    std::unique_ptr<md_store> store_;
    uint64_t position_at_open_ = 0;
    std::atomic<uint64_t> committed_seq_{0};
    detail::batch_thread loop_;  // last: its thread stops before the members it uses go
};

}  // namespace cux::ledger
