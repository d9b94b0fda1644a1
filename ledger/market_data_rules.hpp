#pragma once
// Market data rules (issue 6, DESIGN.md §7): OHLCV bars with VWAP, and the SCU price indices.
// Pure computation over trades: no SQLite, no JSON, no clock. The market-data recorder
// (ledger/market_data_store.hpp) persists with these rules, the gateway's live model
// (gateway/market_stats.hpp) streams with them, and the REST routes compute indices with them
// from persisted trades, so every surface gives the same numbers for the same trades.
//
// Index methodology (written down in schemas/README.md "Market data", which points here):
// - Which trades count: every trade (continuous and auction, any tenor, job orders included) of
//   the set being indexed: the rolling index takes the trades stamped in the last
//   rolling_window_ns before its as-of time; a settled window index the trades of the hourly
//   (1h) instruments of one delivery hour. A chip or region filter narrows the set first.
// - Units: GPU and NPU classes are measured in SCU-hours (1 PFLOPS dense FP16 for one hour):
//   a trade of qty devices for h hours of a chip of G dense GFLOPS is qty x h x G / 1e6
//   SCU-hours. CPU classes are measured in vCPU-hours (qty x h) and get their own index.
// - Weights: an index is total compute money over total units, sum(price x qty x h) /
//   sum(units), i.e. each trade's price per unit weighted by its units (SCU-weighted).
// - Outliers: within the set, trades are grouped by chip x region; in a group of at least
//   outlier_min_trades trades, a trade priced more than outlier_band_pct percent away from the
//   group's device-hour-weighted median price is left out (counted in `excluded`). Groups of
//   one or two trades have no majority to judge by: nothing is excluded.
// - Published: price in 0.0001 CNY (0.01 fen) per unit, rounded half up; no trade that counts
//   -> no price (null), never a carried-forward or invented one; one trade -> its own price per
//   unit. East and west are the GPU/NPU trades of the regions the market file marks east or
//   west; the east-west spread is east minus west, only when both have a price.
// Threads: none of its own; every function is reentrant.

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "engine/event.hpp"
#include "engine/market.hpp"
#include "engine/symbol.hpp"
#include "engine/types.hpp"

namespace cux::ledger::md {

using engine::utc_ns;

enum class interval : uint8_t { m1 = 0, h1 = 1 };
inline constexpr int64_t interval_ns(interval i) {
    return i == interval::m1 ? int64_t{60} * engine::ns_per_s : engine::ns_per_hour;
}
inline constexpr const char* interval_name(interval i) { return i == interval::m1 ? "1m" : "1h"; }
// The start of the bar holding `ts` (floor to the interval; ts >= 0).
inline constexpr utc_ns bar_start(utc_ns ts, interval i) { return ts - ts % interval_ns(i); }

inline constexpr int64_t rolling_window_ns = engine::ns_per_hour;
inline constexpr int64_t outlier_min_trades = 3;
inline constexpr int64_t outlier_band_pct = 30;

// One trade as the tape and the indices see it: no identities.
struct tape_trade {
    uint64_t seq = 0;  // event seq
    utc_ns ts = 0;
    uint64_t trade_id = 0;
    uint32_t instrument = 0;  // engine::instrument_id value (chip, region, tenor, window)
    int64_t price_fen = 0;    // per device-hour
    int64_t qty = 0;          // devices
    int64_t compute_fen = 0;  // price x qty x window hours
    engine::side aggressor = engine::side::buy;
    bool auction = false;
};

// The tape's view of a trade event (precondition: e.type == engine::event_type::trade). The
// store and the gateway's live model both take trades through it, so bars and indices see the
// same fields.
[[nodiscard]] tape_trade tape_trade_of(const engine::event& e);

// OHLCV of one instrument over one interval. Prices in fen per device-hour.
struct bar {
    utc_ns start = 0;
    int64_t open = 0, high = 0, low = 0, close = 0;
    int64_t volume = 0;  // devices
    int64_t trades = 0;
    int64_t notional = 0;  // sum of price x qty (for the VWAP)
    int64_t turnover = 0;  // sum of price x qty x hours (compute money)

    // Adds a trade, in time order (the first one opens the bar).
    void add(int64_t price, int64_t qty, int64_t compute);
    // Merges a later part of the same bar (b's trades all came after this one's).
    void merge_later(const bar& b);
};
// sum(price x qty) / sum(qty), rounded half up to the fen; 0 when qty is 0.
[[nodiscard]] int64_t vwap_fen(int64_t notional, int64_t qty);

// ---- indices ----------------------------------------------------------------------------

struct index_value {
    std::optional<int64_t> price;  // 0.0001 CNY per unit
    int64_t trades = 0;            // trades that count
    int64_t excluded = 0;          // left out as outliers
    int64_t units_milli = 0;       // milli-PFLOPS-hours (or milli-vCPU-hours), rounded half up
};

struct index_set {
    index_value national, east, west;  // GPU/NPU, per PFLOPS-hour
    std::optional<int64_t> east_west_spread;
    std::vector<index_value> regions;  // by region index (GPU/NPU)
    std::vector<index_value> chips;    // by chip index (CPU chips: left empty)
    index_value cpu;                   // CPU classes, per vCPU-hour
    std::vector<index_value> cpu_regions;
    std::vector<index_value> cpu_chips;  // by chip index (GPU/NPU chips: left empty)
    // Every chip x region (chip * regions + region): per PFLOPS-hour, CPU chips per vCPU-hour.
    std::vector<index_value> cells;
};

struct index_filter {
    int chip = -1;  // -1: every chip
    int region = -1;
};

// The indices over `trades` (any order). Trades of instruments outside the market are ignored.
[[nodiscard]] index_set compute_index(const engine::market_config& m,
                                      std::span<const tape_trade> trades, const index_filter& f);

// Which trades a rolling index as of `as_of` takes: ts in (as_of - rolling_window_ns, as_of].
[[nodiscard]] inline bool in_rolling_window(utc_ns ts, utc_ns as_of) {
    return ts > as_of - rolling_window_ns && ts <= as_of;
}

}  // namespace cux::ledger::md
