// `cux job submit`: a buyer's job order (API.md POST /v1/jobs). The exchange prices every chip x
// region delivered (compute + energy + network + fees) and buys from the cheapest within the
// job's constraints; this prints its route report and fills. One signed REST call.

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tools/cli.hpp"
#include "tools/commands.hpp"

namespace cux::tools {

namespace {

constexpr const char* job_synopsis =
    "cux job submit (--chips C[,C...] | --min-tflops N [--min-memory-gb N])\n"
    "               (--qty N | --pflops X) --start HOUR|+N --hours N --origin REGION\n"
    "               --max-price P [--data-gb N] [--max-rtt-ms N] [--regions R[,R...]]\n"
    "               [--min-green SHARE] [--split] [--tif ioc|fok] [--dry-run]\n"
    "               [--client-order-id ID] [--json]\n"
    "  HOUR is a whole UTC hour in RFC 3339 (2026-12-01T08:00:00Z), or +N: N hours after the\n"
    "  current one. --max-price is per device-hour (per PFLOPS-hour with --pflops). Prints the\n"
    "  route report (every candidate, cheapest delivered first, with why the others cannot take\n"
    "  the job) and the fills; exits 1 when nothing was (or would be) bought.\n"
    "  (and --url/--key/--secret/--config/--cacert/--insecure, see `cux help`)";

// "a,b" -> ["a","b"]; empty items are a usage error.
nlohmann::json id_list(const std::string& text, const char* what) {
    nlohmann::json list = nlohmann::json::array();
    std::size_t at = 0;
    while (at <= text.size()) {
        const std::size_t comma = std::min(text.find(',', at), text.size());
        const std::string item = text.substr(at, comma - at);
        if (item.empty()) throw usage_error(std::string(what) + " must be ids separated by commas");
        list.push_back(item);
        at = comma + 1;
    }
    return list;
}

// A plain decimal ("4", "0.5", "38.6") as a JSON number; the server judges its range and places.
nlohmann::json decimal(const std::string& text, const char* what) {
    const std::size_t dot = text.find('.');
    const std::string whole = text.substr(0, dot);
    const std::string frac = dot == std::string::npos ? "" : text.substr(dot + 1);
    const bool digits =
        !whole.empty() && whole.size() <= 15 &&
        whole.find_first_not_of("0123456789") == std::string::npos &&
        (dot == std::string::npos ||
         (!frac.empty() && frac.find_first_not_of("0123456789") == std::string::npos));
    if (!digits)
        throw usage_error(std::string(what) + " must be a decimal number, not \"" + text + "\"");
    if (dot == std::string::npos) return std::stoll(whole);
    return std::strtod(text.c_str(), nullptr);
}

// "+N": the start of the Nth hour after the current one, else the text as given.
std::string start_arg(const std::string& text) {
    if (!text.starts_with("+")) return text;
    const int64_t n = parse_int(std::string_view(text).substr(1), "--start +N", 0, 10'000);
    const int64_t hour = unix_ms() / 3'600'000 + n;
    const time_t t = static_cast<time_t>(hour * 3600);
    tm u{};
    gmtime_r(&t, &u);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:00:00Z", &u);
    return buf;
}

nlohmann::json request_body(const parsed_args& a) {
    nlohmann::json body = nlohmann::json::object();
    if (const auto v = a.get("--chips")) body["chips"] = id_list(*v, "--chips");
    if (const auto v = a.get("--min-tflops")) body["min_tflops"] = decimal(*v, "--min-tflops");
    if (const auto v = a.get_int("--min-memory-gb", INT32_MIN, INT32_MAX)) {
        body["min_memory_gb"] = *v;
    }
    if (body.empty()) throw usage_error("which chips? --chips, or --min-tflops/--min-memory-gb");
    if (a.has("--qty") == a.has("--pflops")) throw usage_error("give --qty or --pflops (one)");
    if (const auto v = a.get_int("--qty", INT32_MIN, INT32_MAX)) body["qty"] = *v;
    if (const auto v = a.get("--pflops")) body["pflops"] = decimal(*v, "--pflops");
    for (const char* required : {"--start", "--hours", "--origin", "--max-price"}) {
        if (!a.has(required)) throw usage_error(std::string(required) + " is required");
    }
    body["start"] = start_arg(*a.get("--start"));
    body["hours"] = *a.get_int("--hours", INT32_MIN, INT32_MAX);
    body["origin_region"] = *a.get("--origin");
    body["max_delivered_price"] = *a.get("--max-price");
    if (const auto v = a.get_int("--data-gb", INT64_MIN, INT64_MAX)) body["data_gb"] = *v;
    if (const auto v = a.get("--max-rtt-ms")) body["max_rtt_ms"] = decimal(*v, "--max-rtt-ms");
    if (const auto v = a.get("--regions")) body["allowed_regions"] = id_list(*v, "--regions");
    if (const auto v = a.get("--min-green")) body["min_green_share"] = decimal(*v, "--min-green");
    if (a.has("--split")) body["split"] = true;
    if (const auto v = a.get("--tif")) body["tif"] = *v;
    if (a.has("--dry-run")) body["dry_run"] = true;
    if (const auto v = a.get("--client-order-id")) body["client_order_id"] = *v;
    return body;
}

void print_report(const nlohmann::json& j) {
    const bool dry = j.value("dry_run", false);
    const std::string status = cell(j, "status");
    const nlohmann::json& totals = j.contains("totals") ? j.at("totals") : nlohmann::json();
    const std::string outcome = dry && status != "unfilled" ? "would be " + status : status;
    std::printf("job %s%s %s", cell(j, "job_id").c_str(), dry ? " (dry run)" : "", outcome.c_str());
    if (status == "unfilled") {
        const nlohmann::json& r = j.contains("reason") ? j.at("reason") : nlohmann::json();
        std::printf(": %s: %s\n", cell(r, "code").c_str(), cell(r, "message").c_str());
    } else {
        std::printf(
            ": %s devices for %s h from %s, %s CNY delivered (compute %s + energy %s + "
            "network %s + fees %s)\n",
            cell(j, "devices").c_str(), cell(j, "hours").c_str(), cell(j, "start").c_str(),
            cell(totals, "delivered").c_str(), cell(totals, "compute").c_str(),
            cell(totals, "energy").c_str(), cell(totals, "network").c_str(),
            cell(totals, "fees").c_str());
    }
    std::printf("\nroute, CNY per %s:\n",
                cell(j, "unit") == "pflops_hour" ? "PFLOPS-hour" : "device-hour");
    table route({{"CHIP"},
                 {"REGION"},
                 {"RANK", true},
                 {"ASK", true},
                 {"ENERGY", true},
                 {"NETWORK", true},
                 {"FEES", true},
                 {"DELIVERED", true},
                 {"TAKEN", true},
                 {"WHY"}});
    if (j.contains("route") && j.at("route").is_array()) {
        for (const auto& c : j.at("route")) {
            const bool taken = c.value("taken", 0) > 0;
            std::string why = c.value("eligible", false)
                                  ? (taken ? (dry ? "would buy" : "bought") : "eligible")
                                  : cell(c, "reason");
            route.add({cell(c, "chip"), cell(c, "region"), cell(c, "rank"), cell(c, "ask"),
                       cell(c, "energy"), cell(c, "network"), cell(c, "fees"), cell(c, "delivered"),
                       cell(c, "taken"), why});
        }
    }
    route.print(stdout, "no candidates");
    if (j.contains("fills") && j.at("fills").is_array() && !j.at("fills").empty()) {
        std::printf("\nfills:\n");
        table fills({{"TRADE", true},
                     {"SYMBOL"},
                     {"PRICE", true},
                     {"QTY", true},
                     {"COMPUTE", true},
                     {"ENERGY", true},
                     {"NETWORK", true},
                     {"FEE", true},
                     {"CARRIER"}});
        for (const auto& f : j.at("fills")) {
            fills.add({cell(f, "trade_id"), cell(f, "symbol"), cell(f, "price"), cell(f, "qty"),
                       cell(f, "compute"), cell(f, "energy"), cell(f, "network"), cell(f, "fee"),
                       cell(f, "carrier")});
        }
        fills.print(stdout, "");
    }
}

}  // namespace

int cmd_job(int argc, char** argv) {
    return run_verb(job_synopsis, [&] {
        const parsed_args a = parse_args(argc, argv, 1,
                                         {{"--chips", true},
                                          {"--min-tflops", true},
                                          {"--min-memory-gb", true},
                                          {"--qty", true},
                                          {"--pflops", true},
                                          {"--start", true},
                                          {"--hours", true},
                                          {"--origin", true},
                                          {"--data-gb", true},
                                          {"--max-rtt-ms", true},
                                          {"--regions", true},
                                          {"--min-green", true},
                                          {"--max-price", true},
                                          {"--split", false},
                                          {"--tif", true},
                                          {"--dry-run", false},
                                          {"--client-order-id", true}});
        if (a.positional.empty()) throw usage_error("which job command? (submit)");
        if (a.positional[0] != "submit") {
            throw usage_error("unknown job command \"" + a.positional[0] + "\"");
        }
        if (a.positional.size() != 1) throw usage_error("job submit takes options only");
        const nlohmann::json body = request_body(a);
        session s(a, true);
        const auto r = s.call("POST", "/v1/jobs", body.dump());
        if (!r) return 1;
        const bool unfilled = cell(r->json, "status") == "unfilled";
        if (!s.print_json(*r)) print_report(r->json);
        return unfilled ? 1 : 0;
    });
}

}  // namespace cux::tools
