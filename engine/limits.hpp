#pragma once
// Compile-time limits of the engine. Runtime sizes (pools, rings) are validated against these
// at start-up; past a limit the engine rejects with a clear reason, it never grows.

#include <cstddef>
#include <cstdint>

namespace cux::engine::limits {

constexpr std::size_t chips_max = 32;    // packed into 5 bits of an instrument id
constexpr std::size_t regions_max = 32;  // packed into 5 bits of an instrument id
constexpr std::size_t carriers_max = 64;
constexpr std::size_t participants_max = 65536;
constexpr std::size_t client_order_id_bytes = 32;
constexpr std::size_t participant_name_bytes = 32;

constexpr int64_t qty_per_order_max = 1'000'000;           // devices in one order
constexpr int64_t price_fen_max = 100'000'000;             // 1M CNY per device-hour
constexpr int64_t data_gb_max = 100'000'000;               // 100 PB moved for one order
constexpr int64_t amount_fen_max = 1'000'000'000'000'000;  // 10^13 CNY in one deposit

// Capacity is tracked per hour in a ring of this many hours per (vendor, chip, region).
constexpr int64_t capacity_ring_hours = 1024;
static_assert((capacity_ring_hours & (capacity_ring_hours - 1)) == 0);

// Price ticks across a book's band (band width / tick + 1). A listing whose band_bps would span
// more is narrowed to this many ticks around its reference price, so one book's price-indexed
// arrays stay within 2 x 4 bytes x 65536 = 512 KiB.
constexpr int64_t band_ticks_max = 1 << 16;
// What the price-indexed arrays of the whole listed calendar may take at the chips' typical
// prices; a market file beyond it is refused (a larger tick or a narrower band fits it).
constexpr int64_t book_arrays_bytes_max = int64_t{512} << 20;

// Job orders (the scheduler). A job buys at most job_hours_max consecutive hourly windows (the
// default listing keeps 48 ahead); sized in compute it asks for at most job_mpflops_max
// milli-PFLOPS; its delivered-price limit is at most job_price_fen_max fen per device-hour (or
// per PFLOPS-hour). The engine prices every chip x region, so its scratch holds
// job_candidates_max candidates, sized from the market at construction.
constexpr int64_t job_hours_max = 48;
constexpr int64_t job_mpflops_max = 1'000'000'000;  // 1,000,000 PFLOPS
constexpr int64_t job_price_fen_max = 2'000'000'000;
constexpr std::size_t job_candidates_max = chips_max * regions_max;
static_assert(job_hours_max <= 255, "a job's hours travel in one byte");
static_assert(job_price_fen_max <= INT32_MAX && job_mpflops_max <= INT32_MAX);
static_assert(qty_per_order_max <= INT32_MAX, "a job's device count travels in 32 bits");

}  // namespace cux::engine::limits
