#pragma once
// The gateway's live market data for the stream and the rolling index (issue 6): each listed
// instrument's newest bars (1m and 1h), and the trades of the last hour for the rolling SCU
// indices, built from events with the rules of ledger/market_data_rules.hpp. History (any past
// range, after a restart) is read from the market-data store instead (DIR/marketdata.db); both
// come from the same events by the same rules, so they agree.
//
// Threads: the event consumer applies events (market_model::apply forwards them); readers on any
// thread take the shared lock inside each read function and get copies.
// Limits: limits::stream_snapshot_bars bars per instrument and interval; the rolling window
// holds at most limits::rolling_trades_max trades (past it the oldest are dropped early and
// `trades_dropped` counts them: the index then covers less than the full hour).

#include <cstdint>
#include <deque>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

#include "engine/event.hpp"
#include "engine/market.hpp"
#include "ledger/market_data_rules.hpp"

namespace cux::gateway {

struct rolling_index {
    ledger::md::index_set set;
    engine::utc_ns as_of = 0;
    uint64_t seq = 0;  // event seq of the last event applied
};

class market_stats {
public:
    explicit market_stats(const engine::market_config& m) : market_(m) {}

    // The consumer thread (under market_model's write lock): every event, in order.
    void apply(const engine::event& e);

    // Any thread. The newest `n` bars of an instrument, oldest first.
    [[nodiscard]] std::vector<ledger::md::bar> bars(uint32_t instrument, ledger::md::interval iv,
                                                    std::size_t n) const;
    // The bar of an instrument starting at `start` (zero trades when none).
    [[nodiscard]] ledger::md::bar bar_at(uint32_t instrument, ledger::md::interval iv,
                                         engine::utc_ns start) const;
    // The rolling indices as of the last event applied, filtered.
    [[nodiscard]] rolling_index index(const ledger::md::index_filter& f) const;
    [[nodiscard]] engine::utc_ns as_of() const;
    // Counts every change of the rolling window's trades: one added, or aged out of the hour.
    // The stream's index channel publishes when it moved.
    [[nodiscard]] uint64_t rolling_changes() const;
    [[nodiscard]] uint64_t trades_dropped() const;

private:
    struct series {
        std::deque<ledger::md::bar> m1, h1;
    };
    void expire(engine::utc_ns now);

    const engine::market_config& market_;
    mutable std::shared_mutex mu_;
    std::unordered_map<uint32_t, series> bars_;
    std::deque<ledger::md::tape_trade> rolling_;
    engine::utc_ns as_of_ = 0;
    uint64_t seq_ = 0;
    uint64_t dropped_ = 0;
    uint64_t changes_ = 0;
};

}  // namespace cux::gateway
