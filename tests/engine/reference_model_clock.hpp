#pragma once
// The reference model (reference_model.hpp): the calendar, each instrument's lifecycle, gate
// closure and call auctions, as engine/exchange_clock.cpp.

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "tests/engine/reference_model.hpp"

namespace cux::engine::test {

inline utc_ns reference_model::due_at(const minst& in) const {
    switch (in.status) {
        case instrument_status::pre_open:
            return in.open_ts;
        case instrument_status::open:
            return in.closing_ts;
        case instrument_status::closing:
            return in.gate_ts;
        case instrument_status::closed:
            return in.start_ts;
        case instrument_status::delivering:
            return settle_ts(in);
        case instrument_status::settled:
            return settle_ts(in) + m_.calendar.retention_s * ns_per_s;
    }
    return in.end_ts;
}

inline void reference_model::advance_clock() {
    const calendar_spec& cal = m_.calendar;
    const utc_ns gate = cal.gate_closure_s * ns_per_s;
    const int64_t off = ((cal.utc_offset_hours % 24) + 24) % 24;
    // The calendar: the next hourly_slots hour windows and the next daily_windows local
    // days whose gate closure is still ahead, each listed once.
    std::vector<epoch_hour> hourly;
    std::vector<epoch_hour> daily;
    for (epoch_hour h = floor_div(now_, ns_per_hour);
         static_cast<int64_t>(hourly.size()) < cal.hourly_slots; ++h) {
        if (h * ns_per_hour - gate > now_) hourly.push_back(h);
    }
    for (epoch_hour h = floor_div(now_, ns_per_hour);
         static_cast<int64_t>(daily.size()) < cal.daily_windows; ++h) {
        if ((h + off) % 24 == 0 && h * ns_per_hour - gate > now_) daily.push_back(h);
    }
    for (const epoch_hour h : hourly) {
        if (listed_.insert({0, h}).second) list_window(h, tenor::hour);
    }
    for (const epoch_hour d : daily) {
        if (listed_.insert({1, d}).second) list_window(d, tenor::day);
    }
    std::vector<uint32_t> due;
    for (const auto& [id, in] : instruments_) {
        if (due_at(in) <= now_) due.push_back(id);
    }
    for (const uint32_t id : due) step(id);
}

inline void reference_model::list_window(epoch_hour start, tenor t) {
    for (std::size_t chip = 0; chip < m_.chips.size(); ++chip) {
        for (std::size_t region = 0; region < m_.regions.size(); ++region) {
            list(
                instrument_key{static_cast<uint8_t>(chip), static_cast<uint8_t>(region), t, start});
        }
    }
}

inline void reference_model::list(const instrument_key& k) {
    const calendar_spec& cal = m_.calendar;
    minst in;
    in.key = k;
    in.id = pack(k);
    in.hours = tenor_hours(k.ten);
    in.open_ts = now_ + cal.pre_open_s * ns_per_s;
    in.start_ts = k.start_hour * ns_per_hour;
    in.end_ts = in.start_ts + in.hours * ns_per_hour;
    in.gate_ts = in.start_ts - cal.gate_closure_s * ns_per_s;
    in.closing_ts = in.gate_ts - cal.closing_call_s * ns_per_s;
    in.tick = m_.chips[k.chip].tick.value();
    int64_t ref = settlement_of(k.chip, k.region);
    if (ref <= 0) ref = m_.chips[k.chip].typical_price.value();
    ref = std::max(std::min(ref / in.tick * in.tick, limits::price_fen_max / 2), in.tick);
    in.reference = ref;
    // The band: reference +- band_bps, rounded inwards to the tick, at least one tick.
    const int64_t lo_raw = (ref * (10000 - m_.band_bps) + 9999) / 10000;
    in.band_low = std::max((lo_raw + in.tick - 1) / in.tick * in.tick, in.tick);
    const int64_t hi_raw = ref * (10000 + m_.band_bps) / 10000;
    in.band_high = std::max(hi_raw / in.tick * in.tick, in.band_low);
    in.energy_units = energy_units_device_window(m_, k.chip, k.region, k.start_hour, in.hours);
    CUX_ASSERT(instruments_.count(in.id.value()) == 0);
    const minst& added = instruments_.emplace(in.id.value(), std::move(in)).first->second;
    emit_status(added);
}

inline void reference_model::step(uint32_t id) {
    minst& in = instruments_.at(id);
    const utc_ns retention = m_.calendar.retention_s * ns_per_s;
    while (true) {
        switch (in.status) {
            case instrument_status::pre_open:
                if (now_ < in.open_ts) return;
                if (now_ < in.closing_ts) {
                    auction(in, auction_kind::opening);
                    in.status = instrument_status::open;
                } else {
                    // Listed too late for continuous trading: straight to the closing call.
                    in.status = instrument_status::closing;
                }
                break;
            case instrument_status::open:
                if (now_ < in.closing_ts) return;
                in.status = instrument_status::closing;
                break;
            case instrument_status::closing:
                if (now_ < in.gate_ts) return;
                auction(in, auction_kind::closing);
                expire_all(in);
                in.status = instrument_status::closed;
                break;
            case instrument_status::closed:
                if (now_ < in.start_ts) return;
                in.status = instrument_status::delivering;
                break;
            case instrument_status::delivering:
                if (now_ < settle_ts(in)) return;
                settle(in);
                in.status = instrument_status::settled;
                break;
            case instrument_status::settled:
                if (now_ < settle_ts(in) + retention) return;
                CUX_ASSERT(in.orders.empty());
                instruments_.erase(id);
                return;
        }
        emit_status(in);
    }
}

inline utc_ns reference_model::settle_ts(const minst& in) const {
    return in.end_ts + m_.calendar.delivery_grace_s * ns_per_s;
}

// Gate closure: every resting order expires, bids best-first then asks, level by level.
inline void reference_model::expire_all(minst& in) {
    for (const side sd : {side::buy, side::sell}) {
        while (const auto p = best(in, sd)) {
            for (const uint64_t oid : level_ids(in, sd, *p)) {
                const std::size_t i = index_of(in, oid);
                morder o = in.orders[i];
                in.orders.erase(in.orders.begin() + static_cast<std::ptrdiff_t>(i));
                end_order(in, o, done_reason::expired);
            }
            emit_level(in, sd, *p);
        }
    }
}

// Uniform-price call auction: over every price of the band, maximise volume, then minimise
// |imbalance|, then the distance to the reference, then the lower price. Allocation in
// price-time priority; both sides pay the maker fee.
inline void reference_model::auction(minst& in, auction_kind kind) {
    int64_t best_p = 0;
    int64_t best_vol = 0;
    int64_t best_imb = 0;
    for (int64_t p = in.band_low; p <= in.band_high; p += in.tick) {
        int64_t buy = 0;
        int64_t sell = 0;
        for (const morder& o : in.orders) {
            if (o.sd == side::buy && o.price >= p) buy += o.remaining;
            if (o.sd == side::sell && o.price <= p) sell += o.remaining;
        }
        const int64_t vol = std::min(buy, sell);
        const int64_t imb = buy - sell;
        if (vol == 0) continue;
        const bool better =
            vol > best_vol ||
            (vol == best_vol && (std::abs(imb) < std::abs(best_imb) ||
                                 (std::abs(imb) == std::abs(best_imb) &&
                                  std::abs(p - in.reference) < std::abs(best_p - in.reference))));
        if (better) {
            best_p = p;
            best_vol = vol;
            best_imb = imb;
        }
    }
    int64_t left = best_vol;
    while (left > 0) {
        const std::size_t bi = best_index(in, side::buy);
        const std::size_t ai = best_index(in, side::sell);
        CUX_ASSERT(bi < in.orders.size() && ai < in.orders.size());
        morder& b = in.orders[bi];
        morder& a = in.orders[ai];
        const uint64_t bid_id = b.id;
        const uint64_t ask_id = a.id;
        const int64_t bid_price = b.price;
        const int64_t ask_price = a.price;
        const int64_t q = std::min({b.remaining, a.remaining, left});
        fill(in, b, a, side::buy, true, best_p, q);
        left -= q;
        const bool bid_done = b.remaining == 0;
        const bool ask_done = a.remaining == 0;
        if (bid_done) {
            const std::size_t i = index_of(in, bid_id);
            morder gone = in.orders[i];
            in.orders.erase(in.orders.begin() + static_cast<std::ptrdiff_t>(i));
            end_order(in, gone, done_reason::filled);
        }
        if (ask_done) {
            const std::size_t i = index_of(in, ask_id);
            morder gone = in.orders[i];
            in.orders.erase(in.orders.begin() + static_cast<std::ptrdiff_t>(i));
            end_order(in, gone, done_reason::filled);
        }
        // A level is reported when it is finished with: emptied, or the auction is over.
        const auto level_empty = [&](side sd, int64_t price) {
            return std::none_of(in.orders.begin(), in.orders.end(),
                                [&](const morder& o) { return o.sd == sd && o.price == price; });
        };
        if (level_empty(side::buy, bid_price) || left == 0) {
            emit_level(in, side::buy, bid_price);
        }
        if (level_empty(side::sell, ask_price) || left == 0) {
            emit_level(in, side::sell, ask_price);
        }
    }
    if (kind == auction_kind::closing) {
        // The official settlement price: the closing auction's, else the VWAP of the last 15
        // minutes before gate closure (half up to the tick), else the last trade's.
        if (best_vol > 0) {
            in.settlement = best_p;
            in.settlement_by = settlement_method::closing_auction;
        } else if (in.late_q > 0) {
            const int64_t step = in.late_q * in.tick;
            in.settlement = (in.late_pq + step / 2) / step * in.tick;
            in.settlement_by = settlement_method::vwap_15m;
        } else {
            in.settlement = in.last_trade;
            in.settlement_by =
                in.last_trade > 0 ? settlement_method::last_trade : settlement_method::none;
        }
        if (in.settlement > 0) last_settlement_[{in.key.chip, in.key.region}] = in.settlement;
    }
    event& e = emit(event_type::auction_result, participant_id(0));
    e.body.auction.instrument = in.id;
    e.body.auction.kind = kind;
    e.body.auction.price = price_fen(best_vol > 0 ? best_p : 0);
    e.body.auction.volume = qty_devices(best_vol);
    e.body.auction.imbalance = qty_devices(best_vol > 0 ? best_imb : 0);
}

}  // namespace cux::engine::test
