#pragma once
// The gateway server: HTTPS (or, with insecure_http, plain HTTP) REST API of API.md and its
// WebSocket stream (wss:// or ws:// .../v1/stream) on one port, in front of the engine's
// pipeline. Free of Boost types, so `cux serve` compiles fast.
//
// How `cux serve` runs it (the order matters):
//
//   engine::exchange ex(market, {});
//   engine::machine_ref<engine::exchange> m(ex);
//   engine::pipeline_options po;           // data_dir = DIR, ...
//   po.publish_replayed_events = true;     // REQUIRED: the read models rebuild from the journal
//   engine::pipeline p(m, po);
//   (the ledger writer, opened and started here too, before p.replay())
//   gateway::server_options so;            // data_dir = DIR, listen, cert/key, insecure_http,
//                                          //   order_gate = the ledger writer's (see below)
//   gateway::server srv(p, market, so);    // BEFORE p.replay(): registers its event consumer
//                                          //   and starts consuming (throws on bad options,
//                                          //   certificate or database problems)
//   p.replay(...); p.start();              // as today (drop serve's own admin creation: the
//                                          //   server does it, see start())
//   const gateway::bound_endpoint at = srv.start();   // throws when it cannot bind
//   printf("cux serve: ready: %s data %s\n", srv.url().c_str(), DIR);   // the ready line
//   sigwait(...);                          // SIGTERM / SIGINT
//   p.stop();                              // FIRST: every queued command is applied and durable,
//                                          //   the event ring closes, in-flight requests get
//                                          //   their responses
//   srv.stop();                            // THEN: drains the consumer, closes connections
//   (ledger writer join())
//
// start(): waits until the read models have applied the replayed journal; on a market without
// an admin (a fresh data directory) submits create_participant {name "admin", roles admin} as
// the exchange (participant 0); if the admin has no API key yet, issues one and writes
// DIR/admin.credentials (mode 0600, JSON {"url","key","secret"}); then binds and serves. A later
// start on the same directory finds the admin and its key and leaves the file alone.
// TLS: without cert_file/key_file, DIR/cert.pem and DIR/key.pem (0600) are generated on first
// start (self-signed for localhost, 127.0.0.1, ::1) and reused afterwards.
//
// Threads: construct, start() and stop() from the owner thread (the one that owns the pipeline).
// Inside: io_threads Asio threads (TLS, HTTP, WebSocket, auth, JSON, submission through the
// lock-free command ring) and one event-consumer thread (read models, responses once durable,
// the stream's market data and private updates).
// Errors: start-up problems throw std::runtime_error with one line naming the problem.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/market.hpp"
#include "engine/pipeline.hpp"
#include "ledger/surveillance.hpp"

namespace cux::gateway {

struct server_options {
    std::string data_dir;                   // required: DIR (cux.db, certificate, credentials)
    std::string listen = "127.0.0.1:8443";  // "host:port", "[v6]:port"; port 0 = ephemeral
    std::string cert_file;                  // PEM chain; empty: DIR/cert.pem (self-signed)
    std::string key_file;                   // PEM key; empty: DIR/key.pem
    bool insecure_http = false;             // plain HTTP (benchmarks behind a TLS terminator)
    unsigned io_threads = 2;
    std::size_t connections_max = 1024;
    std::size_t connections_per_ip_max = 256;
    uint32_t rate_per_key = 200;   // requests per second per API key
    uint32_t burst_per_key = 400;  // requests a key may save up
    std::chrono::milliseconds handshake_timeout{5000};
    std::chrono::milliseconds idle_timeout{60000};     // keep-alive wait for the next request
    std::chrono::milliseconds request_timeout{10000};  // first byte to the end of the body
    std::chrono::milliseconds write_timeout{10000};
    // The stream (/v1/stream): a heartbeat message this often, and the bounds of a connection's
    // outbound queue (past either, it is closed with reason "slow consumer"). Idle and
    // handshake timeouts are the ones above; a write that takes write_timeout is a slow consumer.
    std::chrono::milliseconds heartbeat_interval{5000};
    std::size_t stream_queue_messages_max = 8192;
    std::size_t stream_queue_bytes_max = std::size_t{16} << 20;
    // SO_SNDBUF of a stream connection (0: the kernel's autotuning, which lets megabytes pile
    // up unseen): bounds how much a consumer can lag before its queue grows.
    std::size_t stream_socket_send_bytes = std::size_t{256} << 10;
    // The web dashboard (gateway/static_files.hpp): its directory, read once at construction;
    // empty: no files are served.
    std::string web_dir;
    bool bootstrap_admin = true;  // start() creates the admin and admin.credentials if missing
    std::function<int64_t()> wall_clock_ms;  // CUX-TS is checked against it; empty: system
    // "" while new orders may be accepted, else one line why not; checked before every new
    // order and replace (503 UNAVAILABLE). Serve passes the ledger writer's order_gate():
    //   [&w] { const auto g = w.order_gate(); return g.open ? std::string() : g.reason; }
    std::function<std::string()> order_gate;
};

struct bound_endpoint {
    std::string address;  // as bound, e.g. "127.0.0.1"
    uint16_t port = 0;    // the real port (also when 0 was asked for)
};

class server {
public:
    server(engine::pipeline& p, const engine::market_config& market, server_options opts);
    ~server();  // stop()
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    bound_endpoint start();
    // The dashboard's files: how many are served, and what was left out (a missing vendor file).
    [[nodiscard]] std::size_t web_files() const;
    [[nodiscard]] std::vector<std::string> web_warnings() const;
    // "https://127.0.0.1:8443" (http:// when insecure; a wildcard address becomes loopback).
    [[nodiscard]] std::string url() const;
    // DIR/admin.credentials.
    [[nodiscard]] std::string admin_credentials_path() const;
    // Surveillance alerts for the stream's `alerts` channel: the audit writer's on_alerts
    // (ledger/audit_writer.hpp) calls it from its thread after each commit. Any thread; call
    // it no more once stop() has begun (serve joins the audit writer first).
    void publish_alerts(const std::vector<ledger::alert>& alerts);
    // Idempotent. Call it after pipeline::stop(); if the pipeline still runs (an error path,
    // the destructor), it calls pipeline::stop() itself first.
    void stop();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace cux::gateway
