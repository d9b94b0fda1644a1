// The WebSocket half of the client (tools/client.hpp): /v1/stream over TLS or plain TCP. One read
// may stay outstanding between receive() calls, so a receive() that timed out loses nothing.

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <optional>

#include "tools/client.hpp"
#include "tools/client_tls.hpp"

namespace cux::tools {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr const char* stream_path = "/v1/stream";  // what the auth message signs

}  // namespace

struct stream_client::impl {
    client_options o;
    stream_options so;
    server_url url;
    net::io_context ioc;
    net::ssl::context ctx{net::ssl::context::tls_client};
    std::optional<websocket::stream<beast::ssl_stream<beast::tcp_stream>>> wss;
    std::optional<websocket::stream<beast::tcp_stream>> ws;
    beast::flat_buffer buffer;
    bool open = false;
    bool read_pending = false;
    bool read_done = false;
    beast::error_code read_ec;
    std::string write_error;  // why the last try_send failed

    beast::tcp_stream& lowest() {
        return url.tls ? beast::get_lowest_layer(*wss) : beast::get_lowest_layer(*ws);
    }

    template <class Fn>
    auto with_ws(Fn&& fn) {
        return url.tls ? fn(*wss) : fn(*ws);
    }

    // Runs the io_context until `done` or the deadline; false on the deadline.
    bool run_until(const bool& done, std::chrono::milliseconds wait) {
        const auto deadline = std::chrono::steady_clock::now() + wait;
        ioc.restart();
        while (!done) {
            const auto now = std::chrono::steady_clock::now();
            if (now >= deadline) return false;
            if (ioc.run_one_for(deadline - now) == 0 && ioc.stopped()) ioc.restart();
        }
        return true;
    }

    // Connects to the first of `found` that accepts, on a socket opened (and sized) here.
    beast::error_code connect_any(const tcp::resolver::results_type& found) {
        beast::error_code ec = net::error::host_not_found;
        for (const auto& entry : found) {
            const tcp::endpoint at = entry.endpoint();
            beast::error_code e;
            lowest().socket().close(e);
            lowest().socket().open(at.protocol(), e);
            if (!e && so.receive_buffer_bytes > 0) {
                lowest().socket().set_option(
                    net::socket_base::receive_buffer_size(so.receive_buffer_bytes), e);
            }
            if (e) return e;
            bool done = false;
            lowest().expires_after(o.timeout);
            lowest().async_connect(at, [&](beast::error_code r) {
                ec = r;
                done = true;
            });
            if (!run_until(done, o.timeout + std::chrono::seconds(1))) {
                lowest().socket().close(e);
                run_until(done, std::chrono::seconds(1));
                return net::error::timed_out;
            }
            if (!ec) return ec;
        }
        return ec;
    }
};

namespace {

std::string close_text(const stream_received& r) {
    std::string m = "the server closed the stream (code " + std::to_string(r.close_code);
    if (!r.close_reason.empty()) m += ", reason \"" + r.close_reason + "\"";
    return m + ")";
}

}  // namespace

stream_client::stream_client(client_options o, stream_options so)
    : impl_(std::make_unique<impl>()) {
    std::string error;
    if (!parse_server_url(o.url, impl_->url, error)) throw std::invalid_argument(error);
    impl_->o = std::move(o);
    impl_->so = std::move(so);
    if (impl_->url.tls) detail::configure_client_tls(impl_->ctx, impl_->o);
}

stream_client::~stream_client() {
    if (!impl_->open) return;
    beast::error_code ec;
    impl_->lowest().socket().close(ec);
}

void stream_client::connect() {
    impl& s = *impl_;
    if (s.url.tls) {
        s.wss.emplace(s.ioc, s.ctx);
    } else {
        s.ws.emplace(s.ioc);
    }
    tcp::resolver resolver(s.ioc);
    beast::error_code ec;
    const auto found = resolver.resolve(s.url.host, std::to_string(s.url.port), ec);
    if (ec) throw transport_error("cannot resolve " + s.url.host + ": " + ec.message());
    ec = s.connect_any(found);
    if (ec) throw transport_error("cannot connect to " + s.o.url + ": " + ec.message());
    bool done = false;
    if (s.url.tls) {
        detail::set_peer_name(s.wss->next_layer().native_handle(), s.url.host, !s.o.insecure);
        done = false;
        s.lowest().expires_after(s.o.timeout);
        s.wss->next_layer().async_handshake(net::ssl::stream_base::client,
                                            [&](beast::error_code e) {
                                                ec = e;
                                                done = true;
                                            });
        s.run_until(done, s.o.timeout + std::chrono::seconds(1));
        if (ec || !done) {
            throw transport_error(detail::handshake_message(
                s.wss->next_layer().native_handle(), done ? ec.message() : "timed out", s.o));
        }
    }
    // From here the WebSocket stream keeps its own timeouts.
    s.lowest().expires_never();
    websocket::stream_base::timeout t{};
    t.handshake_timeout = s.o.timeout;
    t.idle_timeout = websocket::stream_base::none();
    t.keep_alive_pings = false;
    s.with_ws([&](auto& w) {
        w.set_option(t);
        w.read_message_max(s.so.message_bytes_max);
        w.auto_fragment(false);
        w.text(true);
    });
    done = false;
    websocket::response_type res;
    const std::string host = s.url.host + ":" + std::to_string(s.url.port);
    s.with_ws([&](auto& w) {
        w.async_handshake(res, host, s.so.target, [&](beast::error_code e) {
            ec = e;
            done = true;
        });
    });
    s.run_until(done, s.o.timeout + std::chrono::seconds(1));
    if (ec || !done) {
        std::string why = done ? ec.message() : std::string("timed out");
        if (res.result_int() != 0) {
            why = "HTTP " + std::to_string(res.result_int()) + " " + res.body() + " (" + why + ")";
        }
        throw transport_error("WebSocket handshake on " + s.o.url + s.so.target +
                              " failed: " + why);
    }
    s.open = true;
}

void stream_client::send(std::string_view text) {
    if (!impl_->open) throw transport_error("the stream is not open");
    if (!try_send(text, false, impl_->o.timeout)) {
        throw transport_error("stream write " + impl_->write_error);
    }
}

bool stream_client::try_send(std::string_view payload, bool binary,
                             std::chrono::milliseconds wait) {
    impl& s = *impl_;
    if (!s.open) return false;
    bool done = false;
    beast::error_code ec;
    s.with_ws([&](auto& w) {
        w.binary(binary);
        w.async_write(net::buffer(payload.data(), payload.size()),
                      [&](beast::error_code e, std::size_t) {
                          ec = e;
                          done = true;
                      });
    });
    const bool in_time = s.run_until(done, wait);
    if (!in_time) {
        s.lowest().socket().close(ec);
        s.run_until(done, std::chrono::seconds(1));
    }
    s.with_ws([](auto& w) { w.text(true); });
    if (!in_time || ec) {
        s.write_error = in_time ? "failed: " + ec.message() : std::string("timed out");
        s.open = false;
        return false;
    }
    return true;
}

std::optional<std::string> stream_client::receive(std::chrono::milliseconds wait) {
    stream_received r = poll(wait);
    switch (r.what) {
        case stream_received::kind::message:
            return std::move(r.text);
        case stream_received::kind::timeout:
            return std::nullopt;
        case stream_received::kind::closed:
            throw transport_error(close_text(r));
        case stream_received::kind::failed:
            break;
    }
    throw transport_error(r.error);
}

stream_received stream_client::poll(std::chrono::milliseconds wait) {
    impl& s = *impl_;
    stream_received r;
    if (!s.open && !s.read_pending && !s.read_done) {
        r.what = stream_received::kind::failed;
        r.error = "the stream is not open";
        return r;
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
    if (!s.read_done) s.run_until(s.read_done, wait);
    if (!s.read_done) return r;  // nothing in time; the read stays outstanding
    s.read_done = false;
    if (s.read_ec) {
        s.open = false;
        // A close frame may have arrived even when the teardown after it failed (the server
        // had closed the socket already): the server's close is still the news.
        const websocket::close_reason why = s.with_ws([](auto& w) { return w.reason(); });
        if (s.read_ec == websocket::error::closed || why.code != websocket::close_code::none) {
            r.what = stream_received::kind::closed;
            r.close_code = why.code;
            r.close_reason.assign(why.reason.data(), why.reason.size());
            if (s.read_ec != websocket::error::closed) r.error = s.read_ec.message();
            return r;
        }
        r.what = stream_received::kind::failed;
        r.error = "stream read failed: " + s.read_ec.message();
        return r;
    }
    r.what = stream_received::kind::message;
    r.text = beast::buffers_to_string(s.buffer.data());
    s.buffer.consume(s.buffer.size());
    return r;
}

std::string stream_client::auth_message() const {
    const std::string ts = std::to_string(unix_ms());
    const std::string sign = hmac_sha256_hex(impl_->o.secret, ts + "GET" + stream_path);
    return R"({"op":"auth","key":")" + impl_->o.key + R"(","ts":)" + ts + R"(,"sign":")" + sign +
           R"("})";
}

void stream_client::close() {
    impl& s = *impl_;
    if (!s.open) return;
    s.open = false;
    bool done = false;
    s.with_ws([&](auto& w) {
        w.async_close(websocket::close_code::normal, [&](beast::error_code) { done = true; });
    });
    if (!s.run_until(done, std::chrono::seconds(2))) {
        beast::error_code ec;
        s.lowest().socket().close(ec);
        s.run_until(done, std::chrono::seconds(1));
    }
    // A read still outstanding completes with the close; let it finish on this io_context.
    if (s.read_pending) s.run_until(s.read_done, std::chrono::seconds(1));
}

}  // namespace cux::tools
