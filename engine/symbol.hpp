#pragma once
// Instrument identity. An instrument is one chip class, in one region, for one delivery window.
// Its id packs (tenor, chip, region, window start hour) so every module can derive it from a
// symbol without asking the engine. Symbol: <chip>.<region>.<YYYYMMDDTHH>.<tenor>, window start
// in UTC, tenor "1h" or "1d", e.g. "h100.nx.20261201T08.1h".

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/market.hpp"
#include "engine/types.hpp"

namespace cux::engine {

struct instrument_key {
    uint8_t chip = 0;
    uint8_t region = 0;
    tenor ten = tenor::hour;
    epoch_hour start_hour = 0;  // window start, hours since the Unix epoch (UTC)
    friend bool operator==(const instrument_key&, const instrument_key&) = default;
};

// Window start hours must lie in [0, 2^21) (until the year 2209).
constexpr epoch_hour start_hour_max = (int64_t{1} << 21) - 1;

instrument_id pack(const instrument_key& k);
instrument_key unpack(instrument_id id);

std::string format_symbol(const market_config& m, const instrument_key& k);
// nullopt when malformed or naming an unknown chip or region.
std::optional<instrument_key> parse_symbol(const market_config& m, std::string_view symbol);

// "YYYYMMDDTHH" for an epoch hour, and back (nullopt when malformed).
std::string format_hour(epoch_hour h);
std::optional<epoch_hour> parse_hour(std::string_view s);
// RFC 3339 UTC with seconds, e.g. "2026-12-01T08:00:00Z".
std::string format_rfc3339(utc_ns t);
std::optional<utc_ns> parse_rfc3339(std::string_view s);

}  // namespace cux::engine
