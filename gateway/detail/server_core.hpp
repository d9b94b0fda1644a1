#pragma once
// What every connection of the server shares, without any Asio or Beast type in sight: the API,
// the response routing table, the connection limits, the stream's hub and the timeouts. Owned by
// gateway::server; sessions hold a reference and outlive nothing of it (the server destroys its
// io_context, and with it every session, before it destroys this).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/market.hpp"
#include "gateway/api.hpp"
#include "gateway/route_table.hpp"
#include "gateway/static_files.hpp"
#include "gateway/stream_hub.hpp"

namespace cux::gateway::detail {

struct timeouts {
    std::chrono::milliseconds handshake{5000};  // TLS handshake
    std::chrono::milliseconds idle{60000};      // waiting for the first byte of a request
    std::chrono::milliseconds request{10000};   // first byte to the end of the body
    std::chrono::milliseconds write{10000};     // writing one response
    std::chrono::milliseconds linger{1000};     // draining the peer after an error response
};

// Connections in total and per remote address. Threads: any; a mutex guards the counts (this is
// the connect/disconnect path, never the request path).
class connection_limiter {
public:
    connection_limiter(std::size_t total_max, std::size_t per_ip_max)
        : total_max_(total_max), per_ip_max_(per_ip_max) {}

    bool acquire(const std::string& ip) {
        std::lock_guard lock(mu_);
        std::size_t& n = per_ip_[ip];
        if (total_ >= total_max_ || n >= per_ip_max_) {
            if (n == 0) per_ip_.erase(ip);
            return false;
        }
        ++n;
        ++total_;
        return true;
    }
    void release(const std::string& ip) {
        std::lock_guard lock(mu_);
        const auto it = per_ip_.find(ip);
        if (it == per_ip_.end()) return;
        if (--it->second == 0) per_ip_.erase(it);
        --total_;
    }

private:
    std::mutex mu_;
    std::size_t total_max_;
    std::size_t per_ip_max_;
    std::size_t total_ = 0;
    std::unordered_map<std::string, std::size_t> per_ip_;
};

// The live stream sessions, so that a stopping server can close each with 1001 ("server
// stopping") rather than drop it. Threads: any; a mutex guards the set (connect, disconnect and
// stop paths only). close_all() calls no session with the mutex held.
class stream_registry {
public:
    class member {
    public:
        virtual void close_for_shutdown() = 0;  // posts to the session's strand

    protected:
        ~member() = default;
    };

    void add(const std::shared_ptr<member>& m) {
        std::lock_guard lock(mu_);
        live_[m.get()] = m;
    }
    void remove(const member* m) {
        std::lock_guard lock(mu_);
        live_.erase(m);
    }
    [[nodiscard]] std::size_t size() {
        std::lock_guard lock(mu_);
        return live_.size();
    }
    void close_all() {
        std::vector<std::weak_ptr<member>> all;
        {
            std::lock_guard lock(mu_);
            for (const auto& [k, w] : live_) all.push_back(w);
        }
        for (const auto& w : all) {
            if (const auto m = w.lock()) m->close_for_shutdown();
        }
    }

private:
    std::mutex mu_;
    std::unordered_map<const member*, std::weak_ptr<member>> live_;
};

// The stream's settings (server_options, validated against limits.hpp at start-up).
struct stream_settings {
    std::chrono::milliseconds heartbeat{5000};               // a heartbeat message this often
    std::size_t queue_messages_max = 8192;                   // outbound queue bounds: past either,
    std::size_t queue_bytes_max = std::size_t{16} << 20;     //  "slow consumer"
    std::size_t socket_send_bytes = std::size_t{256} << 10;  // SO_SNDBUF; 0: the kernel's
};

struct server_core {
    api& rest;
    route_table& routes;
    connection_limiter& connections;
    timeouts limits;
    stream_hub& hub;
    const engine::market_config& market;
    stream_settings stream;
    std::function<int64_t()> wall_ms;  // the server's wall clock (heartbeat and pong times)
    stream_registry streams;
    // Work the server waits for (at most a moment) when it stops: commands whose response is
    // still to be written, and responses being written.
    std::atomic<int64_t> busy{0};
    // The dashboard's files; nullptr: none are served (every path outside /v1/ is the API's).
    const static_files* web = nullptr;
};

// A connection's place in the server: its count in the connection limits (total and per IP)
// and its session's lanes in the route table, acquired by the listener and given back when the
// last owner goes. An HTTP session that upgrades to the stream moves it to the stream session,
// so a WebSocket connection counts against the same caps. Threads: its owner's.
class session_slot {
public:
    session_slot(server_core& core, uint32_t lane, std::string ip)
        : core_(&core), lane_(lane), ip_(std::move(ip)) {}
    session_slot(session_slot&& o) noexcept
        : core_(std::exchange(o.core_, nullptr)), lane_(o.lane_), ip_(std::move(o.ip_)) {}
    session_slot& operator=(session_slot&&) = delete;
    session_slot(const session_slot&) = delete;
    session_slot& operator=(const session_slot&) = delete;
    ~session_slot() {
        if (core_ == nullptr) return;
        core_->routes.close_session(lane_);
        core_->connections.release(ip_);
    }

    [[nodiscard]] uint32_t first_lane() const { return lane_; }

private:
    server_core* core_;
    uint32_t lane_;
    std::string ip_;
};

}  // namespace cux::gateway::detail
