#pragma once
// The seeded randomized test (random_test.cpp) compares the engine with the reference model:
// the bijection between their order (and contract) ids, the first field in which two events
// differ, and the hidden state the events do not show. Thread: one.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/event.hpp"
#include "engine/exchange.hpp"
#include "tests/engine/reference_model.hpp"

namespace cux::engine::test {

// ---- the order id bijection ------------------------------------------------------------------

class id_map {
public:
    id_map() { bind(0, 0); }
    // false when either id is already bound to another.
    bool bind(uint64_t engine_id, uint64_t model_id) {
        const auto e = e2m_.find(engine_id);
        const auto m = m2e_.find(model_id);
        if (e != e2m_.end() || m != m2e_.end()) {
            return e != e2m_.end() && m != m2e_.end() && e->second == model_id;
        }
        e2m_.emplace(engine_id, model_id);
        m2e_.emplace(model_id, engine_id);
        return true;
    }
    [[nodiscard]] std::optional<uint64_t> model_of(uint64_t engine_id) const {
        const auto it = e2m_.find(engine_id);
        return it == e2m_.end() ? std::nullopt : std::optional<uint64_t>(it->second);
    }
    [[nodiscard]] std::optional<uint64_t> engine_of(uint64_t model_id) const {
        const auto it = m2e_.find(model_id);
        return it == m2e_.end() ? std::nullopt : std::optional<uint64_t>(it->second);
    }

private:
    std::unordered_map<uint64_t, uint64_t> e2m_;
    std::unordered_map<uint64_t, uint64_t> m2e_;
};

// ---- comparing -------------------------------------------------------------------------------

// The first field in which the engine's event differs from the model's, or "".
class event_diff {
public:
    event_diff(id_map& ids, id_map& contracts) : ids_(ids), contracts_(contracts) {}

    std::string operator()(const event& e, const event& m) {
        why_.clear();
        num("event_seq", e.event_seq, m.event_seq);
        num("cmd_seq", e.cmd_seq, m.cmd_seq);
        num("ts", e.ts, m.ts);
        num("token.session", e.token.session, m.token.session);
        num("token.reserved", e.token.reserved, m.token.reserved);
        num("token.request", e.token.request, m.token.request);
        num("participant", e.participant.value(), m.participant.value());
        num("type", e.type, m.type);
        num("command", e.command, m.command);
        if (!why_.empty()) return why_;
        switch (e.type) {
            case event_type::rejected: {
                const auto& a = e.body.rejected;
                const auto& b = m.body.rejected;
                num("rejected.command", a.command, b.command);
                num("rejected.reason", a.reason, b.reason);
                ord("rejected.order", a.order, b.order);
                break;
            }
            case event_type::order_accepted: {
                const auto& a = e.body.accepted;
                const auto& b = m.body.accepted;
                if (!ids_.bind(a.id.value(), b.id.value())) {
                    why_ = "accepted.id: engine id " + std::to_string(a.id.value()) +
                           " or model id " + std::to_string(b.id.value()) + " is already bound";
                }
                num("accepted.instrument", a.instrument.value(), b.instrument.value());
                num("accepted.sd", a.sd, b.sd);
                num("accepted.type", a.type, b.type);
                num("accepted.tif", a.tif, b.tif);
                num("accepted.post_only", a.post_only, b.post_only);
                num("accepted.price", a.price.value(), b.price.value());
                num("accepted.qty", a.qty.value(), b.qty.value());
                num("accepted.hold", a.hold.value(), b.hold.value());
                if (why_.empty() && std::memcmp(a.client_order_id, b.client_order_id,
                                                sizeof a.client_order_id) != 0) {
                    why_ = "accepted.client_order_id";
                }
                break;
            }
            case event_type::trade: {
                const auto& a = e.body.trade;
                const auto& b = m.body.trade;
                num("trade.id", a.id.value(), b.id.value());
                num("trade.instrument", a.instrument.value(), b.instrument.value());
                num("trade.aggressor", a.aggressor, b.aggressor);
                num("trade.auction", a.auction, b.auction);
                num("trade.origin_region", a.origin_region, b.origin_region);
                num("trade.carrier", a.carrier, b.carrier);
                if (why_.empty() && !contracts_.bind(a.contract.value(), b.contract.value())) {
                    why_ = "trade.contract: engine id " + std::to_string(a.contract.value()) +
                           " or model id " + std::to_string(b.contract.value()) +
                           " is already bound";
                }
                ord("trade.buy_order", a.buy_order, b.buy_order);
                ord("trade.sell_order", a.sell_order, b.sell_order);
                num("trade.buyer", a.buyer.value(), b.buyer.value());
                num("trade.seller", a.seller.value(), b.seller.value());
                num("trade.price", a.price.value(), b.price.value());
                num("trade.qty", a.qty.value(), b.qty.value());
                num("trade.compute", a.compute.value(), b.compute.value());
                num("trade.energy", a.energy.value(), b.energy.value());
                num("trade.network", a.network.value(), b.network.value());
                num("trade.buyer_fee", a.buyer_fee.value(), b.buyer_fee.value());
                num("trade.seller_fee", a.seller_fee.value(), b.seller_fee.value());
                break;
            }
            case event_type::order_done: {
                const auto& a = e.body.done;
                const auto& b = m.body.done;
                ord("done.id", a.id, b.id);
                num("done.instrument", a.instrument.value(), b.instrument.value());
                num("done.reason", a.reason, b.reason);
                num("done.sd", a.sd, b.sd);
                num("done.filled", a.filled.value(), b.filled.value());
                num("done.remaining", a.remaining.value(), b.remaining.value());
                break;
            }
            case event_type::order_replaced: {
                const auto& a = e.body.replaced;
                const auto& b = m.body.replaced;
                ord("replaced.id", a.id, b.id);
                num("replaced.instrument", a.instrument.value(), b.instrument.value());
                num("replaced.kept_priority", a.kept_priority, b.kept_priority);
                num("replaced.price", a.price.value(), b.price.value());
                num("replaced.qty", a.qty.value(), b.qty.value());
                num("replaced.hold", a.hold.value(), b.hold.value());
                break;
            }
            case event_type::book_level: {
                const auto& a = e.body.level;
                const auto& b = m.body.level;
                num("level.instrument", a.instrument.value(), b.instrument.value());
                num("level.sd", a.sd, b.sd);
                num("level.price", a.price.value(), b.price.value());
                num("level.qty", a.qty.value(), b.qty.value());
                num("level.orders", a.orders, b.orders);
                break;
            }
            case event_type::auction_result: {
                const auto& a = e.body.auction;
                const auto& b = m.body.auction;
                num("auction.instrument", a.instrument.value(), b.instrument.value());
                num("auction.kind", a.kind, b.kind);
                num("auction.price", a.price.value(), b.price.value());
                num("auction.volume", a.volume.value(), b.volume.value());
                num("auction.imbalance", a.imbalance.value(), b.imbalance.value());
                break;
            }
            case event_type::instrument_status: {
                const auto& a = e.body.status;
                const auto& b = m.body.status;
                num("status.instrument", a.instrument.value(), b.instrument.value());
                num("status.status", a.status, b.status);
                num("status.reference", a.reference.value(), b.reference.value());
                num("status.band_low", a.band_low.value(), b.band_low.value());
                num("status.band_high", a.band_high.value(), b.band_high.value());
                num("status.settlement", a.settlement.value(), b.settlement.value());
                break;
            }
            case event_type::balance_changed: {
                const auto& a = e.body.balance;
                const auto& b = m.body.balance;
                num("balance.participant", a.participant.value(), b.participant.value());
                num("balance.available", a.available.value(), b.available.value());
                num("balance.held", a.held.value(), b.held.value());
                num("balance.escrow", a.escrow.value(), b.escrow.value());
                num("balance.delta_available", a.delta_available.value(),
                    b.delta_available.value());
                break;
            }
            case event_type::capacity_changed: {
                const auto& a = e.body.capacity;
                const auto& b = m.body.capacity;
                num("capacity.participant", a.participant.value(), b.participant.value());
                num("capacity.chip", a.chip, b.chip);
                num("capacity.region", a.region, b.region);
                num("capacity.from_hour", a.from_hour, b.from_hour);
                num("capacity.to_hour", a.to_hour, b.to_hour);
                num("capacity.registered_delta", a.registered_delta.value(),
                    b.registered_delta.value());
                break;
            }
            case event_type::participant_created: {
                const auto& a = e.body.created;
                const auto& b = m.body.created;
                num("created.participant", a.participant.value(), b.participant.value());
                num("created.roles", a.roles, b.roles);
                if (why_.empty() && std::memcmp(a.name, b.name, sizeof a.name) != 0) {
                    why_ = "created.name";
                }
                break;
            }
            case event_type::contract_settled:
            case event_type::contract_failed: {
                const auto& a = e.body.contract;
                const auto& b = m.body.contract;
                if (why_.empty()) {
                    const auto mapped = contracts_.model_of(a.id.value());
                    if (!mapped || *mapped != b.id.value()) why_ = "contract.id";
                }
                num("contract.trade", a.trade.value(), b.trade.value());
                num("contract.instrument", a.instrument.value(), b.instrument.value());
                num("contract.buyer", a.buyer.value(), b.buyer.value());
                num("contract.seller", a.seller.value(), b.seller.value());
                num("contract.origin_region", a.origin_region, b.origin_region);
                num("contract.carrier", a.carrier, b.carrier);
                num("contract.price", a.price.value(), b.price.value());
                num("contract.qty", a.qty.value(), b.qty.value());
                num("contract.compute", a.compute.value(), b.compute.value());
                num("contract.energy", a.energy.value(), b.energy.value());
                num("contract.network", a.network.value(), b.network.value());
                num("contract.buyer_fee", a.buyer_fee.value(), b.buyer_fee.value());
                num("contract.seller_fee", a.seller_fee.value(), b.seller_fee.value());
                break;
            }
            case event_type::command_done:
            case event_type::none:
            default:
                break;
        }
        return why_;
    }

private:
    template <class T>
    void num(const char* name, T engine_value, T model_value) {
        if (!why_.empty() || engine_value == model_value) return;
        why_ = std::string(name) + ": engine " +
               std::to_string(static_cast<long long>(engine_value)) + " != model " +
               std::to_string(static_cast<long long>(model_value));
    }
    void ord(const char* name, order_id engine_value, order_id model_value) {
        if (!why_.empty()) return;
        const auto mapped = ids_.model_of(engine_value.value());
        if (mapped && *mapped == model_value.value()) return;
        why_ = std::string(name) + ": engine id " + std::to_string(engine_value.value()) +
               (mapped ? " maps to model id " + std::to_string(*mapped) : " is not bound") +
               ", model has " + std::to_string(model_value.value());
    }

    id_map& ids_;
    id_map& contracts_;
    std::string why_;
};

// ---- hidden state ----------------------------------------------------------------------------

// Hidden state the events do not show directly, compared now and then: every participant's
// balances, every live instrument (status, prices, book levels), every live order (through
// the id bijection) and the capacity of every vendor in every live instrument's hours.
inline std::string compare_state(const exchange& ex, const reference_model& model,
                                 const id_map& ids) {
    std::ostringstream bad;
    const auto& m = ex.market();
    for (uint32_t p = 0; p <= model.participants_created() + 1; ++p) {
        const participant_id id(p);
        const auto* mp = model.participant(id);
        const participant_state* ep = ex.participant(id);
        if ((mp == nullptr) != (ep == nullptr)) {
            bad << "participant " << p << " exists on one side only; ";
            continue;
        }
        if (mp == nullptr) continue;
        if (mp->roles != ep->roles || mp->available != ep->available.value() ||
            mp->held != ep->held.value() || mp->escrow != ep->escrow.value() ||
            mp->open_orders != ep->open_orders) {
            bad << "participant " << p << " state differs; ";
        }
    }
    if (ex.live_instruments() != model.instruments().size()) bad << "live instruments differ; ";
    std::size_t live_orders = 0;
    for (const auto& [iid, in] : model.instruments()) {
        live_orders += in.orders.size();
        const instrument_state* ei = ex.instrument(in.id);
        if (ei == nullptr) {
            bad << "instrument " << iid << " not live in the engine; ";
            continue;
        }
        if (ei->status != in.status || ei->reference.value() != in.reference ||
            ei->band_low.value() != in.band_low || ei->band_high.value() != in.band_high ||
            ei->settlement.value() != in.settlement || ei->last_trade.value() != in.last_trade ||
            ei->open_orders != static_cast<int64_t>(in.orders.size())) {
            bad << "instrument " << iid << " state differs; ";
        }
        for (const side sd : {side::buy, side::sell}) {
            std::map<int64_t, std::pair<int64_t, int64_t>> levels;  // price -> (qty, orders)
            for (const auto& o : in.orders) {
                if (o.sd != sd) continue;
                levels[o.price].first += o.remaining;
                ++levels[o.price].second;
            }
            std::vector<std::tuple<int64_t, int64_t, int64_t>> want;
            for (const auto& [price, qo] : levels) want.emplace_back(price, qo.first, qo.second);
            if (sd == side::buy) std::reverse(want.begin(), want.end());
            std::vector<std::tuple<int64_t, int64_t, int64_t>> have;
            ex.for_each_level(*ei, sd, [&](price_fen price, qty_devices q, int64_t n) {
                have.emplace_back(price.value(), q.value(), n);
            });
            if (want != have) bad << "instrument " << iid << " levels differ; ";
        }
        for (const auto& o : in.orders) {
            const auto eid = ids.engine_of(o.id);
            const order* eo = eid ? ex.find_order(order_id(*eid)) : nullptr;
            if (eo == nullptr || eo->owner != o.owner || eo->sd != o.sd ||
                eo->price.value() != o.price || eo->remaining.value() != o.remaining ||
                eo->filled.value() != o.filled || eo->hold.value() != o.hold ||
                eo->network_left.value() != o.network_left) {
                bad << "order " << o.id << " differs; ";
            }
        }
        // Hours already past may have been recycled by the engine's capacity ring (a
        // registration reaches 1023 hours ahead), so only trading instruments' are compared.
        const bool trading = tradeable(in.status);
        for (uint32_t p = 1; trading && p <= model.participants_created(); ++p) {
            for (epoch_hour h = in.key.start_hour; h < in.key.start_hour + in.hours; ++h) {
                const auto mc = model.capacity_at(participant_id(p), in.key.chip, in.key.region, h);
                const capacity_hour ec =
                    ex.capacity(participant_id(p), in.key.chip, in.key.region, h);
                if (mc.registered != ec.registered || mc.committed != ec.committed ||
                    mc.sold != ec.sold) {
                    bad << "capacity of " << p << " chip " << int{in.key.chip} << " region "
                        << int{in.key.region} << " at hour " << h << ": engine registered "
                        << ec.registered << " committed " << ec.committed << " sold " << ec.sold
                        << ", model " << mc.registered << "/" << mc.committed << "/" << mc.sold
                        << "; ";
                }
            }
        }
    }
    if (ex.live_orders() != live_orders) bad << "live orders differ; ";
    for (std::size_t c = 0; c < m.chips.size(); ++c) {
        for (std::size_t r = 0; r < m.regions.size(); ++r) {
            if (ex.last_settlement(c, r).value() != model.settlement_of(c, r)) {
                bad << "last settlement of " << c << "/" << r << " differs; ";
            }
        }
    }
    return bad.str();
}

}  // namespace cux::engine::test
