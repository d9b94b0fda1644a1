#pragma once
// What every connection of the server shares, without any Asio or Beast type in sight: the API,
// the response routing table, the connection limits and the timeouts. Owned by gateway::server;
// sessions hold a reference and outlive nothing of it (the server destroys its io_context, and
// with it every session, before it destroys this).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "gateway/api.hpp"
#include "gateway/route_table.hpp"

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

struct server_core {
    api& rest;
    route_table& routes;
    connection_limiter& connections;
    timeouts limits;
    // Work the server waits for (at most a moment) when it stops: commands whose response is
    // still to be written, and responses being written.
    std::atomic<int64_t> busy{0};
};

}  // namespace cux::gateway::detail
