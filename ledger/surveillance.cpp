#include "ledger/surveillance.hpp"

#include <algorithm>

#include "engine/symbol.hpp"

namespace cux::ledger {

using namespace cux::engine;
namespace cfg = surveillance_config;

static_assert(engine::limits::participants_max <= (std::size_t{1} << 16),
              "a holding's key packs the buyer in 16 bits");

const char* alert_kind_name(alert_kind k) {
    switch (k) {
        case alert_kind::wash_trade:
            return "wash_trade";
        case alert_kind::layering:
            return "layering";
        case alert_kind::capacity_hoarding:
            return "capacity_hoarding";
    }
    return "unknown";
}

std::optional<alert_kind> parse_alert_kind(std::string_view s) {
    for (const alert_kind k :
         {alert_kind::wash_trade, alert_kind::layering, alert_kind::capacity_hoarding}) {
        if (s == alert_kind_name(k)) return k;
    }
    return std::nullopt;
}

const char* const* alert_metric_names(alert_kind k) {
    static const char* const wash[] = {"qty", "group", nullptr};
    static const char* const layer[] = {"cancelled_orders", "cancelled_qty", "traded_qty",
                                        "window_ms", nullptr};
    static const char* const hoard[] = {"held", "supply", "share_bp", "hours", nullptr};
    static const char* const none[] = {nullptr};
    switch (k) {
        case alert_kind::wash_trade:
            return wash;
        case alert_kind::layering:
            return layer;
        case alert_kind::capacity_hoarding:
            return hoard;
    }
    return none;
}

namespace {

uint64_t window_key(uint8_t chip, uint8_t region, epoch_hour h) {
    return static_cast<uint64_t>(h) << 16 | uint64_t{chip} << 8 | region;
}
epoch_hour hour_of(uint64_t window) { return static_cast<epoch_hour>(window >> 16); }

template <class T>
void push(T* list, uint8_t& n, T v) {
    if (n < cfg::evidence_max) list[n++] = v;
}

}  // namespace

surveillance::surveillance() : group_(engine::limits::participants_max, 0) {}

alert& surveillance::raise(const event& e, alert_kind k, std::vector<alert>& out) {
    alert& a = out.emplace_back();
    a.seq = next_seq_++;
    a.kind = k;
    a.cmd_seq = e.cmd_seq;
    a.event_seq = e.event_seq;
    a.ts = e.ts;
    return a;
}

void surveillance::on_event(const event& e, std::vector<alert>& out) {
    prune(e.ts);
    switch (e.type) {
        case event_type::participant_created: {
            const uint32_t p = e.body.created.participant.value();
            if (p < group_.size()) group_[p] = e.body.created.group;
            break;
        }
        case event_type::order_accepted: {
            const order_accepted_body& b = e.body.accepted;
            if (b.qty.value() >= cfg::layering_order_qty_min &&
                orders_.size() < cfg::tracked_orders_max) {
                orders_[b.id.value()] = tracked_order{e.participant, b.instrument, e.ts, e.cmd_seq};
            }
            break;
        }
        case event_type::order_done:
            on_order_done(e);
            break;
        case event_type::trade:
            on_trade(e, out);
            break;
        case event_type::capacity_changed:
            add_supply(e);
            break;
        case event_type::contract_failed: {
            // The buyer got its money back: it no longer holds the devices.
            const contract_body_ev& k = e.body.contract;
            const instrument_key w = unpack(k.instrument);
            for (int64_t i = 0; i < tenor_hours(w.ten); ++i) {
                const uint64_t key = window_key(w.chip, w.region, w.start_hour + i) << 16 |
                                     (k.buyer.value() & 0xffff);
                if (const auto it = held_.find(key); it != held_.end()) {
                    it->second.qty -= k.qty.value();
                }
            }
            break;
        }
        default:
            break;
    }
}

void surveillance::on_order_done(const event& e) {
    const order_done_body& b = e.body.done;
    const auto it = orders_.find(b.id.value());
    if (it == orders_.end()) return;
    const tracked_order o = it->second;
    orders_.erase(it);
    if (b.reason != done_reason::cancelled || b.remaining.value() < cfg::layering_order_qty_min ||
        e.ts - o.accepted_ts > cfg::layering_cancel_within_ns) {
        return;
    }
    const uint64_t key = uint64_t{o.owner.value()} << 32 | o.instrument.value();
    auto found = cancels_.find(key);
    if (found == cancels_.end()) {
        if (cancels_.size() >= cfg::layering_books_max) return;
        found = cancels_.emplace(key, std::vector<quick_cancel>{}).first;
    }
    auto& list = found->second;
    if (list.size() >= cfg::quick_cancels_per_book_max) list.erase(list.begin());
    list.push_back(quick_cancel{b.id.value(), b.sd, e.ts, b.remaining.value(), o.accepted_cmd_seq,
                                e.cmd_seq, e.event_seq});
}

void surveillance::on_trade(const event& e, std::vector<alert>& out) {
    const trade_body& t = e.body.trade;
    // Wash trades.
    const uint32_t b = t.buyer.value();
    const uint32_t s = t.seller.value();
    const uint32_t gb = b < group_.size() ? group_[b] : 0;
    const uint32_t gs = s < group_.size() ? group_[s] : 0;
    if (t.qty.value() >= cfg::wash_qty_min && (b == s || (gb != 0 && gb == gs))) {
        alert& a = raise(e, alert_kind::wash_trade, out);
        a.instrument = t.instrument;
        push(a.participant, a.participants, t.buyer);
        if (s != b) push(a.participant, a.participants, t.seller);
        push(a.order_id, a.orders, t.buy_order.value());
        push(a.order_id, a.orders, t.sell_order.value());
        push(a.trade_id, a.trades, t.id.value());
        push(a.cmd_seq_of, a.seqs, e.cmd_seq);
        push(a.event_seq_of, a.event_seqs, e.event_seq);
        a.metric[0] = t.qty.value();
        a.metric[1] = b == s ? 0 : gb;
    }
    layering(e, t.buyer, side::buy, out);
    if (s != b) layering(e, t.seller, side::sell, out);
    hoarding(e, out);
}

void surveillance::layering(const event& e, participant_id p, side sd, std::vector<alert>& out) {
    const trade_body& t = e.body.trade;
    const auto it = cancels_.find(uint64_t{p.value()} << 32 | t.instrument.value());
    if (it == cancels_.end()) return;
    auto& list = it->second;
    std::erase_if(list,
                  [&](const quick_cancel& c) { return e.ts - c.ts > cfg::layering_window_ns; });
    const side other = opposite(sd);
    const auto n = static_cast<std::size_t>(std::count_if(
        list.begin(), list.end(), [&](const quick_cancel& c) { return c.sd == other; }));
    if (n >= cfg::layering_cancels_min) {
        alert& a = raise(e, alert_kind::layering, out);
        a.instrument = t.instrument;
        push(a.participant, a.participants, p);
        int64_t qty = 0;
        for (const quick_cancel& c : list) {
            if (c.sd != other) continue;
            qty += c.qty;
            push(a.order_id, a.orders, c.order);
            push(a.cmd_seq_of, a.seqs, c.accepted_cmd_seq);
            push(a.cmd_seq_of, a.seqs, c.cmd_seq);
            push(a.event_seq_of, a.event_seqs, c.event_seq);
        }
        // The trade itself is the last entry of each list (room is kept for it).
        const auto last = [](auto* list_of, uint8_t& used, auto v) {
            if (used == cfg::evidence_max) --used;
            list_of[used++] = v;
        };
        last(a.order_id, a.orders, sd == side::buy ? t.buy_order.value() : t.sell_order.value());
        last(a.cmd_seq_of, a.seqs, e.cmd_seq);
        last(a.event_seq_of, a.event_seqs, e.event_seq);
        push(a.trade_id, a.trades, t.id.value());
        a.metric[0] = static_cast<int64_t>(n);
        a.metric[1] = qty;
        a.metric[2] = t.qty.value();
        a.metric[3] = cfg::layering_window_ns / 1'000'000;
        // The evidence is used up: only new cancels raise the next alert.
        std::erase_if(list, [&](const quick_cancel& c) { return c.sd == other; });
    }
    if (list.empty()) cancels_.erase(it);
}

void surveillance::add_supply(const event& e) {
    const capacity_changed_body& c = e.body.capacity;
    for (epoch_hour h = c.from_hour; h < c.to_hour; ++h) {
        const uint64_t key = window_key(c.chip, c.region, h);
        const auto it = supply_.find(key);
        if (it != supply_.end()) {
            it->second += c.registered_delta.value();
        } else if (supply_.size() < cfg::window_hours_max) {
            supply_.emplace(key, c.registered_delta.value());
        }
    }
}

void surveillance::hoarding(const event& e, std::vector<alert>& out) {
    const trade_body& t = e.body.trade;
    const instrument_key w = unpack(t.instrument);
    int64_t best_share = -1;
    int64_t best_held = 0;
    int64_t best_supply = 0;
    epoch_hour best_hour = 0;
    const holding* best = nullptr;
    int64_t crossed = 0;
    for (int64_t i = 0; i < tenor_hours(w.ten); ++i) {
        const epoch_hour h = w.start_hour + i;
        const uint64_t window = window_key(w.chip, w.region, h);
        const uint64_t key = window << 16 | (t.buyer.value() & 0xffff);
        auto it = held_.find(key);
        if (it == held_.end()) {
            if (held_.size() >= cfg::window_hours_max) continue;
            it = held_.emplace(key, holding{}).first;
        }
        holding& k = it->second;
        k.qty += t.qty.value();
        if (k.n < cfg::evidence_max) {
            k.order[k.n] = t.buy_order.value();
            k.trade[k.n] = t.id.value();
            k.cmd_seq[k.n] = e.cmd_seq;
            k.event_seq[k.n] = e.event_seq;
            ++k.n;
        }
        const auto s = supply_.find(window);
        const int64_t supply = s == supply_.end() ? 0 : s->second;
        if (k.alerted || supply < cfg::hoarding_supply_min) continue;
        const int64_t share = k.qty * 10000 / supply;
        if (share < cfg::hoarding_share_bp_min) continue;
        k.alerted = true;
        ++crossed;
        if (share > best_share) {
            best_share = share;
            best_held = k.qty;
            best_supply = supply;
            best_hour = h;
            best = &k;
        }
    }
    if (best == nullptr) return;
    alert& a = raise(e, alert_kind::capacity_hoarding, out);
    a.instrument = pack(instrument_key{w.chip, w.region, tenor::hour, best_hour});
    push(a.participant, a.participants, t.buyer);
    for (uint8_t i = 0; i < best->n; ++i) {
        push(a.order_id, a.orders, best->order[i]);
        push(a.trade_id, a.trades, best->trade[i]);
        push(a.cmd_seq_of, a.seqs, best->cmd_seq[i]);
        push(a.event_seq_of, a.event_seqs, best->event_seq[i]);
    }
    a.metric[0] = best_held;
    a.metric[1] = best_supply;
    a.metric[2] = best_share;
    a.metric[3] = crossed;
}

void surveillance::prune(utc_ns ts) {
    const epoch_hour now = ts / ns_per_hour;
    if (now <= pruned_hour_) return;
    pruned_hour_ = now;
    // Windows that ended are of no more interest (their contracts are delivered).
    std::erase_if(supply_, [&](const auto& kv) { return hour_of(kv.first) < now - 1; });
    std::erase_if(held_, [&](const auto& kv) { return hour_of(kv.first >> 16) < now - 1; });
}

}  // namespace cux::ledger
