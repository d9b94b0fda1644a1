// `cux bench engine --path core`: the matching core alone, engine::book and its pools driven
// directly by the workload.

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/book.hpp"
#include "engine/order_pool.hpp"
#include "engine/types.hpp"
#include "tools/bench_engine.hpp"
#include "tools/bench_passes.hpp"

namespace cux::tools::bench {

namespace {

class core_listener final : public eng::book_listener {
public:
    uint64_t trades = 0;
    int64_t qty = 0;
    uint64_t done = 0;
    uint64_t levels = 0;

    void on_trade(uint32_t, uint32_t, eng::price_fen, eng::qty_devices q, bool) override {
        ++trades;
        qty += q.value();
    }
    void on_resting_done(uint32_t, eng::done_reason) override { ++done; }
    void on_level(eng::side, eng::price_fen, eng::qty_devices, int64_t) override { ++levels; }
};

// engine::book driven directly, as another matching engine's benchmark drives its order book:
// add = allocate a pooled order + match (returns at once: adds never cross) + insert;
// cancel = find the id's slot + remove + release; match = allocate + match + release.
class core_driver {
public:
    explicit core_driver(const workload& w)
        : pool_(pool_capacity(w)), levels_(pool_capacity(w)), ids_(w.handles) {
        bk_.init(eng::price_fen(band_low_fen), eng::price_fen(1), band_ticks);
    }

    void apply(const op& o) {
        switch (o.kind) {
            case op_kind::add: {
                const uint32_t s = new_order(o, eng::time_in_force::gtc);
                bk_.match(pool_, levels_, s, eng::price_fen(o.price_fen), l_);
                if (pool_[s].remaining.value() > 0) {
                    bk_.insert(pool_, levels_, s, l_);
                } else {
                    pool_.release(s);
                }
                ids_[o.handle] = pool_.id_of(s);
                break;
            }
            case op_kind::cancel: {
                const uint32_t s = pool_.find(ids_[o.handle]);
                CUX_ASSERT(s != eng::nil_slot);
                bk_.remove(pool_, levels_, s, l_);
                pool_.release(s);
                break;
            }
            case op_kind::match: {
                const uint32_t s = new_order(o, eng::time_in_force::ioc);
                bk_.match(pool_, levels_, s, eng::price_fen(o.price_fen), l_);
                pool_.release(s);
                break;
            }
        }
    }

    void start_timed(bool) {}
    void finish() {}
    [[nodiscard]] int64_t live() const { return static_cast<int64_t>(pool_.live()); }
    void collect(run_result& r) const {
        r.live_end = live();
        r.trades = l_.trades;
        r.traded_qty = l_.qty;
    }
    void collect_latency(run_result&) {}

private:
    uint32_t new_order(const op& o, eng::time_in_force tif) {
        const uint32_t s = pool_.allocate();
        CUX_ASSERT(s != eng::nil_slot);
        eng::order& r = pool_[s];
        r.next = r.prev = eng::nil_slot;
        r.instrument = 0;
        // Buyers and sellers are different participants: self-trade prevention never fires.
        r.owner = eng::participant_id(o.buy != 0 ? 1 : 2);
        r.sd = o.buy != 0 ? eng::side::buy : eng::side::sell;
        r.tif = tif;
        r.stp = eng::stp_mode::cancel_newest;
        r.post_only = 0;
        r.origin_region = eng::origin_none;
        r.price = eng::price_fen(o.price_fen);
        r.remaining = eng::qty_devices(o.qty);
        r.filled = eng::qty_devices(0);
        r.hold = eng::money_fen(0);
        r.network_left = eng::money_fen(0);
        return s;
    }

    eng::order_pool pool_;
    eng::level_pool levels_;
    eng::book bk_;
    core_listener l_;
    std::vector<eng::order_id> ids_;  // handle -> order id
};

}  // namespace

run_result run_core(const workload& w, int repeat, const clock_info& clk, progress& p) {
    return run_passes<core_driver>(w, repeat, clk, p,
                                   [&](int) { return std::make_unique<core_driver>(w); });
}

}  // namespace cux::tools::bench
