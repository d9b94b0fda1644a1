// Instrument ids, symbols and UTC time text: round trips, the bit layout, every malformed form,
// the daily-window hour rule, and a day-by-day walk that checks the calendar arithmetic against
// a plain counter.

#include "engine/symbol.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cux::engine {
namespace {

market_config two_by_two(int64_t utc_offset_hours = 8) {
    market_config m;
    m.chips = {
        {"h100", "H100", "H100", chip_kind::gpu, 989'000, 80, 700, price_fen(1200), price_fen(1)},
        {"910b", "910B", "昇腾 910B", chip_kind::npu, 320'000, 64, 400, price_fen(600),
         price_fen(1)}};
    m.regions = {{"yrd", "YRD", "长三角", false, 1300, {}, 594, 290},
                 {"nx", "Ningxia", "宁夏", true, 1150, {}, 642, 230}};
    m.carriers = {"backbone"};
    m.links = {{1000, 0, 0}, {38'600, 48, 0}, {38'600, 48, 0}, {1000, 0, 0}};
    m.calendar.utc_offset_hours = utc_offset_hours;
    return m;
}

constexpr epoch_hour h_20261201T08 = 498'920;  // 2026-12-01 08:00 UTC
constexpr epoch_hour h_20261130T16 = 498'904;  // 2026-12-01 00:00 CST
constexpr epoch_hour h_20240229T08 = 474'776;

TEST(Symbol, PackLayout) {
    // tenor bit 31 | chip << 26 | region << 21 | start hour
    EXPECT_EQ(pack({1, 2, tenor::hour, 5}).value(), (1u << 26) | (2u << 21) | 5u);
    EXPECT_EQ(pack({0, 0, tenor::day, 0}).value(), 1u << 31);
    EXPECT_EQ(pack({31, 31, tenor::day, start_hour_max}).value(), 0xffff'ffffu);
}

TEST(Symbol, PackUnpackRoundTrip) {
    for (uint8_t chip : {uint8_t{0}, uint8_t{1}, uint8_t{17}, uint8_t{31}}) {
        for (uint8_t region : {uint8_t{0}, uint8_t{7}, uint8_t{31}}) {
            for (tenor t : {tenor::hour, tenor::day}) {
                for (epoch_hour h : {epoch_hour{0}, h_20261201T08, start_hour_max}) {
                    const instrument_key k{chip, region, t, h};
                    EXPECT_EQ(unpack(pack(k)), k);
                }
            }
        }
    }
}

TEST(SymbolDeathTest, PackOutOfRangeAborts) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(pack({32, 0, tenor::hour, 0}), "assertion failed");
    EXPECT_DEATH(pack({0, 32, tenor::hour, 0}), "assertion failed");
    EXPECT_DEATH(pack({0, 0, tenor::hour, -1}), "assertion failed");
    EXPECT_DEATH(pack({0, 0, tenor::hour, start_hour_max + 1}), "assertion failed");
}

TEST(Symbol, FormatSymbol) {
    const market_config m = two_by_two();
    EXPECT_EQ(format_symbol(m, {0, 1, tenor::hour, h_20261201T08}), "h100.nx.20261201T08.1h");
    EXPECT_EQ(format_symbol(m, {1, 0, tenor::day, h_20261130T16}), "910b.yrd.20261130T16.1d");
    EXPECT_EQ(format_symbol(m, {0, 0, tenor::hour, 0}), "h100.yrd.19700101T00.1h");
}

TEST(Symbol, ParseSymbol) {
    const market_config m = two_by_two();
    const auto k = parse_symbol(m, "h100.nx.20261201T08.1h");
    ASSERT_TRUE(k.has_value());
    EXPECT_EQ(*k, (instrument_key{0, 1, tenor::hour, h_20261201T08}));
    const auto d = parse_symbol(m, "910b.yrd.20261130T16.1d");
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(*d, (instrument_key{1, 0, tenor::day, h_20261130T16}));
    const auto leap = parse_symbol(m, "h100.yrd.20240229T08.1h");
    ASSERT_TRUE(leap.has_value());
    EXPECT_EQ(leap->start_hour, h_20240229T08);
}

TEST(Symbol, SymbolRoundTrip) {
    const market_config m = two_by_two();
    for (uint8_t chip = 0; chip < 2; ++chip) {
        for (uint8_t region = 0; region < 2; ++region) {
            for (epoch_hour h = h_20261130T16 - 48; h < h_20261130T16 + 48; ++h) {
                const instrument_key k{chip, region, tenor::hour, h};
                const std::string s = format_symbol(m, k);
                ASSERT_EQ(parse_symbol(m, s), k) << s;
            }
            const instrument_key day{chip, region, tenor::day, h_20261130T16 + 24};
            ASSERT_EQ(parse_symbol(m, format_symbol(m, day)), day);
        }
    }
}

TEST(Symbol, MalformedSymbolsAreRejected) {
    const market_config m = two_by_two();
    const std::vector<std::string> bad = {
        "",
        "h100",
        "h100.nx",
        "h100.nx.20261201T08",
        "h100.nx.20261201T08.",
        "h100.nx.20261201T08.1h.",
        "h100.nx.20261201T08.1h.x",
        ".nx.20261201T08.1h",
        "h100..20261201T08.1h",
        "h100.nx..1h",
        "h100.nx.20261201T08..1h",
        "H100.nx.20261201T08.1h",  // ids are lower case
        "h100.NX.20261201T08.1h",
        "b200.nx.20261201T08.1h",    // unknown chip
        "h100.mars.20261201T08.1h",  // unknown region
        "h100x.nx.20261201T08.1h",
        "abcdefghijklmn.nx.20261201T08.1h",  // longer than any id
        "h100.nx.2026121T08.1h",             // short date
        "h100.nx.202612011T08.1h",           // long date
        "h100.nx.20261201T8.1h",             // one-digit hour
        "h100.nx.20261201T080.1h",
        "h100.nx.20261201t08.1h",  // lower-case t
        "h100.nx.20261201 08.1h",
        "h100.nx.2026-12-01T08.1h",
        "h100.nx.+2026120T08.1h",
        "h100.nx.-2026120T08.1h",
        "h100.nx.2026120xT08.1h",
        "h100.nx.20261301T08.1h",  // month 13
        "h100.nx.20260001T08.1h",  // month 0
        "h100.nx.20261200T08.1h",  // day 0
        "h100.nx.20261131T08.1h",  // 31 November
        "h100.nx.20260229T08.1h",  // not a leap year
        "h100.nx.21000229T08.1h",  // not a leap year (century)
        "h100.nx.20261201T24.1h",  // hour 24
        "h100.nx.19691231T23.1h",  // before the epoch
        "h100.nx.22100101T00.1h",  // beyond start_hour_max (2209-03-30T07)
        "h100.nx.20261201T08.2h",  // unknown tenor
        "h100.nx.20261201T08.1H",
        "h100.nx.20261201T08.1",
        "h100.nx.20261201T08.1hh",
        "h100.nx.20261201T08.1d",  // a daily window starts at local midnight (T16)
        "h100.nx.20261201T00.1d",
        " h100.nx.20261201T08.1h",
        "h100.nx.20261201T08.1h ",
        std::string("h100.nx.20261201T08.1h\0", 23),
    };
    for (const std::string& s : bad) {
        EXPECT_FALSE(parse_symbol(m, s).has_value()) << '"' << s << '"';
    }
    // The upper edge itself is accepted.
    EXPECT_TRUE(parse_symbol(m, "h100.nx." + format_hour(start_hour_max) + ".1h").has_value());
}

TEST(Symbol, DailyHourFollowsTheMarketsUtcOffset) {
    // Local midnight is 16:00 UTC at UTC+8, 00:00 at UTC, 05:00 UTC at UTC-5.
    EXPECT_TRUE(parse_symbol(two_by_two(8), "h100.nx.20261130T16.1d").has_value());
    EXPECT_FALSE(parse_symbol(two_by_two(8), "h100.nx.20261201T00.1d").has_value());
    EXPECT_TRUE(parse_symbol(two_by_two(0), "h100.nx.20261201T00.1d").has_value());
    EXPECT_FALSE(parse_symbol(two_by_two(0), "h100.nx.20261130T16.1d").has_value());
    EXPECT_TRUE(parse_symbol(two_by_two(-5), "h100.nx.20261201T05.1d").has_value());
    EXPECT_FALSE(parse_symbol(two_by_two(-5), "h100.nx.20261201T19.1d").has_value());
    // Hourly symbols may start at any hour.
    for (int h = 0; h < 24; ++h) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "h100.nx.20261201T%02d.1h", h);
        EXPECT_TRUE(parse_symbol(two_by_two(8), buf).has_value()) << buf;
    }
}

TEST(Symbol, FormatAndParseHour) {
    EXPECT_EQ(format_hour(0), "19700101T00");
    EXPECT_EQ(format_hour(-1), "19691231T23");
    EXPECT_EQ(format_hour(h_20261201T08), "20261201T08");
    EXPECT_EQ(format_hour(h_20240229T08), "20240229T08");
    EXPECT_EQ(format_hour(start_hour_max), "22090330T07");
    EXPECT_EQ(parse_hour("20261201T08"), h_20261201T08);
    EXPECT_EQ(parse_hour("19691231T23"), -1);
    EXPECT_EQ(parse_hour("20000301T00"), 264'408);
    EXPECT_FALSE(parse_hour("20261201T08Z").has_value());
    EXPECT_FALSE(parse_hour("2026120T108").has_value());
}

// Walks 400 years (one full Gregorian cycle) a day at a time with a naive calendar and checks
// that format_hour/parse_hour agree with it on every day.
TEST(Symbol, CalendarMatchesADayByDayWalk) {
    int y = 1900, mo = 1, d = 1;
    const auto leap = [](int year) {
        return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    };
    const int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const auto first = parse_hour("19000101T00");
    ASSERT_TRUE(first.has_value());
    for (epoch_hour h = *first; y < 2300; h += 24) {
        char want[32];
        std::snprintf(want, sizeof want, "%04d%02d%02dT00", y, mo, d);
        ASSERT_EQ(format_hour(h + 13), std::string(want).substr(0, 9) + "13");
        ASSERT_EQ(format_hour(h), want);
        ASSERT_EQ(parse_hour(want), h);
        const int days = month_days[mo - 1] + (mo == 2 && leap(y) ? 1 : 0);
        if (++d > days) {
            d = 1;
            if (++mo > 12) {
                mo = 1;
                ++y;
            }
        }
    }
}

TEST(Rfc3339, Format) {
    EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00Z");
    EXPECT_EQ(format_rfc3339(h_20261201T08 * ns_per_hour), "2026-12-01T08:00:00Z");
    EXPECT_EQ(format_rfc3339(1'796'112'000 * ns_per_s + 59 * ns_per_min + 7 * ns_per_s),
              "2026-12-01T08:59:07Z");
    EXPECT_EQ(format_rfc3339(1'500'000'000), "1970-01-01T00:00:01.500Z");
    EXPECT_EQ(format_rfc3339(1'000), "1970-01-01T00:00:00.000001Z");
    EXPECT_EQ(format_rfc3339(1), "1970-01-01T00:00:00.000000001Z");
    EXPECT_EQ(format_rfc3339(-1), "1969-12-31T23:59:59.999999999Z");
    EXPECT_EQ(format_rfc3339(h_20240229T08 * ns_per_hour), "2024-02-29T08:00:00Z");
}

TEST(Rfc3339, Parse) {
    EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), 0);
    EXPECT_EQ(parse_rfc3339("2026-12-01T08:00:00Z"), h_20261201T08 * ns_per_hour);
    EXPECT_EQ(parse_rfc3339("2026-12-01T08:00:00+00:00"), h_20261201T08 * ns_per_hour);
    EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:01.5Z"), 1'500'000'000);
    EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00.000000001Z"), 1);
    EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00.123456789+00:00"), 123'456'789);
    EXPECT_EQ(parse_rfc3339("1969-12-31T23:59:59Z"), -ns_per_s);
}

TEST(Rfc3339, MalformedIsRejected) {
    const std::vector<std::string> bad = {
        "",
        "2026-12-01T08:00:00",        // no zone
        "2026-12-01T08:00:00+08:00",  // only UTC
        "2026-12-01T08:00:00-00:00",
        "2026-12-01T08:00:00z",
        "2026-12-01t08:00:00Z",
        "2026-12-01 08:00:00Z",
        "2026-12-01T08:00Z",
        "2026-12-01T08:00:00.Z",
        "2026-12-01T08:00:00.1234567890Z",  // more than 9 fraction digits
        "2026-12-01T08:00:00,5Z",
        "2026-12-01T08:00:00ZZ",
        "2026-12-01T08:00:00Z ",
        " 2026-12-01T08:00:00Z",
        "2026-02-29T00:00:00Z",  // not a leap year
        "2026-13-01T00:00:00Z",
        "2026-12-32T00:00:00Z",
        "2026-12-01T24:00:00Z",
        "2026-12-01T08:60:00Z",
        "2026-12-01T08:00:60Z",  // no leap seconds
        "2026-1-01T08:00:00Z",
        "+026-12-01T08:00:00Z",
        "2026-12-01T08:00:00+0000",
        "9999-12-31T23:59:59Z",  // does not fit in int64 nanoseconds
    };
    for (const std::string& s : bad) {
        EXPECT_FALSE(parse_rfc3339(s).has_value()) << '"' << s << '"';
    }
}

TEST(Rfc3339, RoundTrip) {
    for (utc_ns t : {utc_ns{0}, utc_ns{1}, utc_ns{-1}, utc_ns{999'999'999},
                     h_20261201T08 * ns_per_hour + 123'000'000, utc_ns{-86'400} * ns_per_s * 365,
                     utc_ns{7'258'118'399} * ns_per_s + 999'999'999}) {
        const std::string s = format_rfc3339(t);
        EXPECT_EQ(parse_rfc3339(s), t) << s;
    }
}

}  // namespace
}  // namespace cux::engine
