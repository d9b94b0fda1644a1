#include <algorithm>
#include <stdexcept>

#include "tools/sim.hpp"

namespace cux::tools {

namespace {

const char* kind_name(sim_job_kind k) {
    switch (k) {
        case sim_job_kind::latency:
            return "latency";
        case sim_job_kind::data:
            return "data";
        case sim_job_kind::batch:
            return "batch";
    }
    return "?";
}

const char* action_name(sim_action_kind k) {
    switch (k) {
        case sim_action_kind::ask:
            return "ask";
        case sim_action_kind::bid:
            return "bid";
        case sim_action_kind::job:
            return "job";
    }
    return "?";
}

}  // namespace

int64_t sim_plan::uniform(int64_t lo, int64_t hi) {
    // The modulo's bias is irrelevant at these ranges; what matters is that it is the same
    // arithmetic on every machine (std::uniform_int_distribution is not specified exactly).
    const uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
    return lo + static_cast<int64_t>(rng_() % span);
}

sim_plan::sim_plan(uint64_t seed, int agents, const sim_market_shape& shape)
    : rng_(seed), shape_(shape) {
    if (agents < 3) throw std::invalid_argument("the sim needs at least 3 agents");
    if (shape.chips < 1 || shape.window_hours < 1) {
        throw std::invalid_argument("the sim needs a chip and an open hour");
    }
    std::vector<std::size_t> east;
    std::vector<std::size_t> west;
    for (std::size_t r = 0; r < shape.region_west.size(); ++r) {
        (shape.region_west[r] ? west : east).push_back(r);
    }
    if (east.empty() || west.empty()) {
        throw std::invalid_argument("the sim needs a market with eastern and western hubs");
    }
    // Hubs for vendors: east and west alternate, so two vendors already make a spread, and the
    // eastern hubs (where the enterprises' data is) are all covered early.
    std::vector<std::size_t> hubs;
    for (std::size_t i = 0; i < std::max(east.size(), west.size()); ++i) {
        if (i < east.size()) hubs.push_back(east[i]);
        if (i < west.size()) hubs.push_back(west[i]);
    }
    const int vendor_count = std::max(2, (agents * 2 + 4) / 5);  // 40%, at least 2
    for (int i = 0; i < agents; ++i) {
        sim_agent a;
        a.index = i;
        if (i < vendor_count) {
            a.kind = sim_agent_kind::vendor;
            a.region = hubs[static_cast<std::size_t>(i) % hubs.size()];
            a.hardware_permille = uniform(760, 840);
            a.margin_bps = uniform(300, 1'500);
            a.devices = 16 * uniform(2, 6);
            vendors_.push_back(i);
        } else {
            const int e = i - vendor_count;
            a.kind = sim_agent_kind::enterprise;
            a.region = east[static_cast<std::size_t>(e) % east.size()];
            a.job = static_cast<sim_job_kind>(e % 3);
            a.value_bps = uniform(11'000, 14'000);
            enterprises_.push_back(i);
        }
        agents_.push_back(a);
    }
}

sim_action sim_plan::next() {
    sim_action a;
    // 3 in 5 actions are a vendor's (supply must keep up with jobs of several hours), the
    // others an enterprise's; of those, 3 in 5 are jobs.
    const bool vendor = uniform(0, 4) < 3;
    const int64_t pick = uniform(0, 1'000'000);
    const bool job = uniform(0, 4) < 3;
    a.chip = static_cast<std::size_t>(uniform(0, static_cast<int64_t>(shape_.chips) - 1));
    a.hour_offset = static_cast<int>(uniform(0, shape_.window_hours - 1));
    a.noise_bps = uniform(-200, 200);
    a.ioc = uniform(0, 1) == 0;
    a.green = uniform(0, 3) == 0;
    const int64_t size = uniform(0, 1'000'000);
    const int64_t data = uniform(0, 1'000'000);
    const int64_t hours = uniform(0, 2);
    if (vendor) {
        a.agent = vendors_[static_cast<std::size_t>(pick) % vendors_.size()];
        a.kind = sim_action_kind::ask;
        a.qty = 2 + size % 11;
        return a;
    }
    a.agent = enterprises_[static_cast<std::size_t>(pick) % enterprises_.size()];
    const sim_agent& who = agents_[static_cast<std::size_t>(a.agent)];
    if (!job) {
        a.kind = sim_action_kind::bid;
        a.qty = 1 + size % 4;
        return a;
    }
    a.kind = sim_action_kind::job;
    switch (who.job) {
        case sim_job_kind::latency:  // inference next to the data: small, one hour
            a.qty = 1 + size % 4;
            a.hours = 1;
            a.data_gb = 1 + data % 50;
            break;
        case sim_job_kind::data:  // training on a large data set where it lives, 1-5 TB
            a.qty = 2 + size % 7;
            a.hours = 1 + static_cast<int>(hours % 2);
            a.data_gb = 1'000 + data % 4'001;
            break;
        case sim_job_kind::batch:  // render or batch inference: little data, anywhere
            a.qty = 4 + size % 9;
            a.hours = 1 + static_cast<int>(hours);
            a.data_gb = 5 + data % 96;
            break;
    }
    a.hours = std::min(a.hours, shape_.window_hours);
    a.hour_offset = a.hour_offset % (shape_.window_hours - a.hours + 1);
    return a;
}

std::string sim_plan::describe(const sim_agent& a) {
    std::string s = "agent " + std::to_string(a.index) + " region#" + std::to_string(a.region);
    if (a.kind == sim_agent_kind::vendor) {
        return s + " vendor hardware " + std::to_string(a.hardware_permille) + "/1000 margin " +
               std::to_string(a.margin_bps) + " bps devices " + std::to_string(a.devices);
    }
    return s + " enterprise " + kind_name(a.job) + " value " + std::to_string(a.value_bps) + " bps";
}

std::string sim_plan::describe(const sim_action& a) {
    std::string s = std::string(action_name(a.kind)) + " agent " + std::to_string(a.agent) +
                    " chip#" + std::to_string(a.chip) + " +" + std::to_string(a.hour_offset) +
                    "h qty " + std::to_string(a.qty) + " noise " + std::to_string(a.noise_bps);
    if (a.kind == sim_action_kind::bid) s += a.ioc ? " ioc" : " gtc";
    if (a.kind == sim_action_kind::job) {
        s += " hours " + std::to_string(a.hours) + " data " + std::to_string(a.data_gb) + " GB";
        if (a.green) s += " green";
    }
    return s;
}

const char* sim_job_kind_name(sim_job_kind k) { return kind_name(k); }

}  // namespace cux::tools
