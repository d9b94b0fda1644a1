#pragma once
// The stream's messages (API.md "Stream"), free of any transport: a client message parsed
// strictly into a stream_request, channel names, and the text of the server's replies. Each
// message has a JSON Schema in schemas/api/stream_*.json.
//
// Client -> server, one JSON object per text message (strict as REST bodies: malformed JSON,
// duplicate keys, nesting deeper than limits::json_depth_max, unknown fields and wrong types are
// refused with BAD_REQUEST / UNKNOWN_FIELD; the connection stays open). Every op may carry
// "req_id" (a string of 1 to 64 bytes or an integer in [0, 2^53)), echoed in its reply; order and
// cancel require it:
//   {"op":"auth","key","ts","sign"}  ts: ms since the epoch, a number or a decimal string;
//                                    sign = hex HMAC-SHA256(secret, ts + "GET" + "/v1/stream")
//   {"op":"subscribe"|"unsubscribe","channels":[...]}  1..64 distinct names
//   {"op":"order", ...the body of POST /v1/orders..., "req_id"}
//   {"op":"cancel","order_id","req_id"}
//   {"op":"ping"}
// Channels: book:<symbol>, trades:<symbol>, bars:<symbol>:1m|1h, index (public), orders, fills
// (the caller's own; need auth), alerts (surveillance, regulator only; stream_hub.hpp).
//
// Server -> client replies (channel messages are built by stream_hub):
//   {"type":"authenticated","req_id","participant_id","roles"}
//   {"type":"subscribed"|"unsubscribed","req_id","channels"}
//   {"type":"pong","req_id","time"}
//   {"type":"result","op","req_id","status","result":<the REST response body>}
//   {"type":"error","op","req_id","status","error":{"code","message","field"}}
//   {"type":"heartbeat","time"}
// req_id (and op) are null when the message had none (or could not be read that far).
// Any thread, no state.

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "engine/command.hpp"
#include "engine/market.hpp"
#include "gateway/api_error.hpp"
#include "gateway/stream_text.hpp"

namespace cux::gateway {

enum class stream_op : uint8_t { auth, subscribe, unsubscribe, order, cancel, ping };

struct stream_request {
    stream_op op = stream_op::ping;
    std::string op_name;  // as sent, once known ("" before)
    std::string req_id;   // the req_id as JSON text ("\"a-1\"", "42"); "" when absent
    // auth
    std::string key;
    std::string ts;  // decimal text
    std::string sign;
    // subscribe, unsubscribe: as sent, distinct
    std::vector<std::string> channels;
    // order: decoded exactly as POST /v1/orders decodes its body (type and body set)
    engine::command order;
    // cancel
    engine::order_id cancel_id{0};
};

// Parses one client message. On false, `err` says why and `out.op_name` / `out.req_id` hold what
// could be read of them (for the error reply).
bool parse_stream_request(std::string_view text, const engine::market_config& m,
                          stream_request& out, api_error& err);
// The same, always through the strict DOM parser: parse_stream_request reads plain flat
// messages without a DOM (json_flat.hpp) and must answer exactly as this does (tests).
bool parse_stream_request_dom(std::string_view text, const engine::market_config& m,
                              stream_request& out, api_error& err);

// A channel name -> its key. The participant of orders/fills is filled in by the caller (the
// key's id is 0 here). Refusals: UNKNOWN_CHANNEL,
// UNKNOWN_INSTRUMENT (a symbol that cannot exist); all 400 with field "channels".
bool parse_channel(std::string_view name, const engine::market_config& m, channel_key& out,
                   api_error& err);
// The name of a channel ("book:<symbol>", "orders", ...).
std::string channel_name(const engine::market_config& m, const channel_key& k);

// Reply texts. `req_id` is JSON text or "" (null).
std::string error_reply(std::string_view op, std::string_view req_id, const api_error& e);
// {"type":"result",...}: `body` is the REST response body (a JSON object, as text).
std::string result_reply(std::string_view op, std::string_view req_id, unsigned status,
                         std::string_view body);
// {"type":"error",...} from a REST error response (status + {"error":{...}} body).
std::string error_reply_from_body(std::string_view op, std::string_view req_id, unsigned status,
                                  std::string_view body);
std::string authenticated_reply(std::string_view req_id, engine::participant_id p, uint8_t roles);
std::string channels_reply(bool subscribed, std::string_view req_id,
                           const std::vector<std::string>& channels);
std::string pong_reply(std::string_view req_id, engine::utc_ns now);
std::string heartbeat_message(engine::utc_ns now);

// A channel message whose seq is spliced per connection:
//   {"channel":<name>,"type":"snapshot"|"update","seq":<N>,<the members of body>}
// `body` must be a non-empty JSON object.
shared_text channel_message(std::string_view channel, bool snapshot, const nlohmann::json& body);

}  // namespace cux::gateway
