// `cux sim`: each action of the plan as API calls (an ask, a bid, a job order), and the
// summary's tallies of what came back, including why each job ran where it did.

#include "tools/sim_state.hpp"

namespace cux::tools {

void sim::state::place(std::size_t agent, const json& body, bool rests) {
    agent_state& a = agents[agent];
    ++sum.orders_placed;
    const api_outcome r = call_api(*a.http, "POST", "/v1/orders", body.dump());
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
        const api_outcome c = call_api(*a.http, "DELETE", "/v1/orders/" + id);
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
    const api_outcome r = call_api(*a.http, "POST", "/v1/jobs", body.dump());
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
            unexpected(a.name + ": job unfilled",
                       api_outcome{
                           false, r.status, {}, code, why.is_object() ? cell(why, "message") : ""});
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

}  // namespace cux::tools
