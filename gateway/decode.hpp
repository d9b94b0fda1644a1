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
//   UNKNOWN_INSTRUMENT, UNKNOWN_REGION, UNKNOWN_CHIP, INVALID_DATA_VOLUME, INVALID_CAPACITY
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

// POST /v1/orders (and the stream's order op, minus its op/req_id fields).
bool decode_place_order(std::string_view body, const engine::market_config& m, engine::command& out,
                        api_error& err);
// The same from a JSON object parsed already (the stream's order op, op/req_id removed).
bool decode_place_order_object(const nlohmann::json& body, const engine::market_config& m,
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
