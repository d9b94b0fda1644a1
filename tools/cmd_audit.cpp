// `cux audit` and `cux alerts`: the regulator's view (API.md "Regulator"). A regulator's key
// reads the audit trail page by page (or all of it, following next_cursor), exports it as CSV
// for a time range, and lists the surveillance alerts with their evidence. Other keys get the
// server's 403 FORBIDDEN.

#include <cstdio>
#include <string>

#include "tools/cli.hpp"
#include "tools/commands.hpp"

namespace cux::tools {

namespace {

constexpr const char* audit_synopsis =
    "cux audit [--from-seq SEQ | --cursor ROW] [--limit N] [--all] [--quiet-ticks] [--json]\n"
    "       cux audit csv [--from RFC3339] [--to RFC3339] [--cursor ROW] [--limit N] "
    "[--out FILE]\n"
    "  --all follows the pages to the end of what is recorded (at most 1000 pages);\n"
    "  --quiet-ticks leaves out clock ticks that changed nothing (a tick and its command_done)";
constexpr const char* alerts_synopsis =
    "cux alerts [--from-seq SEQ] [--limit N] [--kind wash_trade|layering|capacity_hoarding] "
    "[--json]";

constexpr int pages_max = 1000;

// A row's fields as `k=v` pairs, for one line of the table.
std::string summary(const nlohmann::json& fields) {
    std::string out;
    if (!fields.is_object()) return out;
    for (const auto& [k, v] : fields.items()) {
        if (v.is_null()) continue;
        if (!out.empty()) out += ' ';
        out += k + "=" + cell(v);
    }
    return out.size() > 160 ? out.substr(0, 157) + "..." : out;
}

// A clock tick that did nothing: its row and its command_done, and no other row of its seq.
bool idle_tick(const nlohmann::json& rows, std::size_t i) {
    const auto seq = [&](std::size_t k) { return cell(rows[k], "seq"); };
    const auto type = [&](std::size_t k) { return cell(rows[k], "type"); };
    if (type(i) == "tick") {
        return i + 1 < rows.size() && type(i + 1) == "command_done" && seq(i + 1) == seq(i) &&
               (i + 2 >= rows.size() || seq(i + 2) != seq(i));
    }
    return type(i) == "command_done" && i > 0 && type(i - 1) == "tick" && seq(i - 1) == seq(i) &&
           (i + 1 >= rows.size() || seq(i + 1) != seq(i));
}

void add_rows(table& t, const nlohmann::json& rows, bool quiet_ticks) {
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (quiet_ticks && idle_tick(rows, i)) continue;
        const auto& r = rows[i];
        t.add({cell(r, "row"), cell(r, "seq"), cell(r, "event_seq"), cell(r, "time"),
               cell(r, "type"), cell(r, "participant_id"), cell(r, "reject_reason"),
               summary(r.value("fields", nlohmann::json::object()))});
    }
}

int audit_csv(const parsed_args& a) {
    session s(a, true);
    const auto body = s.call_text("GET", "/v1/audit.csv" + query({{"from", a.get("--from")},
                                                                  {"to", a.get("--to")},
                                                                  {"cursor", a.get("--cursor")},
                                                                  {"limit", a.get("--limit")}}));
    if (!body) return 1;
    if (const auto out = a.get("--out")) {
        std::FILE* f = std::fopen(out->c_str(), "wbx");
        if (f == nullptr) {
            std::fprintf(stderr, "error: cannot create %s (it must not exist)\n", out->c_str());
            return 1;
        }
        const bool ok = std::fwrite(body->data(), 1, body->size(), f) == body->size();
        if (std::fclose(f) != 0 || !ok) {
            std::fprintf(stderr, "error: cannot write %s\n", out->c_str());
            return 1;
        }
        std::size_t lines = 0;
        for (const char c : *body) lines += c == '\n' ? 1 : 0;
        std::printf("wrote %zu rows to %s\n", lines == 0 ? 0 : lines - 1, out->c_str());
        return 0;
    }
    std::fwrite(body->data(), 1, body->size(), stdout);
    return 0;
}

}  // namespace

int cmd_audit(int argc, char** argv) {
    return run_verb(audit_synopsis, [&] {
        const parsed_args a = parse_args(argc, argv, 1,
                                         {{"--from-seq", true},
                                          {"--cursor", true},
                                          {"--limit", true},
                                          {"--all", false},
                                          {"--quiet-ticks", false},
                                          {"--from", true},
                                          {"--to", true},
                                          {"--out", true}});
        if (!a.positional.empty()) {
            if (a.positional.size() != 1 || a.positional[0] != "csv") {
                throw usage_error("expected no arguments or `csv`");
            }
            return audit_csv(a);
        }
        if (a.has("--from") || a.has("--to") || a.has("--out")) {
            throw usage_error("--from, --to and --out are for `cux audit csv`");
        }
        session s(a, true);
        table t({{"ROW", true},
                 {"SEQ", true},
                 {"EVENT", true},
                 {"TIME"},
                 {"TYPE"},
                 {"WHO", true},
                 {"REJECTED"},
                 {"FIELDS"}});
        std::optional<std::string> cursor = a.get("--cursor");
        std::optional<std::string> from_seq = a.get("--from-seq");
        for (int page = 0; page < pages_max; ++page) {
            const auto r = s.call("GET", "/v1/audit" + query({{"from_seq", from_seq},
                                                              {"cursor", cursor},
                                                              {"limit", a.get("--limit")}}));
            if (!r) return 1;
            if (s.print_json(*r)) {
                if (!a.has("--all") || !r->json.value("more", false)) return 0;
            } else {
                add_rows(t, r->json["rows"], a.has("--quiet-ticks"));
            }
            if (!a.has("--all") || !r->json.value("more", false)) {
                if (!s.json_output()) {
                    t.print(stdout, "no audit rows");
                    std::printf("next: --cursor %s (recorded to seq %s)\n",
                                cell(r->json, "next_cursor").c_str(),
                                cell(r->json, "recorded_seq").c_str());
                }
                return 0;
            }
            from_seq.reset();
            cursor = cell(r->json, "next_cursor");
        }
        if (!s.json_output()) t.print(stdout, "no audit rows");
        std::fprintf(stderr, "stopped after %d pages\n", pages_max);
        return 0;
    });
}

int cmd_alerts(int argc, char** argv) {
    return run_verb(alerts_synopsis, [&] {
        const parsed_args a =
            parse_args(argc, argv, 1, {{"--from-seq", true}, {"--limit", true}, {"--kind", true}});
        if (!a.positional.empty()) throw usage_error("alerts takes no arguments");
        session s(a, true);
        const auto r = s.call("GET", "/v1/alerts" + query({{"from_seq", a.get("--from-seq")},
                                                           {"limit", a.get("--limit")},
                                                           {"kind", a.get("--kind")}}));
        if (!r) return 1;
        if (s.print_json(*r)) return 0;
        const auto& list = r->json["alerts"];
        if (list.empty()) std::printf("no alerts\n");
        for (const auto& x : list) {
            const auto& ev = x["evidence"];
            std::string orders;
            for (const auto& o : ev["order_ids"]) orders += (orders.empty() ? "" : ",") + cell(o);
            std::string seqs;
            for (const auto& q : ev["seqs"]) seqs += (seqs.empty() ? "" : ",") + cell(q);
            std::printf("#%s %s %s seq %s: %s\n    orders %s; commands %s\n",
                        cell(x, "seq").c_str(), cell(x, "time").c_str(), cell(x, "kind").c_str(),
                        cell(x, "cmd_seq").c_str(), cell(x, "message").c_str(),
                        orders.empty() ? "-" : orders.c_str(), seqs.c_str());
        }
        if (r->json.value("more", false)) {
            std::printf("more: --from-seq %s\n", cell(r->json, "next_seq").c_str());
        }
        return 0;
    });
}

}  // namespace cux::tools
