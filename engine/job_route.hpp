#pragma once
// The arithmetic of job routing (the scheduler, exchange_jobs.cpp), as pure functions over
// integers so that the rules are stated once and can be checked on their own.
//
// Units. A job is sized in devices, or in compute with job_flag_pflops; its "units" are then
// devices or GFLOPS (size milli-PFLOPS x 1000). A candidate's `covered` is the part of the job
// its devices carry: its devices for a device-sized job, min(devices x chip GFLOPS, what is left
// of the job) for a compute-sized one. Delivered prices are per device-hour or per PFLOPS-hour
// (1 PFLOPS = 1,000,000 GFLOPS).
//
// Network. Moving all of the job's data to a region costs network_fen(origin, region, data_gb).
// A candidate covering part of the job (split) carries that share of the data and of its cost,
// rounded down; the whole job carries all of it. Within a candidate the cost is spread over the
// hours cumulatively (hour h pays T(h+1)/H - T(h)/H, rounded down each), so the hours sum to it.
// Thread: any (pure). No allocation.

#include <cstdint>

#include "engine/event.hpp"
#include "engine/types.hpp"

namespace cux::engine {

struct job_cost {
    int64_t compute = 0;
    int64_t energy = 0;
    int64_t network = 0;
    int64_t fees = 0;
    [[nodiscard]] int64_t total() const { return compute + energy + network + fees; }
    friend bool operator==(const job_cost&, const job_cost&) = default;
};

// One candidate (chip x region) of the job being routed: the engine's scratch, one per
// chip x region of the market, allocated at construction.
struct job_candidate {
    uint16_t index = 0;  // in the scratch; its hours are exchange::job_hours_[index x hours + h]
    uint8_t chip = 0;
    uint8_t region = 0;
    job_exclusion exclusion = job_exclusion::none;
    uint16_t rank = 0;        // 1 = cheapest eligible; 0 = excluded
    int64_t detail = 0;       // see job_exclusion
    int64_t need = 0;         // devices the whole job needs on this chip
    int64_t want = 0;         // devices the next sweep of its books asks for (0: none)
    int64_t devices = 0;      // devices priced (need, or fewer with split)
    int64_t covered = 0;      // job units those devices carry
    int64_t network_all = 0;  // moving all the data to this region
    job_cost cost;            // of `devices` over every hour
    int64_t unit_price = 0;   // delivered per device- or PFLOPS-hour, rounded half up
    int64_t taken = 0;        // devices bought (or, in a dry run, that would be)
    int64_t taken_covered = 0;
    job_cost taken_cost;
};

namespace job_math {

constexpr int64_t gflops_per_pflops = 1'000'000;

// The job's size in its units: devices, or GFLOPS for a size in milli-PFLOPS.
constexpr int64_t units_of(bool pflops, int64_t size) { return pflops ? size * 1000 : size; }

// Devices of a chip with `gflops` each that `units` of the job need.
constexpr int64_t devices_for(bool pflops, int64_t units, int64_t gflops) {
    return pflops ? (units + gflops - 1) / gflops : units;
}

// Job units that `devices` carry when `left` units of the job remain.
constexpr int64_t covered(bool pflops, int64_t devices, int64_t gflops, int64_t left) {
    const int64_t u = pflops ? devices * gflops : devices;
    return u < left ? u : left;
}

// The network cost carried by `covered` of the job's `units` (all of it when they are equal).
constexpr int64_t network_share(int64_t network_all, int64_t covered_units, int64_t units) {
    if (covered_units == units) return network_all;
    return static_cast<int64_t>(static_cast<int128>(network_all) * covered_units / units);
}

// Hour h's part of `total` spread over `hours` (the parts sum to total).
constexpr int64_t hour_share(int64_t total, int64_t h, int64_t hours) {
    return total * (h + 1) / hours - total * h / hours;
}

// The price unit-hours that `covered` units over `hours` hours amount to, as a fraction
// num / den of the unit the price is quoted in.
struct unit_hours {
    int128 num;  // covered x hours (device-hours, or GFLOPS-hours)
    int128 den;  // 1, or gflops_per_pflops
};
constexpr unit_hours unit_hours_of(bool pflops, int64_t covered_units, int64_t hours) {
    return unit_hours{static_cast<int128>(covered_units) * hours,
                      pflops ? int128{gflops_per_pflops} : int128{1}};
}

// Delivered price per unit-hour, rounded half up.
constexpr int64_t unit_price(bool pflops, int64_t cost, int64_t covered_units, int64_t hours) {
    const unit_hours u = unit_hours_of(pflops, covered_units, hours);
    return static_cast<int64_t>((static_cast<int128>(cost) * u.den + u.num / 2) / u.num);
}

// Whether cost for covered_units over hours is at most max_price per unit-hour.
constexpr bool within_limit(bool pflops, int64_t cost, int64_t covered_units, int64_t hours,
                            int64_t max_price) {
    const unit_hours u = unit_hours_of(pflops, covered_units, hours);
    return static_cast<int128>(cost) * u.den <= static_cast<int128>(max_price) * u.num;
}

// Whether a is cheaper per unit than b (same job, same hours): a.cost / a.covered <
// b.cost / b.covered, exactly.
constexpr bool cheaper(int64_t cost_a, int64_t covered_a, int64_t cost_b, int64_t covered_b) {
    return static_cast<int128>(cost_a) * covered_b < static_cast<int128>(cost_b) * covered_a;
}

}  // namespace job_math

}  // namespace cux::engine
