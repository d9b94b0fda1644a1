#pragma once
// `cux bench jobs`: how long the engine takes to route and fill one job order (issue 5) on a
// full listing, so that routing never stalls the single writer. A benchmark: it prints figures
// and never fails because the machine is slow (only when the engine refuses the set-up).
//
// Methodology. The real engine (engine::exchange, no pipeline or journal: this measures
// apply()) on the market file (default: schemas/market.default.json, 16 chips x 8 regions),
// one minute after listing at 2026-12-01T00:00:00Z, so all 48 hourly slots trade continuously.
// Every chip x region x hour book gets realistic depth: 8 ask levels from the chip's reference
// price upwards (0.4% apart; the west 3% cheaper, +-2% by local hour, 1% noise) and 8 bid
// levels below, each level 1-3 orders of 1-8 devices from 8 vendors (asks) and 4 buyers (bids).
// Jobs are drawn (seeded) like real ones: a chip family (1-3 chips), or any chip with at least
// 300 TFLOPS and 64 GB, or compute-sized (1-20 PFLOPS over five accelerator classes); 1-16
// devices; a random origin, 0-5000 GB of data; sometimes a 30 ms or 5 ms latency bound, a
// residency subset or a 40% green floor; a delivered-price limit that some candidates exceed;
// ioc (a fifth fok); a random start within the listing. Four runs: 1-hour and 24-hour jobs,
// each without and with split. Timed: exchange::apply of the job command alone (steady_clock
// around it), its events copied into a pre-reserved vector as a ring consumer would; then,
// untimed, every resting ask the job used up is put back whole (same seller, price and size;
// an ask partly bought keeps its rest), so the books keep their depth and their number of
// orders. A warm-up of 10% of the jobs precedes each run, untimed.
// Thread: the caller's.

#include <string>

namespace cux::tools::bench {

// `cux bench jobs [--jobs N] [--seed S] [--market FILE] [--json]`; argv[1] is "jobs".
int cmd_bench_jobs(int argc, char** argv, const std::string& market_file);

}  // namespace cux::tools::bench
