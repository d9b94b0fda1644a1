// Instrument ids, symbols and UTC time text. Calendar arithmetic is done on a proleptic Gregorian
// calendar with whole days counted from 1970-01-01; no <chrono> time zones, no C library time
// functions (they depend on the process's locale and TZ).

#include "engine/symbol.hpp"

#include <array>

#include "engine/limits.hpp"

namespace cux::engine {

namespace {

constexpr int64_t secs_per_day = 86'400;

int64_t floor_div(int64_t a, int64_t b) {
    const int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int64_t days_in_month(int64_t y, int64_t m) {
    constexpr std::array<int64_t, 12> days = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[static_cast<std::size_t>(m - 1)];
}

// Days from 1970-01-01 to y-m-d. The year is counted from March so that February, and with it
// the leap day, comes last: then the days before a month follow one formula, (153 x m + 2) / 5
// for m = 0 (March) .. 11 (February), and leap days are plain quotients of the shifted year.
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
    const int64_t year = m <= 2 ? y - 1 : y;
    const int64_t month = m <= 2 ? m + 9 : m - 3;
    const int64_t days_since_0000_03_01 = 365 * year + floor_div(year, 4) - floor_div(year, 100) +
                                          floor_div(year, 400) + (153 * month + 2) / 5 + d - 1;
    constexpr int64_t epoch_since_0000_03_01 = 719'468;  // 1970-01-01
    return days_since_0000_03_01 - epoch_since_0000_03_01;
}

struct civil {
    int64_t y, m, d;
};

// The inverse: estimate the year from the mean Gregorian year (146097 days per 400 years), then
// correct it by at most one either way, then find the month.
civil civil_from_days(int64_t z) {
    int64_t y = 1970 + floor_div(z * 400, 146'097);
    while (days_from_civil(y, 1, 1) > z) --y;
    while (days_from_civil(y + 1, 1, 1) <= z) ++y;
    int64_t m = 1;
    while (m < 12 && days_from_civil(y, m + 1, 1) <= z) ++m;
    return {y, m, z - days_from_civil(y, m, 1) + 1};
}

// Parses exactly s.size() decimal digits; false on anything else.
bool digits(std::string_view s, int64_t& out) {
    if (s.empty()) return false;
    int64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    out = v;
    return true;
}

void put(std::string& out, int64_t v, int width) {
    CUX_ASSERT(v >= 0);
    std::array<char, 20> buf{};
    for (int i = width - 1; i >= 0; --i) {
        buf[static_cast<std::size_t>(i)] = static_cast<char>('0' + v % 10);
        v /= 10;
    }
    CUX_ASSERT(v == 0);  // the value fits the width
    out.append(buf.data(), static_cast<std::size_t>(width));
}

bool valid_date(int64_t y, int64_t m, int64_t d) {
    return y >= 0 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

int64_t local_hour(const market_config& m, epoch_hour h) {
    return ((h + m.calendar.utc_offset_hours) % 24 + 24) % 24;
}

}  // namespace

instrument_id pack(const instrument_key& k) {
    CUX_ASSERT(k.chip < limits::chips_max && k.region < limits::regions_max);
    CUX_ASSERT(k.start_hour >= 0 && k.start_hour <= start_hour_max);
    CUX_ASSERT(k.ten == tenor::hour || k.ten == tenor::day);
    const uint32_t tenor_bit = k.ten == tenor::day ? uint32_t{1} << 31 : 0;
    return instrument_id(tenor_bit | uint32_t{k.chip} << 26 | uint32_t{k.region} << 21 |
                         static_cast<uint32_t>(k.start_hour));
}

instrument_key unpack(instrument_id id) {
    const uint32_t v = id.value();
    instrument_key k;
    k.ten = (v >> 31) != 0 ? tenor::day : tenor::hour;
    k.chip = static_cast<uint8_t>((v >> 26) & 0x1f);
    k.region = static_cast<uint8_t>((v >> 21) & 0x1f);
    k.start_hour = static_cast<epoch_hour>(v & 0x1f'ffff);
    return k;
}

std::string format_hour(epoch_hour h) {
    const int64_t days = floor_div(h, 24);
    CUX_ASSERT(days >= days_from_civil(0, 1, 1) && days <= days_from_civil(9999, 12, 31));
    const civil c = civil_from_days(days);
    std::string out;
    out.reserve(11);
    put(out, c.y, 4);
    put(out, c.m, 2);
    put(out, c.d, 2);
    out += 'T';
    put(out, h - days * 24, 2);
    return out;
}

std::optional<epoch_hour> parse_hour(std::string_view s) {
    int64_t y = 0, m = 0, d = 0, hh = 0;
    if (s.size() != 11 || s[8] != 'T' || !digits(s.substr(0, 4), y) || !digits(s.substr(4, 2), m) ||
        !digits(s.substr(6, 2), d) || !digits(s.substr(9, 2), hh)) {
        return std::nullopt;
    }
    if (!valid_date(y, m, d) || hh > 23) return std::nullopt;
    return days_from_civil(y, m, d) * 24 + hh;
}

std::string format_symbol(const market_config& m, const instrument_key& k) {
    CUX_ASSERT(k.chip < m.chips.size() && k.region < m.regions.size());
    std::string out = m.chips[k.chip].id;
    out += '.';
    out += m.regions[k.region].id;
    out += '.';
    out += format_hour(k.start_hour);
    out += k.ten == tenor::day ? ".1d" : ".1h";
    return out;
}

std::optional<instrument_key> parse_symbol(const market_config& m, std::string_view symbol) {
    // <chip>.<region>.<YYYYMMDDTHH>.<tenor>: exactly three dots, no empty part.
    std::array<std::string_view, 4> parts;
    std::size_t n = 0;
    std::size_t begin = 0;
    for (std::size_t i = 0; i <= symbol.size(); ++i) {
        if (i == symbol.size() || symbol[i] == '.') {
            if (n == parts.size()) return std::nullopt;
            parts[n++] = symbol.substr(begin, i - begin);
            begin = i + 1;
        }
    }
    if (n != parts.size()) return std::nullopt;
    // Ids are at most 12 characters, so the lookups below never see an unbounded string.
    if (parts[0].empty() || parts[0].size() > 12 || parts[1].empty() || parts[1].size() > 12) {
        return std::nullopt;
    }
    const int chip = m.chip_index(std::string(parts[0]));
    const int region = m.region_index(std::string(parts[1]));
    if (chip < 0 || region < 0) return std::nullopt;
    const auto start = parse_hour(parts[2]);
    if (!start || *start < 0 || *start > start_hour_max) return std::nullopt;
    instrument_key k;
    if (parts[3] == "1h") {
        k.ten = tenor::hour;
    } else if (parts[3] == "1d") {
        k.ten = tenor::day;
        // A daily window runs 24 h from local midnight, e.g. T16 UTC for CST.
        if (local_hour(m, *start) != 0) return std::nullopt;
    } else {
        return std::nullopt;
    }
    k.chip = static_cast<uint8_t>(chip);
    k.region = static_cast<uint8_t>(region);
    k.start_hour = *start;
    return k;
}

std::string format_rfc3339(utc_ns t) {
    const int64_t secs = floor_div(t, ns_per_s);
    const int64_t frac = t - secs * ns_per_s;
    const int64_t days = floor_div(secs, secs_per_day);
    const int64_t sod = secs - days * secs_per_day;
    const civil c = civil_from_days(days);
    std::string out;
    out.reserve(30);
    put(out, c.y, 4);
    out += '-';
    put(out, c.m, 2);
    out += '-';
    put(out, c.d, 2);
    out += 'T';
    put(out, sod / 3600, 2);
    out += ':';
    put(out, sod / 60 % 60, 2);
    out += ':';
    put(out, sod % 60, 2);
    // Sub-second digits only when there are any, in groups of 3 (ms, us, ns).
    if (frac != 0) {
        out += '.';
        if (frac % 1'000'000 == 0) {
            put(out, frac / 1'000'000, 3);
        } else if (frac % 1'000 == 0) {
            put(out, frac / 1'000, 6);
        } else {
            put(out, frac, 9);
        }
    }
    out += 'Z';
    return out;
}

std::optional<utc_ns> parse_rfc3339(std::string_view s) {
    // YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|+00:00)
    int64_t y = 0, mo = 0, d = 0, hh = 0, mi = 0, ss = 0;
    if (s.size() < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':' || !digits(s.substr(0, 4), y) || !digits(s.substr(5, 2), mo) ||
        !digits(s.substr(8, 2), d) || !digits(s.substr(11, 2), hh) ||
        !digits(s.substr(14, 2), mi) || !digits(s.substr(17, 2), ss)) {
        return std::nullopt;
    }
    if (!valid_date(y, mo, d) || hh > 23 || mi > 59 || ss > 59) return std::nullopt;
    std::string_view rest = s.substr(19);
    int64_t frac = 0;
    if (!rest.empty() && rest[0] == '.') {
        std::size_t n = 1;
        while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9') ++n;
        const std::size_t count = n - 1;
        if (count < 1 || count > 9 || !digits(rest.substr(1, count), frac)) return std::nullopt;
        for (std::size_t i = count; i < 9; ++i) frac *= 10;
        rest = rest.substr(n);
    }
    if (rest != "Z" && rest != "+00:00") return std::nullopt;
    const int64_t secs = days_from_civil(y, mo, d) * secs_per_day + hh * 3600 + mi * 60 + ss;
    int64_t ns = 0;
    if (!mul_ok(secs, ns_per_s, ns) || !add_ok(ns, frac, ns)) return std::nullopt;
    return ns;
}

}  // namespace cux::engine
