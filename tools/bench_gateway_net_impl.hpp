#pragma once
// The WebSocket code of `cux bench gateway`, included by the two files that instantiate it: over
// TLS (bench_gateway_net_tls.cpp) and over plain TCP (bench_gateway_net_plain.cpp). The
// generator's client and the echo endpoint use the same stream type, so each file compiles
// Beast's WebSocket stream once for both. Interface: tools/bench_gateway_conn.hpp.

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

#include "tools/bench_gateway_conn.hpp"
#include "tools/client_tls.hpp"

namespace cux::tools::bench::gw::net_impl {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// Replies and echoes are small; this only bounds a broken peer.
constexpr std::size_t message_bytes_max = std::size_t{1} << 20;
// Replies an echo session holds before it stops reading (the gateway's lanes play this part).
constexpr std::size_t echo_queue_max = 64;
constexpr std::chrono::seconds close_wait{2};

inline int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

template <class Next>
inline constexpr bool is_tls = !std::is_same_v<Next, beast::tcp_stream>;

// ---- the generator's connection --------------------------------------------------------------

template <class Next>
class ws_client final : public client_conn, public std::enable_shared_from_this<ws_client<Next>> {
public:
    // (ioc) for plain TCP, (ioc, ssl context) for TLS.
    template <class... Tls>
    ws_client(flow& f, net::io_context& ioc, Tls&... tls)
        : ws_(ioc, tls...), flow_(f), close_timer_(ioc) {}

    void start(const tcp::endpoint& at, const std::string& host, const std::string& path,
               int64_t timeout_ms, std::function<void(std::string)> done) override {
        done_ = std::move(done);
        host_ = host;
        host_port_ = host + ":" + std::to_string(at.port());
        path_ = path;
        timeout_ = std::chrono::milliseconds(timeout_ms);
        beast::get_lowest_layer(ws_).expires_after(timeout_);
        beast::get_lowest_layer(ws_).async_connect(
            at, [self = this->shared_from_this()](beast::error_code ec) { self->on_connect(ec); });
    }

    // Every message the flow has ready goes out in one write, each its own masked text frame
    // (RFC 6455 5.2), as a pipelining client sends them: Beast's stream writes one message per
    // call. Beast still reads (the server's frames) and closes; it writes a frame of its own only
    // to answer a ping, which the server sends after 30 s without a message from us, never
    // while this write is under way.
    void pump() override {
        if (writing_ || !open_ || closing_) return;
        batch_.clear();
        const int64_t now = now_ns();
        while (flow_.next(message_, now)) append_frame(message_);
        if (batch_.empty()) return;
        writing_ = true;
        net::async_write(ws_.next_layer(), net::buffer(batch_),
                         [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                             self->writing_ = false;
                             if (ec) return self->on_error("write", ec);
                             if (self->closing_) return self->do_close();
                             self->pump();
                         });
    }

    void close() override {
        if (closing_ || closed_) return;
        closing_ = true;
        if (!open_) {
            shut();
            return;
        }
        if (!writing_) do_close();
    }

    [[nodiscard]] bool closed() const override { return closed_; }

private:
    void append_frame(std::string_view payload) {
        const std::size_t n = payload.size();
        batch_.push_back(static_cast<char>(0x81));  // FIN, text
        if (n < 126) {
            batch_.push_back(static_cast<char>(0x80 | n));
        } else if (n <= 0xffff) {
            batch_.push_back(static_cast<char>(0x80 | 126));
            batch_.push_back(static_cast<char>(n >> 8));
            batch_.push_back(static_cast<char>(n & 0xff));
        } else {
            batch_.push_back(static_cast<char>(0x80 | 127));
            for (int i = 7; i >= 0; --i) batch_.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
        }
        // A fresh mask key per frame from a fast generator (xorshift64).
        mask_state_ ^= mask_state_ << 13;
        mask_state_ ^= mask_state_ >> 7;
        mask_state_ ^= mask_state_ << 17;
        char key[4];
        for (int i = 0; i < 4; ++i) key[i] = static_cast<char>((mask_state_ >> (8 * i)) & 0xff);
        batch_.append(key, 4);
        const std::size_t at = batch_.size();
        batch_.append(payload);
        for (std::size_t i = 0; i < n; ++i) batch_[at + i] ^= key[i & 3];
    }

    void on_connect(beast::error_code ec) {
        if (ec) return finish_start("cannot connect to " + host_port_ + ": " + ec.message());
        beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true), ec);
        if constexpr (is_tls<Next>) {
            cux::tools::detail::set_peer_name(ws_.next_layer().native_handle(), host_, true);
            beast::get_lowest_layer(ws_).expires_after(timeout_);
            ws_.next_layer().async_handshake(
                net::ssl::stream_base::client,
                [self = this->shared_from_this()](beast::error_code e) { self->on_tls(e); });
        } else {
            on_tls({});
        }
    }

    void on_tls(beast::error_code ec) {
        if (ec) return finish_start("TLS handshake with " + host_port_ + ": " + ec.message());
        // From here the WebSocket stream keeps the time.
        beast::get_lowest_layer(ws_).expires_never();
        websocket::stream_base::timeout t{};
        t.handshake_timeout = timeout_;
        t.idle_timeout = websocket::stream_base::none();
        t.keep_alive_pings = false;
        ws_.set_option(t);
        ws_.read_message_max(message_bytes_max);
        ws_.auto_fragment(false);
        ws_.text(true);
        ws_.async_handshake(
            host_port_, path_, [self = this->shared_from_this()](beast::error_code e) {
                if (e) {
                    return self->finish_start("WebSocket upgrade on " + self->host_port_ +
                                              self->path_ + ": " + e.message());
                }
                self->open_ = true;
                self->do_read();
                self->finish_start("");
            });
    }

    void finish_start(std::string error) {
        if (!error.empty()) {
            closed_ = true;
            flow_.fail(error);
        }
        if (done_) {
            auto d = std::move(done_);
            done_ = nullptr;
            d(std::move(error));
        }
    }

    void do_read() {
        ws_.async_read(in_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
            self->on_read(ec);
        });
    }

    void on_read(beast::error_code ec) {
        if (ec) return on_error("read", ec);
        const auto d = in_.cdata();
        flow_.on_reply(std::string_view(static_cast<const char*>(d.data()), d.size()), now_ns());
        in_.consume(in_.size());
        do_read();
        // Later, after the replies already in: their freed slots go out in the same write.
        if (!pump_posted_) {
            pump_posted_ = true;
            net::post(ws_.get_executor(), [self = this->shared_from_this()] {
                self->pump_posted_ = false;
                self->pump();
            });
        }
    }

    void on_error(const char* what, beast::error_code ec) {
        if (closing_) {
            // Our own close: the read ends with `closed` once the server's close frame is in.
            if (what == std::string_view("read")) shut();
            return;
        }
        const websocket::close_reason r = ws_.reason();
        if (r.code != websocket::close_code::none) {
            flow_.fail("the server closed the connection (code " + std::to_string(r.code) +
                       ", reason \"" + std::string(r.reason.data(), r.reason.size()) + "\")");
        } else {
            flow_.fail(std::string(what) + " failed: " + ec.message());
        }
        shut();
    }

    void do_close() {
        close_timer_.expires_after(close_wait);
        close_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
            if (!ec) self->shut();
        });
        ws_.async_close(websocket::close_code::normal,
                        [self = this->shared_from_this()](beast::error_code) {});
    }

    void shut() {
        if (closed_) return;
        closed_ = true;
        open_ = false;
        close_timer_.cancel();
        beast::error_code ec;
        beast::get_lowest_layer(ws_).socket().close(ec);
    }

    websocket::stream<Next> ws_;
    flow& flow_;
    net::steady_timer close_timer_;
    beast::flat_buffer in_;
    std::string message_;
    std::string batch_;  // the frames of one write
    uint64_t mask_state_ = 0x9E3779B97F4A7C15ULL ^ reinterpret_cast<uintptr_t>(this);
    std::function<void(std::string)> done_;
    std::string host_;
    std::string host_port_;
    std::string path_;
    std::chrono::milliseconds timeout_{10000};
    bool open_ = false;
    bool pump_posted_ = false;
    bool writing_ = false;
    bool closing_ = false;
    bool closed_ = false;
};

// ---- the echo endpoint -----------------------------------------------------------------------

template <class Next>
class echo_session final : public std::enable_shared_from_this<echo_session<Next>> {
public:
    template <class... Tls>
    echo_session(tcp::socket&& s, std::size_t reply_bytes, Tls&... tls)
        : ws_(std::move(s), tls...), reply_bytes_(reply_bytes) {}

    void run() {
        if constexpr (is_tls<Next>) {
            beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(10));
            ws_.next_layer().async_handshake(
                net::ssl::stream_base::server,
                [self = this->shared_from_this()](beast::error_code ec) {
                    if (!ec) self->accept();
                });
        } else {
            accept();
        }
    }

private:
    void accept() {
        beast::get_lowest_layer(ws_).expires_never();
        ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
        ws_.read_message_max(message_bytes_max);
        ws_.auto_fragment(false);
        ws_.text(true);
        ws_.async_accept([self = this->shared_from_this()](beast::error_code ec) {
            if (!ec) self->do_read();
        });
    }

    void do_read() {
        if (reading_ || ended_) return;
        if (queue_.size() >= echo_queue_max) {
            paused_ = true;
            return;
        }
        paused_ = false;
        reading_ = true;
        ws_.async_read(in_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
            self->on_read(ec);
        });
    }

    void on_read(beast::error_code ec) {
        reading_ = false;
        if (ec) {
            ended_ = true;
            return;
        }
        std::string s = beast::buffers_to_string(in_.cdata());
        in_.consume(in_.size());
        if (s.size() < reply_bytes_) s.append(reply_bytes_ - s.size(), ' ');
        queue_.push_back(std::move(s));
        if (!writing_) do_write();
        do_read();
    }

    void do_write() {
        writing_ = true;
        ws_.async_write(net::buffer(queue_.front()),
                        [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                            self->on_write(ec);
                        });
    }

    void on_write(beast::error_code ec) {
        writing_ = false;
        queue_.pop_front();
        if (ec) {
            ended_ = true;
            queue_.clear();
            return;
        }
        if (!queue_.empty()) do_write();
        if (paused_) do_read();
    }

    websocket::stream<Next> ws_;
    std::size_t reply_bytes_;
    beast::flat_buffer in_;
    std::deque<std::string> queue_;
    bool reading_ = false;
    bool writing_ = false;
    bool paused_ = false;
    bool ended_ = false;
};

template <class Next>
class echo_listener final : public std::enable_shared_from_this<echo_listener<Next>> {
public:
    echo_listener(net::io_context& ioc, tcp::acceptor& acceptor, net::ssl::context* tls,
                  std::size_t reply_bytes)
        : ioc_(ioc), acceptor_(acceptor), tls_(tls), reply_bytes_(reply_bytes) {}

    void do_accept() {
        acceptor_.async_accept(net::make_strand(ioc_), [self = this->shared_from_this()](
                                                           beast::error_code ec, tcp::socket s) {
            if (ec == net::error::operation_aborted || !self->acceptor_.is_open()) return;
            if (!ec) {
                s.set_option(tcp::no_delay(true), ec);
                if constexpr (is_tls<Next>) {
                    std::make_shared<echo_session<Next>>(std::move(s), self->reply_bytes_,
                                                         *self->tls_)
                        ->run();
                } else {
                    std::make_shared<echo_session<Next>>(std::move(s), self->reply_bytes_)->run();
                }
            }
            self->do_accept();
        });
    }

private:
    net::io_context& ioc_;
    tcp::acceptor& acceptor_;
    net::ssl::context* tls_;
    std::size_t reply_bytes_;
};

}  // namespace cux::tools::bench::gw::net_impl
