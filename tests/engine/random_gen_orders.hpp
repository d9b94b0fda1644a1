#pragma once
// The command generator (random_gen.hpp): orders, cancels, replaces and contract failures: which
// instrument, price, quantity and order they name.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <tuple>
#include <vector>

#include "tests/engine/random_gen.hpp"

namespace cux::engine::test {

inline command_gen::inst_pick command_gen::instrument() {
    std::vector<const reference_model::minst*> trading;
    std::vector<const reference_model::minst*> listed;
    for (const auto& [id, in] : model_.instruments()) {
        listed.push_back(&in);
        if (tradeable(in.status)) trading.push_back(&in);
    }
    const int64_t r = uni(0, 99);
    if (r < 93 && !trading.empty()) {
        const auto* in = pick(trading);
        return {in->id, in};
    }
    if (r < 97 && !listed.empty()) {
        const auto* in = pick(listed);
        return {in->id, in};
    }
    if (!delisted_.empty() && chance(0.5)) return {pick(delisted_), nullptr};
    // Not listed (yet): far ahead, or an id that packs no valid key.
    if (chance(0.5)) {
        return {
            pack(instrument_key{static_cast<uint8_t>(uni(0, 1)), static_cast<uint8_t>(uni(0, 1)),
                                tenor::hour, now_hour() + uni(5, 300)}),
            nullptr};
    }
    return {instrument_id(static_cast<uint32_t>(uni(0, 0xffffffffLL))), nullptr};
}

// Prices cluster near the reference so books cross often; some are out of band, off the
// tick or not positive.
inline int64_t command_gen::price_for(const reference_model::minst* in) {
    if (in == nullptr) return uni(1, 3000);
    const int64_t tick = in->tick;
    const int64_t spread = std::max<int64_t>(3, in->reference * 4 / 100 / tick);
    const int64_t r = uni(0, 999);
    if (r < 880) return in->reference + tick * uni(-spread, spread);
    if (r < 930) return in->band_low + tick * uni(0, (in->band_high - in->band_low) / tick);
    if (r < 950) return in->band_high + tick * uni(1, 3);
    if (r < 970) return in->band_low - tick * uni(1, 3);
    if (r < 990 && tick > 1) return in->reference + uni(1, tick - 1);
    if (r < 995) return 0;
    return -tick * uni(1, 10);
}

inline int64_t command_gen::qty() {
    const int64_t r = uni(0, 999);
    if (r < 975) return uni(1, 20);
    if (r < 982) return 0;
    if (r < 988) return -uni(1, 5);
    if (r < 994) return limits::qty_per_order_max + 1;
    return limits::qty_per_order_max;  // valid, and far more than anyone can afford
}

// A burst: one participant rests many passive orders in one book, so the per-book,
// per-participant and pool limits are reached now and then.
inline std::optional<command> command_gen::burst() {
    if (burst_left_ == 0) {
        burst_left_ = uni(20, 45);
        burst_buy_ = chance(0.5);
        burst_inst_ = instrument().id;
        burst_actor_ = burst_buy_ ? pick(buyers()) : p_vendor1;
    }
    --burst_left_;
    const auto it = model_.instruments().find(burst_inst_.value());
    if (it == model_.instruments().end() || !tradeable(it->second.status)) {
        burst_left_ = 0;
        return std::nullopt;
    }
    const reference_model::minst& in = it->second;
    command c = make(command_type::place_order, burst_actor_);
    place_order_body& b = c.body.place;
    b.instrument = in.id;
    b.sd = burst_buy_ ? side::buy : side::sell;
    b.type = order_type::limit;
    b.tif = time_in_force::gtc;
    b.stp = stp_mode::cancel_newest;
    b.origin_region = origin_none;
    b.price = price_fen(burst_buy_ ? in.band_low + in.tick * uni(0, 4)
                                   : in.band_high - in.tick * uni(0, 4));
    b.qty = qty_devices(uni(1, 2));
    return c;
}

// vendor1 has capacity rows in every book, vendor2 and `both` in one each (see script()).
inline participant_id command_gen::seller_for(const reference_model::minst* in) {
    if (in != nullptr && chance(0.85)) {
        if (in->key.chip == 1 && in->key.region == 0 && chance(0.6)) return p_vendor2;
        if (in->key.chip == 0 && in->key.region == 1 && chance(0.6)) return p_both;
        return p_vendor1;
    }
    return pick(sellers());
}

inline command command_gen::place() {
    const bool buy = chance(0.5);
    const inst_pick ip = instrument();
    participant_id actor = buy ? pick(buyers()) : seller_for(ip.in);
    if (chance(0.03)) actor = anyone();
    command c = make(command_type::place_order, actor);
    place_order_body& b = c.body.place;
    b.instrument = ip.id;
    b.sd = buy ? side::buy : side::sell;
    const bool call = ip.in != nullptr && ip.in->status != instrument_status::open;
    b.type = chance(call ? 0.02 : 0.08) ? order_type::market : order_type::limit;
    const int64_t t = uni(0, 99);
    b.tif = call && chance(0.9) ? time_in_force::gtc
            : t < 72            ? time_in_force::gtc
            : t < 86            ? time_in_force::ioc
                                : time_in_force::fok;
    b.stp = static_cast<stp_mode>(uni(0, 2));
    b.post_only = chance(0.07) ? 1 : 0;
    b.origin_region = origin_none;
    b.data_gb = 0;
    if (buy) {
        const int64_t o = uni(0, 99);
        b.origin_region = o < 45   ? origin_none
                          : o < 97 ? static_cast<uint8_t>(uni(0, 1))
                                   : static_cast<uint8_t>(uni(2, 254));
        const int64_t d = uni(0, 99);
        b.data_gb = d < 30   ? 0
                    : d < 98 ? uni(1, 20'000)
                    : d < 99 ? -uni(1, 9)
                             : limits::data_gb_max + 1;
    } else if (chance(0.01)) {
        b.origin_region = 0;
        b.data_gb = chance(0.5) ? 0 : 10;
    }
    b.price = price_fen(price_for(ip.in));
    b.qty = qty_devices(qty());
    if (chance(0.005)) {
        // One enum out of range.
        switch (uni(0, 4)) {
            case 0:
                b.sd = static_cast<side>(uni(2, 255));
                break;
            case 1:
                b.type = static_cast<order_type>(uni(2, 255));
                break;
            case 2:
                b.tif = static_cast<time_in_force>(uni(3, 255));
                break;
            case 3:
                b.stp = static_cast<stp_mode>(uni(3, 255));
                break;
            default:
                b.post_only = static_cast<uint8_t>(uni(2, 255));
                break;
        }
    }
    const auto len = static_cast<std::size_t>(uni(0, limits::client_order_id_bytes));
    for (std::size_t i = 0; i < len; ++i) {
        b.client_order_id[i] = static_cast<char>('a' + uni(0, 25));
    }
    return c;
}

inline std::vector<command_gen::live> command_gen::live_orders() const {
    std::vector<live> v;
    model_.for_each_order([&](const reference_model::minst& in, const reference_model::morder& o) {
        v.push_back({o.id, o.owner, &in, &o});
    });
    return v;
}

inline command_gen::named_order command_gen::order_target(const std::vector<live>& v) {
    const int64_t r = uni(0, 99);
    if (r < 78 && !v.empty()) {
        const live& l = pick(v);
        return {l.id, l.owner, &l};
    }
    if (r < 86 && !v.empty()) {
        const live& l = pick(v);
        participant_id other = pick(traders());
        if (other == l.owner) other = chance(0.5) ? p_regulator : participant_id(0);
        return {l.id, other, nullptr};
    }
    if (r < 94 && !dead_.empty()) {
        const auto& [id, owner] = pick(dead_);
        return {id, owner, nullptr};
    }
    return {unknown_model_id(static_cast<int>(uni(0, unknown_ids - 1))), pick(traders()), nullptr};
}

// A seller reporting non-delivery: mostly of its own open contracts, sometimes of someone
// else's, of a failed or settled one, or of an id that never existed.
inline command command_gen::fail_contract() {
    std::vector<std::tuple<uint64_t, participant_id, bool>> known;  // id, seller, open
    for (const auto& [id, in] : model_.instruments()) {
        for (const auto& k : in.contracts) {
            known.emplace_back(k.id, k.seller, k.status == contract_status::open);
        }
    }
    const int64_t r = uni(0, 99);
    uint64_t id = unknown_model_id(static_cast<int>(uni(0, unknown_ids - 1)));
    participant_id actor = pick(traders());
    if (r < 80 && !known.empty()) {
        const auto& [kid, seller, open] = pick(known);
        id = kid;
        actor = r < 62 ? seller : r < 70 ? participant_id(0) : pick(traders());
    } else if (r < 90 && !settled_.empty()) {
        const auto& [kid, seller] = pick(settled_);
        id = kid;
        actor = seller;
    }
    command c = make(command_type::fail_contract, actor);
    c.body.contract.id = contract_id(id);
    return c;
}

inline command command_gen::cancel() {
    const std::vector<live> v = live_orders();
    const named_order t = order_target(v);
    command c = make(command_type::cancel_order, t.actor);
    c.body.cancel.id = order_id(t.id);
    return c;
}

inline command command_gen::replace() {
    const std::vector<live> v = live_orders();
    const named_order t = order_target(v);
    command c = make(command_type::replace_order, t.actor);
    replace_order_body& b = c.body.replace;
    b.id = order_id(t.id);
    if (t.l == nullptr) {
        b.price = price_fen(uni(1, 3000));
        b.qty = qty_devices(uni(1, 20));
        return c;
    }
    const reference_model::morder& o = *t.l->o;
    const int64_t r = uni(0, 99);
    if (r < 25) {  // same price, fewer: keeps priority
        b.price = price_fen(o.price);
        b.qty = qty_devices(uni(1, o.remaining));
    } else if (r < 33) {  // no change at all
        b.price = price_fen(o.price);
        b.qty = qty_devices(o.remaining);
    } else if (r < 43) {  // same price, more: loses priority
        b.price = price_fen(o.price);
        b.qty = qty_devices(o.remaining + uni(1, 10));
    } else if (r < 92) {
        b.price = price_fen(price_for(t.l->in));
        b.qty = qty_devices(uni(1, 20));
    } else {
        b.price = price_fen(price_for(t.l->in));
        b.qty = qty_devices(qty());
    }
    return c;
}

}  // namespace cux::engine::test
