#pragma once
// Request decoders: a JSON body -> an engine command (or the values a route needs), parsed once
// at the edge and checked strictly. Every problem is an api_error with a stable code and the
// offending field:
//   BAD_REQUEST      malformed JSON, duplicate key, deep nesting, missing field, wrong type,
//                    a bad enum value or id
//   UNKNOWN_FIELD    a field the message does not have (field = its name)
//   INVALID_PRICE    a price that is not a decimal with <= 2 places, zero, or above the maximum
//   INVALID_QTY      a quantity or device count <= 0 or above the maximum
//   INVALID_AMOUNT   an amount that is not a positive decimal with <= 2 places, or too large
//   UNKNOWN_INSTRUMENT, UNKNOWN_REGION, UNKNOWN_CHIP, INVALID_DATA_VOLUME, INVALID_CAPACITY,
//   and for jobs INVALID_WINDOW, INVALID_CONSTRAINT
// All 400. Decoders fill the command's type and body, never seq/ts/token/actor (the caller's).
// Any thread, no state; the market is read-only. This is the fuzz target's entry point
// (tests/gateway/fuzz_decode.cpp).

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "engine/command.hpp"
#include "engine/market.hpp"
#include "gateway/api_error.hpp"

namespace cux::gateway {

class flat_object;

// POST /v1/orders (and the stream's order op, minus its op/req_id fields).
bool decode_place_order(std::string_view body, const engine::market_config& m, engine::command& out,
                        api_error& err);
// The same from a JSON object parsed already (the stream's order op, op/req_id removed).
bool decode_place_order_object(const nlohmann::json& body, const engine::market_config& m,
                               engine::command& out, api_error& err);
// The same from a flat object (json_flat.hpp): the same checks, the same errors.
bool decode_place_order_object(const flat_object& body, const engine::market_config& m,
                               engine::command& out, api_error& err);

// PATCH /v1/orders/{id}: {"price","qty"}, at least one of them.
struct replace_fields {
    std::optional<int64_t> price_fen;
    std::optional<int64_t> qty;
};
bool decode_replace(std::string_view body, replace_fields& out, api_error& err);

// POST /v1/capacity: {"chip","region","devices","from","to"}, from/to on whole UTC hours.
bool decode_capacity(std::string_view body, const engine::market_config& m, engine::command& out,
                     api_error& err);

// POST /v1/jobs: a job order (API.md; engine/command.hpp job_body), every field checked as the
// engine would and more strictly: the chips (`chips`, or `min_tflops` / `min_memory_gb`, or
// both: a named chip must meet the minimums too; at least one of them), the size (`qty`
// devices or `pflops`, exactly one), `start` (a whole UTC hour, RFC 3339), `hours`,
// `origin_region`, `data_gb`, `max_rtt_ms`, `allowed_regions`, `min_green_share`,
// `max_delivered_price`, `split`, `tif` (ioc or fok, default fok), `dry_run`,
// `client_order_id`. Decimals (`pflops`, `min_tflops`, `max_rtt_ms`, `min_green_share`) are
// JSON numbers with at most 3 decimals. Codes: INVALID_QTY (qty, pflops), INVALID_WINDOW
// (start, hours), INVALID_PRICE (max_delivered_price), INVALID_CONSTRAINT (min_tflops,
// min_memory_gb, max_rtt_ms, min_green_share), UNKNOWN_CHIP, UNKNOWN_REGION,
// INVALID_DATA_VOLUME, and those of the header comment.
bool decode_job(std::string_view body, const engine::market_config& m, engine::command& out,
                api_error& err);

// POST /v1/withdrawals: {"amount"}.
bool decode_withdrawal(std::string_view body, engine::command& out, api_error& err);

// POST /v1/admin/deposits: {"participant_id","amount"}.
bool decode_deposit(std::string_view body, engine::command& out, api_error& err);

// POST /v1/admin/participants: {"name","roles":[...]}; roles are admin, vendor, buyer,
// regulator, unique, and a regulator holds no trading role.
bool decode_participant(std::string_view body, engine::command& out, api_error& err);

// Decimal ids in paths and bodies ("42"): no sign, no leading zeros, fits the type.
std::optional<uint64_t> parse_id(std::string_view s);

}  // namespace cux::gateway
