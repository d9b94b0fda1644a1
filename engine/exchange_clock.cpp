// The clock-driven side of the exchange: the listing calendar rolling forward, and each
// instrument's lifecycle pre_open -> (opening auction) open -> closing -> (closing auction)
// closed -> delivering -> settled -> delisted.

#include <algorithm>

#include "engine/exchange.hpp"

namespace cux::engine {

namespace {

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

void exchange::advance_clock(utc_ns ts) {
    now_ = ts;
    if (ts < next_due_) return;
    const calendar_spec& cal = market_.calendar;
    const utc_ns gate = cal.gate_closure_s * ns_per_s;

    // Hourly windows whose gate closure is still ahead: the first starts at h_first.
    const epoch_hour h_first = floor_div(ts + gate, ns_per_hour) + 1;
    const epoch_hour h_end = h_first + cal.hourly_slots;
    for (epoch_hour h = std::max(next_hourly_, h_first); h < h_end; ++h) {
        list_window(h, tenor::hour, ts);
    }
    next_hourly_ = std::max(next_hourly_, h_end);
    // Daily windows start at local midnight.
    const int64_t off = ((cal.utc_offset_hours % 24) + 24) % 24;
    const epoch_hour d_first = h_first + ((24 - ((h_first + off) % 24)) % 24);
    const epoch_hour d_end = d_first + 24 * cal.daily_windows;
    for (epoch_hour d = std::max(next_daily_, d_first); d < d_end; d += 24) {
        list_window(d, tenor::day, ts);
    }
    next_daily_ = std::max(next_daily_, d_end);

    // The next listing happens when the first hourly window's gate closure passes.
    utc_ns next = h_first * ns_per_hour - gate;
    const utc_ns retention = cal.retention_s * ns_per_s;
    // Due instruments step in id order, so the order of their events is part of the spec
    // rather than of the table's slot allocation.
    due_.clear();
    for (std::size_t s = 0; s < instruments_.capacity(); ++s) {
        const auto slot = static_cast<uint32_t>(s);
        if (instruments_[slot].live && instruments_[slot].next_due(retention) <= ts) {
            due_.push_back(slot);
        }
    }
    std::sort(due_.begin(), due_.end(),
              [this](uint32_t a, uint32_t b) { return instruments_[a].id < instruments_[b].id; });
    for (const uint32_t slot : due_) step_instrument(slot, ts);
    for (std::size_t s = 0; s < instruments_.capacity(); ++s) {
        const auto slot = static_cast<uint32_t>(s);
        if (instruments_[slot].live) next = std::min(next, instruments_[slot].next_due(retention));
    }
    next_due_ = next;
}

void exchange::list_window(epoch_hour start, tenor t, utc_ns ts) {
    for (std::size_t c = 0; c < market_.chips.size(); ++c) {
        for (std::size_t r = 0; r < market_.regions.size(); ++r) {
            list_instrument(
                instrument_key{static_cast<uint8_t>(c), static_cast<uint8_t>(r), t, start}, ts);
        }
    }
}

void exchange::list_instrument(const instrument_key& k, utc_ns ts) {
    const instrument_id id = pack(k);
    CUX_ASSERT(instruments_.find(id) == nil_slot);
    const uint32_t slot = instruments_.insert(id);
    // The constructor checked that the whole calendar fits the table.
    CUX_ASSERT(slot != nil_slot);
    const calendar_spec& cal = market_.calendar;
    const chip_spec& chip = market_.chips[k.chip];
    instrument_state& in = instruments_[slot];
    in.key = k;
    in.status = instrument_status::pre_open;
    in.hours = tenor_hours(k.ten);
    in.listed_ts = ts;
    in.open_ts = ts + cal.pre_open_s * ns_per_s;
    in.start_ts = k.start_hour * ns_per_hour;
    in.end_ts = in.start_ts + in.hours * ns_per_hour;
    in.settle_ts = in.end_ts + cal.delivery_grace_s * ns_per_s;
    in.contract_head = in.contract_tail = nil_slot;
    in.gate_ts = in.start_ts - cal.gate_closure_s * ns_per_s;
    in.closing_ts = in.gate_ts - cal.closing_call_s * ns_per_s;
    // Reference: the chip x region's latest settlement price, else the chip's typical price;
    // kept well inside the price limit so the band can never overflow it.
    price_fen ref = last_settlement(k.chip, k.region);
    if (ref.value() <= 0) ref = chip.typical_price;
    const int64_t tick = chip.tick.value();
    const int64_t ref_v = std::min(ref.value() / tick * tick, limits::price_fen_max / 2);
    in.reference = price_fen(std::max(ref_v, tick));
    const int64_t lo_raw = (in.reference.value() * (10000 - market_.band_bps) + 9999) / 10000;
    int64_t lo = std::max((lo_raw + tick - 1) / tick * tick, tick);
    const int64_t hi_raw = in.reference.value() * (10000 + market_.band_bps) / 10000;
    int64_t hi = std::max(hi_raw / tick * tick, lo);
    if ((hi - lo) / tick + 1 > limits::band_ticks_max) {
        // Too many ticks for one book: the band narrows to band_ticks_max around the reference.
        const int64_t half = (limits::band_ticks_max / 2 - 1) * tick;
        lo = std::max(in.reference.value() - half, tick);
        hi = in.reference.value() + half;
    }
    in.band_low = price_fen(lo);
    in.band_high = price_fen(hi);
    in.last_trade = price_fen(0);
    in.settlement = price_fen(0);
    in.settlement_by = settlement_method::none;
    in.late = settlement_window{};
    in.volume = qty_devices(0);
    in.open_orders = 0;
    in.energy_units = energy_units_device_window(market_, k.chip, k.region, k.start_hour, in.hours);
    in.bk.init(in.band_low, chip.tick, (hi - lo) / tick + 1);

    event& e = begin_event(event_type::instrument_status, participant_id(0));
    e.body.status.instrument = id;
    e.body.status.status = in.status;
    e.body.status.reference = in.reference;
    e.body.status.band_low = in.band_low;
    e.body.status.band_high = in.band_high;
    send_event();
}

void exchange::step_instrument(uint32_t slot, utc_ns ts) {
    instrument_state& in = instruments_[slot];
    cur_slot_ = slot;
    while (true) {
        const instrument_status before = in.status;
        switch (in.status) {
            case instrument_status::pre_open:
                if (ts < in.open_ts) return;
                // Listed too late for continuous trading: keep collecting for the closing call.
                if (ts < in.closing_ts) {
                    run_auction(slot, auction_kind::opening);
                    in.status = instrument_status::open;
                } else {
                    in.status = instrument_status::closing;
                }
                break;
            case instrument_status::open:
                if (ts < in.closing_ts) return;
                in.status = instrument_status::closing;
                break;
            case instrument_status::closing:
                if (ts < in.gate_ts) return;
                run_auction(slot, auction_kind::closing);
                in.bk.clear(orders_, levels_, done_reason::expired, *this);
                in.status = instrument_status::closed;
                break;
            case instrument_status::closed:
                if (ts < in.start_ts) return;
                in.status = instrument_status::delivering;
                break;
            case instrument_status::delivering:
                if (ts < in.settle_ts) return;
                settle_contracts(in);
                in.status = instrument_status::settled;
                break;
            case instrument_status::settled:
                if (ts < in.settle_ts + market_.calendar.retention_s * ns_per_s) return;
                in.bk.reset();
                instruments_.erase(slot);
                return;
        }
        CUX_ASSERT(in.status != before);
        event& e = begin_event(event_type::instrument_status, participant_id(0));
        e.body.status.instrument = in.id;
        e.body.status.status = in.status;
        e.body.status.reference = in.reference;
        e.body.status.band_low = in.band_low;
        e.body.status.band_high = in.band_high;
        e.body.status.settlement = in.settlement;
        e.body.status.settlement_by = in.settlement_by;
        send_event();
    }
}

void exchange::run_auction(uint32_t slot, auction_kind kind) {
    instrument_state& in = instruments_[slot];
    const auction_outcome out = in.bk.uncross(orders_, levels_, in.reference, *this);
    if (kind == auction_kind::closing) {
        // The official settlement price (engine/settlement.hpp).
        const settlement_outcome s = settlement_rule(out.price, out.volume, in.late, in.last_trade,
                                                     market_.chips[in.key.chip].tick);
        in.settlement = s.price;
        in.settlement_by = s.method;
        if (in.settlement.value() > 0) {
            last_settlement_[in.key.chip * market_.regions.size() + in.key.region] = in.settlement;
        }
    }
    event& e = begin_event(event_type::auction_result, participant_id(0));
    e.body.auction.instrument = in.id;
    e.body.auction.kind = kind;
    e.body.auction.price = out.price;
    e.body.auction.volume = out.volume;
    e.body.auction.imbalance = out.imbalance;
    send_event();
}

}  // namespace cux::engine
