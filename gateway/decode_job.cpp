// POST /v1/jobs: a job order's body -> the engine's place_job command (decode.hpp decode_job).
// The engine checks the same ranges again (exchange_jobs.cpp check_job); here every problem
// gets the field it belongs to, and what the engine cannot see (a duplicate chip, a region
// named twice, a start off the hour, a decimal with too many places) is refused first.

#include <cstring>
#include <nlohmann/json.hpp>

#include "engine/limits.hpp"
#include "engine/symbol.hpp"
#include "gateway/decode.hpp"
#include "gateway/detail/json_fields.hpp"
#include "gateway/json_strict.hpp"

namespace cux::gateway {

namespace {

using namespace cux::engine;
using detail::fields;
using detail::json;

// Bounds of the API's job constraints, inside what the engine's fields can carry.
constexpr int64_t min_tflops_milli_max = int64_t{1'000'000} * 1000;  // 1,000,000 TFLOPS
constexpr int64_t min_memory_gb_max = UINT16_MAX;
constexpr int64_t max_rtt_us_max = int64_t{100'000} * 1000;  // 100 s
static_assert(min_tflops_milli_max <= UINT32_MAX && max_rtt_us_max <= UINT32_MAX);
static_assert(limits::data_gb_max <= UINT32_MAX);

// A list of ids as a bit set over `ids` (market order); false and `err` for an unknown one.
template <class Spec>
bool bits_of(fields& f, const std::vector<std::string>& names, const std::vector<Spec>& ids,
             const char* field, const char* code, const char* what, uint32_t& out) {
    out = 0;
    for (const std::string& n : names) {
        uint32_t bit = 0;
        bool found = false;
        for (std::size_t i = 0; i < ids.size(); ++i) {
            if (ids[i].id == n) {
                bit = uint32_t{1} << i;
                found = true;
            }
        }
        if (!found) return f.fail(400, code, std::string("no such ") + what + " " + n, field);
        out |= bit;
    }
    return true;
}

}  // namespace

bool decode_job(std::string_view body, const market_config& m, command& out, api_error& err) {
    json j;
    if (!parse_json_object(body, j, err)) return false;
    fields f(j, err);
    f.only({"chips", "min_tflops", "min_memory_gb", "qty", "pflops", "start", "hours",
            "origin_region", "data_gb", "max_rtt_ms", "allowed_regions", "min_green_share",
            "max_delivered_price", "split", "tif", "dry_run", "client_order_id"});
    std::vector<std::string> chips;
    std::vector<std::string> regions;
    std::string start;
    std::string origin;
    std::string coid;
    int64_t min_tflops_milli = 0;
    int64_t min_memory_gb = 0;
    int64_t qty = 0;
    int64_t mpflops = 0;
    int64_t hours = 0;
    int64_t data_gb = 0;
    int64_t max_rtt_us = 0;
    int64_t green_milli = 0;
    int64_t max_price = 0;
    bool split = false;
    bool dry_run = false;
    int tif = 1;  // fok
    f.string_list("chips", chips, limits::chips_max);
    f.milli("min_tflops", min_tflops_milli, false, 0, min_tflops_milli_max, "INVALID_CONSTRAINT");
    f.integer("min_memory_gb", min_memory_gb, false, 0, min_memory_gb_max, "INVALID_CONSTRAINT");
    if (f.ok() && !f.has("chips") && !f.has("min_tflops") && !f.has("min_memory_gb")) {
        f.fail(400, "BAD_REQUEST", "a job needs chips, or min_tflops and/or min_memory_gb",
               "chips");
    }
    if (f.ok() && f.has("qty") && f.has("pflops")) {
        f.fail(400, "BAD_REQUEST", "a job is sized by qty or by pflops, not both", "pflops");
    }
    if (f.ok() && !f.has("qty") && !f.has("pflops")) {
        f.fail(400, "BAD_REQUEST", "missing field qty (or pflops)", "qty");
    }
    f.integer("qty", qty, false, 1, limits::qty_per_order_max, "INVALID_QTY");
    f.milli("pflops", mpflops, false, 1, limits::job_mpflops_max, "INVALID_QTY");
    f.string("start", start, true, 40);
    f.integer("hours", hours, true, 1, limits::job_hours_max, "INVALID_WINDOW");
    f.string("origin_region", origin, true, 32);
    f.integer("data_gb", data_gb, false, 0, limits::data_gb_max, "INVALID_DATA_VOLUME");
    f.milli("max_rtt_ms", max_rtt_us, false, 1, max_rtt_us_max, "INVALID_CONSTRAINT");
    f.string_list("allowed_regions", regions, limits::regions_max);
    f.milli("min_green_share", green_milli, false, 0, 1000, "INVALID_CONSTRAINT");
    f.money("max_delivered_price", max_price, true, limits::job_price_fen_max, "INVALID_PRICE");
    f.boolean("split", split);
    f.choice("tif", {"ioc", "fok"}, tif, false);
    f.boolean("dry_run", dry_run);
    f.string("client_order_id", coid, false, limits::client_order_id_bytes);
    if (f.ok() && !coid.empty() && !detail::valid_client_order_id(coid)) {
        f.fail(400, "BAD_REQUEST",
               "client_order_id may hold only A-Z a-z 0-9 - _ . :", "client_order_id");
    }
    if (!f.ok()) return false;

    const auto t = parse_rfc3339(start);
    if (!t || *t < 0 || *t % ns_per_hour != 0 || *t / ns_per_hour > start_hour_max) {
        return f.fail(400, "INVALID_WINDOW", "start must be a whole UTC hour (RFC 3339)", "start");
    }
    const int origin_index = m.region_index(origin);
    if (origin_index < 0) {
        return f.fail(400, "UNKNOWN_REGION", "no such region " + origin, "origin_region");
    }
    uint32_t chip_bits = 0;
    uint32_t region_bits = 0;
    if (!bits_of(f, chips, m.chips, "chips", "UNKNOWN_CHIP", "chip", chip_bits) ||
        !bits_of(f, regions, m.regions, "allowed_regions", "UNKNOWN_REGION", "region",
                 region_bits)) {
        return false;
    }

    out.type = command_type::place_job;
    job_body& b = out.body.job;
    b.chips = chip_bits;
    b.regions = region_bits;
    b.start_hour = static_cast<uint32_t>(*t / ns_per_hour);
    b.size = static_cast<int32_t>(f.has("pflops") ? mpflops : qty);
    b.data_gb = static_cast<uint32_t>(data_gb);
    b.max_price_fen = static_cast<int32_t>(max_price);
    b.min_dense_gflops = static_cast<uint32_t>(min_tflops_milli);
    b.max_rtt_us = static_cast<uint32_t>(max_rtt_us);
    b.min_memory_gb = static_cast<uint16_t>(min_memory_gb);
    b.min_green_milli = static_cast<uint16_t>(green_milli);
    b.hours = static_cast<uint8_t>(hours);
    b.origin_region = static_cast<uint8_t>(origin_index);
    b.tif = tif == 0 ? time_in_force::ioc : time_in_force::fok;
    b.flags = static_cast<uint8_t>((split ? job_flag_split : 0) | (dry_run ? job_flag_dry_run : 0) |
                                   (f.has("pflops") ? job_flag_pflops : 0));
    std::memset(b.client_order_id, 0, sizeof b.client_order_id);
    std::memcpy(b.client_order_id, coid.data(), coid.size());
    return true;
}

}  // namespace cux::gateway
