// The market file loader: the default file loads to the numbers the engine tests use, exact
// unit conversions, and every crafted bad file (tests/data/market_bad/, shared with
// tests/schema_test.py) is refused with one line naming the file and the JSON path.

#include "gateway/market_file.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/market.hpp"

namespace cux::gateway {
namespace {

const std::string source_dir = CUX_SOURCE_DIR;
const std::string default_file = source_dir + "/schemas/market.default.json";
const std::string small_file = source_dir + "/tests/data/market_small.json";
const std::string bad_dir = source_dir + "/tests/data/market_bad/";

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// The error message of parsing `text`, or "" when it loads.
std::string error_of(const std::string& text, const std::string& name = "t.json") {
    try {
        parse_market_json(text, name);
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "";
}

// market_small.json with `from` replaced by `to` (`from` must occur exactly once).
std::string small_with(const std::string& from, const std::string& to) {
    std::string text = read_text(small_file);
    const std::size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at == std::string::npos) return text;
    EXPECT_EQ(text.find(from, at + 1), std::string::npos) << from << " occurs twice";
    text.replace(at, from.size(), to);
    return text;
}

// market_small.json after an edit of its parsed JSON.
std::string small_edited(const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json j = nlohmann::json::parse(read_text(small_file));
    edit(j);
    return j.dump(2);
}

TEST(MarketFile, DefaultFileLoads) {
    const engine::market_config m = load_market_file(default_file);
    EXPECT_EQ(engine::validate(m), "");
    ASSERT_EQ(m.regions.size(), 8u);
    ASSERT_EQ(m.chips.size(), 16u);
    ASSERT_EQ(m.links.size(), 64u);
    EXPECT_EQ(m.carriers, std::vector<std::string>{"backbone"});
    const std::vector<std::string> regions = {"jjj", "yrd", "gba", "cy", "nm", "gz", "gs", "nx"};
    for (std::size_t i = 0; i < regions.size(); ++i) EXPECT_EQ(m.regions[i].id, regions[i]);
    const std::vector<std::string> chips = {"h100",    "h800", "h20",  "a100",   "a800",   "l20",
                                            "rtx4090", "910b", "910c", "mlu370", "mlu590", "k100ai",
                                            "k100",    "z100", "x86",  "kunpeng"};
    for (std::size_t i = 0; i < chips.size(); ++i) EXPECT_EQ(m.chips[i].id, chips[i]);
    EXPECT_EQ(m.maker_fee_bps, 2);
    EXPECT_EQ(m.taker_fee_bps, 5);
    EXPECT_EQ(m.band_bps, 5000);
    EXPECT_EQ(m.market_collar_bps, 1000);
    EXPECT_EQ(m.calendar.hourly_slots, 48);
    EXPECT_EQ(m.calendar.daily_windows, 14);
    EXPECT_EQ(m.calendar.gate_closure_s, 900);
    EXPECT_EQ(m.calendar.pre_open_s, 60);
    EXPECT_EQ(m.calendar.closing_call_s, 300);
    EXPECT_EQ(m.calendar.utc_offset_hours, 8);
    EXPECT_EQ(m.calendar.retention_s, 3600);
}

TEST(MarketFile, DefaultRegionsConvertExactly) {
    const engine::market_config m = load_market_file(default_file);
    const engine::region_spec& jjj = m.regions[static_cast<std::size_t>(m.region_index("jjj"))];
    EXPECT_EQ(jjj.name_zh, "京津冀枢纽");
    EXPECT_FALSE(jjj.west);
    EXPECT_EQ(jjj.pue_milli, 1300);
    // jjj: peak 8-11 and 17-21 at 0.774, flat 7-8, 11-17, 21-23 at 0.484, valley 23-7 at 0.218.
    EXPECT_EQ(jjj.tariff_mcny_kwh[9], 774);
    EXPECT_EQ(jjj.tariff_mcny_kwh[17], 774);
    EXPECT_EQ(jjj.tariff_mcny_kwh[7], 484);
    EXPECT_EQ(jjj.tariff_mcny_kwh[22], 484);
    EXPECT_EQ(jjj.tariff_mcny_kwh[23], 218);
    EXPECT_EQ(jjj.tariff_mcny_kwh[0], 218);
    EXPECT_EQ(jjj.carbon_g_kwh, 725);       // 725.2
    EXPECT_EQ(jjj.green_share_milli, 130);  // 0.13
    // cy is geographically west and is listed as west in regions.csv.
    EXPECT_TRUE(m.regions[static_cast<std::size_t>(m.region_index("cy"))].west);
    const engine::region_spec& nx = m.regions[static_cast<std::size_t>(m.region_index("nx"))];
    EXPECT_TRUE(nx.west);
    EXPECT_EQ(nx.pue_milli, 1150);
    // The same numbers tests/engine/market_test.cpp uses for nx.
    const std::array<int64_t, 24> nx_tariffs = {393, 393, 393, 393, 393, 393, 630, 630,
                                                393, 177, 177, 177, 177, 177, 177, 177,
                                                177, 393, 630, 630, 630, 630, 630, 630};
    EXPECT_EQ(nx.tariff_mcny_kwh, nx_tariffs);
    const engine::region_spec& yrd = m.regions[static_cast<std::size_t>(m.region_index("yrd"))];
    EXPECT_EQ(yrd.tariff_mcny_kwh[9], 1106);  // "1.106"
    EXPECT_EQ(yrd.tariff_mcny_kwh[3], 346);
}

TEST(MarketFile, DefaultChipsConvertExactly) {
    const engine::market_config m = load_market_file(default_file);
    const auto chip = [&](const char* id) -> const engine::chip_spec& {
        return m.chips[static_cast<std::size_t>(m.chip_index(id))];
    };
    EXPECT_EQ(chip("h100").typical_price, engine::price_fen(1200));  // "12.00"
    EXPECT_EQ(chip("h100").tick, engine::price_fen(1));              // "0.01"
    EXPECT_EQ(chip("h100").dense_gflops, 989'000);
    EXPECT_EQ(chip("h100").power_w, 700);
    EXPECT_EQ(chip("h100").memory_gb, 80);
    EXPECT_EQ(chip("h100").kind, engine::chip_kind::gpu);
    EXPECT_EQ(chip("h100").name_zh, "英伟达 H100 SXM5 80GB");
    EXPECT_EQ(chip("a800").typical_price, engine::price_fen(650));     // "6.50"
    EXPECT_EQ(chip("rtx4090").typical_price, engine::price_fen(180));  // "1.80"
    EXPECT_EQ(chip("l20").dense_gflops, 119'500);                      // 119.5 TFLOPS
    EXPECT_EQ(chip("910b").kind, engine::chip_kind::npu);
    EXPECT_EQ(chip("x86").kind, engine::chip_kind::cpu);
    EXPECT_EQ(chip("x86").dense_gflops, 40);                         // 0.04 TFLOPS per vCPU
    EXPECT_EQ(chip("x86").typical_price, engine::price_fen(12));     // "0.12"
    EXPECT_EQ(chip("kunpeng").typical_price, engine::price_fen(9));  // "0.09"
}

TEST(MarketFile, DefaultNetworkConvertsExactly) {
    const engine::market_config m = load_market_file(default_file);
    const auto at = [&](const char* from, const char* to) -> const engine::link_spec& {
        return m.link(static_cast<std::size_t>(m.region_index(from)),
                      static_cast<std::size_t>(m.region_index(to)));
    };
    EXPECT_EQ(at("jjj", "yrd").tariff_mcny_gb, 41);  // "0.041"
    EXPECT_EQ(at("jjj", "yrd").rtt_us, 29'800);      // 29.8 ms
    EXPECT_EQ(at("yrd", "nx").tariff_mcny_gb, 48);
    EXPECT_EQ(at("yrd", "nx").rtt_us, 38'600);
    EXPECT_EQ(at("gba", "nx").tariff_mcny_gb, 50);  // "0.050"
    for (std::size_t i = 0; i < 8; ++i) {
        EXPECT_EQ(m.link(i, i).tariff_mcny_gb, 0);
        EXPECT_EQ(m.link(i, i).rtt_us, 1000);
        for (std::size_t j = 0; j < 8; ++j) {
            EXPECT_EQ(m.link(i, j).carrier, 0);
            EXPECT_EQ(m.link(i, j).tariff_mcny_gb, m.link(j, i).tariff_mcny_gb);  // symmetric
        }
    }
}

TEST(MarketFile, SmallFileLoads) {
    const engine::market_config m = load_market_file(small_file);
    EXPECT_EQ(m.regions.size(), 2u);
    EXPECT_EQ(m.chips.size(), 2u);
    EXPECT_EQ(m.link(1, 0).tariff_mcny_gb, 48);
}

// One row of tests/data/market_bad/EXPECTED.tsv.
struct bad_case {
    std::string name, layer, path, message;
};

std::vector<bad_case> bad_cases() {
    std::ifstream in(bad_dir + "EXPECTED.tsv");
    std::vector<bad_case> out;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::vector<std::string> cols;
        std::size_t start = 0;
        for (std::size_t tab; (tab = line.find('\t', start)) != std::string::npos;
             start = tab + 1) {
            cols.push_back(line.substr(start, tab - start));
        }
        cols.push_back(line.substr(start));
        if (cols.size() == 4)
            out.push_back({cols[0], cols[1], cols[2], cols[3]});
        else
            ADD_FAILURE() << "bad EXPECTED.tsv line: " << line;
    }
    return out;
}

TEST(MarketFile, EveryBadFileIsRefusedWithItsPath) {
    const std::vector<bad_case> cases = bad_cases();
    ASSERT_GE(cases.size(), 12u);
    for (const bad_case& c : cases) {
        const std::string path = bad_dir + c.name + ".json";
        std::string message;
        try {
            load_market_file(path);
        } catch (const std::runtime_error& e) {
            message = e.what();
        }
        SCOPED_TRACE(c.name);
        ASSERT_FALSE(message.empty()) << "loaded without error";
        // "market file <path>: <json path>: <problem>", one line.
        EXPECT_EQ(message.rfind("market file " + path + ": ", 0), 0u) << message;
        EXPECT_NE(message.find(c.message), std::string::npos)
            << "want: " << c.message << "\ngot:  " << message;
        if (!c.path.empty()) {
            EXPECT_NE(message.find(": " + c.path), std::string::npos) << message;
        }
        EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
}

// The cases the market file's design calls out, spelled out in full here as well.
TEST(MarketFile, NamedBadFilesGiveExactMessages) {
    const auto error_of_file = [](const std::string& name) {
        try {
            load_market_file(bad_dir + name + ".json");
        } catch (const std::runtime_error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    const auto prefix = [](const std::string& name) {
        return "market file " + bad_dir + name + ".json: ";
    };
    EXPECT_EQ(error_of_file("wrong_type_pue"),
              prefix("wrong_type_pue") + "regions[1].pue: must be a number in [1.0, 3.0]");
    EXPECT_EQ(error_of_file("negative_pue"),
              prefix("negative_pue") + "regions[0].pue: must be a number in [1.0, 3.0]");
    EXPECT_EQ(error_of_file("unknown_field_region"),
              prefix("unknown_field_region") + "regions[0].colour: unknown field");
    EXPECT_EQ(error_of_file("duplicate_key"),
              prefix("duplicate_key") + "chips[0].power_w: duplicate key");
    EXPECT_EQ(error_of_file("bad_decimal_tariff"),
              prefix("bad_decimal_tariff") +
                  "regions[0].tariff_cny_per_kwh[9]: must be a decimal string with at most 3 "
                  "decimals, e.g. \"0.484\", got \"0.4841\"");
    EXPECT_EQ(error_of_file("missing_pair"),
              prefix("missing_pair") +
                  "network.links: missing pair west1 -> east1 (every ordered pair of regions, 4 "
                  "in all, is required)");
    EXPECT_EQ(error_of_file("unknown_carrier"),
              prefix("unknown_carrier") + "network.links[2].carrier: unknown carrier \"telco\"");
    EXPECT_EQ(
        error_of_file("bad_region_id"),
        prefix("bad_region_id") + "regions[1].id: must match ^[a-z0-9]{1,12}$, got \"West-1\"");
}

TEST(MarketFile, DecimalStringsAreExact) {
    const auto price_of = [](const std::string& value) {
        const engine::market_config m = parse_market_json(
            small_with("\"typical_price\": \"12.00\"", "\"typical_price\": \"" + value + "\""),
            "t.json");
        return m.chips[0].typical_price.value();
    };
    EXPECT_EQ(price_of("12.00"), 1200);
    EXPECT_EQ(price_of("12.5"), 1250);
    EXPECT_EQ(price_of("12"), 1200);
    EXPECT_EQ(price_of("0.01"), 1);
    EXPECT_EQ(price_of("1000000.00"), 100'000'000);  // limits::price_fen_max
    for (const char* bad : {"012.00", "12.", ".5", "-1.00", "+1.00", "1e2", "12.001", " 12.00",
                            "12.00 ", "1,00", "", "0x10", "99999999999999"}) {
        const std::string message = error_of(small_with(
            "\"typical_price\": \"12.00\"", std::string("\"typical_price\": \"") + bad + "\""));
        EXPECT_NE(message.find("chips[0].typical_price: must be a decimal string with at most 2 "
                               "decimals"),
                  std::string::npos)
            << bad << ": " << message;
    }
    EXPECT_EQ(
        error_of(small_with("\"typical_price\": \"12.00\"", "\"typical_price\": \"1000000.01\"")),
        "market file t.json: chips[0].typical_price: must be at most \"1000000.00\", got "
        "\"1000000.01\"");
    EXPECT_EQ(error_of(small_edited(
                  [](nlohmann::json& j) { j["regions"][0]["tariff_cny_per_kwh"][3] = "100.001"; })),
              "market file t.json: regions[0].tariff_cny_per_kwh[3]: must be at most \"100.000\", "
              "got \"100.001\"");
    EXPECT_NE(error_of(small_with("\"typical_price\": \"12.00\"", "\"typical_price\": \"0.00\""))
                  .find("chips[0].typical_price: must be a positive multiple of tick"),
              std::string::npos);
    // Tariffs keep three decimals exactly; there are no binary fractions to round.
    const engine::market_config m =
        parse_market_json(small_edited([](nlohmann::json& j) {
                              j["network"]["links"][1]["transfer_cny_per_gb"] = "0.1";
                          }),
                          "t.json");
    EXPECT_EQ(m.link(0, 1).tariff_mcny_gb, 100);
    EXPECT_EQ(m.link(1, 0).tariff_mcny_gb, 48);
}

TEST(MarketFile, NumbersAreRoundedToTheirIntegerUnits) {
    const auto load = [](const std::string& from, const std::string& to) {
        return parse_market_json(small_with(from, to), "t.json");
    };
    EXPECT_EQ(load("\"pue\": 1.15", "\"pue\": 1.2345").regions[1].pue_milli, 1235);
    EXPECT_EQ(load("\"pue\": 1.15", "\"pue\": 3").regions[1].pue_milli, 3000);
    EXPECT_EQ(load("\"green_share\": 0.23", "\"green_share\": 0").regions[1].green_share_milli, 0);
    EXPECT_EQ(load("\"dense_tflops\": 0.04", "\"dense_tflops\": 0.0015").chips[1].dense_gflops, 2);
    const engine::market_config m = parse_market_json(
        small_edited([](nlohmann::json& j) { j["network"]["links"][0]["rtt_ms"] = 0.0004; }),
        "t.json");
    EXPECT_EQ(m.link(0, 0).rtt_us, 0);
    const engine::market_config m2 = parse_market_json(
        small_edited([](nlohmann::json& j) { j["network"]["links"][1]["rtt_ms"] = 29.8; }),
        "t.json");
    EXPECT_EQ(m2.link(0, 1).rtt_us, 29'800);
}

TEST(MarketFile, TypesAndRangesAreChecked) {
    EXPECT_EQ(error_of("[]"), "market file t.json: (root): must be an object");
    EXPECT_EQ(error_of(small_with("\"maker_bps\": 2", "\"maker_bps\": 2.0")),
              "market file t.json: fees.maker_bps: must be an integer in [0, 1000]");
    EXPECT_EQ(error_of(small_with("\"maker_bps\": 2", "\"maker_bps\": \"2\"")),
              "market file t.json: fees.maker_bps: must be an integer in [0, 1000]");
    EXPECT_EQ(error_of(small_with("\"maker_bps\": 2", "\"maker_bps\": 18446744073709551615")),
              "market file t.json: fees.maker_bps: must be an integer in [0, 1000]");
    EXPECT_EQ(error_of(small_with("\"pue\": 1.15", "\"pue\": 3.0001")),
              "market file t.json: regions[1].pue: must be a number in [1.0, 3.0]");
    EXPECT_EQ(error_of(small_with("\"pue\": 1.15", "\"pue\": null")),
              "market file t.json: regions[1].pue: must be a number in [1.0, 3.0]");
    EXPECT_EQ(error_of(small_with("\"east_west\": \"west\"", "\"east_west\": \"West\"")),
              "market file t.json: regions[1].east_west: must be one of \"east\", \"west\"");
    EXPECT_EQ(error_of(small_with("\"kind\": \"cpu\"", "\"kind\": \"tpu\"")),
              "market file t.json: chips[1].kind: must be one of \"gpu\", \"npu\", \"cpu\"");
    EXPECT_EQ(error_of(small_with("\"name_en\": \"West one\"", "\"name_en\": \"\"")),
              "market file t.json: regions[1].name_en: must be a string of 1 to 80 characters");
    EXPECT_EQ(error_of(small_with("\"utc_offset_hours\": 8", "\"utc_offset_hours\": 15")),
              "market file t.json: calendar.utc_offset_hours: must be an integer in [-12, 14]");
    EXPECT_EQ(error_of(small_with("\"price_band_bps\": 5000", "\"price_band_bps\": 50")),
              "market file t.json: price_band_bps: must be an integer in [100, 9000]");
    EXPECT_EQ(error_of(small_with("\"status\": \"estimate\"", "\"status\": \"guess\"")),
              "market file t.json: regions[0].provenance.fields.pue.status: must be one of "
              "\"sourced\", \"sourced-derived\", \"estimate\"");
    // Names are counted in characters, not bytes: 80 Chinese characters fit.
    std::string zh80;
    for (int i = 0; i < 80; ++i) zh80 += "算";
    EXPECT_EQ(error_of(small_with("\"name_zh\": \"西一\"", "\"name_zh\": \"" + zh80 + "\"")), "");
    EXPECT_EQ(error_of(small_with("\"name_zh\": \"西一\"", "\"name_zh\": \"" + zh80 + "力\"")),
              "market file t.json: regions[1].name_zh: must be a string of 1 to 80 characters");
}

TEST(MarketFile, JsonLevelProblems) {
    EXPECT_EQ(error_of("{\"version\": 1, \"version\": 1}"),
              "market file t.json: version: duplicate key");
    EXPECT_EQ(error_of(small_with("\"carbon_g_per_kwh\": 642,",
                                  "\"carbon_g_per_kwh\": 642, \"carbon_g_per_kwh\": 642,")),
              "market file t.json: regions[1].carbon_g_per_kwh: duplicate key");
    // The same key in different objects is fine (every region has an "id").
    EXPECT_EQ(error_of(read_text(small_file)), "");
    EXPECT_EQ(error_of("{").rfind("market file t.json: invalid JSON: parse error at line 1", 0),
              0u);
    EXPECT_EQ(error_of("").rfind("market file t.json: invalid JSON: ", 0), 0u);
    EXPECT_EQ(error_of("{} x").rfind("market file t.json: invalid JSON: ", 0), 0u);
    EXPECT_EQ(error_of("{\"a\": \"\xff\"}").rfind("market file t.json: invalid JSON: ", 0), 0u);
    std::string deep = "{\"version\": ";
    for (int i = 0; i < 40; ++i) deep += "[";
    EXPECT_EQ(error_of(deep),
              "market file t.json: version[0][0][0][0][0][0][0][0][0][0][0][0][0]"
              "[0][0][0]: nested deeper than 16 levels");
    EXPECT_EQ(error_of(std::string(market_file_bytes_max + 1, ' ')),
              "market file t.json: larger than 4194304 bytes");
    // Control characters in an unknown key cannot break the one-line message.
    EXPECT_EQ(error_of("{\"a\\nb\": 1}"), "market file t.json: a\\x0ab: unknown field");
}

TEST(MarketFile, MissingFileNamesTheFile) {
    EXPECT_EQ(
        [] {
            try {
                load_market_file("/nonexistent/market.json");
            } catch (const std::runtime_error& e) {
                return std::string(e.what());
            }
            return std::string();
        }(),
        "market file /nonexistent/market.json: cannot open: No such file or directory");
}

}  // namespace
}  // namespace cux::gateway
