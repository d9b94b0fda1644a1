#pragma once
// One instrument's order book: price-indexed level arrays over the instrument's band, a bitmap
// of non-empty levels per side, intrusive FIFO lists of pooled orders per level.
// Thread: the engine thread only. The arrays are sized once when the instrument is listed;
// adding, cancelling and matching never allocate.
//
// The book knows prices, quantities, owners and priority; it knows nothing of money. Whoever
// drives it (the exchange, or a benchmark) receives trades and level changes through a
// book_listener and decides everything else.

#include <cstdint>
#include <memory>

#include "engine/event.hpp"
#include "engine/order_pool.hpp"
#include "engine/types.hpp"

namespace cux::engine {

class book_listener {
public:
    // `incoming` (not resting in the book) traded qty at price with `resting`. For an auction
    // trade, `incoming` is the buy order and `resting` the sell order; both rest in the book.
    virtual void on_trade(uint32_t incoming, uint32_t resting, price_fen price, qty_devices qty,
                          bool auction) = 0;
    // A resting order leaves the book (filled, self-trade, expired, cancelled by sweep). The
    // book releases the slot right after this call returns.
    virtual void on_resting_done(uint32_t resting, done_reason why) = 0;
    // A level's total changed (qty 0: the level is gone).
    virtual void on_level(side sd, price_fen price, qty_devices qty, int64_t orders) = 0;

protected:
    ~book_listener() = default;
};

// Where a stepwise for_each_fill (book::start_fill / step_fill) stands.
struct fill_cursor {
    enum stage_t : uint8_t { read_level_slot = 0, read_level = 1, read_order = 2, done = 3 };
    int64_t tick = -1;  // the level's tick index
    int64_t left = 0;   // still wanted
    int64_t filled = 0;
    uint32_t level = 0xffffffffU;
    uint32_t order = 0xffffffffU;
    stage_t stage = read_level_slot;
};

struct match_result {
    bool incoming_stp_cancelled = false;  // STP cancelled the incoming order's remainder
};

struct auction_outcome {
    price_fen price{0};  // 0 when nothing crosses
    qty_devices volume{0};
    qty_devices imbalance{0};  // buy minus sell volume at price
};

class book {
public:
    book() = default;
    book(const book&) = delete;
    book& operator=(const book&) = delete;
    book(book&&) = default;
    book& operator=(book&&) = default;

    // Sizes the book for prices low, low+tick, ... (ticks of them). Called on listing.
    void init(price_fen low, price_fen tick, int64_t ticks);
    // Frees the arrays (on delisting). The book must be empty.
    void reset();

    [[nodiscard]] bool empty(side sd) const { return side_of(sd).best < 0; }
    [[nodiscard]] price_fen best_price(side sd) const { return price_of(side_of(sd).best); }
    // The open quantity of all the side's levels (kept as orders come and go).
    [[nodiscard]] int64_t qty_total(side sd) const { return side_of(sd).qty; }
    [[nodiscard]] bool valid_price(price_fen p) const {
        const int64_t d = p.value() - low_.value();
        return d >= 0 && d % tick_.value() == 0 && d / tick_.value() < ticks_;
    }
    [[nodiscard]] price_fen low() const { return low_; }
    [[nodiscard]] price_fen high() const { return price_of(ticks_ - 1); }
    [[nodiscard]] price_fen tick() const { return tick_; }

    // Whether an order on `sd` limited at `limit` would trade with the other side now.
    [[nodiscard]] bool crosses(side sd, price_fen limit) const;
    // How much of `want` an incoming order would fill now, mirroring match() including its
    // self-trade handling (used for FOK before anything is touched).
    [[nodiscard]] qty_devices fillable(const order_pool& pool, const level_pool& levels, side sd,
                                       price_fen limit, participant_id owner, stp_mode stp,
                                       qty_devices want) const;

    // The fills an incoming order on `sd` for `want` (no price limit within the band) would get
    // now, as match() would make them with cancel_newest self-trade prevention for `owner`:
    // f(price, qty) per resting order in priority order, stopping at the owner's first resting
    // order. Returns the quantity it would fill (<= want). Changes nothing.
    template <class F>
    int64_t for_each_fill(const order_pool& pool, const level_pool& levels, side sd,
                          participant_id owner, int64_t want, F&& f) const {
        const side osd = opposite(sd);
        const side_state& opp = side_of(osd);
        int64_t left = want;
        for (int64_t i = opp.best; i >= 0 && left > 0; i = next_level(osd, i)) {
            const price_fen p = price_of(i);
            for (uint32_t o = levels[opp.level_at[i]].head; o != nil_slot; o = pool[o].next) {
                const order& r = pool[o];
                if (r.owner == owner) return want - left;
                const int64_t q = left < r.remaining.value() ? left : r.remaining.value();
                f(p, q);
                left -= q;
                if (left == 0) return want;
            }
        }
        return want - left;
    }

    // for_each_fill in steps, for walking many books in lockstep so that their cache misses
    // overlap (job routing: every chip x region x hour at once). Each step does one dependent
    // load (a level slot, a level, an order) and prefetches the next, so a caller that steps
    // every cursor once per round waits for one round of misses instead of one per book. The
    // fills reported, in order, are exactly for_each_fill's. start_fill, then step_fill until
    // it returns false; nothing may change the book in between.
    void start_fill(fill_cursor& c, side sd, int64_t want) const {
        const side_state& opp = side_of(opposite(sd));
        c = fill_cursor{};
        c.tick = opp.best;
        c.left = want;
        if (c.tick < 0 || want <= 0) {
            c.stage = fill_cursor::done;
            return;
        }
        __builtin_prefetch(&opp.level_at[c.tick]);
    }
    template <class F>
    bool step_fill(fill_cursor& c, const order_pool& pool, const level_pool& levels, side sd,
                   participant_id owner, F&& f) const {
        const side osd = opposite(sd);
        const side_state& opp = side_of(osd);
        switch (c.stage) {
            case fill_cursor::read_level_slot:
                c.level = opp.level_at[c.tick];
                __builtin_prefetch(&levels[c.level]);
                c.stage = fill_cursor::read_level;
                return true;
            case fill_cursor::read_level:
                c.order = levels[c.level].head;
                __builtin_prefetch(&pool[c.order]);
                __builtin_prefetch(&pool[c.order].remaining);
                // next_level() reads this word of the bitmap when the level runs out.
                __builtin_prefetch(&opp.bits[static_cast<std::size_t>(c.tick >> 6)]);
                c.stage = fill_cursor::read_order;
                return true;
            case fill_cursor::read_order: {
                const order& r = pool[c.order];
                if (r.owner == owner) break;
                const int64_t q = c.left < r.remaining.value() ? c.left : r.remaining.value();
                f(price_of(c.tick), q);
                c.left -= q;
                c.filled += q;
                if (c.left == 0) break;
                c.order = r.next;
                if (c.order != nil_slot) {
                    __builtin_prefetch(&pool[c.order]);
                    __builtin_prefetch(&pool[c.order].remaining);
                    return true;
                }
                c.tick = next_level(osd, c.tick);
                if (c.tick < 0) break;
                __builtin_prefetch(&opp.level_at[c.tick]);
                c.stage = fill_cursor::read_level_slot;
                return true;
            }
            default:
                return false;
        }
        c.stage = fill_cursor::done;
        return false;
    }

    // Appends the order (its price, side and remaining set) at the back of its level.
    void insert(order_pool& pool, level_pool& levels, uint32_t slot, book_listener& l);
    // Removes a resting order (cancel/replace/expiry); does not release its slot.
    void remove(order_pool& pool, level_pool& levels, uint32_t slot, book_listener& l);
    // Reduces a resting order's remaining in place, keeping its priority.
    void reduce(order_pool& pool, level_pool& levels, uint32_t slot, qty_devices new_remaining,
                book_listener& l);

    // Matches an incoming order (not in the book) against the other side up to `limit`.
    match_result match(order_pool& pool, level_pool& levels, uint32_t incoming, price_fen limit,
                       book_listener& l);

    // The uniform price that maximises volume, then minimises |imbalance|, then is nearest
    // the reference, then is the lower; computed without changing the book.
    [[nodiscard]] auction_outcome auction_price(const level_pool& levels,
                                                price_fen reference) const;
    // Executes the call auction at auction_price() with price-time allocation.
    auction_outcome uncross(order_pool& pool, level_pool& levels, price_fen reference,
                            book_listener& l);

    // Removes every resting order, calling on_resting_done(why) for each (then releasing it).
    void clear(order_pool& pool, level_pool& levels, done_reason why, book_listener& l);

    // Visits resting orders in priority order: bids best-first then asks best-first.
    template <class F>
    void for_each_order(const order_pool& pool, const level_pool& levels, F&& f) const {
        for (int s = 0; s < 2; ++s) {
            const side sd = s == 0 ? side::buy : side::sell;
            for (int64_t i = side_of(sd).best; i >= 0; i = next_level(sd, i)) {
                for (uint32_t o = levels[side_of(sd).level_at[i]].head; o != nil_slot;
                     o = pool[o].next)
                    f(o);
            }
        }
    }
    // Visits levels of one side best-first: f(price, qty, orders).
    template <class F>
    void for_each_level(const level_pool& levels, side sd, F&& f) const {
        for (int64_t i = side_of(sd).best; i >= 0; i = next_level(sd, i)) {
            const level& lv = levels[side_of(sd).level_at[i]];
            f(price_of(i), lv.qty, static_cast<int64_t>(lv.count));
        }
    }

private:
    struct side_state {
        std::unique_ptr<uint32_t[]> level_at;  // per tick: level slot or nil_slot
        std::unique_ptr<uint64_t[]> bits;      // non-empty levels
        int64_t best = -1;                     // tick index of the best level, -1 when empty
        int64_t qty = 0;                       // open quantity of all its levels
    };

    [[nodiscard]] const side_state& side_of(side sd) const {
        return sd == side::buy ? bids_ : asks_;
    }
    side_state& side_of(side sd) { return sd == side::buy ? bids_ : asks_; }
    [[nodiscard]] price_fen price_of(int64_t i) const {
        return price_fen(low_.value() + i * tick_.value());
    }
    [[nodiscard]] int64_t index_of(price_fen p) const {
        return (p.value() - low_.value()) / tick_.value();
    }
    // The next worse non-empty level after tick index i on a side, or -1.
    [[nodiscard]] int64_t next_level(side sd, int64_t i) const;
    void set_bit(side_state& s, int64_t i);
    void clear_bit(side_state& s, int64_t i);
    void unlink(order_pool& pool, level& lv, uint32_t slot);
    void drop_level_if_empty(level_pool& levels, side sd, int64_t i);

    price_fen low_{0};
    price_fen tick_{1};
    int64_t ticks_ = 0;
    int64_t words_ = 0;
    side_state bids_;
    side_state asks_;
};

}  // namespace cux::engine
