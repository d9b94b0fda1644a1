// Random trading through the engine and the ledger (a real SQLite file in a temp directory):
// deposits, withdrawals, capacity, orders of every kind at random prices, job orders, cancels,
// seller failures and the clock running through listings, auctions, gate closures and
// settlements.
// After every batch the ledger's own checks run and its balances are compared with the
// engine's; at the end the full verify replays a journal of every command. Several seeds; a
// failure prints its seed (CUX_LEDGER_SEED=N reruns one).

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <vector>

#include "tests/engine/job_harness.hpp"
#include "tests/ledger/ledger_harness.hpp"

namespace cux::ledger::test {
namespace {

using engine::test::fail_cmd;
using engine::test::harness;

struct random_market {
    explicit random_market(uint64_t seed) : rng(seed) {
        L.autocommit = false;
        for (int i = 0; i < 3; ++i)
            buyers.push_back(L.add(("buyer" + std::to_string(i)).c_str(), role_buyer));
        for (int i = 0; i < 3; ++i) {
            vendors.push_back(L.add(("vendor" + std::to_string(i)).c_str(), role_vendor));
        }
        const participant_id both = L.add("both", role_buyer | role_vendor);
        buyers.push_back(both);
        vendors.push_back(both);
        for (const participant_id b : buyers) L.deposit(b, 5'000'000 + pick(5'000'000));
        for (const participant_id v : vendors) {
            for (uint8_t chip = 0; chip < 2; ++chip) {
                for (uint8_t region = 0; region < 2; ++region) {
                    L.h.capacity(v, chip, region, 20 + pick(40), h0, h0 + 200);
                }
            }
        }
        L.tick_at(t0 + 61 * ns_per_s);
        commit();
    }

    int64_t pick(int64_t n) { return static_cast<int64_t>(rng() % static_cast<uint64_t>(n)); }
    template <class T>
    const T& any(const std::vector<T>& v) {
        return v[static_cast<std::size_t>(pick(static_cast<int64_t>(v.size())))];
    }

    void commit() {
        const status s = L.rec->commit();
        ASSERT_TRUE(s.ok()) << s.error().message;
    }

    // A listed, not yet closed instrument: the next hourly windows or today's daily one.
    instrument_id instrument() {
        const epoch_hour now_hour = L.h.now / ns_per_hour;
        const auto chip = static_cast<uint8_t>(pick(2));
        const auto region = static_cast<uint8_t>(pick(2));
        if (pick(5) == 0) {
            // The daily window (CST day) that starts next.
            const epoch_hour day = (now_hour + 8) / 24 * 24 + 24 - 8;
            return pack(instrument_key{chip, region, tenor::day, day});
        }
        return pack(instrument_key{chip, region, tenor::hour, now_hour + 1 + pick(2)});
    }

    void step() {
        const int64_t r = pick(100);
        if (r < 5) {
            // A job order: the engine buys the cheapest delivered chip x region through
            // ordinary trades (one or several, or none).
            engine::test::job_spec s;
            s.chips = pick(3) == 0 ? 3U : 1U;  // h100, sometimes x86 too
            s.start = L.h.now / ns_per_hour + 1 + pick(2);
            s.size = static_cast<int32_t>(1 + pick(6));
            s.origin = static_cast<uint8_t>(pick(2));
            s.data_gb = static_cast<uint32_t>(pick(2000));
            s.tif = pick(2) == 0 ? time_in_force::ioc : time_in_force::fok;
            s.split = pick(2) == 0;
            s.max_price = static_cast<int32_t>(1000 + pick(800));
            for (const event& e : L.h.run(engine::test::job_cmd(any(buyers), s))) remember(e);
        } else if (r < 55) {
            const instrument_id id = instrument();
            const bool buy = pick(2) == 0;
            const participant_id p = buy ? any(buyers) : any(vendors);
            const int64_t ref = unpack(id).chip == 0 ? 1200 : 12;
            const int64_t price = ref * (80 + pick(41)) / 100;  // 0.80 .. 1.20 of typical
            command c = harness::order_cmd(p, id, buy ? side::buy : side::sell, price, 1 + pick(6),
                                           static_cast<time_in_force>(pick(10) < 7 ? 0 : pick(3)));
            if (buy && pick(2) == 0) {
                c.body.place.origin_region = static_cast<uint8_t>(pick(2));
                c.body.place.data_gb = pick(3000);
            }
            if (pick(20) == 0) c.body.place.type = order_type::market;
            for (const event& e : L.h.run(c)) remember(e);
        } else if (r < 65 && !orders.empty()) {
            const auto& [owner, id] = any(orders);
            for (const event& e : L.h.cancel(owner, id)) remember(e);
        } else if (r < 70 && !contracts.empty()) {
            const auto& [seller, id] = any(contracts);
            // Mostly the seller, sometimes someone who may not fail it (rejected).
            const participant_id who = pick(4) == 0 ? any(buyers) : seller;
            for (const event& e : L.h.run(fail_cmd(who, id))) remember(e);
        } else if (r < 75) {
            L.h.deposit(any(buyers), 1 + pick(1'000'000));
        } else if (r < 80) {
            command c;
            c.type = command_type::withdraw;
            c.actor = any(buyers);
            c.body.money.amount = money_fen(1 + pick(2'000'000));  // sometimes too much
            L.h.run(c);
        } else {
            // The clock: a few minutes, sometimes a long jump (auctions, closures, delivery).
            L.h.tick_at(L.h.now + (pick(10) == 0 ? pick(180) : pick(12)) * ns_per_min);
        }
    }

    void remember(const event& e) {
        if (e.type == event_type::job_done && e.body.job.status != job_status::unfilled) {
            ++jobs_traded;
        }
        if (e.type == event_type::order_accepted) {
            orders.push_back({e.participant, e.body.accepted.id});
            if (orders.size() > 200) orders.erase(orders.begin());
        } else if (e.type == event_type::trade) {
            contracts.push_back({e.body.trade.seller, e.body.trade.contract});
            if (contracts.size() > 200) contracts.erase(contracts.begin());
        }
    }

    // Stages the events of the commands since the last batch, commits, then checks.
    void batch_and_check(uint64_t seed, int round) {
        L.sync();
        commit();
        L.expect_mirrors_engine();
        verify_options o;
        o.db_path = L.dir.db();
        auto r = verify(o);  // the SQL checks only: the engine comparison is the mirror above
        ASSERT_TRUE(r.ok()) << r.error().message;
        ASSERT_TRUE(r.value().ok()) << "seed " << seed << " round " << round << "\n"
                                    << describe(r.value());
    }

    std::mt19937_64 rng;
    ledger_harness L;
    std::vector<participant_id> buyers, vendors;
    std::vector<std::pair<participant_id, order_id>> orders;
    std::vector<std::pair<participant_id, contract_id>> contracts;
    int jobs_traded = 0;
};

void run_seed(uint64_t seed, int rounds, int commands_per_round) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    random_market m(seed);
    for (int round = 0; round < rounds; ++round) {
        const int n = 1 + static_cast<int>(m.pick(2 * commands_per_round));
        for (int i = 0; i < n; ++i) m.step();
        m.batch_and_check(seed, round);
        if (::testing::Test::HasFatalFailure()) return;
    }
    // Let everything listed so far deliver, then the whole proof, engine replay included.
    m.L.tick_at(m.L.h.now + 30 * ns_per_hour);  // hourly windows settle; daily ones may not
    m.batch_and_check(seed, rounds);
    const recorder_counters& c = m.L.rec->counters();
    EXPECT_GT(c.contracts_opened, 0U);
    EXPECT_GT(c.contracts_settled, 0U);
    EXPECT_GT(c.deposits, 0U);
    EXPECT_GT(m.jobs_traded, 0) << "no job order traded: the test lost its jobs";
    const verify_report r = m.L.verify_all();
    EXPECT_TRUE(r.ok()) << "seed " << seed << "\n" << describe(r);
}

// One test per seed, so ctest runs them side by side (each is a few seconds in release and
// tens of seconds under ASan). CUX_LEDGER_SEED replaces the seed of every one of them with a
// longer run of the given seed.
class LedgerRandom : public ::testing::TestWithParam<uint64_t> {};

TEST_P(LedgerRandom, EngineAndLedgerAgreeAfterEveryBatch) {
    if (const char* s = std::getenv("CUX_LEDGER_SEED")) {
        run_seed(std::strtoull(s, nullptr, 10), 60, 25);
        return;
    }
    run_seed(GetParam(), 40, 25);
}

INSTANTIATE_TEST_SUITE_P(Seeds, LedgerRandom, ::testing::Values(1, 2, 3, 4, 5));

}  // namespace
}  // namespace cux::ledger::test
