// `cux sim` against a server: set-up (participants, deposits, capacity), the action loop, the
// stream's tape reader and the tallies of the summary. The agents and their choices come from
// sim_plan (tools/sim_plan.cpp); this file turns each choice into API calls.

#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "tools/cli.hpp"
#include "tools/format.hpp"
#include "tools/maker.hpp"
#include "tools/sim.hpp"

namespace cux::tools {

namespace {

using json = nlohmann::json;
using steady = std::chrono::steady_clock;

constexpr int64_t capacity_hours_ahead = 48;
constexpr std::size_t vendor_open_asks_max = 24;
constexpr std::size_t enterprise_open_bids_max = 3;
constexpr std::size_t stream_channels_per_connection = 64;  // the gateway's limit
constexpr auto refresh_every = std::chrono::seconds(10);
constexpr auto gate_margin = std::chrono::seconds(90);  // no new order this close to gate closure
constexpr int64_t max_rtt_latency_ms = 5;
constexpr std::size_t unexpected_samples_max = 8;
const char* const deposit_amount = "1000000.00";

// One call's result: ok with its JSON, or the error code and message (UNREACHABLE for a
// transport failure, HTTP_<status> when the body is not an API error).
struct outcome {
    bool ok = false;
    unsigned status = 0;
    json body;
    std::string code;
    std::string message;
};

outcome call(http_client& c, std::string_view method, const std::string& target,
             const std::string& body = {}, bool sign = true) {
    outcome out;
    http_reply r;
    try {
        r = c.request(method, target, body, sign);
    } catch (const transport_error& e) {
        out.code = "UNREACHABLE";
        out.message = e.what();
        return out;
    }
    out.status = r.status;
    out.body = json::parse(r.body, nullptr, false);
    if (r.status >= 200 && r.status < 300 && !out.body.is_discarded()) {
        out.ok = true;
        return out;
    }
    out.code = "HTTP_" + std::to_string(r.status);
    out.message = r.body.substr(0, 200);
    if (out.body.is_object() && out.body.contains("error") && out.body.at("error").is_object()) {
        out.code = cell(out.body.at("error"), "code");
        out.message = cell(out.body.at("error"), "message");
    }
    return out;
}

// Rejections that a market produces in the normal course of things: a book closed or sold out,
// a vendor at its capacity, a job with no route, an order already filled when cancelled.
bool expected_code(const std::string& code) {
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

// Milliseconds since the epoch of an RFC 3339 UTC time to the second; -1 if not one.
int64_t epoch_ms_of(const std::string& t) {
    tm u{};
    const char* end = strptime(t.c_str(), "%Y-%m-%dT%H:%M:%S", &u);
    if (end == nullptr) return -1;
    return static_cast<int64_t>(timegm(&u)) * 1000;
}

int64_t epoch_hour_of(const std::string& t) {
    const int64_t ms = epoch_ms_of(t);
    return ms < 0 ? -1 : ms / 3'600'000;
}

std::string hour_text(int64_t epoch_hour) {
    const time_t t = static_cast<time_t>(epoch_hour * 3600);
    tm u{};
    gmtime_r(&t, &u);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:00:00Z", &u);
    return buf;
}

int64_t fen_of(const json& obj, const char* key) {
    int64_t fen = 0;
    if (!obj.is_object() || !obj.contains(key) || !obj.at(key).is_string()) return 0;
    std::string text = obj.at(key).get<std::string>();
    const bool neg = text.starts_with("-");
    if (neg) text.erase(0, 1);
    if (!parse_fen(text, fen)) return 0;
    return neg ? -fen : fen;
}

int64_t int_of(const json& obj, const char* key) {
    if (!obj.is_object() || !obj.contains(key) || !obj.at(key).is_number_integer()) return 0;
    return obj.at(key).get<int64_t>();
}

int64_t ceil_to(int64_t v, int64_t step) { return (v + step - 1) / step * step; }
int64_t floor_to(int64_t v, int64_t step) { return v / step * step; }

// The region id of a symbol "chip.region.YYYYMMDDTHH.tenor".
std::string region_of(const std::string& symbol) {
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

}  // namespace

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
    void unexpected(const std::string& what, const outcome& r) {
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

bool sim::state::load_reference(std::string& error) {
    const outcome r = call(*pub, "GET", "/v1/reference", {}, false);
    if (!r.ok) {
        error = "cannot read /v1/reference: " + r.code + ": " + r.message;
        return false;
    }
    const json& j = r.body;
    for (const auto& c : j.at("chips")) {
        chip_ref x;
        x.id = cell(c, "id");
        x.typical_fen = fen_of(c, "typical_price");
        x.tick_fen = std::max<int64_t>(1, fen_of(c, "tick"));
        x.power_w = int_of(c, "power_w");
        x.gflops = int_of(c, "dense_gflops");
        all_chips.push_back(x);
    }
    for (const auto& g : j.at("regions")) {
        region_ref x;
        x.id = cell(g, "id");
        x.west = cell(g, "east_west") == "west";
        x.pue_milli = int_of(g, "pue_milli");
        for (const auto& t : g.at("tariff_cny_per_kwh")) {
            const std::string s = t.get<std::string>();
            x.tariff_milli.push_back(std::llround(std::strtod(s.c_str(), nullptr) * 1000.0));
        }
        regions.push_back(x);
    }
    if (j.contains("calendar"))
        utc_offset_hours = static_cast<int>(int_of(j["calendar"], "utc_offset_hours"));
    auto find_chip = [&](const std::string& id) -> std::optional<std::size_t> {
        for (std::size_t i = 0; i < all_chips.size(); ++i) {
            if (all_chips[i].id == id) return i;
        }
        return std::nullopt;
    };
    if (!o.chips.empty()) {
        for (const std::string& id : o.chips) {
            const auto i = find_chip(id);
            if (!i) {
                error = "the market has no chip " + id;
                return false;
            }
            chips.push_back(*i);
        }
    } else {
        for (const char* id : {"h100", "910b"}) {
            if (const auto i = find_chip(id)) chips.push_back(*i);
        }
        for (std::size_t i = 0; chips.size() < 2 && i < all_chips.size(); ++i) {
            if (std::find(chips.begin(), chips.end(), i) == chips.end()) chips.push_back(i);
        }
    }
    for (const std::size_t c : chips) sum.chips.push_back(all_chips[c].id);
    for (const region_ref& g : regions) {
        sum.region_ids.push_back(g.id);
        sum.region_west.push_back(g.west);
    }
    return !chips.empty();
}

bool sim::state::refresh_books(std::string& error) {
    const int64_t now = unix_ms();
    std::map<std::tuple<std::size_t, std::size_t, int64_t>, book_ref> next;
    std::set<int64_t> listed;
    for (std::size_t ci = 0; ci < chips.size(); ++ci) {
        const std::string& chip = all_chips[chips[ci]].id;
        const outcome r = call(*pub, "GET", "/v1/instruments" + query({{"chip", chip}}), {}, false);
        if (!r.ok || !r.body.is_array()) {
            error = "cannot list the " + chip + " instruments: " + r.code + ": " + r.message;
            return false;
        }
        for (const auto& x : r.body) {
            if (cell(x, "tenor") != "1h") continue;
            const std::string status = cell(x, "status");
            if (status != "open" && status != "pre_open") continue;
            book_ref b;
            b.symbol = cell(x, "symbol");
            b.open = status == "open";
            b.ref_fen = fen_of(x, "reference_price");
            b.low_fen = fen_of(x, "band_low");
            b.high_fen = fen_of(x, "band_high");
            const int64_t hour = epoch_hour_of(cell(x, "window_start"));
            b.gate_ms = epoch_ms_of(cell(x, "gate_closure"));
            if (hour < 0 || b.gate_ms - now < std::chrono::milliseconds(gate_margin).count()) {
                continue;
            }
            const std::string region = cell(x, "region");
            for (std::size_t ri = 0; ri < regions.size(); ++ri) {
                if (regions[ri].id != region) continue;
                next[{ci, ri, hour}] = b;
                listed.insert(hour);
            }
        }
    }
    books = std::move(next);
    hours.assign(listed.begin(), listed.end());
    if (hours.size() > static_cast<std::size_t>(o.window_hours)) {
        hours.resize(static_cast<std::size_t>(o.window_hours));
    }
    // The window's books: their tape is followed from now on. When the window moved (an hour
    // closed, the next one came in), the reader starts over on fresh connections, so it never
    // holds more subscriptions than the window has books.
    std::set<std::string> wanted;
    for (const auto& [k, b] : books) {
        if (std::find(hours.begin(), hours.end(), std::get<2>(k)) != hours.end()) {
            wanted.insert(b.symbol);
        }
    }
    std::lock_guard lock(mu);
    if (wanted != subscribed) {
        subscribed = std::move(wanted);
        to_subscribe.assign(subscribed.begin(), subscribed.end());
        restart_tape = true;
    }
    refreshed = steady::now();
    return true;
}

void sim::state::register_capacity(std::size_t i, int64_t until_hour) {
    agent_state& a = agents[i];
    const sim_agent& who = plan->agents()[i];
    const int64_t now_hour = unix_ms() / 3'600'000;
    const int64_t from = std::max(now_hour, a.capacity_until_hour);
    if (from >= until_hour) return;
    for (const std::size_t c : chips) {
        const json body = {{"chip", all_chips[c].id},
                           {"region", regions[who.region].id},
                           {"devices", who.devices},
                           {"from", hour_text(from)},
                           {"to", hour_text(until_hour)}};
        const outcome r = call(*a.http, "POST", "/v1/capacity", body.dump());
        if (!r.ok) unexpected(a.name + ": register capacity", r);
    }
    a.capacity_until_hour = until_hour;
}

bool sim::state::set_up(std::string& error) {
    const auto& plan_agents = plan->agents();
    for (const sim_agent& p : plan_agents) {
        agent_state a;
        const bool vendor = p.kind == sim_agent_kind::vendor;
        a.name = o.name_prefix + (vendor ? "v" : "e") + std::to_string(p.index + 1);
        const json body = {{"name", a.name}, {"roles", json::array({vendor ? "vendor" : "buyer"})}};
        const outcome r = call(*admin, "POST", "/v1/admin/participants", body.dump());
        if (!r.ok) {
            error = "cannot create participant " + a.name + ": " + r.code + ": " + r.message;
            return false;
        }
        a.participant_id = cell(r.body, "participant_id");
        client_options c = o.admin;
        c.key = cell(r.body, "key");
        c.secret = cell(r.body, "secret");
        a.http = std::make_unique<http_client>(c);
        if (!vendor) {
            const json dep = {{"participant_id", a.participant_id}, {"amount", deposit_amount}};
            const outcome d = call(*admin, "POST", "/v1/admin/deposits", dep.dump());
            if (!d.ok) {
                error = "cannot deposit for " + a.name + ": " + d.code + ": " + d.message;
                return false;
            }
        }
        agents.push_back(std::move(a));
    }
    const int64_t now_hour = unix_ms() / 3'600'000;
    for (std::size_t i = 0; i < agents.size(); ++i) {
        if (plan_agents[i].kind == sim_agent_kind::vendor) {
            register_capacity(i, now_hour + capacity_hours_ahead);
        }
    }
    return true;
}

void sim::state::place(std::size_t agent, const json& body, bool rests) {
    agent_state& a = agents[agent];
    ++sum.orders_placed;
    const outcome r = call(*a.http, "POST", "/v1/orders", body.dump());
    if (!r.ok) {
        ++sum.order_rejects[r.code];
        if (!expected_code(r.code)) unexpected(a.name + ": place " + body.dump(), r);
        return;
    }
    ++sum.orders_accepted;
    if (r.body.contains("fills") && r.body.at("fills").is_array()) {
        for (const auto& f : r.body.at("fills")) {
            ++sum.own_trades;
            sum.own_device_hours += int_of(f, "qty");
            sum.own_notional_fen += fen_of(f, "price") * int_of(f, "qty");
        }
    }
    const std::string status = cell(r.body, "status");
    if (rests && (status == "open" || status == "partially_filled")) {
        a.resting.push_back(cell(r.body, "order_id"));
    }
    const std::size_t max_open = plan->agents()[agent].kind == sim_agent_kind::vendor
                                     ? vendor_open_asks_max
                                     : enterprise_open_bids_max;
    // The oldest quote goes when there are too many: the book stays fresh and bounded.
    while (a.resting.size() > max_open) {
        const std::string id = a.resting.front();
        a.resting.pop_front();
        const outcome c = call(*a.http, "DELETE", "/v1/orders/" + id);
        if (c.ok) {
            ++sum.orders_cancelled;
        } else if (c.code != "NOT_FOUND") {
            unexpected(a.name + ": cancel " + id, c);
        }
    }
}

void sim::state::place_ask(const sim_action& x) {
    const sim_agent& who = plan->agents()[static_cast<std::size_t>(x.agent)];
    if (x.hour_offset >= static_cast<int>(hours.size())) return;
    const int64_t hour = hours[static_cast<std::size_t>(x.hour_offset)];
    const book_ref* b = book(x.chip, who.region, hour);
    if (b == nullptr) return;
    const chip_ref& c = all_chips[chips[x.chip]];
    const region_ref& g = regions[who.region];
    // Hardware (cheaper to site in the west) plus the hour's energy, then the vendor's margin.
    const int64_t site_permille = g.west ? 900 : 1000;
    const int64_t cost =
        c.typical_fen * who.hardware_permille * site_permille / 1'000'000 + energy_fen(c, g, hour);
    const int64_t price =
        clamp_to_band(ceil_to(cost * (10'000 + who.margin_bps + x.noise_bps) / 10'000, c.tick_fen),
                      *b, c.tick_fen);
    const json body = {{"symbol", b->symbol},           {"side", "sell"}, {"type", "limit"},
                       {"price", yuan(price)},          {"qty", x.qty},   {"tif", "gtc"},
                       {"client_order_id", client_id()}};
    place(static_cast<std::size_t>(x.agent), body, true);
}

void sim::state::place_bid(const sim_action& x) {
    const sim_agent& who = plan->agents()[static_cast<std::size_t>(x.agent)];
    if (x.hour_offset >= static_cast<int>(hours.size())) return;
    const int64_t hour = hours[static_cast<std::size_t>(x.hour_offset)];
    const book_ref* b = book(x.chip, who.region, hour);
    if (b == nullptr || (x.ioc && !b->open)) return;  // no IOC during a call phase
    const chip_ref& c = all_chips[chips[x.chip]];
    // What the compute is worth to it once the hour's energy is paid: the full value to take
    // an ask now (IOC), a tenth less to rest a bid and wait.
    const int64_t value =
        c.typical_fen * who.value_bps / 10'000 - energy_fen(c, regions[who.region], hour);
    const int64_t bps = (x.ioc ? 10'000 : 9'000) + x.noise_bps;
    const int64_t price = clamp_to_band(floor_to(value * bps / 10'000, c.tick_fen), *b, c.tick_fen);
    const json body = {{"symbol", b->symbol},
                       {"side", "buy"},
                       {"type", "limit"},
                       {"price", yuan(price)},
                       {"qty", x.qty},
                       {"tif", x.ioc ? "ioc" : "gtc"},
                       {"origin_region", regions[who.region].id},
                       {"data_gb", 0},
                       {"client_order_id", client_id()}};
    place(static_cast<std::size_t>(x.agent), body, !x.ioc);
}

void sim::state::submit_job(const sim_action& x) {
    const sim_agent& who = plan->agents()[static_cast<std::size_t>(x.agent)];
    agent_state& a = agents[static_cast<std::size_t>(x.agent)];
    const std::size_t first = static_cast<std::size_t>(x.hour_offset);
    if (first + static_cast<std::size_t>(x.hours) > hours.size()) return;
    // Every hour must be in continuous trading somewhere (the first chip's origin book stands
    // for the calendar: all books of an hour open together).
    for (int h = 0; h < x.hours; ++h) {
        const book_ref* b = book(0, who.region, hours[first + static_cast<std::size_t>(h)]);
        if (b == nullptr || !b->open) return;
        if (h > 0 && hours[first + static_cast<std::size_t>(h)] !=
                         hours[first] + h) {  // the window must be consecutive hours
            return;
        }
    }
    const chip_ref& c = all_chips[chips[x.chip]];
    const int64_t value_fen = c.typical_fen * who.value_bps / 10'000;
    json body = {{"start", hour_text(hours[first])},
                 {"hours", x.hours},
                 {"origin_region", regions[who.region].id},
                 {"data_gb", x.data_gb},
                 {"tif", "ioc"},
                 {"client_order_id", client_id()}};
    if (who.job == sim_job_kind::batch) {
        // Sized in compute: any of the sim's chips, priced per PFLOPS-hour.
        json chip_ids = json::array();
        for (const std::size_t i : chips) chip_ids.push_back(all_chips[i].id);
        body["chips"] = chip_ids;
        // The compute of qty devices of the action's chip, in PFLOPS to the thousandth.
        const int64_t milli_pflops = std::max<int64_t>(1, x.qty * c.gflops / 1'000);
        body["pflops"] = static_cast<double>(milli_pflops) / 1'000.0;
        const int64_t per_pflops = value_fen * 1'000'000 / std::max<int64_t>(c.gflops, 1);
        body["max_delivered_price"] = yuan(per_pflops);
        body["split"] = true;
        if (x.green) body["min_green_share"] = 0.3;
    } else {
        body["chips"] = json::array({c.id});
        body["qty"] = x.qty;
        body["max_delivered_price"] = yuan(value_fen);
        if (who.job == sim_job_kind::latency) body["max_rtt_ms"] = max_rtt_latency_ms;
    }
    ++sum.jobs_submitted;
    const outcome r = call(*a.http, "POST", "/v1/jobs", body.dump());
    if (!r.ok) {
        ++sum.jobs_unfilled;
        ++sum.job_unfilled_reasons[r.code];
        if (!expected_code(r.code)) unexpected(a.name + ": job " + body.dump(), r);
        return;
    }
    const std::string status = cell(r.body, "status");
    if (status == "unfilled") {
        ++sum.jobs_unfilled;
        const json& why = r.body.contains("reason") ? r.body.at("reason") : json();
        const std::string code = why.is_object() ? cell(why, "code") : "UNFILLED";
        ++sum.job_unfilled_reasons[code];
        if (!expected_code(code)) {
            unexpected(
                a.name + ": job unfilled",
                outcome{false, r.status, {}, code, why.is_object() ? cell(why, "message") : ""});
        }
        return;
    }
    ++(status == "filled" ? sum.jobs_filled : sum.jobs_partial);
    std::set<std::string> ran_in;
    for (const auto& f : r.body.at("fills")) {
        const std::string region = region_of(cell(f, "symbol"));
        sim_summary::job_place& p = sum.jobs_by_region[region];
        if (ran_in.insert(region).second) ++p.jobs;
        p.devices += int_of(f, "qty");
        const int64_t paid =
            fen_of(f, "compute") + fen_of(f, "energy") + fen_of(f, "network") + fen_of(f, "fee");
        p.notional_fen += paid;
        ++sum.own_trades;
        sum.own_device_hours += int_of(f, "qty");
        sum.own_notional_fen += fen_of(f, "price") * int_of(f, "qty");
    }
    // Why it ran where it did: the route report's first bought candidate against the west.
    const json& route = r.body.at("route");
    const json* won = nullptr;
    for (const auto& cand : route) {
        if (int_of(cand, "taken") > 0) {
            won = &cand;
            break;
        }
    }
    if (won == nullptr) return;
    auto is_west = [&](const json& cand) {
        const std::string id = cell(cand, "region");
        for (const region_ref& g : regions) {
            if (g.id == id) return g.west;
        }
        return false;
    };
    auto before_network = [&](const json& cand) {
        return fen_of(cand, "ask") + fen_of(cand, "energy") + fen_of(cand, "fees");
    };
    std::string why;
    if (is_west(*won)) {
        why = "west_cheaper_delivered";
        ++sum.went_west;
    } else {
        bool west_cheaper_before_network = false;
        bool west_eligible = false;
        bool west_latency = false;
        for (const auto& cand : route) {
            if (!is_west(cand)) continue;
            const bool priced = cand.contains("ask") && cand.at("ask").is_string();
            if (cand.value("eligible", false)) west_eligible = true;
            if (cell(cand, "exclusion") == "latency") west_latency = true;
            // Priced in the west (eligible, or over the job's price once the network was added)
            // and cheaper there before the network: moving the data is what kept it east.
            if (priced && before_network(cand) < before_network(*won)) {
                west_cheaper_before_network = true;
            }
        }
        if (west_cheaper_before_network) {
            why = "east_network_cost";
            ++sum.east_network;
        } else if (!west_eligible && west_latency) {
            why = "east_latency";
            ++sum.east_latency;
        } else {
            why = "east_cheapest";
            ++sum.east_cheapest;
        }
    }
    ++sum.by_kind[sim_job_kind_name(who.job)][why];
}

void sim::state::act(const sim_action& x) {
    ++sum.actions;
    switch (x.kind) {
        case sim_action_kind::ask:
            return place_ask(x);
        case sim_action_kind::bid:
            return place_bid(x);
        case sim_action_kind::job:
            return submit_job(x);
    }
}

void sim::state::withdraw_all() {
    for (agent_state& a : agents) {
        for (const std::string& id : a.resting) {
            const outcome c = call(*a.http, "DELETE", "/v1/orders/" + id);
            if (c.ok) {
                ++sum.orders_cancelled;
            } else if (c.code != "NOT_FOUND") {
                unexpected(a.name + ": withdraw " + id, c);
            }
        }
        a.resting.clear();
    }
}

void sim::state::read_tape() {
    client_options c = o.admin;
    c.key.clear();
    c.secret.clear();
    std::vector<std::unique_ptr<stream_client>> streams;
    std::vector<std::size_t> channels;  // per stream
    auto count = [&](const std::string& text) {
        const json m = json::parse(text, nullptr, false);
        if (!m.is_object() || cell(m, "type") != "update" || !m.contains("trades")) return;
        if (!cell(m, "channel").starts_with("trades:")) return;
        for (const auto& t : m.at("trades")) {
            const int64_t qty = int_of(t, "qty");
            tape_trades.fetch_add(1);
            tape_device_hours.fetch_add(qty);
            tape_notional_fen.fetch_add(fen_of(t, "price") * qty);
        }
    };
    while (!reader_stop.load()) {
        std::vector<std::string> todo;
        bool restart = false;
        {
            std::lock_guard lock(mu);
            todo.swap(to_subscribe);
            std::swap(restart, restart_tape);
        }
        if (restart) {
            for (auto& st : streams) {
                try {
                    st->close();
                } catch (const transport_error&) {
                }
            }
            streams.clear();
            channels.clear();
        }
        try {
            for (const std::string& symbol : todo) {
                if (streams.empty() || channels.back() >= stream_channels_per_connection) {
                    streams.push_back(std::make_unique<stream_client>(c));
                    streams.back()->connect();
                    channels.push_back(0);
                }
                const json sub = {{"op", "subscribe"},
                                  {"channels", json::array({"trades:" + symbol})}};
                streams.back()->send(sub.dump());
                ++channels.back();
            }
            if (streams.empty()) {
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
                continue;
            }
            for (auto& s : streams) {
                const auto wait = std::chrono::milliseconds(streams.size() > 1 ? 10 : 50);
                while (auto text = s->receive(wait)) count(*text);
            }
        } catch (const transport_error&) {
            // The server went away or cut us off: start over with every symbol once it is back.
            stream_problems.fetch_add(1);
            streams.clear();
            channels.clear();
            {
                std::lock_guard lock(mu);
                to_subscribe.assign(subscribed.begin(), subscribed.end());
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(500));
        }
    }
    for (auto& s : streams) {
        try {
            s->close();
        } catch (const transport_error&) {
        }
    }
}

sim::sim(sim_options o) : s_(std::make_unique<state>()) { s_->o = std::move(o); }
sim::~sim() = default;

bool sim::run(const std::atomic<bool>& stop, sim_summary& out, std::string& error) {
    state& s = *s_;
    s.admin = std::make_unique<http_client>(s.o.admin);
    client_options pub = s.o.admin;
    pub.key.clear();
    pub.secret.clear();
    s.pub = std::make_unique<http_client>(pub);
    const uint64_t started_ms = static_cast<uint64_t>(unix_ms());
    s.run_tag.clear();
    for (uint64_t v = started_ms; v != 0; v /= 36) {
        s.run_tag.insert(s.run_tag.begin(), "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36]);
    }
    if (s.o.name_prefix.empty()) s.o.name_prefix = "sim-" + s.run_tag + "-";
    s.sum.seed = s.o.seed;
    if (!s.load_reference(error)) return false;
    sim_market_shape shape;
    for (const region_ref& g : s.regions) shape.region_west.push_back(g.west);
    shape.chips = s.chips.size();
    shape.window_hours = s.o.window_hours;
    try {
        s.plan = std::make_unique<sim_plan>(s.o.seed, s.o.agents, shape);
    } catch (const std::invalid_argument& e) {
        error = e.what();
        return false;
    }
    for (const sim_agent& a : s.plan->agents()) {
        ++(a.kind == sim_agent_kind::vendor ? s.sum.vendors : s.sum.enterprises);
    }
    if (!s.set_up(error)) return false;
    if (!s.refresh_books(error)) return false;

    std::thread reader([&s] { s.read_tape(); });
    const auto start = steady::now();
    const auto until = start + std::chrono::seconds(s.o.seconds);
    auto last_progress = start;
    int64_t n = 0;
    while (!stop.load() && (s.o.seconds == 0 || steady::now() < until)) {
        const auto due = start + std::chrono::microseconds(
                                     static_cast<int64_t>(static_cast<double>(n) * 1e6 / s.o.rate));
        while (!stop.load() && steady::now() < due) {
            std::this_thread::sleep_for(
                std::min<steady::duration>(due - steady::now(), std::chrono::milliseconds(50)));
        }
        if (stop.load() || (s.o.seconds != 0 && steady::now() >= until)) break;
        if (steady::now() - s.refreshed > refresh_every) {
            std::string why;
            if (!s.refresh_books(why)) {
                s.unexpected("refresh", outcome{false, 0, {}, "REFRESH", why});
            }
            const int64_t now_hour = unix_ms() / 3'600'000;
            for (std::size_t i = 0; i < s.agents.size(); ++i) {
                if (s.plan->agents()[i].kind == sim_agent_kind::vendor &&
                    s.agents[i].capacity_until_hour < now_hour + capacity_hours_ahead) {
                    s.register_capacity(i, now_hour + capacity_hours_ahead);
                }
            }
        }
        s.act(s.plan->next());
        ++n;
        if (s.o.progress && steady::now() - last_progress > std::chrono::milliseconds(500)) {
            last_progress = steady::now();
            const double t = std::chrono::duration<double>(last_progress - start).count();
            std::fprintf(stderr,
                         "\rsim %5.0fs%s: %lld orders, %lld trades on the tape, %lld jobs "
                         "(%lld bought), %lld unexpected errors   ",
                         t, s.o.seconds == 0 ? "" : (" of " + std::to_string(s.o.seconds)).c_str(),
                         static_cast<long long>(s.sum.orders_placed),
                         static_cast<long long>(s.tape_trades.load()),
                         static_cast<long long>(s.sum.jobs_submitted),
                         static_cast<long long>(s.sum.jobs_filled + s.sum.jobs_partial),
                         static_cast<long long>(s.sum.unexpected));
            std::fflush(stderr);
        }
    }
    if (s.o.progress) std::fprintf(stderr, "\n");
    s.withdraw_all();
    // A moment for the last trades to reach the tape.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    s.reader_stop.store(true);
    reader.join();
    s.sum.elapsed_s = std::chrono::duration<double>(steady::now() - start).count();
    s.sum.tape_trades = s.tape_trades.load();
    s.sum.tape_device_hours = s.tape_device_hours.load();
    s.sum.tape_notional_fen = s.tape_notional_fen.load();
    out = s.sum;
    return true;
}

}  // namespace cux::tools
