// The response of POST /v1/jobs (schemas/api/job_response.json) from the job's outcome: its
// job_candidate events (the route report), its trades (the fills) and its job_done (status and
// totals). Per-unit figures are per device-hour, or per PFLOPS-hour for a job sized in pflops,
// each rounded half up on its own (so ask + energy + network + fees may differ from delivered
// by a fen); `delivered` is the engine's own figure, the one compared with the job's limit.

#include <cstring>

#include "engine/job_route.hpp"
#include "engine/symbol.hpp"
#include "gateway/money.hpp"
#include "gateway/views.hpp"

namespace cux::gateway {

using namespace cux::engine;

namespace {

// Thousandths without trailing zeros: 38600 -> "38.6", 989000 -> "989", 40 -> "0.04".
std::string trimmed_milli(int64_t v) {
    std::string s = format_milli(v);
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s;
}

// A share in thousandths with two decimals when that is exact: 230 -> "0.23", 185 -> "0.185".
std::string share_text(int64_t milli) {
    std::string s = format_milli(milli);
    if (milli % 10 == 0) s.pop_back();
    return s;
}

const char* job_status_text(job_status s) {
    switch (s) {
        case job_status::filled:
            return "filled";
        case job_status::partial:
            return "partially_filled";
        case job_status::unfilled:
            break;
    }
    return "unfilled";
}

std::string hour_of_job(const job_body& terms, int64_t h) {
    return "hour " + std::to_string(h + 1) + " of " + std::to_string(terms.hours) + " (" +
           format_rfc3339((int64_t{terms.start_hour} + h) * ns_per_hour) + ")";
}

// Why a candidate cannot take the job, in words, with the numbers on both sides.
std::string exclusion_text(const job_candidate_body& k, const job_body& terms) {
    switch (k.exclusion) {
        case job_exclusion::none:
            return {};
        case job_exclusion::tflops:
            return "tflops " + trimmed_milli(k.detail) + " < " +
                   trimmed_milli(terms.min_dense_gflops);
        case job_exclusion::memory:
            return "memory " + std::to_string(k.detail) + " GB < " +
                   std::to_string(terms.min_memory_gb) + " GB";
        case job_exclusion::too_many_devices:
            return "needs " + std::to_string(k.detail) + " devices > " +
                   std::to_string(limits::qty_per_order_max) + " per order";
        case job_exclusion::region_not_allowed:
            return "region not allowed";
        case job_exclusion::latency:
            return "latency " + trimmed_milli(k.detail) + " ms > " +
                   trimmed_milli(terms.max_rtt_us) + " ms";
        case job_exclusion::green_share:
            return "green " + share_text(k.detail) + " < " + share_text(terms.min_green_milli);
        case job_exclusion::not_trading:
            return hour_of_job(terms, k.detail) + " not open for trading";
        case job_exclusion::no_liquidity:
            return "no liquidity for " + hour_of_job(terms, k.detail);
        case job_exclusion::over_max_price:
            return "delivered " + format_fen(k.detail) + " > " + format_fen(terms.max_price_fen);
    }
    return job_exclusion_name(k.exclusion);
}

}  // namespace

json job_json(const market_config& m, const command_outcome& out, const job_body& terms,
              json reason) {
    const job_done_body* done = nullptr;
    for (const event& e : out.events) {
        if (e.type == event_type::job_done) done = &e.body.job;
    }
    CUX_ASSERT(done != nullptr);  // a job that was not rejected always ends with its job_done
    const bool pflops = (done->flags & job_flag_pflops) != 0;
    const int64_t units = job_math::units_of(pflops, done->size);
    const int64_t hours = terms.hours;

    json fills = json::array();
    json route = json::array();
    for (const event& e : out.events) {
        if (e.type == event_type::trade) {
            const trade_body& t = e.body.trade;
            fills.push_back({{"trade_id", std::to_string(t.id.value())},
                             {"contract_id", std::to_string(t.contract.value())},
                             {"symbol", format_symbol(m, unpack(t.instrument))},
                             {"price", format_fen(t.price.value())},
                             {"qty", t.qty.value()},
                             {"compute", format_fen(t.compute.value())},
                             {"energy", format_fen(t.energy.value())},
                             {"network", format_fen(t.network.value())},
                             {"fee", format_fen(t.buyer_fee.value())},
                             {"carrier", m.carriers.at(t.carrier)}});
        }
        if (e.type != event_type::job_candidate) continue;
        const job_candidate_body& k = e.body.candidate;
        const int64_t devices = k.devices.value();
        // Per unit of the job: the candidate's lines over the unit-hours its devices carry.
        json ask = nullptr;
        json energy = nullptr;
        json network = nullptr;
        json fees = nullptr;
        json delivered = nullptr;
        json total = nullptr;
        if (devices > 0 && hours > 0) {
            const int64_t covered =
                job_math::covered(pflops, devices, m.chips.at(k.chip).dense_gflops, units);
            auto per_unit = [&](money_fen x) {
                return format_fen(job_math::unit_price(pflops, x.value(), covered, hours));
            };
            ask = per_unit(k.compute);
            energy = per_unit(k.energy);
            network = per_unit(k.network);
            fees = per_unit(k.fees);
            delivered = format_fen(k.unit_price_fen);
            total = format_fen((k.compute + k.energy + k.network + k.fees).value());
        }
        const bool eligible = k.exclusion == job_exclusion::none;
        const std::string why = exclusion_text(k, terms);
        route.push_back(
            {{"symbol", format_symbol(m, instrument_key{k.chip, k.region, tenor::hour,
                                                        int64_t{terms.start_hour}})},
             {"chip", m.chips.at(k.chip).id},
             {"region", m.regions.at(k.region).id},
             {"eligible", eligible},
             {"rank", eligible ? json(k.rank) : json(nullptr)},
             {"reason", why.empty() ? json(nullptr) : json(why)},
             {"exclusion", eligible ? json(nullptr) : json(job_exclusion_name(k.exclusion))},
             {"need", k.need.value()},
             {"devices", devices},
             {"taken", k.taken.value()},
             {"ask", ask},
             {"energy", energy},
             {"network", network},
             {"fees", fees},
             {"delivered", delivered},
             {"total", total},
             {"taken_cost", format_fen(k.taken_cost.value())}});
    }
    const int64_t paid = (done->compute + done->energy + done->network + done->fees).value();
    const std::string coid(done->client_order_id,
                           strnlen(done->client_order_id, sizeof done->client_order_id));
    return {{"job_id", std::to_string(done->job)},
            {"client_order_id", coid.empty() ? json(nullptr) : json(coid)},
            {"status", job_status_text(done->status)},
            {"dry_run", (done->flags & job_flag_dry_run) != 0},
            {"reason", std::move(reason)},
            {"unit", pflops ? "pflops_hour" : "device_hour"},
            {"start", format_rfc3339(int64_t{terms.start_hour} * ns_per_hour)},
            {"hours", hours},
            {"devices", done->devices.value()},
            {"covered",
             pflops ? json(static_cast<double>(done->covered) / 1000.0) : json(done->covered)},
            {"totals",
             {{"compute", format_fen(done->compute.value())},
              {"energy", format_fen(done->energy.value())},
              {"network", format_fen(done->network.value())},
              {"fees", format_fen(done->fees.value())},
              {"delivered", format_fen(paid)}}},
            {"fills", std::move(fills)},
            {"route", std::move(route)},
            {"seq", out.seq}};
}

}  // namespace cux::gateway
