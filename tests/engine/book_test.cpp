// The matching core alone: price-time priority, partial fills, self-trade prevention, FOK
// look-ahead, call auction price and allocation, and that levels report the right totals.

#include "engine/book.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace cux::engine {
namespace {

struct recorder final : book_listener {
    struct trade {
        uint32_t incoming;
        uint32_t resting;
        int64_t price;
        int64_t qty;
        bool auction;
    };
    struct done {
        uint32_t slot;
        done_reason why;
    };
    struct lvl {
        side sd;
        int64_t price;
        int64_t qty;
        int64_t orders;
    };
    std::vector<trade> trades;
    std::vector<done> dones;
    std::vector<lvl> levels;
    void on_trade(uint32_t incoming, uint32_t resting, price_fen p, qty_devices q,
                  bool auction) override {
        trades.push_back({incoming, resting, p.value(), q.value(), auction});
    }
    void on_resting_done(uint32_t resting, done_reason why) override {
        dones.push_back({resting, why});
    }
    void on_level(side sd, price_fen p, qty_devices q, int64_t orders) override {
        levels.push_back({sd, p.value(), q.value(), orders});
    }
};

// A book over prices 100..200 (tick 1) with pools of 64 orders.
class BookFixture : public ::testing::Test {
protected:
    BookFixture() : pool(64), levels(64) { bk.init(price_fen(100), price_fen(1), 101); }

    uint32_t make(side sd, int64_t price, int64_t qty, uint32_t owner = 1,
                  stp_mode stp = stp_mode::cancel_newest) {
        const uint32_t s = pool.allocate();
        order& o = pool[s];
        const uint32_t gen = o.gen;
        o = order{};
        o.next = o.prev = nil_slot;
        o.gen = gen;
        o.owner = participant_id(owner);
        o.sd = sd;
        o.stp = stp;
        o.price = price_fen(price);
        o.remaining = qty_devices(qty);
        o.filled = qty_devices(0);
        return s;
    }
    uint32_t rest(side sd, int64_t price, int64_t qty, uint32_t owner = 1) {
        const uint32_t s = make(sd, price, qty, owner);
        bk.insert(pool, levels, s, rec);
        return s;
    }

    order_pool pool;
    level_pool levels;
    book bk;
    recorder rec;
};

TEST_F(BookFixture, BestPricesFollowInsertsAndRemoves) {
    EXPECT_TRUE(bk.empty(side::buy));
    const uint32_t a = rest(side::buy, 150, 1);
    rest(side::buy, 140, 1);
    const uint32_t c = rest(side::sell, 160, 1);
    rest(side::sell, 170, 1);
    EXPECT_EQ(bk.best_price(side::buy).value(), 150);
    EXPECT_EQ(bk.best_price(side::sell).value(), 160);
    bk.remove(pool, levels, a, rec);
    bk.remove(pool, levels, c, rec);
    EXPECT_EQ(bk.best_price(side::buy).value(), 140);
    EXPECT_EQ(bk.best_price(side::sell).value(), 170);
    // The last level event of a removal reports the level gone.
    EXPECT_EQ(rec.levels.back().qty, 0);
    EXPECT_EQ(rec.levels.back().orders, 0);
}

TEST_F(BookFixture, BestScanCrossesBitmapWords) {
    // Prices 100 and 199 sit in different 64-bit words of the level bitmap.
    rest(side::buy, 100, 1);
    const uint32_t hi = rest(side::buy, 199, 1);
    rest(side::sell, 200, 1);
    const uint32_t lo = rest(side::sell, 101, 1);
    bk.remove(pool, levels, hi, rec);
    bk.remove(pool, levels, lo, rec);
    EXPECT_EQ(bk.best_price(side::buy).value(), 100);
    EXPECT_EQ(bk.best_price(side::sell).value(), 200);
}

TEST_F(BookFixture, MatchesPriceThenTimePriorityAtTheRestingPrice) {
    const uint32_t s1 = rest(side::sell, 160, 2, 2);
    const uint32_t s2 = rest(side::sell, 155, 2, 3);
    const uint32_t s3 = rest(side::sell, 155, 2, 4);
    const uint32_t in = make(side::buy, 160, 5, 9);
    bk.match(pool, levels, in, price_fen(160), rec);
    ASSERT_EQ(rec.trades.size(), 3U);
    EXPECT_EQ(rec.trades[0].resting, s2);  // better price first
    EXPECT_EQ(rec.trades[0].price, 155);
    EXPECT_EQ(rec.trades[1].resting, s3);  // then time at the same price
    EXPECT_EQ(rec.trades[2].resting, s1);
    EXPECT_EQ(rec.trades[2].price, 160);
    EXPECT_EQ(rec.trades[2].qty, 1);
    EXPECT_EQ(pool[in].remaining.value(), 0);
    EXPECT_EQ(pool[in].filled.value(), 5);
    EXPECT_EQ(pool[s1].remaining.value(), 1);
    EXPECT_EQ(bk.best_price(side::sell).value(), 160);
}

TEST_F(BookFixture, MatchStopsAtTheLimit) {
    rest(side::sell, 150, 1, 2);
    rest(side::sell, 151, 1, 2);
    const uint32_t in = make(side::buy, 150, 5, 9);
    bk.match(pool, levels, in, price_fen(150), rec);
    EXPECT_EQ(rec.trades.size(), 1U);
    EXPECT_EQ(pool[in].remaining.value(), 4);
}

TEST_F(BookFixture, StpCancelNewestStopsTheIncomingOrder) {
    const uint32_t own = rest(side::sell, 150, 1, 7);
    rest(side::sell, 151, 1, 2);
    const uint32_t in = make(side::buy, 151, 2, 7, stp_mode::cancel_newest);
    const match_result r = bk.match(pool, levels, in, price_fen(151), rec);
    EXPECT_TRUE(r.incoming_stp_cancelled);
    EXPECT_TRUE(rec.trades.empty());
    EXPECT_EQ(pool[own].remaining.value(), 1);  // the resting order stays
}

TEST_F(BookFixture, StpCancelOldestRemovesRestingAndContinues) {
    const uint32_t own = rest(side::sell, 150, 1, 7);
    const uint32_t other = rest(side::sell, 151, 1, 2);
    const uint32_t in = make(side::buy, 151, 2, 7, stp_mode::cancel_oldest);
    const match_result r = bk.match(pool, levels, in, price_fen(151), rec);
    EXPECT_FALSE(r.incoming_stp_cancelled);
    ASSERT_EQ(rec.dones.size(), 2U);
    EXPECT_EQ(rec.dones[0].slot, own);
    EXPECT_EQ(rec.dones[0].why, done_reason::self_trade);
    ASSERT_EQ(rec.trades.size(), 1U);
    EXPECT_EQ(rec.trades[0].resting, other);
    EXPECT_EQ(pool[in].remaining.value(), 1);
}

TEST_F(BookFixture, StpCancelBothRemovesRestingAndStops) {
    const uint32_t own = rest(side::sell, 150, 1, 7);
    rest(side::sell, 151, 1, 2);
    const uint32_t in = make(side::buy, 151, 2, 7, stp_mode::cancel_both);
    const match_result r = bk.match(pool, levels, in, price_fen(151), rec);
    EXPECT_TRUE(r.incoming_stp_cancelled);
    ASSERT_EQ(rec.dones.size(), 1U);
    EXPECT_EQ(rec.dones[0].slot, own);
    EXPECT_TRUE(rec.trades.empty());
}

TEST_F(BookFixture, FillableMirrorsMatchIncludingSelfTrades) {
    rest(side::sell, 150, 2, 2);
    rest(side::sell, 151, 3, 7);  // own order
    rest(side::sell, 152, 4, 3);
    const participant_id me(7);
    EXPECT_EQ(bk.fillable(pool, levels, side::buy, price_fen(152), me, stp_mode::cancel_newest,
                          qty_devices(9))
                  .value(),
              2);
    EXPECT_EQ(bk.fillable(pool, levels, side::buy, price_fen(152), me, stp_mode::cancel_oldest,
                          qty_devices(9))
                  .value(),
              6);
    EXPECT_EQ(bk.fillable(pool, levels, side::buy, price_fen(150), me, stp_mode::cancel_oldest,
                          qty_devices(9))
                  .value(),
              2);
    EXPECT_EQ(bk.fillable(pool, levels, side::buy, price_fen(152), me, stp_mode::cancel_oldest,
                          qty_devices(5))
                  .value(),
              5);
}

TEST_F(BookFixture, CrossesComparesWithTheOtherSidesTouch) {
    EXPECT_FALSE(bk.crosses(side::buy, price_fen(200)));
    rest(side::sell, 150, 1);
    EXPECT_TRUE(bk.crosses(side::buy, price_fen(150)));
    EXPECT_FALSE(bk.crosses(side::buy, price_fen(149)));
}

TEST_F(BookFixture, ReduceKeepsPriority) {
    const uint32_t first = rest(side::sell, 150, 5, 2);
    const uint32_t second = rest(side::sell, 150, 5, 3);
    bk.reduce(pool, levels, first, qty_devices(1), rec);
    EXPECT_EQ(rec.levels.back().qty, 6);
    const uint32_t in = make(side::buy, 150, 2, 9);
    bk.match(pool, levels, in, price_fen(150), rec);
    ASSERT_EQ(rec.trades.size(), 2U);
    EXPECT_EQ(rec.trades[0].resting, first);
    EXPECT_EQ(rec.trades[0].qty, 1);
    EXPECT_EQ(rec.trades[1].resting, second);
}

TEST_F(BookFixture, AuctionMaximisesVolume) {
    // Bids 10@130, 10@120; asks 5@110, 10@125. Volume is 5 at 110..124 and 10 at 125..130
    // (bids >= p: 10, asks <= p: 15, imbalance -5 throughout); the reference 150 then picks
    // the nearest of those, 130.
    rest(side::buy, 130, 10, 1);
    rest(side::buy, 120, 10, 2);
    rest(side::sell, 110, 5, 3);
    rest(side::sell, 125, 10, 4);
    const auction_outcome a = bk.auction_price(levels, price_fen(150));
    EXPECT_EQ(a.volume.value(), 10);
    EXPECT_EQ(a.price.value(), 130);
    EXPECT_EQ(a.imbalance.value(), -5);
}

TEST_F(BookFixture, AuctionThenMinimisesImbalance) {
    // Bids 5@130, 5@120; asks 5@110, 8@125. Every price 110..130 executes 5, with imbalance
    // +5 at 110..120, 0 at 121..124 and -8 at 125..130: the zero imbalance wins over the
    // reference, which then picks the nearest price within 121..124.
    rest(side::buy, 130, 5, 1);
    rest(side::buy, 120, 5, 2);
    rest(side::sell, 110, 5, 3);
    rest(side::sell, 125, 8, 4);
    const auction_outcome high_ref = bk.auction_price(levels, price_fen(140));
    EXPECT_EQ(high_ref.volume.value(), 5);
    EXPECT_EQ(high_ref.imbalance.value(), 0);
    EXPECT_EQ(high_ref.price.value(), 124);
    EXPECT_EQ(bk.auction_price(levels, price_fen(100)).price.value(), 121);
}

TEST_F(BookFixture, AuctionThenNearestReferenceThenLower) {
    rest(side::buy, 130, 5, 1);
    rest(side::sell, 110, 5, 2);
    // Every price 110..130 gives volume 5 and imbalance 0.
    EXPECT_EQ(bk.auction_price(levels, price_fen(117)).price.value(), 117);
    EXPECT_EQ(bk.auction_price(levels, price_fen(190)).price.value(), 130);
    EXPECT_EQ(bk.auction_price(levels, price_fen(100)).price.value(), 110);
}

TEST_F(BookFixture, AuctionWithoutCrossIsEmpty) {
    rest(side::buy, 120, 5, 1);
    rest(side::sell, 121, 5, 2);
    const auction_outcome a = bk.auction_price(levels, price_fen(120));
    EXPECT_EQ(a.volume.value(), 0);
    EXPECT_EQ(a.price.value(), 0);
}

TEST_F(BookFixture, UncrossAllocatesByPriceTimePriorityAtOnePrice) {
    const uint32_t b1 = rest(side::buy, 130, 3, 1);
    const uint32_t b2 = rest(side::buy, 125, 3, 2);
    const uint32_t b3 = rest(side::buy, 125, 3, 3);
    const uint32_t s1 = rest(side::sell, 120, 4, 4);
    const uint32_t s2 = rest(side::sell, 122, 4, 5);
    rec = recorder{};
    const auction_outcome a = bk.uncross(pool, levels, price_fen(124), rec);
    EXPECT_EQ(a.volume.value(), 8);
    EXPECT_EQ(a.price.value(), 124);
    int64_t total = 0;
    for (const auto& t : rec.trades) {
        EXPECT_EQ(t.price, 124);
        EXPECT_TRUE(t.auction);
        total += t.qty;
    }
    EXPECT_EQ(total, 8);
    // b1 (best price) fills first, then b2 before b3 (time); all asks fill.
    EXPECT_EQ(rec.trades.front().incoming, b1);
    EXPECT_EQ(rec.trades.front().resting, s1);
    EXPECT_EQ(pool[b3].remaining.value(), 1);
    (void)b2;
    (void)s2;
    EXPECT_TRUE(bk.empty(side::sell));
    EXPECT_EQ(bk.best_price(side::buy).value(), 125);
}

TEST_F(BookFixture, ClearReportsEveryOrder) {
    rest(side::buy, 120, 1);
    rest(side::buy, 120, 1);
    rest(side::sell, 150, 1);
    rec = recorder{};
    bk.clear(pool, levels, done_reason::expired, rec);
    EXPECT_EQ(rec.dones.size(), 3U);
    EXPECT_TRUE(bk.empty(side::buy));
    EXPECT_TRUE(bk.empty(side::sell));
    EXPECT_EQ(pool.live(), 0U);
    EXPECT_EQ(levels.live(), 0U);
}

TEST(OrderPool, StaleIdsAreNotFound) {
    order_pool pool(4);
    const uint32_t s = pool.allocate();
    const order_id id = pool.id_of(s);
    EXPECT_EQ(pool.find(id), s);
    pool.release(s);
    EXPECT_EQ(pool.find(id), nil_slot);
    const uint32_t again = pool.allocate();
    EXPECT_EQ(again, s);               // the slot is reused...
    EXPECT_NE(pool.id_of(again), id);  // ...under a new id
    EXPECT_EQ(pool.find(id), nil_slot);
    EXPECT_EQ(pool.find(order_id(0)), nil_slot);
    EXPECT_EQ(pool.find(order_id(0xffffffffffffULL)), nil_slot);
}

TEST(OrderPool, FullPoolReturnsNil) {
    order_pool pool(2);
    EXPECT_NE(pool.allocate(), nil_slot);
    EXPECT_NE(pool.allocate(), nil_slot);
    EXPECT_EQ(pool.allocate(), nil_slot);
}

// The stepwise sweep (start_fill/step_fill, used by job routing) reports exactly the fills of
// for_each_fill, including its stop at the owner's own order; qty_total follows every change.
TEST_F(BookFixture, StepwiseFillMatchesForEachFillAndTotalsFollow) {
    rest(side::sell, 120, 3, 1);
    rest(side::sell, 120, 2, 2);
    rest(side::sell, 125, 4, 1);
    rest(side::sell, 190, 5, 3);
    rest(side::buy, 110, 7, 2);
    EXPECT_EQ(bk.qty_total(side::sell), 14);
    EXPECT_EQ(bk.qty_total(side::buy), 7);
    for (const uint32_t owner : {9U, 2U, 3U}) {
        for (int64_t want = 1; want <= 16; ++want) {
            std::vector<std::pair<int64_t, int64_t>> a;
            std::vector<std::pair<int64_t, int64_t>> b;
            const int64_t got =
                bk.for_each_fill(pool, levels, side::buy, participant_id(owner), want,
                                 [&](price_fen p, int64_t q) { a.emplace_back(p.value(), q); });
            fill_cursor c;
            bk.start_fill(c, side::buy, want);
            while (bk.step_fill(c, pool, levels, side::buy, participant_id(owner),
                                [&](price_fen p, int64_t q) { b.emplace_back(p.value(), q); })) {
            }
            EXPECT_EQ(c.stage, fill_cursor::done);
            EXPECT_EQ(c.filled, got) << "owner " << owner << " want " << want;
            EXPECT_EQ(a, b) << "owner " << owner << " want " << want;
        }
    }
    // Owner 2's second order stops it after the first 3 devices at 120.
    fill_cursor c;
    bk.start_fill(c, side::buy, 10);
    while (bk.step_fill(c, pool, levels, side::buy, participant_id(2), [](price_fen, int64_t) {})) {
    }
    EXPECT_EQ(c.filled, 3);
    // Totals through a match (an incoming buy of 6 at 125), a reduce and a remove.
    const uint32_t in = make(side::buy, 125, 6, 7);
    bk.match(pool, levels, in, price_fen(125), rec);
    EXPECT_EQ(bk.qty_total(side::sell), 8);
    const uint32_t extra = rest(side::sell, 150, 4, 1);
    bk.reduce(pool, levels, extra, qty_devices(1), rec);
    EXPECT_EQ(bk.qty_total(side::sell), 9);
    bk.remove(pool, levels, extra, rec);
    EXPECT_EQ(bk.qty_total(side::sell), 8);
    bk.clear(pool, levels, done_reason::expired, rec);
    EXPECT_EQ(bk.qty_total(side::sell), 0);
    EXPECT_EQ(bk.qty_total(side::buy), 0);
    // An empty side: nothing to step.
    bk.start_fill(c, side::buy, 5);
    EXPECT_EQ(c.stage, fill_cursor::done);
    EXPECT_FALSE(
        bk.step_fill(c, pool, levels, side::buy, participant_id(1), [](price_fen, int64_t) {}));
}

}  // namespace
}  // namespace cux::engine
