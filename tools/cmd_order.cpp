// `cux order place|cancel|replace|list|show` and `cux fills`: trading as a vendor or buyer
// (API.md "Trading"). Each subcommand is one signed REST call.

#include <cstdio>
#include <string>

#include "tools/cli.hpp"
#include "tools/commands.hpp"

namespace cux::tools {

namespace {

constexpr const char* order_synopsis =
    "cux order place buy|sell SYMBOL QTY PRICE [--market] [--tif gtc|ioc|fok] [--post-only]\n"
    "                 [--client-id ID] [--stp cancel_newest|cancel_oldest|cancel_both]\n"
    "                 [--origin REGION] [--data-gb N]\n"
    "       cux order cancel ORDER_ID\n"
    "       cux order replace ORDER_ID [--price P] [--qty N]\n"
    "       cux order list [--all] [--symbol SYMBOL] [--limit N] [--cursor SEQ]\n"
    "       cux order show ORDER_ID\n"
    "  (and --url/--key/--secret/--config/--cacert/--insecure/--json, see `cux help`)";

constexpr const char* fills_synopsis = "cux fills [--symbol SYMBOL] [--limit N] [--cursor SEQ]";

void need_positional(const parsed_args& a, std::size_t n) {
    if (a.positional.size() != n) {
        throw usage_error("expected " + std::to_string(n - 1) + " argument(s) after `" +
                          a.positional[0] + "`, got " + std::to_string(a.positional.size() - 1));
    }
}

// An order id as the API writes it: decimal digits.
const std::string& order_id_arg(const std::string& s) {
    if (s.empty() || s.size() > 20 || s.find_first_not_of("0123456789") != std::string::npos) {
        throw usage_error("ORDER_ID must be a decimal id, not \"" + s + "\"");
    }
    return s;
}

void print_order(const nlohmann::json& o) {
    std::vector<std::pair<std::string, std::string>> kv;
    for (const char* k : {"order_id", "client_order_id", "symbol", "side", "type", "tif",
                          "post_only", "price", "qty", "filled_qty", "remaining_qty", "avg_price",
                          "status", "done_reason", "created_at", "updated_at", "seq"}) {
        if (o.contains(k)) kv.emplace_back(k, cell(o, k));
    }
    print_fields(stdout, kv);
}

int place(session& s, const parsed_args& a) {
    const bool market = a.has("--market");
    if (a.positional.size() != (market ? 4u : 5u)) {
        throw usage_error(market ? "order place --market takes SIDE SYMBOL QTY (no price)"
                                 : "order place takes SIDE SYMBOL QTY PRICE");
    }
    const std::string& side = a.positional[1];
    if (side != "buy" && side != "sell") throw usage_error("SIDE must be buy or sell");
    nlohmann::json body = {{"symbol", a.positional[2]},
                           {"side", side},
                           {"qty", parse_int(a.positional[3], "QTY", INT32_MIN, INT32_MAX)}};
    if (market) {
        body["type"] = "market";
    } else {
        body["price"] = a.positional[4];
    }
    if (const auto v = a.get("--tif")) body["tif"] = *v;
    if (a.has("--post-only")) body["post_only"] = true;
    if (const auto v = a.get("--client-id")) body["client_order_id"] = *v;
    if (const auto v = a.get("--stp")) body["stp"] = *v;
    if (const auto v = a.get("--origin")) body["origin_region"] = *v;
    if (const auto v = a.get_int("--data-gb", 0, INT64_MAX)) body["data_gb"] = *v;
    const auto r = s.call("POST", "/v1/orders", body.dump());
    if (!r) return 1;
    if (s.print_json(*r)) return 0;
    const auto& j = r->json;
    std::printf("order %s %s: %s filled", cell(j, "order_id").c_str(), cell(j, "status").c_str(),
                cell(j, "filled_qty").c_str());
    if (cell(j, "avg_price") != "-") std::printf(" at avg %s", cell(j, "avg_price").c_str());
    std::printf(" (seq %s)\n", cell(j, "seq").c_str());
    if (j.contains("fills") && j.at("fills").is_array() && !j.at("fills").empty()) {
        table t({{"TRADE", true}, {"PRICE", true}, {"QTY", true}, {"LIQUIDITY"}});
        for (const auto& f : j.at("fills")) {
            t.add({cell(f, "trade_id"), cell(f, "price"), cell(f, "qty"), cell(f, "liquidity")});
        }
        t.print(stdout, "");
    }
    return 0;
}

int cancel(session& s, const parsed_args& a) {
    need_positional(a, 2);
    const auto r = s.call("DELETE", "/v1/orders/" + order_id_arg(a.positional[1]));
    if (!r) return 1;
    if (s.print_json(*r)) return 0;
    print_order(r->json);
    return 0;
}

int replace(session& s, const parsed_args& a) {
    need_positional(a, 2);
    nlohmann::json body = nlohmann::json::object();
    if (const auto v = a.get("--price")) body["price"] = *v;
    if (const auto v = a.get_int("--qty", INT32_MIN, INT32_MAX)) body["qty"] = *v;
    if (body.empty()) throw usage_error("order replace needs --price, --qty or both");
    const auto r = s.call("PATCH", "/v1/orders/" + order_id_arg(a.positional[1]), body.dump());
    if (!r) return 1;
    if (s.print_json(*r)) return 0;
    print_order(r->json);
    return 0;
}

int list(session& s, const parsed_args& a) {
    need_positional(a, 1);
    const std::string target = "/v1/orders" + query({{"status", a.has("--all") ? "all" : "open"},
                                                     {"symbol", a.get("--symbol")},
                                                     {"limit", a.get("--limit")},
                                                     {"cursor", a.get("--cursor")}});
    const auto r = s.call("GET", target);
    if (!r) return 1;
    if (s.print_json(*r)) return 0;
    table t({{"ORDER", true},
             {"SYMBOL"},
             {"SIDE"},
             {"TYPE"},
             {"TIF"},
             {"PRICE", true},
             {"QTY", true},
             {"FILLED", true},
             {"OPEN", true},
             {"AVG", true},
             {"STATUS"},
             {"UPDATED"}});
    for (const auto& o : r->json) {
        t.add({cell(o, "order_id"), cell(o, "symbol"), cell(o, "side"), cell(o, "type"),
               cell(o, "tif"), cell(o, "price"), cell(o, "qty"), cell(o, "filled_qty"),
               cell(o, "remaining_qty"), cell(o, "avg_price"), cell(o, "status"),
               cell(o, "updated_at")});
    }
    t.print(stdout, a.has("--all") ? "no orders" : "no open orders (--all shows done ones)");
    return 0;
}

int show(session& s, const parsed_args& a) {
    need_positional(a, 2);
    const auto r = s.call("GET", "/v1/orders/" + order_id_arg(a.positional[1]));
    if (!r) return 1;
    if (s.print_json(*r)) return 0;
    print_order(r->json);
    return 0;
}

}  // namespace

int cmd_order(int argc, char** argv) {
    return run_verb(order_synopsis, [&] {
        const parsed_args a = parse_args(argc, argv, 1,
                                         {{"--market", false},
                                          {"--tif", true},
                                          {"--post-only", false},
                                          {"--client-id", true},
                                          {"--stp", true},
                                          {"--origin", true},
                                          {"--data-gb", true},
                                          {"--price", true},
                                          {"--qty", true},
                                          {"--all", false},
                                          {"--symbol", true},
                                          {"--limit", true},
                                          {"--cursor", true}});
        if (a.positional.empty()) throw usage_error("which order command?");
        const std::string& sub = a.positional[0];
        using fn = int (*)(session&, const parsed_args&);
        fn f = sub == "place"     ? place
               : sub == "cancel"  ? cancel
               : sub == "replace" ? replace
               : sub == "list"    ? list
               : sub == "show"    ? show
                                  : nullptr;
        if (f == nullptr) throw usage_error("unknown order command \"" + sub + "\"");
        session s(a, true);
        return f(s, a);
    });
}

int cmd_fills(int argc, char** argv) {
    return run_verb(fills_synopsis, [&] {
        const parsed_args a =
            parse_args(argc, argv, 1, {{"--symbol", true}, {"--limit", true}, {"--cursor", true}});
        if (!a.positional.empty()) throw usage_error("fills takes no arguments");
        session s(a, true);
        const auto r = s.call("GET", "/v1/fills" + query({{"symbol", a.get("--symbol")},
                                                          {"limit", a.get("--limit")},
                                                          {"cursor", a.get("--cursor")}}));
        if (!r) return 1;
        if (s.print_json(*r)) return 0;
        table t({{"TRADE", true},
                 {"ORDER", true},
                 {"CONTRACT", true},
                 {"SYMBOL"},
                 {"SIDE"},
                 {"PRICE", true},
                 {"QTY", true},
                 {"LIQUIDITY"},
                 {"FEE", true},
                 {"TIME"}});
        for (const auto& f : r->json) {
            t.add({cell(f, "trade_id"), cell(f, "order_id"), cell(f, "contract_id"),
                   cell(f, "symbol"), cell(f, "side"), cell(f, "price"), cell(f, "qty"),
                   cell(f, "liquidity"), cell(f, "fee"), cell(f, "time")});
        }
        t.print(stdout, "no fills");
        return 0;
    });
}

}  // namespace cux::tools
