#include "ledger/market_data_writer.hpp"

#include <algorithm>
#include <chrono>

#include "ledger/limits.hpp"

namespace cux::ledger {

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
    w->loop_.attach();
    return w;
}

md_writer::~md_writer() { loop_.stop(); }

void md_writer::start() { loop_.start(); }

void md_writer::join() { loop_.join(); }

std::string md_writer::order_gate() const {
    if (failed()) {
        return "market data stopped recording (" + failure().message +
               "): new orders are refused until restart";
    }
    const uint64_t pub = loop_.published();
    const uint64_t done = loop_.committed_items();
    const uint64_t lag = pub > done ? pub - done : 0;
    if (lag > opts_.lag_events_max) {
        return "market data is " + std::to_string(lag) + " events behind the engine (limit " +
               std::to_string(opts_.lag_events_max) +
               "): new orders are refused until it catches up";
    }
    return {};
}

void md_writer::flush(bool force) {
    if (store_->has_effects() && opts_.wait_durable &&
        !opts_.wait_durable(store_->staged_cmd_seq())) {
        loop_.stop_recording(
            ledger_error{error_code::journal_failed, "the engine's journal failed before command " +
                                                         std::to_string(store_->staged_cmd_seq()) +
                                                         " was durable: market data after event " +
                                                         std::to_string(store_->committed_seq()) +
                                                         " is not recorded"});
        return;
    }
    if (const status s = store_->commit(force); !s) {
        loop_.stop_recording(s.error());
        return;
    }
    committed_seq_.store(store_->committed_seq(), std::memory_order_release);
    loop_.committed();
}

}  // namespace cux::ledger
