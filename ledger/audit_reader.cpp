#include "ledger/audit_reader.hpp"

#include <algorithm>
#include <cstring>

namespace cux::ledger {

using namespace cux::engine;

namespace {

ledger_error read_error(sqlite3* db, int rc, const char* what) {
    return ledger_error{error_code::io, detail::describe(db, rc, what)};
}

}  // namespace

result<audit_reader> audit_reader::open(const std::string& path) {
    // Read-write without create, then query_only (as ledger::reader: a read-only handle could
    // not create the WAL index when the writer is not running).
    auto c = detail::connection::open(path, false, false, "", 5'000);
    if (!c) return c.error();
    if (auto s = c.value().exec("PRAGMA query_only = 1"); !s) return s.error();
    auto version = c.value().query_int("PRAGMA user_version");
    if (!version) return version.error();
    auto has = c.value().query_int(
        "SELECT count(*) FROM sqlite_schema WHERE name IN ('audit_state', 'audit', 'alerts')");
    if (!has) return has.error();
    if (has.value() != 3 || version.value() != audit_schema_version) {
        return ledger_error{error_code::schema, path + " is not a cux audit store of this version"};
    }
    return audit_reader(std::move(c.value()));
}

audit_reader::~audit_reader() = default;

result<audit_position> audit_reader::position() {
    auto s = db_.prepare(
        "SELECT last_event_seq, last_cmd_seq, rows, alerts FROM audit_state WHERE id = 1");
    if (!s) return s.error();
    const int rc = s.value().step();
    if (rc != SQLITE_ROW) return read_error(db_.get(), rc, "read audit_state");
    audit_position p;
    p.last_event_seq = static_cast<uint64_t>(s.value().int64(0));
    p.last_cmd_seq = static_cast<uint64_t>(s.value().int64(1));
    p.rows = static_cast<uint64_t>(s.value().int64(2));
    p.alerts = static_cast<uint64_t>(s.value().int64(3));
    return p;
}

result<std::vector<audit_entry>> audit_reader::read_rows(detail::statement& s, std::size_t limit) {
    std::vector<audit_entry> out;
    out.reserve(std::min<std::size_t>(limit, 1024));
    for (;;) {
        const int rc = s.step();
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) return read_error(db_.get(), rc, "read audit rows");
        audit_entry& a = out.emplace_back();
        a.row = static_cast<uint64_t>(s.int64(0));
        a.seq = static_cast<uint64_t>(s.int64(1));
        a.event_seq = s.is_null(2) ? 0 : static_cast<uint64_t>(s.int64(2));
        a.ts = s.int64(3);
        a.participant = static_cast<uint32_t>(s.int64(5));
        a.reason = static_cast<reject_reason>(s.int64(6));
        const auto body = s.blob(7);
        if (a.is_command()) {
            if (body.size() != sizeof a.cmd) {
                return ledger_error{error_code::schema, "an audit command row of the wrong size"};
            }
            std::memcpy(static_cast<void*>(&a.cmd), body.data(), sizeof a.cmd);
        } else {
            if (body.size() != sizeof a.ev) {
                return ledger_error{error_code::schema, "an audit event row of the wrong size"};
            }
            std::memcpy(static_cast<void*>(&a.ev), body.data(), sizeof a.ev);
        }
    }
    return out;
}

result<std::vector<audit_entry>> audit_reader::rows(uint64_t from_row, std::size_t limit) {
    limit = std::min(limit, audit_rows_max);
    auto s = db_.prepare(
        "SELECT row, seq, event_seq, ts, type, participant, reason, body FROM audit "
        "WHERE row >= ?1 ORDER BY row LIMIT ?2");
    if (!s) return s.error();
    s.value().bind(1, static_cast<int64_t>(std::min<uint64_t>(from_row, INT64_MAX)));
    s.value().bind(2, static_cast<int64_t>(limit));
    return read_rows(s.value(), limit);
}

result<std::optional<uint64_t>> audit_reader::row_of_seq(uint64_t seq) {
    auto s = db_.prepare("SELECT min(row) FROM audit WHERE seq >= ?1");
    if (!s) return s.error();
    s.value().bind(1, static_cast<int64_t>(std::min<uint64_t>(seq, INT64_MAX)));
    const int rc = s.value().step();
    if (rc != SQLITE_ROW) return read_error(db_.get(), rc, "find an audit row");
    if (s.value().is_null(0)) return std::optional<uint64_t>();
    return std::optional<uint64_t>(static_cast<uint64_t>(s.value().int64(0)));
}

result<std::vector<audit_entry>> audit_reader::rows_in_time(utc_ns from_ts, utc_ns to_ts,
                                                            uint64_t from_row, std::size_t limit) {
    limit = std::min(limit, audit_rows_max);
    // Stamps never go backwards along the trail, so the rows of a time range are a run of rows:
    // find where it starts, then read in row order.
    auto first = db_.prepare("SELECT min(row) FROM audit WHERE ts >= ?1");
    if (!first) return first.error();
    first.value().bind(1, from_ts);
    const int rc = first.value().step();
    if (rc != SQLITE_ROW) return read_error(db_.get(), rc, "find an audit row");
    if (first.value().is_null(0)) return std::vector<audit_entry>();
    const uint64_t start = std::max(from_row, static_cast<uint64_t>(first.value().int64(0)));
    auto last = db_.prepare("SELECT min(row) FROM audit WHERE ts >= ?1");
    if (!last) return last.error();
    last.value().bind(1, to_ts);
    const int rc2 = last.value().step();
    if (rc2 != SQLITE_ROW) return read_error(db_.get(), rc2, "find an audit row");
    const int64_t end = last.value().is_null(0) ? INT64_MAX : last.value().int64(0);
    auto s = db_.prepare(
        "SELECT row, seq, event_seq, ts, type, participant, reason, body FROM audit "
        "WHERE row >= ?1 AND row < ?2 ORDER BY row LIMIT ?3");
    if (!s) return s.error();
    s.value().bind(1, static_cast<int64_t>(std::min<uint64_t>(start, INT64_MAX)));
    s.value().bind(2, end);
    s.value().bind(3, static_cast<int64_t>(limit));
    return read_rows(s.value(), limit);
}

result<std::vector<alert>> audit_reader::alerts(uint64_t from_seq, std::size_t limit,
                                                std::optional<alert_kind> kind) {
    limit = std::min(limit, audit_rows_max);
    auto s = db_.prepare(
        kind ? "SELECT body FROM alerts WHERE seq >= ?1 AND kind = ?3 ORDER BY seq LIMIT ?2"
             : "SELECT body FROM alerts WHERE seq >= ?1 ORDER BY seq LIMIT ?2");
    if (!s) return s.error();
    s.value().bind(1, static_cast<int64_t>(std::min<uint64_t>(from_seq, INT64_MAX)));
    s.value().bind(2, static_cast<int64_t>(limit));
    if (kind) s.value().bind(3, static_cast<int64_t>(*kind));
    std::vector<alert> out;
    for (;;) {
        const int rc = s.value().step();
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) return read_error(db_.get(), rc, "read alerts");
        const auto body = s.value().blob(0);
        alert& a = out.emplace_back();
        if (body.size() != sizeof a) {
            return ledger_error{error_code::schema, "an alert row of the wrong size"};
        }
        std::memcpy(static_cast<void*>(&a), body.data(), sizeof a);
    }
    return out;
}

}  // namespace cux::ledger
