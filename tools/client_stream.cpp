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

constexpr std::size_t stream_message_bytes_max = 1u << 20;
constexpr const char* stream_path = "/v1/stream";

}  // namespace

struct stream_client::impl {
    client_options o;
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

    std::string close_text() {
        const websocket::close_reason r = with_ws([](auto& s) { return s.reason(); });
        std::string m = "the server closed the stream (code " + std::to_string(r.code);
        if (!r.reason.empty())
            m += ", reason \"" + std::string(r.reason.data(), r.reason.size()) + "\"";
        return m + ")";
    }
};

stream_client::stream_client(client_options o) : impl_(std::make_unique<impl>()) {
    std::string error;
    if (!parse_server_url(o.url, impl_->url, error)) throw std::invalid_argument(error);
    impl_->o = std::move(o);
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
    bool done = false;
    s.lowest().expires_after(s.o.timeout);
    s.lowest().async_connect(found, [&](beast::error_code e, const tcp::endpoint&) {
        ec = e;
        done = true;
    });
    s.run_until(done, s.o.timeout + std::chrono::seconds(1));
    if (ec || !done) {
        throw transport_error("cannot connect to " + s.o.url + ": " +
                              (done ? ec.message() : std::string("timed out")));
    }
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
        w.read_message_max(stream_message_bytes_max);
        w.text(true);
    });
    done = false;
    const std::string host = s.url.host + ":" + std::to_string(s.url.port);
    s.with_ws([&](auto& w) {
        w.async_handshake(host, stream_path, [&](beast::error_code e) {
            ec = e;
            done = true;
        });
    });
    s.run_until(done, s.o.timeout + std::chrono::seconds(1));
    if (ec || !done) {
        throw transport_error("WebSocket handshake on " + s.o.url + stream_path +
                              " failed: " + (done ? ec.message() : std::string("timed out")));
    }
    s.open = true;
}

void stream_client::send(std::string_view text) {
    impl& s = *impl_;
    if (!s.open) throw transport_error("the stream is not open");
    bool done = false;
    beast::error_code ec;
    s.with_ws([&](auto& w) {
        w.async_write(net::buffer(text.data(), text.size()), [&](beast::error_code e, std::size_t) {
            ec = e;
            done = true;
        });
    });
    if (!s.run_until(done, s.o.timeout)) {
        s.lowest().socket().close(ec);
        s.run_until(done, std::chrono::seconds(1));
        s.open = false;
        throw transport_error("stream write timed out");
    }
    if (ec) {
        s.open = false;
        throw transport_error("stream write failed: " + ec.message());
    }
}

std::optional<std::string> stream_client::receive(std::chrono::milliseconds wait) {
    impl& s = *impl_;
    if (!s.open && !s.read_done) throw transport_error("the stream is not open");
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
    if (!s.read_done) return std::nullopt;
    s.read_done = false;
    if (s.read_ec) {
        s.open = false;
        // A close frame may have arrived even when the teardown after it failed (the server
        // had closed the socket already): the server's reason is still the news.
        const bool got_close =
            s.with_ws([](auto& w) { return w.reason().code != websocket::close_code::none; });
        if (s.read_ec == websocket::error::closed || got_close) {
            throw transport_error(s.close_text());
        }
        throw transport_error("stream read failed: " + s.read_ec.message());
    }
    std::string message = beast::buffers_to_string(s.buffer.data());
    s.buffer.consume(s.buffer.size());
    return message;
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
