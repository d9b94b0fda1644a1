// The tests' stream client is the `cux` client's (tools/client.hpp, library cux_client) seen
// through the tests' interface: no Beast here, so this file compiles in seconds.
#include "tests/gateway/support/ws_client.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "tools/client.hpp"

namespace cux::gateway::test {

struct ws_client::impl {
    explicit impl(tools::client_options o, tools::stream_options so)
        : stream(std::move(o), std::move(so)) {}
    tools::stream_client stream;
};

namespace {

tools::client_options client_options_for(uint16_t port, transport t, const ws_options& o,
                                         std::chrono::milliseconds timeout) {
    if (t == transport::tcp_only) throw std::invalid_argument("ws_client: tls or plain only");
    tools::client_options c;
    c.url = std::string(t == transport::tls ? "https" : "http") +
            "://127.0.0.1:" + std::to_string(port);
    c.cacert = o.ca_file;
    c.insecure = o.ca_file.empty();
    c.timeout = timeout;
    return c;
}

}  // namespace

ws_client::ws_client(uint16_t port, transport t, const ws_options& o,
                     std::chrono::milliseconds timeout) {
    tools::stream_options so;
    so.target = o.target;
    so.receive_buffer_bytes = o.receive_buffer;
    so.message_bytes_max = std::size_t{64} << 20;  // the tests see what the server sends
    impl_ = std::make_unique<impl>(client_options_for(port, t, o, timeout), std::move(so));
    impl_->stream.connect();
}

ws_client::~ws_client() = default;

bool ws_client::send(std::string_view text, std::chrono::milliseconds timeout) {
    return impl_->stream.try_send(text, false, timeout);
}

bool ws_client::send_binary(std::string_view bytes, std::chrono::milliseconds timeout) {
    return impl_->stream.try_send(bytes, true, timeout);
}

ws_event ws_client::receive(std::chrono::milliseconds timeout) {
    using kind = tools::stream_received::kind;
    tools::stream_received r = impl_->stream.poll(timeout);
    ws_event ev;
    switch (r.what) {
        case kind::message:
            ev.what = ws_event::kind::message;
            break;
        case kind::closed:
            ev.what = ws_event::kind::closed;
            break;
        case kind::failed:
            ev.what = ws_event::kind::failed;
            break;
        case kind::timeout:
            ev.what = ws_event::kind::timeout;
            break;
    }
    ev.text = std::move(r.text);
    ev.close_code = r.close_code;
    ev.close_reason = std::move(r.close_reason);
    ev.error = std::move(r.error);
    return last_ = ev;
}

std::optional<nlohmann::json> ws_client::until(
    const std::function<bool(const nlohmann::json&)>& want, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left <= 0ms) return std::nullopt;
        const ws_event ev = receive(left);
        if (ev.what != ws_event::kind::message) return std::nullopt;
        const auto j = nlohmann::json::parse(ev.text, nullptr, false);
        if (j.is_discarded()) {
            ADD_FAILURE_AT(__FILE__, __LINE__) << "not JSON: " << ev.text;
            return std::nullopt;
        }
        if (want(j)) return j;
    }
}

std::optional<nlohmann::json> ws_client::next(std::chrono::milliseconds timeout) {
    return until([](const nlohmann::json& j) { return j.value("type", "") != "heartbeat"; },
                 timeout);
}

std::optional<nlohmann::json> ws_client::auth(const std::string& key, const std::string& secret,
                                              int64_t ts_offset_ms) {
    const std::string ts = std::to_string(now_ms() + ts_offset_ms);
    const nlohmann::json m = {{"op", "auth"},
                              {"key", key},
                              {"ts", std::stoll(ts)},
                              {"sign", hmac_hex(secret, ts + "GET/v1/stream")}};
    if (!send_json(m)) return std::nullopt;
    return next();
}

void ws_client::close() { impl_->stream.close(); }

}  // namespace cux::gateway::test
