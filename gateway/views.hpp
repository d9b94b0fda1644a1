#pragma once
// JSON views of the read models' rows and of command outcomes: the response bodies of
// API.md, each described by a schema in schemas/api/. Money as decimal strings (money.hpp),
// ids as decimal strings, times as RFC 3339 UTC. Any thread, no state.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "engine/market.hpp"
#include "gateway/account_model.hpp"
#include "gateway/market_model.hpp"
#include "gateway/outcome.hpp"

namespace cux::gateway {

using json = nlohmann::json;

// GET /v1/reference: the standard in force (computed once at start-up).
std::string reference_body(const engine::market_config& m);

json instrument_json(const engine::market_config& m, const instrument_row& r);
json book_json(const std::string& symbol, const book_snapshot& b);
json trade_json(const trade_row& t);
json order_json(const engine::market_config& m, const order_row& o);
// order_json(m, o).dump(), written without a DOM (the reply to a cancel or replace).
std::string order_text(const engine::market_config& m, const order_row& o);
json fill_json(const engine::market_config& m, const fill_row& f);
json contract_json(const engine::market_config& m, const contract_row& c,
                   engine::participant_id viewer);
json capacity_json(const engine::market_config& m, const capacity_row& c);
json roles_json(uint8_t roles);

// "open", "partially_filled", "filled" or "cancelled".
const char* order_status(const order_row& o);

// The 201 body of POST /v1/orders from the placing command's outcome (accepted, no rejection).
json placed_order_json(const command_outcome& out, engine::participant_id actor);
// placed_order_json(out, actor).dump(), written without a DOM (the reply to every order).
std::string placed_order_text(const command_outcome& out, engine::participant_id actor);

// The body of POST /v1/jobs from the job's outcome (not rejected: it holds the job's
// job_candidate events, its trades and its job_done; event_consumer.cpp), the job's terms as
// submitted (start, hours and the limits its reasons quote) and `reason`: null, or
// {"code","message"} of the job_done's reason when nothing was (or would be) bought.
json job_json(const engine::market_config& m, const command_outcome& out,
              const engine::job_body& terms, json reason);

// Average of price x qty over qty in fen, rounded half up, as a decimal; none when qty is 0.
std::optional<std::string> avg_price_text(int64_t notional_fen, int64_t qty);

}  // namespace cux::gateway
