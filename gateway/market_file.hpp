#pragma once
// The market file loader: reads the JSON reference data (schemas/market.schema.json, explained in
// schemas/README.md) into the engine's integer market_config.
//
// Start-up only, any thread, no shared state. Strict: every field is checked for type and range,
// unknown fields and duplicate keys are refused, money strings are parsed exactly (no floating
// point), every ordered region pair must appear once in network.links, and the result must pass
// engine::validate(). On any problem it throws std::runtime_error with one line naming the file,
// the JSON path and the problem, e.g.
//   market file x.json: regions[3].pue: must be a number in [1.0, 3.0]
//
// Unit conversions (file -> engine):
//   tariff_cny_per_kwh "0.484"  -> tariff_mcny_kwh 484      (0.001 CNY per kWh)
//   typical_price, tick "12.00" -> price_fen 1200            (fen)
//   transfer_cny_per_gb "0.041" -> tariff_mcny_gb 41         (0.001 CNY per GB)
//   rtt_ms 29.8                 -> rtt_us 29800              (rounded to the microsecond)
//   pue 1.3                     -> pue_milli 1300            (rounded)
//   green_share 0.13            -> green_share_milli 130     (rounded)
//   dense_tflops 989            -> dense_gflops 989000       (rounded)
// Carriers become their ids, in file order; regions and chips keep their file order, which is
// also their index in instrument ids.

#include <cstddef>
#include <string>
#include <string_view>

#include "engine/market.hpp"

namespace cux::gateway {

// Largest market file accepted, in bytes (the default is ~40 KB).
constexpr std::size_t market_file_bytes_max = 4 * 1024 * 1024;

// Reads and parses the file at `path`; errors name `path`.
engine::market_config load_market_file(const std::string& path);

// Parses market JSON text; errors name `name_for_errors` as the file.
engine::market_config parse_market_json(std::string_view text, const std::string& name_for_errors);

}  // namespace cux::gateway
