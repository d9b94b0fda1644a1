#pragma once
// The reference model (reference_model.hpp): place, cancel and replace, and the hold of a buy,
// as engine/exchange_orders.cpp.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>

#include "tests/engine/reference_model.hpp"

namespace cux::engine::test {

// hold = L*r*H + energy(f+r) - energy(f) + network_left + fee(L*r*H, max(maker, taker)).
inline int64_t reference_model::hold_of(const minst& in, int64_t price, int64_t remaining,
                                        int64_t filled, int64_t network_left) const {
    const int64_t compute = price * remaining * in.hours;
    const int64_t energy =
        energy_fen(in.energy_units, filled + remaining) - energy_fen(in.energy_units, filled);
    const int64_t fee = fee_fen(compute, std::max(m_.maker_fee_bps, m_.taker_fee_bps));
    return compute + energy + network_left + fee;
}

inline void reference_model::on_place(const command& c) {
    const place_order_body& b = c.body.place;
    person* ps = actor_of(c);
    if (ps == nullptr) return reject(reject_reason::unknown_participant);
    const bool enums_ok = (b.sd == side::buy || b.sd == side::sell) &&
                          (b.type == order_type::limit || b.type == order_type::market) &&
                          static_cast<uint8_t>(b.tif) <= 2 && static_cast<uint8_t>(b.stp) <= 2 &&
                          b.post_only <= 1;
    if (!enums_ok) return reject(reject_reason::invalid_order);
    if ((ps->roles & (b.sd == side::buy ? role_buyer : role_vendor)) == 0) {
        return reject(reject_reason::forbidden);
    }
    const auto it = instruments_.find(b.instrument.value());
    if (it == instruments_.end()) return reject(reject_reason::unknown_instrument);
    minst& in = it->second;
    if (!tradeable(in.status)) return reject(reject_reason::market_closed);
    const bool call = in.status != instrument_status::open;
    const bool market = b.type == order_type::market;
    if (b.post_only != 0 && (market || b.tif != time_in_force::gtc)) {
        return reject(reject_reason::invalid_order);
    }
    if (call && (market || b.tif != time_in_force::gtc)) {
        return reject(reject_reason::not_allowed_in_phase);
    }
    if (b.qty.value() <= 0 || b.qty.value() > limits::qty_per_order_max) {
        return reject(reject_reason::invalid_qty);
    }
    int64_t limit = b.price.value();
    if (market) {
        // At most the collar away from the touch, rounded towards it, never out of band.
        const auto touch_price = best(in, opposite(b.sd));
        if (!touch_price) return reject(reject_reason::no_liquidity);
        const int64_t t = *touch_price;
        if (b.sd == side::buy) {
            const int64_t raw = t * (10000 + m_.market_collar_bps) / 10000;
            limit = std::min(raw / in.tick * in.tick, in.band_high);
        } else {
            const int64_t raw = (t * (10000 - m_.market_collar_bps) + 9999) / 10000;
            limit = std::max((raw + in.tick - 1) / in.tick * in.tick, in.band_low);
        }
    } else {
        if (limit <= 0 || limit % in.tick != 0) return reject(reject_reason::invalid_price);
        if (limit < in.band_low || limit > in.band_high) {
            return reject(reject_reason::price_out_of_band);
        }
    }
    int64_t network = 0;
    uint8_t origin = origin_none;
    if (b.sd == side::buy) {
        if (b.origin_region != origin_none && b.origin_region >= m_.regions.size()) {
            return reject(reject_reason::unknown_region);
        }
        if (b.data_gb < 0 || b.data_gb > limits::data_gb_max) {
            return reject(reject_reason::invalid_data_volume);
        }
        origin = b.origin_region;
        if (origin != origin_none) network = network_fen(m_, origin, in.key.region, b.data_gb);
    } else if (b.data_gb != 0 || b.origin_region != origin_none) {
        return reject(reject_reason::invalid_data_volume);
    }
    if (ps->open_orders >= c_.open_orders_per_participant_max) {
        return reject(reject_reason::open_order_limit);
    }
    if (static_cast<int64_t>(in.orders.size()) >= c_.open_orders_per_book_max) {
        return reject(reject_reason::book_order_limit);
    }
    if (b.post_only != 0 && !call && crosses(in, b.sd, limit)) {
        return reject(reject_reason::post_only_would_cross);
    }
    std::size_t live = 0;
    std::size_t contracts = 0;
    for (const auto& [id, other] : instruments_) {
        live += other.orders.size();
        contracts += other.contracts.size();
    }
    if (c_.contracts_max - contracts < live + 1) {
        return reject(reject_reason::contract_table_full);
    }
    if (live >= c_.orders_max) return reject(reject_reason::order_pool_full);

    morder o;
    o.owner = c.actor;
    o.sd = b.sd;
    o.tif = market && b.tif == time_in_force::gtc ? time_in_force::ioc : b.tif;
    o.stp = b.stp;
    o.post_only = b.post_only;
    o.origin = origin;
    o.price = limit;
    o.remaining = b.qty.value();
    o.network_left = network;
    if (b.sd == side::buy) {
        const int64_t hold = hold_of(in, limit, o.remaining, 0, network);
        if (ps->available < hold) return reject(reject_reason::insufficient_funds);
        o.hold = hold;
        ps->available -= hold;
        ps->held += hold;
        touch(c.actor);
    } else if (!reserve(c.actor, in, o.remaining)) {
        return reject(reject_reason::insufficient_capacity);
    }
    o.id = next_order_++;
    ++ps->open_orders;

    event& e = emit(event_type::order_accepted, c.actor);
    e.body.accepted.id = order_id(o.id);
    e.body.accepted.instrument = in.id;
    e.body.accepted.sd = b.sd;
    e.body.accepted.type = b.type;
    e.body.accepted.tif = o.tif;
    e.body.accepted.post_only = b.post_only;
    e.body.accepted.price = price_fen(limit);
    e.body.accepted.qty = b.qty;
    e.body.accepted.hold = money_fen(o.hold);
    std::memcpy(e.body.accepted.client_order_id, b.client_order_id,
                sizeof e.body.accepted.client_order_id);

    if (call) return rest(in, o);
    if (o.tif == time_in_force::fok && fillable(in, o) < o.remaining) {
        return end_order(in, o, done_reason::unfilled);
    }
    const bool stp = match(in, o);
    finish_incoming(in, o, stp);
}

// The instrument and index of a live order of `owner`, or nullptr.
inline auto reference_model::find_own(uint64_t id, participant_id owner)
    -> std::pair<minst*, std::size_t> {
    for (auto& [iid, in] : instruments_) {
        for (std::size_t i = 0; i < in.orders.size(); ++i) {
            if (in.orders[i].id == id) {
                if (in.orders[i].owner != owner) return {nullptr, 0};
                return {&in, i};
            }
        }
    }
    return {nullptr, 0};
}

inline void reference_model::on_cancel(const command& c) {
    const order_id id = c.body.cancel.id;
    const auto [in, i] = find_own(id.value(), c.actor);
    if (in == nullptr) return reject(reject_reason::unknown_order, id);
    morder o = in->orders[i];
    in->orders.erase(in->orders.begin() + static_cast<std::ptrdiff_t>(i));
    emit_level(*in, o.sd, o.price);
    end_order(*in, o, done_reason::cancelled);
}

inline void reference_model::on_replace(const command& c) {
    const replace_order_body& b = c.body.replace;
    const auto [inp, i] = find_own(b.id.value(), c.actor);
    if (inp == nullptr) return reject(reject_reason::unknown_order, b.id);
    minst& in = *inp;
    person& ps = people_[c.actor.value()];
    const int64_t price = b.price.value();
    const int64_t qty = b.qty.value();
    if (price <= 0 || price % in.tick != 0) {
        return reject(reject_reason::invalid_price, b.id);
    }
    if (price < in.band_low || price > in.band_high) {
        return reject(reject_reason::price_out_of_band, b.id);
    }
    if (qty <= 0 || qty > limits::qty_per_order_max) {
        return reject(reject_reason::invalid_qty, b.id);
    }
    const bool call = in.status != instrument_status::open;
    morder o = in.orders[i];
    const bool keep = price == o.price && qty <= o.remaining;
    const int64_t new_hold =
        o.sd == side::buy ? hold_of(in, price, qty, o.filled, o.network_left) : 0;
    if (!keep) {
        if (o.post_only != 0 && !call && crosses(in, o.sd, price)) {
            return reject(reject_reason::post_only_would_cross, b.id);
        }
        if (o.sd == side::buy && new_hold > o.hold + ps.available) {
            return reject(reject_reason::insufficient_funds, b.id);
        }
        if (o.sd == side::sell && qty > o.remaining && !reserve(o.owner, in, qty - o.remaining)) {
            return reject(reject_reason::insufficient_capacity, b.id);
        }
    }
    if (o.sd == side::buy && new_hold != o.hold) {
        ps.available += o.hold - new_hold;
        ps.held += new_hold - o.hold;
        o.hold = new_hold;
        touch(o.owner);
    }
    if (o.sd == side::sell && qty < o.remaining) {
        release(o.owner, in, o.remaining - qty, false);
    }
    const bool level_changed = !keep || qty < o.remaining;
    const int64_t old_price = o.price;
    o.price = price;
    o.remaining = qty;
    if (keep) {
        in.orders[i] = o;  // same place in time priority
    } else {
        in.orders.erase(in.orders.begin() + static_cast<std::ptrdiff_t>(i));
    }
    if (level_changed) emit_level(in, o.sd, old_price);
    event& e = emit(event_type::order_replaced, o.owner);
    e.body.replaced.id = b.id;
    e.body.replaced.instrument = in.id;
    e.body.replaced.kept_priority = keep ? 1 : 0;
    e.body.replaced.price = b.price;
    e.body.replaced.qty = b.qty;
    e.body.replaced.hold = money_fen(o.hold);
    if (keep) return;
    if (call) return rest(in, o);
    const bool stp = match(in, o);
    finish_incoming(in, o, stp);
}

}  // namespace cux::engine::test
