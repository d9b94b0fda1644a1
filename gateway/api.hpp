#pragma once
// The REST API of API.md, free of any transport: a session hands over a parsed request and gets
// back a response at once (reads, errors), or "pending" after the request became an engine
// command (the outcome comes back through the session's completion sink and finish()), or
// "wait" when another request with the same client_order_id is in flight (the session retries
// the same request shortly; retries are not charged to the rate limit again).
//
// Every request: target parsed strictly (target.hpp), route found (404 NO_ROUTE, 405 for a known
// path with another method), then for private routes: authentication (401 UNAUTHORIZED, see
// auth.hpp), the per-key rate limit (429 RATE_LIMITED, Retry-After), the route's roles (403
// FORBIDDEN), and the body decoded strictly (400, see decode.hpp). Roles per route:
//   public (no key)            GET /healthz /v1/reference /v1/instruments /v1/book/{s}
//   /v1/trades/{s} /v1/bars/{s} /v1/settlements /v1/index /v1/index/history
//   buyer or vendor            POST/GET /v1/orders, GET/DELETE/PATCH
//   /v1/orders/{id}, GET /v1/fills,
//                              GET /v1/contracts, POST /v1/withdrawals; a buy needs buyer, a
//                              sell vendor (so a regulator or a pure admin never trades)
//   buyer                      POST /v1/jobs
//   vendor                     POST/GET /v1/capacity, POST /v1/contracts/{id}/fail
//   any participant            GET /v1/account, GET /v1/statement
//   admin                      POST /v1/admin/participants, POST /v1/admin/deposits
//   regulator                  GET /v1/audit, /v1/audit.csv, /v1/alerts (audit store)
// A participant only ever sees its own orders, fills, contracts and statement: another's order
// id is 404 NOT_FOUND, exactly as an unknown one.
//
// Engine rejections map to statuses by kind: validation 400 (unknown order or contract 404,
// forbidden 403), state and risk 409 (MARKET_CLOSED, INSUFFICIENT_FUNDS, ...), exhausted tables
// 503; codes are engine::reject_code(). A command that cannot be queued (ring full, stopping)
// is 503 UNAVAILABLE, and so is a new order or replace while the order gate is shut (the ledger
// is failed or too far behind); an outcome the journal could not make durable is 503
// OUTCOME_UNKNOWN. Statements are read from the ledger (ledger::reader, a connection per
// request); without a ledger database they are 503 UNAVAILABLE.
//
// Threads: handle() and finish() from any I/O thread, concurrently. No mutex on the command
// path: reads take the read models' shared locks; submission is the lock-free command ring.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "engine/market.hpp"
#include "engine/pipeline.hpp"
#include "gateway/account_model.hpp"
#include "gateway/api_error.hpp"
#include "gateway/auth.hpp"
#include "gateway/event_consumer.hpp"
#include "gateway/key_table.hpp"
#include "gateway/market_model.hpp"
#include "gateway/outcome.hpp"
#include "gateway/route_table.hpp"
#include "gateway/target.hpp"
#include "ledger/keys.hpp"

namespace cux::gateway {

struct http_request {
    std::string_view method;  // as sent, e.g. "GET"
    std::string_view target;  // path with query, as sent (what CUX-SIGN covers)
    std::string_view body;
    auth_headers auth;
    bool retry = false;  // the same request again after a "wait"
};

struct http_response {
    unsigned status = 200;
    std::string body;
    uint32_t retry_after_s = 0;  // > 0: a Retry-After header
    std::string content_type;    // empty: application/json
};

// What a session is to the API: where its commands' outcomes go.
struct api_session {
    uint32_t lane = 0;  // the lane its commands use
    std::shared_ptr<completion_sink> sink;
};

enum class handled : uint8_t { respond = 0, pending = 1, wait = 2 };

struct api_deps {
    engine::pipeline& pipeline;
    const engine::market_config& market;
    key_table& keys;
    ledger::key_store& key_store;
    market_model& market_data;
    account_model& accounts;
    event_consumer& consumer;
    route_table& routes;
    claim_table& claims;
    std::function<int64_t()> wall_ms;   // the clock CUX-TS is checked against
    std::function<uint64_t()> mono_ms;  // the rate limiter's clock
    std::string ledger_db;              // DIR/cux.db: statements are read from the ledger
    // "" while new orders may be accepted, else why not (the ledger writer's order gate).
    std::function<std::string()> order_gate;
    std::string market_data_db;  // DIR/marketdata.db: bars, settlements, index history
    std::string audit_db;        // DIR/audit.db: the regulator's routes read the audit store
};

class api {
public:
    explicit api(api_deps d);

    handled handle(const http_request& req, const api_session& s, http_response& out);
    // The response of a pending request once its outcome arrived (the session's thread).
    http_response finish(const pending_request& req, const command_outcome& out);

    // Issues a key for participant p and stores it (SQLite, then the in-memory table). False
    // and `error` when it could not be stored.
    bool create_key(engine::participant_id p, uint8_t roles, issued_key& key, std::string& error);

    struct caller {
        engine::participant_id id;
        uint8_t roles = 0;
    };

    // ---- the stream (/v1/stream), whose caller authenticates once per connection ----
    // {"op":"auth"}: the key of a correct signature over TS + "GET" + "/v1/stream", and the
    // caller it names (roles as for REST); nullptr and `err` (401 UNAUTHORIZED, field key, ts
    // or sign) otherwise.
    const key_entry* stream_auth(std::string_view key, std::string_view ts, std::string_view sign,
                                 caller& who, api_error& err);
    // Charges one request to the key's rate limit; false and `err` (429 RATE_LIMITED,
    // retry_after_s) when it is exhausted.
    bool charge(const key_entry& k, api_error& err, uint32_t& retry_after_s);
    // The order entry of POST /v1/orders and DELETE /v1/orders/{id} for a decoded command:
    // the same roles, order gate, client_order_id idempotency (handled::wait: try the same
    // again shortly) and submission; the outcome comes back to s.sink with finish().
    handled place_order(const caller& who, const api_session& s, pending_request p,
                        http_response& out);
    handled cancel_order(const caller& who, const api_session& s, engine::order_id id,
                         http_response& out);

    // An error response.
    static http_response error(const api_error& e);
    static http_response json_response(unsigned status, std::string body);

    struct context {
        const http_request& req;
        const api_session& session;
        const target& tgt;
        caller who;
    };
    using route_fn = handled (api::*)(const context&, http_response&);

private:
    // routes_public.cpp
    handled get_health(const context& c, http_response& out);
    handled get_reference(const context& c, http_response& out);
    handled get_instruments(const context& c, http_response& out);
    handled get_book(const context& c, http_response& out);
    handled get_trades(const context& c, http_response& out);
    // routes_market_data.cpp
    handled get_bars(const context& c, http_response& out);
    handled get_settlements(const context& c, http_response& out);
    handled get_index(const context& c, http_response& out);
    handled get_index_history(const context& c, http_response& out);
    // routes_orders.cpp
    handled post_order(const context& c, http_response& out);
    handled get_orders(const context& c, http_response& out);
    handled get_order(const context& c, http_response& out);
    handled delete_order(const context& c, http_response& out);
    handled patch_order(const context& c, http_response& out);
    handled get_fills(const context& c, http_response& out);
    // routes_jobs.cpp
    handled post_job(const context& c, http_response& out);
    // routes_account.cpp
    handled post_capacity(const context& c, http_response& out);
    handled get_capacity(const context& c, http_response& out);
    handled get_contracts(const context& c, http_response& out);
    handled post_contract_fail(const context& c, http_response& out);
    handled get_account(const context& c, http_response& out);
    handled get_statement(const context& c, http_response& out);
    handled post_withdrawal(const context& c, http_response& out);
    handled post_participant(const context& c, http_response& out);
    handled post_deposit(const context& c, http_response& out);
    // routes_regulator.cpp
    handled get_audit(const context& c, http_response& out);
    handled get_audit_csv(const context& c, http_response& out);
    handled get_alerts(const context& c, http_response& out);

    // Arms the session's lane and queues the command (api.cpp).
    handled submit(const context& c, pending_request p, http_response& out) {
        return submit(c.who, c.session, std::move(p), out);
    }
    handled submit(const caller& who, const api_session& s, pending_request p, http_response& out);
    // finish() per kind (routes_orders.cpp / routes_account.cpp).
    http_response finish_order(const pending_request& req, const command_outcome& out);
    http_response finish_account(const pending_request& req, const command_outcome& out);
    http_response finish_job(const pending_request& req, const command_outcome& out);
    // The ledger's order gate (routes_orders.cpp): a 503 when it is shut, else nullopt.
    std::optional<http_response> gate_closed() const;
    // Idempotency of a placing command with client_order_id `coid` (routes_orders.cpp): nullopt
    // when it is to be submitted (p then holds the id's claim, or coid is empty); else how the
    // request was handled: wait (the same id is in flight), or respond with the original
    // result in `out` (409 DUPLICATE_CLIENT_ID when an order's id is reused by a job or the
    // other way round).
    std::optional<handled> claim_client_order_id(const caller& who, const char* coid,
                                                 std::size_t coid_len, pending_request& p,
                                                 http_response& out);
    // The instrument named by a path segment or query parameter (nullopt: unknown).
    std::optional<engine::instrument_id> instrument_of(std::string_view symbol) const;

    struct route {
        const char* method;
        const char* pattern;  // segments separated by '/', '*' matches one segment
        bool auth;
        uint8_t roles;  // any of these role bits (0: any participant)
        route_fn fn;
    };
    static const route routes_[];

    api_deps d_;
    std::string reference_;  // GET /v1/reference, computed once
    std::atomic<uint64_t> claim_tags_{0};
};

// The HTTP status and field of an engine rejection for a command kind.
api_error reject_error(engine::reject_reason r, command_kind kind);

}  // namespace cux::gateway
