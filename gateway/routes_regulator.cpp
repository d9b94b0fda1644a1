// The regulator's routes (API.md "Regulator"): the audit trail as JSON pages and as CSV, and
// the surveillance alerts, all read from the audit store (DIR/audit.db, ledger/audit_store.hpp)
// on a connection per request, as statements are read from the ledger. Regulator only (the
// route table refuses everyone else with 403 FORBIDDEN).

#include <nlohmann/json.hpp>

#include "engine/symbol.hpp"
#include "gateway/api.hpp"
#include "gateway/limits.hpp"
#include "gateway/views.hpp"
#include "gateway/views_regulator.hpp"
#include "ledger/audit_reader.hpp"

namespace cux::gateway {

using namespace cux::engine;

namespace {

constexpr uint64_t csv_rows_max = ledger::audit_rows_max;

std::optional<ledger::audit_reader> open_store(const std::string& path, http_response& out) {
    auto r = ledger::audit_reader::open(path);
    if (!r) {
        out = api::error(
            make_error(503, "UNAVAILABLE", "the audit store cannot be read: " + r.error().message));
        return std::nullopt;
    }
    return std::move(r.value());
}

http_response unreadable(const ledger::ledger_error& e) {
    return api::error(
        make_error(503, "UNAVAILABLE", "the audit store cannot be read: " + e.message));
}

}  // namespace

handled api::get_audit(const context& c, http_response& out) {
    api_error err;
    uint64_t limit = 0;
    uint64_t from_seq = 0;
    uint64_t cursor = 0;
    if (!c.tgt.only({"from_seq", "cursor", "limit"}, err) ||
        !c.tgt.uint_param("limit", 1, limits::list_limit_max, limits::list_limit_default, limit,
                          err) ||
        !c.tgt.uint_param("from_seq", 1, INT64_MAX, 0, from_seq, err) ||
        !c.tgt.uint_param("cursor", 1, INT64_MAX, 0, cursor, err)) {
        out = error(err);
        return handled::respond;
    }
    if (from_seq != 0 && cursor != 0) {
        out = error(make_error(400, "BAD_REQUEST", "give from_seq or cursor, not both", "cursor"));
        return handled::respond;
    }
    auto store = open_store(d_.audit_db, out);
    if (!store) return handled::respond;
    // One read transaction: the rows and the position agree.
    auto pos = store->position();
    if (!pos) {
        out = unreadable(pos.error());
        return handled::respond;
    }
    uint64_t start = cursor != 0 ? cursor : 1;
    if (from_seq != 0) {
        auto r = store->row_of_seq(from_seq);
        if (!r) {
            out = unreadable(r.error());
            return handled::respond;
        }
        start = r.value().value_or(pos.value().rows + 1);
    }
    auto rows = store->rows(start, limit);
    if (!rows) {
        out = unreadable(rows.error());
        return handled::respond;
    }
    json list = json::array();
    uint64_t next = start;
    for (const ledger::audit_entry& a : rows.value()) {
        list.push_back(audit_row_json(d_.market, a));
        next = a.row + 1;
    }
    const json body = {{"rows", list},
                       {"next_cursor", next},
                       {"more", next <= pos.value().rows},
                       {"recorded_seq", pos.value().last_cmd_seq}};
    out = json_response(200, body.dump());
    return handled::respond;
}

handled api::get_audit_csv(const context& c, http_response& out) {
    api_error err;
    uint64_t limit = 0;
    uint64_t cursor = 0;
    if (!c.tgt.only({"from", "to", "cursor", "limit"}, err) ||
        !c.tgt.uint_param("limit", 1, csv_rows_max, csv_rows_max, limit, err) ||
        !c.tgt.uint_param("cursor", 1, INT64_MAX, 1, cursor, err)) {
        out = error(err);
        return handled::respond;
    }
    utc_ns from = 0;
    utc_ns to = INT64_MAX;
    if (!c.tgt.time_range(from, to, err)) {
        out = error(err);
        return handled::respond;
    }
    auto store = open_store(d_.audit_db, out);
    if (!store) return handled::respond;
    auto rows = store->rows_in_time(from, to, cursor, limit);
    if (!rows) {
        out = unreadable(rows.error());
        return handled::respond;
    }
    std::string body = audit_csv_header;
    for (const ledger::audit_entry& a : rows.value()) {
        body += audit_csv_line(audit_row_json(d_.market, a));
    }
    out = json_response(200, std::move(body));
    out.content_type = "text/csv; charset=utf-8";
    return handled::respond;
}

handled api::get_alerts(const context& c, http_response& out) {
    api_error err;
    uint64_t limit = 0;
    uint64_t from_seq = 0;
    if (!c.tgt.only({"from_seq", "limit", "kind"}, err) ||
        !c.tgt.uint_param("limit", 1, limits::list_limit_max, limits::list_limit_default, limit,
                          err) ||
        !c.tgt.uint_param("from_seq", 1, INT64_MAX, 1, from_seq, err)) {
        out = error(err);
        return handled::respond;
    }
    std::optional<ledger::alert_kind> kind;
    if (const auto k = c.tgt.param("kind")) {
        kind = ledger::parse_alert_kind(*k);
        if (!kind) {
            out =
                error(make_error(400, "BAD_REQUEST",
                                 "kind must be wash_trade, layering or capacity_hoarding", "kind"));
            return handled::respond;
        }
    }
    auto store = open_store(d_.audit_db, out);
    if (!store) return handled::respond;
    auto pos = store->position();
    if (!pos) {
        out = unreadable(pos.error());
        return handled::respond;
    }
    // One more than asked for, to tell whether more follow.
    auto alerts = store->alerts(from_seq, limit + 1, kind);
    if (!alerts) {
        out = unreadable(alerts.error());
        return handled::respond;
    }
    const bool more = alerts.value().size() > limit;
    if (more) alerts.value().pop_back();
    json list = json::array();
    uint64_t next = from_seq;
    for (const ledger::alert& a : alerts.value()) {
        list.push_back(alert_json(d_.market, a));
        next = a.seq + 1;
    }
    const json body = {{"alerts", list}, {"next_seq", next}, {"more", more}};
    out = json_response(200, body.dump());
    return handled::respond;
}

}  // namespace cux::gateway
