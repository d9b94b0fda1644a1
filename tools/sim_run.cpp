// `cux sim` against a server: set-up (participants, deposits, capacity), the refresh of the
// window of books, the action loop, the stream's tape reader and the withdrawal at the end. The
// agents and their choices come from sim_plan (tools/sim_plan.cpp); tools/sim_agents.cpp turns
// each choice into API calls.

#include <thread>

#include "tools/sim_state.hpp"

namespace cux::tools {

bool sim::state::load_reference(std::string& error) {
    const api_outcome r = call_api(*pub, "GET", "/v1/reference", {}, false);
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
        const api_outcome r =
            call_api(*pub, "GET", "/v1/instruments" + query({{"chip", chip}}), {}, false);
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
        const api_outcome r = call_api(*a.http, "POST", "/v1/capacity", body.dump());
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
        const api_outcome r = call_api(*admin, "POST", "/v1/admin/participants", body.dump());
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
            const api_outcome d = call_api(*admin, "POST", "/v1/admin/deposits", dep.dump());
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

void sim::state::withdraw_all() {
    for (agent_state& a : agents) {
        for (const std::string& id : a.resting) {
            const api_outcome c = call_api(*a.http, "DELETE", "/v1/orders/" + id);
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
                s.unexpected("refresh", api_outcome{false, 0, {}, "REFRESH", why});
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
