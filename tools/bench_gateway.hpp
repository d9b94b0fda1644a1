#pragma once
// `cux bench gateway`: order entry over the WebSocket stream, end to end, on this machine, with
// the load generator on the same machine. A benchmark: it prints figures and never fails
// because the machine is slow (only when the set-up fails or a connection breaks).
//
//   cux bench gateway [--connections N] [--seconds S] [--rate R] [--insecure-http] [--echo]
//                     [--depth D] [--books B] [--data DIR] [--keep]
//
// Methodology.
// Server: the exchange in-process, wired as `cux serve` wires it (tools/bench_gateway_server.hpp:
//   journal with group-commit fdatasync, ledger writer with synchronous=FULL and its order gate,
//   gateway with 2 I/O threads), on a fresh data directory under DIR (default /tmp), removed
//   afterwards unless --keep. WSS with the server's self-signed certificate (verified), or plain
//   WS with --insecure-http. Two differences from a production `cux serve`, both stated in the
//   output: the per-key rate limit is raised to the gateway's maximum, and the default market
//   file's books open 1 s after listing instead of 60 s (a fresh market has every book in
//   pre_open for its first minute).
// Participants: through the REST admin routes with DIR/admin.credentials, as an operator would:
//   one participant per connection, alternately a vendor (with 10^8 H100 devices of capacity in
//   yrd for the next 48 hours) and a buyer (with a 100,000,000.00 CNY deposit).
// Load: N connections (default 32), each authenticated with its own key, sending order entry
//   over the stream (tools/bench_gateway_flow.hpp: GTC and IOC limit orders around the reference
//   price of B open hourly H100 books in yrd, default 4, that cross between buyers and vendors,
//   and cancels of the connection's oldest resting order), all from one generator thread.
// Runs, each after a 1 s warm-up, over S seconds (default 10):
//   1. throughput: every connection keeps D orders in flight (default 8; the gateway answers up
//      to 16 per connection in parallel) — closed loop, pipelined;
//   2. latency at a fixed rate R (default: half of run 1's acknowledged rate; --rate 0 skips
//      it): orders fall due at exactly R per second, round-robin over the connections, and are
//      sent at the next 200 us tick (at most D in flight per connection; the rest wait).
//   Between runs the ledger is let catch up (the time it took is printed).
//   With --echo, the same two runs (same connections, flows, depth and rate) against a bare
//   Beast WebSocket echo endpoint in-process (same TLS settings and certificate, or plain),
//   whose replies are padded to the full path's mean reply size; the ratio of the throughput
//   runs is printed as "full path = X% of echo".
// Figures: acknowledged = answered {"type":"result"}; rejects (answered {"type":"error"}) are
//   counted by code (NOT_FOUND on a cancel: the order was filled meanwhile). Rates count replies
//   received in the window. Latency = the reply read minus the write started, for requests sent
//   in the window (replies read during the drain included); the rate run also gives it from the
//   time each order fell due (open loop: waiting in the generator included) and how late the
//   sends were. Histograms within 0.2%. The generator thread's CPU time and the whole process's
//   in the window (the server's share is the difference) show who used the two cores.
// Thread: the caller's (the generator), plus the server's and the echo server's.

#include <string>

namespace cux::tools::bench {

// `cux bench gateway ARGS` (argv[1] == "gateway"): parses the options (2 on bad usage) and runs.
int cmd_bench_gateway(int argc, char** argv, const std::string& market_file);

}  // namespace cux::tools::bench
