// The summary of a `cux sim` run: plain text for a person, JSON for scripts and tests
// (`cux sim --json`; its fields are the text's, money as decimal strings in CNY).

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "tools/cli.hpp"
#include "tools/format.hpp"
#include "tools/sim.hpp"

namespace cux::tools {

namespace {

std::string num(int64_t v) { return std::to_string(v); }

std::string counts_text(const std::map<std::string, int64_t>& m) {
    std::string s;
    for (const auto& [k, v] : m) s += (s.empty() ? "" : ", ") + k + " " + num(v);
    return s;
}

bool west_of(const sim_summary& s, const std::string& region) {
    for (std::size_t i = 0; i < s.region_ids.size(); ++i) {
        if (s.region_ids[i] == region) return s.region_west[i];
    }
    return false;
}

}  // namespace

std::string sim_summary_text(const sim_summary& s) {
    std::string out;
    char line[512];
    auto add = [&](const std::string& l) { out += l + "\n"; };
    std::string chips;
    for (const std::string& c : s.chips) chips += (chips.empty() ? "" : ",") + c;
    std::snprintf(line, sizeof line,
                  "sim: %.0f s, seed %llu, %d vendors and %d enterprises trading %s, %lld actions",
                  s.elapsed_s, static_cast<unsigned long long>(s.seed), s.vendors, s.enterprises,
                  chips.c_str(), static_cast<long long>(s.actions));
    add(line);
    const int64_t rejected = s.orders_placed - s.orders_accepted;
    add("orders:  " + num(s.orders_placed) + " placed, " + num(s.orders_accepted) + " accepted, " +
        num(rejected) + " rejected" +
        (s.order_rejects.empty() ? "" : " (" + counts_text(s.order_rejects) + ")") + ", " +
        num(s.orders_cancelled) + " cancelled");
    add("trades:  " + num(s.tape_trades) + " on the tape of the sim's books, " +
        num(s.tape_device_hours) + " device-hours, " + yuan(s.tape_notional_fen) +
        " CNY; the sim's own: " + num(s.own_trades) + " fills, " + num(s.own_device_hours) +
        " device-hours, " + yuan(s.own_notional_fen) + " CNY compute");
    add("jobs:    " + num(s.jobs_submitted) + " submitted, " + num(s.jobs_filled) + " filled, " +
        num(s.jobs_partial) + " partially filled, " + num(s.jobs_unfilled) + " unfilled" +
        (s.job_unfilled_reasons.empty() ? "" : " (" + counts_text(s.job_unfilled_reasons) + ")"));
    if (!s.jobs_by_region.empty()) {
        add("\nwhere the jobs ran:");
        table t(
            {{"REGION"}, {"SIDE"}, {"JOBS", true}, {"DEVICE-HOURS", true}, {"DELIVERED", true}});
        for (const auto& [region, p] : s.jobs_by_region) {
            t.add({region, west_of(s, region) ? "west" : "east", num(p.jobs), num(p.devices),
                   yuan(p.notional_fen)});
        }
        std::FILE* mem = nullptr;
        char* buf = nullptr;
        std::size_t len = 0;
        mem = open_memstream(&buf, &len);
        t.print(mem, "");
        std::fclose(mem);
        out += std::string(buf, len);
        std::free(buf);
        add("\nwhy (each job that bought, by where its cheapest fill was):");
        add("  went west, cheapest delivered:                 " + num(s.went_west));
        add("  stayed east, network cost (west ask cheaper):  " + num(s.east_network));
        add("  stayed east, latency bound (west too far):     " + num(s.east_latency));
        add("  stayed east, cheaper even before the network:  " + num(s.east_cheapest));
        for (const auto& [kind, why] : s.by_kind) {
            add("  " + kind + " jobs: " + counts_text(why));
        }
    }
    add("\nunexpected errors: " + num(s.unexpected));
    for (const std::string& e : s.unexpected_samples) add("  " + e);
    return out;
}

std::string sim_summary_json(const sim_summary& s) {
    using json = nlohmann::json;
    json regions = json::object();
    for (const auto& [region, p] : s.jobs_by_region) {
        regions[region] = {{"side", west_of(s, region) ? "west" : "east"},
                           {"jobs", p.jobs},
                           {"device_hours", p.devices},
                           {"delivered", yuan(p.notional_fen)}};
    }
    const json j = {
        {"seconds", s.elapsed_s},
        {"seed", s.seed},
        {"agents", {{"vendors", s.vendors}, {"enterprises", s.enterprises}}},
        {"chips", s.chips},
        {"actions", s.actions},
        {"orders",
         {{"placed", s.orders_placed},
          {"accepted", s.orders_accepted},
          {"rejected", s.order_rejects},
          {"cancelled", s.orders_cancelled}}},
        {"trades",
         {{"tape", s.tape_trades},
          {"tape_device_hours", s.tape_device_hours},
          {"tape_notional", yuan(s.tape_notional_fen)},
          {"own", s.own_trades},
          {"own_device_hours", s.own_device_hours},
          {"own_notional", yuan(s.own_notional_fen)}}},
        {"jobs",
         {{"submitted", s.jobs_submitted},
          {"filled", s.jobs_filled},
          {"partially_filled", s.jobs_partial},
          {"unfilled", s.jobs_unfilled},
          {"unfilled_reasons", s.job_unfilled_reasons},
          {"by_region", regions},
          {"why",
           {{"west_cheaper_delivered", s.went_west},
            {"east_network_cost", s.east_network},
            {"east_latency", s.east_latency},
            {"east_cheapest", s.east_cheapest}}},
          {"why_by_kind", s.by_kind}}},
        {"unexpected_errors", s.unexpected},
        {"unexpected_samples", s.unexpected_samples},
    };
    return j.dump(2);
}

}  // namespace cux::tools
