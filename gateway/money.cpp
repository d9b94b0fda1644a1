#include "gateway/money.hpp"

#include <cstdlib>

namespace cux::gateway {

decimal_error parse_fen(std::string_view text, int64_t max_fen, int64_t& out) {
    const std::size_t dot = text.find('.');
    const std::string_view whole = text.substr(0, dot);
    const std::string_view frac =
        dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
    if (whole.empty() || (whole.size() > 1 && whole[0] == '0')) return decimal_error::syntax;
    if (dot != std::string_view::npos && frac.empty()) return decimal_error::syntax;
    for (char c : whole) {
        if (c < '0' || c > '9') return decimal_error::syntax;
    }
    for (char c : frac) {
        if (c < '0' || c > '9') return decimal_error::syntax;
    }
    if (frac.size() > 2) return decimal_error::too_precise;
    // 18 integer digits would overflow int64 once multiplied by 100: anything that long is
    // beyond every maximum the API uses.
    if (whole.size() > 15) return decimal_error::too_large;
    int64_t v = 0;
    for (char c : whole) v = v * 10 + (c - '0');
    v *= 100;
    if (!frac.empty()) v += (frac[0] - '0') * 10;
    if (frac.size() == 2) v += frac[1] - '0';
    if (v > max_fen) return decimal_error::too_large;
    out = v;
    return decimal_error::none;
}

namespace {

std::string format_scaled(int64_t v, int64_t scale, int places) {
    std::string s;
    // Work in unsigned so that INT64_MIN has a magnitude too.
    uint64_t mag = v < 0 ? uint64_t{0} - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
    const auto uscale = static_cast<uint64_t>(scale);
    std::string whole = std::to_string(mag / uscale);
    std::string frac = std::to_string(mag % uscale);
    while (frac.size() < static_cast<std::size_t>(places)) frac.insert(frac.begin(), '0');
    if (v < 0) s.push_back('-');
    s += whole;
    s.push_back('.');
    s += frac;
    return s;
}

}  // namespace

std::string format_fen(int64_t fen) { return format_scaled(fen, 100, 2); }

std::string format_milli(int64_t milli) { return format_scaled(milli, 1000, 3); }

std::string format_ten_thousandths(int64_t v) { return format_scaled(v, 10000, 4); }

}  // namespace cux::gateway
