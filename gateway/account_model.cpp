#include "gateway/account_model.hpp"

#include <cstring>

#include "gateway/limits.hpp"

namespace cux::gateway {

using namespace cux::engine;

account_model::account_model() = default;

account_model::account* account_model::find(participant_id p) {
    if (p.value() >= accounts_.size()) return nullptr;
    return accounts_[p.value()].get();
}

const account_model::account* account_model::find(participant_id p) const {
    if (p.value() >= accounts_.size()) return nullptr;
    return accounts_[p.value()].get();
}

account_model::account& account_model::get(participant_id p) {
    CUX_ASSERT(p.value() < engine::limits::participants_max);
    if (p.value() >= accounts_.size()) accounts_.resize(p.value() + 1);
    auto& a = accounts_[p.value()];
    if (!a) {
        a = std::make_unique<account>();
        a->info.id = p;
    }
    return *a;
}

order_row* account_model::find_order(account& a, order_id id) {
    const auto it = a.order_seq.find(id.value());
    if (it == a.order_seq.end()) return nullptr;
    const auto o = a.orders.find(it->second);
    return o == a.orders.end() ? nullptr : &o->second;
}

void account_model::apply(const event& e) {
    switch (e.type) {
        case event_type::participant_created: {
            const participant_created_body& b = e.body.created;
            account& a = get(b.participant);
            a.info.roles = b.roles;
            a.info.name.assign(b.name, strnlen(b.name, sizeof b.name));
            break;
        }
        case event_type::balance_changed: {
            const balance_changed_body& b = e.body.balance;
            account& a = get(b.participant);
            a.balance = balance_row{b.available.value(), b.held.value(), b.escrow.value()};
            break;
        }
        case event_type::order_accepted: {
            const order_accepted_body& b = e.body.accepted;
            account& a = get(e.participant);
            order_row o;
            o.id = b.id;
            o.seq = e.cmd_seq;
            o.instrument = b.instrument;
            o.sd = b.sd;
            o.type = b.type;
            o.tif = b.tif;
            o.post_only = b.post_only != 0;
            o.price_fen = b.price.value();
            o.qty = b.qty.value();
            o.remaining = b.qty.value();
            o.created_ts = o.updated_ts = e.ts;
            o.client_order_id.assign(b.client_order_id,
                                     strnlen(b.client_order_id, sizeof b.client_order_id));
            a.order_seq[b.id.value()] = e.cmd_seq;
            a.orders[e.cmd_seq] = std::move(o);
            break;
        }
        case event_type::trade:
            on_trade(e);
            break;
        case event_type::order_done:
            on_order_done(e);
            break;
        case event_type::order_replaced: {
            const order_replaced_body& b = e.body.replaced;
            account* a = find(e.participant);
            order_row* o = a != nullptr ? find_order(*a, b.id) : nullptr;
            if (o == nullptr) break;
            o->price_fen = b.price.value();
            o->remaining = b.qty.value();
            o->qty = o->filled + o->remaining;
            o->updated_ts = e.ts;
            break;
        }
        case event_type::capacity_changed: {
            const capacity_changed_body& b = e.body.capacity;
            account& a = get(b.participant);
            if (a.capacity.size() >= limits::capacity_rows_per_participant) a.capacity.pop_front();
            a.capacity.push_back(capacity_row{e.cmd_seq, b.chip, b.region,
                                              b.registered_delta.value(), b.from_hour, b.to_hour});
            break;
        }
        case event_type::contract_settled:
            on_contract_closed(e, contract_state::settled);
            break;
        case event_type::contract_failed:
            on_contract_closed(e, contract_state::failed);
            break;
        default:
            break;
    }
}

fill_row account_model::fill_of(const event& e, side sd) {
    const trade_body& t = e.body.trade;
    const bool buy = sd == side::buy;
    fill_row f;
    f.trade_id = t.id.value();
    f.seq = e.event_seq;
    f.order = buy ? t.buy_order : t.sell_order;
    f.instrument = t.instrument;
    f.sd = sd;
    f.taker = t.auction == 0 && t.aggressor == sd;
    f.price_fen = t.price.value();
    f.qty = t.qty.value();
    f.fee_fen = buy ? t.buyer_fee.value() : t.seller_fee.value();
    f.contract_id = t.contract.value();
    f.ts = e.ts;
    return f;
}

void account_model::add_fill(account& a, const event& e, order_id order, side sd) {
    const trade_body& t = e.body.trade;
    const fill_row f = fill_of(e, sd);
    CUX_ASSERT(f.order == order);
    if (a.fills.size() >= limits::fills_per_participant) a.fills.pop_front();
    a.fills.push_back(f);
    if (order_row* o = find_order(a, order)) {
        o->filled += t.qty.value();
        o->remaining -= t.qty.value();
        o->notional_fen += t.price.value() * t.qty.value();
        o->updated_ts = e.ts;
    }
}

void account_model::on_trade(const event& e) {
    const trade_body& t = e.body.trade;
    account& buyer = get(t.buyer);
    account& seller = get(t.seller);
    add_fill(buyer, e, t.buy_order, side::buy);
    add_fill(seller, e, t.sell_order, side::sell);
    contract_row c;
    c.id = t.contract.value();
    c.trade_id = t.id.value();
    c.seq = e.event_seq;
    c.instrument = t.instrument;
    c.buyer = t.buyer;
    c.seller = t.seller;
    c.price_fen = t.price.value();
    c.qty = t.qty.value();
    c.compute_fen = t.compute.value();
    c.energy_fen = t.energy.value();
    c.network_fen = t.network.value();
    c.buyer_fee_fen = t.buyer_fee.value();
    c.seller_fee_fen = t.seller_fee.value();
    c.created_ts = c.updated_ts = e.ts;
    for (account* a : {&buyer, &seller}) {
        a->contract_seq[c.id] = c.seq;
        a->contracts[c.seq] = c;
        if (&buyer == &seller) break;
    }
}

void account_model::on_order_done(const event& e) {
    const order_done_body& b = e.body.done;
    account* a = find(e.participant);
    order_row* o = a != nullptr ? find_order(*a, b.id) : nullptr;
    if (o == nullptr) return;
    o->done = true;
    o->reason = b.reason;
    o->filled = b.filled.value();
    o->remaining = b.remaining.value();
    o->updated_ts = e.ts;
    a->done_orders.push_back(o->seq);
    while (a->done_orders.size() > limits::done_orders_per_participant) {
        const auto it = a->orders.find(a->done_orders.front());
        if (it != a->orders.end()) {
            a->order_seq.erase(it->second.id.value());
            a->orders.erase(it);
        }
        a->done_orders.pop_front();
    }
}

void account_model::on_contract_closed(const event& e, contract_state s) {
    const contract_body_ev& b = e.body.contract;
    for (const participant_id p : {b.buyer, b.seller}) {
        account* a = find(p);
        if (a == nullptr) continue;
        const auto it = a->contract_seq.find(b.id.value());
        if (it == a->contract_seq.end()) continue;
        contract_row& c = a->contracts[it->second];
        if (c.state != contract_state::open) continue;  // buyer == seller: done already
        c.state = s;
        c.updated_ts = e.ts;
        a->closed_contracts.push_back(c.seq);
        while (a->closed_contracts.size() > limits::contracts_per_participant) {
            const auto old = a->contracts.find(a->closed_contracts.front());
            if (old != a->contracts.end()) {
                a->contract_seq.erase(old->second.id);
                a->contracts.erase(old);
            }
            a->closed_contracts.pop_front();
        }
    }
}

std::string account_model::result_key(participant_id p, std::string_view coid) {
    std::string k = std::to_string(p.value());
    k.push_back('/');
    k.append(coid);
    return k;
}

void account_model::record_result(participant_id p, std::string_view client_order_id,
                                  std::shared_ptr<const command_outcome> out) {
    if (client_order_id.empty()) return;
    std::string k = result_key(p, client_order_id);
    // A job's report is far larger than an order's outcome (an event per chip x region): jobs
    // are remembered in a queue of their own, bounded in bytes too, so that neither kind pushes
    // the other's results out.
    const bool job = out->command == command_type::place_job;
    const std::size_t bytes = out->events.size() * sizeof(event);
    const auto [it, inserted] = results_.try_emplace(k, std::move(out));
    if (!inserted) return;  // the first result stays the result
    if (!job) {
        result_order_.push_back(std::move(k));
        if (result_order_.size() > limits::idempotency_results_max) {
            results_.erase(result_order_.front());
            result_order_.pop_front();
        }
        return;
    }
    job_result_order_.emplace_back(std::move(k), bytes);
    job_result_bytes_ += bytes;
    while (job_result_order_.size() > 1 &&
           (job_result_order_.size() > limits::idempotency_results_max ||
            job_result_bytes_ > limits::job_results_bytes_max)) {
        results_.erase(job_result_order_.front().first);
        job_result_bytes_ -= job_result_order_.front().second;
        job_result_order_.pop_front();
    }
}

// ---- readers ----------------------------------------------------------------------------

std::optional<participant_row> account_model::participant(participant_id p) const {
    std::shared_lock lock(mu_);
    const account* a = find(p);
    if (a == nullptr || a->info.roles == 0) return std::nullopt;
    return a->info;
}

std::optional<participant_row> account_model::first_admin() const {
    std::shared_lock lock(mu_);
    for (std::size_t i = 1; i < accounts_.size(); ++i) {
        if (accounts_[i] && (accounts_[i]->info.roles & role_admin) != 0) return accounts_[i]->info;
    }
    return std::nullopt;
}

balance_row account_model::balance(participant_id p) const {
    std::shared_lock lock(mu_);
    const account* a = find(p);
    return a == nullptr ? balance_row{} : a->balance;
}

std::optional<order_row> account_model::order(participant_id p, order_id id) const {
    std::shared_lock lock(mu_);
    const account* a = find(p);
    if (a == nullptr) return std::nullopt;
    const auto it = a->order_seq.find(id.value());
    if (it == a->order_seq.end()) return std::nullopt;
    return a->orders.at(it->second);
}

std::optional<order_row> account_model::order_while_writing(participant_id p, order_id id) const {
    const account* a = find(p);
    if (a == nullptr) return std::nullopt;
    const auto it = a->order_seq.find(id.value());
    if (it == a->order_seq.end()) return std::nullopt;
    return a->orders.at(it->second);
}

std::vector<order_row> account_model::orders(participant_id p, bool open_only,
                                             instrument_id instrument, std::size_t limit,
                                             uint64_t cursor) const {
    std::shared_lock lock(mu_);
    std::vector<order_row> out;
    const account* a = find(p);
    if (a == nullptr) return out;
    auto it = cursor == 0 ? a->orders.end() : a->orders.lower_bound(cursor);
    while (it != a->orders.begin() && out.size() < limit) {
        --it;
        const order_row& o = it->second;
        if (open_only && o.done) continue;
        if (instrument.value() != 0 && o.instrument != instrument) continue;
        out.push_back(o);
    }
    return out;
}

std::vector<fill_row> account_model::fills(participant_id p, instrument_id instrument,
                                           std::size_t limit, uint64_t cursor) const {
    std::shared_lock lock(mu_);
    std::vector<fill_row> out;
    const account* a = find(p);
    if (a == nullptr) return out;
    for (auto it = a->fills.rbegin(); it != a->fills.rend() && out.size() < limit; ++it) {
        if (cursor != 0 && it->seq >= cursor) continue;
        if (instrument.value() != 0 && it->instrument != instrument) continue;
        out.push_back(*it);
    }
    return out;
}

std::vector<contract_row> account_model::contracts(participant_id p, int role,
                                                   std::optional<contract_state> state,
                                                   std::size_t limit, uint64_t cursor) const {
    std::shared_lock lock(mu_);
    std::vector<contract_row> out;
    const account* a = find(p);
    if (a == nullptr) return out;
    auto it = cursor == 0 ? a->contracts.end() : a->contracts.lower_bound(cursor);
    while (it != a->contracts.begin() && out.size() < limit) {
        --it;
        const contract_row& c = it->second;
        if (role == 1 && c.buyer != p) continue;
        if (role == 2 && c.seller != p) continue;
        if (state && c.state != *state) continue;
        out.push_back(c);
    }
    return out;
}

std::optional<contract_row> account_model::contract(participant_id p, uint64_t id) const {
    std::shared_lock lock(mu_);
    const account* a = find(p);
    if (a == nullptr) return std::nullopt;
    const auto it = a->contract_seq.find(id);
    if (it == a->contract_seq.end()) return std::nullopt;
    return a->contracts.at(it->second);
}

std::vector<capacity_row> account_model::capacity(participant_id p, std::size_t limit) const {
    std::shared_lock lock(mu_);
    std::vector<capacity_row> out;
    const account* a = find(p);
    if (a == nullptr) return out;
    for (auto it = a->capacity.rbegin(); it != a->capacity.rend() && out.size() < limit; ++it) {
        out.push_back(*it);
    }
    return out;
}

std::shared_ptr<const command_outcome> account_model::result(participant_id p,
                                                             std::string_view coid) const {
    std::shared_lock lock(mu_);
    const auto it = results_.find(result_key(p, coid));
    return it == results_.end() ? nullptr : it->second;
}

}  // namespace cux::gateway
