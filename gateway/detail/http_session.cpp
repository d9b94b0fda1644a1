#include "gateway/detail/http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <memory>
#include <optional>

#include "gateway/detail/stream_session.hpp"
#include "gateway/limits.hpp"
#include "gateway/static_files.hpp"

namespace cux::gateway::detail {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr std::size_t first_read_bytes = 4096;
constexpr std::size_t drain_bytes_max = std::size_t{1} << 20;
// A request waiting for another one with the same client_order_id polls this often, this long.
constexpr std::chrono::milliseconds claim_poll{2};
constexpr int claim_polls_max = 5000;
constexpr std::string_view stream_target = "/v1/stream";

bool is_http_error(const beast::error_code& ec) {
    return &ec.category() == &http::make_error_code(http::error::bad_target).category();
}

// The parts shared by plain and TLS sessions; Derived provides stream(), lowest(), start(),
// shutdown(), upgrade() and shared_from_this().
template <class Derived>
class http_session : public completion_sink {
public:
    void complete(pending_request req, std::shared_ptr<const command_outcome> out) override {
        auto self = derived().shared_from_this();
        net::post(
            derived().stream().get_executor(),
            [self, req = std::move(req), out = std::move(out)] { self->on_outcome(req, *out); });
    }

protected:
    http_session(server_core& core, session_slot slot, const net::any_io_executor& ex)
        : core_(core), slot_(std::move(slot)), timer_(ex) {}

    Derived& derived() { return static_cast<Derived&>(*this); }
    server_core& core() { return core_; }

    void read_next() {
        if (buffer_.size() > 0) return read_request();
        // Waiting for a request: the idle timeout. The request's own deadline starts with its
        // first byte.
        derived().lowest().expires_after(core_.limits.idle);
        derived().stream().async_read_some(
            buffer_.prepare(first_read_bytes),
            [self = derived().shared_from_this()](beast::error_code ec, std::size_t n) {
                self->on_first_bytes(ec, n);
            });
    }

    void close_now() {
        beast::error_code ec;
        derived().lowest().socket().close(ec);
    }

    void linger() {
        // Half-close, then read and drop what the client still sends until it closes too (or
        // the linger time or byte budget runs out): a close with unread data would reset the
        // connection and could destroy the error response before the client reads it.
        beast::error_code ec;
        derived().lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
        derived().lowest().expires_after(core_.limits.linger);
        drain_ = std::make_unique<char[]>(first_read_bytes);
        drain();
    }

private:
    void on_first_bytes(beast::error_code ec, std::size_t n) {
        if (ec) return close_now();  // idle timeout, EOF or reset: nothing to answer
        buffer_.commit(n);
        read_request();
    }

    void read_request() {
        parser_.emplace();
        // Beast refuses a head at header_limit bytes or more.
        parser_->header_limit(static_cast<std::uint32_t>(limits::header_bytes_max));
        parser_->body_limit(limits::body_bytes_max);
        derived().lowest().expires_after(core_.limits.request);
        http::async_read(derived().stream(), buffer_, *parser_,
                         [self = derived().shared_from_this()](beast::error_code ec, std::size_t) {
                             self->on_read(ec);
                         });
    }

    void on_read(beast::error_code ec) {
        if (ec == http::error::end_of_stream) return derived().shutdown();
        if (ec == http::error::header_limit) {
            return fail(
                make_error(431, "HEADERS_TOO_LARGE", "the request head must be under 8192 bytes"));
        }
        if (ec == http::error::body_limit) {
            return fail(make_error(413, "PAYLOAD_TOO_LARGE",
                                   "the request body must be at most 65536 bytes"));
        }
        if (ec && is_http_error(ec)) {
            return fail(make_error(400, "BAD_REQUEST", "malformed HTTP request"));
        }
        if (ec) return close_now();  // timeout (the stream closed the socket), reset, ...
        req_ = parser_->release();
        keep_alive_ = req_.keep_alive();
        polls_ = 0;
        if (req_.target() == stream_target) {
            // The stream takes over the connection (and its slot); this session ends here.
            if (beast::websocket::is_upgrade(req_)) {
                return derived().upgrade(std::move(slot_), std::move(req_));
            }
            return write(api::error(make_error(426, "UPGRADE_REQUIRED",
                                               "/v1/stream is a WebSocket: send GET with "
                                               "Upgrade: websocket")));
        }
        if (core_.web != nullptr && req_.method() == http::verb::get &&
            static_files::is_static_target(req_.target())) {
            return serve_file();
        }
        dispatch_request();
    }

    // The dashboard's files (gateway/static_files.hpp): looked up in the set read at start-up.
    void serve_file() {
        const std::string_view target = req_.target();
        const static_files::file* f = core_.web->find(target.substr(0, target.find('?')));
        if (f == nullptr) {
            return write(api::error(make_error(404, "NOT_FOUND", "no such file")));
        }
        res_ = {};
        res_.version(req_.version() == 10 ? 10 : 11);
        res_.set(http::field::server, "cux");
        res_.set(http::field::etag, f->etag);
        res_.set(http::field::cache_control, f->vendor ? "public, max-age=86400" : "no-cache");
        for (const auto& [name, value] : static_files::headers()) res_.set(name, value);
        if (req_[http::field::if_none_match] == f->etag) {
            res_.result(http::status::not_modified);
        } else {
            res_.result(http::status::ok);
            res_.set(http::field::content_type, f->content_type);
            res_.body() = f->body;
        }
        res_.keep_alive(keep_alive_);
        res_.prepare_payload();
        send_response();
    }

    void dispatch_request() {
        http_request r;
        r.method = req_.method_string();
        r.target = req_.target();
        r.body = req_.body();
        r.auth.key = req_["CUX-KEY"];
        r.auth.ts = req_["CUX-TS"];
        r.auth.sign = req_["CUX-SIGN"];
        r.retry = polls_ > 0;
        http_response resp;
        const api_session s{slot_.first_lane(), derived().shared_from_this()};
        switch (core_.rest.handle(r, s, resp)) {
            case handled::respond:
                return write(std::move(resp));
            case handled::pending:
                core_.busy.fetch_add(1, std::memory_order_relaxed);
                return;
            case handled::wait:
                if (++polls_ > claim_polls_max) {
                    return write(
                        api::error(make_error(503, "UNAVAILABLE",
                                              "an earlier request with this client_order_id is "
                                              "still in flight; retry")));
                }
                timer_.expires_after(claim_poll);
                timer_.async_wait([self = derived().shared_from_this()](beast::error_code e) {
                    if (!e) self->dispatch_request();
                });
                return;
        }
    }

    void on_outcome(const pending_request& req, const command_outcome& out) {
        core_.busy.fetch_sub(1, std::memory_order_relaxed);
        write(core_.rest.finish(req, out));
    }

    void fail(const api_error& e) {
        keep_alive_ = false;
        lingering_ = true;
        write(api::error(e));
    }

    void write(http_response resp) {
        res_ = {};
        res_.version(req_.version() == 10 ? 10 : 11);
        res_.result(resp.status);
        res_.set(http::field::server, "cux");
        res_.set(http::field::content_type,
                 resp.content_type.empty() ? "application/json" : resp.content_type);
        res_.set(http::field::cache_control, "no-store");
        if (resp.retry_after_s > 0) {
            res_.set(http::field::retry_after, std::to_string(resp.retry_after_s));
        }
        res_.keep_alive(keep_alive_);
        res_.body() = std::move(resp.body);
        res_.prepare_payload();
        derived().lowest().expires_after(core_.limits.write);
        core_.busy.fetch_add(1, std::memory_order_relaxed);
        http::async_write(derived().stream(), res_,
                          [self = derived().shared_from_this()](beast::error_code ec, std::size_t) {
                              self->core_.busy.fetch_sub(1, std::memory_order_relaxed);
                              self->on_write(ec);
                          });
    }

    // Writes res_ as prepared (the dashboard's files; write() builds the API's responses).
    void send_response() {
        derived().lowest().expires_after(core_.limits.write);
        core_.busy.fetch_add(1, std::memory_order_relaxed);
        http::async_write(derived().stream(), res_,
                          [self = derived().shared_from_this()](beast::error_code ec, std::size_t) {
                              self->core_.busy.fetch_sub(1, std::memory_order_relaxed);
                              self->on_write(ec);
                          });
    }

    void on_write(beast::error_code ec) {
        if (ec) return close_now();
        if (lingering_) return linger();
        if (!keep_alive_) return derived().shutdown();
        read_next();
    }

    void drain() {
        // On the tcp_stream, not its socket, so that the linger deadline applies.
        derived().lowest().async_read_some(
            net::buffer(drain_.get(), first_read_bytes),
            [self = derived().shared_from_this()](beast::error_code ec, std::size_t n) {
                self->drained_ += n;
                if (ec || self->drained_ >= drain_bytes_max) return self->close_now();
                self->drain();
            });
    }

    server_core& core_;
    session_slot slot_;
    net::steady_timer timer_;
    beast::flat_buffer buffer_{limits::header_bytes_max + limits::body_bytes_max + 4096};
    std::optional<http::request_parser<http::string_body>> parser_;
    http::request<http::string_body> req_;
    http::response<http::string_body> res_;
    bool keep_alive_ = true;
    bool lingering_ = false;
    int polls_ = 0;
    std::unique_ptr<char[]> drain_;
    std::size_t drained_ = 0;
};

class plain_session final : public http_session<plain_session>,
                            public std::enable_shared_from_this<plain_session> {
public:
    plain_session(tcp::socket&& s, server_core& core, session_slot slot)
        : http_session(core, std::move(slot), s.get_executor()), stream_(std::move(s)) {}

    beast::tcp_stream& stream() { return stream_; }
    beast::tcp_stream& lowest() { return stream_; }

    void start() {
        net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_next(); });
    }
    void shutdown() {
        beast::error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
    void upgrade(session_slot slot, http::request<http::string_body>&& req) {
        run_plain_stream(std::move(stream_), core(), std::move(slot), std::move(req));
    }

private:
    beast::tcp_stream stream_;
};

class tls_session final : public http_session<tls_session>,
                          public std::enable_shared_from_this<tls_session> {
public:
    tls_session(tcp::socket&& s, net::ssl::context& tls, server_core& core, session_slot slot)
        : http_session(core, std::move(slot), s.get_executor()), stream_(std::move(s), tls) {}

    beast::ssl_stream<beast::tcp_stream>& stream() { return stream_; }
    beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

    void start() {
        net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
            self->lowest().expires_after(self->core().limits.handshake);
            self->stream_.async_handshake(net::ssl::stream_base::server,
                                          [self](beast::error_code ec) {
                                              if (ec) return self->close_now();
                                              self->read_next();
                                          });
        });
    }
    void shutdown() {
        lowest().expires_after(core().limits.linger);
        stream_.async_shutdown(
            [self = shared_from_this()](beast::error_code) { self->close_now(); });
    }
    void upgrade(session_slot slot, http::request<http::string_body>&& req) {
        run_tls_stream(std::move(stream_), core(), std::move(slot), std::move(req));
    }

private:
    beast::ssl_stream<beast::tcp_stream> stream_;
};

}  // namespace

void run_plain_session(tcp::socket&& socket, server_core& core, session_slot slot) {
    std::make_shared<plain_session>(std::move(socket), core, std::move(slot))->start();
}

void run_tls_session(tcp::socket&& socket, net::ssl::context& tls, server_core& core,
                     session_slot slot) {
    std::make_shared<tls_session>(std::move(socket), tls, core, std::move(slot))->start();
}

}  // namespace cux::gateway::detail
