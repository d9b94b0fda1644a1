// The engine benchmark's workload generator (see tools/cmd_bench.cpp for the methodology). It
// runs a small model of a price-time book so that it knows, before anything is timed, which
// orders are live (for cancels) and how much an IOC must ask for to sweep exactly k resting
// orders; every driver is then checked against the model's totals.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/types.hpp"
#include "tools/bench_engine.hpp"

namespace cux::tools::bench {

namespace {

// xoshiro256** seeded through splitmix64: the same stream for the same seed on every platform.
class rng {
public:
    explicit rng(uint64_t seed) {
        for (uint64_t& s : s_) s = splitmix(seed);
    }
    uint64_t next() {
        const uint64_t out = rotl(s_[1] * 5, 7) * 9;
        const uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return out;
    }
    // Uniform in [0, n), n > 0 (Lemire's multiply-shift; the bias is below 2^-40 here).
    uint64_t below(uint64_t n) {
        __extension__ using u128 = unsigned __int128;
        return static_cast<uint64_t>((u128{next()} * n) >> 64);
    }

private:
    static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    static uint64_t splitmix(uint64_t& x) {
        uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    uint64_t s_[4];
};

int64_t price_at(bool buy, int64_t level) {
    return buy ? mid_price_fen - 1 - level : mid_price_fen + 1 + level;
}

// ---- the generator's book model --------------------------------------------------------------

// Price-time FIFOs per level with lazy deletion: a cancelled order stays in its level's queue
// (with rem 0) until it reaches the head or the queue is compacted.
class book_model {
public:
    book_model(int64_t levels, std::size_t handles_max)
        : rem_(handles_max, 0), pos_(handles_max, 0), where_(handles_max, 0) {
        for (auto* s : {&bids_, &asks_}) s->resize(static_cast<std::size_t>(levels));
        live_.reserve(handles_max);
    }

    [[nodiscard]] int64_t live() const { return static_cast<int64_t>(live_.size()); }
    [[nodiscard]] bool is_buy(uint32_t h) const { return (where_[h] & buy_bit) != 0; }

    void add(uint32_t h, bool buy, int64_t level, int64_t qty) {
        rem_[h] = static_cast<int32_t>(qty);
        where_[h] = static_cast<uint16_t>(level | (buy ? buy_bit : 0));
        level_q& l = level_of(h);
        l.q.push_back(h);
        ++l.live;
        pos_[h] = static_cast<uint32_t>(live_.size());
        live_.push_back(h);
    }

    [[nodiscard]] uint32_t random_live(rng& r) const {
        return live_[static_cast<std::size_t>(r.below(live_.size()))];
    }

    void cancel(uint32_t h) {
        level_q& l = level_of(h);
        drop(h);
        // Keep queues from filling up with cancelled entries far from the head.
        if (l.q.size() - l.head > 2 * static_cast<std::size_t>(l.live) + 64) {
            std::erase_if(l.q, [this](uint32_t x) { return rem_[x] == 0; });
            l.head = 0;
        }
    }

    // An IOC on side `buy` that sweeps k resting orders of the other side: the first k-1 whole
    // and part of the k-th (1..all of its remaining). Fills `o` and applies the fills. False
    // when the other side is empty.
    bool sweep(bool buy, int k, rng& r, op& o, workload& w) {
        std::vector<level_q>& side = buy ? asks_ : bids_;
        picked_.clear();
        int64_t last_level = 0;
        for (std::size_t j = 0; j < side.size() && static_cast<int>(picked_.size()) < k; ++j) {
            level_q& l = side[j];
            if (l.live == 0) continue;
            for (std::size_t i = l.head; i < l.q.size() && static_cast<int>(picked_.size()) < k;
                 ++i) {
                if (rem_[l.q[i]] == 0) continue;
                picked_.push_back(l.q[i]);
                last_level = static_cast<int64_t>(j);
            }
        }
        if (picked_.empty()) return false;
        int64_t qty = 0;
        for (std::size_t i = 0; i + 1 < picked_.size(); ++i) {
            qty += rem_[picked_[i]];
            ++w.resting_filled;
            drop(picked_[i]);
        }
        const uint32_t last = picked_.back();
        const auto part = static_cast<int32_t>(1 + r.below(static_cast<uint64_t>(rem_[last])));
        qty += part;
        if (part == rem_[last]) {
            ++w.resting_filled;
            drop(last);
        } else {
            rem_[last] -= part;
        }
        w.trades += picked_.size();
        w.traded_qty += qty;
        for (const uint32_t h : picked_) advance_head(level_of(h));
        o = op{};
        o.kind = op_kind::match;
        o.buy = buy ? 1 : 0;
        o.price_fen = price_at(!buy, last_level);
        o.qty = qty;
        return true;
    }

private:
    struct level_q {
        std::vector<uint32_t> q;
        std::size_t head = 0;
        int64_t live = 0;
    };
    static constexpr uint16_t buy_bit = 0x8000;

    level_q& level_of(uint32_t h) {
        return ((where_[h] & buy_bit) != 0 ? bids_ : asks_)[where_[h] & (buy_bit - 1)];
    }

    // Marks h done and removes it from the live set (swap with the last).
    void drop(uint32_t h) {
        rem_[h] = 0;
        --level_of(h).live;
        const uint32_t at = pos_[h];
        const uint32_t moved = live_.back();
        live_[at] = moved;
        pos_[moved] = at;
        live_.pop_back();
    }

    void advance_head(level_q& l) {
        while (l.head < l.q.size() && rem_[l.q[l.head]] == 0) ++l.head;
        if (l.head == l.q.size()) {
            l.q.clear();
            l.head = 0;
        } else if (l.head > 1024 && l.head * 2 > l.q.size()) {
            l.q.erase(l.q.begin(), l.q.begin() + static_cast<std::ptrdiff_t>(l.head));
            l.head = 0;
        }
    }

    std::vector<int32_t> rem_;     // per handle: open qty; 0 = not resting
    std::vector<uint32_t> pos_;    // per handle: index in live_
    std::vector<uint16_t> where_;  // per handle: level index | buy_bit
    std::vector<uint32_t> live_;
    std::vector<level_q> bids_;  // index 0 = the level nearest the mid
    std::vector<level_q> asks_;
    std::vector<uint32_t> picked_;
};

}  // namespace

const char* op_kind_name(op_kind k) {
    switch (k) {
        case op_kind::add:
            return "add";
        case op_kind::cancel:
            return "cancel";
        case op_kind::match:
            return "match";
    }
    return "?";
}

workload make_workload(const workload_spec& spec, progress& p) {
    CUX_ASSERT(spec.live_target > 0 && spec.live_target <= (int64_t{1} << 24));
    CUX_ASSERT(spec.levels_per_side > 0 && spec.levels_per_side <= levels_per_side_max);
    CUX_ASSERT(spec.ops >= 0 && spec.ops <= (int64_t{1} << 30));
    workload w;
    w.spec = spec;
    const auto target = spec.live_target;
    const auto levels = static_cast<uint64_t>(spec.levels_per_side);
    book_model m(spec.levels_per_side, static_cast<std::size_t>(target + spec.ops));
    rng r(spec.seed);
    uint32_t next_handle = 0;
    const auto make_add = [&](bool buy) {
        op o{};
        o.kind = op_kind::add;
        o.buy = buy ? 1 : 0;
        o.handle = next_handle++;
        const auto level = static_cast<int64_t>(r.below(levels));
        o.price_fen = price_at(buy, level);
        o.qty = 1 + static_cast<int64_t>(r.below(add_qty_max));
        m.add(o.handle, buy, level, o.qty);
        return o;
    };

    p.start("generate");
    w.prefill.reserve(static_cast<std::size_t>(target));
    while (m.live() < target) {
        w.prefill.push_back(make_add(r.below(2) == 0));
        w.prefill_buys += w.prefill.back().buy;
    }
    w.live_start = w.live_min = w.live_max = m.live();
    w.ops.reserve(static_cast<std::size_t>(spec.ops));
    for (int64_t i = 0; i < spec.ops; ++i) {
        if ((i & 0xffff) == 0) p.update(static_cast<uint64_t>(i), static_cast<uint64_t>(spec.ops));
        op o{};
        // 10% IOCs; the other 90% add when below the live target and cancel when above (a coin
        // decides at the target), which holds the live count within a few orders of it.
        bool done = false;
        if (r.below(100) < 10) {
            const bool buy = r.below(2) == 0;
            const int k = 1 + static_cast<int>(r.below(4));
            done = m.sweep(buy, k, r, o, w) || m.sweep(!buy, k, r, o, w);
        }
        if (!done) {
            const int64_t live = m.live();
            const bool add = live == 0 || live < target || (live == target && r.below(2) == 0);
            if (add) {
                o = make_add(r.below(2) == 0);
                w.stream_buys += o.buy;
            } else {
                o.kind = op_kind::cancel;
                o.handle = m.random_live(r);
                o.buy = m.is_buy(o.handle) ? 1 : 0;
                m.cancel(o.handle);
            }
        }
        ++w.count[static_cast<std::size_t>(o.kind)];
        w.ops.push_back(o);
        w.live_min = std::min(w.live_min, m.live());
        w.live_max = std::max(w.live_max, m.live());
    }
    p.finish();
    w.live_end = m.live();
    w.handles = next_handle;
    return w;
}

}  // namespace cux::tools::bench
