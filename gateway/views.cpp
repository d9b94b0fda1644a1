#include "gateway/views.hpp"

#include <cstring>

#include "engine/symbol.hpp"
#include "gateway/json_text.hpp"
#include "gateway/money.hpp"

namespace cux::gateway {

using namespace cux::engine;

namespace {

const char* side_name(side s) { return s == side::buy ? "buy" : "sell"; }
const char* tif_name(time_in_force t) {
    return t == time_in_force::gtc ? "gtc" : t == time_in_force::ioc ? "ioc" : "fok";
}
const char* contract_state_name(contract_state s) {
    return s == contract_state::open ? "open" : s == contract_state::settled ? "settled" : "failed";
}
std::string id_text(uint64_t v) { return std::to_string(v); }
std::string hour_text(epoch_hour h) { return format_rfc3339(h * ns_per_hour); }

}  // namespace

json roles_json(uint8_t roles) {
    json a = json::array();
    if ((roles & role_admin) != 0) a.push_back("admin");
    if ((roles & role_vendor) != 0) a.push_back("vendor");
    if ((roles & role_buyer) != 0) a.push_back("buyer");
    if ((roles & role_regulator) != 0) a.push_back("regulator");
    return a;
}

std::optional<std::string> avg_price_text(int64_t notional_fen, int64_t qty) {
    if (qty <= 0) return std::nullopt;
    return format_fen((notional_fen * 2 + qty) / (2 * qty));
}

std::string reference_body(const market_config& m) {
    json chips = json::array();
    for (const chip_spec& c : m.chips) {
        chips.push_back({{"id", c.id},
                         {"name_en", c.name_en},
                         {"name_zh", c.name_zh},
                         {"kind", c.kind == chip_kind::gpu   ? "gpu"
                                  : c.kind == chip_kind::npu ? "npu"
                                                             : "cpu"},
                         {"dense_gflops", c.dense_gflops},
                         {"memory_gb", c.memory_gb},
                         {"power_w", c.power_w},
                         {"typical_price", format_fen(c.typical_price.value())},
                         {"tick", format_fen(c.tick.value())}});
    }
    json regions = json::array();
    for (const region_spec& r : m.regions) {
        json tariffs = json::array();
        for (const int64_t t : r.tariff_mcny_kwh) tariffs.push_back(format_milli(t));
        regions.push_back({{"id", r.id},
                           {"name_en", r.name_en},
                           {"name_zh", r.name_zh},
                           {"east_west", r.west ? "west" : "east"},
                           {"pue_milli", r.pue_milli},
                           {"tariff_cny_per_kwh", tariffs},
                           {"carbon_g_per_kwh", r.carbon_g_kwh},
                           {"green_share_milli", r.green_share_milli}});
    }
    json links = json::array();
    for (std::size_t a = 0; a < m.regions.size(); ++a) {
        for (std::size_t b = 0; b < m.regions.size(); ++b) {
            const link_spec& l = m.link(a, b);
            links.push_back({{"from", m.regions[a].id},
                             {"to", m.regions[b].id},
                             {"rtt_us", l.rtt_us},
                             {"transfer_cny_per_gb", format_milli(l.tariff_mcny_gb)},
                             {"carrier", m.carriers.at(l.carrier)}});
        }
    }
    const calendar_spec& cal = m.calendar;
    json body = {
        {"chips", chips},
        {"regions", regions},
        {"network", {{"carriers", m.carriers}, {"links", links}}},
        {"fees", {{"maker_bps", m.maker_fee_bps}, {"taker_bps", m.taker_fee_bps}}},
        {"price_band_bps", m.band_bps},
        {"market_collar_bps", m.market_collar_bps},
        {"tenors", json::array({"1h", "1d"})},
        {"calendar",
         {{"hourly_slots", cal.hourly_slots},
          {"daily_windows", cal.daily_windows},
          {"gate_closure_seconds", cal.gate_closure_s},
          {"pre_open_seconds", cal.pre_open_s},
          {"closing_call_seconds", cal.closing_call_s},
          {"utc_offset_hours", cal.utc_offset_hours},
          {"delivery_grace_seconds", cal.delivery_grace_s},
          {"retention_seconds", cal.retention_s}}},
    };
    return body.dump();
}

json instrument_json(const market_config& m, const instrument_row& r) {
    const instrument_key& k = r.key;
    const epoch_hour end = k.start_hour + tenor_hours(k.ten);
    return {{"symbol", format_symbol(m, k)},
            {"chip", m.chips.at(k.chip).id},
            {"region", m.regions.at(k.region).id},
            {"tenor", k.ten == tenor::hour ? "1h" : "1d"},
            {"window_start", hour_text(k.start_hour)},
            {"window_end", hour_text(end)},
            {"gate_closure",
             format_rfc3339(k.start_hour * ns_per_hour - m.calendar.gate_closure_s * ns_per_s)},
            {"status", status_name(r.status)},
            {"reference_price", format_fen(r.reference_fen)},
            {"band_low", format_fen(r.band_low_fen)},
            {"band_high", format_fen(r.band_high_fen)}};
}

json book_json(const std::string& symbol, const book_snapshot& b) {
    json bids = json::array();
    json asks = json::array();
    for (const level_row& l : b.bids) bids.push_back(json::array({format_fen(l.price_fen), l.qty}));
    for (const level_row& l : b.asks) asks.push_back(json::array({format_fen(l.price_fen), l.qty}));
    return {{"symbol", symbol}, {"seq", b.seq}, {"bids", bids}, {"asks", asks}};
}

json trade_json(const trade_row& t) {
    return {{"trade_id", id_text(t.trade_id)},  {"seq", t.seq},
            {"price", format_fen(t.price_fen)}, {"qty", t.qty},
            {"side", side_name(t.aggressor)},   {"auction", t.auction},
            {"time", format_rfc3339(t.ts)}};
}

const char* order_status(const order_row& o) {
    if (o.done) return o.reason == done_reason::filled ? "filled" : "cancelled";
    return o.filled > 0 ? "partially_filled" : "open";
}

namespace {

// The members of an order (json_text.hpp: keys in ascending order).
template <class F>
void order_fields(F& f, const market_config& m, const order_row& o) {
    using text = std::optional<std::string>;
    f.field("avg_price", avg_price_text(o.notional_fen, o.filled));
    f.field("client_order_id", o.client_order_id.empty() ? text() : text(o.client_order_id));
    f.field("created_at", format_rfc3339(o.created_ts));
    f.field("done_reason", o.done ? text(done_reason_name(o.reason)) : text());
    f.field("filled_qty", o.filled);
    f.field("order_id", id_text(o.id.value()));
    f.field("post_only", o.post_only);
    f.field("price", format_fen(o.price_fen));
    f.field("qty", o.qty);
    f.field("remaining_qty", o.done ? int64_t{0} : o.remaining);
    f.field("seq", o.seq);
    f.field("side", side_name(o.sd));
    f.field("status", order_status(o));
    f.field("symbol", format_symbol(m, unpack(o.instrument)));
    f.field("tif", tif_name(o.tif));
    f.field("type", o.type == order_type::limit ? "limit" : "market");
    f.field("updated_at", format_rfc3339(o.updated_ts));
}

// Writes one object's members with `fields` into text or into a DOM.
template <class Fields>
std::string object_text(Fields&& fields) {
    std::string s;
    s.reserve(512);
    json_text t(s);
    t.open_object();
    json_text_fields f(t);
    fields(f);
    t.close_object();
    return s;
}

template <class Fields>
json object_json(Fields&& fields) {
    json j = json::object();
    json_dom_fields f(j);
    fields(f);
    return j;
}

}  // namespace

json order_json(const market_config& m, const order_row& o) {
    return object_json([&](auto& f) { order_fields(f, m, o); });
}

std::string order_text(const market_config& m, const order_row& o) {
    return object_text([&](auto& f) { order_fields(f, m, o); });
}

json fill_json(const market_config& m, const fill_row& f) {
    return {{"trade_id", id_text(f.trade_id)},
            {"order_id", id_text(f.order.value())},
            {"contract_id", id_text(f.contract_id)},
            {"symbol", format_symbol(m, unpack(f.instrument))},
            {"side", side_name(f.sd)},
            {"price", format_fen(f.price_fen)},
            {"qty", f.qty},
            {"liquidity", f.taker ? "taker" : "maker"},
            {"fee", format_fen(f.fee_fen)},
            {"time", format_rfc3339(f.ts)},
            {"seq", f.seq}};
}

json contract_json(const market_config& m, const contract_row& c, participant_id viewer) {
    const instrument_key k = unpack(c.instrument);
    return {{"contract_id", id_text(c.id)},
            {"trade_id", id_text(c.trade_id)},
            {"symbol", format_symbol(m, k)},
            {"role", c.buyer == viewer ? "buyer" : "seller"},
            {"buyer_id", id_text(c.buyer.value())},
            {"seller_id", id_text(c.seller.value())},
            {"price", format_fen(c.price_fen)},
            {"qty", c.qty},
            {"compute", format_fen(c.compute_fen)},
            {"energy", format_fen(c.energy_fen)},
            {"network", format_fen(c.network_fen)},
            {"buyer_fee", format_fen(c.buyer_fee_fen)},
            {"seller_fee", format_fen(c.seller_fee_fen)},
            {"window_start", hour_text(k.start_hour)},
            {"window_end", hour_text(k.start_hour + tenor_hours(k.ten))},
            {"status", contract_state_name(c.state)},
            {"created_at", format_rfc3339(c.created_ts)},
            {"updated_at", format_rfc3339(c.updated_ts)},
            {"seq", c.seq}};
}

json capacity_json(const market_config& m, const capacity_row& c) {
    return {{"chip", m.chips.at(c.chip).id}, {"region", m.regions.at(c.region).id},
            {"devices", c.devices},          {"from", hour_text(c.from_hour)},
            {"to", hour_text(c.to_hour)},    {"seq", c.seq}};
}

namespace {

// The members of POST /v1/orders' 201 body (json_text.hpp: keys in ascending order).
template <class F>
void placed_order_fields(F& f, const command_outcome& out, participant_id actor) {
    order_id id(0);
    std::string coid;
    side sd = side::buy;
    for (const event& e : out.events) {
        if (e.type == event_type::order_accepted && e.participant == actor) {
            id = e.body.accepted.id;
            sd = e.body.accepted.sd;
            coid.assign(
                e.body.accepted.client_order_id,
                strnlen(e.body.accepted.client_order_id, sizeof e.body.accepted.client_order_id));
        }
    }
    // The order's trades, in the order the engine made them.
    std::vector<const trade_body*> fills;
    int64_t filled = 0;
    int64_t notional = 0;
    bool done = false;
    bool fully = false;
    for (const event& e : out.events) {
        if (e.type == event_type::trade &&
            (e.body.trade.buy_order == id || e.body.trade.sell_order == id)) {
            const trade_body& t = e.body.trade;
            filled += t.qty.value();
            notional += t.price.value() * t.qty.value();
            fills.push_back(&t);
        }
        if (e.type == event_type::order_done && e.body.done.id == id) {
            done = true;
            fully = e.body.done.reason == done_reason::filled;
        }
    }
    const char* status =
        done ? (fully ? "filled" : "cancelled") : (filled > 0 ? "partially_filled" : "open");
    using text = std::optional<std::string>;
    f.field("avg_price", avg_price_text(notional, filled));
    f.field("client_order_id", coid.empty() ? text() : text(coid));
    f.field("filled_qty", filled);
    f.array("fills", fills.size(), [&](auto& g, std::size_t i) {
        const trade_body& t = *fills[i];
        const bool taker = t.auction == 0 && t.aggressor == sd;
        g.field("liquidity", taker ? "taker" : "maker");
        g.field("price", format_fen(t.price.value()));
        g.field("qty", t.qty.value());
        g.field("trade_id", id_text(t.id.value()));
    });
    f.field("order_id", id_text(id.value()));
    f.field("seq", out.seq);
    f.field("status", status);
}

}  // namespace

json placed_order_json(const command_outcome& out, participant_id actor) {
    return object_json([&](auto& f) { placed_order_fields(f, out, actor); });
}

std::string placed_order_text(const command_outcome& out, participant_id actor) {
    return object_text([&](auto& f) { placed_order_fields(f, out, actor); });
}

}  // namespace cux::gateway
