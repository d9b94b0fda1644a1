#include "gateway/decode.hpp"

#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <nlohmann/json.hpp>

#include "engine/limits.hpp"
#include "engine/symbol.hpp"
#include "gateway/detail/json_fields.hpp"
#include "gateway/json_flat.hpp"
#include "gateway/json_strict.hpp"
#include "gateway/money.hpp"

namespace cux::gateway {

namespace {

using json = nlohmann::json;
using namespace cux::engine;

using detail::fields;
using detail::valid_client_order_id;

}  // namespace

std::optional<uint64_t> parse_id(std::string_view s) {
    if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
    uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        const auto d = static_cast<uint64_t>(c - '0');
        if (v > (UINT64_MAX - d) / 10) return std::nullopt;
        v = v * 10 + d;
    }
    return v;
}

namespace {

template <class Obj>
bool place_order_from(const Obj& j, const market_config& m, command& out, api_error& err) {
    CUX_ASSERT(j.is_object());
    detail::basic_fields<Obj> f(j, err);
    f.only({"symbol", "side", "type", "price", "qty", "tif", "post_only", "client_order_id", "stp",
            "origin_region", "data_gb"});
    std::string symbol;
    std::string coid;
    std::string origin;
    int sd = 0;
    int type = 0;
    int tif = 0;
    int stp = 0;
    bool post_only = false;
    int64_t price = 0;
    int64_t qty = 0;
    int64_t data_gb = 0;
    f.string("symbol", symbol, true, 64);
    f.choice("side", {"buy", "sell"}, sd, true);
    f.choice("type", {"limit", "market"}, type, false);
    f.choice("tif", {"gtc", "ioc", "fok"}, tif, false);
    f.choice("stp", {"cancel_newest", "cancel_oldest", "cancel_both"}, stp, false);
    f.boolean("post_only", post_only);
    if (type == 1 && f.has("price")) {
        f.fail(400, "BAD_REQUEST", "a market order takes no price", "price");
    }
    f.money("price", price, type == 0, limits::price_fen_max, "INVALID_PRICE");
    f.integer("qty", qty, true, 1, limits::qty_per_order_max, "INVALID_QTY");
    f.string("client_order_id", coid, false, limits::client_order_id_bytes);
    if (f.ok() && !coid.empty() && !valid_client_order_id(coid)) {
        f.fail(400, "BAD_REQUEST",
               "client_order_id may hold only A-Z a-z 0-9 - _ . :", "client_order_id");
    }
    f.string("origin_region", origin, false, 32);
    f.integer("data_gb", data_gb, false, 0, limits::data_gb_max, "INVALID_DATA_VOLUME");
    if (!f.ok()) return false;
    const auto key = parse_symbol(m, symbol);
    if (!key) return f.fail(400, "UNKNOWN_INSTRUMENT", "no such instrument " + symbol, "symbol");
    uint8_t origin_index = origin_none;
    if (!origin.empty()) {
        const int r = m.region_index(origin);
        if (r < 0)
            return f.fail(400, "UNKNOWN_REGION", "no such region " + origin, "origin_region");
        origin_index = static_cast<uint8_t>(r);
    }
    if (sd == 1 && (!origin.empty() || f.has("data_gb"))) {
        return f.fail(400, "BAD_REQUEST", "only buy orders carry origin_region and data_gb",
                      !origin.empty() ? "origin_region" : "data_gb");
    }
    if (data_gb != 0 && origin.empty()) {
        return f.fail(400, "INVALID_DATA_VOLUME", "data_gb needs origin_region", "data_gb");
    }
    out.type = command_type::place_order;
    place_order_body& b = out.body.place;
    b.instrument = pack(*key);
    b.sd = sd == 0 ? side::buy : side::sell;
    b.type = type == 0 ? order_type::limit : order_type::market;
    b.tif = static_cast<time_in_force>(tif);
    b.stp = static_cast<stp_mode>(stp);
    b.post_only = post_only ? 1 : 0;
    b.origin_region = origin_index;
    b.price = price_fen(price);
    b.qty = qty_devices(qty);
    b.data_gb = data_gb;
    std::memset(b.client_order_id, 0, sizeof b.client_order_id);
    std::memcpy(b.client_order_id, coid.data(), coid.size());
    return true;
}

}  // namespace

bool decode_place_order(std::string_view body, const market_config& m, command& out,
                        api_error& err) {
    flat_object flat;
    if (flat.read(body)) return decode_place_order_object(flat, m, out, err);
    json j;
    if (!parse_json_object(body, j, err)) return false;
    return decode_place_order_object(j, m, out, err);
}

bool decode_place_order_object(const json& j, const market_config& m, command& out,
                               api_error& err) {
    return place_order_from(j, m, out, err);
}

bool decode_place_order_object(const flat_object& j, const market_config& m, command& out,
                               api_error& err) {
    return place_order_from(j, m, out, err);
}

bool decode_replace(std::string_view body, replace_fields& out, api_error& err) {
    json j;
    if (!parse_json_object(body, j, err)) return false;
    fields f(j, err);
    f.only({"price", "qty"});
    int64_t price = 0;
    int64_t qty = 0;
    f.money("price", price, false, limits::price_fen_max, "INVALID_PRICE");
    f.integer("qty", qty, false, 1, limits::qty_per_order_max, "INVALID_QTY");
    if (!f.ok()) return false;
    if (!f.has("price") && !f.has("qty")) {
        return f.fail(400, "BAD_REQUEST", "a replace needs price, qty or both", "price");
    }
    if (f.has("price")) out.price_fen = price;
    if (f.has("qty")) out.qty = qty;
    return true;
}

bool decode_capacity(std::string_view body, const market_config& m, command& out, api_error& err) {
    json j;
    if (!parse_json_object(body, j, err)) return false;
    fields f(j, err);
    f.only({"chip", "region", "devices", "from", "to"});
    std::string chip;
    std::string region;
    std::string from;
    std::string to;
    int64_t devices = 0;
    f.string("chip", chip, true, 32);
    f.string("region", region, true, 32);
    f.integer("devices", devices, true, 1, limits::qty_per_order_max * 100, "INVALID_QTY");
    f.string("from", from, true, 40);
    f.string("to", to, true, 40);
    if (!f.ok()) return false;
    const int c = m.chip_index(chip);
    if (c < 0) return f.fail(400, "UNKNOWN_CHIP", "no such chip " + chip, "chip");
    const int r = m.region_index(region);
    if (r < 0) return f.fail(400, "UNKNOWN_REGION", "no such region " + region, "region");
    const auto t0 = parse_rfc3339(from);
    const auto t1 = parse_rfc3339(to);
    if (!t0 || *t0 % ns_per_hour != 0) {
        return f.fail(400, "INVALID_CAPACITY", "from must be a whole UTC hour (RFC 3339)", "from");
    }
    if (!t1 || *t1 % ns_per_hour != 0) {
        return f.fail(400, "INVALID_CAPACITY", "to must be a whole UTC hour (RFC 3339)", "to");
    }
    if (*t1 <= *t0) return f.fail(400, "INVALID_CAPACITY", "to must be after from", "to");
    out.type = command_type::register_capacity;
    capacity_body& b = out.body.capacity;
    b.chip = static_cast<uint8_t>(c);
    b.region = static_cast<uint8_t>(r);
    b.devices = qty_devices(devices);
    b.from_hour = *t0 / ns_per_hour;
    b.to_hour = *t1 / ns_per_hour;
    return true;
}

bool decode_withdrawal(std::string_view body, command& out, api_error& err) {
    json j;
    if (!parse_json_object(body, j, err)) return false;
    fields f(j, err);
    f.only({"amount"});
    int64_t amount = 0;
    f.money("amount", amount, true, limits::amount_fen_max, "INVALID_AMOUNT");
    if (!f.ok()) return false;
    out.type = command_type::withdraw;
    out.body.money.amount = money_fen(amount);
    return true;
}

bool decode_deposit(std::string_view body, command& out, api_error& err) {
    json j;
    if (!parse_json_object(body, j, err)) return false;
    fields f(j, err);
    f.only({"participant_id", "amount"});
    std::string who;
    int64_t amount = 0;
    f.string("participant_id", who, true, 20);
    f.money("amount", amount, true, limits::amount_fen_max, "INVALID_AMOUNT");
    if (!f.ok()) return false;
    const auto id = parse_id(who);
    if (!id || *id == 0 || *id >= limits::participants_max) {
        return f.fail(400, "BAD_REQUEST", "participant_id must be a participant's id",
                      "participant_id");
    }
    out.type = command_type::deposit;
    out.body.money.target = participant_id(static_cast<uint32_t>(*id));
    out.body.money.amount = money_fen(amount);
    return true;
}

bool decode_participant(std::string_view body, command& out, api_error& err) {
    json j;
    if (!parse_json_object(body, j, err)) return false;
    fields f(j, err);
    f.only({"name", "roles", "group"});
    std::string name;
    f.string("name", name, true, limits::participant_name_bytes - 1);
    if (!f.ok()) return false;
    for (unsigned char c : name) {
        if (c < 0x20 || c == 0x7f) {
            return f.fail(400, "BAD_REQUEST", "name may not hold control characters", "name");
        }
    }
    const auto it = j.find("roles");
    if (it == j.end()) return f.fail(400, "BAD_REQUEST", "missing field roles", "roles");
    if (!it->is_array() || it->empty() || it->size() > 4) {
        return f.fail(400, "BAD_REQUEST", "roles must be a list of 1 to 4 roles", "roles");
    }
    uint8_t roles = 0;
    for (const auto& r : *it) {
        if (!r.is_string()) return f.fail(400, "BAD_REQUEST", "roles must be strings", "roles");
        const auto& s = r.get_ref<const std::string&>();
        uint8_t bit = 0;
        if (s == "admin") bit = role_admin;
        if (s == "vendor") bit = role_vendor;
        if (s == "buyer") bit = role_buyer;
        if (s == "regulator") bit = role_regulator;
        if (bit == 0) {
            return f.fail(400, "BAD_REQUEST",
                          "roles must be admin, vendor, buyer or regulator, not \"" + s + "\"",
                          "roles");
        }
        if ((roles & bit) != 0) {
            return f.fail(400, "BAD_REQUEST", "role " + s + " is listed twice", "roles");
        }
        roles = static_cast<uint8_t>(roles | bit);
    }
    if ((roles & role_regulator) != 0 && (roles & (role_vendor | role_buyer)) != 0) {
        return f.fail(400, "BAD_REQUEST", "a regulator holds no trading role", "roles");
    }
    // An optional group of linked participants (surveillance): a decimal id of 1 to 9 digits.
    uint32_t group = 0;
    if (const auto g = j.find("group"); g != j.end()) {
        const auto v = g->is_string() ? parse_id(g->get_ref<const std::string&>()) : std::nullopt;
        if (!v || *v == 0 || *v > 999'999'999) {
            return f.fail(400, "BAD_REQUEST", "group must be a decimal id from 1 to 999999999",
                          "group");
        }
        group = static_cast<uint32_t>(*v);
    }
    out.type = command_type::create_participant;
    create_participant_body& b = out.body.create;
    b.roles = roles;
    b.group = group;
    std::memset(b.name, 0, sizeof b.name);
    std::memcpy(b.name, name.data(), name.size());
    return true;
}

}  // namespace cux::gateway
