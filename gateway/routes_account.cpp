// Money, capacity, contracts and admin: account, statement, withdrawals, capacity, contracts
// (and their failure), participants and deposits.

#include <nlohmann/json.hpp>

#include "engine/symbol.hpp"
#include "gateway/api.hpp"
#include "gateway/decode.hpp"
#include "gateway/json_strict.hpp"
#include "gateway/limits.hpp"
#include "gateway/money.hpp"
#include "gateway/views.hpp"
#include "ledger/reader.hpp"

namespace cux::gateway {

using namespace cux::engine;

namespace {

const event* last_of(const command_outcome& out, event_type t) {
    const event* found = nullptr;
    for (const event& e : out.events) {
        if (e.type == t) found = &e;
    }
    return found;
}

// A body that must be empty or {}.
bool empty_body(std::string_view body, api_error& err) {
    if (body.empty()) return true;
    json j;
    if (!parse_json_object(body, j, err)) return false;
    if (!j.empty()) {
        const std::string k = j.begin().key();
        err = make_error(400, "UNKNOWN_FIELD", "unknown field \"" + k + "\"", k);
        return false;
    }
    return true;
}

}  // namespace

handled api::post_capacity(const context& c, http_response& out) {
    api_error err;
    pending_request p;
    p.kind = command_kind::capacity;
    if (!c.tgt.only({}, err) || !decode_capacity(c.req.body, d_.market, p.cmd, err)) {
        out = error(err);
        return handled::respond;
    }
    return submit(c, p, out);
}

handled api::get_capacity(const context& c, http_response& out) {
    api_error err;
    uint64_t limit = 0;
    if (!c.tgt.only({"limit"}, err) ||
        !c.tgt.uint_param("limit", 1, limits::capacity_rows_per_participant,
                          limits::list_limit_default, limit, err)) {
        out = error(err);
        return handled::respond;
    }
    json list = json::array();
    for (const capacity_row& r : d_.accounts.capacity(c.who.id, limit)) {
        list.push_back(capacity_json(d_.market, r));
    }
    out = json_response(200, list.dump());
    return handled::respond;
}

handled api::get_contracts(const context& c, http_response& out) {
    api_error err;
    uint64_t limit = 0;
    uint64_t cursor = 0;
    if (!c.tgt.only({"role", "status", "limit", "cursor"}, err) ||
        !c.tgt.uint_param("limit", 1, limits::list_limit_max, limits::list_limit_default, limit,
                          err) ||
        !c.tgt.uint_param("cursor", 1, UINT64_MAX, 0, cursor, err)) {
        out = error(err);
        return handled::respond;
    }
    int role = 0;
    if (const auto r = c.tgt.param("role")) {
        if (*r != "buyer" && *r != "seller") {
            out = error(make_error(400, "BAD_REQUEST", "role must be buyer or seller", "role"));
            return handled::respond;
        }
        role = *r == "buyer" ? 1 : 2;
    }
    std::optional<contract_state> state;
    if (const auto s = c.tgt.param("status")) {
        if (*s == "open") state = contract_state::open;
        if (*s == "settled") state = contract_state::settled;
        if (*s == "failed") state = contract_state::failed;
        if (!state) {
            out = error(
                make_error(400, "BAD_REQUEST", "status must be open, settled or failed", "status"));
            return handled::respond;
        }
    }
    json list = json::array();
    for (const contract_row& k : d_.accounts.contracts(c.who.id, role, state, limit, cursor)) {
        list.push_back(contract_json(d_.market, k, c.who.id));
    }
    out = json_response(200, list.dump());
    return handled::respond;
}

handled api::post_contract_fail(const context& c, http_response& out) {
    api_error err;
    if (!c.tgt.only({}, err) || !empty_body(c.req.body, err)) {
        out = error(err);
        return handled::respond;
    }
    const auto id = parse_id(c.tgt.segments[2]);
    if (!id) {
        out = error(make_error(404, "NOT_FOUND", "no such contract of yours", "contract_id"));
        return handled::respond;
    }
    pending_request p;
    p.kind = command_kind::fail_contract;
    p.cmd.type = command_type::fail_contract;
    p.cmd.body.contract.id = contract_id(*id);
    return submit(c, p, out);
}

handled api::get_account(const context& c, http_response& out) {
    api_error err;
    if (!c.tgt.only({}, err)) {
        out = error(err);
        return handled::respond;
    }
    const balance_row b = d_.accounts.balance(c.who.id);
    const json body = {{"available", format_fen(b.available_fen)},
                       {"escrow", format_fen(b.escrow_fen)},
                       {"held_by_orders", format_fen(b.held_fen)},
                       {"currency", "CNY"}};
    out = json_response(200, body.dump());
    return handled::respond;
}

handled api::get_statement(const context& c, http_response& out) {
    api_error err;
    uint64_t limit = 0;
    uint64_t cursor = 0;
    if (!c.tgt.only({"from", "to", "limit", "cursor"}, err) ||
        !c.tgt.uint_param("limit", 1, limits::list_limit_max, limits::list_limit_default, limit,
                          err) ||
        !c.tgt.uint_param("cursor", 1, INT64_MAX, 0, cursor, err)) {
        out = error(err);
        return handled::respond;
    }
    utc_ns from = 0;
    utc_ns to = INT64_MAX;
    if (!c.tgt.time_range(from, to, err)) {
        out = error(err);
        return handled::respond;
    }
    // The ledger is the book of record for statements; it is read on a connection of its own.
    auto reader = ledger::reader::open(d_.ledger_db);
    if (!reader) {
        out = error(make_error(503, "UNAVAILABLE", "the ledger cannot be read"));
        return handled::respond;
    }
    auto lines = reader.value().statement(c.who.id, from, to, limit, static_cast<int64_t>(cursor));
    if (!lines) {
        out = error(
            make_error(503, "UNAVAILABLE", "the ledger cannot be read: " + lines.error().message));
        return handled::respond;
    }
    json list = json::array();
    for (const ledger::statement_line& l : lines.value()) {
        list.push_back(
            {{"transfer_id", std::to_string(l.transfer)},
             {"seq", l.event_seq},
             {"time", format_rfc3339(l.ts)},
             {"kind", ledger::line_kind_name(l.kind)},
             {"account", ledger::account_kind_name(l.account)},
             {"amount", format_fen(l.amount_fen)},
             {"ref", std::to_string(l.ref)},
             {"contract_id", l.contract != 0 ? json(std::to_string(l.contract)) : json(nullptr)}});
    }
    out = json_response(200, list.dump());
    return handled::respond;
}

handled api::post_withdrawal(const context& c, http_response& out) {
    api_error err;
    pending_request p;
    p.kind = command_kind::withdraw;
    if (!c.tgt.only({}, err) || !decode_withdrawal(c.req.body, p.cmd, err)) {
        out = error(err);
        return handled::respond;
    }
    return submit(c, p, out);
}

handled api::post_participant(const context& c, http_response& out) {
    api_error err;
    pending_request p;
    p.kind = command_kind::create_participant;
    if (!c.tgt.only({}, err) || !decode_participant(c.req.body, p.cmd, err)) {
        out = error(err);
        return handled::respond;
    }
    return submit(c, p, out);
}

handled api::post_deposit(const context& c, http_response& out) {
    api_error err;
    pending_request p;
    p.kind = command_kind::deposit;
    if (!c.tgt.only({}, err) || !decode_deposit(c.req.body, p.cmd, err)) {
        out = error(err);
        return handled::respond;
    }
    if (!d_.accounts.participant(p.cmd.body.money.target)) {
        out = error(make_error(404, "NOT_FOUND", "no such participant", "participant_id"));
        return handled::respond;
    }
    return submit(c, p, out);
}

http_response api::finish_account(const pending_request& req, const command_outcome& out) {
    switch (req.kind) {
        case command_kind::capacity: {
            const event* e = last_of(out, event_type::capacity_changed);
            if (e == nullptr) break;
            capacity_row r{out.seq,
                           e->body.capacity.chip,
                           e->body.capacity.region,
                           e->body.capacity.registered_delta.value(),
                           e->body.capacity.from_hour,
                           e->body.capacity.to_hour};
            return json_response(201, capacity_json(d_.market, r).dump());
        }
        case command_kind::withdraw:
        case command_kind::deposit: {
            const participant_id who =
                req.kind == command_kind::deposit ? req.cmd.body.money.target : req.actor;
            int64_t available = d_.accounts.balance(who).available_fen;
            for (const event& e : out.events) {
                if (e.type == event_type::balance_changed && e.body.balance.participant == who) {
                    available = e.body.balance.available.value();
                }
            }
            json body = {{"amount", format_fen(req.cmd.body.money.amount.value())},
                         {"available", format_fen(available)},
                         {"seq", out.seq}};
            if (req.kind == command_kind::deposit) {
                body["participant_id"] = std::to_string(who.value());
            }
            return json_response(200, body.dump());
        }
        case command_kind::create_participant: {
            const event* e = last_of(out, event_type::participant_created);
            if (e == nullptr) break;
            const participant_id id = e->body.created.participant;
            issued_key key;
            std::string why;
            if (!create_key(id, e->body.created.roles, key, why)) {
                return error(make_error(500, "INTERNAL",
                                        "participant " + std::to_string(id.value()) +
                                            " was created but its key was not stored: " + why));
            }
            const json body = {{"participant_id", std::to_string(id.value())},
                               {"key", key.key_id},
                               {"secret", key.secret}};
            return json_response(201, body.dump());
        }
        case command_kind::fail_contract: {
            const auto k = d_.accounts.contract(req.actor, req.cmd.body.contract.id.value());
            if (!k) break;
            return json_response(200, contract_json(d_.market, *k, req.actor).dump());
        }
        default:
            break;
    }
    return error(make_error(500, "INTERNAL", "the command's outcome has no result event"));
}

}  // namespace cux::gateway
