// Whole-state views of the exchange: the state hash that replay compares, and the O(n)
// invariant checks that tests run after every command.

#include <algorithm>
#include <map>
#include <sstream>
#include <tuple>

#include "engine/exchange.hpp"

namespace cux::engine {

namespace {

// FNV-1a over the fields fed to it, in a fixed order.
struct hasher {
    uint64_t h = 1469598103934665603ULL;
    void bytes(const void* p, std::size_t n) {
        const auto* b = static_cast<const unsigned char*>(p);
        for (std::size_t i = 0; i < n; ++i) {
            h ^= b[i];
            h *= 1099511628211ULL;
        }
    }
    void i64(int64_t v) { bytes(&v, sizeof v); }
    void u64(uint64_t v) { bytes(&v, sizeof v); }
};

}  // namespace

uint64_t exchange::state_hash() const { return hash_state(true); }

uint64_t exchange::content_hash() const { return hash_state(false); }

uint64_t exchange::hash_state(bool counters) const {
    hasher h;
    // The counters in their original place, so that state hashes stay what they were.
    if (counters) {
        h.u64(last_seq_);
        h.u64(event_seq_);
    }
    h.u64(next_trade_);
    if (counters) h.i64(now_);
    h.i64(next_hourly_);
    h.i64(next_daily_);
    h.u64(next_participant_);
    for (uint32_t p = 0; p < next_participant_; ++p) {
        const participant_state& ps = participants_[p];
        h.u64(p);
        h.u64(ps.roles);
        h.bytes(ps.name, sizeof ps.name);
        h.i64(ps.available.value());
        h.i64(ps.held.value());
        h.i64(ps.escrow.value());
        h.i64(ps.open_orders);
    }
    for (const price_fen p : last_settlement_) h.i64(p.value());
    // Instruments in id order, each with its book in priority order.
    std::vector<uint32_t> slots;
    for (std::size_t s = 0; s < instruments_.capacity(); ++s) {
        if (instruments_[static_cast<uint32_t>(s)].live) slots.push_back(static_cast<uint32_t>(s));
    }
    std::sort(slots.begin(), slots.end(),
              [this](uint32_t a, uint32_t b) { return instruments_[a].id < instruments_[b].id; });
    for (const uint32_t s : slots) {
        const instrument_state& in = instruments_[s];
        h.u64(in.id.value());
        h.u64(static_cast<uint64_t>(in.status));
        for (const int64_t v :
             {in.listed_ts, in.open_ts, in.reference.value(), in.band_low.value(),
              in.band_high.value(), in.last_trade.value(), in.settlement.value(), in.volume.value(),
              in.open_orders, in.late.notional, in.late.qty, int64_t{in.late.overflow},
              static_cast<int64_t>(in.settlement_by)}) {
            h.i64(v);
        }
        in.bk.for_each_order(orders_, levels_, [&](uint32_t o) {
            const order& r = orders_[o];
            h.u64(orders_.id_of(o).value());
            h.u64(r.owner.value());
            h.u64(static_cast<uint64_t>(r.sd) | uint64_t{static_cast<uint8_t>(r.tif)} << 8 |
                  uint64_t{static_cast<uint8_t>(r.stp)} << 16 | uint64_t{r.post_only} << 24 |
                  uint64_t{r.origin_region} << 32);
            h.i64(r.price.value());
            h.i64(r.remaining.value());
            h.i64(r.filled.value());
            h.i64(r.hold.value());
            h.i64(r.network_left.value());
        });
        for (uint32_t ks = in.contract_head; ks != nil_slot; ks = contracts_[ks].next) {
            const contract& k = contracts_[ks];
            h.u64(contracts_.id_of(ks).value());
            h.u64(k.trade.value());
            h.u64(uint64_t{k.buyer.value()} << 32 | k.seller.value());
            h.u64(uint64_t{k.origin_region} | uint64_t{k.carrier} << 8 |
                  uint64_t{static_cast<uint8_t>(k.status)} << 16);
            for (const int64_t v :
                 {k.price.value(), k.qty.value(), k.compute.value(), k.energy.value(),
                  k.network.value(), k.buyer_fee.value(), k.seller_fee.value()}) {
                h.i64(v);
            }
        }
    }
    for (const capacity_row& row : capacity_rows_) {
        h.u64(row.owner.value());
        h.u64(uint64_t{row.chip} << 8 | row.region);
        for (const capacity_hour& e : row.hours) {
            if (e.hour < 0) continue;
            h.i64(e.hour);
            h.i64(e.registered);
            h.i64(e.committed);
            h.i64(e.sold);
        }
    }
    return h.h;
}

std::string exchange::check_invariants() const {
    std::ostringstream bad;
    std::vector<int64_t> held(next_participant_, 0);
    std::vector<int64_t> open(next_participant_, 0);
    std::vector<int64_t> escrow(next_participant_, 0);
    std::size_t contracts = 0;
    std::map<std::tuple<uint32_t, std::size_t, std::size_t, epoch_hour>, int64_t> committed;
    std::size_t resting = 0;
    for (std::size_t s = 0; s < instruments_.capacity(); ++s) {
        const auto slot = static_cast<uint32_t>(s);
        const instrument_state& in = instruments_[slot];
        if (!in.live) continue;
        int64_t in_open = 0;
        in.bk.for_each_order(orders_, levels_, [&](uint32_t o) {
            const order& r = orders_[o];
            ++resting;
            ++in_open;
            ++open[r.owner.value()];
            if (r.instrument != slot) bad << "order " << o << " in the wrong book; ";
            if (r.remaining.value() <= 0) bad << "order " << o << " rests with no quantity; ";
            if (r.sd == side::buy) {
                held[r.owner.value()] += r.hold.value();
                if (r.hold != hold_for(in, r)) bad << "order " << o << " hold is off; ";
            } else {
                for (epoch_hour h = in.key.start_hour; h < in.key.start_hour + in.hours; ++h) {
                    committed[{r.owner.value(), in.key.chip, in.key.region, h}] +=
                        r.remaining.value();
                }
            }
        });
        if (in_open != in.open_orders) bad << "instrument " << in.id.value() << " count; ";
        for (uint32_t ks = in.contract_head; ks != nil_slot; ks = contracts_[ks].next) {
            const contract& k = contracts_[ks];
            ++contracts;
            if (k.instrument != slot) bad << "contract " << ks << " in the wrong list; ";
            if (k.status == contract_status::open) escrow[k.buyer.value()] += k.cost().value();
        }
        for (const side sd : {side::buy, side::sell}) {
            int64_t sum = 0;
            in.bk.for_each_level(levels_, sd,
                                 [&](price_fen, qty_devices q, int64_t) { sum += q.value(); });
            int64_t orders_sum = 0;
            in.bk.for_each_order(orders_, levels_, [&](uint32_t o) {
                if (orders_[o].sd == sd) orders_sum += orders_[o].remaining.value();
            });
            if (sum != orders_sum) bad << "instrument " << in.id.value() << " level totals; ";
            if (sum != in.bk.qty_total(sd))
                bad << "instrument " << in.id.value() << " side total; ";
        }
        if (in.status == instrument_status::open && !in.bk.empty(side::buy) &&
            !in.bk.empty(side::sell) &&
            in.bk.best_price(side::buy) >= in.bk.best_price(side::sell)) {
            bad << "instrument " << in.id.value() << " is crossed while open; ";
        }
    }
    if (resting != orders_.live()) bad << "orders alive outside any book; ";
    if (contracts != contracts_.live()) bad << "contracts alive outside any instrument; ";
    if (contracts_.free() < orders_.live()) bad << "open orders could exhaust the contracts; ";
    for (uint32_t p = 0; p < next_participant_; ++p) {
        const participant_state& ps = participants_[p];
        if (ps.available.value() < 0 || ps.held.value() < 0 || ps.escrow.value() < 0) {
            bad << "participant " << p << " has a negative balance; ";
        }
        if (ps.held.value() != held[p]) bad << "participant " << p << " held != open buys; ";
        if (ps.escrow.value() != escrow[p]) {
            bad << "participant " << p << " escrow != open contracts; ";
        }
        if (ps.open_orders != open[p]) bad << "participant " << p << " open order count; ";
    }
    for (const capacity_row& row : capacity_rows_) {
        for (const capacity_hour& e : row.hours) {
            if (e.hour < 0) continue;
            const auto it = committed.find({row.owner.value(), row.chip, row.region, e.hour});
            const int64_t want = it == committed.end() ? 0 : it->second;
            if (e.committed != want) {
                bad << "capacity of " << row.owner.value() << " at hour " << e.hour << " committed "
                    << e.committed << " != open sells " << want << "; ";
            }
            if (e.committed + e.sold > e.registered) {
                bad << "capacity of " << row.owner.value() << " oversold; ";
            }
        }
    }
    return bad.str();
}

}  // namespace cux::engine
