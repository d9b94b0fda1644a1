#pragma once
// A blocking HTTP/1.1 client for the gateway's integration tests, over plain TCP or TLS, on real
// sockets (Beast; compiled once in client.cpp). Every operation has a timeout. It also does what
// a well-behaved client would not: raw bytes, slow writes, connecting without a handshake.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cux::gateway::test {

using namespace std::chrono_literals;

struct http_result {
    unsigned status = 0;
    std::string body;
    std::map<std::string, std::string> headers;  // lowercase names
    [[nodiscard]] nlohmann::json json() const;
    [[nodiscard]] std::string code() const;  // error.code, or ""
};

enum class transport : uint8_t { plain = 0, tls = 1, tcp_only = 2 };

struct tls_client_options {
    std::string ca_file;  // verify the server against this certificate; empty: no verification
    int min_version = 0;  // e.g. TLS1_2_VERSION; 0: library default
    int max_version = 0;
    std::string ciphers;  // TLS 1.2 cipher list; empty: default
};

using header_list = std::vector<std::pair<std::string, std::string>>;

class connection {
public:
    // Connects to 127.0.0.1:port (and handshakes for tls); throws std::runtime_error on failure.
    connection(uint16_t port, transport t, const tls_client_options& tls = {},
               std::chrono::milliseconds timeout = 5s);
    ~connection();
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    // One request, one response. Throws std::runtime_error on a transport error or timeout.
    http_result request(const std::string& method, const std::string& target,
                        const std::string& body = {}, const header_list& headers = {},
                        std::chrono::milliseconds timeout = 5s);
    // Raw bytes (for framing tests); throws when the write fails.
    void send_raw(std::string_view bytes, std::chrono::milliseconds timeout = 5s);
    // False when the write failed (the server closed the connection).
    bool try_send_raw(std::string_view bytes);
    http_result read_response(std::chrono::milliseconds timeout = 5s);
    // True when the server closes the connection within `timeout`.
    bool wait_closed(std::chrono::milliseconds timeout);
    [[nodiscard]] std::string tls_version() const;
    [[nodiscard]] std::string tls_cipher() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// Lowercase hex HMAC-SHA256 (OpenSSL's one-shot HMAC, independent of the server's code).
std::string hmac_hex(const std::string& key, const std::string& message);
int64_t now_ms();

}  // namespace cux::gateway::test
