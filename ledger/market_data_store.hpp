#pragma once
// Persisted market data (issue 6): the trade tape, OHLCV bars (1m, 1h) and official settlement
// prices, in their own SQLite file (DIR/marketdata.db: its writer never contends with the
// ledger's for cux.db's lock). The rules are ledger/market_data_rules.hpp; this file only stores
// and reads. Tables (schema below, in market_data_store.cpp; schemas/README.md "Market data"):
//   md_state        id 1: schema_version, last_seq (the last engine event applied), last_ts
//   md_trades       the tape: one row per trade, by event seq; no identities
//   md_bars         (instrument, interval_s, start) -> OHLCV, trades, notional, turnover
//   md_settlements  one row per instrument that reached gate closure: price and method as the
//                   engine set them (engine/settlement.hpp), the closing auction's volume, and
//                   the instrument's whole-life volume, trades and VWAP
//
// store: the writer side. apply() stages an event in memory (events at or below the position
//   are skipped: the journal replays from the start on every restart, and each event is
//   recorded exactly once); commit() writes everything staged and the position in ONE
//   transaction (WAL, synchronous=NORMAL: a commit lost in a power cut rolls back with its
//   position and is recorded again from the journal). Thread: one at a time.
// md_reader: read-only connection for the gateway and the CLI; one per thread.
// Errors: result/status values (ledger/result.hpp); a failed write leaves the store failed.
// Limits: reads return at most md_rows_max rows (trades for an index: md_index_trades_max,
//   else bad_request).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/event.hpp"
#include "ledger/detail/sqlite.hpp"
#include "ledger/market_data_rules.hpp"
#include "ledger/result.hpp"

namespace cux::ledger {

inline constexpr std::size_t md_rows_max = 5'000;
inline constexpr std::size_t md_index_trades_max = 1'000'000;
inline constexpr int64_t md_schema_version = 1;

struct settlement_row {
    uint32_t instrument = 0;
    engine::utc_ns window_start = 0;
    engine::utc_ns gate_closure = 0;
    int64_t local_day = 0;  // days since 1970-01-01 of the window start in market local time
    int64_t price_fen = 0;  // 0: none
    engine::settlement_method method = engine::settlement_method::none;
    int64_t auction_volume = 0;
    int64_t volume = 0;
    int64_t trades = 0;
    int64_t notional = 0;  // sum of price x qty over the instrument's life
    uint64_t seq = 0;
    engine::utc_ns ts = 0;
};

struct md_position {
    uint64_t last_seq = 0;
    engine::utc_ns last_ts = 0;
};

class md_store {
public:
    // Opens (creates) the file and finds the position. utc_offset_hours: the market's local
    // time (calendar), for settlement days; gate_closure_s for gate closure times.
    [[nodiscard]] static result<std::unique_ptr<md_store>> open(const std::string& path,
                                                                int64_t utc_offset_hours,
                                                                int64_t gate_closure_s);
    ~md_store();
    md_store(const md_store&) = delete;
    md_store& operator=(const md_store&) = delete;

    status apply(const engine::event& e);
    // One transaction for everything staged; with nothing staged only the in-memory position
    // moves, unless `force` (the position row is brought up to date).
    status commit(bool force = false);

    [[nodiscard]] uint64_t committed_seq() const { return committed_seq_; }
    [[nodiscard]] uint64_t staged_seq() const { return staged_seq_; }
    [[nodiscard]] uint64_t staged_cmd_seq() const { return staged_cmd_seq_; }
    [[nodiscard]] std::size_t staged_rows() const {
        return trades_.size() + bars_.size() + settlements_.size();
    }
    [[nodiscard]] bool has_effects() const { return staged_rows() > 0; }
    [[nodiscard]] bool failed() const { return failure_.code != error_code::none; }
    [[nodiscard]] const ledger_error& failure() const { return failure_; }

private:
    struct bar_key {
        uint32_t instrument;
        md::interval iv;
        int64_t start;
        bool operator==(const bar_key&) const = default;
    };
    struct bar_key_hash {
        std::size_t operator()(const bar_key& k) const {
            return std::hash<int64_t>()(k.start) ^ (std::size_t{k.instrument} << 1) ^
                   static_cast<std::size_t>(k.iv);
        }
    };

    md_store() = default;
    status init(const std::string& path);
    status fail(error_code c, std::string message);

    detail::connection db_;
    detail::statement trade_in_, bar_up_, settle_in_, state_up_, begin_, commit_, rollback_;
    int64_t utc_offset_hours_ = 8;
    int64_t gate_closure_s_ = 900;
    std::vector<md::tape_trade> trades_;
    std::unordered_map<bar_key, md::bar, bar_key_hash> bars_;
    std::vector<settlement_row> settlements_;
    std::unordered_map<uint32_t, int64_t> auction_volume_;  // closing auctions awaiting `closed`
    uint64_t committed_seq_ = 0;
    uint64_t staged_seq_ = 0;
    uint64_t staged_cmd_seq_ = 0;
    engine::utc_ns staged_ts_ = 0;
    ledger_error failure_;
};

class md_reader {
public:
    // Read-only; `io` when the file is missing or unreadable.
    [[nodiscard]] static result<md_reader> open(const std::string& path);

    [[nodiscard]] result<md_position> position();
    // Bars of one instrument with start in [from, to), oldest first; at most `limit` (<=
    // md_rows_max): the newest of the range when more exist (truncated set).
    [[nodiscard]] result<std::vector<md::bar>> bars(uint32_t instrument, md::interval iv,
                                                    engine::utc_ns from, engine::utc_ns to,
                                                    std::size_t limit, bool& truncated);
    // Settlements of the instruments whose window starts on local day `day`, in window order.
    [[nodiscard]] result<std::vector<settlement_row>> settlements(int64_t local_day);
    // Trades stamped in (from, to] (a rolling index).
    [[nodiscard]] result<std::vector<md::tape_trade>> trades_between(engine::utc_ns from,
                                                                     engine::utc_ns to);
    // Trades of the hourly instruments whose window starts in [from_hour, to_hour).
    [[nodiscard]] result<std::vector<md::tape_trade>> trades_of_windows(int64_t from_hour,
                                                                        int64_t to_hour);
    // The newest `limit` trades of one instrument with seq < before_seq (0: from the newest).
    [[nodiscard]] result<std::vector<md::tape_trade>> tape(uint32_t instrument, std::size_t limit,
                                                           uint64_t before_seq);

private:
    explicit md_reader(detail::connection c) : db_(std::move(c)) {}
    // `where` binds ?1 and ?2 and orders; at most `limit` rows (above md_index_trades_max:
    // bad_request).
    result<std::vector<md::tape_trade>> trades_query(const std::string& where, int64_t a, int64_t b,
                                                     std::size_t limit);
    detail::connection db_;
};

}  // namespace cux::ledger
