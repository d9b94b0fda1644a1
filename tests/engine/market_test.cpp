// The market's integer arithmetic, checked against examples worked out by hand, and validate().
// The config mirrors schemas/market.default.json for h100, x86, yrd and nx (engine tests do not
// read JSON; tests/gateway/market_file_test.cpp checks the file loads to these same numbers).

#include "engine/market.hpp"

#include <gtest/gtest.h>

#include <array>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "engine/limits.hpp"

namespace cux::engine {
namespace {

// Local-hour tariff table from peak/flat/valley prices and which band each local hour is in.
std::array<int64_t, 24> tou(const char* bands, int64_t peak, int64_t flat, int64_t valley) {
    std::array<int64_t, 24> out{};
    for (std::size_t h = 0; h < 24; ++h) {
        out[h] = bands[h] == 'p' ? peak : bands[h] == 'f' ? flat : valley;
    }
    return out;
}

// regions: 0 = yrd, 1 = nx; chips: 0 = h100, 1 = x86.
market_config test_market() {
    market_config m;
    m.chips.push_back({"h100", "NVIDIA H100", "英伟达 H100", chip_kind::gpu, 989'000, 80, 700,
                       price_fen(1200), price_fen(1)});
    m.chips.push_back(
        {"x86", "x86 vCPU", "x86 虚拟CPU", chip_kind::cpu, 40, 4, 5, price_fen(12), price_fen(1)});
    region_spec yrd{"yrd", "Yangtze River Delta hub", "长三角枢纽", false, 1300, {}, 594, 290};
    //                    0         1         2
    //                    012345678901234567890123
    yrd.tariff_mcny_kwh = tou("vvvvvvffpppfffffffpppfvv", 1106, 692, 346);
    region_spec nx{"nx", "Ningxia hub", "宁夏枢纽", true, 1150, {}, 642, 230};
    // nx: peak 6-8 and 18-24, flat 0-6, 8-9 and 17-18, valley 9-17 (midday solar valley).
    nx.tariff_mcny_kwh = tou("ffffffppfvvvvvvvvfpppppp", 630, 393, 177);
    m.regions = {yrd, nx};
    m.carriers = {"backbone"};
    m.links = {
        {1000, 0, 0},     // yrd -> yrd
        {38'600, 48, 0},  // yrd -> nx: 0.048 CNY/GB
        {38'600, 48, 0},  // nx -> yrd
        {1000, 0, 0},     // nx -> nx
    };
    m.maker_fee_bps = 2;
    m.taker_fee_bps = 5;
    return m;
}

constexpr std::size_t h100 = 0, x86 = 1, yrd = 0, nx = 1;
constexpr epoch_hour h_20261201T08 = 498'920;  // 2026-12-01 08:00 UTC = 16:00 CST

TEST(Market, TestMarketIsValid) { EXPECT_EQ(validate(test_market()), ""); }

TEST(Market, IndexLookups) {
    const market_config m = test_market();
    EXPECT_EQ(m.chip_index("h100"), 0);
    EXPECT_EQ(m.chip_index("x86"), 1);
    EXPECT_EQ(m.chip_index("H100"), -1);
    EXPECT_EQ(m.chip_index(""), -1);
    EXPECT_EQ(m.region_index("nx"), 1);
    EXPECT_EQ(m.region_index("mars"), -1);
    EXPECT_EQ(m.link(yrd, nx).tariff_mcny_gb, 48);
}

TEST(Market, EnergyOfOneDeviceHourUsesTheLocalHour) {
    const market_config m = test_market();
    // 08:00 UTC is 16:00 in Ningxia: the valley tariff 0.177 CNY/kWh.
    // 700 W x PUE 1.15 x 0.177 CNY/kWh = 0.142485 CNY = 14.2485 fen for one device-hour;
    // in units of 1e-7 fen: 700 x 1150 x 177 = 142,485,000.
    EXPECT_EQ(energy_units_device_hour(m, h100, nx, h_20261201T08), 142'485'000);
    // Two hours later it is 18:00 CST, the evening peak 0.630: 700 x 1150 x 630.
    EXPECT_EQ(energy_units_device_hour(m, h100, nx, h_20261201T08 + 2), 507'150'000);
    // 16:00 UTC is local midnight (flat 0.393) on the next day.
    EXPECT_EQ(energy_units_device_hour(m, h100, nx, h_20261201T08 + 8), 700 * 1150 * 393);
    // Hours before the epoch wrap the same way: hour -1 is 23:00 UTC = 07:00 CST (peak).
    EXPECT_EQ(energy_units_device_hour(m, h100, nx, -1), 700 * 1150 * 630);
}

TEST(Market, EnergyFenRoundsHalfUp) {
    // 14.2485 fen -> 14; 8 devices: 113.988 fen -> 114.
    EXPECT_EQ(energy_fen(142'485'000, 1), 14);
    EXPECT_EQ(energy_fen(142'485'000, 8), 114);
    EXPECT_EQ(energy_fen(5'000'000, 1), 1);  // exactly half a fen rounds up
    EXPECT_EQ(energy_fen(4'999'999, 1), 0);
    EXPECT_EQ(energy_fen(0, 1000), 0);
    EXPECT_EQ(energy_fen(123, 0), 0);
}

TEST(Market, EnergyFenIsCumulativeAcrossFills) {
    // Charging fills one by one as energy_fen(u, filled_after) - energy_fen(u, filled_before)
    // sums to the energy of the whole quantity.
    const int64_t units = 142'485'000;
    int64_t charged = 0;
    for (int64_t filled = 0; filled < 37; ++filled) {
        charged += energy_fen(units, filled + 1) - energy_fen(units, filled);
    }
    EXPECT_EQ(charged, energy_fen(units, 37));
}

TEST(Market, EnergyOverAWindow) {
    const market_config m = test_market();
    // A whole day in nx has 8 valley, 8 peak and 8 flat hours:
    // 805,000 (700 W x 1150) x 8 x (177 + 630 + 393) = 7,728,000,000 units = 772.8 fen.
    EXPECT_EQ(energy_units_device_window(m, h100, nx, h_20261201T08 + 8, 24), 7'728'000'000);
    EXPECT_EQ(energy_units_device_window(m, h100, nx, 12'345, 24), 7'728'000'000);
    // 00:00-03:00 UTC = 08:00-11:00 CST: flat 393, valley 177, valley 177.
    EXPECT_EQ(energy_units_device_window(m, h100, nx, h_20261201T08 - 8, 3), 805'000 * 747);
    // Two days and one hour: 2 x 7,728,000,000 + the 08:00 CST flat hour.
    EXPECT_EQ(energy_units_device_window(m, h100, nx, h_20261201T08 - 8, 49),
              2 * 7'728'000'000 + 805'000 * 393);
    EXPECT_EQ(energy_units_device_window(m, h100, nx, h_20261201T08, 0), 0);
}

TEST(Market, EnergyWindowEqualsTheSumOfItsHours) {
    const market_config m = test_market();
    for (epoch_hour start : {epoch_hour{-30}, epoch_hour{0}, epoch_hour{7}, h_20261201T08}) {
        for (int64_t hours = 0; hours <= 75; ++hours) {
            for (std::size_t region : {yrd, nx}) {
                int64_t sum = 0;
                for (int64_t h = 0; h < hours; ++h) {
                    sum += energy_units_device_hour(m, x86, region, start + h);
                }
                ASSERT_EQ(energy_units_device_window(m, x86, region, start, hours), sum)
                    << "start " << start << " hours " << hours << " region " << region;
            }
        }
    }
}

TEST(Market, NetworkFen) {
    const market_config m = test_market();
    // 2000 GB from yrd to nx at 0.048 CNY/GB = 96 CNY = 9600 fen.
    EXPECT_EQ(network_fen(m, yrd, nx, 2000), 9600);
    // 7 GB x 48 = 336 mCNY = 33.6 fen -> 34; 5 GB x 48 = 240 mCNY = 24 fen exactly.
    EXPECT_EQ(network_fen(m, yrd, nx, 7), 34);
    EXPECT_EQ(network_fen(m, nx, yrd, 5), 24);
    EXPECT_EQ(network_fen(m, nx, yrd, 0), 0);
    // Half a fen rounds up: a tariff of 0.041 CNY/GB and 5 GB = 20.5 fen -> 21.
    market_config m41 = test_market();
    m41.links[1].tariff_mcny_gb = 41;
    EXPECT_EQ(network_fen(m41, yrd, nx, 5), 21);
    // Nothing moves within a region, whatever the diagonal says.
    EXPECT_EQ(network_fen(m, nx, nx, 2000), 0);
}

TEST(Market, FeesRoundDown) {
    EXPECT_EQ(fee_fen(9600, 5), 4);     // 4.8
    EXPECT_EQ(fee_fen(12'345, 5), 6);   // 6.1725
    EXPECT_EQ(fee_fen(19'999, 5), 9);   // 9.9995
    EXPECT_EQ(fee_fen(20'000, 5), 10);  // exact
    EXPECT_EQ(fee_fen(20'000, 0), 0);
    EXPECT_EQ(fee_fen(0, 5), 0);
    EXPECT_EQ(fee_fen(1'000'000, 1000), 100'000);  // 10%
}

TEST(Market, ScuPrice) {
    const market_config m = test_market();
    // 12.00 CNY per H100-hour / 0.989 PFLOPS = 12.1335 CNY per PFLOPS-hour -> 1213 fen.
    EXPECT_EQ(scu_price_fen(m, h100, price_fen(1200)), 1213);
    // 0.12 CNY per vCPU-hour / 0.00004 PFLOPS = 3000 CNY per PFLOPS-hour.
    EXPECT_EQ(scu_price_fen(m, x86, price_fen(12)), 300'000);
    EXPECT_EQ(scu_price_fen(m, h100, price_fen(0)), 0);
    market_config two = test_market();
    two.chips[h100].dense_gflops = 2'000'000;  // 2 PFLOPS: 1 fen -> 0.5 fen, rounds up to 1
    EXPECT_EQ(scu_price_fen(two, h100, price_fen(1)), 1);
    two.chips[h100].dense_gflops = 3'000'000;  // 1/3 fen rounds down to 0; 2/3 up to 1
    EXPECT_EQ(scu_price_fen(two, h100, price_fen(1)), 0);
    EXPECT_EQ(scu_price_fen(two, h100, price_fen(2)), 1);
}

TEST(Market, DeliveredCostAddsItsParts) {
    const market_config m = test_market();
    delivered_cost c;
    // 8 H100s in nx for the 08:00 UTC hour at 12.00, data in yrd (2000 GB), taker fee 5 bps:
    // compute 1200 x 8 x 1 = 9600; energy 114 (above); network 9600; fee 9600 x 5 bps = 4.
    ASSERT_TRUE(
        compute_delivered_cost(m, h100, nx, h_20261201T08, 1, price_fen(1200), 8, yrd, 2000, 5, c));
    EXPECT_EQ(c.compute_fen, 9600);
    EXPECT_EQ(c.energy_fen, 114);
    EXPECT_EQ(c.network_fen, 9600);
    EXPECT_EQ(c.fee_fen, 4);
    EXPECT_EQ(c.total_fen(), 19'318);
    // Data already in nx: no network cost. A daily window: 24 hours of compute and energy
    // (772.8 fen per device-day x 8 = 6182.4 -> 6182).
    ASSERT_TRUE(compute_delivered_cost(m, h100, nx, h_20261201T08 + 8, 24, price_fen(1200), 8, nx,
                                       2000, 2, c));
    EXPECT_EQ(c.compute_fen, 230'400);
    EXPECT_EQ(c.energy_fen, 6182);
    EXPECT_EQ(c.network_fen, 0);
    EXPECT_EQ(c.fee_fen, 46);  // 46.08
}

TEST(Market, DeliveredCostOverflowReturnsFalse) {
    const market_config m = test_market();
    constexpr int64_t big = std::numeric_limits<int64_t>::max() / 2;
    delivered_cost c;
    c.compute_fen = -7;  // untouched on failure
    // price x qty x hours
    EXPECT_FALSE(compute_delivered_cost(m, h100, nx, 0, 1'000'000, price_fen(limits::price_fen_max),
                                        limits::qty_per_order_max, nx, 0, 5, c));
    // energy units x qty (price 0 so compute fits)
    EXPECT_FALSE(compute_delivered_cost(m, h100, nx, 0, 24, price_fen(0), big, nx, 0, 5, c));
    // data x tariff
    EXPECT_FALSE(compute_delivered_cost(m, h100, nx, 0, 1, price_fen(1), 1, yrd, big, 5, c));
    // compute x fee bps: a free-energy region makes compute the only large term
    market_config free = test_market();
    free.regions[nx].tariff_mcny_kwh.fill(0);
    EXPECT_FALSE(compute_delivered_cost(free, h100, nx, 0, 1, price_fen(1), big, nx, 0, 5, c));
    // the sum of the parts: compute (9.12e18) and network (4.8e17) each fit, their sum does not
    constexpr int64_t max = std::numeric_limits<int64_t>::max();
    constexpr int64_t data_gb = 100'000'000'000'000'000;
    EXPECT_FALSE(compute_delivered_cost(free, h100, nx, 0, 1, price_fen(1), max - data_gb, yrd,
                                        data_gb, 0, c));
    EXPECT_EQ(c.compute_fen, -7);
    // and just inside the limits it works
    EXPECT_TRUE(compute_delivered_cost(m, h100, nx, 0, 24, price_fen(limits::price_fen_max),
                                       limits::qty_per_order_max, yrd, limits::data_gb_max, 1000,
                                       c));
}

TEST(MarketDeathTest, NegativeInputsAreProgrammerErrors) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    const market_config m = test_market();
    EXPECT_DEATH(energy_fen(-1, 1), "assertion failed");
    EXPECT_DEATH(fee_fen(100, -5), "assertion failed");
    EXPECT_DEATH(network_fen(m, yrd, nx, -1), "assertion failed");
    EXPECT_DEATH(energy_units_device_hour(m, h100, 2, 0), "assertion failed");
    EXPECT_DEATH(
        energy_fen(std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::max()),
        "assertion failed");
}

// Each rule of validate(): a mutation of the valid test market and the message it must give.
struct rule_case {
    const char* name;
    std::function<void(market_config&)> mutate;
    const char* message;
};

TEST(MarketValidate, EveryRuleIsChecked) {
    const std::vector<rule_case> cases = {
        {"no chips", [](market_config& m) { m.chips.clear(); }, "chips: count: must be in [1, 32]"},
        {"too many chips", [](market_config& m) { m.chips.resize(33, m.chips[0]); },
         "chips: count: must be in [1, 32]"},
        {"no regions", [](market_config& m) { m.regions.clear(); },
         "regions: count: must be in [1, 32]"},
        {"bad chip id", [](market_config& m) { m.chips[1].id = "X86"; },
         "chips[1].id: must match [a-z0-9]{1,12}"},
        {"long chip id", [](market_config& m) { m.chips[1].id = "abcdefghijklm"; },
         "chips[1].id: must match [a-z0-9]{1,12}"},
        {"empty region id", [](market_config& m) { m.regions[0].id = ""; },
         "regions[0].id: must match [a-z0-9]{1,12}"},
        {"duplicate chip id", [](market_config& m) { m.chips[1].id = "h100"; },
         "chips[1].id: duplicate of chips[0]"},
        {"duplicate region id", [](market_config& m) { m.regions[1].id = "yrd"; },
         "regions[1].id: duplicate of regions[0]"},
        {"empty name", [](market_config& m) { m.chips[0].name_zh = ""; },
         "chips[0].name_zh: must not be empty"},
        {"zero gflops", [](market_config& m) { m.chips[0].dense_gflops = 0; },
         "chips[0].dense_gflops: must be in [1, 1000000000]"},
        {"zero power", [](market_config& m) { m.chips[1].power_w = 0; },
         "chips[1].power_w: must be in [1, 1000000]"},
        {"zero memory", [](market_config& m) { m.chips[1].memory_gb = 0; },
         "chips[1].memory_gb: must be > 0"},
        {"zero tick", [](market_config& m) { m.chips[0].tick = price_fen(0); },
         "chips[0].tick: must be in [1, 100000000]"},
        {"zero price", [](market_config& m) { m.chips[0].typical_price = price_fen(0); },
         "chips[0].typical_price: must be a positive multiple of tick, at most 100000000"},
        {"price off tick",
         [](market_config& m) {
             m.chips[0].tick = price_fen(5);
             m.chips[0].typical_price = price_fen(1201);
         },
         "chips[0].typical_price: must be a positive multiple of tick, at most 100000000"},
        {"price above limit",
         [](market_config& m) { m.chips[0].typical_price = price_fen(100'000'001); },
         "chips[0].typical_price: must be a positive multiple of tick, at most 100000000"},
        {"low pue", [](market_config& m) { m.regions[1].pue_milli = 999; },
         "regions[1].pue_milli: must be in [1000, 3000]"},
        {"high pue", [](market_config& m) { m.regions[1].pue_milli = 3001; },
         "regions[1].pue_milli: must be in [1000, 3000]"},
        {"negative tariff", [](market_config& m) { m.regions[0].tariff_mcny_kwh[23] = -1; },
         "regions[0].tariff_mcny_kwh[23]: must be in [0, 100000]"},
        {"negative carbon", [](market_config& m) { m.regions[0].carbon_g_kwh = -1; },
         "regions[0].carbon_g_kwh: must be >= 0"},
        {"green share", [](market_config& m) { m.regions[0].green_share_milli = 1001; },
         "regions[0].green_share_milli: must be in [0, 1000]"},
        {"no carriers", [](market_config& m) { m.carriers.clear(); },
         "carriers: count: must be in [1, 64]"},
        {"bad carrier id", [](market_config& m) { m.carriers[0] = "Back bone"; },
         "carriers[0]: must match [a-z0-9]{1,12}"},
        {"links count", [](market_config& m) { m.links.pop_back(); },
         "links: must have 4 entries (regions squared), has 3"},
        {"links carrier", [](market_config& m) { m.links[2].carrier = 1; },
         "links[2].carrier: no carrier with index 1"},
        {"diagonal tariff", [](market_config& m) { m.links[3].tariff_mcny_gb = 1; },
         "links[3].tariff_mcny_gb: must be 0 within a region"},
        {"negative link tariff", [](market_config& m) { m.links[1].tariff_mcny_gb = -1; },
         "links[1].tariff_mcny_gb: must be in [0, 1000000]"},
        {"negative rtt", [](market_config& m) { m.links[1].rtt_us = -1; },
         "links[1].rtt_us: must be in [0, 10000000]"},
        {"maker fee", [](market_config& m) { m.maker_fee_bps = -1; },
         "maker_fee_bps: must be in [0, 1000]"},
        {"taker fee", [](market_config& m) { m.taker_fee_bps = 1001; },
         "taker_fee_bps: must be in [0, 1000]"},
        {"band low", [](market_config& m) { m.band_bps = 99; }, "band_bps: must be in [100, 9000]"},
        {"band high", [](market_config& m) { m.band_bps = 9001; },
         "band_bps: must be in [100, 9000]"},
        {"collar", [](market_config& m) { m.market_collar_bps = 0; },
         "market_collar_bps: must be in [1, 5000]"},
        {"hourly slots", [](market_config& m) { m.calendar.hourly_slots = 0; },
         "calendar.hourly_slots: must be in [1, 1024]"},
        {"daily windows", [](market_config& m) { m.calendar.daily_windows = 42; },
         "calendar.daily_windows: must be in [1, 41]"},
        {"gate closure", [](market_config& m) { m.calendar.gate_closure_s = 0; },
         "calendar.gate_closure_s: must be > 0"},
        {"pre open", [](market_config& m) { m.calendar.pre_open_s = 0; },
         "calendar.pre_open_s: must be > 0"},
        {"closing call", [](market_config& m) { m.calendar.closing_call_s = -5; },
         "calendar.closing_call_s: must be > 0"},
        {"retention", [](market_config& m) { m.calendar.retention_s = 0; },
         "calendar.retention_s: must be > 0"},
        {"gate after call", [](market_config& m) { m.calendar.closing_call_s = 900; },
         "calendar.gate_closure_s: must be greater than calendar.closing_call_s"},
        {"utc offset", [](market_config& m) { m.calendar.utc_offset_hours = 15; },
         "calendar.utc_offset_hours: must be in [-12, 14]"},
    };
    for (const rule_case& c : cases) {
        market_config m = test_market();
        c.mutate(m);
        EXPECT_EQ(validate(m), c.message) << c.name;
    }
    // The edges of each range are accepted.
    market_config edges = test_market();
    edges.regions[0].pue_milli = 1000;
    edges.regions[1].pue_milli = 3000;
    edges.band_bps = 9000;
    edges.market_collar_bps = 5000;
    edges.maker_fee_bps = 0;
    edges.taker_fee_bps = 1000;
    edges.calendar.utc_offset_hours = -12;
    edges.calendar.daily_windows = 41;
    edges.calendar.hourly_slots = 1024;
    edges.chips[0].tick = price_fen(100);  // 12.00 is on a 1.00 tick
    EXPECT_EQ(validate(edges), "");
}

}  // namespace
}  // namespace cux::engine
