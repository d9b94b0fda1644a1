// The order path allocates nothing: after start-up (listing, participants, capacity rows),
// placing, matching, cancelling and replacing orders performs zero heap allocations. Counted by
// replacing the global operator new for this test binary.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <random>

#include "engine/exchange.hpp"
#include "tests/engine/harness.hpp"

// The replacement operator new is malloc underneath, so free is its matching delete.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace {
std::atomic<bool> counting{false};
std::atomic<uint64_t> allocations{0};
}  // namespace

void* operator new(std::size_t n) {
    if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1);
    if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace cux::engine::test {
namespace {

// Receives events without storing them (a real consumer copies them into a ring).
struct counting_sink final : event_sink {
    uint64_t events = 0;
    uint64_t trades = 0;
    order_id last_accepted{0};
    void on_event(const event& e) override {
        ++events;
        if (e.type == event_type::trade) ++trades;
        if (e.type == event_type::order_accepted) last_accepted = e.body.accepted.id;
    }
};

TEST(Allocation, OrderPathAllocatesNothing) {
    // The invariant check after every command builds diagnostic strings; it is a test aid, not
    // part of the order path, so this test runs without it.
    exchange_config config = small_config();
    config.check_every_command = false;
    exchange ex(small_market(), config);
    counting_sink sink;
    uint64_t seq = 0;
    utc_ns now = t0;
    auto apply = [&](command c) {
        c.seq = ++seq;
        c.ts = now;
        ex.apply(c, sink);
    };
    // Start-up: participants, money, capacity, and the clock past pre-open.
    for (const uint8_t roles : {role_buyer, role_vendor, role_buyer, role_vendor}) {
        command c;
        c.type = command_type::create_participant;
        c.body.create.roles = roles;
        std::snprintf(c.body.create.name, sizeof c.body.create.name, "p%llu",
                      static_cast<unsigned long long>(seq));
        apply(c);
    }
    for (uint32_t p = 1; p <= 4; ++p) {
        command d;
        d.type = command_type::deposit;
        d.body.money.target = participant_id(p);
        d.body.money.amount = money_fen(1'000'000'000);
        apply(d);
        command cap;
        cap.type = command_type::register_capacity;
        cap.actor = participant_id(p);
        cap.body.capacity.chip = 0;
        cap.body.capacity.region = 0;
        cap.body.capacity.devices = qty_devices(1'000'000);
        cap.body.capacity.from_hour = h0;
        cap.body.capacity.to_hour = h0 + 24;
        apply(cap);
    }
    now += 61 * ns_per_s;
    command tick;
    tick.type = command_type::tick;
    apply(tick);
    ASSERT_EQ(ex.instrument(hourly(0, 0, 1))->status, instrument_status::open);

    counting = true;
    std::mt19937_64 rng(1);
    std::vector<order_id> live;
    live.reserve(4096);
    const uint64_t before = allocations.load();
    for (int i = 0; i < 20000; ++i) {
        const auto p = participant_id(static_cast<uint32_t>(1 + rng() % 4));
        const bool buyer = p.value() % 2 == 1;
        const int kind = static_cast<int>(rng() % 10);
        command c;
        if (kind < 6 || live.empty()) {
            c = harness::order_cmd(p, hourly(0, 0, 1), buyer ? side::buy : side::sell,
                                   static_cast<int64_t>(1150 + rng() % 100),
                                   static_cast<int64_t>(1 + rng() % 5),
                                   static_cast<time_in_force>(rng() % 3));
            c.body.place.stp = static_cast<stp_mode>(rng() % 3);
            if (buyer) {
                c.body.place.origin_region = 1;
                c.body.place.data_gb = 100;
            }
            sink.last_accepted = order_id(0);
            apply(c);
            if (sink.last_accepted.value() != 0 && live.size() < live.capacity()) {
                live.push_back(sink.last_accepted);
            }
        } else if (kind < 9) {
            const std::size_t k = rng() % live.size();
            c.type = command_type::cancel_order;
            c.actor = participant_id(static_cast<uint32_t>(1 + rng() % 4));
            c.body.cancel.id = live[k];
            apply(c);
            live[k] = live.back();
            live.pop_back();
        } else {
            c.type = command_type::replace_order;
            c.actor = p;
            c.body.replace.id = live[rng() % live.size()];
            c.body.replace.price = price_fen(static_cast<int64_t>(1150 + rng() % 100));
            c.body.replace.qty = qty_devices(static_cast<int64_t>(1 + rng() % 5));
            apply(c);
        }
    }
    const uint64_t during = allocations.load() - before;
    counting = false;
    EXPECT_GT(sink.trades, 1000U);  // the loop really matched
    EXPECT_EQ(during, 0U) << "heap allocations on the order path";
    EXPECT_EQ(ex.check_invariants(), "");
}

TEST(Allocation, CounterSeesAllocations) {
    // The counter itself works: a vector growing on purpose is counted.
    counting = true;
    const uint64_t before = allocations.load();
    std::vector<int> v;
    for (int i = 0; i < 100; ++i) v.push_back(i);
    const uint64_t seen = allocations.load() - before;
    counting = false;
    EXPECT_GT(seen, 0U);
}

}  // namespace
}  // namespace cux::engine::test
