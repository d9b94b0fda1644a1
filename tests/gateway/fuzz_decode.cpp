// libFuzzer target for the request decoders: arbitrary bytes as a request body (every decoder,
// JSON -> engine command) and as a request target. A decoder may refuse anything, but must never
// crash, hang, leak or read out of bounds, and what it accepts must be a well-formed command.
// Built only with clang (see CMakeLists.txt, target cux_fuzz_decode); seeds in fuzz_corpus/.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "engine/limits.hpp"
#include "gateway/decode.hpp"
#include "gateway/json_flat.hpp"
#include "gateway/json_strict.hpp"
#include "gateway/market_file.hpp"
#include "gateway/money.hpp"
#include "gateway/target.hpp"

namespace {

using namespace cux;

const engine::market_config& market() {
    static const engine::market_config m =
        gateway::load_market_file(std::string(CUX_SOURCE_DIR) + "/tests/data/market_small.json");
    return m;
}

void check_place(const engine::command& c) {
    const engine::place_order_body& b = c.body.place;
    CUX_ASSERT(c.type == engine::command_type::place_order);
    CUX_ASSERT(b.qty.value() >= 1 && b.qty.value() <= engine::limits::qty_per_order_max);
    CUX_ASSERT(b.type == engine::order_type::market ||
               (b.price.value() > 0 && b.price.value() <= engine::limits::price_fen_max));
    CUX_ASSERT(b.data_gb >= 0 && b.data_gb <= engine::limits::data_gb_max);
    CUX_ASSERT(b.origin_region == engine::origin_none || b.origin_region < market().regions.size());
}

// What the flat reader accepts must decode exactly as through the strict DOM: the same verdict,
// the same error, the same command bytes.
void check_flat_matches_dom(std::string_view in) {
    gateway::flat_object flat;
    if (!flat.read(in)) return;
    nlohmann::json dom;
    gateway::api_error dom_err;
    CUX_ASSERT(gateway::parse_json_object(in, dom, dom_err));  // a flat object is JSON
    gateway::api_error flat_err;
    engine::command a;
    engine::command b;
    const bool flat_ok = gateway::decode_place_order_object(flat, market(), a, flat_err);
    const bool dom_ok = gateway::decode_place_order_object(dom, market(), b, dom_err);
    CUX_ASSERT(flat_ok == dom_ok);
    if (flat_ok) {
        CUX_ASSERT(std::memcmp(&a, &b, sizeof a) == 0);
    } else {
        CUX_ASSERT(flat_err.code == dom_err.code && flat_err.message == dom_err.message &&
                   flat_err.field == dom_err.field && flat_err.status == dom_err.status);
    }
}

void check_job(const engine::command& c) {
    const engine::job_body& b = c.body.job;
    CUX_ASSERT(c.type == engine::command_type::place_job);
    const bool pflops = (b.flags & engine::job_flag_pflops) != 0;
    CUX_ASSERT(b.size >= 1 && b.size <= (pflops ? engine::limits::job_mpflops_max
                                                : engine::limits::qty_per_order_max));
    CUX_ASSERT(b.hours >= 1 && b.hours <= engine::limits::job_hours_max);
    CUX_ASSERT(b.origin_region < market().regions.size());
    CUX_ASSERT((b.chips >> market().chips.size()) == 0);
    CUX_ASSERT((b.regions >> market().regions.size()) == 0);
    CUX_ASSERT(b.max_price_fen >= 1 && b.max_price_fen <= engine::limits::job_price_fen_max);
    CUX_ASSERT(b.min_green_milli <= 1000);
    CUX_ASSERT(b.data_gb <= engine::limits::data_gb_max);
    CUX_ASSERT(b.tif == engine::time_in_force::ioc || b.tif == engine::time_in_force::fok);
    CUX_ASSERT((b.flags & ~engine::job_flags_all) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    gateway::api_error err;
    engine::command c;
    if (gateway::decode_place_order(in, market(), c, err)) check_place(c);
    check_flat_matches_dom(in);
    gateway::replace_fields r;
    if (gateway::decode_replace(in, r, err)) CUX_ASSERT(r.price_fen || r.qty);
    engine::command k;
    if (gateway::decode_capacity(in, market(), k, err)) {
        CUX_ASSERT(k.body.capacity.from_hour < k.body.capacity.to_hour);
    }
    engine::command job;
    if (gateway::decode_job(in, market(), job, err)) check_job(job);
    engine::command w;
    if (gateway::decode_withdrawal(in, w, err)) CUX_ASSERT(w.body.money.amount.value() > 0);
    engine::command d;
    if (gateway::decode_deposit(in, d, err)) CUX_ASSERT(d.body.money.target.value() != 0);
    engine::command p;
    if (gateway::decode_participant(in, p, err)) CUX_ASSERT(p.body.create.roles != 0);
    gateway::target t;
    (void)gateway::parse_target(in, t, err);
    int64_t fen = 0;
    if (gateway::parse_fen(in, engine::limits::amount_fen_max, fen) ==
        gateway::decimal_error::none) {
        CUX_ASSERT(fen >= 0 && fen <= engine::limits::amount_fen_max);
    }
    return 0;
}
