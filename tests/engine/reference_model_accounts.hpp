#pragma once
// The reference model (reference_model.hpp): participants, money and capacity, as
// engine/exchange.cpp.

#include <cstdint>
#include <cstring>
#include <tuple>

#include "tests/engine/reference_model.hpp"

namespace cux::engine::test {

inline reference_model::person* reference_model::actor_of(const command& c) {
    if (c.actor.value() == 0 || c.actor.value() >= people_.size()) return nullptr;
    person& p = people_[c.actor.value()];
    return p.exists ? &p : nullptr;
}

inline void reference_model::on_create(const command& c) {
    if (c.actor.value() >= people_.size() || !people_[c.actor.value()].exists) {
        return reject(reject_reason::unknown_participant);
    }
    if ((people_[c.actor.value()].roles & role_admin) == 0) {
        return reject(reject_reason::forbidden);
    }
    const auto& b = c.body.create;
    const int all = role_admin | role_vendor | role_buyer | role_regulator;
    const bool regulator = (b.roles & role_regulator) != 0;
    const bool trader = (b.roles & (role_vendor | role_buyer)) != 0;
    if (b.roles == 0 || (b.roles & ~all) != 0 || (regulator && trader)) {
        return reject(reject_reason::invalid_order);
    }
    if (b.name[0] == 0) return reject(reject_reason::invalid_order);
    for (uint32_t p = 0; p < next_participant_; ++p) {
        if (std::strncmp(people_[p].name, b.name, sizeof b.name) == 0) {
            return reject(reject_reason::duplicate_participant);
        }
    }
    if (next_participant_ >= people_.size()) {
        return reject(reject_reason::participant_table_full);
    }
    const participant_id id(next_participant_++);
    person& ps = people_[id.value()];
    ps.exists = true;
    ps.roles = b.roles;
    std::memcpy(ps.name, b.name, strnlen(b.name, sizeof b.name));
    event& e = emit(event_type::participant_created, id);
    e.body.created.participant = id;
    e.body.created.roles = b.roles;
    std::memcpy(e.body.created.name, ps.name, sizeof e.body.created.name);
}

inline void reference_model::on_deposit(const command& c) {
    if (c.actor.value() >= people_.size() || !people_[c.actor.value()].exists) {
        return reject(reject_reason::unknown_participant);
    }
    if ((people_[c.actor.value()].roles & role_admin) == 0) {
        return reject(reject_reason::forbidden);
    }
    const participant_id target = c.body.money.target;
    if (target.value() == 0 || target.value() >= people_.size() ||
        !people_[target.value()].exists) {
        return reject(reject_reason::unknown_participant);
    }
    person& ps = people_[target.value()];
    const int64_t amount = c.body.money.amount.value();
    if (amount <= 0 || amount > limits::amount_fen_max ||
        ps.available + amount > limits::amount_fen_max * 1000) {
        return reject(reject_reason::invalid_amount);
    }
    ps.available += amount;
    touch(target);
}

inline void reference_model::on_withdraw(const command& c) {
    person* ps = actor_of(c);
    if (ps == nullptr) return reject(reject_reason::unknown_participant);
    const int64_t amount = c.body.money.amount.value();
    if (amount <= 0 || amount > limits::amount_fen_max) {
        return reject(reject_reason::invalid_amount);
    }
    if (ps->available < amount) return reject(reject_reason::insufficient_funds);
    ps->available -= amount;
    touch(c.actor);
}

inline void reference_model::on_capacity(const command& c) {
    person* ps = actor_of(c);
    if (ps == nullptr) return reject(reject_reason::unknown_participant);
    if ((ps->roles & role_vendor) == 0) return reject(reject_reason::forbidden);
    const auto& b = c.body.capacity;
    if (b.chip >= m_.chips.size()) return reject(reject_reason::unknown_chip);
    if (b.region >= m_.regions.size()) return reject(reject_reason::unknown_region);
    if (b.devices.value() <= 0 || b.devices.value() > limits::qty_per_order_max * 100) {
        return reject(reject_reason::invalid_qty);
    }
    const epoch_hour now_hour = floor_div(now_, ns_per_hour);
    if (b.from_hour >= b.to_hour || b.from_hour < now_hour ||
        b.to_hour > now_hour + limits::capacity_ring_hours) {
        return reject(reject_reason::invalid_capacity);
    }
    const auto row = std::make_tuple(c.actor.value(), int{b.chip}, int{b.region});
    if (capacity_rows_.count(row) == 0) {
        if (capacity_rows_.size() >= c_.capacity_rows_max) {
            return reject(reject_reason::capacity_table_full);
        }
        capacity_rows_.insert(row);
    }
    for (epoch_hour h = b.from_hour; h < b.to_hour; ++h) {
        capacity_[cap_key{c.actor.value(), b.chip, b.region, h}].registered += b.devices.value();
    }
    event& e = emit(event_type::capacity_changed, c.actor);
    e.body.capacity.participant = c.actor;
    e.body.capacity.chip = b.chip;
    e.body.capacity.region = b.region;
    e.body.capacity.from_hour = b.from_hour;
    e.body.capacity.to_hour = b.to_hour;
    e.body.capacity.registered_delta = b.devices;
}

inline bool reference_model::reserve(participant_id p, const minst& in, int64_t qty) {
    for (epoch_hour h = in.key.start_hour; h < in.key.start_hour + in.hours; ++h) {
        const auto it = capacity_.find(cap_key{p.value(), in.key.chip, in.key.region, h});
        if (it == capacity_.end()) return false;
        const cap_hour& c = it->second;
        if (c.registered - c.committed - c.sold < qty) return false;
    }
    for (epoch_hour h = in.key.start_hour; h < in.key.start_hour + in.hours; ++h) {
        capacity_[cap_key{p.value(), in.key.chip, in.key.region, h}].committed += qty;
    }
    committed_total_ += qty * in.hours;
    return true;
}

inline void reference_model::release(participant_id p, const minst& in, int64_t qty, bool sold) {
    for (epoch_hour h = in.key.start_hour; h < in.key.start_hour + in.hours; ++h) {
        cap_hour& c = capacity_[cap_key{p.value(), in.key.chip, in.key.region, h}];
        if (c.committed < qty) errors_ += "capacity released below zero; ";
        c.committed -= qty;
        if (sold) c.sold += qty;
    }
    committed_total_ -= qty * in.hours;
}

}  // namespace cux::engine::test
