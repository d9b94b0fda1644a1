#include "gateway/stream_hub.hpp"

#include <algorithm>

#include "engine/symbol.hpp"
#include "gateway/limits.hpp"
#include "gateway/money.hpp"
#include "gateway/stream_protocol.hpp"
#include "gateway/views.hpp"
#include "gateway/views_market_data.hpp"
#include "gateway/views_regulator.hpp"

namespace cux::gateway {

using namespace cux::engine;

namespace {

json levels_json(const std::vector<level_row>& levels) {
    json a = json::array();
    for (const level_row& l : levels) a.push_back(json::array({format_fen(l.price_fen), l.qty}));
    return a;
}

// A level's new total replaces an earlier one at the same price within the command.
void set_level(std::vector<level_row>& levels, int64_t price, int64_t qty) {
    for (level_row& l : levels) {
        if (l.price_fen == price) {
            l.qty = qty;
            return;
        }
    }
    levels.push_back(level_row{price, qty});
}

// The members of a channel message: the same for a snapshot and an update.
json book_body(const std::string& symbol, uint64_t event_seq, const std::vector<level_row>& bids,
               const std::vector<level_row>& asks) {
    return {{"symbol", symbol},
            {"event_seq", event_seq},
            {"bids", levels_json(bids)},
            {"asks", levels_json(asks)}};
}

json trades_body(const std::string& symbol, const std::vector<trade_row>& trades) {
    json a = json::array();
    for (const trade_row& t : trades) a.push_back(trade_json(t));
    return {{"symbol", symbol}, {"trades", a}};
}

json orders_body(const market_config& m, const std::vector<order_row>& orders) {
    json a = json::array();
    for (const order_row& o : orders) a.push_back(order_json(m, o));
    return {{"orders", a}};
}

json fills_body(const market_config& m, const std::vector<fill_row>& fills) {
    json a = json::array();
    for (const fill_row& f : fills) a.push_back(fill_json(m, f));
    return {{"fills", a}};
}

ledger::md::interval interval_of(channel_kind k) {
    return k == channel_kind::bars_1h ? ledger::md::interval::h1 : ledger::md::interval::m1;
}

json index_stream_body(const market_config& m, const rolling_index& r) {
    json body =
        index_body(m, r.set, std::max<utc_ns>(0, r.as_of - ledger::md::rolling_window_ns), r.as_of);
    body["as_of"] = format_rfc3339(r.as_of);
    return body;
}

// bars:<symbol>:1m -> <symbol>
std::string bars_symbol(const std::string& name) {
    const std::size_t a = name.find(':') + 1;
    return name.substr(a, name.rfind(':') - a);
}

}  // namespace

stream_hub::stream_hub(const market_config& m, const market_model& market,
                       const account_model& accounts)
    : market_(m), market_data_(market), accounts_(accounts) {}

bool stream_hub::subscribe(const std::shared_ptr<stream_subscriber>& who, uint32_t slot,
                           uint64_t token, const channel_key& k, shared_text& snapshot,
                           api_error& err) {
    // What the snapshot holds is read under the lock (so that no batch is both in it and
    // delivered after it); it is serialized after the lock is released, on the session's own
    // thread, before any delivery posted to the session can run.
    book_snapshot book;
    std::vector<trade_row> trades;
    std::vector<order_row> orders;
    std::vector<fill_row> fills;
    std::vector<ledger::md::bar> bars;
    rolling_index rolling;
    std::vector<ledger::alert> alerts;
    std::string name = channel_name(market_, k);
    {
        std::lock_guard guard(mu_);
        const instrument_id inst(k.id);
        const participant_id p(k.id);
        bool listed = true;
        switch (k.kind) {
            case channel_kind::book:
                listed = market_data_.book(inst, limits::stream_snapshot_levels, book);
                break;
            case channel_kind::trades:
                listed = market_data_.trades(inst, limits::stream_snapshot_trades, 0, trades);
                break;
            case channel_kind::orders:
                orders =
                    accounts_.orders(p, true, instrument_id(0), limits::stream_snapshot_orders, 0);
                break;
            case channel_kind::fills:
                fills = accounts_.fills(p, instrument_id(0), limits::stream_snapshot_fills, 0);
                break;
            case channel_kind::bars_1m:
            case channel_kind::bars_1h:
                listed = market_data_.instrument(inst).has_value();
                bars = market_data_.stats().bars(k.id, interval_of(k.kind),
                                                 limits::stream_snapshot_bars);
                break;
            case channel_kind::index:
                rolling = market_data_.stats().index({});
                break;
            case channel_kind::alerts:
                alerts.assign(recent_alerts_.rbegin(), recent_alerts_.rend());
                break;
        }
        if (!listed) {
            err = make_error(404, "UNKNOWN_INSTRUMENT",
                             "the instrument of " + name + " is not listed", "channels");
            return false;
        }
        channel& c = channels_[k.packed()];
        if (c.name.empty()) c.name = name;
        c.subs.push_back(sub_ref{who, who.get(), slot, token});
    }
    const std::string symbol = name.substr(name.find(':') + 1);
    switch (k.kind) {
        case channel_kind::book:
            snapshot =
                channel_message(name, true, book_body(symbol, book.seq, book.bids, book.asks));
            break;
        case channel_kind::trades:
            snapshot = channel_message(name, true, trades_body(symbol, trades));
            break;
        case channel_kind::orders:
            snapshot = channel_message(name, true, orders_body(market_, orders));
            break;
        case channel_kind::fills:
            snapshot = channel_message(name, true, fills_body(market_, fills));
            break;
        case channel_kind::bars_1m:
        case channel_kind::bars_1h:
            snapshot = channel_message(name, true,
                                       bars_body(bars_symbol(name), interval_of(k.kind), bars));
            break;
        case channel_kind::index:
            snapshot = channel_message(name, true, index_stream_body(market_, rolling));
            break;
        case channel_kind::alerts: {
            json list = json::array();
            for (const ledger::alert& a : alerts) list.push_back(alert_json(market_, a));
            snapshot = channel_message(name, true, json{{"alerts", std::move(list)}});
            break;
        }
    }
    return true;
}

void stream_hub::unsubscribe(const stream_subscriber* who, uint32_t slot, const channel_key& k) {
    std::lock_guard guard(mu_);
    const auto it = channels_.find(k.packed());
    if (it == channels_.end()) return;
    auto& subs = it->second.subs;
    std::erase_if(subs, [&](const sub_ref& s) { return s.id == who && s.slot == slot; });
    if (subs.empty()) channels_.erase(it);
}

bool stream_hub::listed(const channel_key& k) const {
    return k.is_private() || k.kind == channel_kind::index || k.is_regulator_only() ||
           market_data_.instrument(instrument_id(k.id)).has_value();
}

bool stream_hub::wanted(channel_kind kind, uint32_t id) const {
    return channels_.contains(channel_key{kind, id}.packed());
}

stream_hub::pending& stream_hub::touch(channel_kind kind, uint32_t id) {
    const channel_key k{kind, id};
    for (pending& p : command_) {
        if (p.key == k) return p;
    }
    pending& p = command_.emplace_back();
    p.key = k;
    return p;
}

void stream_hub::on_order(participant_id p, order_id id) {
    if (!wanted(channel_kind::orders, p.value())) return;
    auto& ids = touch(channel_kind::orders, p.value()).order_ids;
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
}

void stream_hub::on_level(const event& e) {
    const book_level_body& b = e.body.level;
    if (!wanted(channel_kind::book, b.instrument.value())) return;
    pending& p = touch(channel_kind::book, b.instrument.value());
    set_level(b.sd == side::buy ? p.bids : p.asks, b.price.value(), b.qty.value());
    p.event_seq = e.event_seq;
}

void stream_hub::on_event(const event& e) {
    if (channels_.empty() && command_.empty()) return;
    switch (e.type) {
        case event_type::book_level:
            on_level(e);
            break;
        case event_type::trade: {
            const trade_body& t = e.body.trade;
            if (wanted(channel_kind::trades, t.instrument.value())) {
                touch(channel_kind::trades, t.instrument.value())
                    .trades.push_back(trade_row{t.id.value(), e.event_seq, t.price.value(),
                                                t.qty.value(), t.aggressor, t.auction != 0, e.ts});
            }
            for (const channel_kind kind : {channel_kind::bars_1m, channel_kind::bars_1h}) {
                if (!wanted(kind, t.instrument.value())) continue;
                auto& starts = touch(kind, t.instrument.value()).bar_starts;
                const utc_ns start = ledger::md::bar_start(e.ts, interval_of(kind));
                if (std::find(starts.begin(), starts.end(), start) == starts.end()) {
                    starts.push_back(start);
                }
            }
            for (const side sd : {side::buy, side::sell}) {
                const participant_id p = sd == side::buy ? t.buyer : t.seller;
                if (wanted(channel_kind::fills, p.value())) {
                    touch(channel_kind::fills, p.value())
                        .fills.push_back(account_model::fill_of(e, sd));
                }
                on_order(p, sd == side::buy ? t.buy_order : t.sell_order);
            }
            break;
        }
        case event_type::order_accepted:
            on_order(e.participant, e.body.accepted.id);
            break;
        case event_type::order_done:
            on_order(e.participant, e.body.done.id);
            break;
        case event_type::order_replaced:
            on_order(e.participant, e.body.replaced.id);
            break;
        case event_type::command_done:
            end_command(e.ts);
            break;
        default:
            break;
    }
}

void stream_hub::end_command(utc_ns ts) {
    // The index: once its trades changed (a trade, or one aged out of the rolling hour) and a
    // second of engine time passed since the last update.
    if (ts - index_sent_ts_ >= ns_per_s && wanted(channel_kind::index, 0)) {
        const uint64_t changes = market_data_.stats().rolling_changes();
        if (changes != index_changes_) {
            touch(channel_kind::index, 0).index =
                std::make_shared<const rolling_index>(market_data_.stats().index({}));
            index_sent_ts_ = ts;
            index_changes_ = changes;
        }
    }
    for (pending& p : command_) {
        if (p.key.kind == channel_kind::bars_1m || p.key.kind == channel_kind::bars_1h) {
            // The bars' totals after the command; the stats applied its events already.
            for (const utc_ns start : p.bar_starts) {
                p.bars.push_back(
                    market_data_.stats().bar_at(p.key.id, interval_of(p.key.kind), start));
            }
        }
        if (p.key.kind == channel_kind::orders) {
            // The orders' state after the command; the consumer holds the models' write locks.
            for (const order_id id : p.order_ids) {
                if (auto row = accounts_.order_while_writing(participant_id(p.key.id), id)) {
                    p.orders.push_back(std::move(*row));
                }
            }
            if (p.orders.empty()) continue;
        }
        std::sort(p.bids.begin(), p.bids.end(),
                  [](const level_row& a, const level_row& b) { return a.price_fen > b.price_fen; });
        std::sort(p.asks.begin(), p.asks.end(),
                  [](const level_row& a, const level_row& b) { return a.price_fen < b.price_fen; });
        batch_.push_back(std::move(p));
    }
    command_.clear();
}

void stream_hub::deliver(channel& c, const shared_text& m) {
    bool gone = false;
    for (const sub_ref& s : c.subs) {
        if (const auto who = s.who.lock()) {
            who->deliver(s.slot, s.token, m);
        } else {
            gone = true;
        }
    }
    // A session that ended without unsubscribing (the server stopping) is forgotten here.
    if (gone) std::erase_if(c.subs, [](const sub_ref& s) { return s.who.expired(); });
}

void stream_hub::publish(bool durable) {
    // A command cut by the batch boundary ends in the next batch: it stays in command_.
    if (!durable) {
        batch_.clear();
        return;
    }
    for (const pending& p : batch_) {
        const auto it = channels_.find(p.key.packed());
        if (it == channels_.end()) continue;  // unsubscribed meanwhile
        channel& c = it->second;
        const std::string symbol = c.name.substr(c.name.find(':') + 1);
        json body;
        switch (p.key.kind) {
            case channel_kind::book:
                body = book_body(symbol, p.event_seq, p.bids, p.asks);
                break;
            case channel_kind::trades:
                body = trades_body(symbol, p.trades);
                break;
            case channel_kind::orders:
                body = orders_body(market_, p.orders);
                break;
            case channel_kind::fills:
                body = fills_body(market_, p.fills);
                break;
            case channel_kind::bars_1m:
            case channel_kind::bars_1h:
                body = bars_body(bars_symbol(c.name), interval_of(p.key.kind), p.bars);
                break;
            case channel_kind::index:
                body = index_stream_body(market_, *p.index);
                break;
            case channel_kind::alerts:
                continue;  // published by publish_alerts(), never batched
        }
        deliver(c, channel_message(c.name, false, body));
        if (c.subs.empty()) channels_.erase(it);
    }
    batch_.clear();
}

void stream_hub::publish_alerts(const std::vector<ledger::alert>& alerts) {
    if (alerts.empty()) return;
    // Under the lock throughout, so that a subscriber's snapshot holds an alert or its update
    // does, never both and never neither.
    std::lock_guard guard(mu_);
    for (const ledger::alert& a : alerts) {
        recent_alerts_.push_back(a);
        if (recent_alerts_.size() > limits::stream_snapshot_alerts) recent_alerts_.pop_front();
    }
    const auto it = channels_.find(channel_key{channel_kind::alerts, 0}.packed());
    if (it == channels_.end()) return;
    // A restart derives every alert again: a subscriber gets at most the recent ones at once.
    const std::size_t skip = alerts.size() > limits::stream_snapshot_alerts
                                 ? alerts.size() - limits::stream_snapshot_alerts
                                 : 0;
    json list = json::array();
    for (std::size_t i = skip; i < alerts.size(); ++i)
        list.push_back(alert_json(market_, alerts[i]));
    deliver(it->second, channel_message("alerts", false, json{{"alerts", std::move(list)}}));
    if (it->second.subs.empty()) channels_.erase(it);
}

}  // namespace cux::gateway
