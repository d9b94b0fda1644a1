#pragma once
// The private parts of `cux sim` (tools/sim.hpp) shared by its files: the reference data it
// reads and the run's state (API calls go through tools/api_call.hpp, shared with the maker).
// tools/sim_run.cpp sets up, runs the loop and reads the tape; tools/sim_agents.cpp turns each
// action into API calls and tallies them.
// Threads: as sim.hpp says; everything here is the run thread's except the tape counters and
// the subscription list (guarded by `mu`), which the reader thread shares.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "tools/api_call.hpp"
#include "tools/cli.hpp"
#include "tools/format.hpp"
#include "tools/maker.hpp"
#include "tools/sim.hpp"

namespace cux::tools::sim_detail {

using json = nlohmann::json;
using steady = std::chrono::steady_clock;

inline constexpr int64_t capacity_hours_ahead = 48;
inline constexpr std::size_t vendor_open_asks_max = 24;
inline constexpr std::size_t enterprise_open_bids_max = 3;
inline constexpr std::size_t stream_channels_per_connection = 64;  // the gateway's limit
inline constexpr auto refresh_every = std::chrono::seconds(10);
inline constexpr auto gate_margin =
    std::chrono::seconds(90);  // no new order this close to gate closure
inline constexpr int64_t max_rtt_latency_ms = 5;
inline constexpr std::size_t unexpected_samples_max = 8;
inline constexpr const char* deposit_amount = "1000000.00";

// Rejections that a market produces in the normal course of things: a book closed or sold out,
// a vendor at its capacity, a job with no route, an order already filled when cancelled.
inline bool expected_code(const std::string& code) {
    static const std::set<std::string> codes = {"INSUFFICIENT_CAPACITY",
                                                "INSUFFICIENT_FUNDS",
                                                "MARKET_CLOSED",
                                                "NOT_ALLOWED_IN_PHASE",
                                                "NO_ROUTE",
                                                "NO_LIQUIDITY",
                                                "NOT_FOUND",
                                                "PRICE_OUT_OF_BAND",
                                                "RATE_LIMITED",
                                                "OPEN_ORDER_LIMIT",
                                                "BOOK_ORDER_LIMIT",
                                                "UNKNOWN_INSTRUMENT",
                                                "POST_ONLY_WOULD_CROSS"};
    return codes.contains(code);
}

inline int64_t fen_of(const json& obj, const char* key) {
    int64_t fen = 0;
    if (!obj.is_object() || !obj.contains(key) || !obj.at(key).is_string()) return 0;
    std::string text = obj.at(key).get<std::string>();
    const bool neg = text.starts_with("-");
    if (neg) text.erase(0, 1);
    if (!parse_fen(text, fen)) return 0;
    return neg ? -fen : fen;
}

inline int64_t int_of(const json& obj, const char* key) {
    if (!obj.is_object() || !obj.contains(key) || !obj.at(key).is_number_integer()) return 0;
    return obj.at(key).get<int64_t>();
}

// The region id of a symbol "chip.region.YYYYMMDDTHH.tenor".
inline std::string region_of(const std::string& symbol) {
    const std::size_t a = symbol.find('.');
    const std::size_t b = a == std::string::npos ? a : symbol.find('.', a + 1);
    return b == std::string::npos ? std::string() : symbol.substr(a + 1, b - a - 1);
}

struct chip_ref {
    std::string id;
    int64_t typical_fen = 0;
    int64_t tick_fen = 1;
    int64_t power_w = 0;
    int64_t gflops = 0;
};

struct region_ref {
    std::string id;
    bool west = false;
    int64_t pue_milli = 1000;
    std::vector<int64_t> tariff_milli;  // per local hour, milli-CNY per kWh
};

struct book_ref {
    std::string symbol;
    int64_t ref_fen = 0;
    int64_t low_fen = 0;
    int64_t high_fen = 0;
    bool open = false;  // continuous trading (else pre_open: only resting orders make sense)
    int64_t gate_ms = 0;
};

}  // namespace cux::tools::sim_detail

namespace cux::tools {

// A private header, included by the sim's own files only.
using namespace sim_detail;

struct sim::state {
    sim_options o;
    std::unique_ptr<http_client> admin;
    std::unique_ptr<http_client> pub;
    std::vector<chip_ref> all_chips;
    std::vector<std::size_t> chips;  // the sim's, indices into all_chips
    std::vector<region_ref> regions;
    int utc_offset_hours = 8;
    std::unique_ptr<sim_plan> plan;

    struct agent_state {
        std::string name;
        std::string participant_id;
        std::unique_ptr<http_client> http;
        std::deque<std::string> resting;  // its GTC orders that may still rest, oldest first
        int64_t capacity_until_hour = 0;  // vendors: registered up to (exclusive)
    };
    std::vector<agent_state> agents;

    // The window: (chip, region, epoch hour) -> book, and the sorted hours listed in it.
    std::map<std::tuple<std::size_t, std::size_t, int64_t>, book_ref> books;
    std::vector<int64_t> hours;
    steady::time_point refreshed{};

    // The tape, counted by the reader thread.
    std::mutex mu;
    std::set<std::string> subscribed;
    std::vector<std::string> to_subscribe;
    bool restart_tape = false;  // the reader drops its connections before subscribing
    std::atomic<int64_t> tape_trades{0};
    std::atomic<int64_t> tape_device_hours{0};
    std::atomic<int64_t> tape_notional_fen{0};
    std::atomic<int64_t> stream_problems{0};
    std::atomic<bool> reader_stop{false};

    sim_summary sum;
    uint64_t ids = 0;
    std::string run_tag;

    // ---- helpers ----
    void unexpected(const std::string& what, const api_outcome& r) {
        ++sum.unexpected;
        const std::string line = what + ": " + r.code + ": " + r.message;
        if (sum.unexpected_samples.size() < unexpected_samples_max) {
            sum.unexpected_samples.push_back(line);
        }
        if (o.verbose) std::fprintf(stderr, "sim: %s\n", line.c_str());
    }
    std::string client_id() { return "sim-" + run_tag + "-" + std::to_string(++ids); }

    int64_t energy_fen(const chip_ref& c, const region_ref& r, int64_t epoch_hour) const {
        const int64_t local =
            ((epoch_hour + utc_offset_hours) % 24 + 24) % 24;  // CST hour of the market file
        const int64_t tariff =
            r.tariff_milli.empty() ? 0 : r.tariff_milli[static_cast<std::size_t>(local) % 24];
        // W x PUE(milli) x tariff(milli-CNY/kWh): fen per device-hour.
        return (c.power_w * r.pue_milli * tariff + 5'000'000) / 10'000'000;
    }
    int64_t clamp_to_band(int64_t p, const book_ref& b, int64_t tick) const {
        const int64_t lo = ceil_to(std::max(b.low_fen, tick), tick);
        const int64_t hi = floor_to(b.high_fen, tick);
        return std::clamp(p, lo, std::max(lo, hi));
    }

    bool load_reference(std::string& error);
    bool refresh_books(std::string& error);
    bool set_up(std::string& error);
    void register_capacity(std::size_t agent, int64_t until_hour);
    void act(const sim_action& a);
    void place_ask(const sim_action& a);
    void place_bid(const sim_action& a);
    void submit_job(const sim_action& a);
    void place(std::size_t agent, const json& body, bool rests);
    void withdraw_all();
    void read_tape();
    const book_ref* book(std::size_t chip, std::size_t region, int64_t hour) const {
        const auto it = books.find({chip, region, hour});
        return it == books.end() ? nullptr : &it->second;
    }
};

}  // namespace cux::tools
