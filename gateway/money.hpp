#pragma once
// Money at the API edge: decimal strings in CNY with at most 2 decimals <-> integer fen. No
// floating point anywhere. Any thread, no state.
//
// Accepted text: ^(0|[1-9][0-9]*)(\.[0-9]{1,2})?$ — no sign, no exponent, no leading zeros,
// no more than two decimals ("12.345" is too precise, not rounded). Values above `max_fen` are
// too large. Output always has exactly two decimals ("12.30", "0.00", "-5.00").

#include <cstdint>
#include <string>
#include <string_view>

namespace cux::gateway {

enum class decimal_error : uint8_t {
    none = 0,
    syntax = 1,       // not a plain decimal number
    too_precise = 2,  // more decimals than allowed
    too_large = 3,    // above the caller's maximum
};

// "12.34" -> 1234. On error `out` is left unchanged.
decimal_error parse_fen(std::string_view text, int64_t max_fen, int64_t& out);

// 1234 -> "12.34"; negative amounts get a leading '-'.
std::string format_fen(int64_t fen);

// A value in thousandths as a decimal with three places: 484 -> "0.484".
std::string format_milli(int64_t milli);

// A value in ten-thousandths as a decimal with four places: 121335 -> "12.1335" (index prices
// per PFLOPS-hour, in 0.0001 CNY).
std::string format_ten_thousandths(int64_t v);

}  // namespace cux::gateway
