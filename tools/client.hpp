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
#include <cstddef>
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

// What the stream gave: a message, the server's close (its code and reason), a failure, or
// nothing within the wait.
struct stream_received {
    enum class kind : uint8_t { message, closed, timeout, failed } what = kind::timeout;
    std::string text;  // message
    unsigned close_code = 0;
    std::string close_reason;
    std::string error;  // failed (and a close whose teardown failed): why
};

struct stream_options {
    std::string target = "/v1/stream";
    std::size_t message_bytes_max = std::size_t{1} << 20;  // a longer message fails the read
    int receive_buffer_bytes = 0;  // > 0: SO_RCVBUF before connecting (a consumer that lags)
};

// The WebSocket stream. connect() opens the target (and TLS); messages are text frames.
// One read stays outstanding between receive()/poll() calls, so one that timed out loses nothing.
class stream_client {
public:
    explicit stream_client(client_options o, stream_options so = {});
    ~stream_client();
    stream_client(const stream_client&) = delete;
    stream_client& operator=(const stream_client&) = delete;

    // Throws transport_error (with the HTTP status when the server refused the upgrade).
    void connect();
    void send(std::string_view text);  // throws transport_error
    // A text (or binary) message within `wait`; false when the write failed or timed out (the
    // connection is then closed). Never throws.
    bool try_send(std::string_view payload, bool binary, std::chrono::milliseconds wait);
    // The next message, or nullopt when none arrived within `wait`; throws transport_error when
    // the stream closed (with the server's close reason in the message) or failed.
    std::optional<std::string> receive(std::chrono::milliseconds wait);
    // The same without exceptions.
    stream_received poll(std::chrono::milliseconds wait);
    // The auth message of API.md: {"op":"auth","key","ts","sign"} for the client's key.
    [[nodiscard]] std::string auth_message() const;
    void close();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace cux::tools
