#include "tests/gateway/support/ws_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <stdexcept>

namespace cux::gateway::test {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct ws_client::impl {
    net::io_context ioc;
    net::ssl::context ctx{net::ssl::context::tls_client};
    std::optional<websocket::stream<beast::ssl_stream<beast::tcp_stream>>> wss;
    std::optional<websocket::stream<beast::tcp_stream>> ws;
    beast::flat_buffer buffer;
    bool use_tls = false;
    bool read_pending = false;
    bool read_done = false;
    beast::error_code read_ec;
    bool closed = false;

    beast::tcp_stream& lowest() {
        return use_tls ? beast::get_lowest_layer(*wss) : beast::get_lowest_layer(*ws);
    }
    template <class Fn>
    auto with_ws(Fn&& fn) {
        return use_tls ? fn(*wss) : fn(*ws);
    }
    // Runs the io_context until `done` or the deadline; false on the deadline.
    bool run_until(const bool& done, std::chrono::milliseconds wait) {
        const auto deadline = std::chrono::steady_clock::now() + wait;
        ioc.restart();
        while (!done) {
            const auto now = std::chrono::steady_clock::now();
            if (now >= deadline) return false;
            ioc.run_one_for(deadline - now);
            if (ioc.stopped()) ioc.restart();
        }
        return true;
    }
};

ws_client::ws_client(uint16_t port, transport t, const ws_options& o,
                     std::chrono::milliseconds timeout)
    : impl_(std::make_unique<impl>()) {
    impl& s = *impl_;
    s.use_tls = t == transport::tls;
    if (s.use_tls) {
        if (!o.ca_file.empty()) {
            s.ctx.load_verify_file(o.ca_file);
            s.ctx.set_verify_mode(net::ssl::verify_peer);
            s.ctx.set_verify_callback(net::ssl::host_name_verification("localhost"));
        } else {
            s.ctx.set_verify_mode(net::ssl::verify_none);
        }
        s.wss.emplace(s.ioc, s.ctx);
    } else {
        s.ws.emplace(s.ioc);
    }
    beast::error_code ec;
    if (o.receive_buffer > 0) {
        s.lowest().socket().open(tcp::v4(), ec);
        if (!ec)
            s.lowest().socket().set_option(net::socket_base::receive_buffer_size(o.receive_buffer),
                                           ec);
        if (ec) throw std::runtime_error("socket: " + ec.message());
    }
    const tcp::endpoint at(net::ip::make_address("127.0.0.1"), port);
    bool done = false;
    s.lowest().expires_after(timeout);
    s.lowest().async_connect(at, [&](beast::error_code e) {
        ec = e;
        done = true;
    });
    if (!s.run_until(done, timeout + 1s) || ec) {
        throw std::runtime_error("connect: " + (done ? ec.message() : "timed out"));
    }
    if (s.use_tls) {
        done = false;
        s.lowest().expires_after(timeout);
        s.wss->next_layer().async_handshake(net::ssl::stream_base::client,
                                            [&](beast::error_code e) {
                                                ec = e;
                                                done = true;
                                            });
        if (!s.run_until(done, timeout + 1s) || ec) {
            throw std::runtime_error("TLS handshake: " + (done ? ec.message() : "timed out"));
        }
    }
    s.lowest().expires_never();
    websocket::stream_base::timeout to{};
    to.handshake_timeout = timeout;
    to.idle_timeout = websocket::stream_base::none();
    to.keep_alive_pings = false;
    websocket::response_type res;
    done = false;
    s.with_ws([&](auto& w) {
        w.set_option(to);
        w.read_message_max(std::size_t{64} << 20);
        w.auto_fragment(false);
        w.text(true);
        w.async_handshake(res, "localhost", o.target, [&](beast::error_code e) {
            ec = e;
            done = true;
        });
    });
    if (!s.run_until(done, timeout + 1s) || ec) {
        throw std::runtime_error("WebSocket upgrade: HTTP " + std::to_string(res.result_int()) +
                                 " " + res.body() + " (" +
                                 (done ? ec.message() : std::string("timed out")) + ")");
    }
}

ws_client::~ws_client() {
    beast::error_code ec;
    impl_->lowest().socket().close(ec);
}

bool ws_client::send(std::string_view text, std::chrono::milliseconds timeout) {
    impl& s = *impl_;
    bool done = false;
    beast::error_code ec;
    s.with_ws([&](auto& w) {
        w.text(true);
        w.async_write(net::buffer(text.data(), text.size()), [&](beast::error_code e, std::size_t) {
            ec = e;
            done = true;
        });
    });
    if (!s.run_until(done, timeout)) {
        s.lowest().socket().close(ec);
        s.run_until(done, 1s);
        return false;
    }
    return !ec;
}

bool ws_client::send_binary(std::string_view bytes, std::chrono::milliseconds timeout) {
    impl& s = *impl_;
    bool done = false;
    beast::error_code ec;
    s.with_ws([&](auto& w) {
        w.binary(true);
        w.async_write(net::buffer(bytes.data(), bytes.size()),
                      [&](beast::error_code e, std::size_t) {
                          ec = e;
                          done = true;
                      });
    });
    const bool in_time = s.run_until(done, timeout);
    s.with_ws([](auto& w) { w.text(true); });
    return in_time && !ec;
}

ws_event ws_client::receive(std::chrono::milliseconds timeout) {
    impl& s = *impl_;
    ws_event ev;
    if (s.closed && !s.read_pending && !s.read_done) {
        ev.what = ws_event::kind::failed;
        ev.error = "the stream is closed";
        return last_ = ev;
    }
    if (!s.read_pending && !s.read_done) {
        s.read_pending = true;
        s.with_ws([&](auto& w) {
            w.async_read(s.buffer, [&s](beast::error_code e, std::size_t) {
                s.read_ec = e;
                s.read_done = true;
                s.read_pending = false;
            });
        });
    }
    if (!s.read_done) s.run_until(s.read_done, timeout);
    if (!s.read_done) return last_ = ev;  // timeout; the read stays outstanding
    s.read_done = false;
    if (s.read_ec == websocket::error::closed) {
        s.closed = true;
        const websocket::close_reason r = s.with_ws([](auto& w) { return w.reason(); });
        ev.what = ws_event::kind::closed;
        ev.close_code = r.code;
        ev.close_reason = std::string(r.reason.data(), r.reason.size());
        return last_ = ev;
    }
    const websocket::close_reason r = s.with_ws([](auto& w) { return w.reason(); });
    if (s.read_ec && r.code != websocket::close_code::none) {
        // The server's close frame arrived, but its teardown raced ours (a TLS shutdown that
        // meets a closed socket): still the server's close.
        s.closed = true;
        ev.what = ws_event::kind::closed;
        ev.close_code = r.code;
        ev.close_reason = std::string(r.reason.data(), r.reason.size());
        ev.error = s.read_ec.message();
        return last_ = ev;
    }
    if (s.read_ec) {
        s.closed = true;
        ev.what = ws_event::kind::failed;
        ev.error = s.read_ec.message();
        return last_ = ev;
    }
    ev.what = ws_event::kind::message;
    ev.text = beast::buffers_to_string(s.buffer.data());
    s.buffer.consume(s.buffer.size());
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

void ws_client::close() {
    impl& s = *impl_;
    if (s.closed) return;
    bool done = false;
    s.with_ws([&](auto& w) {
        w.async_close(websocket::close_code::normal, [&](beast::error_code) { done = true; });
    });
    s.run_until(done, 2s);
    if (s.read_pending) s.run_until(s.read_done, 1s);
    s.closed = true;
}

}  // namespace cux::gateway::test
