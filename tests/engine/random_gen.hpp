#pragma once
// The command generator of the seeded randomized test (random_test.cpp): a stream of commands
// in the reference model's id space, chosen from the model's state (never the engine's), that
// reaches every reject reason and the whole instrument lifecycle. A seed names the same stream
// wherever the standard library is libstdc++ (the distributions of <random> are
// implementation-defined). Thread: one.
//
// The class is declared here with its stream and scripted start; the commands it makes are
// defined in random_gen_orders.hpp (orders, contract failures) and random_gen_accounts.hpp
// (money, capacity, participants), included at the end. Include this header only.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "engine/command.hpp"
#include "engine/event.hpp"
#include "engine/limits.hpp"
#include "engine/symbol.hpp"
#include "engine/types.hpp"
#include "tests/engine/harness.hpp"
#include "tests/engine/reference_model.hpp"

namespace cux::engine::test {

// Ids that exist on neither side: the engine's name slots past any pool, the model's are past
// any count. Bound to each other so "unknown order" rejections compare.
inline constexpr int unknown_ids = 4;
inline uint64_t unknown_model_id(int k) { return (uint64_t{1} << 62) + static_cast<uint64_t>(k); }
inline uint64_t unknown_engine_id(int k) {
    return (uint64_t{0x7ffffff0U + static_cast<uint32_t>(k)} << 32) |
           (0xfffffff0U + static_cast<uint32_t>(k));
}

// Participants created by the scripted start of every run, in creation order.
inline constexpr participant_id p_admin(1);
inline constexpr participant_id p_buyer1(2);
inline constexpr participant_id p_buyer2(3);
inline constexpr participant_id p_vendor1(4);
inline constexpr participant_id p_vendor2(5);
inline constexpr participant_id p_both(6);
inline constexpr participant_id p_regulator(7);

// Generates commands in the model's id space, choosing what to do from the model's state
// (never the engine's). The caller stamps seq and ts (ts = now()).
class command_gen {
public:
    command_gen(uint64_t seed, const reference_model& model) : rng_(seed), model_(model) {
        // A random time of day, so runs start in different phases of the calendar.
        now_ = t0 + uni(0, 86'399) * ns_per_s;
        script();
    }

    [[nodiscard]] utc_ns now() const { return now_; }
    command next();
    void observe(const std::vector<event>& model_events);
    // Remembers instruments that were delisted (for orders naming them).
    void delisted(instrument_id id) {
        if (delisted_.size() < 64) delisted_.push_back(id);
    }

private:
    int64_t uni(int64_t lo, int64_t hi) {
        return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
    }
    bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
    template <class T>
    const T& pick(const std::vector<T>& v) {
        return v[static_cast<std::size_t>(uni(0, static_cast<int64_t>(v.size()) - 1))];
    }

    static command make(command_type t, participant_id actor) {
        command c;
        c.type = t;
        c.actor = actor;
        return c;
    }

    static command create(participant_id actor, uint8_t roles, const std::string& name) {
        command c = make(command_type::create_participant, actor);
        c.body.create.roles = roles;
        std::memcpy(c.body.create.name, name.data(),
                    std::min(name.size(), sizeof c.body.create.name));
        return c;
    }

    static command deposit(participant_id actor, participant_id target, int64_t fen) {
        command c = make(command_type::deposit, actor);
        c.body.money.target = target;
        c.body.money.amount = money_fen(fen);
        return c;
    }

    static command capacity(participant_id actor, int chip, int region, int64_t devices,
                            epoch_hour from, epoch_hour to) {
        command c = make(command_type::register_capacity, actor);
        c.body.capacity.chip = static_cast<uint8_t>(chip);
        c.body.capacity.region = static_cast<uint8_t>(region);
        c.body.capacity.devices = qty_devices(devices);
        c.body.capacity.from_hour = from;
        c.body.capacity.to_hour = to;
        return c;
    }

    [[nodiscard]] epoch_hour now_hour() const { return now_ / ns_per_hour; }

    std::vector<participant_id> buyers() const { return {p_buyer1, p_buyer2, p_both}; }
    std::vector<participant_id> sellers() const { return {p_vendor1, p_vendor2, p_both}; }
    std::vector<participant_id> traders() const {
        return {p_buyer1, p_buyer2, p_vendor1, p_vendor2, p_both};
    }

    // ---- the stream (below) ----------------------------------------------------------------

    void script();
    participant_id anyone();
    command random_command();
    command tick();

    // ---- orders (random_gen_orders.hpp) ----------------------------------------------------

    struct inst_pick {
        instrument_id id;
        const reference_model::minst* in = nullptr;  // null: not listed
    };

    inst_pick instrument();
    int64_t price_for(const reference_model::minst* in);
    int64_t qty();
    std::optional<command> burst();
    participant_id seller_for(const reference_model::minst* in);
    command place();

    struct live {
        uint64_t id;
        participant_id owner;
        const reference_model::minst* in;
        const reference_model::morder* o;
    };

    std::vector<live> live_orders() const;

    // Which order a cancel or replace names, and who sends it.
    struct named_order {
        uint64_t id = 0;
        participant_id actor;
        const live* l = nullptr;  // set when it names a live order of the actor
    };

    named_order order_target(const std::vector<live>& v);
    command fail_contract();
    command cancel();
    command replace();

    // ---- money, capacity, participants (random_gen_accounts.hpp) -------------------------

    command money_in();
    command money_out();
    command register_capacity();
    command new_participant();

    std::mt19937_64 rng_;
    const reference_model& model_;
    utc_ns now_ = 0;
    uint64_t requests_ = 0;
    std::vector<command> script_;
    std::vector<std::pair<uint64_t, participant_id>> dead_;
    std::size_t dead_next_ = 0;
    std::vector<std::pair<uint64_t, participant_id>> settled_;  // contracts, by model id
    std::size_t settled_next_ = 0;
    std::vector<instrument_id> delisted_;
    int64_t burst_left_ = 0;
    bool burst_buy_ = false;
    instrument_id burst_inst_;
    participant_id burst_actor_;
};

inline command command_gen::next() {
    command c;
    if (!script_.empty()) {
        c = script_.front();
        script_.erase(script_.begin());
    } else {
        c = random_command();
    }
    c.token.session = static_cast<uint32_t>(uni(1, 8));
    c.token.reserved = static_cast<uint32_t>(uni(0, 1));
    c.token.request = ++requests_;
    return c;
}

// Learns from the model's events which orders ended (their ids become stale).
inline void command_gen::observe(const std::vector<event>& model_events) {
    for (const event& e : model_events) {
        if (e.type == event_type::contract_settled) {
            const std::pair<uint64_t, participant_id> gone{e.body.contract.id.value(),
                                                           e.body.contract.seller};
            if (settled_.size() < 256) {
                settled_.push_back(gone);
            } else {
                settled_[settled_next_++ % settled_.size()] = gone;
            }
        }
        if (e.type != event_type::order_done) continue;
        const std::pair<uint64_t, participant_id> gone{e.body.done.id.value(), e.participant};
        if (dead_.size() < 512) {
            dead_.push_back(gone);
        } else {
            dead_[dead_next_++ % dead_.size()] = gone;
        }
    }
}

// The start of every run: the cast, their money and capacity.
inline void command_gen::script() {
    script_.push_back(create(participant_id(0), role_admin, "admin"));
    script_.push_back(create(p_admin, role_buyer, "buyer1"));
    script_.push_back(create(p_admin, role_buyer, "buyer2"));
    script_.push_back(create(p_admin, role_vendor, "vendor1"));
    script_.push_back(create(p_admin, role_vendor, "vendor2"));
    script_.push_back(create(p_admin, role_buyer | role_vendor, "both"));
    script_.push_back(create(p_admin, role_regulator, "regulator"));
    for (const participant_id p : {p_buyer1, p_buyer2, p_both}) {
        script_.push_back(deposit(p_admin, p, 20'000'000));
    }
    for (const participant_id p : {p_vendor1, p_vendor2, p_both}) {
        for (int chip = 0; chip < 2; ++chip) {
            for (int region = 0; region < 2; ++region) {
                // The capacity table is small (every check_invariants() walks each row's
                // ring of 1024 hours): vendor2 and `both` start with one row each.
                if (p == p_vendor2 && (chip != 1 || region != 0)) continue;
                if (p == p_both && (chip != 0 || region != 1)) continue;
                script_.push_back(capacity(p, chip, region, 150, now_hour(), now_hour() + 72));
            }
        }
    }
}

// Anyone, including participants that do not exist.
inline participant_id command_gen::anyone() {
    const int64_t r = uni(0, 9);
    if (r == 0) return participant_id(0);
    if (r == 1) return participant_id(static_cast<uint32_t>(uni(41, 70'000)));
    if (r == 2) return participant_id(0xffffffffU);
    const auto created = static_cast<int64_t>(model_.participants_created());
    return participant_id(static_cast<uint32_t>(uni(1, std::max<int64_t>(created, 7) + 2)));
}

inline command command_gen::random_command() {
    // Most commands arrive at the same stamp as the one before; some a little later.
    if (chance(0.02)) now_ += uni(1, 10) * ns_per_s;
    if (burst_left_ > 0 || chance(0.001)) {
        if (auto c = burst()) return *c;
    }
    const int64_t r = uni(0, 999);
    if (r < 500) return place();
    if (r < 620) return cancel();
    if (r < 720) return replace();
    if (r < 780) return tick();
    if (r < 850) return money_in();
    if (r < 880) return money_out();
    if (r < 945) return register_capacity();
    if (r < 955) return new_participant();
    if (r < 958) {
        // Unknown types. place_job (10) is not in the reference model: job orders are checked
        // against their own brute force (job_random_test.cpp).
        command c = make(static_cast<command_type>(uni(0, 1) == 0 ? 0 : uni(11, 255)), anyone());
        return c;
    }
    if (r < 972) return fail_contract();
    return place();
}

inline command command_gen::tick() {
    command c = make(command_type::tick, chance(0.96) ? participant_id(0) : anyone());
    const int64_t r = uni(0, 9999);
    const utc_ns due = model_.next_due();
    const bool due_soon = due > now_ && due - now_ <= 15 * ns_per_min;
    if (r < 7200 || (r < 8800 && !due_soon)) {
        now_ += uni(1, 20) * ns_per_s;
    } else if (r < 8200) {
        now_ = due;  // exactly at a due time
    } else if (r < 8800) {
        now_ = std::max(now_, due - 1);  // one nanosecond before it
    } else if (r < 9992) {
        // the same stamp
    } else if (r < 9996) {
        now_ += uni(1, 3) * ns_per_hour + uni(0, 3599) * ns_per_s;  // a long gap
    } else {
        // A long gap landing minutes before a gate closure, so the first hour window is
        // listed after its closing call began (pre_open goes straight to closing).
        now_ = (now_hour() + uni(3, 5)) * ns_per_hour + uni(39 * 60, 44 * 60 + 59) * ns_per_s;
    }
    return c;
}

}  // namespace cux::engine::test

#include "tests/engine/random_gen_accounts.hpp"
#include "tests/engine/random_gen_orders.hpp"
