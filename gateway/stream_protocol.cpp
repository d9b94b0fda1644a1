#include "gateway/stream_protocol.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "engine/symbol.hpp"
#include "gateway/decode.hpp"
#include "gateway/json_flat.hpp"
#include "gateway/json_strict.hpp"
#include "gateway/json_text.hpp"
#include "gateway/limits.hpp"
#include "gateway/views.hpp"

namespace cux::gateway {

namespace {

using namespace cux::engine;

constexpr int64_t req_id_int_max = (int64_t{1} << 53) - 1;  // exact in every JSON reader

api_error bad(std::string message, std::string field = {}) {
    return make_error(400, "BAD_REQUEST", std::move(message), std::move(field));
}

// Keys other than these (besides "op" and "req_id") are refused.
template <class Obj>
bool only(const Obj& j, std::initializer_list<std::string_view> known, api_error& err) {
    for (const auto& [k, v] : j.items()) {
        if (k == "op" || k == "req_id") continue;
        if (std::find(known.begin(), known.end(), std::string_view(k)) == known.end()) {
            err = make_error(400, "UNKNOWN_FIELD", "unknown field \"" + k + "\"", k);
            return false;
        }
    }
    return true;
}

template <class Obj>
bool text_field(const Obj& j, const char* k, std::size_t max_bytes, std::string& out,
                api_error& err) {
    const auto it = j.find(k);
    if (it == j.end()) {
        err = bad(std::string("missing field ") + k, k);
        return false;
    }
    if (!it->is_string() || it->template get_ref<const std::string&>().empty() ||
        it->template get_ref<const std::string&>().size() > max_bytes) {
        err = bad(
            std::string(k) + " must be a string of 1 to " + std::to_string(max_bytes) + " bytes",
            k);
        return false;
    }
    out = it->template get<std::string>();
    return true;
}

// The req_id as JSON text; false when present and malformed.
template <class Obj>
bool read_req_id(const Obj& j, std::string& out, api_error& err) {
    const auto it = j.find("req_id");
    if (it == j.end()) return true;
    const bool text_ok =
        it->is_string() && !it->template get_ref<const std::string&>().empty() &&
        it->template get_ref<const std::string&>().size() <= limits::stream_req_id_bytes_max;
    const bool int_ok =
        it->is_number_integer() &&
        (it->is_number_unsigned()
             ? it->template get<uint64_t>() <= req_id_int_max
             : it->template get<int64_t>() >= 0 && it->template get<int64_t>() <= req_id_int_max);
    if (!text_ok && !int_ok) {
        err = bad("req_id must be a string of 1 to 64 bytes or an integer in [0, 2^53)", "req_id");
        return false;
    }
    out = it->dump();
    return true;
}

template <class Obj>
bool read_channels(const Obj& j, std::vector<std::string>& out, api_error& err) {
    const auto it = j.find("channels");
    if (it == j.end()) {
        err = bad("missing field channels", "channels");
        return false;
    }
    if (!it->is_array() || it->empty() || it->size() > limits::stream_subscriptions_max) {
        err = bad("channels must be an array of 1 to " +
                      std::to_string(limits::stream_subscriptions_max) + " names",
                  "channels");
        return false;
    }
    for (const auto& c : *it) {
        if (!c.is_string() || c.template get_ref<const std::string&>().empty() ||
            c.template get_ref<const std::string&>().size() > 128) {
            err = bad("each channel must be a name such as \"book:<symbol>\"", "channels");
            return false;
        }
        const std::string& name = c.template get_ref<const std::string&>();
        if (std::find(out.begin(), out.end(), name) != out.end()) {
            err = bad("channel " + name + " is named twice", "channels");
            return false;
        }
        out.push_back(name);
    }
    return true;
}

template <class Obj>
bool read_ts(const Obj& j, std::string& out, api_error& err) {
    const auto it = j.find("ts");
    if (it == j.end()) {
        err = bad("missing field ts", "ts");
        return false;
    }
    if (it->is_number_unsigned() || (it->is_number_integer() && it->template get<int64_t>() >= 0)) {
        out = it->dump();
        return true;
    }
    if (it->is_string()) {
        const std::string& s = it->template get_ref<const std::string&>();
        if (!s.empty() && s.size() <= 15 &&
            std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            out = s;
            return true;
        }
    }
    err = bad("ts must be milliseconds since the Unix epoch", "ts");
    return false;
}

std::string null_or(std::string_view json_text) {
    return json_text.empty() ? std::string("null") : std::string(json_text);
}

// The head every reply to a request starts with: {"type":...,"op":...,"req_id":...,"status":N
// (written without a DOM: it goes out with every order's reply).
std::string reply_head(std::string_view type, std::string_view op, std::string_view req_id,
                       unsigned status, std::size_t body_bytes) {
    std::string s;
    s.reserve(64 + op.size() + req_id.size() + body_bytes);
    json_text t(s);
    t.open_object();
    t.key("type");
    t.string(type);
    t.key("op");
    if (op.empty()) {
        t.null();
    } else {
        t.string(op);
    }
    s.append(R"(,"req_id":)");
    s.append(req_id.empty() ? std::string_view("null") : req_id);
    s.append(R"(,"status":)");
    s.append(std::to_string(status));
    return s;
}

// The request in `j` (a DOM or a flat object, read by the same code).
template <class Obj>
bool parse_request(Obj& j, const market_config& m, stream_request& out, api_error& err) {
    // req_id and op first, so that any later error can name them.
    const auto op = j.find("op");
    if (op != j.end() && op->is_string() &&
        op->template get_ref<const std::string&>().size() <= 32) {
        out.op_name = op->template get<std::string>();
    }
    if (!read_req_id(j, out.req_id, err)) return false;
    if (op == j.end()) {
        err = bad("missing field op", "op");
        return false;
    }
    const std::string& name = out.op_name;
    if (name == "auth") {
        out.op = stream_op::auth;
        return only(j, {"key", "ts", "sign"}, err) && text_field(j, "key", 64, out.key, err) &&
               read_ts(j, out.ts, err) && text_field(j, "sign", 64, out.sign, err);
    }
    if (name == "subscribe" || name == "unsubscribe") {
        out.op = name == "subscribe" ? stream_op::subscribe : stream_op::unsubscribe;
        return only(j, {"channels"}, err) && read_channels(j, out.channels, err);
    }
    if (name == "ping") {
        out.op = stream_op::ping;
        return only(j, {}, err);
    }
    if (name == "order" || name == "cancel") {
        out.op = name == "order" ? stream_op::order : stream_op::cancel;
        if (out.req_id.empty()) {
            err = bad("missing field req_id", "req_id");
            return false;
        }
        if (out.op == stream_op::cancel) {
            std::string id;
            if (!only(j, {"order_id"}, err) || !text_field(j, "order_id", 20, id, err)) {
                return false;
            }
            const auto v = parse_id(id);
            if (!v) {
                err = bad("order_id must be a decimal id", "order_id");
                return false;
            }
            out.cancel_id = order_id(*v);
            return true;
        }
        j.erase("op");
        j.erase("req_id");
        return decode_place_order_object(j, m, out.order, err);
    }
    err = bad(!op->is_string()      ? "op must be a string"
              : out.op_name.empty() ? "unknown op"
                                    : "unknown op \"" + out.op_name + "\"",
              "op");
    return false;
}

}  // namespace

bool parse_stream_request(std::string_view text, const market_config& m, stream_request& out,
                          api_error& err) {
    // Orders, cancels and auths are flat objects: read without a DOM when they are plain.
    flat_object flat;
    if (flat.read(text)) return parse_request(flat, m, out, err);
    return parse_stream_request_dom(text, m, out, err);
}

bool parse_stream_request_dom(std::string_view text, const market_config& m, stream_request& out,
                              api_error& err) {
    json j;
    if (!parse_json_object(text, j, err)) return false;
    return parse_request(j, m, out, err);
}

bool parse_channel(std::string_view name, const market_config& m, channel_key& out,
                   api_error& err) {
    const auto refuse = [&](const char* code, std::string message) {
        err = make_error(400, code, std::move(message), "channels");
        return false;
    };
    if (name == "orders" || name == "fills") {
        out = channel_key{name == "orders" ? channel_kind::orders : channel_kind::fills, 0};
        return true;
    }
    if (name == "index") {
        out = channel_key{channel_kind::index, 0};
        return true;
    }
    if (name.starts_with("bars:")) {
        // bars:<symbol>:1m | bars:<symbol>:1h
        const std::string_view rest = name.substr(5);
        const std::size_t last = rest.rfind(':');
        const std::string_view iv = last == std::string_view::npos ? "" : rest.substr(last + 1);
        if (iv != "1m" && iv != "1h") {
            return refuse("UNKNOWN_CHANNEL", "channel " + std::string(name) +
                                                 ": want bars:<symbol>:1m or bars:<symbol>:1h");
        }
        const auto key = parse_symbol(m, rest.substr(0, last));
        if (!key) {
            return refuse("UNKNOWN_INSTRUMENT",
                          "channel " + std::string(name) + ": no such instrument");
        }
        out = channel_key{iv == "1m" ? channel_kind::bars_1m : channel_kind::bars_1h,
                          pack(*key).value()};
        return true;
    }
    if (name == "alerts") {
        out = channel_key{channel_kind::alerts, 0};
        return true;
    }
    const std::size_t colon = name.find(':');
    const std::string_view kind = name.substr(0, colon);
    if (colon == std::string_view::npos || (kind != "book" && kind != "trades")) {
        return refuse("UNKNOWN_CHANNEL", "no channel " + std::string(name) +
                                             " (book:<symbol>, trades:<symbol>, orders, fills)");
    }
    const std::string_view symbol = name.substr(colon + 1);
    const auto key = parse_symbol(m, symbol);
    if (!key) {
        return refuse("UNKNOWN_INSTRUMENT",
                      "channel " + std::string(name) + ": no such instrument");
    }
    out =
        channel_key{kind == "book" ? channel_kind::book : channel_kind::trades, pack(*key).value()};
    return true;
}

std::string channel_name(const market_config& m, const channel_key& k) {
    switch (k.kind) {
        case channel_kind::book:
            return "book:" + format_symbol(m, unpack(instrument_id(k.id)));
        case channel_kind::trades:
            return "trades:" + format_symbol(m, unpack(instrument_id(k.id)));
        case channel_kind::orders:
            return "orders";
        case channel_kind::fills:
            return "fills";
        case channel_kind::bars_1m:
            return "bars:" + format_symbol(m, unpack(instrument_id(k.id))) + ":1m";
        case channel_kind::bars_1h:
            return "bars:" + format_symbol(m, unpack(instrument_id(k.id))) + ":1h";
        case channel_kind::index:
            return "index";
        case channel_kind::alerts:
            return "alerts";
    }
    return "";
}

std::string error_reply(std::string_view op, std::string_view req_id, const api_error& e) {
    return error_reply_from_body(op, req_id, e.status, error_body(e));
}

std::string result_reply(std::string_view op, std::string_view req_id, unsigned status,
                         std::string_view body) {
    std::string s = reply_head("result", op, req_id, status, body.size());
    s.append(R"(,"result":)");
    s.append(body);
    s.push_back('}');
    return s;
}

std::string error_reply_from_body(std::string_view op, std::string_view req_id, unsigned status,
                                  std::string_view body) {
    // body is {"error":{...}}: its members go into the reply as they are.
    CUX_ASSERT(body.size() > 2 && body.front() == '{' && body.back() == '}');
    std::string s = reply_head("error", op, req_id, status, body.size());
    s.push_back(',');
    s.append(body.substr(1));
    return s;
}

std::string authenticated_reply(std::string_view req_id, participant_id p, uint8_t roles) {
    return R"({"type":"authenticated","req_id":)" + null_or(req_id) + R"(,"participant_id":")" +
           std::to_string(p.value()) + R"(","roles":)" + roles_json(roles).dump() + "}";
}

std::string channels_reply(bool subscribed, std::string_view req_id,
                           const std::vector<std::string>& channels) {
    return std::string(R"({"type":")") + (subscribed ? "subscribed" : "unsubscribed") +
           R"(","req_id":)" + null_or(req_id) + R"(,"channels":)" + json(channels).dump() + "}";
}

std::string pong_reply(std::string_view req_id, utc_ns now) {
    return R"({"type":"pong","req_id":)" + null_or(req_id) + R"(,"time":")" + format_rfc3339(now) +
           R"("})";
}

std::string heartbeat_message(utc_ns now) {
    return R"({"type":"heartbeat","time":")" + format_rfc3339(now) + R"("})";
}

shared_text channel_message(std::string_view channel, bool snapshot, const json& body) {
    CUX_ASSERT(body.is_object() && !body.empty());
    const std::string members = body.dump();
    stream_text t;
    t.text.reserve(members.size() + channel.size() + 48);
    t.text = R"({"channel":)" + json(channel).dump() + R"(,"type":")" +
             (snapshot ? "snapshot" : "update") + R"(","seq":)";
    t.seq_at = t.text.size();
    t.text.push_back(',');
    t.text.append(members, 1, std::string::npos);  // without its opening brace
    return std::make_shared<const stream_text>(std::move(t));
}

}  // namespace cux::gateway
