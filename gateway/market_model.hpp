#pragma once
// The public market read model, built only from events (never by reading the exchange, whose
// state belongs to the engine thread): listed instruments and their status, each book's price
// levels (absolute totals from book_level events), and each instrument's recent trades.
//
// Threads: the gateway's event consumer is the only writer; it applies events under
// write_lock(). Request threads read under the shared lock the read functions take themselves
// and get copies, never references into the model. The engine thread never touches it.
// Limits: instruments are those the engine lists (delisted here when the engine delists them,
// at settlement + retention); limits::trades_per_instrument trades kept per instrument.

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/event.hpp"
#include "engine/market.hpp"
#include "engine/symbol.hpp"
#include "gateway/market_stats.hpp"

namespace cux::gateway {

struct instrument_row {
    engine::instrument_id id;
    engine::instrument_key key;
    engine::instrument_status status = engine::instrument_status::pre_open;
    int64_t reference_fen = 0;
    int64_t band_low_fen = 0;
    int64_t band_high_fen = 0;
    int64_t settlement_fen = 0;
};

struct level_row {
    int64_t price_fen = 0;
    int64_t qty = 0;
};

struct book_snapshot {
    uint64_t seq = 0;             // event seq of the book's last change (0: never changed)
    std::vector<level_row> bids;  // best (highest) first
    std::vector<level_row> asks;  // best (lowest) first
};

struct trade_row {
    uint64_t trade_id = 0;
    uint64_t seq = 0;  // the trade event's seq
    int64_t price_fen = 0;
    int64_t qty = 0;
    engine::side aggressor = engine::side::buy;
    bool auction = false;
    engine::utc_ns ts = 0;
};

struct instrument_filter {
    int chip = -1;  // -1: any
    int region = -1;
    std::optional<engine::instrument_status> status;
};

class market_model {
public:
    explicit market_model(const engine::market_config& m);

    // ---- the consumer thread ----
    [[nodiscard]] std::unique_lock<std::shared_mutex> write_lock() { return std::unique_lock(mu_); }
    // Under write_lock().
    void apply(const engine::event& e);

    // ---- any thread ----
    // Instruments in window order (start, tenor, chip, region).
    [[nodiscard]] std::vector<instrument_row> instruments(const instrument_filter& f) const;
    [[nodiscard]] std::optional<instrument_row> instrument(engine::instrument_id id) const;
    // False when the instrument is not listed.
    bool book(engine::instrument_id id, std::size_t depth, book_snapshot& out) const;
    // Newest first, trades with seq < before_seq (0: from the newest). False when not listed.
    bool trades(engine::instrument_id id, std::size_t limit, uint64_t before_seq,
                std::vector<trade_row>& out) const;
    // Bars and the rolling index (issue 6); it locks itself.
    [[nodiscard]] const market_stats& stats() const { return stats_; }

private:
    struct entry {
        instrument_row row;
        std::map<int64_t, int64_t, std::greater<>> bids;  // price -> qty
        std::map<int64_t, int64_t> asks;
        uint64_t book_seq = 0;
        std::deque<trade_row> trades;  // oldest first
    };
    struct delisting {
        engine::utc_ns at = 0;
        engine::instrument_id id;
    };

    static uint64_t order_key(const engine::instrument_key& k);
    entry* find(engine::instrument_id id);
    const entry* find(engine::instrument_id id) const;
    void delist_due(engine::utc_ns now);

    const engine::market_config& market_;
    mutable std::shared_mutex mu_;
    std::map<uint64_t, entry> by_order_;                  // window order -> instrument
    std::unordered_map<uint32_t, uint64_t> order_of_id_;  // instrument id -> window order
    std::deque<delisting> delist_;                        // settled instruments, by time
    market_stats stats_;
};

}  // namespace cux::gateway
