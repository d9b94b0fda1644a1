#pragma once
// `cux sim`: a simulated market of agents that behave like the exchange's users, run against a
// live server through the real API (REST and the /v1/stream tape), so it both fills the market
// for a demo and exercises the server.
//
// Agents (tools/sim_plan.cpp makes them and their actions from the seed alone):
//   vendors      one hub each (eastern and western hubs alternate, so both are always present),
//                devices registered as capacity for every chip the sim trades; their cost per
//                device-hour is a hardware share of the chip's typical rental price (cheaper
//                land and power contracts in the west: 0.90 of the east's) plus the energy of
//                the hour (board power x the hub's PUE x its time-of-use tariff); they post GTC
//                asks above that cost (a margin of their own plus a little noise), capped by
//                the registered capacity (the server refuses more: INSUFFICIENT_CAPACITY).
//   enterprises  an eastern hub where their data lives, and a job value (the most they pay per
//                device-hour delivered); each is one of three kinds:
//                  latency  small jobs that must run within 5 ms of the data (max_rtt_ms)
//                  data     data-heavy jobs (1-5 TB to move), any hub
//                  batch    split jobs of several hours over any hub and chip
//                and they submit job orders (POST /v1/jobs, IOC) and plain limit bids in
//                their own hub's books.
//
// Determinism: the sequence of choices (which agent acts, what it does, sizes, offsets, price
// noise) is a function of the seed and the agent count only: every action draws the same
// number of values from one std::mt19937_64. What the server makes of them (fills, rejections,
// which hour is listed when) depends on the market and the clock.
//
// Limits: at most 1000 agents (cux sim), 24 resting asks per vendor and 3 resting bids per
// enterprise (the oldest is cancelled first), a window of at most 24 hours; the tape reader
// follows only the window's books (64 channels a connection, the gateway's limit).
// Threads: sim::run() on the caller's thread (all REST calls, one connection per agent) plus
// one reader thread for the stream's trade tape. `stop` may be set from a signal handler.
// Errors: operating errors are counted (expected ones by code, unexpected ones listed in the
// summary); a server that cannot be reached at start is an error return.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "tools/client.hpp"

namespace cux::tools {

// ---- the plan: agents and their actions, from the seed ------------------------------------

enum class sim_agent_kind : uint8_t { vendor, enterprise };
enum class sim_job_kind : uint8_t { latency, data, batch };

struct sim_agent {
    int index = 0;
    sim_agent_kind kind = sim_agent_kind::vendor;
    std::size_t region = 0;                  // vendor: its hub; enterprise: where its data lives
    sim_job_kind job = sim_job_kind::batch;  // enterprises only
    int64_t hardware_permille = 800;         // vendor: share of the typical price that is hardware
    int64_t margin_bps = 800;                // vendor: above cost
    int64_t devices = 64;                    // vendor: registered per chip and hour
    int64_t value_bps = 12'000;              // enterprise: job value as bps of the typical price
};

const char* sim_job_kind_name(sim_job_kind k);  // "latency", "data", "batch"

enum class sim_action_kind : uint8_t { ask, bid, job };

// One step. Every field is drawn for every action (the unused ones too), so the sequence of
// draws never depends on what an earlier action turned out to be.
struct sim_action {
    int agent = 0;
    sim_action_kind kind = sim_action_kind::ask;
    std::size_t chip = 0;   // index into the sim's chips
    int hour_offset = 0;    // into the open hours of the sim's window
    int64_t qty = 1;        // devices
    int hours = 1;          // a job's hours
    int64_t noise_bps = 0;  // price noise, [-200, 200]
    bool ioc = false;       // a bid that takes liquidity rather than rests
    int64_t data_gb = 0;    // a job's data volume
    bool green = false;     // a batch job that wants a green share of at least 0.3
};

struct sim_market_shape {
    std::vector<bool> region_west;  // per region of the market, in the market file's order
    std::size_t chips = 1;          // how many chips the sim trades
    int window_hours = 4;           // how many open hours it trades in
};

class sim_plan {
public:
    // agents >= 3. Throws std::invalid_argument on a market without an eastern and a western
    // hub, or fewer than 3 agents.
    sim_plan(uint64_t seed, int agents, const sim_market_shape& shape);

    [[nodiscard]] const std::vector<sim_agent>& agents() const { return agents_; }
    // The next action of the sequence.
    sim_action next();

    // One line per agent / action, for `cux sim --plan N` and the determinism test.
    [[nodiscard]] static std::string describe(const sim_agent& a);
    [[nodiscard]] static std::string describe(const sim_action& a);

private:
    int64_t uniform(int64_t lo, int64_t hi);  // inclusive

    std::mt19937_64 rng_;
    sim_market_shape shape_;
    std::vector<sim_agent> agents_;
    std::vector<int> vendors_;
    std::vector<int> enterprises_;
};

// ---- running it against a server ----------------------------------------------------------

struct sim_options {
    client_options admin;  // URL, TLS and the admin's key: creates participants and deposits
    int agents = 12;
    double rate = 10.0;  // actions per second, all agents together
    int seconds = 30;    // 0: until stopped
    uint64_t seed = 1;
    std::vector<std::string> chips;  // empty: h100 and 910b when listed, else the first two
    int window_hours = 4;            // open hourly books per chip and hub that agents trade
    std::string name_prefix;         // participants are <prefix>v1, <prefix>e1, ...
    bool progress = false;           // a live status line on stderr
    bool verbose = false;            // one line per unexpected error as it happens
};

// What happened, for the summary.
struct sim_summary {
    struct job_place {
        int64_t jobs = 0;
        int64_t devices = 0;       // device-hours bought there
        int64_t notional_fen = 0;  // delivered
    };
    double elapsed_s = 0;
    uint64_t seed = 0;
    int vendors = 0;
    int enterprises = 0;
    std::vector<std::string> chips;
    int64_t actions = 0;
    // Orders (asks and bids): placed = sent; accepted = 2xx.
    int64_t orders_placed = 0;
    int64_t orders_accepted = 0;
    int64_t orders_cancelled = 0;
    std::map<std::string, int64_t> order_rejects;  // code -> count
    // Trades: the tape (every trade in the sim's books, the stream's trades channels), and the
    // sim's own (fills in its order and job responses).
    int64_t tape_trades = 0;
    int64_t tape_device_hours = 0;
    int64_t tape_notional_fen = 0;
    int64_t own_trades = 0;
    int64_t own_device_hours = 0;
    int64_t own_notional_fen = 0;
    // Jobs.
    int64_t jobs_submitted = 0;
    int64_t jobs_filled = 0;
    int64_t jobs_partial = 0;
    int64_t jobs_unfilled = 0;
    std::map<std::string, int64_t> job_unfilled_reasons;  // code -> count
    std::map<std::string, job_place> jobs_by_region;      // region id -> where fills ran
    // Why each job that bought something ran where it did (first fill's region).
    int64_t went_west = 0;      // a western hub was cheapest delivered
    int64_t east_network = 0;   // a western ask was cheaper, but moving the data was not
    int64_t east_latency = 0;   // the western hubs were too far for the job's max_rtt_ms
    int64_t east_cheapest = 0;  // the east was cheaper even before the network
    std::map<std::string, std::map<std::string, int64_t>> by_kind;  // job kind -> why -> count
    // Errors that a well-behaved client should never see (5xx, BAD_REQUEST, auth, transport).
    int64_t unexpected = 0;
    std::vector<std::string> unexpected_samples;  // the first few, for the summary
    std::vector<std::string> region_ids;
    std::vector<bool> region_west;
};

class sim {
public:
    explicit sim(sim_options o);
    ~sim();
    sim(const sim&) = delete;
    sim& operator=(const sim&) = delete;

    // Sets up the participants, runs until the time is up or `stop`, withdraws the resting
    // orders. Returns false (and `error`) when the server could not be set up.
    bool run(const std::atomic<bool>& stop, sim_summary& out, std::string& error);

private:
    struct state;
    std::unique_ptr<state> s_;
};

// The summary as text (tables) and as JSON (`--json`).
std::string sim_summary_text(const sim_summary& s);
std::string sim_summary_json(const sim_summary& s);

}  // namespace cux::tools
