// Orders, their risk (funds held for buys, capacity reserved for sells) and their trades.
//
// Money of a buy order, with L its limit (or collar) price, r its open quantity, f what it has
// filled, H the window's hours, E the energy units of one device over the window:
//   hold = L*r*H + energy(f+r) - energy(f) + network_left + fee(L*r*H, max(maker, taker))
// where energy(n) rounds n*E once (cumulative), and network_left is the part of the order's
// network cost not yet charged. A fill of q at p <= L charges p*q*H, energy(f+q) - energy(f),
// network_left*q/r (all of it when q = r), and the fee at the side's rate. The hold always
// covers the fill (each term of the hold shrinks by at least its charge), so held funds can
// never go negative and equal the worst case of what is still open.

#include <algorithm>
#include <cstring>

#include "engine/exchange.hpp"

namespace cux::engine {

namespace {

int64_t mul3(int64_t a, int64_t b, int64_t c) {
    int64_t ab = 0;
    int64_t abc = 0;
    CUX_ASSERT(mul_ok(a, b, ab) && mul_ok(ab, c, abc));
    return abc;
}

bool valid_enums(const place_order_body& b) {
    return (b.sd == side::buy || b.sd == side::sell) &&
           (b.type == order_type::limit || b.type == order_type::market) &&
           static_cast<uint8_t>(b.tif) <= static_cast<uint8_t>(time_in_force::fok) &&
           static_cast<uint8_t>(b.stp) <= static_cast<uint8_t>(stp_mode::cancel_both) &&
           b.post_only <= 1;
}

bool tradeable(instrument_status s) {
    return s == instrument_status::pre_open || s == instrument_status::open ||
           s == instrument_status::closing;
}

// Hold of a buy with limit `price`, open `remaining`, `filled` so far and `network_left`.
money_fen hold_of(const market_config& m, const instrument_state& in, price_fen price,
                  int64_t remaining, int64_t filled, money_fen network_left) {
    const int64_t compute = mul3(price.value(), remaining, in.hours);
    const int64_t energy =
        energy_fen(in.energy_units, filled + remaining) - energy_fen(in.energy_units, filled);
    const int64_t fee = fee_fen(compute, std::max(m.maker_fee_bps, m.taker_fee_bps));
    return money_fen(compute + energy + network_left.value() + fee);
}

}  // namespace

money_fen exchange::hold_for(const instrument_state& in, const order& o) const {
    if (o.sd == side::sell) return money_fen(0);
    return hold_of(market_, in, o.price, o.remaining.value(), o.filled.value(), o.network_left);
}

void exchange::on_place(const command& c) {
    const place_order_body& b = c.body.place;
    if (c.actor.value() == 0 || c.actor.value() >= participants_.size() ||
        !participants_[c.actor.value()].exists) {
        return reject(reject_reason::unknown_participant);
    }
    participant_state& ps = participants_[c.actor.value()];
    if (!valid_enums(b)) return reject(reject_reason::invalid_order);
    if ((ps.roles & (b.sd == side::buy ? role_buyer : role_vendor)) == 0) {
        return reject(reject_reason::forbidden);
    }
    const uint32_t islot = instruments_.find(b.instrument);
    if (islot == nil_slot) return reject(reject_reason::unknown_instrument);
    instrument_state& in = instruments_[islot];
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
    price_fen limit = b.price;
    if (market) {
        // A market order trades at most the collar away from the touch, never outside the band.
        if (in.bk.empty(opposite(b.sd))) return reject(reject_reason::no_liquidity);
        const int64_t touch = in.bk.best_price(opposite(b.sd)).value();
        const int64_t tick = in.bk.tick().value();
        if (b.sd == side::buy) {
            const int64_t raw = touch * (10000 + market_.market_collar_bps) / 10000;
            limit = price_fen(std::min(raw / tick * tick, in.band_high.value()));
        } else {
            const int64_t raw = (touch * (10000 - market_.market_collar_bps) + 9999) / 10000;
            limit = price_fen(std::max((raw + tick - 1) / tick * tick, in.band_low.value()));
        }
    } else {
        if (limit.value() <= 0 || limit.value() % in.bk.tick().value() != 0) {
            return reject(reject_reason::invalid_price);
        }
        if (limit < in.band_low || limit > in.band_high) {
            return reject(reject_reason::price_out_of_band);
        }
    }
    uint8_t origin = origin_none;
    int64_t network = 0;
    if (b.sd == side::buy) {
        if (b.origin_region != origin_none && b.origin_region >= market_.regions.size()) {
            return reject(reject_reason::unknown_region);
        }
        if (b.data_gb < 0 || b.data_gb > limits::data_gb_max) {
            return reject(reject_reason::invalid_data_volume);
        }
        origin = b.origin_region;
        if (origin != origin_none) network = network_fen(market_, origin, in.key.region, b.data_gb);
    } else if (b.data_gb != 0 || b.origin_region != origin_none) {
        return reject(reject_reason::invalid_data_volume);
    }
    if (ps.open_orders >= config_.open_orders_per_participant_max) {
        return reject(reject_reason::open_order_limit);
    }
    if (in.open_orders >= config_.open_orders_per_book_max) {
        return reject(reject_reason::book_order_limit);
    }
    if (b.post_only != 0 && !call && in.bk.crosses(b.sd, limit)) {
        return reject(reject_reason::post_only_would_cross);
    }
    // Every open order may still become a contract (see contract_pool.hpp).
    if (contracts_.free() < orders_.live() + 1) {
        return reject(reject_reason::contract_table_full);
    }
    const uint32_t slot = orders_.allocate();
    if (slot == nil_slot) return reject(reject_reason::order_pool_full);
    order& o = orders_[slot];
    o.next = o.prev = nil_slot;
    o.instrument = islot;
    o.owner = c.actor;
    o.sd = b.sd;
    // A market order never rests: GTC means IOC; FOK keeps its all-or-nothing within the collar.
    o.tif = market && b.tif == time_in_force::gtc ? time_in_force::ioc : b.tif;
    o.stp = b.stp;
    o.post_only = b.post_only;
    o.origin_region = origin;
    o.job = 0;
    std::memset(o.pad, 0, sizeof o.pad);
    o.price = limit;
    o.remaining = b.qty;
    o.filled = qty_devices(0);
    o.network_left = money_fen(network);
    o.hold = money_fen(0);
    if (b.sd == side::buy) {
        const money_fen hold = hold_for(in, o);
        if (ps.available < hold) {
            orders_.release(slot);
            return reject(reject_reason::insufficient_funds);
        }
        o.hold = hold;
        ps.available -= hold;
        ps.held += hold;
        mark_dirty(c.actor, money_fen(0) - hold);
    } else if (!reserve_capacity(c.actor, in, b.qty.value())) {
        orders_.release(slot);
        return reject(reject_reason::insufficient_capacity);
    }
    ++ps.open_orders;
    ++in.open_orders;
    cur_slot_ = islot;

    event& e = begin_event(event_type::order_accepted, c.actor);
    e.body.accepted.id = orders_.id_of(slot);
    e.body.accepted.instrument = in.id;
    e.body.accepted.sd = b.sd;
    e.body.accepted.type = b.type;
    e.body.accepted.tif = o.tif;
    e.body.accepted.post_only = b.post_only;
    e.body.accepted.price = limit;
    e.body.accepted.qty = b.qty;
    e.body.accepted.hold = o.hold;
    std::memcpy(e.body.accepted.client_order_id, b.client_order_id,
                sizeof e.body.accepted.client_order_id);
    send_event();

    if (call) {
        in.bk.insert(orders_, levels_, slot, *this);
        return;
    }
    if (o.tif == time_in_force::fok &&
        in.bk.fillable(orders_, levels_, o.sd, limit, o.owner, o.stp, o.remaining) < o.remaining) {
        settle_order_end(slot, done_reason::unfilled);
        orders_.release(slot);
        return;
    }
    const match_result r = in.bk.match(orders_, levels_, slot, limit, *this);
    finish_incoming(slot, r.incoming_stp_cancelled);
}

// After matching: the incoming order is filled, cancelled by STP, unfilled (IOC/FOK/market
// remainder) or rests in the book.
void exchange::finish_incoming(uint32_t slot, bool stp_cancelled) {
    order& o = orders_[slot];
    done_reason why;
    if (o.remaining.value() == 0) {
        why = done_reason::filled;
    } else if (stp_cancelled) {
        why = done_reason::self_trade;
    } else if (o.tif != time_in_force::gtc) {
        why = done_reason::unfilled;
    } else {
        instruments_[o.instrument].bk.insert(orders_, levels_, slot, *this);
        return;
    }
    settle_order_end(slot, why);
    orders_.release(slot);
}

// Releases what an ending order still holds and reports it. The caller releases the slot.
void exchange::settle_order_end(uint32_t slot, done_reason why) {
    order& o = orders_[slot];
    instrument_state& in = instruments_[o.instrument];
    participant_state& ps = participants_[o.owner.value()];
    if (o.sd == side::buy) {
        ps.held -= o.hold;
        ps.available += o.hold;
        if (o.hold.value() != 0) mark_dirty(o.owner, o.hold);
        o.hold = money_fen(0);
    } else if (o.remaining.value() > 0) {
        release_capacity(o.owner, in, o.remaining.value(), false);
    }
    --ps.open_orders;
    --in.open_orders;
    event& e = begin_event(event_type::order_done, o.owner);
    e.body.done.id = orders_.id_of(slot);
    e.body.done.instrument = in.id;
    e.body.done.reason = why;
    e.body.done.sd = o.sd;
    e.body.done.filled = o.filled;
    e.body.done.remaining = why == done_reason::filled ? qty_devices(0) : o.remaining;
    send_event();
}

void exchange::on_cancel(const command& c) {
    const order_id id = c.body.cancel.id;
    const uint32_t slot = orders_.find(id);
    if (slot == nil_slot || orders_[slot].owner != c.actor) {
        return reject(reject_reason::unknown_order, id);
    }
    instrument_state& in = instruments_[orders_[slot].instrument];
    cur_slot_ = orders_[slot].instrument;
    in.bk.remove(orders_, levels_, slot, *this);
    settle_order_end(slot, done_reason::cancelled);
    orders_.release(slot);
}

void exchange::on_replace(const command& c) {
    const replace_order_body& b = c.body.replace;
    const uint32_t slot = orders_.find(b.id);
    if (slot == nil_slot || orders_[slot].owner != c.actor) {
        return reject(reject_reason::unknown_order, b.id);
    }
    order& o = orders_[slot];
    instrument_state& in = instruments_[o.instrument];
    participant_state& ps = participants_[o.owner.value()];
    cur_slot_ = o.instrument;
    // Resting orders exist only while the instrument trades: gate closure expires them all.
    CUX_ASSERT(tradeable(in.status));
    if (b.price.value() <= 0 || b.price.value() % in.bk.tick().value() != 0) {
        return reject(reject_reason::invalid_price, b.id);
    }
    if (b.price < in.band_low || b.price > in.band_high) {
        return reject(reject_reason::price_out_of_band, b.id);
    }
    if (b.qty.value() <= 0 || b.qty.value() > limits::qty_per_order_max) {
        return reject(reject_reason::invalid_qty, b.id);
    }
    const bool call = in.status != instrument_status::open;
    const bool keep = b.price == o.price && b.qty <= o.remaining;
    money_fen new_hold(0);
    if (o.sd == side::buy) {
        new_hold = hold_of(market_, in, b.price, b.qty.value(), o.filled.value(), o.network_left);
    }
    if (!keep) {
        if (o.post_only != 0 && !call && in.bk.crosses(o.sd, b.price)) {
            return reject(reject_reason::post_only_would_cross, b.id);
        }
        if (o.sd == side::buy && new_hold > o.hold + ps.available) {
            return reject(reject_reason::insufficient_funds, b.id);
        }
        if (o.sd == side::sell && b.qty > o.remaining &&
            !reserve_capacity(o.owner, in, (b.qty - o.remaining).value())) {
            return reject(reject_reason::insufficient_capacity, b.id);
        }
    }
    if (o.sd == side::buy && new_hold != o.hold) {
        ps.available += o.hold - new_hold;
        ps.held += new_hold - o.hold;
        mark_dirty(o.owner, o.hold - new_hold);
        o.hold = new_hold;
    }
    if (o.sd == side::sell && b.qty < o.remaining) {
        release_capacity(o.owner, in, (o.remaining - b.qty).value(), false);
    }
    if (keep) {
        if (b.qty < o.remaining) in.bk.reduce(orders_, levels_, slot, b.qty, *this);
    } else {
        in.bk.remove(orders_, levels_, slot, *this);
        o.price = b.price;
        o.remaining = b.qty;
    }
    event& e = begin_event(event_type::order_replaced, o.owner);
    e.body.replaced.id = b.id;
    e.body.replaced.instrument = in.id;
    e.body.replaced.kept_priority = keep ? 1 : 0;
    e.body.replaced.price = b.price;
    e.body.replaced.qty = b.qty;
    e.body.replaced.hold = o.hold;
    send_event();
    if (keep) return;
    if (call) {
        in.bk.insert(orders_, levels_, slot, *this);
        return;
    }
    const match_result r = in.bk.match(orders_, levels_, slot, b.price, *this);
    finish_incoming(slot, r.incoming_stp_cancelled);
}

// ---- book_listener -------------------------------------------------------------------------

void exchange::on_trade(uint32_t incoming, uint32_t resting, price_fen price, qty_devices qty,
                        bool auction) {
    const bool incoming_buys = orders_[incoming].sd == side::buy;
    const uint32_t bslot = incoming_buys ? incoming : resting;
    const uint32_t sslot = incoming_buys ? resting : incoming;
    order& bo = orders_[bslot];
    order& so = orders_[sslot];
    instrument_state& in = instruments_[bo.instrument];
    const int64_t q = qty.value();
    const int64_t compute = mul3(price.value(), q, in.hours);
    const int64_t energy = energy_fen(in.energy_units, bo.filled.value() + q) -
                           energy_fen(in.energy_units, bo.filled.value());
    const int64_t network =
        q == bo.remaining.value()
            ? bo.network_left.value()
            : static_cast<int64_t>(static_cast<int128>(bo.network_left.value()) * q /
                                   bo.remaining.value());
    // In an auction nobody takes liquidity: both sides pay the maker rate.
    const int64_t buyer_bps =
        !auction && bslot == incoming ? market_.taker_fee_bps : market_.maker_fee_bps;
    const int64_t seller_bps =
        !auction && sslot == incoming ? market_.taker_fee_bps : market_.maker_fee_bps;
    const int64_t buyer_fee = fee_fen(compute, buyer_bps);
    const int64_t seller_fee = fee_fen(compute, seller_bps);
    const int64_t cost = compute + energy + network + buyer_fee;

    const money_fen before = bo.hold;
    bo.network_left -= money_fen(network);
    // A job's order holds exactly the cost of its fills as planned (exchange_jobs.cpp); any
    // other buy holds the worst case at its limit.
    const money_fen after = bo.job != 0 ? before - money_fen(cost)
                                        : hold_of(market_, in, bo.price, bo.remaining.value() - q,
                                                  bo.filled.value() + q, bo.network_left);
    const int64_t released = (before - after).value();
    CUX_ASSERT(released >= cost && after.value() >= 0);
    if (bo.job != 0) {
        job_traded_.compute += compute;
        job_traded_.energy += energy;
        job_traded_.network += network;
        job_traded_.fees += buyer_fee;
    }
    bo.hold = after;
    participant_state& buyer = participants_[bo.owner.value()];
    buyer.held -= money_fen(released);
    buyer.available += money_fen(released - cost);
    buyer.escrow += money_fen(cost);
    mark_dirty(bo.owner, money_fen(released - cost));
    release_capacity(so.owner, in, q, true);
    in.last_trade = price;
    in.volume += qty;
    if (now_ >= in.gate_ts - settlement_vwap_ns) in.late.add(price, qty);

    const uint32_t ks = contracts_.allocate();
    CUX_ASSERT(ks != nil_slot);  // guaranteed by the bound checked when orders are placed
    contract& k = contracts_[ks];
    k.instrument = bo.instrument;
    k.buyer = bo.owner;
    k.seller = so.owner;
    k.origin_region = bo.origin_region == origin_none ? in.key.region : bo.origin_region;
    k.carrier = static_cast<uint8_t>(market_.link(k.origin_region, in.key.region).carrier);
    k.status = contract_status::open;
    k.pad = 0;
    k.trade = trade_id(next_trade_);
    k.price = price;
    k.qty = qty;
    k.compute = money_fen(compute);
    k.energy = money_fen(energy);
    k.network = money_fen(network);
    k.buyer_fee = money_fen(buyer_fee);
    k.seller_fee = money_fen(seller_fee);
    if (in.contract_tail == nil_slot) {
        in.contract_head = ks;
    } else {
        contracts_[in.contract_tail].next = ks;
    }
    in.contract_tail = ks;

    event& e = begin_event(event_type::trade, participant_id(0));
    trade_body& t = e.body.trade;
    t.id = trade_id(next_trade_++);
    t.instrument = in.id;
    t.aggressor = auction ? side::buy : orders_[incoming].sd;
    t.auction = auction ? 1 : 0;
    t.origin_region = k.origin_region;
    t.carrier = k.carrier;
    t.contract = contracts_.id_of(ks);
    t.buy_order = orders_.id_of(bslot);
    t.sell_order = orders_.id_of(sslot);
    t.buyer = bo.owner;
    t.seller = so.owner;
    t.price = price;
    t.qty = qty;
    t.compute = money_fen(compute);
    t.energy = money_fen(energy);
    t.network = money_fen(network);
    t.buyer_fee = money_fen(buyer_fee);
    t.seller_fee = money_fen(seller_fee);
    send_event();
}

void exchange::on_resting_done(uint32_t resting, done_reason why) {
    settle_order_end(resting, why);
}

void exchange::on_level(side sd, price_fen price, qty_devices qty, int64_t orders) {
    event& e = begin_event(event_type::book_level, participant_id(0));
    e.body.level.instrument = instruments_[cur_slot_].id;
    e.body.level.sd = sd;
    e.body.level.price = price;
    e.body.level.qty = qty;
    e.body.level.orders = orders;
    send_event();
}

}  // namespace cux::engine
