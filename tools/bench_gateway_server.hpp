#pragma once
// Internal to `cux bench gateway`: the exchange served in-process, wired as `cux serve` wires it
// (tools/cmd_serve.cpp): the engine behind the pipeline with its journal (group commit,
// fdatasync) in DIR/journal, the clock's ticks every 250 ms, the ledger writer on DIR/cux.db
// (synchronous=FULL, waiting for the journal before each commit) holding the order gate, and
// the gateway (HTTPS or plain HTTP, REST and /v1/stream) on 127.0.0.1 at an ephemeral port. It
// bootstraps the admin and DIR/admin.credentials as `cux serve` does on a fresh directory.
//
// One difference from `cux serve`, and why: the per-key rate limit (server_options::
// rate_per_key, 200 requests/s by default, not configurable on `cux serve`) is raised to the
// gateway's maximum, because a benchmark of the whole path needs each connection to send far
// more than one key's fair share. Everything a request goes through is the same, including the
// rate check itself.
//
// Threads: construct and stop on one thread. Errors: start-up problems throw
// std::runtime_error with one line.

#include <cstdint>
#include <memory>
#include <string>

namespace cux::tools::bench::gw {

struct server_figures {
    uint64_t commands = 0;  // applied since start (clock ticks included)
    uint64_t fsyncs = 0;    // journal fdatasyncs
    uint64_t journal_records = 0;
    uint64_t events = 0;            // published on the event ring
    uint64_t ledger_committed = 0;  // events the ledger has committed
};

class bench_server {
public:
    // `market_text`: the market file's JSON (copied to DIR/market.json, as serve does).
    bench_server(const std::string& dir, const std::string& market_text, bool insecure_http);
    ~bench_server();  // stop()
    bench_server(const bench_server&) = delete;
    bench_server& operator=(const bench_server&) = delete;

    [[nodiscard]] std::string url() const;
    [[nodiscard]] uint16_t port() const;
    [[nodiscard]] std::string admin_credentials_path() const;
    [[nodiscard]] server_figures figures() const;
    // "" while running well, else what stopped (journal failure, ledger failure).
    [[nodiscard]] std::string problem() const;
    // Waits (at most `timeout_s`) until the ledger has committed every event published so far;
    // false on the timeout.
    bool wait_ledger(double timeout_s) const;
    void stop();

private:
    void start(const std::string& dir, const std::string& market_text, bool insecure_http);
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace cux::tools::bench::gw
