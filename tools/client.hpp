#pragma once
// A small blocking client of the cux API (../shared/API.md) for the `cux` verbs and the demo
// market maker: HTTPS (or plain HTTP) requests signed as API.md "Authentication" says, and the
// WebSocket stream /v1/stream. Free of Boost types, so a verb that includes it compiles fast; the
// Beast code lives in tools/client.cpp and tools/client_stream.cpp.
//
// TLS: the server's certificate is verified against `cacert` (a PEM file, e.g. the self-signed
// DIR/cert.pem of `cux serve`) or, without one, the system's roots; the host name or IP address of
// the URL must match it. `insecure` skips verification (the caller warns).
// Limits: every network operation has `timeout`; a response body is at most 64 MiB and a stream
// message at most 1 MiB.
// Threads: one object per thread. Errors: transport problems (cannot resolve, connect,
// handshake, a timeout, a dropped connection) throw transport_error; HTTP error statuses are not
// errors here, they are replies for the caller to read.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace cux::tools {

struct client_options {
    std::string url;  // "https://127.0.0.1:8443" (http:// for an --insecure-http server)
    std::string key;  // API key id; empty: requests are sent unsigned
    std::string secret;
    std::string cacert;     // PEM file to verify the server against; empty: system roots
    bool insecure = false;  // do not verify the server's certificate
    std::chrono::milliseconds timeout{10000};
};

struct server_url {
    bool tls = true;
    std::string host;  // without brackets for IPv6
    uint16_t port = 0;
};

// "https://host[:port][/]" or "http://...": false and `error` when it is not one.
bool parse_server_url(std::string_view url, server_url& out, std::string& error);

class transport_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct http_reply {
    unsigned status = 0;
    std::string body;
    uint32_t retry_after_s = 0;  // from Retry-After, 0 when absent
};

// Lowercase hex HMAC-SHA256(secret, message); the key is the secret's text as given.
std::string hmac_sha256_hex(std::string_view secret, std::string_view message);
// Milliseconds since the Unix epoch (CUX-TS).
int64_t unix_ms();

// One keep-alive connection, opened on the first request and reopened when the server closed
// it (a request on a reused connection that fails before any response byte is sent once more).
class http_client {
public:
    // Throws std::invalid_argument when the URL is not one parse_server_url accepts.
    explicit http_client(client_options o);
    ~http_client();
    http_client(const http_client&) = delete;
    http_client& operator=(const http_client&) = delete;

    // `target` is the path with its query, exactly as signed. Signed when `sign` and a key is set.
    http_reply request(std::string_view method, std::string_view target, std::string_view body = {},
                       bool sign = true);

    [[nodiscard]] const client_options& options() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// The WebSocket stream. connect() opens /v1/stream (and TLS); messages are text frames.
class stream_client {
public:
    explicit stream_client(client_options o);
    ~stream_client();
    stream_client(const stream_client&) = delete;
    stream_client& operator=(const stream_client&) = delete;

    void connect();                    // throws transport_error
    void send(std::string_view text);  // throws transport_error
    // The next message, or nullopt when none arrived within `wait`; throws transport_error when
    // the stream closed (with the server's close reason in the message) or failed.
    std::optional<std::string> receive(std::chrono::milliseconds wait);
    // The auth message of API.md: {"op":"auth","key","ts","sign"} for the client's key.
    [[nodiscard]] std::string auth_message() const;
    void close();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace cux::tools
