#include "gateway/api.hpp"

#include <nlohmann/json.hpp>

#include "gateway/views.hpp"

namespace cux::gateway {

using namespace cux::engine;

std::string error_body(const api_error& e) {
    nlohmann::json j = {
        {"error",
         {{"code", e.code},
          {"message", e.message},
          {"field", e.field.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.field)}}}};
    return j.dump();
}

namespace {

constexpr uint8_t traders = role_vendor | role_buyer;

bool matches(std::string_view pattern, const std::vector<std::string>& segs) {
    std::size_t i = 0;
    while (!pattern.empty()) {
        const std::size_t slash = pattern.find('/');
        const std::string_view p = pattern.substr(0, slash);
        pattern = slash == std::string_view::npos ? std::string_view{} : pattern.substr(slash + 1);
        if (i >= segs.size()) return false;
        if (p != "*" && p != segs[i]) return false;
        ++i;
    }
    return i == segs.size();
}

const char* reject_message(reject_reason r) {
    switch (r) {
        case reject_reason::unknown_instrument:
            return "no such instrument is listed";
        case reject_reason::market_closed:
            return "the instrument does not trade now";
        case reject_reason::invalid_price:
            return "the price is not a positive multiple of the tick";
        case reject_reason::price_out_of_band:
            return "the price is outside the instrument's band";
        case reject_reason::invalid_qty:
            return "the quantity is not positive or above the maximum";
        case reject_reason::invalid_order:
            return "this combination of order fields is not allowed";
        case reject_reason::unknown_participant:
            return "no such participant";
        case reject_reason::forbidden:
            return "the participant's roles do not allow this";
        case reject_reason::unknown_order:
            return "no such open order";
        case reject_reason::not_allowed_in_phase:
            return "market, IOC and FOK orders are not allowed during a call phase";
        case reject_reason::unknown_region:
            return "no such region";
        case reject_reason::invalid_amount:
            return "the amount is not positive or too large";
        case reject_reason::invalid_capacity:
            return "the hours are in the past, empty or beyond the capacity horizon";
        case reject_reason::unknown_chip:
            return "no such chip";
        case reject_reason::invalid_data_volume:
            return "the data volume is not allowed";
        case reject_reason::duplicate_participant:
            return "a participant with this name exists";
        case reject_reason::unknown_contract:
            return "no such contract of yours";
        case reject_reason::contract_not_open:
            return "the contract is already settled or failed";
        case reject_reason::insufficient_funds:
            return "not enough available funds";
        case reject_reason::insufficient_capacity:
            return "not enough registered capacity for the window";
        case reject_reason::open_order_limit:
            return "too many open orders";
        case reject_reason::capacity_table_full:
            return "the capacity table is full";
        case reject_reason::participant_table_full:
            return "the participant table is full";
        case reject_reason::contract_table_full:
            return "the contract table is full";
        case reject_reason::post_only_would_cross:
            return "a post-only order would have traded";
        case reject_reason::no_liquidity:
            return "nothing to trade against";
        case reject_reason::order_pool_full:
            return "the order pool is full";
        case reject_reason::book_order_limit:
            return "too many open orders in this book";
        case reject_reason::invalid_window:
            return "the job's hours are zero or above the maximum";
        case reject_reason::invalid_constraint:
            return "a job constraint is out of range";
        case reject_reason::no_route:
            return "no candidate can fill the job within its constraints and limit";
        case reject_reason::none:
            break;
    }
    return "rejected";
}

unsigned reject_status(reject_reason r) {
    switch (r) {
        case reject_reason::forbidden:
            return 403;
        case reject_reason::unknown_participant:
        case reject_reason::unknown_order:
        case reject_reason::unknown_contract:
            return 404;
        case reject_reason::market_closed:
        case reject_reason::not_allowed_in_phase:
        case reject_reason::duplicate_participant:
        case reject_reason::contract_not_open:
        case reject_reason::insufficient_funds:
        case reject_reason::insufficient_capacity:
        case reject_reason::open_order_limit:
        case reject_reason::book_order_limit:
        case reject_reason::post_only_would_cross:
        case reject_reason::no_liquidity:
            return 409;
        case reject_reason::capacity_table_full:
        case reject_reason::participant_table_full:
        case reject_reason::contract_table_full:
        case reject_reason::order_pool_full:
            return 503;
        default:
            return 400;
    }
}

// A job's fields (decode_job.cpp) for the reasons the engine may give a well-formed job.
const char* job_field(reject_reason r) {
    switch (r) {
        case reject_reason::invalid_qty:
            return "qty";
        case reject_reason::invalid_price:
            return "max_delivered_price";
        case reject_reason::invalid_window:
            return "hours";
        case reject_reason::market_closed:
        case reject_reason::not_allowed_in_phase:
            return "start";
        case reject_reason::invalid_constraint:
            return "min_green_share";
        case reject_reason::unknown_region:
            return "origin_region";
        case reject_reason::unknown_chip:
            return "chips";
        case reject_reason::invalid_data_volume:
            return "data_gb";
        case reject_reason::invalid_order:
            return "tif";
        default:
            return "";
    }
}

const char* reject_field(reject_reason r, command_kind kind) {
    if (kind == command_kind::job) return job_field(r);
    const bool capacity = kind == command_kind::capacity;
    switch (r) {
        case reject_reason::invalid_price:
        case reject_reason::price_out_of_band:
            return "price";
        case reject_reason::invalid_qty:
            return capacity ? "devices" : "qty";
        case reject_reason::unknown_instrument:
        case reject_reason::market_closed:
            return "symbol";
        case reject_reason::not_allowed_in_phase:
            return "tif";
        case reject_reason::unknown_region:
            return capacity ? "region" : "origin_region";
        case reject_reason::unknown_chip:
            return "chip";
        case reject_reason::invalid_capacity:
            return "from";
        case reject_reason::invalid_data_volume:
            return "data_gb";
        case reject_reason::invalid_amount:
            return "amount";
        case reject_reason::insufficient_funds:
            return kind == command_kind::withdraw ? "amount" : "price";
        case reject_reason::insufficient_capacity:
            return "qty";
        case reject_reason::unknown_order:
            return "order_id";
        case reject_reason::unknown_contract:
            return "contract_id";
        case reject_reason::unknown_participant:
            return "participant_id";
        case reject_reason::duplicate_participant:
            return "name";
        case reject_reason::post_only_would_cross:
            return "post_only";
        default:
            return "";
    }
}

}  // namespace

api_error reject_error(reject_reason r, command_kind kind) {
    api_error e =
        make_error(reject_status(r), reject_code(r), reject_message(r), reject_field(r, kind));
    // The engine's code for an unknown participant is UNAUTHORIZED (the actor); a deposit's
    // unknown target is simply not found.
    if (r == reject_reason::unknown_participant) e.code = "NOT_FOUND";
    if (kind == command_kind::job &&
        (r == reject_reason::market_closed || r == reject_reason::not_allowed_in_phase)) {
        e.message = "every hour of the job must be listed and in continuous trading";
    }
    return e;
}

const api::route api::routes_[] = {
    {"GET", "healthz", false, 0, &api::get_health},
    {"GET", "v1/reference", false, 0, &api::get_reference},
    {"GET", "v1/instruments", false, 0, &api::get_instruments},
    {"GET", "v1/book/*", false, 0, &api::get_book},
    {"GET", "v1/trades/*", false, 0, &api::get_trades},
    {"GET", "v1/bars/*", false, 0, &api::get_bars},
    {"GET", "v1/settlements", false, 0, &api::get_settlements},
    {"GET", "v1/index", false, 0, &api::get_index},
    {"GET", "v1/index/history", false, 0, &api::get_index_history},
    {"POST", "v1/orders", true, traders, &api::post_order},
    {"GET", "v1/orders", true, traders, &api::get_orders},
    {"GET", "v1/orders/*", true, traders, &api::get_order},
    {"DELETE", "v1/orders/*", true, traders, &api::delete_order},
    {"PATCH", "v1/orders/*", true, traders, &api::patch_order},
    {"GET", "v1/fills", true, traders, &api::get_fills},
    {"POST", "v1/jobs", true, role_buyer, &api::post_job},
    {"POST", "v1/capacity", true, role_vendor, &api::post_capacity},
    {"GET", "v1/capacity", true, role_vendor, &api::get_capacity},
    {"GET", "v1/contracts", true, traders, &api::get_contracts},
    {"POST", "v1/contracts/*/fail", true, role_vendor, &api::post_contract_fail},
    {"GET", "v1/account", true, 0, &api::get_account},
    {"GET", "v1/statement", true, 0, &api::get_statement},
    {"POST", "v1/withdrawals", true, traders, &api::post_withdrawal},
    {"POST", "v1/admin/participants", true, role_admin, &api::post_participant},
    {"POST", "v1/admin/deposits", true, role_admin, &api::post_deposit},
    {"GET", "v1/audit", true, role_regulator, &api::get_audit},
    {"GET", "v1/audit.csv", true, role_regulator, &api::get_audit_csv},
    {"GET", "v1/alerts", true, role_regulator, &api::get_alerts},
};

api::api(api_deps d) : d_(std::move(d)), reference_(reference_body(d_.market)) {}

http_response api::error(const api_error& e) {
    http_response r;
    r.status = e.status;
    r.body = error_body(e);
    return r;
}

http_response api::json_response(unsigned status, std::string body) {
    http_response r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

handled api::handle(const http_request& req, const api_session& s, http_response& out) {
    target tgt;
    api_error err;
    if (!parse_target(req.target, tgt, err)) {
        out = error(err);
        return handled::respond;
    }
    const route* found = nullptr;
    bool path_known = false;
    for (const route& r : routes_) {
        if (!matches(r.pattern, tgt.segments)) continue;
        path_known = true;
        if (req.method == r.method) {
            found = &r;
            break;
        }
    }
    if (found == nullptr) {
        out = path_known ? error(make_error(405, "NO_ROUTE",
                                            std::string(req.method) + " is not allowed here"))
                         : error(make_error(404, "NO_ROUTE", "no such route"));
        return handled::respond;
    }
    caller who;
    if (found->auth) {
        const key_entry* k =
            authenticate(d_.keys, req.auth, req.method, req.target, req.body, d_.wall_ms(), err);
        if (k == nullptr) {
            out = error(err);
            return handled::respond;
        }
        uint32_t retry_after = 0;
        if (!req.retry && !d_.keys.take_token(*k, d_.mono_ms(), retry_after)) {
            out = error(make_error(429, "RATE_LIMITED", "too many requests for this key"));
            out.retry_after_s = retry_after;
            return handled::respond;
        }
        who.id = k->participant;
        // Roles are the participant's, from its participant_created event; the key's copy is
        // what was true when it was issued.
        const auto p = d_.accounts.participant(k->participant);
        who.roles = p ? p->roles : k->roles;
        if (found->roles != 0 && (who.roles & found->roles) == 0) {
            out = error(make_error(403, "FORBIDDEN", "this key's roles do not allow this route"));
            return handled::respond;
        }
    }
    if ((req.method == "GET" || req.method == "DELETE") && !req.body.empty()) {
        out = error(make_error(400, "BAD_REQUEST", "this request takes no body"));
        return handled::respond;
    }
    const context c{req, s, tgt, who};
    return (this->*(found->fn))(c, out);
}

handled api::submit(const caller& who, const api_session& s, pending_request p,
                    http_response& out) {
    p.actor = who.id;
    p.lane = s.lane;
    command cmd = p.cmd;
    cmd.actor = who.id;
    cmd.token = d_.routes.arm(s.lane, p, s.sink);
    if (!d_.pipeline.try_submit(cmd)) {
        d_.routes.disarm(s.lane);
        if (p.claim != 0) d_.claims.release(p.claim, p.claim_tag);
        out = error(make_error(503, "UNAVAILABLE", "the exchange is busy or stopping; retry"));
        out.retry_after_s = 1;
        return handled::respond;
    }
    return handled::pending;
}

const key_entry* api::stream_auth(std::string_view key, std::string_view ts, std::string_view sign,
                                  caller& who, api_error& err) {
    const key_entry* k = authenticate(d_.keys, auth_headers{key, ts, sign}, "GET", "/v1/stream", "",
                                      d_.wall_ms(), err);
    if (k == nullptr) {
        // The stream's fields, not the REST headers.
        if (err.field == "CUX-KEY") err.field = "key";
        if (err.field == "CUX-TS") err.field = "ts";
        if (err.field == "CUX-SIGN") err.field = "sign";
        const std::size_t at = err.message.find("CUX-TS");
        if (at != std::string::npos) err.message.replace(at, 6, "ts");
        return nullptr;
    }
    who.id = k->participant;
    const auto p = d_.accounts.participant(k->participant);
    who.roles = p ? p->roles : k->roles;
    return k;
}

bool api::charge(const key_entry& k, api_error& err, uint32_t& retry_after_s) {
    if (d_.keys.take_token(k, d_.mono_ms(), retry_after_s)) return true;
    err = make_error(429, "RATE_LIMITED", "too many requests for this key");
    return false;
}

http_response api::finish(const pending_request& req, const command_outcome& out) {
    if (!out.durable) {
        return error(make_error(503, "OUTCOME_UNKNOWN",
                                "the journal failed: the outcome of this request is unknown"));
    }
    if (out.reject != reject_reason::none) return error(reject_error(out.reject, req.kind));
    switch (req.kind) {
        case command_kind::place:
        case command_kind::cancel:
        case command_kind::replace:
            return finish_order(req, out);
        case command_kind::capacity:
        case command_kind::withdraw:
        case command_kind::deposit:
        case command_kind::create_participant:
        case command_kind::fail_contract:
            return finish_account(req, out);
        case command_kind::job:
            return finish_job(req, out);
    }
    return error(make_error(500, "INTERNAL", "unknown command kind"));
}

bool api::create_key(participant_id p, uint8_t roles, issued_key& key, std::string& error_text) {
    key = issue_key();
    ledger::key_record row;
    row.key_id = key.key_id;
    row.participant = p.value();
    const bool hex_ok = hex_decode(key.secret, row.secret);
    CUX_ASSERT(hex_ok);
    row.created_ts = d_.wall_ms() * 1'000'000;
    if (!d_.key_store.insert(row, error_text)) return false;
    if (!d_.keys.add(key.key_id, p, roles, key.secret)) {
        error_text = "the key table is full";
        return false;
    }
    return true;
}

std::optional<instrument_id> api::instrument_of(std::string_view symbol) const {
    const auto k = parse_symbol(d_.market, symbol);
    if (!k) return std::nullopt;
    return pack(*k);
}

}  // namespace cux::gateway
