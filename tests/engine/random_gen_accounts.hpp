#pragma once
// The command generator (random_gen.hpp): deposits, withdrawals, capacity registrations and new
// participants.

#include <cstdint>
#include <string>

#include "tests/engine/random_gen.hpp"

namespace cux::engine::test {

inline command command_gen::money_in() {
    const participant_id actor =
        chance(0.92) ? (chance(0.8) ? p_admin : participant_id(0)) : anyone();
    const participant_id target = chance(0.85) ? pick(buyers()) : anyone();
    const int64_t r = uni(0, 999);
    int64_t amount = uni(100'000, 8'000'000);
    if (r < 30) {
        amount = 0;
    } else if (r < 60) {
        amount = -uni(1, 1000);
    } else if (r < 80) {
        amount = limits::amount_fen_max + uni(1, 1000);
    } else if (r < 85) {
        // The largest valid deposit, to someone who cannot trade with it.
        return deposit(actor, p_regulator, limits::amount_fen_max);
    }
    return deposit(actor, target, amount);
}

inline command command_gen::money_out() {
    const participant_id actor = chance(0.8) ? pick(traders()) : anyone();
    command c = make(command_type::withdraw, actor);
    const auto* p = model_.participant(actor);
    const int64_t avail = p == nullptr ? 0 : p->available;
    const int64_t r = uni(0, 99);
    int64_t amount = uni(1, avail / 4 + 1);
    if (r < 30) {
        amount = avail + uni(1, 1000);
    } else if (r < 33) {
        amount = avail;  // all of it (0 is invalid)
    } else if (r < 38) {
        amount = r < 35 ? 0 : -uni(1, 100);
    } else if (r < 40) {
        amount = limits::amount_fen_max + 1;
    }
    c.body.money.target = participant_id(static_cast<uint32_t>(uni(0, 100)));
    c.body.money.amount = money_fen(amount);
    return c;
}

inline command command_gen::register_capacity() {
    const int64_t who = uni(0, 9);
    const participant_id actor = who < 6 ? p_vendor1 : who < 9 ? pick(sellers()) : anyone();
    const int chip = chance(0.98) ? static_cast<int>(uni(0, 1)) : static_cast<int>(uni(2, 255));
    const int region = chance(0.98) ? static_cast<int>(uni(0, 1)) : static_cast<int>(uni(2, 255));
    int64_t devices = uni(1, 40);
    const int64_t d = uni(0, 99);
    if (d < 1) devices = 0;
    if (d == 1) devices = -uni(1, 5);
    if (d == 2) devices = limits::qty_per_order_max * 100 + 1;
    // Daily windows end at most ~50 hours ahead; registering further only costs time.
    epoch_hour from = now_hour() + uni(-1, 20);
    epoch_hour to = from + uni(1, 32);
    const int64_t r = uni(0, 99);
    if (r < 3) {
        // Up to the horizon exactly, with every device allowed (far from any window).
        from = now_hour() + limits::capacity_ring_hours - uni(1, 2);
        to = now_hour() + limits::capacity_ring_hours;
        if (r == 0) devices = limits::qty_per_order_max * 100;
    } else if (r < 5) {
        to = now_hour() + limits::capacity_ring_hours + uni(1, 3);  // beyond the horizon
    } else if (r < 7) {
        to = from - uni(0, 2);
    }
    return capacity(actor, chip, region, devices, from, to);
}

inline command command_gen::new_participant() {
    const participant_id actor =
        chance(0.85) ? (chance(0.8) ? p_admin : participant_id(0)) : anyone();
    static constexpr uint8_t valid[] = {role_buyer,     role_vendor, role_buyer | role_vendor,
                                        role_regulator, role_admin,  role_admin | role_buyer};
    static constexpr uint8_t invalid[] = {0, role_regulator | role_buyer,
                                          role_regulator | role_vendor, 16, 0xff};
    const uint8_t roles = chance(0.85) ? valid[uni(0, 5)] : invalid[uni(0, 4)];
    std::string name;
    const int64_t r = uni(0, 99);
    if (r < 88) {
        name = "p" + std::to_string(uni(0, 59));
    } else if (r < 90) {
        static const char* const taken[] = {"admin", "buyer1", "regulator", "exchange"};
        name = taken[uni(0, 3)];
    } else if (r < 95) {
        name = "";
    } else {
        name = std::string(limits::participant_name_bytes, 'x');  // no terminating NUL
    }
    return create(actor, roles, name);
}

}  // namespace cux::engine::test
