#include "gateway/market_model.hpp"

#include <algorithm>

#include "gateway/limits.hpp"

namespace cux::gateway {

using namespace cux::engine;

market_model::market_model(const market_config& m) : market_(m), stats_(m) {}

uint64_t market_model::order_key(const instrument_key& k) {
    return static_cast<uint64_t>(k.start_hour) << 12 | uint64_t{k.ten == tenor::day} << 10 |
           uint64_t{k.chip} << 5 | uint64_t{k.region};
}

market_model::entry* market_model::find(instrument_id id) {
    const auto it = order_of_id_.find(id.value());
    if (it == order_of_id_.end()) return nullptr;
    return &by_order_.find(it->second)->second;
}

const market_model::entry* market_model::find(instrument_id id) const {
    const auto it = order_of_id_.find(id.value());
    if (it == order_of_id_.end()) return nullptr;
    return &by_order_.find(it->second)->second;
}

void market_model::delist_due(utc_ns now) {
    while (!delist_.empty() && delist_.front().at <= now) {
        const auto it = order_of_id_.find(delist_.front().id.value());
        if (it != order_of_id_.end()) {
            by_order_.erase(it->second);
            order_of_id_.erase(it);
        }
        delist_.pop_front();
    }
}

void market_model::apply(const event& e) {
    delist_due(e.ts);
    stats_.apply(e);
    switch (e.type) {
        case event_type::instrument_status: {
            const instrument_status_body& b = e.body.status;
            entry* en = find(b.instrument);
            if (en == nullptr) {
                const instrument_key k = unpack(b.instrument);
                const uint64_t ok = order_key(k);
                en = &by_order_[ok];
                order_of_id_[b.instrument.value()] = ok;
                en->row.id = b.instrument;
                en->row.key = k;
            }
            en->row.status = b.status;
            en->row.reference_fen = b.reference.value();
            en->row.band_low_fen = b.band_low.value();
            en->row.band_high_fen = b.band_high.value();
            en->row.settlement_fen = b.settlement.value();
            if (b.status == instrument_status::settled) {
                // The engine delists a settled instrument retention_s after it settles, without
                // an event: this model does the same at the same time.
                const instrument_key& k = en->row.key;
                const utc_ns settle = (k.start_hour + tenor_hours(k.ten)) * ns_per_hour +
                                      market_.calendar.delivery_grace_s * ns_per_s;
                delist_.push_back(
                    delisting{settle + market_.calendar.retention_s * ns_per_s, b.instrument});
            }
            break;
        }
        case event_type::book_level: {
            const book_level_body& b = e.body.level;
            entry* en = find(b.instrument);
            if (en == nullptr) break;
            const int64_t price = b.price.value();
            const int64_t qty = b.qty.value();
            if (b.sd == side::buy) {
                if (qty == 0) {
                    en->bids.erase(price);
                } else {
                    en->bids[price] = qty;
                }
            } else {
                if (qty == 0) {
                    en->asks.erase(price);
                } else {
                    en->asks[price] = qty;
                }
            }
            en->book_seq = e.event_seq;
            break;
        }
        case event_type::trade: {
            const trade_body& t = e.body.trade;
            entry* en = find(t.instrument);
            if (en == nullptr) break;
            if (en->trades.size() >= limits::trades_per_instrument) en->trades.pop_front();
            en->trades.push_back(trade_row{t.id.value(), e.event_seq, t.price.value(),
                                           t.qty.value(), t.aggressor, t.auction != 0, e.ts});
            break;
        }
        default:
            break;
    }
}

std::vector<instrument_row> market_model::instruments(const instrument_filter& f) const {
    std::shared_lock lock(mu_);
    std::vector<instrument_row> out;
    for (const auto& [k, en] : by_order_) {
        const instrument_row& r = en.row;
        if (f.chip >= 0 && r.key.chip != f.chip) continue;
        if (f.region >= 0 && r.key.region != f.region) continue;
        if (f.status && r.status != *f.status) continue;
        out.push_back(r);
    }
    return out;
}

std::optional<instrument_row> market_model::instrument(instrument_id id) const {
    std::shared_lock lock(mu_);
    const entry* en = find(id);
    if (en == nullptr) return std::nullopt;
    return en->row;
}

bool market_model::book(instrument_id id, std::size_t depth, book_snapshot& out) const {
    std::shared_lock lock(mu_);
    const entry* en = find(id);
    if (en == nullptr) return false;
    out.seq = en->book_seq;
    out.bids.clear();
    out.asks.clear();
    for (const auto& [p, q] : en->bids) {
        if (out.bids.size() >= depth) break;
        out.bids.push_back(level_row{p, q});
    }
    for (const auto& [p, q] : en->asks) {
        if (out.asks.size() >= depth) break;
        out.asks.push_back(level_row{p, q});
    }
    return true;
}

bool market_model::trades(instrument_id id, std::size_t limit, uint64_t before_seq,
                          std::vector<trade_row>& out) const {
    std::shared_lock lock(mu_);
    const entry* en = find(id);
    if (en == nullptr) return false;
    out.clear();
    for (auto it = en->trades.rbegin(); it != en->trades.rend() && out.size() < limit; ++it) {
        if (before_seq != 0 && it->seq >= before_seq) continue;
        out.push_back(*it);
    }
    return true;
}

}  // namespace cux::gateway
