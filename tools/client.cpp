#include "tools/client.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <charconv>
#include <optional>

#include "tools/client_tls.hpp"

namespace cux::tools {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr std::size_t response_body_bytes_max = 64u << 20;

}  // namespace

bool parse_server_url(std::string_view url, server_url& out, std::string& error) {
    std::string_view rest;
    if (url.starts_with("https://")) {
        out.tls = true;
        rest = url.substr(8);
    } else if (url.starts_with("http://")) {
        out.tls = false;
        rest = url.substr(7);
    } else {
        error = "the URL must start with https:// or http://: " + std::string(url);
        return false;
    }
    if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    if (rest.find('/') != std::string_view::npos || rest.find('?') != std::string_view::npos) {
        error = "the URL must name only a host and port: " + std::string(url);
        return false;
    }
    std::string_view host = rest;
    std::string_view port;
    if (rest.starts_with('[')) {
        const std::size_t close = rest.find(']');
        if (close == std::string_view::npos) {
            error = "unbalanced [ in URL: " + std::string(url);
            return false;
        }
        host = rest.substr(1, close - 1);
        const std::string_view after = rest.substr(close + 1);
        if (!after.empty()) {
            if (after[0] != ':') {
                error = "bad port in URL: " + std::string(url);
                return false;
            }
            port = after.substr(1);
        }
    } else if (const std::size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
        host = rest.substr(0, colon);
        port = rest.substr(colon + 1);
    }
    if (host.empty()) {
        error = "no host in URL: " + std::string(url);
        return false;
    }
    out.host = std::string(host);
    out.port = out.tls ? 443 : 80;
    if (!port.empty()) {
        unsigned v = 0;
        const auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
        if (ec != std::errc{} || p != port.data() + port.size() || v == 0 || v > 65535) {
            error = "bad port in URL: " + std::string(url);
            return false;
        }
        out.port = static_cast<uint16_t>(v);
    }
    return true;
}

std::string hmac_sha256_hex(std::string_view secret, std::string_view message) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &len);
    static constexpr char digits[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(len * 2);
    for (unsigned i = 0; i < len; ++i) {
        hex.push_back(digits[mac[i] >> 4]);
        hex.push_back(digits[mac[i] & 15]);
    }
    return hex;
}

int64_t unix_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

struct http_client::impl {
    client_options o;
    server_url url;
    net::io_context ioc;
    net::ssl::context ctx{net::ssl::context::tls_client};
    std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
    std::optional<beast::tcp_stream> plain;
    beast::flat_buffer buffer;
    bool connected = false;

    beast::tcp_stream& lowest() { return url.tls ? beast::get_lowest_layer(*tls) : *plain; }

    // Runs one asynchronous operation on this client's own io_context until it completes; the
    // stream's expiry (set by the caller) bounds it.
    template <class Start>
    beast::error_code run(Start&& start) {
        beast::error_code result = net::error::timed_out;
        bool done = false;
        start([&](beast::error_code ec, auto&&...) {
            result = ec;
            done = true;
        });
        ioc.restart();
        ioc.run();
        return done ? result : beast::error_code(net::error::timed_out);
    }

    void disconnect() {
        if (!connected) return;
        beast::error_code ec;
        lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
        lowest().socket().close(ec);
        connected = false;
    }

    void connect() {
        disconnect();
        buffer.clear();
        if (url.tls) {
            tls.emplace(ioc, ctx);
        } else {
            plain.emplace(ioc);
        }
        tcp::resolver resolver(ioc);
        beast::error_code ec;
        const auto found = resolver.resolve(url.host, std::to_string(url.port), ec);
        if (ec) throw transport_error("cannot resolve " + url.host + ": " + ec.message());
        lowest().expires_after(o.timeout);
        ec = run([&](auto handler) {
            lowest().async_connect(found, [handler](beast::error_code e,
                                                    const tcp::endpoint&) mutable { handler(e); });
        });
        if (ec) throw transport_error("cannot connect to " + o.url + ": " + ec.message());
        if (url.tls) {
            detail::set_peer_name(tls->native_handle(), url.host, !o.insecure);
            lowest().expires_after(o.timeout);
            ec = run([&](auto handler) {
                tls->async_handshake(net::ssl::stream_base::client,
                                     [handler](beast::error_code e) mutable { handler(e); });
            });
            if (ec) {
                const std::string what =
                    detail::handshake_message(tls->native_handle(), ec.message(), o);
                lowest().socket().close(ec);
                throw transport_error(what);
            }
        }
        connected = true;
    }

    // One exchange on the open connection; `sent_nothing` tells the caller whether a retry on a
    // fresh connection is safe (the server cannot have seen the request).
    beast::error_code exchange(http::request<http::string_body>& req,
                               http::response_parser<http::string_body>& parser, bool& stale) {
        stale = false;
        lowest().expires_after(o.timeout);
        beast::error_code ec = run([&](auto handler) {
            auto done = [handler](beast::error_code e, std::size_t) mutable { handler(e); };
            if (url.tls) {
                http::async_write(*tls, req, done);
            } else {
                http::async_write(*plain, req, done);
            }
        });
        if (ec) {
            stale = true;
            return ec;
        }
        lowest().expires_after(o.timeout);
        ec = run([&](auto handler) {
            auto done = [handler](beast::error_code e, std::size_t) mutable { handler(e); };
            if (url.tls) {
                http::async_read(*tls, buffer, parser, done);
            } else {
                http::async_read(*plain, buffer, parser, done);
            }
        });
        // Closed before a single response byte: the server dropped an idle keep-alive
        // connection as the request went out.
        if (ec && !parser.got_some() &&
            (ec == http::error::end_of_stream || ec == net::error::eof ||
             ec == net::error::connection_reset || ec == net::ssl::error::stream_truncated)) {
            stale = true;
        }
        return ec;
    }
};

http_client::http_client(client_options o) : impl_(std::make_unique<impl>()) {
    std::string error;
    if (!parse_server_url(o.url, impl_->url, error)) throw std::invalid_argument(error);
    impl_->o = std::move(o);
    if (impl_->url.tls) detail::configure_client_tls(impl_->ctx, impl_->o);
}

http_client::~http_client() { impl_->disconnect(); }

const client_options& http_client::options() const { return impl_->o; }

http_reply http_client::request(std::string_view method, std::string_view target,
                                std::string_view body, bool sign) {
    impl& s = *impl_;
    http::request<http::string_body> req;
    req.method_string(method);
    req.target(target);
    req.version(11);
    req.set(http::field::host, s.url.host);
    req.set(http::field::user_agent, "cux");
    req.keep_alive(true);
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    if (!body.empty() || method == "POST" || method == "PATCH") {
        req.body() = std::string(body);
        req.prepare_payload();
    }
    for (int attempt = 0;; ++attempt) {
        const bool reused = s.connected;
        if (!s.connected) s.connect();
        // Signed per attempt: a retry must carry a fresh timestamp.
        if (sign && !s.o.key.empty()) {
            const std::string ts = std::to_string(unix_ms());
            std::string msg = ts;
            msg.append(method).append(target).append(body);
            req.set("CUX-KEY", s.o.key);
            req.set("CUX-TS", ts);
            req.set("CUX-SIGN", hmac_sha256_hex(s.o.secret, msg));
        }
        http::response_parser<http::string_body> parser;
        parser.body_limit(response_body_bytes_max);
        bool stale = false;
        const beast::error_code ec = s.exchange(req, parser, stale);
        if (ec) {
            s.disconnect();
            if (stale && reused && attempt == 0) continue;
            throw transport_error("request " + std::string(method) + " " + std::string(target) +
                                  " to " + s.o.url + " failed: " + ec.message());
        }
        const auto& res = parser.get();
        http_reply r;
        r.status = res.result_int();
        r.body = res.body();
        if (const auto it = res.find(http::field::retry_after); it != res.end()) {
            const std::string_view v = it->value();
            unsigned secs = 0;
            std::from_chars(v.data(), v.data() + v.size(), secs);
            r.retry_after_s = secs;
        }
        if (!res.keep_alive()) s.disconnect();
        return r;
    }
}

}  // namespace cux::tools
