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
#include "tests/engine/job_harness.hpp"

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
// The nothrow forms too (std::stable_sort's temporary buffer uses them): every form of new in
// this binary must come from malloc, since every delete here is free.
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    try {
        return operator new(n);
    } catch (const std::bad_alloc&) {
        return nullptr;
    }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
    return operator new(n, std::nothrow);
}
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
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

// Job orders allocate nothing either: routing scratch is sized at construction, the report and
// the trades are events, the per-hour orders come from the pool. Asks, jobs of every kind
// (split or not, ioc/fok, devices or PFLOPS, 1-4 hours, dry runs) and cancels, all counted.
TEST(Allocation, JobPathAllocatesNothing) {
    exchange_config config = small_config();
    config.check_every_command = false;
    exchange ex(job_market(), config);
    counting_sink sink;
    uint64_t seq = 0;
    utc_ns now = t0;
    auto apply = [&](command c) {
        c.seq = ++seq;
        c.ts = now;
        ex.apply(c, sink);
    };
    for (const uint8_t roles : {role_buyer, role_vendor, role_vendor}) {
        command c;
        c.type = command_type::create_participant;
        c.body.create.roles = roles;
        std::snprintf(c.body.create.name, sizeof c.body.create.name, "p%llu",
                      static_cast<unsigned long long>(seq));
        apply(c);
    }
    command d;
    d.type = command_type::deposit;
    d.body.money.target = participant_id(1);
    d.body.money.amount = money_fen(limits::amount_fen_max);
    apply(d);
    for (uint32_t p = 2; p <= 3; ++p) {
        for (uint8_t chip = 0; chip < 3; ++chip) {
            for (uint8_t region = 0; region < 2; ++region) {
                command cap;
                cap.type = command_type::register_capacity;
                cap.actor = participant_id(p);
                cap.body.capacity.chip = chip;
                cap.body.capacity.region = region;
                cap.body.capacity.devices = qty_devices(1'000'000);
                cap.body.capacity.from_hour = h0;
                cap.body.capacity.to_hour = h0 + 24;
                apply(cap);
            }
        }
    }
    now += 61 * ns_per_s;  // past the opening auctions
    command tick;
    tick.type = command_type::tick;
    apply(tick);
    ASSERT_EQ(ex.instrument(hourly(chip_910b, region_nx, 8))->status, instrument_status::open);

    std::mt19937_64 rng(5);
    std::vector<std::pair<participant_id, order_id>> live;
    live.reserve(1024);
    uint64_t jobs = 0;
    counting = true;
    const uint64_t before = allocations.load();
    const uint64_t trades_before = sink.trades;
    const int64_t typical[3] = {1200, 12, 600};
    for (int i = 0; i < 3000; ++i) {
        for (int k = 0; k < 4; ++k) {
            const auto chip = static_cast<uint8_t>(rng() % 3);
            const auto seller = participant_id(static_cast<uint32_t>(2 + rng() % 2));
            command c = harness::order_cmd(
                seller,
                hourly(chip, static_cast<uint8_t>(rng() % 2), 1 + static_cast<int64_t>(rng() % 8)),
                side::sell, typical[chip] * static_cast<int64_t>(90 + rng() % 30) / 100,
                static_cast<int64_t>(1 + rng() % 10));
            sink.last_accepted = order_id(0);
            apply(c);
            if (sink.last_accepted.value() != 0 && live.size() < live.capacity()) {
                live.emplace_back(seller, sink.last_accepted);
            }
        }
        job_spec s;
        s.chips = static_cast<uint32_t>(rng() % 8);
        s.pflops = rng() % 4 == 0;
        s.size = static_cast<int32_t>(s.pflops ? 500 + rng() % 5000 : 1 + rng() % 12);
        s.hours = static_cast<int>(1 + rng() % 4);
        s.start = h0 + 1 + static_cast<int64_t>(rng() % static_cast<uint64_t>(9 - s.hours));
        s.origin = static_cast<uint8_t>(rng() % 2);
        s.data_gb = static_cast<uint32_t>(rng() % 1000);
        s.max_price = 1'000'000;
        s.tif = rng() % 2 == 0 ? time_in_force::ioc : time_in_force::fok;
        s.split = rng() % 2 == 0;
        s.dry_run = rng() % 5 == 0;
        apply(job_cmd(participant_id(1), s));
        ++jobs;
        if (live.size() > 600) {  // keep the books from growing: cancel the oldest
            for (std::size_t k = 0; k < 100; ++k) {
                command c;
                c.type = command_type::cancel_order;
                c.actor = live[k].first;
                c.body.cancel.id = live[k].second;
                apply(c);
            }
            live.erase(live.begin(), live.begin() + 100);
        }
    }
    const uint64_t during = allocations.load() - before;
    counting = false;
    EXPECT_EQ(jobs, 3000U);
    EXPECT_GT(sink.trades - trades_before, 1000U);  // the jobs really bought
    EXPECT_EQ(during, 0U) << "heap allocations on the job path";
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
