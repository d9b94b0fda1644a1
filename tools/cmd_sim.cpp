// `cux sim`: the simulated market (tools/sim.hpp) against a live server, with the admin's
// credentials (it creates its own participants and deposits), or `--plan N` to print the agents
// and the first N choices of a seed without a server.

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <sstream>
#include <string>

#include "gateway/market_file.hpp"
#include "tools/cli.hpp"
#include "tools/commands.hpp"
#include "tools/sim.hpp"

namespace cux::tools {

namespace {

constexpr const char* sim_synopsis =
    "cux sim [--agents N] [--rate R] [--seconds S] [--seed X] [--chips C,C] [--window-hours N]\n"
    "        [--prefix NAME] [--quiet] [--verbose] [--json] --config ADMIN_CREDENTIALS\n"
    "cux sim --plan N [--agents N] [--seed X] [--chips C,C] [--window-hours N] [--market FILE]\n"
    "  Vendors (40% of the agents, east and west hubs alternating) register capacity and post\n"
    "  asks above their energy-driven cost; enterprises with data in the eastern hubs submit\n"
    "  job orders (latency-bound, data-heavy or batch) and bids. R actions per second (default\n"
    "  10) for S seconds (default 30; 0: until Ctrl-C); the same seed makes the same choices.\n"
    "  Prints a summary (orders, trades, volume, where the jobs ran and why); exits 1 when a\n"
    "  request failed in a way a correct client never sees (5xx, bad request, transport).\n"
    "  The admin's key creates the participants (<prefix>v1.., <prefix>e1..) and deposits.\n"
    "  (and --url/--key/--secret/--config/--cacert/--insecure, see `cux help`)";

std::atomic<bool> stop_requested{false};

void on_stop_signal(int) { stop_requested.store(true); }

std::vector<std::string> split_list(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream in(s);
    std::string item;
    while (std::getline(in, item, ',')) {
        if (item.empty()) throw usage_error("empty item in \"" + s + "\"");
        out.push_back(item);
    }
    if (out.empty()) throw usage_error("empty list");
    return out;
}

// `--plan N`: the agents and the first N actions for the seed, from the market file alone.
int print_plan(const parsed_args& a, int64_t actions, uint64_t seed, int agents, int window) {
    const std::string path = a.get("--market").value_or(default_market_path());
    const engine::market_config m = gateway::load_market_file(path);
    sim_market_shape shape;
    for (const auto& r : m.regions) shape.region_west.push_back(r.west);
    shape.chips = a.get("--chips") ? split_list(*a.get("--chips")).size() : 2;
    shape.window_hours = window;
    sim_plan plan(seed, agents, shape);
    for (const sim_agent& x : plan.agents()) {
        std::printf("%s (%s)\n", sim_plan::describe(x).c_str(), m.regions.at(x.region).id.c_str());
    }
    for (int64_t i = 0; i < actions; ++i)
        std::printf("%s\n", sim_plan::describe(plan.next()).c_str());
    return 0;
}

}  // namespace

int cmd_sim(int argc, char** argv) {
    return run_verb(sim_synopsis, [&] {
        const parsed_args a = parse_args(argc, argv, 1,
                                         {{"--agents", true},
                                          {"--rate", true},
                                          {"--seconds", true},
                                          {"--seed", true},
                                          {"--chips", true},
                                          {"--window-hours", true},
                                          {"--prefix", true},
                                          {"--plan", true},
                                          {"--market", true},
                                          {"--quiet", false},
                                          {"--verbose", false}});
        if (!a.positional.empty()) throw usage_error("sim takes options only");
        const int agents = static_cast<int>(a.get_int("--agents", 3, 1000).value_or(12));
        const uint64_t seed = static_cast<uint64_t>(a.get_int("--seed", 0, INT64_MAX).value_or(1));
        const int window = static_cast<int>(a.get_int("--window-hours", 1, 24).value_or(4));
        if (const auto n = a.get_int("--plan", 0, 1'000'000)) {
            return print_plan(a, *n, seed, agents, window);
        }
        sim_options o;
        o.admin = resolve_client_options(a, true);
        o.agents = agents;
        o.seed = seed;
        o.window_hours = window;
        o.seconds = static_cast<int>(a.get_int("--seconds", 0, 86'400 * 365).value_or(30));
        if (const auto r = a.get("--rate")) {
            char* end = nullptr;
            o.rate = std::strtod(r->c_str(), &end);
            if (end == r->c_str() || *end != '\0' || !(o.rate >= 0.1 && o.rate <= 1000)) {
                throw usage_error("--rate must be a number of actions per second in [0.1, 1000]");
            }
        }
        if (const auto c = a.get("--chips")) o.chips = split_list(*c);
        o.name_prefix = a.get("--prefix").value_or("");
        o.progress = !a.has("--quiet") && ::isatty(2) == 1;
        o.verbose = a.has("--verbose");

        struct sigaction sa {};
        sa.sa_handler = on_stop_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, nullptr);
        sigaction(SIGTERM, &sa, nullptr);

        if (!a.has("--quiet")) {
            std::fprintf(
                stderr, "sim: %d agents, %.1f actions/s, %s, seed %llu on %s\n", agents, o.rate,
                o.seconds == 0 ? "until Ctrl-C" : (std::to_string(o.seconds) + " s").c_str(),
                static_cast<unsigned long long>(seed), o.admin.url.c_str());
        }
        sim s(o);
        sim_summary sum;
        std::string error;
        if (!s.run(stop_requested, sum, error)) {
            std::fprintf(stderr, "error: %s\n", error.c_str());
            return 1;
        }
        const std::string text =
            a.has("--json") ? sim_summary_json(sum) + "\n" : sim_summary_text(sum);
        std::fwrite(text.data(), 1, text.size(), stdout);
        return sum.unexpected == 0 ? 0 : 1;
    });
}

}  // namespace cux::tools
