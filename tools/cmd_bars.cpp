// `cux bars SYMBOL`, `cux index`, `cux settlements`: public market data of issue 6 (API.md
// GET /v1/bars, /v1/index, /v1/settlements). No key needed; --json prints the server's JSON.

#include <cstdio>
#include <string>

#include "tools/cli.hpp"
#include "tools/commands.hpp"

namespace cux::tools {

namespace {

constexpr const char* bars_synopsis =
    "cux bars SYMBOL [--interval 1m|1h] [--from T] [--to T] [--limit N] [--json]";
constexpr const char* index_synopsis =
    "cux index [--chip CHIP] [--region REGION] [--window HOUR] [--json]";
constexpr const char* settlements_synopsis =
    "cux settlements [--date YYYY-MM-DD] [--all] [--json]\n"
    "  --all: also the instruments that never traded (method none)";

// "12.1335" or "-" for a null price.
std::string price_or_dash(const nlohmann::json& v) {
    return v.is_string() ? v.get<std::string>() : std::string("-");
}

void index_row(table& t, const std::string& what, const nlohmann::json& v) {
    t.add({what, price_or_dash(v.value("price", nlohmann::json())), cell(v, "trades"),
           cell(v, "excluded"), cell(v, "units")});
}

}  // namespace

int cmd_bars(int argc, char** argv) {
    return run_verb(bars_synopsis, [&] {
        const parsed_args a =
            parse_args(argc, argv, 1,
                       {{"--interval", true}, {"--from", true}, {"--to", true}, {"--limit", true}});
        if (a.positional.size() != 1) throw usage_error("expected one SYMBOL");
        const std::string& symbol = a.positional[0];
        session s(a, false);
        const auto r = s.call("GET", "/v1/bars/" + url_encode(symbol) +
                                         query({{"interval", a.get("--interval")},
                                                {"from", a.get("--from")},
                                                {"to", a.get("--to")},
                                                {"limit", a.get("--limit")}}));
        if (!r) return 1;
        if (s.print_json(*r)) return 0;
        const nlohmann::json& j = r->json;
        std::printf("%s  %s bars%s\n", cell(j, "symbol").c_str(), cell(j, "interval").c_str(),
                    cell(j, "truncated") == "true" ? " (the newest of more)" : "");
        table t({{"START"},
                 {"OPEN", true},
                 {"HIGH", true},
                 {"LOW", true},
                 {"CLOSE", true},
                 {"VOLUME", true},
                 {"TRADES", true},
                 {"VWAP", true},
                 {"TURNOVER", true}});
        if (j.contains("bars") && j["bars"].is_array()) {
            for (const auto& b : j["bars"]) {
                t.add({cell(b, "start"), cell(b, "open"), cell(b, "high"), cell(b, "low"),
                       cell(b, "close"), cell(b, "volume"), cell(b, "trades"), cell(b, "vwap"),
                       cell(b, "turnover")});
            }
        }
        t.print(stdout, "no trades in this range");
        return 0;
    });
}

int cmd_index(int argc, char** argv) {
    return run_verb(index_synopsis, [&] {
        const parsed_args a =
            parse_args(argc, argv, 1, {{"--chip", true}, {"--region", true}, {"--window", true}});
        if (!a.positional.empty()) throw usage_error("index takes no arguments");
        session s(a, false);
        const auto r = s.call("GET", "/v1/index" + query({{"chip", a.get("--chip")},
                                                          {"region", a.get("--region")},
                                                          {"window", a.get("--window")}}));
        if (!r) return 1;
        if (s.print_json(*r)) return 0;
        const nlohmann::json& j = r->json;
        const nlohmann::json none = nlohmann::json::object();
        const nlohmann::json& scu = j.contains("scu") ? j["scu"] : none;
        const nlohmann::json& cpu = j.contains("cpu") ? j["cpu"] : none;
        std::printf("SCU price index (%s, trades from %s to %s), CNY per PFLOPS-hour\n",
                    cell(j, "basis").c_str(), cell(j, "window_start").c_str(),
                    cell(j, "window_end").c_str());
        table t(
            {{"INDEX"}, {"PRICE", true}, {"TRADES", true}, {"EXCLUDED", true}, {"UNITS", true}});
        for (const char* k : {"national", "east", "west"}) {
            if (scu.contains(k)) index_row(t, k, scu[k]);
        }
        for (const auto& x : scu.value("regions", nlohmann::json::array())) {
            index_row(t, "region " + cell(x, "region") + " (" + cell(x, "side") + ")", x);
        }
        for (const auto& x : scu.value("chips", nlohmann::json::array())) {
            index_row(t, "chip " + cell(x, "chip"), x);
        }
        t.print(stdout, "");
        std::printf("east-west spread: %s\n\nCPU index, CNY per vCPU-hour\n",
                    price_or_dash(scu.value("east_west_spread", nlohmann::json())).c_str());
        table c(
            {{"INDEX"}, {"PRICE", true}, {"TRADES", true}, {"EXCLUDED", true}, {"UNITS", true}});
        if (cpu.contains("national")) index_row(c, "national", cpu["national"]);
        for (const auto& x : cpu.value("chips", nlohmann::json::array())) {
            index_row(c, "chip " + cell(x, "chip"), x);
        }
        c.print(stdout, "");
        return 0;
    });
}

int cmd_settlements(int argc, char** argv) {
    return run_verb(settlements_synopsis, [&] {
        const parsed_args a = parse_args(argc, argv, 1, {{"--date", true}, {"--all", false}});
        if (!a.positional.empty()) throw usage_error("settlements takes no arguments");
        session s(a, false);
        const auto r = s.call("GET", "/v1/settlements" + query({{"date", a.get("--date")}}));
        if (!r) return 1;
        if (s.print_json(*r)) return 0;
        const nlohmann::json& j = r->json;
        std::printf("settlement prices of %s (delivery windows starting that day, CST)\n",
                    cell(j, "date").c_str());
        table t({{"SYMBOL"},
                 {"PRICE", true},
                 {"METHOD"},
                 {"AUCTION VOL", true},
                 {"VOLUME", true},
                 {"TRADES", true},
                 {"VWAP", true}});
        for (const auto& x : j.value("settlements", nlohmann::json::array())) {
            if (x.value("method", "") == "none" && !a.has("--all")) continue;
            t.add({cell(x, "symbol"), price_or_dash(x.value("price", nlohmann::json())),
                   cell(x, "method"), cell(x, "auction_volume"), cell(x, "volume"),
                   cell(x, "trades"), price_or_dash(x.value("vwap", nlohmann::json()))});
        }
        t.print(stdout, "no instrument that traded has reached gate closure on this day");
        return 0;
    });
}

}  // namespace cux::tools
