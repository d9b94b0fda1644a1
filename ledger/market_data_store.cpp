// The market-data store: schema, staging events as rows, one transaction per batch, and the
// read side. What each table holds: ledger/market_data_store.hpp and schemas/README.md.

#include "ledger/market_data_store.hpp"

#include <algorithm>
#include <utility>

namespace cux::ledger {

namespace {

using engine::event;
using engine::event_type;

constexpr const char* schema_sql = R"sql(
CREATE TABLE IF NOT EXISTS md_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    schema_version INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    last_ts INTEGER NOT NULL
);
INSERT OR IGNORE INTO md_state (id, schema_version, last_seq, last_ts) VALUES (1, 1, 0, 0);
CREATE TABLE IF NOT EXISTS md_trades (
    seq INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    trade_id INTEGER NOT NULL,
    instrument INTEGER NOT NULL,
    window_hour INTEGER NOT NULL,
    tenor_h INTEGER NOT NULL,
    price INTEGER NOT NULL,
    qty INTEGER NOT NULL,
    compute INTEGER NOT NULL,
    aggressor INTEGER NOT NULL,
    auction INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS md_trades_ts ON md_trades (ts);
CREATE INDEX IF NOT EXISTS md_trades_window ON md_trades (tenor_h, window_hour);
CREATE INDEX IF NOT EXISTS md_trades_instrument ON md_trades (instrument, seq);
CREATE TABLE IF NOT EXISTS md_bars (
    instrument INTEGER NOT NULL,
    interval_s INTEGER NOT NULL,
    start INTEGER NOT NULL,
    open INTEGER NOT NULL,
    high INTEGER NOT NULL,
    low INTEGER NOT NULL,
    close INTEGER NOT NULL,
    volume INTEGER NOT NULL,
    trades INTEGER NOT NULL,
    notional INTEGER NOT NULL,
    turnover INTEGER NOT NULL,
    PRIMARY KEY (instrument, interval_s, start)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS md_settlements (
    instrument INTEGER PRIMARY KEY,
    window_start INTEGER NOT NULL,
    gate_closure INTEGER NOT NULL,
    local_day INTEGER NOT NULL,
    price INTEGER NOT NULL,
    method INTEGER NOT NULL,
    auction_volume INTEGER NOT NULL,
    volume INTEGER NOT NULL,
    trades INTEGER NOT NULL,
    notional INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    ts INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS md_settlements_day ON md_settlements (local_day, window_start);
)sql";

int64_t interval_s(md::interval iv) { return md::interval_ns(iv) / engine::ns_per_s; }

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

result<std::unique_ptr<md_store>> md_store::open(const std::string& path, int64_t utc_offset_hours,
                                                 int64_t gate_closure_s) {
    std::unique_ptr<md_store> s(new md_store());
    s->utc_offset_hours_ = utc_offset_hours;
    s->gate_closure_s_ = gate_closure_s;
    const status st = s->init(path);
    if (!st) return st.error();
    return s;
}

md_store::~md_store() {
    trade_in_ = {};
    bar_up_ = {};
    settle_in_ = {};
    state_up_ = {};
    begin_ = {};
    commit_ = {};
    rollback_ = {};
}

status md_store::init(const std::string& path) {
    auto c = detail::connection::open(path, true, false, "", 10'000);
    if (!c) return c.error();
    db_ = std::move(c.value());
    {
        auto mode = db_.prepare("PRAGMA journal_mode=WAL");
        if (!mode) return mode.error();
        if (mode.value().step() != SQLITE_ROW || mode.value().text(0) != "wal") {
            return ledger_error{error_code::io, path + ": cannot switch to WAL journal mode"};
        }
    }
    // NORMAL: a commit lost in a power cut takes its position with it; the journal replays it.
    if (auto st = db_.exec("PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY;"); !st) return st;
    auto has = db_.query_int("SELECT count(*) FROM sqlite_schema WHERE name = 'md_state'");
    if (!has) return has.error();
    if (has.value() != 0) {
        auto v = db_.query_int("SELECT schema_version FROM md_state WHERE id = 1");
        if (!v) return v.error();
        if (v.value() != md_schema_version) {
            return ledger_error{error_code::schema, path + " has market-data schema version " +
                                                        std::to_string(v.value()) + ", not " +
                                                        std::to_string(md_schema_version)};
        }
    }
    if (auto st = db_.exec(schema_sql, error_code::schema); !st) return st;
    auto last = db_.query_int("SELECT last_seq FROM md_state WHERE id = 1");
    auto last_ts = db_.query_int("SELECT last_ts FROM md_state WHERE id = 1");
    auto trade_seq = db_.query_int("SELECT coalesce(max(seq), 0) FROM md_trades");
    auto settle_seq = db_.query_int("SELECT coalesce(max(seq), 0) FROM md_settlements");
    for (const auto* q : {&last, &last_ts, &trade_seq, &settle_seq}) {
        if (!*q) return q->error();
    }
    // The rows are written in the same transaction as the position, so they never run ahead
    // of it; the max only guards against a hand-edited state row.
    committed_seq_ =
        static_cast<uint64_t>(std::max({last.value(), trade_seq.value(), settle_seq.value()}));
    staged_seq_ = committed_seq_;
    staged_ts_ = last_ts.value();
    const auto prep = [&](detail::statement& s, const char* sql) -> status {
        auto p = db_.prepare(sql);
        if (!p) return p.error();
        s = std::move(p.value());
        return ok_status();
    };
    for (const auto& [stmt, sql] :
         std::initializer_list<std::pair<detail::statement*, const char*>>{
             {&trade_in_,
              "INSERT INTO md_trades (seq, ts, trade_id, instrument, window_hour, tenor_h, price, "
              "qty, compute, aggressor, auction) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"},
             {&bar_up_,
              "INSERT INTO md_bars (instrument, interval_s, start, open, high, low, close, volume, "
              "trades, notional, turnover) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
              "ON CONFLICT (instrument, interval_s, start) DO UPDATE SET "
              "high = max(high, excluded.high), low = min(low, excluded.low), "
              "close = excluded.close, volume = volume + excluded.volume, "
              "trades = trades + excluded.trades, notional = notional + excluded.notional, "
              "turnover = turnover + excluded.turnover"},
             {&settle_in_,
              "INSERT OR REPLACE INTO md_settlements (instrument, window_start, gate_closure, "
              "local_day, price, method, auction_volume, volume, trades, notional, seq, ts) "
              "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, coalesce(sum(qty), 0), count(*), "
              "coalesce(sum(price * qty), 0), ?8, ?9 FROM md_trades WHERE instrument = ?1"},
             {&state_up_, "UPDATE md_state SET last_seq = ?, last_ts = ? WHERE id = 1"},
             {&begin_, "BEGIN IMMEDIATE"},
             {&commit_, "COMMIT"},
             {&rollback_, "ROLLBACK"},
         }) {
        if (auto st = prep(*stmt, sql); !st) return st;
    }
    return ok_status();
}

status md_store::fail(error_code c, std::string message) {
    if (failure_.code == error_code::none) failure_ = ledger_error{c, std::move(message)};
    return failure_;
}

status md_store::apply(const event& e) {
    if (failed()) return failure_;
    if (e.event_seq <= staged_seq_) return ok_status();  // recorded already (a replay)
    if (e.event_seq != staged_seq_ + 1) {
        return fail(error_code::diverged, "market data: event " + std::to_string(e.event_seq) +
                                              " follows " + std::to_string(staged_seq_));
    }
    staged_seq_ = e.event_seq;
    staged_cmd_seq_ = e.cmd_seq;
    staged_ts_ = e.ts;
    switch (e.type) {
        case event_type::trade: {
            const md::tape_trade r = md::tape_trade_of(e);
            trades_.push_back(r);
            for (const md::interval iv : {md::interval::m1, md::interval::h1}) {
                md::bar& b = bars_[bar_key{r.instrument, iv, md::bar_start(e.ts, iv)}];
                b.start = md::bar_start(e.ts, iv);
                b.add(r.price_fen, r.qty, r.compute_fen);
            }
            break;
        }
        case event_type::auction_result:
            if (e.body.auction.kind == engine::auction_kind::closing) {
                auction_volume_[e.body.auction.instrument.value()] = e.body.auction.volume.value();
            }
            break;
        case event_type::instrument_status: {
            const engine::instrument_status_body& b = e.body.status;
            if (b.status != engine::instrument_status::closed) break;
            const engine::instrument_key k = engine::unpack(b.instrument);
            settlement_row s;
            s.instrument = b.instrument.value();
            s.window_start = k.start_hour * engine::ns_per_hour;
            s.gate_closure = s.window_start - gate_closure_s_ * engine::ns_per_s;
            s.local_day = floor_div(s.window_start + utc_offset_hours_ * engine::ns_per_hour,
                                    24 * engine::ns_per_hour);
            s.price_fen = b.settlement.value();
            s.method = b.settlement_by;
            const auto it = auction_volume_.find(s.instrument);
            if (it != auction_volume_.end()) {
                s.auction_volume = it->second;
                auction_volume_.erase(it);
            }
            s.seq = e.event_seq;
            s.ts = e.ts;
            settlements_.push_back(s);
            break;
        }
        default:
            break;
    }
    return ok_status();
}

status md_store::commit(bool force) {
    if (failed()) return failure_;
    if (!has_effects() && !force) {
        committed_seq_ = staged_seq_;
        return ok_status();
    }
    const auto bad = [&](int rc, const char* what) {
        const std::string text = detail::describe(db_.get(), rc, what);
        (void)rollback_.run();
        return fail(detail::write_error_code(rc), "market data: " + text);
    };
    if (const int rc = begin_.run(); rc != SQLITE_DONE) return bad(rc, "begin");
    for (const md::tape_trade& t : trades_) {
        const engine::instrument_key k = engine::unpack(engine::instrument_id(t.instrument));
        trade_in_.bind(1, static_cast<int64_t>(t.seq));
        trade_in_.bind(2, t.ts);
        trade_in_.bind(3, static_cast<int64_t>(t.trade_id));
        trade_in_.bind(4, int64_t{t.instrument});
        trade_in_.bind(5, k.start_hour);
        trade_in_.bind(6, engine::tenor_hours(k.ten));
        trade_in_.bind(7, t.price_fen);
        trade_in_.bind(8, t.qty);
        trade_in_.bind(9, t.compute_fen);
        trade_in_.bind(10, int64_t{t.aggressor == engine::side::buy ? 0 : 1});
        trade_in_.bind(11, int64_t{t.auction});
        if (const int rc = trade_in_.run(); rc != SQLITE_DONE) return bad(rc, "insert trade");
    }
    for (const auto& [k, b] : bars_) {
        const int64_t v[] = {int64_t{k.instrument},
                             interval_s(k.iv),
                             b.start,
                             b.open,
                             b.high,
                             b.low,
                             b.close,
                             b.volume,
                             b.trades,
                             b.notional,
                             b.turnover};
        for (int i = 0; i < 11; ++i) bar_up_.bind(i + 1, v[i]);
        if (const int rc = bar_up_.run(); rc != SQLITE_DONE) return bad(rc, "upsert bar");
    }
    for (const settlement_row& s : settlements_) {
        const int64_t v[] = {int64_t{s.instrument},
                             s.window_start,
                             s.gate_closure,
                             s.local_day,
                             s.price_fen,
                             static_cast<int64_t>(s.method),
                             s.auction_volume,
                             static_cast<int64_t>(s.seq),
                             s.ts};
        for (int i = 0; i < 9; ++i) settle_in_.bind(i + 1, v[i]);
        if (const int rc = settle_in_.run(); rc != SQLITE_DONE) return bad(rc, "settlement");
    }
    state_up_.bind(1, static_cast<int64_t>(staged_seq_));
    state_up_.bind(2, staged_ts_);
    if (const int rc = state_up_.run(); rc != SQLITE_DONE) return bad(rc, "position");
    if (const int rc = commit_.run(); rc != SQLITE_DONE) return bad(rc, "commit");
    trades_.clear();
    bars_.clear();
    settlements_.clear();
    committed_seq_ = staged_seq_;
    return ok_status();
}

// ---- md_reader --------------------------------------------------------------------------

result<md_reader> md_reader::open(const std::string& path) {
    auto c = detail::connection::open(path, false, true, "", 5'000);
    if (!c) return c.error();
    return md_reader(std::move(c.value()));
}

result<md_position> md_reader::position() {
    auto q = db_.prepare("SELECT last_seq, last_ts FROM md_state WHERE id = 1");
    if (!q) return q.error();
    md_position p;
    if (q.value().step() == SQLITE_ROW) {
        p.last_seq = static_cast<uint64_t>(q.value().int64(0));
        p.last_ts = q.value().int64(1);
    }
    return p;
}

result<std::vector<md::bar>> md_reader::bars(uint32_t instrument, md::interval iv,
                                             engine::utc_ns from, engine::utc_ns to,
                                             std::size_t limit, bool& truncated) {
    limit = std::min(limit, md_rows_max);
    auto q = db_.prepare(
        "SELECT start, open, high, low, close, volume, trades, notional, turnover FROM md_bars "
        "WHERE instrument = ? AND interval_s = ? AND start >= ? AND start < ? "
        "ORDER BY start DESC LIMIT ?");
    if (!q) return q.error();
    detail::statement& s = q.value();
    s.bind(1, int64_t{instrument});
    s.bind(2, interval_s(iv));
    s.bind(3, from);
    s.bind(4, to);
    s.bind(5, static_cast<int64_t>(limit + 1));
    std::vector<md::bar> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
        md::bar b;
        b.start = s.int64(0);
        b.open = s.int64(1);
        b.high = s.int64(2);
        b.low = s.int64(3);
        b.close = s.int64(4);
        b.volume = s.int64(5);
        b.trades = s.int64(6);
        b.notional = s.int64(7);
        b.turnover = s.int64(8);
        out.push_back(b);
    }
    if (rc != SQLITE_DONE)
        return ledger_error{error_code::io, detail::describe(db_.get(), rc, "bars")};
    truncated = out.size() > limit;
    if (truncated) out.pop_back();
    std::reverse(out.begin(), out.end());
    return out;
}

result<std::vector<settlement_row>> md_reader::settlements(int64_t local_day) {
    auto q = db_.prepare(
        "SELECT instrument, window_start, gate_closure, local_day, price, method, auction_volume, "
        "volume, trades, notional, seq, ts FROM md_settlements WHERE local_day = ? "
        "ORDER BY window_start, instrument LIMIT ?");
    if (!q) return q.error();
    detail::statement& s = q.value();
    s.bind(1, local_day);
    s.bind(2, static_cast<int64_t>(md_rows_max));
    std::vector<settlement_row> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
        settlement_row r;
        r.instrument = static_cast<uint32_t>(s.int64(0));
        r.window_start = s.int64(1);
        r.gate_closure = s.int64(2);
        r.local_day = s.int64(3);
        r.price_fen = s.int64(4);
        r.method = static_cast<engine::settlement_method>(s.int64(5));
        r.auction_volume = s.int64(6);
        r.volume = s.int64(7);
        r.trades = s.int64(8);
        r.notional = s.int64(9);
        r.seq = static_cast<uint64_t>(s.int64(10));
        r.ts = s.int64(11);
        out.push_back(r);
    }
    if (rc != SQLITE_DONE) {
        return ledger_error{error_code::io, detail::describe(db_.get(), rc, "settlements")};
    }
    return out;
}

result<std::vector<md::tape_trade>> md_reader::trades_query(const std::string& where, int64_t a,
                                                            int64_t b, std::size_t limit) {
    auto q = db_.prepare(
        "SELECT seq, ts, trade_id, instrument, price, qty, compute, aggressor, auction "
        "FROM md_trades WHERE " +
        where + " LIMIT ?3");
    if (!q) return q.error();
    detail::statement& s = q.value();
    s.bind(1, a);
    s.bind(2, b);
    s.bind(3, static_cast<int64_t>(limit));
    std::vector<md::tape_trade> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
        md::tape_trade t;
        t.seq = static_cast<uint64_t>(s.int64(0));
        t.ts = s.int64(1);
        t.trade_id = static_cast<uint64_t>(s.int64(2));
        t.instrument = static_cast<uint32_t>(s.int64(3));
        t.price_fen = s.int64(4);
        t.qty = s.int64(5);
        t.compute_fen = s.int64(6);
        t.aggressor = s.int64(7) == 0 ? engine::side::buy : engine::side::sell;
        t.auction = s.int64(8) != 0;
        out.push_back(t);
    }
    if (rc != SQLITE_DONE)
        return ledger_error{error_code::io, detail::describe(db_.get(), rc, "trades")};
    if (limit > md_index_trades_max && out.size() > md_index_trades_max) {
        return ledger_error{error_code::bad_request,
                            "more than " + std::to_string(md_index_trades_max) +
                                " trades in the range: ask for a shorter one"};
    }
    return out;
}

result<std::vector<md::tape_trade>> md_reader::trades_between(engine::utc_ns from,
                                                              engine::utc_ns to) {
    return trades_query("ts > ?1 AND ts <= ?2 ORDER BY seq", from, to, md_index_trades_max + 1);
}

result<std::vector<md::tape_trade>> md_reader::trades_of_windows(int64_t from_hour,
                                                                 int64_t to_hour) {
    return trades_query("tenor_h = 1 AND window_hour >= ?1 AND window_hour < ?2 ORDER BY seq",
                        from_hour, to_hour, md_index_trades_max + 1);
}

result<std::vector<md::tape_trade>> md_reader::tape(uint32_t instrument, std::size_t limit,
                                                    uint64_t before_seq) {
    limit = std::min(limit, md_rows_max);
    return trades_query("instrument = ?1 AND seq < ?2 ORDER BY seq DESC", int64_t{instrument},
                        before_seq == 0 ? INT64_MAX : static_cast<int64_t>(before_seq), limit);
}

}  // namespace cux::ledger
