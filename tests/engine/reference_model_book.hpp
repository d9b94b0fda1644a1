#pragma once
// The reference model (reference_model.hpp): the book by linear scans, continuous matching
// and fills, with their money (engine/book.cpp and the trade half of engine/exchange_orders.cpp).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "tests/engine/reference_model.hpp"

namespace cux::engine::test {

// The level's totals after a change, by a scan of the book.
inline void reference_model::emit_level(const minst& in, side sd, int64_t price) {
    int64_t qty = 0;
    int64_t count = 0;
    for (const morder& o : in.orders) {
        if (o.sd == sd && o.price == price) {
            qty += o.remaining;
            ++count;
        }
    }
    event& e = emit(event_type::book_level, participant_id(0));
    e.body.level.instrument = in.id;
    e.body.level.sd = sd;
    e.body.level.price = price_fen(price);
    e.body.level.qty = qty_devices(qty);
    e.body.level.orders = count;
}

inline std::optional<int64_t> reference_model::best(const minst& in, side sd) {
    std::optional<int64_t> b;
    for (const morder& o : in.orders) {
        if (o.sd != sd) continue;
        if (!b || (sd == side::buy ? o.price > *b : o.price < *b)) b = o.price;
    }
    return b;
}

// Ids of the orders at one level in time priority.
inline std::vector<uint64_t> reference_model::level_ids(const minst& in, side sd, int64_t price) {
    std::vector<const morder*> at;
    for (const morder& o : in.orders) {
        if (o.sd == sd && o.price == price) at.push_back(&o);
    }
    std::sort(at.begin(), at.end(),
              [](const morder* a, const morder* b) { return a->arrival < b->arrival; });
    std::vector<uint64_t> ids;
    for (const morder* o : at) ids.push_back(o->id);
    return ids;
}

// The side's first order in price-time priority.
inline std::size_t reference_model::best_index(const minst& in, side sd) {
    std::size_t bi = in.orders.size();
    for (std::size_t i = 0; i < in.orders.size(); ++i) {
        const morder& o = in.orders[i];
        if (o.sd != sd) continue;
        if (bi == in.orders.size()) {
            bi = i;
            continue;
        }
        const morder& b = in.orders[bi];
        const bool better_price = sd == side::buy ? o.price > b.price : o.price < b.price;
        if (better_price || (o.price == b.price && o.arrival < b.arrival)) bi = i;
    }
    return bi;
}

inline std::size_t reference_model::index_of(const minst& in, uint64_t id) {
    for (std::size_t i = 0; i < in.orders.size(); ++i) {
        if (in.orders[i].id == id) return i;
    }
    CUX_ASSERT(false);
    return 0;
}

inline bool reference_model::crosses(const minst& in, side sd, int64_t limit) {
    const auto b = best(in, opposite(sd));
    if (!b) return false;
    return sd == side::buy ? *b <= limit : *b >= limit;
}

inline void reference_model::rest(minst& in, morder o) {
    o.arrival = ++arrival_;
    const side sd = o.sd;
    const int64_t price = o.price;
    in.orders.push_back(o);
    emit_level(in, sd, price);
}

// An order leaves the book or ends unfilled: what it still holds goes back.
inline void reference_model::end_order(minst& in, morder& o, done_reason why) {
    person& ps = people_[o.owner.value()];
    if (o.sd == side::buy) {
        ps.held -= o.hold;
        ps.available += o.hold;
        if (o.hold != 0) touch(o.owner);
        o.hold = 0;
    } else if (o.remaining > 0) {
        release(o.owner, in, o.remaining, false);
    }
    --ps.open_orders;
    event& e = emit(event_type::order_done, o.owner);
    e.body.done.id = order_id(o.id);
    e.body.done.instrument = in.id;
    e.body.done.reason = why;
    e.body.done.sd = o.sd;
    e.body.done.filled = qty_devices(o.filled);
    e.body.done.remaining = qty_devices(why == done_reason::filled ? 0 : o.remaining);
}

// One fill between a buy and a sell at price: the buyer's cost moves from held to escrow
// (the rest of the released hold back to available), the seller's capacity is sold.
inline void reference_model::fill(minst& in, morder& b, morder& s, side aggressor, bool auction,
                                  int64_t price, int64_t q) {
    const int64_t compute = price * q * in.hours;
    const int64_t energy =
        energy_fen(in.energy_units, b.filled + q) - energy_fen(in.energy_units, b.filled);
    const int64_t network =
        q == b.remaining
            ? b.network_left
            : static_cast<int64_t>(static_cast<int128>(b.network_left) * q / b.remaining);
    const bool buyer_takes = !auction && aggressor == side::buy;
    const bool seller_takes = !auction && aggressor == side::sell;
    const int64_t buyer_fee = fee_fen(compute, buyer_takes ? m_.taker_fee_bps : m_.maker_fee_bps);
    const int64_t seller_fee = fee_fen(compute, seller_takes ? m_.taker_fee_bps : m_.maker_fee_bps);
    const int64_t cost = compute + energy + network + buyer_fee;

    b.network_left -= network;
    b.remaining -= q;
    b.filled += q;
    s.remaining -= q;
    s.filled += q;
    const int64_t after = hold_of(in, b.price, b.remaining, b.filled, b.network_left);
    const int64_t released = b.hold - after;
    if (released < cost) errors_ += "a fill costs more than its hold released; ";
    b.hold = after;
    person& buyer = people_[b.owner.value()];
    buyer.held -= released;
    buyer.available += released - cost;
    buyer.escrow += cost;
    touch(b.owner);
    release(s.owner, in, q, true);
    in.last_trade = price;
    if (now_ >= in.gate_ts - 15 * 60 * ns_per_s) {
        in.late_pq += price * q;
        in.late_q += q;
    }

    mcontract k;
    k.id = next_trade_;
    k.buyer = b.owner;
    k.seller = s.owner;
    k.origin = b.origin == origin_none ? in.key.region : b.origin;
    k.carrier = static_cast<uint8_t>(m_.link(k.origin, in.key.region).carrier);
    k.price = price;
    k.qty = q;
    k.compute = compute;
    k.energy = energy;
    k.network = network;
    k.buyer_fee = buyer_fee;
    k.seller_fee = seller_fee;
    in.contracts.push_back(k);

    event& e = emit(event_type::trade, participant_id(0));
    trade_body& t = e.body.trade;
    t.id = trade_id(next_trade_++);
    t.instrument = in.id;
    t.aggressor = auction ? side::buy : aggressor;
    t.auction = auction ? 1 : 0;
    t.origin_region = k.origin;
    t.carrier = k.carrier;
    t.contract = contract_id(k.id);
    t.buy_order = order_id(b.id);
    t.sell_order = order_id(s.id);
    t.buyer = b.owner;
    t.seller = s.owner;
    t.price = price_fen(price);
    t.qty = qty_devices(q);
    t.compute = money_fen(compute);
    t.energy = money_fen(energy);
    t.network = money_fen(network);
    t.buyer_fee = money_fen(buyer_fee);
    t.seller_fee = money_fen(seller_fee);
}

// How much of the incoming order would fill now, walking the other side as match() does
// (an own order stops it, unless cancel_oldest would cancel that order out of the way).
inline int64_t reference_model::fillable(const minst& in, const morder& o) const {
    std::vector<const morder*> other;
    for (const morder& r : in.orders) {
        if (r.sd != o.sd && (o.sd == side::buy ? r.price <= o.price : r.price >= o.price)) {
            other.push_back(&r);
        }
    }
    std::sort(other.begin(), other.end(), [&](const morder* a, const morder* b) {
        if (a->price != b->price)
            return o.sd == side::buy ? a->price < b->price : a->price > b->price;
        return a->arrival < b->arrival;
    });
    int64_t total = 0;
    for (const morder* r : other) {
        if (r->owner == o.owner) {
            if (o.stp == stp_mode::cancel_oldest) continue;
            return total;
        }
        total += r->remaining;
        if (total >= o.remaining) return o.remaining;
    }
    return total;
}

// Matches the incoming order (not in the book) level by level; true when self-trade
// prevention cancelled the incoming order's remainder.
inline bool reference_model::match(minst& in, morder& o) {
    const side osd = opposite(o.sd);
    bool stp_cancelled = false;
    while (o.remaining > 0) {
        const auto p = best(in, osd);
        if (!p || (o.sd == side::buy ? *p > o.price : *p < o.price)) break;
        bool stop = false;
        for (const uint64_t rid : level_ids(in, osd, *p)) {
            if (o.remaining == 0) break;
            const std::size_t i = index_of(in, rid);
            morder& r = in.orders[i];
            if (r.owner == o.owner) {
                if (o.stp == stp_mode::cancel_newest) {
                    stp_cancelled = stop = true;
                    break;
                }
                morder gone = r;
                in.orders.erase(in.orders.begin() + static_cast<std::ptrdiff_t>(i));
                end_order(in, gone, done_reason::self_trade);
                if (o.stp == stp_mode::cancel_both) {
                    stp_cancelled = stop = true;
                    break;
                }
                continue;
            }
            const int64_t q = std::min(o.remaining, r.remaining);
            if (o.sd == side::buy) {
                fill(in, o, r, side::buy, false, *p, q);
            } else {
                fill(in, r, o, side::sell, false, *p, q);
            }
            if (r.remaining == 0) {
                morder gone = r;
                in.orders.erase(in.orders.begin() + static_cast<std::ptrdiff_t>(i));
                end_order(in, gone, done_reason::filled);
            }
        }
        emit_level(in, osd, *p);
        if (stop) break;
    }
    return stp_cancelled;
}

inline void reference_model::finish_incoming(minst& in, morder& o, bool stp_cancelled) {
    if (o.remaining == 0) {
        end_order(in, o, done_reason::filled);
    } else if (stp_cancelled) {
        end_order(in, o, done_reason::self_trade);
    } else if (o.tif != time_in_force::gtc) {
        end_order(in, o, done_reason::unfilled);
    } else {
        rest(in, o);
    }
}

}  // namespace cux::engine::test
