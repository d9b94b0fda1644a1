#include "ledger/audit_writer.hpp"

#include <algorithm>
#include <span>
#include <utility>

namespace cux::ledger {

using namespace cux::engine;

namespace {

template <class T>
std::span<const unsigned char> bytes_of(const T& v) {
    return {reinterpret_cast<const unsigned char*>(&v), sizeof v};
}

}  // namespace

result<std::unique_ptr<audit_writer>> audit_writer::open(spmc_ring<event>& ring, audit_options o) {
    if (o.batch_rows == 0 || o.batch_rows > o.rows_hard_max) {
        return ledger_error{error_code::bad_request, "want 0 < batch_rows <= rows_hard_max"};
    }
    if (o.lag_events_max == 0) o.lag_events_max = ring.capacity() / 2;
    if (o.lag_events_max >= ring.capacity()) {
        return ledger_error{error_code::bad_request,
                            "lag_events_max must stay below the event ring's capacity"};
    }
    if (!o.command_at && o.journal_dir.empty()) {
        return ledger_error{error_code::bad_request, "the audit store needs the journal"};
    }
    std::unique_ptr<audit_writer> w(new audit_writer(ring, std::move(o)));
    if (const status s = w->init(); !s) return s.error();
    w->loop_.attach();
    return w;
}

audit_writer::audit_writer(spmc_ring<event>& ring, audit_options o)
    : opts_(std::move(o)), loop_(ring, *this, opts_.on_failure) {
    if (!opts_.command_at) {
        journal_ = std::make_unique<journal_lookup>(opts_.journal_dir);
        opts_.command_at = [this](uint64_t seq, command& out, std::string& error) {
            return journal_->read(seq, out, error);
        };
    }
}

audit_writer::~audit_writer() {
    loop_.stop();
    insert_row_ = {};
    insert_alert_ = {};
    set_state_ = {};
    begin_ = {};
    commit_ = {};
    rollback_ = {};
}

status audit_writer::init() {
    if (auto s = detail::make_private(opts_.path); !s) return s;
    auto c = detail::connection::open(opts_.path, true, false, "", 10'000);
    if (!c) return c.error();
    db_ = std::move(c.value());
    {
        auto mode = db_.prepare("PRAGMA journal_mode=WAL");
        if (!mode) return mode.error();
        if (mode.value().step() != SQLITE_ROW || mode.value().text(0) != "wal") {
            return ledger_error{error_code::io, opts_.path + ": cannot switch to WAL journal mode"};
        }
    }
    auto version = db_.query_int("PRAGMA user_version");
    if (!version) return version.error();
    auto tables = db_.query_int("SELECT count(*) FROM sqlite_schema");
    if (!tables) return tables.error();
    if (tables.value() != 0 && version.value() != audit_schema_version) {
        return ledger_error{error_code::schema, opts_.path + " has audit schema version " +
                                                    std::to_string(version.value()) +
                                                    ", this build writes " +
                                                    std::to_string(audit_schema_version) +
                                                    " (delete it: it is rebuilt from the journal)"};
    }
    // A new file gets the schema; an existing one is not written to before there is something
    // to record (a refused start leaves the data directory as it was).
    if (auto s = db_.exec(
            tables.value() != 0
                ? std::string("PRAGMA synchronous=NORMAL;")
                : std::string("PRAGMA synchronous=NORMAL; BEGIN; PRAGMA user_version=") +
                      std::to_string(audit_schema_version) + ";" + audit_schema_sql + "COMMIT;");
        !s) {
        return s;
    }
    auto st = db_.prepare(
        "SELECT last_event_seq, last_cmd_seq, rows, alerts FROM audit_state WHERE id = 1");
    if (!st) return st.error();
    if (st.value().step() != SQLITE_ROW) {
        return ledger_error{error_code::schema, opts_.path + ": no audit_state row"};
    }
    at_open_.last_event_seq = static_cast<uint64_t>(st.value().int64(0));
    at_open_.last_cmd_seq = static_cast<uint64_t>(st.value().int64(1));
    at_open_.rows = static_cast<uint64_t>(st.value().int64(2));
    at_open_.alerts = static_cast<uint64_t>(st.value().int64(3));
    pos_ = at_open_;
    recorded_event_seq_.store(pos_.last_event_seq);
    recorded_cmd_seq_.store(pos_.last_cmd_seq);
    alerts_recorded_.store(pos_.alerts);
    const auto prep = [&](detail::statement& into, const char* sql) -> status {
        auto p = db_.prepare(sql);
        if (!p) return p.error();
        into = std::move(p.value());
        return ok_status();
    };
    for (const auto& [into, sql] : {
             std::pair{&insert_row_, "INSERT INTO audit VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"},
             std::pair{&insert_alert_, "INSERT INTO alerts VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
             std::pair{&set_state_,
                       "UPDATE audit_state SET last_event_seq = ?1, last_cmd_seq = ?2, rows = ?3, "
                       "alerts = ?4 WHERE id = 1"},
             std::pair{&begin_, "BEGIN IMMEDIATE"},
             std::pair{&commit_, "COMMIT"},
             std::pair{&rollback_, "ROLLBACK"},
         }) {
        if (auto s = prep(*into, sql); !s) return s;
    }
    return ok_status();
}

void audit_writer::start() { loop_.start(); }

void audit_writer::join() { loop_.join(); }

order_gate_state audit_writer::order_gate() const {
    if (failed()) {
        order_gate_state g;
        g.open = false;
        g.lag_events_max = opts_.lag_events_max;
        g.reason =
            "the audit store has stopped (" + failure().message + "): new orders are refused";
        return g;
    }
    order_gate_state g = lag_gate(loop_.published(), loop_.committed_items(), opts_.lag_events_max);
    if (!g.open) {
        g.reason = "the audit store is " + std::to_string(g.lag_events) +
                   " events behind the engine (limit " + std::to_string(g.lag_events_max) +
                   "): new orders are refused until it catches up";
    }
    return g;
}

bool audit_writer::stage(const event& e) {
    raised_.clear();
    detect_.on_event(e, raised_);
    const bool recorded = e.event_seq <= pos_.last_event_seq;
    for (const alert& a : raised_) {
        if (a.seq > pos_.alerts) {
            if (recorded) {
                stage_error_ = ledger_error{
                    error_code::diverged,
                    "surveillance raised alert " + std::to_string(a.seq) + " at event " +
                        std::to_string(e.event_seq) + ", which the audit store holds with " +
                        std::to_string(pos_.alerts) + " alerts: the thresholds changed? delete " +
                        opts_.path + " to rebuild it"};
                return false;
            }
            staged_alerts_.push_back(a);
        }
        to_publish_.push_back(a);
    }
    if (recorded) return true;
    staged_.push_back(e);
    at_boundary_ = e.type == event_type::command_done;
    return true;
}

status audit_writer::write_batch() {
    uint64_t row = pos_.rows;
    uint64_t last_cmd = pos_.last_cmd_seq;
    std::string why;
    for (std::size_t i = 0; i < staged_.size(); ++i) {
        const event& e = staged_[i];
        if (e.cmd_seq != last_cmd) {
            command c;
            if (!opts_.command_at(e.cmd_seq, c, why)) {
                return ledger_error{error_code::diverged, "cannot read command " +
                                                              std::to_string(e.cmd_seq) +
                                                              " from the journal: " + why};
            }
            // A refused command's row carries the reason of its `rejected` event.
            reject_reason reason = reject_reason::none;
            for (std::size_t j = i; j < staged_.size() && staged_[j].cmd_seq == e.cmd_seq; ++j) {
                if (staged_[j].type == event_type::rejected) {
                    reason = staged_[j].body.rejected.reason;
                    break;
                }
            }
            insert_row_.bind(1, static_cast<int64_t>(++row));
            insert_row_.bind(2, static_cast<int64_t>(c.seq));
            insert_row_.bind_null(3);
            insert_row_.bind(4, c.ts);
            insert_row_.bind(5, static_cast<int64_t>(c.type));
            insert_row_.bind(6, static_cast<int64_t>(c.actor.value()));
            insert_row_.bind(7, static_cast<int64_t>(reason));
            insert_row_.bind_blob(8, bytes_of(c));
            if (const int rc = insert_row_.run(); rc != SQLITE_DONE) {
                return ledger_error{detail::write_error_code(rc),
                                    detail::describe(db_.get(), rc, "insert audit row")};
            }
            last_cmd = e.cmd_seq;
        }
        insert_row_.bind(1, static_cast<int64_t>(++row));
        insert_row_.bind(2, static_cast<int64_t>(e.cmd_seq));
        insert_row_.bind(3, static_cast<int64_t>(e.event_seq));
        insert_row_.bind(4, e.ts);
        insert_row_.bind(5, static_cast<int64_t>(e.type));
        insert_row_.bind(6, static_cast<int64_t>(e.participant.value()));
        insert_row_.bind(
            7, static_cast<int64_t>(e.type == event_type::rejected ? e.body.rejected.reason
                                                                   : reject_reason::none));
        insert_row_.bind_blob(8, bytes_of(e));
        if (const int rc = insert_row_.run(); rc != SQLITE_DONE) {
            return ledger_error{detail::write_error_code(rc),
                                detail::describe(db_.get(), rc, "insert audit row")};
        }
    }
    for (const alert& a : staged_alerts_) {
        insert_alert_.bind(1, static_cast<int64_t>(a.seq));
        insert_alert_.bind(2, static_cast<int64_t>(a.kind));
        insert_alert_.bind(3, a.ts);
        insert_alert_.bind(4, static_cast<int64_t>(a.cmd_seq));
        insert_alert_.bind(5, static_cast<int64_t>(a.event_seq));
        insert_alert_.bind_blob(6, bytes_of(a));
        if (const int rc = insert_alert_.run(); rc != SQLITE_DONE) {
            return ledger_error{detail::write_error_code(rc),
                                detail::describe(db_.get(), rc, "insert alert")};
        }
    }
    audit_position next = pos_;
    if (!staged_.empty()) {
        next.last_event_seq = staged_.back().event_seq;
        next.last_cmd_seq = last_cmd;
    }
    next.rows = row;
    if (!staged_alerts_.empty()) next.alerts = staged_alerts_.back().seq;
    set_state_.bind(1, static_cast<int64_t>(next.last_event_seq));
    set_state_.bind(2, static_cast<int64_t>(next.last_cmd_seq));
    set_state_.bind(3, static_cast<int64_t>(next.rows));
    set_state_.bind(4, static_cast<int64_t>(next.alerts));
    if (const int rc = set_state_.run(); rc != SQLITE_DONE) {
        return ledger_error{detail::write_error_code(rc),
                            detail::describe(db_.get(), rc, "update audit_state")};
    }
    if (const int rc = commit_.run(); rc != SQLITE_DONE) {
        return ledger_error{error_code::outcome_unknown,
                            detail::describe(db_.get(), rc, "commit the audit batch")};
    }
    pos_ = next;
    return ok_status();
}

bool audit_writer::due(uint64_t pending, clock::duration open_for) const {
    // Replayed events the store holds already count too, so that the position (and the
    // alerts they raise again) moves on during a long replay.
    const bool time_or_size = staged_.size() >= opts_.batch_rows || pending >= opts_.batch_rows ||
                              open_for >= std::chrono::milliseconds(opts_.batch_ms);
    return (time_or_size && at_boundary_) || staged_.size() >= opts_.rows_hard_max;
}

void audit_writer::flush(bool /*last*/) {
    if (!staged_.empty() || !staged_alerts_.empty()) {
        const uint64_t hi = staged_.empty() ? 0 : staged_.back().cmd_seq;
        if (hi != 0 && opts_.wait_durable && !opts_.wait_durable(hi)) {
            loop_.stop_recording(ledger_error{error_code::journal_failed,
                                              "the engine's journal failed before command " +
                                                  std::to_string(hi) +
                                                  " was durable: the audit trail stops at event " +
                                                  std::to_string(pos_.last_event_seq)});
            return;
        }
        if (const int rc = begin_.run(); rc != SQLITE_DONE) {
            loop_.stop_recording(
                ledger_error{detail::write_error_code(rc),
                             detail::describe(db_.get(), rc, "begin an audit batch")});
            return;
        }
        if (const status s = write_batch(); !s) {
            (void)rollback_.run();
            loop_.stop_recording(s.error());
            return;
        }
        staged_.clear();
        staged_alerts_.clear();
        recorded_event_seq_.store(pos_.last_event_seq, std::memory_order_release);
        recorded_cmd_seq_.store(pos_.last_cmd_seq, std::memory_order_release);
        alerts_recorded_.store(pos_.alerts, std::memory_order_release);
    }
    loop_.committed();
    if (!to_publish_.empty()) {
        if (opts_.on_alerts) opts_.on_alerts(to_publish_);
        to_publish_.clear();
    }
}

}  // namespace cux::ledger
