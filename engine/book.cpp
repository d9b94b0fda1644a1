#include "engine/book.hpp"

#include <algorithm>

#include "engine/limits.hpp"

namespace cux::engine {

void book::init(price_fen low, price_fen tick, int64_t ticks) {
    CUX_ASSERT(ticks > 0 && ticks <= limits::band_ticks_max);
    CUX_ASSERT(tick.value() > 0 && low.value() > 0);
    low_ = low;
    tick_ = tick;
    ticks_ = ticks;
    words_ = (ticks + 63) / 64;
    for (side_state* s : {&bids_, &asks_}) {
        s->level_at = std::make_unique_for_overwrite<uint32_t[]>(static_cast<std::size_t>(ticks));
        std::fill_n(s->level_at.get(), ticks, nil_slot);
        s->bits = std::make_unique<uint64_t[]>(static_cast<std::size_t>(words_));
        s->best = -1;
        s->qty = 0;
    }
}

void book::reset() {
    CUX_ASSERT(bids_.best < 0 && asks_.best < 0);
    for (side_state* s : {&bids_, &asks_}) {
        s->level_at.reset();
        s->bits.reset();
    }
    ticks_ = 0;
    words_ = 0;
}

void book::set_bit(side_state& s, int64_t i) {
    s.bits[static_cast<std::size_t>(i >> 6)] |= uint64_t{1} << (i & 63);
}

void book::clear_bit(side_state& s, int64_t i) {
    s.bits[static_cast<std::size_t>(i >> 6)] &= ~(uint64_t{1} << (i & 63));
}

int64_t book::next_level(side sd, int64_t i) const {
    const side_state& s = side_of(sd);
    if (sd == side::buy) {
        // Bids: the highest non-empty index below i.
        int64_t j = i - 1;
        if (j < 0) return -1;
        int64_t w = j >> 6;
        uint64_t m = s.bits[static_cast<std::size_t>(w)] & ((uint64_t{2} << (j & 63)) - 1);
        while (true) {
            if (m != 0) return w * 64 + 63 - __builtin_clzll(m);
            if (--w < 0) return -1;
            m = s.bits[static_cast<std::size_t>(w)];
        }
    }
    // Asks: the lowest non-empty index above i.
    int64_t j = i + 1;
    if (j >= ticks_) return -1;
    int64_t w = j >> 6;
    uint64_t m = s.bits[static_cast<std::size_t>(w)] & (~uint64_t{0} << (j & 63));
    while (true) {
        if (m != 0) return w * 64 + __builtin_ctzll(m);
        if (++w >= words_) return -1;
        m = s.bits[static_cast<std::size_t>(w)];
    }
}

bool book::crosses(side sd, price_fen limit) const {
    const side_state& opp = side_of(opposite(sd));
    if (opp.best < 0) return false;
    const price_fen p = price_of(opp.best);
    return sd == side::buy ? p <= limit : p >= limit;
}

qty_devices book::fillable(const order_pool& pool, const level_pool& levels, side sd,
                           price_fen limit, participant_id owner, stp_mode stp,
                           qty_devices want) const {
    // Mirrors match(): walks the other side in priority order, stopping where match() would.
    int64_t total = 0;
    const side osd = opposite(sd);
    for (int64_t i = side_of(osd).best; i >= 0; i = next_level(osd, i)) {
        const price_fen p = price_of(i);
        if (sd == side::buy ? p > limit : p < limit) break;
        for (uint32_t o = levels[side_of(osd).level_at[i]].head; o != nil_slot; o = pool[o].next) {
            const order& r = pool[o];
            if (r.owner == owner) {
                if (stp == stp_mode::cancel_oldest) continue;
                return qty_devices(total);
            }
            total += r.remaining.value();
            if (total >= want.value()) return want;
        }
    }
    return qty_devices(total);
}

void book::unlink(order_pool& pool, level& lv, uint32_t slot) {
    order& o = pool[slot];
    if (o.prev != nil_slot) {
        pool[o.prev].next = o.next;
    } else {
        lv.head = o.next;
    }
    if (o.next != nil_slot) {
        pool[o.next].prev = o.prev;
    } else {
        lv.tail = o.prev;
    }
    o.next = o.prev = nil_slot;
    --lv.count;
}

void book::drop_level_if_empty(level_pool& levels, side sd, int64_t i) {
    side_state& s = side_of(sd);
    const uint32_t ls = s.level_at[i];
    if (levels[ls].count != 0) return;
    CUX_ASSERT(levels[ls].qty.value() == 0);
    levels.release(ls);
    s.level_at[i] = nil_slot;
    clear_bit(s, i);
    if (s.best == i) s.best = next_level(sd, i);
}

void book::insert(order_pool& pool, level_pool& levels, uint32_t slot, book_listener& l) {
    order& o = pool[slot];
    CUX_ASSERT(valid_price(o.price) && o.remaining.value() > 0);
    const int64_t i = index_of(o.price);
    side_state& s = side_of(o.sd);
    uint32_t ls = s.level_at[i];
    if (ls == nil_slot) {
        // Never fails: the level pool is at least as large as the order pool and every live
        // level holds at least one live order.
        ls = levels.allocate();
        CUX_ASSERT(ls != nil_slot);
        s.level_at[i] = ls;
        set_bit(s, i);
        if (s.best < 0 || (o.sd == side::buy ? i > s.best : i < s.best)) s.best = i;
    }
    level& lv = levels[ls];
    o.next = nil_slot;
    o.prev = lv.tail;
    if (lv.tail != nil_slot) {
        pool[lv.tail].next = slot;
    } else {
        lv.head = slot;
    }
    lv.tail = slot;
    ++lv.count;
    lv.qty += o.remaining;
    s.qty += o.remaining.value();
    l.on_level(o.sd, o.price, lv.qty, lv.count);
}

void book::remove(order_pool& pool, level_pool& levels, uint32_t slot, book_listener& l) {
    order& o = pool[slot];
    const int64_t i = index_of(o.price);
    level& lv = levels[side_of(o.sd).level_at[i]];
    unlink(pool, lv, slot);
    lv.qty -= o.remaining;
    side_of(o.sd).qty -= o.remaining.value();
    l.on_level(o.sd, o.price, lv.qty, lv.count);
    drop_level_if_empty(levels, o.sd, i);
}

void book::reduce(order_pool& pool, level_pool& levels, uint32_t slot, qty_devices new_remaining,
                  book_listener& l) {
    order& o = pool[slot];
    CUX_ASSERT(new_remaining.value() > 0 && new_remaining <= o.remaining);
    level& lv = levels[side_of(o.sd).level_at[index_of(o.price)]];
    lv.qty -= o.remaining - new_remaining;
    side_of(o.sd).qty -= (o.remaining - new_remaining).value();
    o.remaining = new_remaining;
    l.on_level(o.sd, o.price, lv.qty, lv.count);
}

match_result book::match(order_pool& pool, level_pool& levels, uint32_t incoming, price_fen limit,
                         book_listener& l) {
    match_result result;
    order& o = pool[incoming];
    const side osd = opposite(o.sd);
    side_state& opp = side_of(osd);
    while (o.remaining.value() > 0 && opp.best >= 0) {
        const int64_t i = opp.best;
        const price_fen p = price_of(i);
        if (o.sd == side::buy ? p > limit : p < limit) break;
        level& lv = levels[opp.level_at[i]];
        bool stop = false;
        uint32_t r = lv.head;
        while (r != nil_slot && o.remaining.value() > 0) {
            order& ro = pool[r];
            const uint32_t next = ro.next;
            if (ro.owner == o.owner) {
                if (o.stp == stp_mode::cancel_newest) {
                    result.incoming_stp_cancelled = true;
                    stop = true;
                    break;
                }
                unlink(pool, lv, r);
                lv.qty -= ro.remaining;
                opp.qty -= ro.remaining.value();
                l.on_resting_done(r, done_reason::self_trade);
                pool.release(r);
                if (o.stp == stp_mode::cancel_both) {
                    result.incoming_stp_cancelled = true;
                    stop = true;
                    break;
                }
                r = next;
                continue;
            }
            const qty_devices q = std::min(o.remaining, ro.remaining);
            l.on_trade(incoming, r, p, q, false);
            o.remaining -= q;
            o.filled += q;
            ro.remaining -= q;
            ro.filled += q;
            lv.qty -= q;
            opp.qty -= q.value();
            if (ro.remaining.value() == 0) {
                unlink(pool, lv, r);
                l.on_resting_done(r, done_reason::filled);
                pool.release(r);
            }
            r = next;
        }
        l.on_level(osd, p, lv.qty, lv.count);
        drop_level_if_empty(levels, osd, i);
        if (stop) break;
    }
    return result;
}

auction_outcome book::auction_price(const level_pool& levels, price_fen reference) const {
    auction_outcome out;
    if (bids_.best < 0 || asks_.best < 0) return out;
    const int64_t hi = bids_.best;  // highest bid
    const int64_t lo = asks_.best;  // lowest ask
    if (hi < lo) return out;
    // Bid volume in [lo, hi]; bids above hi do not exist, bids below lo never trade here.
    int64_t bids_total = 0;
    for (int64_t i = lo; i <= hi; ++i) {
        const uint32_t ls = bids_.level_at[i];
        if (ls != nil_slot) bids_total += levels[ls].qty.value();
    }
    int64_t bids_below = 0;  // bids at indices < i within [lo, hi]
    int64_t asks_upto = 0;   // asks at indices <= i
    int64_t best_i = -1;
    int64_t best_vol = 0;
    int64_t best_imb = 0;
    int64_t best_dist = 0;
    for (int64_t i = lo; i <= hi; ++i) {
        const uint32_t as = asks_.level_at[i];
        if (as != nil_slot) asks_upto += levels[as].qty.value();
        const int64_t buy = bids_total - bids_below;
        const int64_t vol = std::min(buy, asks_upto);
        const int64_t imb = buy - asks_upto;
        const int64_t dist = std::abs(price_of(i).value() - reference.value());
        const bool better =
            best_i < 0 || vol > best_vol ||
            (vol == best_vol && (std::abs(imb) < std::abs(best_imb) ||
                                 (std::abs(imb) == std::abs(best_imb) && dist < best_dist)));
        if (better) {
            best_i = i;
            best_vol = vol;
            best_imb = imb;
            best_dist = dist;
        }
        const uint32_t bs = bids_.level_at[i];
        if (bs != nil_slot) bids_below += levels[bs].qty.value();
    }
    if (best_vol <= 0) return out;
    out.price = price_of(best_i);
    out.volume = qty_devices(best_vol);
    out.imbalance = qty_devices(best_imb);
    return out;
}

auction_outcome book::uncross(order_pool& pool, level_pool& levels, price_fen reference,
                              book_listener& l) {
    const auction_outcome out = auction_price(levels, reference);
    int64_t left = out.volume.value();
    while (left > 0) {
        // Both sides are non-empty and their best levels can trade at out.price while volume
        // is left, because the volume was computed over exactly these orders.
        const int64_t bi = bids_.best;
        const int64_t ai = asks_.best;
        CUX_ASSERT(bi >= 0 && ai >= 0);
        level& bl = levels[bids_.level_at[bi]];
        level& al = levels[asks_.level_at[ai]];
        const uint32_t b = bl.head;
        const uint32_t a = al.head;
        order& bo = pool[b];
        order& ao = pool[a];
        const qty_devices q(std::min({bo.remaining.value(), ao.remaining.value(), left}));
        l.on_trade(b, a, out.price, q, true);
        bo.remaining -= q;
        bo.filled += q;
        ao.remaining -= q;
        ao.filled += q;
        bl.qty -= q;
        al.qty -= q;
        bids_.qty -= q.value();
        asks_.qty -= q.value();
        left -= q.value();
        if (bo.remaining.value() == 0) {
            unlink(pool, bl, b);
            l.on_resting_done(b, done_reason::filled);
            pool.release(b);
        }
        if (ao.remaining.value() == 0) {
            unlink(pool, al, a);
            l.on_resting_done(a, done_reason::filled);
            pool.release(a);
        }
        // Report a level when it is finished with (emptied, or the auction is over).
        if (bl.count == 0 || left == 0) {
            l.on_level(side::buy, price_of(bi), bl.qty, bl.count);
            drop_level_if_empty(levels, side::buy, bi);
        }
        if (al.count == 0 || left == 0) {
            l.on_level(side::sell, price_of(ai), al.qty, al.count);
            drop_level_if_empty(levels, side::sell, ai);
        }
    }
    CUX_DASSERT(bids_.best < 0 || asks_.best < 0 || bids_.best < asks_.best);
    return out;
}

void book::clear(order_pool& pool, level_pool& levels, done_reason why, book_listener& l) {
    for (const side sd : {side::buy, side::sell}) {
        side_state& s = side_of(sd);
        while (s.best >= 0) {
            const int64_t i = s.best;
            level& lv = levels[s.level_at[i]];
            uint32_t o = lv.head;
            while (o != nil_slot) {
                const uint32_t next = pool[o].next;
                unlink(pool, lv, o);
                lv.qty -= pool[o].remaining;
                s.qty -= pool[o].remaining.value();
                l.on_resting_done(o, why);
                pool.release(o);
                o = next;
            }
            l.on_level(sd, price_of(i), lv.qty, lv.count);
            drop_level_if_empty(levels, sd, i);
        }
    }
}

}  // namespace cux::engine
