#pragma once
// Test support for job orders: the harness's small market with an Ascend 910B added and eight
// hourly slots listed (so multi-hour jobs fit), a job command builder and helpers over the
// route report.
//
// Numbers the worked examples use (all from small_market() in harness.hpp):
//   energy units of one device-hour = power_w x pue_milli x tariff_mcny_kwh (1e-7 fen each):
//     h100 in yrd: 700 x 1300 x 692 = 629,720,000 (62.972 fen)
//     h100 in nx:  700 x 1150 x 393 = 316,365,000 (31.6365 fen)
//     910b in yrd: 400 x 1300 x 692 = 359,840,000 (35.984 fen)
//     910b in nx:  400 x 1150 x 393 = 180,780,000 (18.078 fen)
//   network yrd -> nx: 48 mCNY per GB, rounded half up to fen: 100 GB -> 480 fen; rtt 38.6 ms.
//   fees: taker 5 bps, rounded down per fill. Green shares: yrd 0.29, nx 0.23.

#include <cstring>
#include <vector>

#include "tests/engine/harness.hpp"

namespace cux::engine::test {

constexpr uint8_t chip_h100 = 0;
constexpr uint8_t chip_x86 = 1;
constexpr uint8_t chip_910b = 2;
constexpr uint8_t region_yrd = 0;
constexpr uint8_t region_nx = 1;

inline market_config job_market() {
    market_config m = small_market();
    chip_spec b;
    b.id = "910b";
    b.name_en = "Huawei Ascend 910B";
    b.name_zh = "华为昇腾 910B";
    b.kind = chip_kind::npu;
    b.dense_gflops = 320000;
    b.memory_gb = 64;
    b.power_w = 400;
    b.typical_price = price_fen(600);
    b.tick = price_fen(1);
    m.chips.push_back(b);
    m.calendar.hourly_slots = 8;
    return m;
}

// What a job asks for; the defaults are a one-hour job for 8 H100 from yrd, any region.
struct job_spec {
    uint32_t chips = 1U << chip_h100;
    uint32_t regions = 0;
    int64_t start = h0 + 1;
    int hours = 1;
    int32_t size = 8;
    bool pflops = false;
    uint32_t data_gb = 0;
    int32_t max_price = 100'000;
    uint32_t min_gflops = 0;
    uint32_t max_rtt_us = 0;
    uint16_t min_memory_gb = 0;
    uint16_t min_green_milli = 0;
    uint8_t origin = region_yrd;
    time_in_force tif = time_in_force::ioc;
    bool split = false;
    bool dry_run = false;
};

inline command job_cmd(participant_id p, const job_spec& s, const char* coid = "job") {
    command c;
    c.type = command_type::place_job;
    c.actor = p;
    job_body& b = c.body.job;
    b.chips = s.chips;
    b.regions = s.regions;
    b.start_hour = static_cast<uint32_t>(s.start);
    b.size = s.size;
    b.data_gb = s.data_gb;
    b.max_price_fen = s.max_price;
    b.min_dense_gflops = s.min_gflops;
    b.max_rtt_us = s.max_rtt_us;
    b.min_memory_gb = s.min_memory_gb;
    b.min_green_milli = s.min_green_milli;
    b.hours = static_cast<uint8_t>(s.hours);
    b.origin_region = s.origin;
    b.tif = s.tif;
    b.flags =
        static_cast<uint8_t>((s.split ? job_flag_split : 0) | (s.dry_run ? job_flag_dry_run : 0) |
                             (s.pflops ? job_flag_pflops : 0));
    std::strncpy(b.client_order_id, coid, sizeof b.client_order_id - 1);
    return c;
}

inline std::vector<job_candidate_body> candidates_of(const std::vector<event>& evs) {
    std::vector<job_candidate_body> out;
    for (const event& e : evs) {
        if (e.type == event_type::job_candidate) out.push_back(e.body.candidate);
    }
    return out;
}

// The report line of (chip, region); fails the test when missing.
inline job_candidate_body candidate_of(const std::vector<event>& evs, uint8_t chip,
                                       uint8_t region) {
    for (const event& e : evs) {
        if (e.type == event_type::job_candidate && e.body.candidate.chip == chip &&
            e.body.candidate.region == region) {
            return e.body.candidate;
        }
    }
    ADD_FAILURE() << "no candidate for chip " << int{chip} << " region " << int{region};
    return job_candidate_body{};
}

inline job_done_body job_done_of(const std::vector<event>& evs) {
    for (const event& e : evs) {
        if (e.type == event_type::job_done) return e.body.job;
    }
    ADD_FAILURE() << "no job_done event";
    return job_done_body{};
}

inline int64_t total_of(const job_candidate_body& k) {
    return k.compute.value() + k.energy.value() + k.network.value() + k.fees.value();
}

// Sums of the trades among events (what the buyer paid).
struct trade_sums {
    int64_t qty = 0, compute = 0, energy = 0, network = 0, fees = 0;
    [[nodiscard]] int64_t total() const { return compute + energy + network + fees; }
};
inline trade_sums trades_of(const std::vector<event>& evs) {
    trade_sums s;
    for (const event& e : evs) {
        if (e.type != event_type::trade) continue;
        s.qty += e.body.trade.qty.value();
        s.compute += e.body.trade.compute.value();
        s.energy += e.body.trade.energy.value();
        s.network += e.body.trade.network.value();
        s.fees += e.body.trade.buyer_fee.value();
    }
    return s;
}

}  // namespace cux::engine::test
