#pragma once
// `cux bench ledger`: how fast the ledger records and settles trades on this machine, with
// synchronous=FULL (every batch commit syncs the WAL). A benchmark: it prints figures and never
// fails because the machine is slow (only when the ledger disagrees with the engine).
//
// Methodology. The real engine (the default market file, 16 funded buyers, 16 vendors with
// capacity) runs on a producer thread, applying commands stamped with a simulated clock and
// publishing their events on an spmc_ring<event>, as the pipeline does (no journal: this
// measures the ledger). Each trade: a vendor rests a sell of 1-4 devices in an hourly window
// and a buyer takes it with an IOC whose data comes from another region, so every contract has
// four lines (compute, energy, network, buyer fee: columns of its row), its escrow transfer and,
// when the window has been delivered, four release transfers (the seller's proceeds, network
// to the carrier, both fees to the exchange) and its close. Market time
// moves one hour per `trades_per_hour` trades, so windows settle continuously while trading
// goes on; a last tick settles what is left. The ledger writer (ledger/writer.hpp) consumes the
// ring on its own thread into a fresh SQLite file. Timed: from the first trade until the
// ledger has committed the last settlement. trades/s = trades / that time (each trade opened
// AND settled). Batch commit latency: BEGIN to COMMIT returned (WAL synced), per batch. The
// writer runs as `cux serve` runs it (group commit, background checkpoints).
// Afterwards (untimed) the ledger's own checks run on the file.
//
// Thread: the caller's, plus the producer and the writer, both joined before returning.

#include <cstdint>
#include <string>

namespace cux::tools::bench {

struct ledger_bench_options {
    int64_t trades = 500'000;
    int64_t trades_per_hour = 20'000;
    std::string data_dir;          // parent of the run's own directory; empty: /tmp
    std::size_t batch_events = 0;  // 0: the writer's default
    bool keep = false;             // keep the database (its path is printed)
    bool json = false;
};

// Runs the benchmark and prints its figures; the exit code (0, or 1 when the ledger failed
// or its checks did not pass).
int run_bench_ledger(const ledger_bench_options& o, const std::string& market_file);
// `cux bench ledger ARGS` (argv[1] == "ledger"): parses the options (2 on bad usage) and runs.
int cmd_bench_ledger(int argc, char** argv, const std::string& market_file);

}  // namespace cux::tools::bench
