#pragma once
// Internal to `cux bench gateway`: the load harness (N WebSocket connections driven by their
// flows on one generator thread) and the bare echo endpoint it is compared with. Free of Boost
// types; the Asio code is in tools/bench_gateway_run.cpp and the two WebSocket instantiations
// (TLS, plain) in tools/bench_gateway_net_{tls,plain}.cpp.
//
// Threads: a harness runs its io_context on the caller's thread inside connect(), run() and
// close(); the echo server runs its own `threads` Asio threads from construction to
// destruction. Errors: connect() and the echo server's constructor throw std::runtime_error
// with one line; a connection that fails during run() ends the run (run_outcome::failure).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tools/bench_gateway_flow.hpp"

namespace cux::tools::bench::gw {

struct endpoint_spec {
    std::string host = "127.0.0.1";  // an IP address
    uint16_t port = 0;
    bool tls = true;
    std::string cacert;  // TLS: the server's certificate is verified against it
    std::string path = "/v1/stream";
};

struct run_plan {
    std::string label;        // for progress lines
    double warmup_s = 1;      // sent and answered, not counted
    double measure_s = 10;    // the timed window
    double rate_per_s = 0;    // 0: closed loop (each flow keeps its depth in flight)
    double drain_s_max = 10;  // after the window: waiting for the replies still due
    bool progress = false;    // a line on stderr once a second
};

struct run_outcome {
    run_counters counters;
    std::string failure;  // non-empty: a connection failed (the first failure)
};

class load_harness {
public:
    // One connection per flow.
    load_harness(endpoint_spec at, const std::vector<flow_config>& flows);
    ~load_harness();
    load_harness(const load_harness&) = delete;
    load_harness& operator=(const load_harness&) = delete;

    // Opens every connection (TCP, TLS, WebSocket upgrade) and authenticates each flow; throws
    // std::runtime_error naming the first problem. At most `timeout_s` for each of the two.
    void connect(double timeout_s = 20);
    // One run; the connections stay open for the next.
    run_outcome run(const run_plan& plan);
    // Closes every connection (WebSocket close, then the socket), waiting at most 3 s.
    void close();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// A bare WebSocket echo endpoint on 127.0.0.1 (an ephemeral port): accepts the upgrade on any
// path and sends every message back as it came, padded with spaces to at least reply_bytes
// (trailing whitespace after a JSON value is still the same JSON). Replies to one connection go
// out in order; at most 64 wait per connection, then reading pauses. TLS with the gateway's own
// settings (gateway/detail/tls_context.hpp) and the given certificate, or plain TCP.
class echo_server {
public:
    echo_server(bool tls, const std::string& cert_file, const std::string& key_file,
                unsigned threads, std::size_t reply_bytes);
    ~echo_server();
    echo_server(const echo_server&) = delete;
    echo_server& operator=(const echo_server&) = delete;

    [[nodiscard]] uint16_t port() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace cux::tools::bench::gw
