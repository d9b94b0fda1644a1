#pragma once
// Human-readable formatting for the CLI: money in CNY with two decimals.

#include <cstdint>
#include <cstdio>
#include <string>

namespace cux::tools {

// 123456 fen -> "1234.56"; -5 -> "-0.05".
inline std::string yuan(int64_t fen) {
    const bool neg = fen < 0;
    const uint64_t v = neg ? 0 - static_cast<uint64_t>(fen) : static_cast<uint64_t>(fen);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%llu.%02llu", neg ? "-" : "",
                  static_cast<unsigned long long>(v / 100),
                  static_cast<unsigned long long>(v % 100));
    return buf;
}

}  // namespace cux::tools
