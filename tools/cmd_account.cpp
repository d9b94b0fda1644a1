// `cux account`, `cux statement`, `cux contracts [fail ID]`, `cux capacity add|list`,
// `cux withdraw AMOUNT`: a participant's money, contracts and registered capacity (API.md
// "Money" and "Trading"). Each is one signed REST call.

#include <time.h>

#include <cstdio>
#include <string>

#include "tools/cli.hpp"
#include "tools/commands.hpp"

namespace cux::tools {

namespace {

constexpr const char* account_synopsis = "cux account [--json]";
constexpr const char* statement_synopsis =
    "cux statement [--from RFC3339] [--to RFC3339] [--limit N] [--cursor TRANSFER_ID] [--json]";
constexpr const char* contracts_synopsis =
    "cux contracts [--role buyer|seller] [--status open|settled|failed] [--limit N] "
    "[--cursor SEQ] [--json]\n"
    "       cux contracts fail CONTRACT_ID";
constexpr const char* capacity_synopsis =
    "cux capacity add CHIP REGION DEVICES [--from HOUR] [--to HOUR | --hours N] [--json]\n"
    "       cux capacity list [--json]\n"
    "  HOUR is a whole UTC hour in RFC 3339 (2026-12-01T08:00:00Z); --from defaults to the\n"
    "  current hour, --hours to 24";
constexpr const char* withdraw_synopsis = "cux withdraw AMOUNT [--json]";

constexpr int64_t hours_max = 1024;  // the engine's capacity horizon

// "2026-12-01T08:00:00Z" for a whole hour counted from the Unix epoch.
std::string hour_text(int64_t epoch_hour) {
    const time_t t = static_cast<time_t>(epoch_hour * 3600);
    tm u{};
    gmtime_r(&t, &u);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:00:00Z", &u);
    return buf;
}

// Whole hours since the Unix epoch of "YYYY-MM-DDTHH:00:00Z"; usage_error otherwise.
int64_t parse_hour(const std::string& s, const char* what) {
    tm u{};
    const char* end = strptime(s.c_str(), "%Y-%m-%dT%H:00:00Z", &u);
    if (end == nullptr || *end != '\0') {
        throw usage_error(std::string(what) + " must be a whole UTC hour such as " +
                          hour_text(unix_ms() / 3'600'000) + ", not \"" + s + "\"");
    }
    return static_cast<int64_t>(timegm(&u)) / 3600;
}

void print_contracts(const nlohmann::json& list) {
    table t({{"CONTRACT", true},
             {"SYMBOL"},
             {"ROLE"},
             {"PRICE", true},
             {"QTY", true},
             {"COMPUTE", true},
             {"ENERGY", true},
             {"NETWORK", true},
             {"FEES", true},
             {"STATUS"},
             {"WINDOW START"}});
    for (const auto& c : list) {
        const bool buyer = cell(c, "role") == "buyer";
        t.add({cell(c, "contract_id"), cell(c, "symbol"), cell(c, "role"), cell(c, "price"),
               cell(c, "qty"), cell(c, "compute"), cell(c, "energy"), cell(c, "network"),
               cell(c, buyer ? "buyer_fee" : "seller_fee"), cell(c, "status"),
               cell(c, "window_start")});
    }
    t.print(stdout, "no contracts");
}

int contracts_fail(session& s, const std::string& id) {
    if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos) {
        throw usage_error("CONTRACT_ID must be a decimal id, not \"" + id + "\"");
    }
    const auto r = s.call("POST", "/v1/contracts/" + id + "/fail");
    if (!r) return 1;
    if (s.print_json(*r)) return 0;
    const auto& c = r->json;
    std::printf("contract %s %s: %s x %s at %s, the buyer is refunded (seq %s)\n",
                cell(c, "contract_id").c_str(), cell(c, "status").c_str(),
                cell(c, "symbol").c_str(), cell(c, "qty").c_str(), cell(c, "price").c_str(),
                cell(c, "seq").c_str());
    return 0;
}

void print_capacity(const nlohmann::json& list) {
    table t({{"CHIP"}, {"REGION"}, {"DEVICES", true}, {"FROM"}, {"TO"}, {"SEQ", true}});
    for (const auto& c : list) {
        t.add({cell(c, "chip"), cell(c, "region"), cell(c, "devices"), cell(c, "from"),
               cell(c, "to"), cell(c, "seq")});
    }
    t.print(stdout, "no capacity registered");
}

}  // namespace

int cmd_account(int argc, char** argv) {
    return run_verb(account_synopsis, [&] {
        const parsed_args a = parse_args(argc, argv, 1);
        if (!a.positional.empty()) throw usage_error("account takes no arguments");
        session s(a, true);
        const auto r = s.call("GET", "/v1/account");
        if (!r) return 1;
        if (s.print_json(*r)) return 0;
        const auto& j = r->json;
        const std::string cur = " " + cell(j, "currency");
        print_fields(stdout, {{"available", cell(j, "available") + cur},
                              {"held by orders", cell(j, "held_by_orders") + cur},
                              {"escrow", cell(j, "escrow") + cur}});
        return 0;
    });
}

int cmd_statement(int argc, char** argv) {
    return run_verb(statement_synopsis, [&] {
        const parsed_args a =
            parse_args(argc, argv, 1,
                       {{"--from", true}, {"--to", true}, {"--limit", true}, {"--cursor", true}});
        if (!a.positional.empty()) throw usage_error("statement takes no arguments");
        session s(a, true);
        const auto r = s.call("GET", "/v1/statement" + query({{"from", a.get("--from")},
                                                              {"to", a.get("--to")},
                                                              {"limit", a.get("--limit")},
                                                              {"cursor", a.get("--cursor")}}));
        if (!r) return 1;
        if (s.print_json(*r)) return 0;
        table t({{"TIME"},
                 {"KIND"},
                 {"ACCOUNT"},
                 {"AMOUNT", true},
                 {"CONTRACT", true},
                 {"REF", true},
                 {"TRANSFER", true}});
        for (const auto& x : r->json) {
            t.add({cell(x, "time"), cell(x, "kind"), cell(x, "account"), cell(x, "amount"),
                   cell(x, "contract_id"), cell(x, "ref"), cell(x, "transfer_id")});
        }
        t.print(stdout, "no ledger lines yet");
        return 0;
    });
}

int cmd_contracts(int argc, char** argv) {
    return run_verb(contracts_synopsis, [&] {
        const parsed_args a = parse_args(
            argc, argv, 1,
            {{"--role", true}, {"--status", true}, {"--limit", true}, {"--cursor", true}});
        if (!a.positional.empty()) {
            if (a.positional[0] != "fail" || a.positional.size() != 2) {
                throw usage_error("expected no arguments or `fail CONTRACT_ID`");
            }
            session s(a, true);
            return contracts_fail(s, a.positional[1]);
        }
        session s(a, true);
        const auto r = s.call("GET", "/v1/contracts" + query({{"role", a.get("--role")},
                                                              {"status", a.get("--status")},
                                                              {"limit", a.get("--limit")},
                                                              {"cursor", a.get("--cursor")}}));
        if (!r) return 1;
        if (s.print_json(*r)) return 0;
        print_contracts(r->json);
        return 0;
    });
}

int cmd_capacity(int argc, char** argv) {
    return run_verb(capacity_synopsis, [&] {
        const parsed_args a =
            parse_args(argc, argv, 1, {{"--from", true}, {"--to", true}, {"--hours", true}});
        if (a.positional.empty()) throw usage_error("which capacity command?");
        if (a.positional[0] == "list") {
            if (a.positional.size() != 1) throw usage_error("capacity list takes no arguments");
            session s(a, true);
            const auto r = s.call("GET", "/v1/capacity");
            if (!r) return 1;
            if (s.print_json(*r)) return 0;
            print_capacity(r->json);
            return 0;
        }
        if (a.positional[0] != "add" || a.positional.size() != 4) {
            throw usage_error("expected `add CHIP REGION DEVICES` or `list`");
        }
        if (a.has("--to") && a.has("--hours")) throw usage_error("give --to or --hours, not both");
        const int64_t devices = parse_int(a.positional[3], "DEVICES", INT32_MIN, INT32_MAX);
        const int64_t from =
            a.has("--from") ? parse_hour(*a.get("--from"), "--from") : unix_ms() / 3'600'000;
        const int64_t to = a.has("--to") ? parse_hour(*a.get("--to"), "--to")
                                         : from + a.get_int("--hours", 1, hours_max).value_or(24);
        const nlohmann::json body = {{"chip", a.positional[1]},
                                     {"region", a.positional[2]},
                                     {"devices", devices},
                                     {"from", hour_text(from)},
                                     {"to", hour_text(to)}};
        session s(a, true);
        const auto r = s.call("POST", "/v1/capacity", body.dump());
        if (!r) return 1;
        if (s.print_json(*r)) return 0;
        const auto& c = r->json;
        std::printf("registered %s x %s in %s for every hour from %s to %s (seq %s)\n",
                    cell(c, "devices").c_str(), cell(c, "chip").c_str(), cell(c, "region").c_str(),
                    cell(c, "from").c_str(), cell(c, "to").c_str(), cell(c, "seq").c_str());
        return 0;
    });
}

int cmd_withdraw(int argc, char** argv) {
    return run_verb(withdraw_synopsis, [&] {
        const parsed_args a = parse_args(argc, argv, 1);
        if (a.positional.size() != 1) throw usage_error("expected one AMOUNT, e.g. 100.00");
        session s(a, true);
        const nlohmann::json body = {{"amount", a.positional[0]}};
        const auto r = s.call("POST", "/v1/withdrawals", body.dump());
        if (!r) return 1;
        if (s.print_json(*r)) return 0;
        std::printf("withdrew %s CNY: %s CNY available (seq %s)\n", cell(r->json, "amount").c_str(),
                    cell(r->json, "available").c_str(), cell(r->json, "seq").c_str());
        return 0;
    });
}

}  // namespace cux::tools
