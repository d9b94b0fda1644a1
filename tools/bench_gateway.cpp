// `cux bench gateway` (tools/bench_gateway.hpp): the set-up through the REST API, the runs and
// the report.

#include "tools/bench_gateway.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tools/bench_gateway_net.hpp"
#include "tools/bench_gateway_server.hpp"
#include "tools/bench_machine.hpp"
#include "tools/client.hpp"
#include "tools/commands.hpp"
#include "tools/maker.hpp"

namespace cux::tools::bench {

namespace {

using namespace gw;
using json = nlohmann::json;

// Set-up constants (tools/bench_gateway.hpp, "Participants").
constexpr const char* bench_chip = "h100";
constexpr const char* bench_region = "yrd";
constexpr int64_t vendor_devices = 100'000'000;  // the engine's most per registration
constexpr int64_t capacity_hours = 48;           // the listing's hourly horizon
constexpr const char* buyer_deposit = "100000000.00";
constexpr uint32_t connections_max = 256;  // server_options::connections_per_ip_max
constexpr uint32_t depth_max = 64;         // flow_depth_max; the gateway serves 16 at once
constexpr uint32_t resting_per_connection = 16;
constexpr double warmup_s = 1;

int usage() {
    std::fprintf(
        stderr,
        "usage: cux bench gateway [--connections N] [--seconds S] [--rate R] [--insecure-http]\n"
        "                         [--echo] [--depth D] [--books B] [--data DIR] [--keep]\n"
        "  --connections  WebSocket connections, one participant each, 1..256 (default 32)\n"
        "  --seconds      length of each timed run, 1..600 (default 10; each after 1 s warm-up)\n"
        "  --rate         orders/s of the latency run (default: half the throughput run's\n"
        "                 acknowledged rate; 0: no latency run)\n"
        "  --insecure-http  plain WS instead of WSS\n"
        "  --echo         also run the same load against a bare WebSocket echo endpoint\n"
        "  --depth        orders in flight per connection, 1..64 (default 8)\n"
        "  --books        open hourly H100 books in yrd to trade in, 1..8 (default 4)\n"
        "  --data         parent of the run's fresh data directory (default /tmp)\n"
        "  --keep         keep the data directory (its path is printed)\n");
    return 2;
}

struct options {
    uint32_t connections = 32;
    double seconds = 10;
    std::optional<double> rate;
    bool insecure_http = false;
    bool echo = false;
    uint32_t depth = 8;
    uint32_t books = 4;
    std::string data_parent = "/tmp";
    bool keep = false;
};

bool parse_number(std::string_view s, double lo, double hi, double& out) {
    if (s.empty() || s.size() > 20) return false;
    const std::string text(s);
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size() || !(v >= lo && v <= hi)) return false;
    out = v;
    return true;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("bench: cannot read " + path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// The default market with books that open 1 s after listing.
std::string bench_market(const std::string& market_file) {
    std::string text = read_text(market_file);
    const std::string from = "\"pre_open_seconds\": 60";
    const std::size_t at = text.find(from);
    if (at == std::string::npos) {
        throw std::runtime_error("bench: " + market_file + " has no \"pre_open_seconds\": 60");
    }
    text.replace(at, from.size(), "\"pre_open_seconds\": 1");
    return text;
}

// One REST call that must succeed: its parsed body.
json call(http_client& c, std::string_view method, const std::string& target,
          const std::string& body = {}) {
    const http_reply r = c.request(method, target, body);
    if (r.status / 100 != 2) {
        throw std::runtime_error("bench: " + std::string(method) + " " + target + " answered " +
                                 std::to_string(r.status) + ": " + r.body.substr(0, 300));
    }
    return json::parse(r.body);
}

std::string hour_text(int64_t epoch_hour) {
    const auto t = static_cast<time_t>(epoch_hour * 3600);
    tm u{};
    gmtime_r(&t, &u);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:00:00Z", &u);
    return buf;
}

// Seconds since the Unix epoch of "YYYY-MM-DDTHH:MM:SSZ".
int64_t unix_seconds(const json& v) {
    tm u{};
    const std::string text = v.is_string() ? v.get<std::string>() : std::string();
    const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &u);
    if (end == nullptr || *end != '\0') {
        throw std::runtime_error("bench: unreadable time: " + v.dump());
    }
    return static_cast<int64_t>(timegm(&u));
}

int64_t fen_of(const json& v, const char* what) {
    int64_t fen = 0;
    if (!v.is_string() || !parse_fen(v.get<std::string>(), fen)) {
        throw std::runtime_error(std::string("bench: unreadable ") + what + ": " + v.dump());
    }
    return fen;
}

// The participants, one per connection, and the books they trade in.
std::vector<flow_config> set_up_market(const options& o, const client_options& admin_opts) {
    http_client admin(admin_opts);
    // The tick of the chip, then the first `books` open hourly books (they open 1 s after the
    // clock lists them).
    int64_t tick_fen = 0;
    const json reference = call(admin, "GET", "/v1/reference");
    for (const json& c : reference.at("chips")) {
        if (c.at("id") == bench_chip) tick_fen = fen_of(c.at("tick"), "tick");
    }
    if (tick_fen <= 0) throw std::runtime_error("bench: the market has no h100 chip");
    // Both runs on both endpoints, their warm-ups and set-up, with a margin.
    const auto run_span_s = static_cast<int64_t>(4 * (o.seconds + warmup_s + 15) + 120);
    std::vector<book_spec> books;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (books.size() < o.books) {
        if (std::chrono::steady_clock::now() > until) {
            throw std::runtime_error("bench: fewer than " + std::to_string(o.books) +
                                     " open hourly h100 books in yrd after 30 s");
        }
        books.clear();
        const json list = call(admin, "GET",
                               std::string("/v1/instruments?chip=") + bench_chip +
                                   "&region=" + bench_region + "&status=open");
        for (const json& in : list) {
            // A book whose gate closes during the runs would refuse their orders part way.
            if (in.at("tenor") != "1h" || books.size() >= o.books ||
                unix_seconds(in.at("gate_closure")) < unix_ms() / 1000 + run_span_s) {
                continue;
            }
            books.push_back(book_spec{in.at("symbol").get<std::string>(),
                                      fen_of(in.at("reference_price"), "reference_price"),
                                      tick_fen});
        }
        if (books.size() < o.books) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }

    const int64_t hour = unix_ms() / 3'600'000;
    std::vector<flow_config> flows;
    for (uint32_t i = 0; i < o.connections; ++i) {
        flow_config f;
        f.index = i;
        f.sells = i % 2 == 0;
        const std::string name =
            std::string(f.sells ? "bench-vendor-" : "bench-buyer-") + std::to_string(i);
        const json who = call(
            admin, "POST", "/v1/admin/participants",
            json{{"name", name}, {"roles", json::array({f.sells ? "vendor" : "buyer"})}}.dump());
        f.key = who.at("key").get<std::string>();
        f.secret = who.at("secret").get<std::string>();
        if (f.sells) {
            client_options vo = admin_opts;
            vo.key = f.key;
            vo.secret = f.secret;
            http_client vendor(vo);
            call(vendor, "POST", "/v1/capacity",
                 json{{"chip", bench_chip},
                      {"region", bench_region},
                      {"devices", vendor_devices},
                      {"from", hour_text(hour)},
                      {"to", hour_text(hour + capacity_hours)}}
                     .dump());
        } else {
            call(admin, "POST", "/v1/admin/deposits",
                 json{{"participant_id", who.at("participant_id")}, {"amount", buyer_deposit}}
                     .dump());
        }
        f.books = books;
        f.seed = i + 1;
        f.depth = o.depth;
        f.resting_max = resting_per_connection;
        flows.push_back(std::move(f));
    }
    return flows;
}

// ---- printing --------------------------------------------------------------------------------

double per_s(uint64_t n, double s) { return s > 0 ? static_cast<double>(n) / s : 0; }

std::string ms3(int64_t ns) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ns) / 1e6);
    return buf;
}

std::string latency_text(const latency_histogram& h) {
    if (h.count() == 0) return "no samples";
    return "p50 " + ms3(h.quantile_ns(0.50)) + "  p99 " + ms3(h.quantile_ns(0.99)) + "  p99.9 " +
           ms3(h.quantile_ns(0.999)) + "  max " + ms3(h.max_ns()) + " ms (" +
           std::to_string(h.count()) + " samples)";
}

uint64_t acked(const run_counters& c) { return c.acked_orders + c.acked_cancels; }

void print_run(const char* label, const run_outcome& r, bool rate_run, bool echo) {
    const run_counters& c = r.counters;
    const double w = c.window_s;
    std::printf("%-10s %.0f acknowledged/s (orders %.0f/s + cancels %.0f/s) over %.2f s", label,
                per_s(acked(c), w), per_s(c.acked_orders, w), per_s(c.acked_cancels, w), w);
    std::printf("; rejected %.0f/s\n", per_s(c.rejected, w));
    std::printf("           sent %llu orders + %llu cancels in the window",
                static_cast<unsigned long long>(c.sent_orders),
                static_cast<unsigned long long>(c.sent_cancels));
    if (!echo && c.acked_orders > 0) {
        std::printf(
            "; %.1f%% of acknowledged orders traded on entry",
            100.0 * static_cast<double>(c.filled_at_entry) / static_cast<double>(c.acked_orders));
    }
    const uint64_t replies = acked(c) + c.rejected;
    std::printf(
        "; messages %.0f B out, %.0f B back on average\n",
        c.sent_orders + c.sent_cancels == 0
            ? 0.0
            : static_cast<double>(c.bytes_sent) /
                  static_cast<double>(c.sent_orders + c.sent_cancels),
        replies == 0 ? 0.0 : static_cast<double>(c.bytes_received) / static_cast<double>(replies));
    std::printf("           order->ack latency (write started to reply read): %s\n",
                latency_text(c.latency).c_str());
    if (rate_run) {
        std::printf("           from the time each order fell due (open loop):   %s\n",
                    latency_text(c.from_due).c_str());
        std::printf("           sends late by: %s; due but never sent: %llu\n",
                    latency_text(c.send_lag).c_str(),
                    static_cast<unsigned long long>(c.dropped_due));
    }
    if (!c.reject_codes.empty()) {
        std::printf("           rejects by code:");
        for (const auto& [code, n] : c.reject_codes) {
            std::printf(" %s %llu", code.c_str(), static_cast<unsigned long long>(n));
        }
        std::printf("\n");
    }
    std::printf(
        "           cpu in the window: generator thread %.2f cores, whole process %.2f "
        "cores (of %ld)\n",
        w > 0 ? c.generator_cpu_s / w : 0.0, w > 0 ? c.process_cpu_s / w : 0.0,
        sysconf(_SC_NPROCESSORS_ONLN));
    if (c.unanswered > 0) {
        std::printf("           %llu requests still unanswered when the drain gave up\n",
                    static_cast<unsigned long long>(c.unanswered));
    }
    if (!r.failure.empty()) std::printf("           FAILED: %s\n", r.failure.c_str());
}

struct full_results {
    run_outcome throughput;
    std::optional<run_outcome> latency;
    double rate = 0;
};

int run_bench(const options& o, const std::string& market_file, const std::string& dir) {
    const std::string load_before = load_average();
    const bool tls = !o.insecure_http;
    const char* scheme = tls ? "wss" : "ws";

    std::printf(
        "cux bench gateway: %s, %u connections x %u in flight, %u books, %.0f s runs "
        "after %.0f s warm-up\n",
        scheme, o.connections, o.depth, o.books, o.seconds, warmup_s);
    std::printf("machine    %s; load %s before\n", machine_summary().c_str(), load_before.c_str());
    std::fflush(stdout);

    full_results full;
    std::optional<full_results> echo;
    std::string problem;
    uint64_t commands_before = 0;
    uint64_t fsyncs_before = 0;
    std::vector<flow_config> flows;
    std::vector<std::string> symbols;
    {
        bench_server server(dir, bench_market(market_file), o.insecure_http);
        const json creds = json::parse(read_text(server.admin_credentials_path()));
        client_options admin;
        admin.url = creds.at("url").get<std::string>();
        admin.key = creds.at("key").get<std::string>();
        admin.secret = creds.at("secret").get<std::string>();
        if (tls) admin.cacert = dir + "/cert.pem";
        flows = set_up_market(o, admin);
        for (const book_spec& b : flows.front().books) symbols.push_back(b.symbol);
        std::printf(
            "server     in-process as `cux serve` runs it at %s (data %s, %s): journal "
            "fdatasync, ledger synchronous=FULL; per-key rate limit raised; books open "
            "1 s after listing\n",
            server.url().c_str(), dir.c_str(), fs_type(dir).c_str());
        std::printf("market     %u vendors and %u buyers (one per connection) in",
                    (o.connections + 1) / 2, o.connections / 2);
        for (const std::string& s : symbols) std::printf(" %s", s.c_str());
        std::printf("\n");
        std::fflush(stdout);

        endpoint_spec at;
        at.port = server.port();
        at.tls = tls;
        if (tls) at.cacert = dir + "/cert.pem";
        load_harness h(at, flows);
        h.connect();
        const server_figures f0 = server.figures();
        commands_before = f0.commands;
        fsyncs_before = f0.fsyncs;

        run_plan p;
        p.label = std::string("full path ") + scheme + ", throughput";
        p.warmup_s = warmup_s;
        p.measure_s = o.seconds;
        p.progress = true;
        full.throughput = h.run(p);
        print_run("full path", full.throughput, false, false);
        const server_figures f1 = server.figures();
        std::printf(
            "           journal: %llu commands in %llu fdatasyncs (%.1f per sync) "
            "since the connections opened\n",
            static_cast<unsigned long long>(f1.commands - commands_before),
            static_cast<unsigned long long>(f1.fsyncs - fsyncs_before),
            f1.fsyncs == fsyncs_before ? 0.0
                                       : static_cast<double>(f1.commands - commands_before) /
                                             static_cast<double>(f1.fsyncs - fsyncs_before));
        const auto t0 = std::chrono::steady_clock::now();
        const bool caught_up = server.wait_ledger(60);
        const double ledger_wait_s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::printf("           ledger %s %.2f s after the run (%llu events behind at its end)\n",
                    caught_up ? "caught up" : "had NOT caught up", ledger_wait_s,
                    static_cast<unsigned long long>(f1.events - f1.ledger_committed));
        std::fflush(stdout);

        full.rate = o.rate ? *o.rate
                           : std::floor(per_s(acked(full.throughput.counters),
                                              full.throughput.counters.window_s) /
                                        2);
        if (full.throughput.failure.empty() && full.rate > 0) {
            p.label = std::string("full path ") + scheme + ", fixed rate";
            p.rate_per_s = full.rate;
            full.latency = h.run(p);
            std::printf("at %.0f/s  (%s)\n", full.rate,
                        o.rate ? "--rate" : "half the throughput run's acknowledged rate");
            print_run("full path", *full.latency, true, false);
            server.wait_ledger(60);
        }
        h.close();
        problem = server.problem();
        server.stop();
    }

    if (o.echo && full.throughput.failure.empty()) {
        const run_counters& c = full.throughput.counters;
        const uint64_t replies = acked(c) + c.rejected;
        const std::size_t reply_bytes =
            replies == 0 ? 0 : static_cast<std::size_t>(c.bytes_received / replies);
        echo_server es(tls, dir + "/cert.pem", dir + "/key.pem", 2, reply_bytes);
        std::vector<flow_config> echo_flows = flows;
        for (flow_config& f : echo_flows) f.echo = true;
        endpoint_spec at;
        at.port = es.port();
        at.tls = tls;
        if (tls) at.cacert = dir + "/cert.pem";
        load_harness h(at, echo_flows);
        h.connect();
        echo.emplace();
        run_plan p;
        p.label = std::string("echo ") + scheme + ", throughput";
        p.warmup_s = warmup_s;
        p.measure_s = o.seconds;
        p.progress = true;
        echo->throughput = h.run(p);
        std::printf(
            "echo       a bare Beast WebSocket echo in-process (2 threads), replies "
            "padded to %zu B\n",
            reply_bytes);
        print_run("echo", echo->throughput, false, true);
        echo->rate = full.rate;
        if (echo->throughput.failure.empty() && full.rate > 0) {
            p.label = std::string("echo ") + scheme + ", fixed rate";
            p.rate_per_s = full.rate;
            echo->latency = h.run(p);
            std::printf("at %.0f/s  (the full path's latency rate)\n", full.rate);
            print_run("echo", *echo->latency, true, true);
        }
        h.close();
    }

    std::printf("machine    load %s after\n", load_average().c_str());
    if (!problem.empty()) std::printf("server     PROBLEM: %s\n", problem.c_str());

    // The goals of issue 4, next to what was measured.
    const auto verdict = [](bool ok) { return ok ? "met" : "NOT met"; };
    const double full_rate =
        per_s(acked(full.throughput.counters), full.throughput.counters.window_s);
    const double goal_rate = tls ? 35'000 : 60'000;
    std::printf("goal       %s >= %.0fk acknowledged orders/s (orders + cancels): %.0f/s, %s\n",
                scheme, goal_rate / 1000, full_rate, verdict(full_rate >= goal_rate));
    if (full.latency) {
        const int64_t p99 = full.latency->counters.latency.quantile_ns(0.99);
        const int64_t p99_due = full.latency->counters.from_due.quantile_ns(0.99);
        std::printf(
            "goal       p99 <= 2 ms at %.0f/s: %s ms from the write, %s; %s ms from the "
            "due time, %s\n",
            full.rate, ms3(p99).c_str(), verdict(p99 <= 2'000'000), ms3(p99_due).c_str(),
            verdict(p99_due <= 2'000'000));
    }
    if (echo) {
        const double echo_rate =
            per_s(acked(echo->throughput.counters), echo->throughput.counters.window_s);
        const double ratio = echo_rate > 0 ? full_rate / echo_rate : 0;
        std::printf("ratio      full path = %.0f%% of echo (%.0f/s vs %.0f/s)\n", 100 * ratio,
                    full_rate, echo_rate);
        std::printf("goal       >= 70%% of echo: %s\n", verdict(ratio >= 0.7));
    }
    std::printf("data       %s\n", o.keep ? (dir + " (kept)").c_str() : "removed");
    const bool failed = !full.throughput.failure.empty() ||
                        (full.latency && !full.latency->failure.empty()) ||
                        (echo && !echo->throughput.failure.empty()) || !problem.empty();
    return failed ? 1 : 0;
}

}  // namespace

int cmd_bench_gateway(int argc, char** argv, const std::string& market_file) {
    options o;
    for (int i = 2; i < argc; ++i) {
        const std::string_view a = argv[i];
        const bool has_value = i + 1 < argc;
        double v = 0;
        if (a == "--connections" && has_value) {
            if (!parse_number(argv[++i], 1, connections_max, v)) return usage();
            o.connections = static_cast<uint32_t>(v);
        } else if (a == "--seconds" && has_value) {
            if (!parse_number(argv[++i], 1, 600, v)) return usage();
            o.seconds = v;
        } else if (a == "--rate" && has_value) {
            if (!parse_number(argv[++i], 0, 10'000'000, v)) return usage();
            o.rate = v;
        } else if (a == "--depth" && has_value) {
            if (!parse_number(argv[++i], 1, depth_max, v)) return usage();
            o.depth = static_cast<uint32_t>(v);
        } else if (a == "--books" && has_value) {
            if (!parse_number(argv[++i], 1, 8, v)) return usage();
            o.books = static_cast<uint32_t>(v);
        } else if (a == "--data" && has_value) {
            o.data_parent = argv[++i];
        } else if (a == "--insecure-http") {
            o.insecure_http = true;
        } else if (a == "--echo") {
            o.echo = true;
        } else if (a == "--keep") {
            o.keep = true;
        } else if (a == "--help") {
            usage();
            return 0;
        } else {
            return usage();
        }
    }
    std::error_code ec;
    std::filesystem::create_directories(o.data_parent, ec);
    std::string dir = o.data_parent + "/cux-bench-gateway-XXXXXX";
    if (::mkdtemp(dir.data()) == nullptr) {
        std::fprintf(stderr, "cux bench gateway: cannot create a directory in %s\n",
                     o.data_parent.c_str());
        return 1;
    }
    int code = 1;
    try {
        code = run_bench(o, market_file, dir);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "cux bench gateway: %s\n", e.what());
    }
    if (!o.keep) std::filesystem::remove_all(dir, ec);
    return code;
}

}  // namespace cux::tools::bench
