// Orders and fills: place (idempotent by client_order_id), cancel, replace, list, show, fills.

#include <cstring>
#include <nlohmann/json.hpp>

#include "gateway/api.hpp"
#include "gateway/decode.hpp"
#include "gateway/limits.hpp"
#include "gateway/views.hpp"

namespace cux::gateway {

using namespace cux::engine;

namespace {

// The order id of /v1/orders/{id}; nullopt when it cannot be one (then it is simply not found).
std::optional<order_id> path_order(const target& t) {
    const auto v = parse_id(t.segments[2]);
    if (!v) return std::nullopt;
    return order_id(*v);
}

http_response not_found_order() {
    return api::error(make_error(404, "NOT_FOUND", "no such order", "order_id"));
}

}  // namespace

std::optional<http_response> api::gate_closed() const {
    if (!d_.order_gate) return std::nullopt;
    const std::string why = d_.order_gate();
    if (why.empty()) return std::nullopt;
    http_response r = api::error(make_error(503, "UNAVAILABLE", "orders are paused: " + why));
    r.retry_after_s = 1;
    return r;
}

std::optional<handled> api::claim_client_order_id(const caller& who, const char* coid,
                                                  std::size_t coid_len, pending_request& p,
                                                  http_response& out) {
    if (coid_len == 0) return std::nullopt;
    // Claim the client_order_id first, then look for its result: a request that finds the
    // claim taken waits for the one in flight, so the same id is never submitted twice.
    const uint64_t tag = claim_tags_.fetch_add(1, std::memory_order_relaxed) + 1;
    const uint32_t claim = d_.claims.try_claim(who.id, coid, coid_len, tag);
    if (claim == 0) return handled::wait;
    if (const auto prior = d_.accounts.result(who.id, std::string_view(coid, coid_len))) {
        d_.claims.release(claim, tag);
        p.actor = who.id;
        // Orders and jobs share the participant's client_order_ids: an id one of them used is
        // not the other's to take (its result would not be this request's kind of answer).
        out = prior->command == p.cmd.type
                  ? finish(p, *prior)
                  : error(make_error(409, "DUPLICATE_CLIENT_ID",
                                     p.cmd.type == command_type::place_job
                                         ? "this client_order_id was used by an order"
                                         : "this client_order_id was used by a job",
                                     "client_order_id"));
        return handled::respond;
    }
    p.claim = claim;
    p.claim_tag = tag;
    return std::nullopt;
}

handled api::post_order(const context& c, http_response& out) {
    api_error err;
    pending_request p;
    p.kind = command_kind::place;
    if (!c.tgt.only({}, err) || !decode_place_order(c.req.body, d_.market, p.cmd, err)) {
        out = error(err);
        return handled::respond;
    }
    return place_order(c.who, c.session, std::move(p), out);
}

handled api::place_order(const caller& who, const api_session& s, pending_request p,
                         http_response& out) {
    CUX_ASSERT(p.kind == command_kind::place && p.cmd.type == command_type::place_order);
    const bool buy = p.cmd.body.place.sd == side::buy;
    if ((who.roles & (buy ? role_buyer : role_vendor)) == 0) {
        out = error(make_error(403, "FORBIDDEN",
                               buy ? "only a buyer may buy" : "only a vendor may sell", "side"));
        return handled::respond;
    }
    if (auto closed = gate_closed()) {
        out = std::move(*closed);
        return handled::respond;
    }
    const char* coid = p.cmd.body.place.client_order_id;
    const std::size_t coid_len = strnlen(coid, sizeof p.cmd.body.place.client_order_id);
    if (const auto h = claim_client_order_id(who, coid, coid_len, p, out)) return *h;
    return submit(who, s, p, out);
}

handled api::get_orders(const context& c, http_response& out) {
    api_error err;
    uint64_t limit = 0;
    uint64_t cursor = 0;
    if (!c.tgt.only({"status", "symbol", "limit", "cursor"}, err) ||
        !c.tgt.uint_param("limit", 1, limits::list_limit_max, limits::list_limit_default, limit,
                          err) ||
        !c.tgt.uint_param("cursor", 1, UINT64_MAX, 0, cursor, err)) {
        out = error(err);
        return handled::respond;
    }
    bool open_only = true;
    if (const auto s = c.tgt.param("status")) {
        if (*s != "open" && *s != "all") {
            out = error(make_error(400, "BAD_REQUEST", "status must be open or all", "status"));
            return handled::respond;
        }
        open_only = *s == "open";
    }
    instrument_id inst(0);
    if (const auto sym = c.tgt.param("symbol")) {
        const auto id = instrument_of(*sym);
        if (!id) {
            out = error(make_error(400, "UNKNOWN_INSTRUMENT", "no such instrument", "symbol"));
            return handled::respond;
        }
        inst = *id;
    }
    json list = json::array();
    for (const order_row& o : d_.accounts.orders(c.who.id, open_only, inst, limit, cursor)) {
        list.push_back(order_json(d_.market, o));
    }
    out = json_response(200, list.dump());
    return handled::respond;
}

handled api::get_order(const context& c, http_response& out) {
    api_error err;
    if (!c.tgt.only({}, err)) {
        out = error(err);
        return handled::respond;
    }
    const auto id = path_order(c.tgt);
    const auto o = id ? d_.accounts.order(c.who.id, *id) : std::nullopt;
    out = o ? json_response(200, order_text(d_.market, *o)) : not_found_order();
    return handled::respond;
}

handled api::delete_order(const context& c, http_response& out) {
    api_error err;
    if (!c.tgt.only({}, err)) {
        out = error(err);
        return handled::respond;
    }
    const auto id = path_order(c.tgt);
    if (!id) {
        out = not_found_order();
        return handled::respond;
    }
    return cancel_order(c.who, c.session, *id, out);
}

handled api::cancel_order(const caller& who, const api_session& s, order_id id,
                          http_response& out) {
    pending_request p;
    p.kind = command_kind::cancel;
    p.cmd.type = command_type::cancel_order;
    p.cmd.body.cancel.id = id;
    return submit(who, s, p, out);
}

handled api::patch_order(const context& c, http_response& out) {
    api_error err;
    replace_fields f;
    if (!c.tgt.only({}, err) || !decode_replace(c.req.body, f, err)) {
        out = error(err);
        return handled::respond;
    }
    const auto id = path_order(c.tgt);
    const auto o = id ? d_.accounts.order(c.who.id, *id) : std::nullopt;
    if (!o || o->done) {
        out = not_found_order();
        return handled::respond;
    }
    if (auto closed = gate_closed()) {
        out = std::move(*closed);
        return handled::respond;
    }
    pending_request p;
    p.kind = command_kind::replace;
    p.cmd.type = command_type::replace_order;
    p.cmd.body.replace.id = *id;
    p.cmd.body.replace.price = price_fen(f.price_fen.value_or(o->price_fen));
    p.cmd.body.replace.qty = qty_devices(f.qty.value_or(o->remaining));
    return submit(c, p, out);
}

handled api::get_fills(const context& c, http_response& out) {
    api_error err;
    uint64_t limit = 0;
    uint64_t cursor = 0;
    if (!c.tgt.only({"symbol", "limit", "cursor"}, err) ||
        !c.tgt.uint_param("limit", 1, limits::list_limit_max, limits::list_limit_default, limit,
                          err) ||
        !c.tgt.uint_param("cursor", 1, UINT64_MAX, 0, cursor, err)) {
        out = error(err);
        return handled::respond;
    }
    instrument_id inst(0);
    if (const auto sym = c.tgt.param("symbol")) {
        const auto id = instrument_of(*sym);
        if (!id) {
            out = error(make_error(400, "UNKNOWN_INSTRUMENT", "no such instrument", "symbol"));
            return handled::respond;
        }
        inst = *id;
    }
    json list = json::array();
    for (const fill_row& f : d_.accounts.fills(c.who.id, inst, limit, cursor)) {
        list.push_back(fill_json(d_.market, f));
    }
    out = json_response(200, list.dump());
    return handled::respond;
}

http_response api::finish_order(const pending_request& req, const command_outcome& out) {
    if (req.kind == command_kind::place) {
        return json_response(201, placed_order_text(out, req.actor));
    }
    // Cancel and replace answer with the order's state after the command: the read model has
    // applied the command's events before its outcome was handed over.
    const order_id id =
        req.kind == command_kind::cancel ? req.cmd.body.cancel.id : req.cmd.body.replace.id;
    const auto o = d_.accounts.order(req.actor, id);
    if (!o) return not_found_order();
    return json_response(200, order_text(d_.market, *o));
}

}  // namespace cux::gateway
