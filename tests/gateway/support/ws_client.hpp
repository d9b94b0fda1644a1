#pragma once
// A blocking WebSocket client of /v1/stream for the gateway's integration tests, over TLS or
// plain TCP, on real sockets: the `cux` client's stream (tools/client.hpp) behind the tests'
// interface. Every operation has a timeout. One read stays outstanding between receive() calls, so
// a receive() that timed out loses nothing. It can also misbehave: a tiny receive buffer and never
// reading (a slow consumer), oversize or binary messages.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "tests/gateway/support/client.hpp"

namespace cux::gateway::test {

struct ws_options {
    std::string ca_file;     // TLS: verify the server against it (empty: no verification)
    int receive_buffer = 0;  // > 0: SO_RCVBUF before connecting (a consumer that lags)
    std::string target = "/v1/stream";
};

// What receive() got: a message, the server's close (code and reason), or nothing in time.
struct ws_event {
    enum class kind : uint8_t { message, closed, timeout, failed } what = kind::timeout;
    std::string text;
    unsigned close_code = 0;
    std::string close_reason;
    std::string error;  // failed: why
    [[nodiscard]] nlohmann::json json() const { return nlohmann::json::parse(text); }
};

class ws_client {
public:
    // Connects and upgrades; throws std::runtime_error on failure (the upgrade's HTTP status in
    // the message when the server refused it).
    ws_client(uint16_t port, transport t, const ws_options& o = {},
              std::chrono::milliseconds timeout = 5s);
    ~ws_client();
    ws_client(const ws_client&) = delete;
    ws_client& operator=(const ws_client&) = delete;

    // Sends one text (or binary) message; false when the write failed or timed out.
    bool send(std::string_view text, std::chrono::milliseconds timeout = 5s);
    bool send_binary(std::string_view bytes, std::chrono::milliseconds timeout = 5s);
    bool send_json(const nlohmann::json& j) { return send(j.dump()); }

    ws_event receive(std::chrono::milliseconds timeout = 5s);
    // Messages until one satisfies `want` (returned), skipping heartbeats unless `want` takes
    // them; nullopt when the stream closed, failed or the time ran out (last_event() says).
    std::optional<nlohmann::json> until(const std::function<bool(const nlohmann::json&)>& want,
                                        std::chrono::milliseconds timeout = 5s);
    // The next message that is not a heartbeat.
    std::optional<nlohmann::json> next(std::chrono::milliseconds timeout = 5s);
    [[nodiscard]] const ws_event& last_event() const { return last_; }

    // Sends {"op":"auth"} signed with `secret` (ts skewed by ts_offset_ms); the reply.
    std::optional<nlohmann::json> auth(const std::string& key, const std::string& secret,
                                       int64_t ts_offset_ms = 0);
    // Sends a close frame (normal) and waits for the server's.
    void close();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
    ws_event last_;
};

}  // namespace cux::gateway::test
