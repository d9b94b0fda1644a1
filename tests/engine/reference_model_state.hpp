#pragma once
// The reference model (reference_model.hpp): applying a command, emitting events, and the model's
// own invariants.

#include <algorithm>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "tests/engine/reference_model.hpp"

namespace cux::engine::test {

inline void reference_model::apply(const command& c, std::vector<event>& out) {
    cur_ = &c;
    out_ = &out;
    now_ = c.ts;
    dirty_.clear();
    for (std::size_t p = 0; p < people_.size(); ++p) {
        available_before_[p] = people_[p].available;
    }
    advance_clock();
    switch (c.type) {
        case command_type::place_order:
            on_place(c);
            break;
        case command_type::cancel_order:
            on_cancel(c);
            break;
        case command_type::replace_order:
            on_replace(c);
            break;
        case command_type::deposit:
            on_deposit(c);
            break;
        case command_type::withdraw:
            on_withdraw(c);
            break;
        case command_type::register_capacity:
            on_capacity(c);
            break;
        case command_type::create_participant:
            on_create(c);
            break;
        case command_type::tick:
            if (c.actor.value() != 0) reject(reject_reason::forbidden);
            break;
        case command_type::fail_contract:
            on_fail(c);
            break;
        case command_type::none:
        default:
            reject(reject_reason::invalid_order);
            break;
    }
    for (const participant_id p : dirty_) {
        const person& ps = people_[p.value()];
        event& e = emit(event_type::balance_changed, p);
        e.body.balance.participant = p;
        e.body.balance.available = money_fen(ps.available);
        e.body.balance.held = money_fen(ps.held);
        e.body.balance.escrow = money_fen(ps.escrow);
        e.body.balance.delta_available = money_fen(ps.available - available_before_[p.value()]);
    }
    emit(event_type::command_done, c.actor);
    cur_ = nullptr;
    out_ = nullptr;
}

inline std::string reference_model::check_invariants() const {
    std::ostringstream bad;
    bad << errors_;
    std::vector<int64_t> held(people_.size(), 0);
    std::vector<int64_t> open(people_.size(), 0);
    std::map<std::tuple<uint32_t, int, int, epoch_hour>, int64_t> committed;
    std::size_t live = 0;
    for (const auto& [id, in] : instruments_) {
        const bool trading = in.status == instrument_status::pre_open ||
                             in.status == instrument_status::open ||
                             in.status == instrument_status::closing;
        if (!trading && !in.orders.empty()) bad << "orders rest in a closed book " << id << "; ";
        for (const morder& o : in.orders) {
            ++live;
            ++open[o.owner.value()];
            if (o.remaining <= 0) bad << "order " << o.id << " rests with no quantity; ";
            if (o.sd == side::buy) {
                held[o.owner.value()] += o.hold;
                if (o.hold != hold_of(in, o.price, o.remaining, o.filled, o.network_left)) {
                    bad << "order " << o.id << " hold is off; ";
                }
            } else {
                for (epoch_hour h = in.key.start_hour; h < in.key.start_hour + in.hours; ++h) {
                    committed[{o.owner.value(), in.key.chip, in.key.region, h}] += o.remaining;
                }
            }
        }
        if (in.status == instrument_status::open) {
            const auto bb = best(in, side::buy);
            const auto ba = best(in, side::sell);
            if (bb && ba && *bb >= *ba) bad << "instrument " << id << " crossed while open; ";
        }
    }
    if (live > c_.orders_max) bad << "more orders than the pool holds; ";
    for (std::size_t p = 0; p < people_.size(); ++p) {
        const person& ps = people_[p];
        if (ps.available < 0 || ps.held < 0 || ps.escrow < 0) {
            bad << "participant " << p << " has a negative balance; ";
        }
        if (ps.held != held[p]) {
            bad << "participant " << p << " held " << ps.held << " != open buys " << held[p]
                << "; ";
        }
        if (ps.open_orders != open[p]) bad << "participant " << p << " open orders; ";
    }
    // Every key with open sells must carry exactly their committed quantity, and the
    // committed total over all keys must equal theirs (so no other key commits anything).
    int64_t sells_total = 0;
    for (const auto& [k, q] : committed) {
        sells_total += q;
        const auto it = capacity_.find(k);
        const int64_t have = it == capacity_.end() ? 0 : it->second.committed;
        if (have != q) {
            bad << "capacity of " << std::get<0>(k) << " at hour " << std::get<3>(k)
                << " committed " << have << " != open sells " << q << "; ";
        }
        if (it != capacity_.end() &&
            it->second.committed + it->second.sold > it->second.registered) {
            bad << "capacity of " << std::get<0>(k) << " oversold; ";
        }
    }
    if (sells_total != committed_total_) {
        bad << "committed total " << committed_total_ << " != open sells " << sells_total << "; ";
    }
    return bad.str();
}

inline event& reference_model::emit(event_type t, participant_id p) {
    event e{};
    e.event_seq = ++event_seq_;
    e.cmd_seq = cur_->seq;
    e.ts = cur_->ts;
    e.token = cur_->token;
    e.participant = p;
    e.type = t;
    e.command = cur_->type;
    out_->push_back(e);
    return out_->back();
}

inline void reference_model::reject(reject_reason r, order_id ref) {
    event& e = emit(event_type::rejected, cur_->actor);
    e.body.rejected.command = cur_->type;
    e.body.rejected.reason = r;
    e.body.rejected.order = ref;
}

inline void reference_model::touch(participant_id p) {
    if (std::find(dirty_.begin(), dirty_.end(), p) == dirty_.end()) dirty_.push_back(p);
}

inline void reference_model::emit_status(const minst& in) {
    event& e = emit(event_type::instrument_status, participant_id(0));
    e.body.status.instrument = in.id;
    e.body.status.status = in.status;
    e.body.status.reference = price_fen(in.reference);
    e.body.status.band_low = price_fen(in.band_low);
    e.body.status.band_high = price_fen(in.band_high);
    e.body.status.settlement = price_fen(in.settlement);
    e.body.status.settlement_by = in.settlement_by;
}

}  // namespace cux::engine::test
