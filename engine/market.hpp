#pragma once
// The market's standard: chip classes, regions, the network matrix, fees and the listing
// calendar, in integer units the engine computes with. Built once at start-up (from the JSON
// market file by the gateway's loader, or directly by tests) and then read-only.
//
// Units (all integers, no floating point):
//   dense_gflops      dense FP16 GFLOPS per device (CPU classes: FP32 GFLOPS per vCPU)
//   pue_milli         PUE x 1000 (1.30 -> 1300)
//   tariff_mcny_kwh   power tariff in 0.001 CNY per kWh, one value per local hour (CST)
//   tariff_mcny_gb    network transfer tariff in 0.001 CNY per GB
//   share_milli       a share x 1000 (green power 0.43 -> 430)
//   *_bps             basis points (1/10000)

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/types.hpp"

namespace cux::engine {

enum class chip_kind : uint8_t { gpu = 0, npu = 1, cpu = 2 };

struct chip_spec {
    std::string id;  // short id used in symbols, e.g. "h100"
    std::string name_en;
    std::string name_zh;
    chip_kind kind = chip_kind::gpu;
    int64_t dense_gflops = 0;
    int64_t memory_gb = 0;
    int64_t power_w = 0;
    price_fen typical_price{0};  // typical rental price per device-hour: the first reference
    price_fen tick{1};           // price tick for this chip's books
};

struct region_spec {
    std::string id;  // short id used in symbols, e.g. "nx"
    std::string name_en;
    std::string name_zh;
    bool west = false;
    int64_t pue_milli = 1000;
    std::array<int64_t, 24> tariff_mcny_kwh{};  // indexed by local (CST) hour 0..23
    int64_t carbon_g_kwh = 0;
    int64_t green_share_milli = 0;
};

struct link_spec {
    int64_t rtt_us = 0;  // round-trip latency in microseconds
    int64_t tariff_mcny_gb = 0;
    uint16_t carrier = 0;  // index into market_config::carriers
};

struct calendar_spec {
    int64_t hourly_slots = 48;     // hourly windows kept listed ahead
    int64_t daily_windows = 14;    // daily windows kept listed ahead
    int64_t gate_closure_s = 900;  // trading stops this long before the window starts
    int64_t pre_open_s = 60;       // order collection after listing, then the opening auction
    int64_t closing_call_s = 300;  // call phase before gate closure, then the closing auction
    int64_t utc_offset_hours = 8;  // local time of tariffs and daily windows (CST)
    int64_t delivery_grace_s = 900;  // contracts settle this long after their window ends
    int64_t retention_s = 3600;    // a settled instrument is delisted this long after it settles
};

struct market_config {
    std::vector<chip_spec> chips;
    std::vector<region_spec> regions;
    std::vector<std::string> carriers;
    std::vector<link_spec> links;  // regions.size()^2, row = origin, column = destination
    int64_t maker_fee_bps = 0;
    int64_t taker_fee_bps = 0;
    int64_t band_bps = 5000;           // orders outside reference +-band are rejected
    int64_t market_collar_bps = 1000;  // market orders trade at most this far from the touch
    calendar_spec calendar;

    [[nodiscard]] const link_spec& link(std::size_t origin, std::size_t dest) const {
        return links[origin * regions.size() + dest];
    }
    [[nodiscard]] int chip_index(const std::string& id) const;    // -1 when unknown
    [[nodiscard]] int region_index(const std::string& id) const;  // -1 when unknown
};

// Checks the relationships the engine relies on. Returns an empty string when valid, else one
// line naming the offending field (for the start-up error).
std::string validate(const market_config& m);

// Energy of one device for one hour starting at `hour` (UTC epoch hour) in `region`, in units
// of 1e-7 fen (W x PUE_milli x tariff_mcny). Exact integer.
int64_t energy_units_device_hour(const market_config& m, std::size_t chip, std::size_t region,
                                 epoch_hour hour);
// Energy units of one device over a whole window.
int64_t energy_units_device_window(const market_config& m, std::size_t chip, std::size_t region,
                                   epoch_hour start, int64_t hours);
// Energy in fen for n devices of a window whose per-device units are `units`, rounded half up.
// The rounding is cumulative so that charging fills one by one sums exactly to the total.
int64_t energy_fen(int64_t units_per_device, int64_t devices);
// Network cost in fen of moving data_gb from origin to dest, rounded half up (0 when equal).
int64_t network_fen(const market_config& m, std::size_t origin, std::size_t dest, int64_t data_gb);
// Fee in fen on a compute notional at bps, rounded down.
int64_t fee_fen(int64_t notional_fen, int64_t bps);
// Price per SCU-hour (1 PFLOPS dense FP16 for one hour) in fen for a device price, rounded
// half up.
int64_t scu_price_fen(const market_config& m, std::size_t chip, price_fen device_price);

// The delivered cost of buying qty devices of one instrument for a job whose data lives in
// origin (DESIGN.md section 2). false when any product overflows 64 bits.
struct delivered_cost {
    int64_t compute_fen = 0;
    int64_t energy_fen = 0;
    int64_t network_fen = 0;
    int64_t fee_fen = 0;
    [[nodiscard]] int64_t total_fen() const {
        return compute_fen + energy_fen + network_fen + fee_fen;
    }
};
bool compute_delivered_cost(const market_config& m, std::size_t chip, std::size_t region,
                            epoch_hour start, int64_t hours, price_fen price, int64_t qty,
                            std::size_t origin, int64_t data_gb, int64_t fee_bps,
                            delivered_cost& out);

}  // namespace cux::engine
