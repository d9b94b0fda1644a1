// The market's standard in integer units: validation of a market_config and the cost arithmetic
// (energy, network, fees, SCU price, delivered cost). Pure functions over a read-only config.

#include "engine/market.hpp"

#include <algorithm>
#include <string>

#include "engine/limits.hpp"

namespace cux::engine {

namespace {

// Config bounds beyond the obvious ones. With them every cost of an order the engine accepts
// (qty <= qty_per_order_max, data <= data_gb_max, a daily window) fits 64 bits in fen: one
// device-hour of energy is at most power_w_max * 3000 * tariff_mcny_kwh_max = 3e14 units, a
// daily window of the largest order 7.2e21 units (computed in 128 bits) = 7.2e14 fen.
constexpr int64_t power_w_max = 1'000'000;
constexpr int64_t tariff_mcny_kwh_max = 100'000;   // 100 CNY/kWh
constexpr int64_t tariff_mcny_gb_max = 1'000'000;  // 1000 CNY/GB
constexpr int64_t dense_gflops_max = 1'000'000'000;
constexpr int64_t rtt_us_max = 10'000'000;
constexpr int64_t fee_bps_max = 1000;
constexpr int64_t energy_units_per_fen = 10'000'000;  // W x PUE_milli x mCNY/kWh per fen

bool valid_id(const std::string& id) {
    if (id.empty() || id.size() > 12) return false;
    for (char c : id) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
    }
    return true;
}

std::string at(const char* list, std::size_t i, const char* field) {
    return std::string(list) + "[" + std::to_string(i) + "]." + field;
}

std::string range_msg(const std::string& path, int64_t lo, int64_t hi) {
    return path + ": must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
}

template <class Spec>
std::string check_ids(const std::vector<Spec>& items, const char* list) {
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (!valid_id(items[i].id)) return at(list, i, "id") + ": must match [a-z0-9]{1,12}";
        for (std::size_t j = 0; j < i; ++j) {
            if (items[j].id == items[i].id) {
                return at(list, i, "id") + ": duplicate of " + list + "[" + std::to_string(j) + "]";
            }
        }
    }
    return {};
}

std::string check_chips(const market_config& m) {
    if (m.chips.empty() || m.chips.size() > limits::chips_max) {
        return range_msg("chips: count", 1, static_cast<int64_t>(limits::chips_max));
    }
    if (auto e = check_ids(m.chips, "chips"); !e.empty()) return e;
    for (std::size_t i = 0; i < m.chips.size(); ++i) {
        const chip_spec& c = m.chips[i];
        if (c.name_en.empty()) return at("chips", i, "name_en") + ": must not be empty";
        if (c.name_zh.empty()) return at("chips", i, "name_zh") + ": must not be empty";
        if (c.kind != chip_kind::gpu && c.kind != chip_kind::npu && c.kind != chip_kind::cpu) {
            return at("chips", i, "kind") + ": must be gpu, npu or cpu";
        }
        if (c.dense_gflops <= 0 || c.dense_gflops > dense_gflops_max) {
            return range_msg(at("chips", i, "dense_gflops"), 1, dense_gflops_max);
        }
        if (c.memory_gb <= 0) return at("chips", i, "memory_gb") + ": must be > 0";
        if (c.power_w <= 0 || c.power_w > power_w_max) {
            return range_msg(at("chips", i, "power_w"), 1, power_w_max);
        }
        if (c.tick.value() <= 0 || c.tick.value() > limits::price_fen_max) {
            return range_msg(at("chips", i, "tick"), 1, limits::price_fen_max);
        }
        const int64_t p = c.typical_price.value();
        if (p <= 0 || p > limits::price_fen_max || p % c.tick.value() != 0) {
            return at("chips", i, "typical_price") +
                   ": must be a positive multiple of tick, at most " +
                   std::to_string(limits::price_fen_max);
        }
    }
    return {};
}

std::string check_regions(const market_config& m) {
    if (m.regions.empty() || m.regions.size() > limits::regions_max) {
        return range_msg("regions: count", 1, static_cast<int64_t>(limits::regions_max));
    }
    if (auto e = check_ids(m.regions, "regions"); !e.empty()) return e;
    for (std::size_t i = 0; i < m.regions.size(); ++i) {
        const region_spec& r = m.regions[i];
        if (r.name_en.empty()) return at("regions", i, "name_en") + ": must not be empty";
        if (r.name_zh.empty()) return at("regions", i, "name_zh") + ": must not be empty";
        if (r.pue_milli < 1000 || r.pue_milli > 3000) {
            return range_msg(at("regions", i, "pue_milli"), 1000, 3000);
        }
        for (std::size_t h = 0; h < r.tariff_mcny_kwh.size(); ++h) {
            const int64_t t = r.tariff_mcny_kwh[h];
            if (t < 0 || t > tariff_mcny_kwh_max) {
                return range_msg(
                    at("regions", i, "tariff_mcny_kwh") + "[" + std::to_string(h) + "]", 0,
                    tariff_mcny_kwh_max);
            }
        }
        if (r.carbon_g_kwh < 0) return at("regions", i, "carbon_g_kwh") + ": must be >= 0";
        if (r.green_share_milli < 0 || r.green_share_milli > 1000) {
            return range_msg(at("regions", i, "green_share_milli"), 0, 1000);
        }
    }
    return {};
}

std::string check_network(const market_config& m) {
    if (m.carriers.empty() || m.carriers.size() > limits::carriers_max) {
        return range_msg("carriers: count", 1, static_cast<int64_t>(limits::carriers_max));
    }
    for (std::size_t i = 0; i < m.carriers.size(); ++i) {
        const std::string path = "carriers[" + std::to_string(i) + "]";
        if (!valid_id(m.carriers[i])) return path + ": must match [a-z0-9]{1,12}";
        for (std::size_t j = 0; j < i; ++j) {
            if (m.carriers[j] == m.carriers[i]) {
                return path + ": duplicate of carriers[" + std::to_string(j) + "]";
            }
        }
    }
    const std::size_t n = m.regions.size();
    if (m.links.size() != n * n) {
        return "links: must have " + std::to_string(n * n) + " entries (regions squared), has " +
               std::to_string(m.links.size());
    }
    for (std::size_t i = 0; i < m.links.size(); ++i) {
        const link_spec& l = m.links[i];
        if (l.carrier >= m.carriers.size()) {
            return at("links", i, "carrier") + ": no carrier with index " +
                   std::to_string(l.carrier);
        }
        if (l.rtt_us < 0 || l.rtt_us > rtt_us_max) {
            return range_msg(at("links", i, "rtt_us"), 0, rtt_us_max);
        }
        if (l.tariff_mcny_gb < 0 || l.tariff_mcny_gb > tariff_mcny_gb_max) {
            return range_msg(at("links", i, "tariff_mcny_gb"), 0, tariff_mcny_gb_max);
        }
        if (i / n == i % n && l.tariff_mcny_gb != 0) {
            return at("links", i, "tariff_mcny_gb") + ": must be 0 within a region";
        }
    }
    return {};
}

std::string check_rules(const market_config& m) {
    if (m.maker_fee_bps < 0 || m.maker_fee_bps > fee_bps_max) {
        return range_msg("maker_fee_bps", 0, fee_bps_max);
    }
    if (m.taker_fee_bps < 0 || m.taker_fee_bps > fee_bps_max) {
        return range_msg("taker_fee_bps", 0, fee_bps_max);
    }
    if (m.band_bps < 100 || m.band_bps > 9000) return range_msg("band_bps", 100, 9000);
    if (m.market_collar_bps < 1 || m.market_collar_bps > 5000) {
        return range_msg("market_collar_bps", 1, 5000);
    }
    const calendar_spec& c = m.calendar;
    // Every listed window must lie inside the capacity ring, or its sells could not reserve.
    if (c.hourly_slots < 1 || c.hourly_slots > limits::capacity_ring_hours) {
        return range_msg("calendar.hourly_slots", 1, limits::capacity_ring_hours);
    }
    const int64_t daily_max = limits::capacity_ring_hours / 24 - 1;
    if (c.daily_windows < 1 || c.daily_windows > daily_max) {
        return range_msg("calendar.daily_windows", 1, daily_max);
    }
    if (c.gate_closure_s <= 0) return "calendar.gate_closure_s: must be > 0";
    if (c.pre_open_s <= 0) return "calendar.pre_open_s: must be > 0";
    if (c.closing_call_s <= 0) return "calendar.closing_call_s: must be > 0";
    if (c.retention_s <= 0) return "calendar.retention_s: must be > 0";
    if (c.delivery_grace_s < 0 || c.delivery_grace_s > 604'800) {
        return "calendar.delivery_grace_s: must be 0..604800";
    }
    if (c.gate_closure_s <= c.closing_call_s) {
        return "calendar.gate_closure_s: must be greater than calendar.closing_call_s";
    }
    if (c.utc_offset_hours < -12 || c.utc_offset_hours > 14) {
        return range_msg("calendar.utc_offset_hours", -12, 14);
    }
    // Memory: every listed book has price-indexed arrays (4 bytes per tick and side) over its
    // band. At the chips' typical prices the whole calendar must fit the budget.
    const int64_t books_per_chip =
        static_cast<int64_t>(m.regions.size()) * (c.hourly_slots + c.daily_windows);
    int64_t bytes = 0;
    std::size_t widest = 0;
    int64_t widest_bytes = 0;
    for (std::size_t i = 0; i < m.chips.size(); ++i) {
        const chip_spec& chip = m.chips[i];
        const int64_t ref = std::min(chip.typical_price.value(), limits::price_fen_max / 2);
        const int64_t ticks =
            std::min(ref * 2 * m.band_bps / 10000 / chip.tick.value() + 1, limits::band_ticks_max);
        const int64_t chip_bytes = ticks * 8 * books_per_chip;
        bytes += chip_bytes;
        if (chip_bytes > widest_bytes) {
            widest = i;
            widest_bytes = chip_bytes;
        }
    }
    if (bytes > limits::book_arrays_bytes_max) {
        return at("chips", widest, "tick") + ": the listed books' price arrays would take " +
               std::to_string(bytes >> 20) + " MiB (limit " +
               std::to_string(limits::book_arrays_bytes_max >> 20) +
               " MiB); use a larger tick or a smaller band_bps";
    }
    return {};
}

int64_t local_hour(const market_config& m, epoch_hour hour) {
    return ((hour + m.calendar.utc_offset_hours) % 24 + 24) % 24;
}

// Energy units of one device-hour at a local hour; bounded by validate() (at most 3e14).
int64_t units_at_local(const chip_spec& c, const region_spec& r, int64_t local) {
    return c.power_w * r.pue_milli * r.tariff_mcny_kwh[static_cast<std::size_t>(local)];
}

// Units of one device over [start, start + hours): whole days cost the same, so this is O(24)
// for any window. false on overflow.
bool window_units(const market_config& m, std::size_t chip, std::size_t region, epoch_hour start,
                  int64_t hours, int64_t& out) {
    CUX_ASSERT(chip < m.chips.size() && region < m.regions.size());
    CUX_ASSERT(hours >= 0);
    const chip_spec& c = m.chips[chip];
    const region_spec& r = m.regions[region];
    int64_t day = 0;
    for (int64_t h = 0; h < 24; ++h) day += units_at_local(c, r, h);
    int64_t total = 0;
    if (!mul_ok(hours / 24, day, total)) return false;
    const int64_t first = local_hour(m, start);
    for (int64_t h = 0; h < hours % 24; ++h) {
        if (!add_ok(total, units_at_local(c, r, (first + h) % 24), total)) return false;
    }
    out = total;
    return true;
}

}  // namespace

int market_config::chip_index(const std::string& id) const {
    for (std::size_t i = 0; i < chips.size(); ++i) {
        if (chips[i].id == id) return static_cast<int>(i);
    }
    return -1;
}

int market_config::region_index(const std::string& id) const {
    for (std::size_t i = 0; i < regions.size(); ++i) {
        if (regions[i].id == id) return static_cast<int>(i);
    }
    return -1;
}

std::string validate(const market_config& m) {
    if (auto e = check_chips(m); !e.empty()) return e;
    if (auto e = check_regions(m); !e.empty()) return e;
    if (auto e = check_network(m); !e.empty()) return e;
    return check_rules(m);
}

int64_t energy_units_device_hour(const market_config& m, std::size_t chip, std::size_t region,
                                 epoch_hour hour) {
    CUX_ASSERT(chip < m.chips.size() && region < m.regions.size());
    return units_at_local(m.chips[chip], m.regions[region], local_hour(m, hour));
}

int64_t energy_units_device_window(const market_config& m, std::size_t chip, std::size_t region,
                                   epoch_hour start, int64_t hours) {
    int64_t units = 0;
    const bool fits = window_units(m, chip, region, start, hours, units);
    CUX_ASSERT(fits);
    return units;
}

int64_t energy_fen(int64_t units_per_device, int64_t devices) {
    CUX_ASSERT(units_per_device >= 0 && devices >= 0);
    const int128 units = static_cast<int128>(units_per_device) * devices + energy_units_per_fen / 2;
    const int128 fen = units / energy_units_per_fen;
    CUX_ASSERT(fen <= INT64_MAX);
    return static_cast<int64_t>(fen);
}

int64_t network_fen(const market_config& m, std::size_t origin, std::size_t dest, int64_t data_gb) {
    CUX_ASSERT(origin < m.regions.size() && dest < m.regions.size());
    CUX_ASSERT(data_gb >= 0);
    if (origin == dest) return 0;
    int64_t mcny = 0;
    const bool fits =
        mul_ok(data_gb, m.link(origin, dest).tariff_mcny_gb, mcny) && add_ok(mcny, 5, mcny);
    CUX_ASSERT(fits);
    return mcny / 10;
}

int64_t fee_fen(int64_t notional_fen, int64_t bps) {
    CUX_ASSERT(notional_fen >= 0 && bps >= 0);
    int64_t scaled = 0;
    const bool fits = mul_ok(notional_fen, bps, scaled);
    CUX_ASSERT(fits);
    return scaled / 10'000;
}

int64_t scu_price_fen(const market_config& m, std::size_t chip, price_fen device_price) {
    CUX_ASSERT(chip < m.chips.size());
    const int64_t gflops = m.chips[chip].dense_gflops;
    CUX_ASSERT(gflops > 0 && device_price.value() >= 0);
    // fen per device-hour / (gflops / 1e6 PFLOPS) = fen x 1e6 / gflops per PFLOPS-hour.
    int64_t scaled = 0;
    const bool fits =
        mul_ok(device_price.value(), 1'000'000, scaled) && add_ok(scaled, gflops / 2, scaled);
    CUX_ASSERT(fits);
    return scaled / gflops;
}

bool compute_delivered_cost(const market_config& m, std::size_t chip, std::size_t region,
                            epoch_hour start, int64_t hours, price_fen price, int64_t qty,
                            std::size_t origin, int64_t data_gb, int64_t fee_bps,
                            delivered_cost& out) {
    CUX_ASSERT(chip < m.chips.size() && region < m.regions.size() && origin < m.regions.size());
    CUX_ASSERT(hours >= 0 && price.value() >= 0 && qty >= 0 && data_gb >= 0 && fee_bps >= 0);
    delivered_cost c;
    int64_t per_hour = 0;
    if (!mul_ok(price.value(), qty, per_hour) || !mul_ok(per_hour, hours, c.compute_fen)) {
        return false;
    }
    int64_t units = 0;
    if (!window_units(m, chip, region, start, hours, units) ||
        static_cast<int128>(units) * qty / energy_units_per_fen >= INT64_MAX / 2) {
        return false;
    }
    c.energy_fen = energy_fen(units, qty);
    int64_t mcny = 0;
    if (!mul_ok(data_gb, m.link(origin, region).tariff_mcny_gb, mcny) || !add_ok(mcny, 5, mcny)) {
        return false;
    }
    c.network_fen = network_fen(m, origin, region, data_gb);
    int64_t fee_scaled = 0;
    if (!mul_ok(c.compute_fen, fee_bps, fee_scaled)) return false;
    c.fee_fen = fee_fen(c.compute_fen, fee_bps);
    int64_t total = 0;
    if (!add_ok(c.compute_fen, c.energy_fen, total) || !add_ok(total, c.network_fen, total) ||
        !add_ok(total, c.fee_fen, total)) {
        return false;
    }
    out = c;
    return true;
}

}  // namespace cux::engine
