// The seeded randomized test (STYLE.md "Tests"): a random command stream drives the engine and
// the deliberately naive reference model (reference_model.hpp) side by side, and every event of
// every command is compared field by field. Order ids differ by design (the engine's encode
// slot and generation), so the comparison keeps a bijection between the two, established at
// order_accepted and checked wherever else an order id appears. After every command both
// sides' invariants are checked too.
//
// This file holds the run loop and the tests; the pieces live beside it: random_gen.hpp (the
// command stream), random_compare.hpp (the id bijection, the event comparison and the hidden
// state), random_describe.hpp (printing commands and events) and reference_model.hpp.
//
// On the first difference the test fails with the seed, the command index, the command and
// both event lists. Environment: CUX_RANDOM_SEED=<n>[,<n>...] runs those seeds instead of the
// default ones (1-4), CUX_RANDOM_COMMANDS=<n> sets the number of commands per seed. Each seed
// prints a summary (commands/s, market time, events, rejects and done reasons by kind). A seed
// names the same stream wherever the standard library is libstdc++ (the distributions of
// <random> are implementation-defined).
//
// The market is the harness's small one (tests/engine/harness.hpp) with a 5-fen h100 tick and a
// time-of-use tariff; the limits are small so that every reject reason the engine can emit is
// reached. The stream runs several days of market time: hour and day windows list, open, close,
// settle and delist, and their settlement prices become the next windows' references.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "engine/exchange.hpp"
#include "tests/engine/harness.hpp"
#include "tests/engine/random_compare.hpp"
#include "tests/engine/random_describe.hpp"
#include "tests/engine/random_gen.hpp"
#include "tests/engine/reference_model.hpp"

namespace cux::engine::test {
namespace {

// 100k commands per seed take ~2 s in a release build. Debug and sanitizer builds run the same
// stream ten times shorter (~15 s per seed under ASan at -O0).
#ifdef NDEBUG
constexpr std::size_t default_commands = 100'000;
#else
constexpr std::size_t default_commands = 10'000;
#endif

// The harness's small market with a coarser h100 tick (so off-tick prices exist) and a
// time-of-use tariff in yrd (so each window's energy differs).
market_config random_market() {
    market_config m = small_market();
    m.chips[0].name_zh = "英伟达 H100";
    m.chips[1].name_zh = "x86 虚拟核";
    m.regions[0].name_zh = "长三角";
    m.regions[1].name_zh = "宁夏";
    m.chips[0].tick = price_fen(5);
    for (std::size_t h = 0; h < 24; ++h) {
        const bool valley = h < 8;
        const bool peak = (h >= 9 && h < 12) || (h >= 17 && h < 21);
        m.regions[0].tariff_mcny_kwh[h] = valley ? 310 : peak ? 1120 : 692;
    }
    return m;
}

// Small enough that the order and participant limits are reached now and then.
exchange_config random_config() {
    exchange_config c = small_config();
    c.orders_max = 100;
    c.contracts_max = 2000;
    c.participants_max = 40;
    c.instruments_max = 128;
    c.capacity_rows_max = 7;
    c.open_orders_per_participant_max = 40;
    c.open_orders_per_book_max = 25;
    // The test calls check_invariants() itself after every command, to report a violation
    // with the seed and the command rather than abort.
    c.check_every_command = false;
    return c;
}

model_config model_config_of(const exchange_config& c) {
    model_config m;
    m.orders_max = c.orders_max;
    m.contracts_max = c.contracts_max;
    m.participants_max = c.participants_max;
    m.capacity_rows_max = c.capacity_rows_max;
    m.open_orders_per_participant_max = c.open_orders_per_participant_max;
    m.open_orders_per_book_max = c.open_orders_per_book_max;
    return m;
}

struct vec_sink final : event_sink {
    std::vector<event> events;
    void on_event(const event& e) override { events.push_back(e); }
};

// ---- the run ---------------------------------------------------------------------------------

struct run_stats {
    std::size_t commands = 0;
    std::size_t events = 0;
    std::map<event_type, std::size_t> by_type;
    std::map<reject_reason, std::size_t> rejects;
    std::map<done_reason, std::size_t> done;
    std::size_t auction_trades = 0;
    std::size_t settled = 0;
    std::size_t settlements_set = 0;
    std::size_t late_listings = 0;  // pre_open straight to closing
    std::size_t max_live_orders = 0;
    double seconds = 0;
    utc_ns market_time = 0;
};

std::string run_commands(uint64_t seed, std::size_t n, run_stats& st);

// Runs one seed; returns "" or the description of the first failure.
std::string run_seed(uint64_t seed, std::size_t n, run_stats& st) {
    const auto t_begin = std::chrono::steady_clock::now();
    std::string failure = run_commands(seed, n, st);
    st.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_begin).count();
    return failure;
}

std::string run_commands(uint64_t seed, std::size_t n, run_stats& st) {
    const market_config market = random_market();
    const exchange_config config = random_config();
    exchange ex(market, config);
    reference_model model(market, model_config_of(config));
    command_gen gen(seed, model);
    id_map ids;
    for (int k = 0; k < unknown_ids; ++k) ids.bind(unknown_engine_id(k), unknown_model_id(k));
    id_map contract_ids;
    for (int k = 0; k < unknown_ids; ++k) {
        contract_ids.bind(unknown_engine_id(k), unknown_model_id(k));
    }
    event_diff diff(ids, contract_ids);
    vec_sink sink;
    std::vector<event> mev;
    std::map<uint32_t, instrument_status> listed;  // last status seen
    const utc_ns start = gen.now();

    for (std::size_t i = 0; i < n; ++i) {
        command mc = gen.next();
        mc.seq = i + 1;
        mc.ts = gen.now();
        command ec = mc;
        if (mc.type == command_type::cancel_order || mc.type == command_type::replace_order) {
            order_id& id =
                mc.type == command_type::cancel_order ? ec.body.cancel.id : ec.body.replace.id;
            const auto mapped = ids.engine_of(id.value());
            if (!mapped)
                return "the generator named model order " + std::to_string(id.value()) +
                       " that has no engine id";
            id = order_id(*mapped);
        }
        if (mc.type == command_type::fail_contract) {
            const auto mapped = contract_ids.engine_of(mc.body.contract.id.value());
            if (!mapped)
                return "the generator named model contract " +
                       std::to_string(mc.body.contract.id.value()) + " that has no engine id";
            ec.body.contract.id = contract_id(*mapped);
        }
        mev.clear();
        model.apply(mc, mev);
        sink.events.clear();
        ex.apply(ec, sink);
        const std::vector<event>& eev = sink.events;

        const auto fail = [&](const std::string& what, std::size_t at) {
            std::ostringstream s;
            s << "seed " << seed << ", command index " << i
              << " (reproduce with CUX_RANDOM_SEED=" << seed << " CUX_RANDOM_COMMANDS=" << i + 1
              << "): " << what << "\n"
              << "command (model ids): " << describe(mc, market) << "\n"
              << "command (engine ids): " << describe(ec, market) << "\n"
              << "engine events:\n"
              << dump(eev, market, &ids, at) << "model events:\n"
              << dump(mev, market, nullptr, at);
            return s.str();
        };
        const std::size_t common = std::min(eev.size(), mev.size());
        for (std::size_t k = 0; k < common; ++k) {
            const std::string why = diff(eev[k], mev[k]);
            if (!why.empty()) return fail("event " + std::to_string(k) + " differs: " + why, k);
        }
        if (eev.size() != mev.size()) {
            return fail("the engine emitted " + std::to_string(eev.size()) + " events, the model " +
                            std::to_string(mev.size()),
                        common);
        }
        if (const std::string bad = ex.check_invariants(); !bad.empty()) {
            return fail("engine invariants: " + bad, eev.size());
        }
        if (const std::string bad = model.check_invariants(); !bad.empty()) {
            return fail("model invariants: " + bad, eev.size());
        }
        std::size_t model_orders = 0;
        model.for_each_order([&](const auto&, const auto&) { ++model_orders; });
        if (ex.live_orders() != model_orders ||
            ex.live_instruments() != model.instruments().size()) {
            return fail("live order or instrument counts differ", eev.size());
        }
        if (i % 97 == 0) {
            if (const std::string bad = compare_state(ex, model, ids); !bad.empty()) {
                return fail("state differs: " + bad, eev.size());
            }
        }
        gen.observe(mev);

        ++st.commands;
        st.events += mev.size();
        for (const event& e : mev) {
            ++st.by_type[e.type];
            if (e.type == event_type::rejected) ++st.rejects[e.body.rejected.reason];
            if (e.type == event_type::order_done) ++st.done[e.body.done.reason];
            if (e.type == event_type::trade && e.body.trade.auction != 0) ++st.auction_trades;
            if (e.type == event_type::instrument_status) {
                const auto& b = e.body.status;
                const auto seen = listed.find(b.instrument.value());
                if (seen != listed.end() && seen->second == instrument_status::pre_open &&
                    b.status == instrument_status::closing) {
                    ++st.late_listings;
                }
                listed[b.instrument.value()] = b.status;
                if (b.status == instrument_status::settled) ++st.settled;
                if (b.status == instrument_status::closed && b.settlement.value() > 0) {
                    ++st.settlements_set;
                }
            }
        }
        // Instruments the model no longer lists were delisted by this command.
        if (mc.type == command_type::tick) {
            for (auto it = listed.begin(); it != listed.end();) {
                if (model.instruments().count(it->first) == 0) {
                    gen.delisted(instrument_id(it->first));
                    it = listed.erase(it);
                } else {
                    ++it;
                }
            }
        }
        st.max_live_orders = std::max(st.max_live_orders, ex.live_orders());
        st.market_time = gen.now() - start;
    }
    return {};
}

std::string summary(uint64_t seed, const run_stats& st) {
    std::ostringstream s;
    s << "[random] seed " << seed << ": " << st.commands << " commands, " << st.events
      << " events in " << st.seconds << " s ("
      << static_cast<long long>(static_cast<double>(st.commands) / std::max(st.seconds, 1e-9))
      << " commands/s), market time " << st.market_time / ns_per_hour << " h\n  events:";
    for (const auto& [t, n] : st.by_type) s << " " << event_name(t) << "=" << n;
    s << "\n  auction trades=" << st.auction_trades << " settled=" << st.settled
      << " closed with a settlement price=" << st.settlements_set
      << " listed too late to open=" << st.late_listings
      << " max live orders=" << st.max_live_orders << "\n  rejects:";
    for (const auto& [r, n] : st.rejects) s << " " << reject_code(r) << "=" << n;
    s << "\n  done:";
    for (const auto& [r, n] : st.done) s << " " << done_reason_name(r) << "=" << n;
    return s.str();
}

std::vector<uint64_t> seeds_to_run() {
    const char* env = std::getenv("CUX_RANDOM_SEED");
    if (env == nullptr || *env == 0) return {1, 2, 3, 4};
    std::vector<uint64_t> seeds;
    std::stringstream s(env);
    std::string part;
    while (std::getline(s, part, ',')) {
        if (!part.empty()) seeds.push_back(std::strtoull(part.c_str(), nullptr, 0));
    }
    return seeds.empty() ? std::vector<uint64_t>{1} : seeds;
}

std::size_t commands_per_seed() {
    const char* env = std::getenv("CUX_RANDOM_COMMANDS");
    if (env == nullptr || *env == 0) return default_commands;
    return static_cast<std::size_t>(std::strtoull(env, nullptr, 0));
}

class RandomModel : public ::testing::TestWithParam<uint64_t> {};

TEST_P(RandomModel, EngineMatchesModel) {
    const uint64_t seed = GetParam();
    run_stats st;
    const std::string failure = run_seed(seed, commands_per_seed(), st);
    std::printf("%s\n", summary(seed, st).c_str());
    EXPECT_TRUE(failure.empty()) << failure;
    // The stream must reach the whole lifecycle, or the comparison proves little.
    if (failure.empty() && commands_per_seed() >= 100'000) {
        EXPECT_GT(st.by_type[event_type::trade], 1000U);
        EXPECT_GT(st.auction_trades, 10U);
        EXPECT_GT(st.settled, 10U);
        EXPECT_GT(st.settlements_set, 10U);
    }
}

INSTANTIATE_TEST_SUITE_P(Seeds, RandomModel, ::testing::ValuesIn(seeds_to_run()),
                         [](const ::testing::TestParamInfo<uint64_t>& p) {
                             return "Seed" + std::to_string(p.param);
                         });

// The comparison itself must be able to fail: a changed field or a wrong order id is caught.
TEST(RandomModel, ComparisonCatchesDifferences) {
    id_map ids;
    id_map contract_ids;
    event_diff diff(ids, contract_ids);
    event a{};
    a.event_seq = 7;
    a.type = event_type::order_accepted;
    a.body.accepted.id = order_id(0x100000003ULL);
    event b = a;
    b.body.accepted.id = order_id(1);
    EXPECT_EQ(diff(a, b), "");  // binds engine 0x100000003 <-> model 1
    event t{};
    t.type = event_type::trade;
    t.body.trade.buy_order = order_id(0x100000003ULL);
    event u = t;
    u.body.trade.buy_order = order_id(1);
    EXPECT_EQ(diff(t, u), "");
    u.body.trade.buy_order = order_id(2);
    EXPECT_NE(diff(t, u), "");
    u.body.trade.buy_order = order_id(1);
    u.body.trade.energy = money_fen(1);
    EXPECT_NE(diff(t, u), "");
    event c = a;
    c.body.accepted.id = order_id(0x200000004ULL);
    event d = b;  // model id 1 again: already bound to another engine id
    EXPECT_NE(diff(c, d), "");
}

}  // namespace
}  // namespace cux::engine::test
