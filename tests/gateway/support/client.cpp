#include "tests/gateway/support/client.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>
#include <stdexcept>

namespace cux::gateway::test {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

nlohmann::json http_result::json() const { return nlohmann::json::parse(body); }

std::string http_result::code() const {
    const auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_object() && j.contains("error") && j["error"].contains("code")) {
        return j["error"]["code"].get<std::string>();
    }
    return "";
}

struct connection::impl {
    net::io_context ioc;
    net::ssl::context ctx{net::ssl::context::tls_client};
    std::optional<beast::tcp_stream> plain;
    std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
    beast::flat_buffer buffer;
    bool use_tls = false;

    beast::tcp_stream& lowest() { return use_tls ? beast::get_lowest_layer(*tls) : *plain; }

    // Runs one async operation to completion on this connection's own io_context.
    template <class Start>
    beast::error_code run(std::chrono::milliseconds timeout, Start&& start) {
        beast::error_code result;
        bool done = false;
        lowest().expires_after(timeout);
        start([&](beast::error_code ec, auto&&...) {
            result = ec;
            done = true;
        });
        ioc.restart();
        ioc.run();
        if (!done) result = net::error::timed_out;
        return result;
    }
};

connection::connection(uint16_t port, transport t, const tls_client_options& o,
                       std::chrono::milliseconds timeout)
    : impl_(std::make_unique<impl>()) {
    impl& s = *impl_;
    s.use_tls = t == transport::tls;
    if (s.use_tls) {
        SSL_CTX* c = s.ctx.native_handle();
        if (o.min_version != 0) SSL_CTX_set_min_proto_version(c, o.min_version);
        if (o.max_version != 0) SSL_CTX_set_max_proto_version(c, o.max_version);
        if (!o.ciphers.empty()) SSL_CTX_set_cipher_list(c, o.ciphers.c_str());
        if (!o.ca_file.empty()) {
            s.ctx.load_verify_file(o.ca_file);
            s.ctx.set_verify_mode(net::ssl::verify_peer);
            s.ctx.set_verify_callback(net::ssl::host_name_verification("localhost"));
        } else {
            s.ctx.set_verify_mode(net::ssl::verify_none);
        }
        s.tls.emplace(s.ioc, s.ctx);
    } else {
        s.plain.emplace(s.ioc);
    }
    const tcp::endpoint at(net::ip::make_address("127.0.0.1"), port);
    beast::error_code ec = s.run(timeout, [&](auto handler) {
        s.lowest().async_connect(at, [handler](beast::error_code e) mutable { handler(e); });
    });
    if (ec) throw std::runtime_error("connect: " + ec.message());
    if (s.use_tls) {
        ec = s.run(timeout, [&](auto handler) {
            s.tls->async_handshake(net::ssl::stream_base::client,
                                   [handler](beast::error_code e) mutable { handler(e); });
        });
        if (ec) throw std::runtime_error("handshake: " + ec.message());
    }
}

connection::~connection() {
    beast::error_code ec;
    impl_->lowest().socket().close(ec);
}

http_result connection::request(const std::string& method, const std::string& target,
                                const std::string& body, const header_list& headers,
                                std::chrono::milliseconds timeout) {
    http::request<http::string_body> req;
    req.method_string(method);
    req.target(target);
    req.version(11);
    req.set(http::field::host, "localhost");
    for (const auto& [k, v] : headers) req.set(k, v);
    if (!body.empty() || method == "POST" || method == "PATCH") {
        req.body() = body;
        req.prepare_payload();
    }
    impl& s = *impl_;
    const beast::error_code ec = s.run(timeout, [&](auto handler) {
        if (s.use_tls) {
            http::async_write(*s.tls, req,
                              [handler](beast::error_code e, std::size_t) mutable { handler(e); });
        } else {
            http::async_write(*s.plain, req,
                              [handler](beast::error_code e, std::size_t) mutable { handler(e); });
        }
    });
    if (ec) throw std::runtime_error("write: " + ec.message());
    return read_response(timeout);
}

void connection::send_raw(std::string_view bytes, std::chrono::milliseconds timeout) {
    impl& s = *impl_;
    const beast::error_code ec = s.run(timeout, [&](auto handler) {
        if (s.use_tls) {
            net::async_write(*s.tls, net::buffer(bytes.data(), bytes.size()),
                             [handler](beast::error_code e, std::size_t) mutable { handler(e); });
        } else {
            net::async_write(s.lowest(), net::buffer(bytes.data(), bytes.size()),
                             [handler](beast::error_code e, std::size_t) mutable { handler(e); });
        }
    });
    if (ec) throw std::runtime_error("send: " + ec.message());
}

bool connection::try_send_raw(std::string_view bytes) {
    try {
        send_raw(bytes, 2s);
        return true;
    } catch (const std::runtime_error&) {
        return false;
    }
}

http_result connection::read_response(std::chrono::milliseconds timeout) {
    impl& s = *impl_;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    const beast::error_code ec = s.run(timeout, [&](auto handler) {
        if (s.use_tls) {
            http::async_read(*s.tls, s.buffer, parser,
                             [handler](beast::error_code e, std::size_t) mutable { handler(e); });
        } else {
            http::async_read(*s.plain, s.buffer, parser,
                             [handler](beast::error_code e, std::size_t) mutable { handler(e); });
        }
    });
    if (ec) throw std::runtime_error("read: " + ec.message());
    http_result r;
    const auto& res = parser.get();
    r.status = res.result_int();
    r.body = res.body();
    for (const auto& f : res) {
        std::string name(f.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers[name] = std::string(f.value());
    }
    return r;
}

bool connection::wait_closed(std::chrono::milliseconds timeout) {
    impl& s = *impl_;
    char buf[4096];
    for (;;) {
        std::size_t got = 0;
        const beast::error_code ec = s.run(timeout, [&](auto handler) {
            s.lowest().socket().async_read_some(
                net::buffer(buf), [&got, handler](beast::error_code e, std::size_t n) mutable {
                    got = n;
                    handler(e);
                });
        });
        if (ec == net::error::timed_out || ec == beast::error::timeout) return false;
        if (ec) return true;  // EOF or reset: closed by the server
        (void)got;            // bytes (e.g. a TLS alert) before the close: keep reading
    }
}

std::string connection::tls_version() const {
    return impl_->use_tls ? SSL_get_version(impl_->tls->native_handle()) : "";
}

std::string connection::tls_cipher() const {
    return impl_->use_tls ? SSL_get_cipher_name(impl_->tls->native_handle()) : "";
}

std::string hmac_hex(const std::string& key, const std::string& message) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(message.data()), message.size(), out, &len);
    static const char digits[] = "0123456789abcdef";
    std::string hex;
    for (unsigned i = 0; i < len; ++i) {
        hex.push_back(digits[out[i] >> 4]);
        hex.push_back(digits[out[i] & 15]);
    }
    return hex;
}

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace cux::gateway::test
