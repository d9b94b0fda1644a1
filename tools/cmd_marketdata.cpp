// `cux book SYMBOL`, `cux trades SYMBOL`, `cux instruments`: public market data (API.md
// "Reference and market data"). No key needed; a configured one is simply not sent.

#include <algorithm>
#include <cstdio>
#include <string>

#include "tools/cli.hpp"
#include "tools/commands.hpp"

namespace cux::tools {

namespace {

constexpr const char* book_synopsis = "cux book SYMBOL [--depth N] [--json]";
constexpr const char* trades_synopsis = "cux trades SYMBOL [--limit N] [--before-seq SEQ] [--json]";
constexpr const char* instruments_synopsis =
    "cux instruments [--chip CHIP] [--region REGION] "
    "[--status pre_open|open|closing|closed|delivering|settled] [--json]";

const std::string& symbol_arg(const parsed_args& a) {
    if (a.positional.size() != 1) throw usage_error("expected one SYMBOL");
    return a.positional[0];
}

// "12.30 x 5" cells of one side's level, or "" past its depth.
std::pair<std::string, std::string> level(const nlohmann::json& side, std::size_t i) {
    if (!side.is_array() || i >= side.size() || !side[i].is_array() || side[i].size() < 2) {
        return {"", ""};
    }
    return {cell(side[i][0]), cell(side[i][1])};
}

}  // namespace

int cmd_book(int argc, char** argv) {
    return run_verb(book_synopsis, [&] {
        const parsed_args a = parse_args(argc, argv, 1, {{"--depth", true}});
        const std::string& symbol = symbol_arg(a);
        session s(a, false);
        const auto r =
            s.call("GET", "/v1/book/" + url_encode(symbol) + query({{"depth", a.get("--depth")}}));
        if (!r) return 1;
        if (s.print_json(*r)) return 0;
        const nlohmann::json& j = r->json;
        const nlohmann::json empty = nlohmann::json::array();
        const nlohmann::json& bids = j.contains("bids") ? j.at("bids") : empty;
        const nlohmann::json& asks = j.contains("asks") ? j.at("asks") : empty;
        std::printf("%s  seq %s\n", cell(j, "symbol").c_str(), cell(j, "seq").c_str());
        const std::size_t rows = std::max(bids.size(), asks.size());
        if (rows == 0) {
            std::printf("the book is empty\n");
            return 0;
        }
        table t({{"BID QTY", true}, {"BID", true}, {"ASK", true}, {"ASK QTY", true}});
        for (std::size_t i = 0; i < rows; ++i) {
            const auto [bp, bq] = level(bids, i);
            const auto [ap, aq] = level(asks, i);
            t.add({bq, bp, ap, aq});
        }
        t.print(stdout, "");
        return 0;
    });
}

int cmd_trades(int argc, char** argv) {
    return run_verb(trades_synopsis, [&] {
        const parsed_args a =
            parse_args(argc, argv, 1, {{"--limit", true}, {"--before-seq", true}});
        const std::string& symbol = symbol_arg(a);
        session s(a, false);
        const auto r = s.call(
            "GET", "/v1/trades/" + url_encode(symbol) +
                       query({{"limit", a.get("--limit")}, {"before_seq", a.get("--before-seq")}}));
        if (!r) return 1;
        if (s.print_json(*r)) return 0;
        table t({{"TRADE", true},
                 {"SEQ", true},
                 {"TIME"},
                 {"SIDE"},
                 {"PRICE", true},
                 {"QTY", true},
                 {"AUCTION"}});
        for (const auto& x : r->json) {
            t.add({cell(x, "trade_id"), cell(x, "seq"), cell(x, "time"), cell(x, "side"),
                   cell(x, "price"), cell(x, "qty"), cell(x, "auction") == "true" ? "yes" : ""});
        }
        t.print(stdout, "no trades");
        return 0;
    });
}

int cmd_instruments(int argc, char** argv) {
    return run_verb(instruments_synopsis, [&] {
        const parsed_args a =
            parse_args(argc, argv, 1, {{"--chip", true}, {"--region", true}, {"--status", true}});
        if (!a.positional.empty()) throw usage_error("instruments takes no arguments");
        session s(a, false);
        const auto r = s.call("GET", "/v1/instruments" + query({{"chip", a.get("--chip")},
                                                                {"region", a.get("--region")},
                                                                {"status", a.get("--status")}}));
        if (!r) return 1;
        if (s.print_json(*r)) return 0;
        table t({{"SYMBOL"},
                 {"STATUS"},
                 {"REFERENCE", true},
                 {"BAND", true},
                 {"WINDOW START"},
                 {"GATE CLOSURE"}});
        for (const auto& x : r->json) {
            t.add({cell(x, "symbol"), cell(x, "status"), cell(x, "reference_price"),
                   cell(x, "band_low") + " - " + cell(x, "band_high"), cell(x, "window_start"),
                   cell(x, "gate_closure")});
        }
        t.print(stdout, "no instruments listed");
        return 0;
    });
}

}  // namespace cux::tools
