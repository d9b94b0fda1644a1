// Randomized job orders against a brute force. Random asks (several sellers, a buyer that also
// sells, four hours, three chips, two regions, a time-of-use tariff) and random jobs (chip sets
// or minimums, devices or PFLOPS, 1-4 hours, origins, data, latency, residency and green
// limits, prices, ioc/fok, split, dry runs, thin funds). For every job a brute force written
// from the rules alone - the asks the test placed, sorted by price and time, walked one by one;
// energy from the chip's watts, the region's PUE and the local hour's tariff; network from the
// link tariff - prices every chip x region and decides the route. The test checks:
//  - every line of the engine's report equals the brute force's (reason, detail, devices and
//    each cost), and so does the outcome (status, reason, totals);
//  - the candidate bought first is never dearer per unit than any eligible alternative;
//  - the trades cost exactly the report's totals; a job that bought nothing (refused, no
//    route, thin funds, dry run) left the state as it was (content hash);
//  - the engine's invariants hold after every command (the harness checks them; held funds,
//    reserved capacity, no negative balance, escrow = open contracts).
// CUX_RANDOM_SEED=<n> runs that seed (in each per-seed test); a failure prints its seed.

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "tests/engine/job_harness.hpp"

namespace cux::engine::test {
namespace {

market_config random_job_market() {
    market_config m = job_market();
    for (std::size_t h = 0; h < 24; ++h) {
        m.regions[0].tariff_mcny_kwh[h] = h < 8 ? 310 : (h >= 17 && h < 21) ? 1120 : 692;
        m.regions[1].tariff_mcny_kwh[h] = h >= 9 && h < 17 ? 177 : 393;
    }
    return m;
}

struct placed {
    order_id id;
    instrument_id instrument;
    int64_t price;
    participant_id owner;
    std::size_t seq;
};

// The brute force's view of one candidate.
struct bf_line {
    uint8_t chip = 0, region = 0;
    job_exclusion why = job_exclusion::none;
    int64_t detail = 0, need = 0, devices = 0, covered = 0;
    int64_t compute = 0, energy = 0, network = 0, fees = 0, unit = 0;
    int64_t network_all = 0;
    uint16_t rank = 0;
    int64_t taken = 0, taken_cost = 0;
    int64_t total() const { return compute + energy + network + fees; }
};

class brute_force {
public:
    brute_force(const exchange& ex, const std::vector<placed>& asks, const job_body& b,
                participant_id buyer)
        : ex_(ex), m_(ex.market()), asks_(asks), b_(b), buyer_(buyer) {}

    // Fills one hour of (chip, region): how many devices and at what compute and fee.
    struct hour_fill {
        int64_t got = 0, compute = 0, fees = 0;
    };
    hour_fill fill(uint8_t chip, uint8_t region, int64_t hour, int64_t want) const {
        const instrument_id inst = pack({chip, region, tenor::hour, int64_t{b_.start_hour} + hour});
        std::vector<const placed*> book;
        for (const placed& p : asks_) {
            if (p.instrument == inst && ex_.find_order(p.id) != nullptr) book.push_back(&p);
        }
        std::sort(book.begin(), book.end(), [](const placed* a, const placed* b) {
            return a->price != b->price ? a->price < b->price : a->seq < b->seq;
        });
        hour_fill f;
        for (const placed* p : book) {
            if (f.got == want || p->owner == buyer_) break;
            const int64_t q = std::min(want - f.got, ex_.find_order(p->id)->remaining.value());
            f.got += q;
            f.compute += p->price * q;
            f.fees += p->price * q * m_.taker_fee_bps / 10000;
        }
        return f;
    }

    int64_t energy(uint8_t chip, uint8_t region, int64_t hour, int64_t devices) const {
        const int64_t local = (int64_t{b_.start_hour} + hour + 8) % 24;
        const int64_t units = m_.chips[chip].power_w * m_.regions[region].pue_milli *
                              m_.regions[region].tariff_mcny_kwh[static_cast<std::size_t>(local)];
        return (units * devices + 5'000'000) / 10'000'000;
    }

    bool pflops() const { return (b_.flags & job_flag_pflops) != 0; }
    int64_t units() const { return pflops() ? int64_t{b_.size} * 1000 : b_.size; }
    int128 unit_hours(int64_t covered) const { return static_cast<int128>(covered) * b_.hours; }
    int64_t per_unit(int64_t cost, int64_t covered) const {
        const int128 den = unit_hours(covered);
        const int128 num = static_cast<int128>(cost) * (pflops() ? 1'000'000 : 1);
        return static_cast<int64_t>((num + den / 2) / den);
    }
    bool within(int64_t cost, int64_t covered) const {
        return static_cast<int128>(cost) * (pflops() ? 1'000'000 : 1) <=
               static_cast<int128>(b_.max_price_fen) * unit_hours(covered);
    }
    int64_t cover(uint8_t chip, int64_t devices, int64_t left) const {
        return std::min(pflops() ? devices * m_.chips[chip].dense_gflops : devices, left);
    }
    int64_t share(int64_t all, int64_t covered) const {
        return covered == units()
                   ? all
                   : static_cast<int64_t>(static_cast<int128>(all) * covered / units());
    }
    // compute, energy, fees of `devices` over every hour (they must fill).
    void price(bf_line& l, int64_t devices) const {
        l.compute = l.energy = l.fees = 0;
        for (int64_t h = 0; h < b_.hours; ++h) {
            const hour_fill f = fill(l.chip, l.region, h, devices);
            EXPECT_EQ(f.got, devices);
            l.compute += f.compute;
            l.fees += f.fees;
            l.energy += energy(l.chip, l.region, h, devices);
        }
    }

    std::vector<bf_line> lines;
    std::vector<std::size_t> ranked;
    reject_reason why = reject_reason::none;
    int64_t left_ = 0, total_ = 0, bought_ = 0;  // after run()

    void run(int64_t available) {
        const bool split = (b_.flags & job_flag_split) != 0;
        for (std::size_t c = 0; c < m_.chips.size(); ++c) {
            if (b_.chips != 0 && (b_.chips & (1U << c)) == 0) continue;
            const chip_spec& chip = m_.chips[c];
            for (std::size_t r = 0; r < m_.regions.size(); ++r) {
                bf_line l;
                l.chip = static_cast<uint8_t>(c);
                l.region = static_cast<uint8_t>(r);
                l.need = pflops() ? (units() + chip.dense_gflops - 1) / chip.dense_gflops : b_.size;
                const link_spec& link = m_.link(b_.origin_region, r);
                if (chip.dense_gflops < b_.min_dense_gflops) {
                    l.why = job_exclusion::tflops;
                    l.detail = chip.dense_gflops;
                } else if (chip.memory_gb < b_.min_memory_gb) {
                    l.why = job_exclusion::memory;
                    l.detail = chip.memory_gb;
                } else if (l.need > limits::qty_per_order_max) {
                    l.why = job_exclusion::too_many_devices;
                    l.detail = l.need;
                } else if (b_.regions != 0 && (b_.regions & (1U << r)) == 0) {
                    l.why = job_exclusion::region_not_allowed;
                } else if (b_.max_rtt_us != 0 && link.rtt_us > b_.max_rtt_us) {
                    l.why = job_exclusion::latency;
                    l.detail = link.rtt_us;
                } else if (m_.regions[r].green_share_milli < b_.min_green_milli) {
                    l.why = job_exclusion::green_share;
                    l.detail = m_.regions[r].green_share_milli;
                } else {
                    decide(l, split);
                }
                lines.push_back(l);
            }
        }
        for (std::size_t i = 0; i < lines.size(); ++i) {
            if (lines[i].why == job_exclusion::none) ranked.push_back(i);
        }
        std::stable_sort(ranked.begin(), ranked.end(), [&](std::size_t a, std::size_t b) {
            return static_cast<int128>(lines[a].total()) * lines[b].covered <
                   static_cast<int128>(lines[b].total()) * lines[a].covered;
        });
        for (std::size_t i = 0; i < ranked.size(); ++i)
            lines[ranked[i]].rank = static_cast<uint16_t>(i + 1);
        left_ = units();
        for (const std::size_t i : ranked) {
            if (left_ == 0) break;
            bf_line& l = lines[i];
            const int64_t g = m_.chips[l.chip].dense_gflops;
            const int64_t want = std::min(l.devices, pflops() ? (left_ + g - 1) / g : left_);
            const int64_t cov = cover(l.chip, want, left_);
            int64_t cost = l.total();
            if (want != l.devices || cov != l.covered) {
                bf_line part = l;
                price(part, want);
                part.network = share(l.network_all, cov);
                cost = part.total();
                if (!within(cost, cov)) cost = -1;
            }
            if (cost >= 0) {
                l.taken = want;
                l.taken_cost = cost;
                left_ -= cov;
                total_ += cost;
                bought_ += want;
            }
            if (!split) break;
        }
        if (bought_ == 0 || (left_ > 0 && b_.tif == time_in_force::fok)) {
            why = reject_reason::no_route;
        } else if (available < total_) {
            why = reject_reason::insufficient_funds;
        }
        if (why != reject_reason::none) {
            for (bf_line& l : lines) l.taken = l.taken_cost = 0;
            left_ = units();
            total_ = bought_ = 0;
        }
    }

private:
    void decide(bf_line& l, bool split) const {
        int64_t min_fill = l.need;
        int64_t short_hour = -1;
        for (int64_t h = 0; h < b_.hours; ++h) {
            const int64_t got = fill(l.chip, l.region, h, l.need).got;
            if (got < min_fill) {
                min_fill = got;
                short_hour = h;
            }
            if (!split && got < l.need) break;
            if (got == 0) break;
        }
        if (min_fill == 0 || (!split && min_fill < l.need)) {
            l.why = job_exclusion::no_liquidity;
            l.detail = short_hour;
            return;
        }
        l.devices = min_fill;
        price(l, l.devices);
        l.covered = cover(l.chip, l.devices, units());
        l.network_all =
            b_.origin_region == l.region
                ? 0
                : (int64_t{b_.data_gb} * m_.link(b_.origin_region, l.region).tariff_mcny_gb + 5) /
                      10;
        l.network = share(l.network_all, l.covered);
        l.unit = per_unit(l.total(), l.covered);
        if (!within(l.total(), l.covered)) {
            l.why = job_exclusion::over_max_price;
            l.detail = l.unit;
        }
    }

    const exchange& ex_;
    const market_config& m_;
    const std::vector<placed>& asks_;
    const job_body& b_;
    participant_id buyer_;
};

std::string run_seed(uint64_t seed, int rounds) {
    harness h(random_job_market());
    std::mt19937_64 rng(seed);
    const auto uni = [&](int64_t lo, int64_t hi) {
        return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
    };
    std::vector<participant_id> sellers = {h.add("s1", role_vendor), h.add("s2", role_vendor)};
    const participant_id trader = h.add("trader", role_vendor | role_buyer);
    sellers.push_back(trader);
    const participant_id rich = h.add("rich", role_buyer);
    const participant_id thin = h.add("thin", role_buyer);
    h.deposit(rich, 1'000'000'000);
    h.deposit(trader, 1'000'000'000);
    for (const participant_id s : sellers) {
        for (uint8_t c = 0; c < 3; ++c) {
            for (uint8_t r = 0; r < 2; ++r) h.capacity(s, c, r, 1'000'000, h0, h0 + 24);
        }
    }
    h.tick_at(t0 + 61 * ns_per_s);
    std::vector<placed> asks;
    const int64_t typical[3] = {1200, 12, 600};
    std::map<job_exclusion, int> seen;
    std::map<job_status, int> status;
    std::map<reject_reason, int> reasons;
    int filled = 0;
    int multi = 0;  // jobs bought from more than one candidate
    for (int round = 0; round < rounds; ++round) {
        for (int64_t n = uni(2, 8); n > 0; --n) {
            const auto chip = static_cast<uint8_t>(uni(0, 2));
            const auto region = static_cast<uint8_t>(uni(0, 1));
            const int64_t hour = uni(1, 4);
            const int64_t price = typical[chip] * uni(80, 125) / 100;
            const participant_id who =
                sellers[static_cast<std::size_t>(uni(0, 9) == 0 ? 2 : uni(0, 1))];
            const auto evs =
                h.place(who, hourly(chip, region, hour), side::sell, price, uni(1, 12));
            if (rejection(evs) != reject_reason::none) return "ask refused";
            asks.push_back({accepted_id(evs), hourly(chip, region, hour), price, who, asks.size()});
        }
        job_spec s;
        s.chips = static_cast<uint32_t>(uni(0, 7));
        s.pflops = uni(0, 9) < 3;
        s.split = uni(0, 1) == 0;
        // Split jobs are larger, so that one candidate is often not enough.
        const int64_t scale = s.split ? 3 : 1;
        s.size = static_cast<int32_t>(s.pflops ? uni(100, 8000) * scale : uni(1, 14) * scale);
        s.hours = static_cast<int>(uni(1, 4));
        s.start = h0 + uni(1, 5 - s.hours);
        s.origin = static_cast<uint8_t>(uni(0, 1));
        s.data_gb = static_cast<uint32_t>(uni(0, 3) == 0 ? 0 : uni(1, 5000));
        // Constraints now and then, each excluding some or all candidates.
        s.max_rtt_us =
            static_cast<uint32_t>(std::array<int64_t, 5>{0, 0, 0, 5000, 50000}[uni(0, 4)]);
        s.min_green_milli = static_cast<uint16_t>(
            std::array<int64_t, 10>{0, 0, 0, 0, 0, 0, 0, 0, 250, 300}[uni(0, 9)]);
        s.min_memory_gb = static_cast<uint16_t>(uni(0, 4) == 0 ? 64 : 0);
        s.min_gflops = static_cast<uint32_t>(uni(0, 4) == 0 ? 300000 : 0);
        s.regions = static_cast<uint32_t>(uni(0, 1) == 0 ? 0 : uni(1, 3));
        s.max_price = static_cast<int32_t>(s.pflops ? uni(800, 3000) : uni(10, 2500));
        s.tif = uni(0, 1) == 0 ? time_in_force::ioc : time_in_force::fok;
        s.dry_run = uni(0, 6) == 0;
        const int pick = static_cast<int>(uni(0, 9));
        const participant_id buyer = pick < 6 ? rich : pick < 8 ? trader : thin;
        // The thin buyer gets a little money at a time: sometimes enough, often not.
        if (buyer == thin && h.ex.participant(thin)->available.value() < 5000) {
            h.deposit(thin, uni(1, 5000));
        }
        const command c = job_cmd(buyer, s);

        brute_force bf(h.ex, asks, c.body.job, buyer);
        bf.run(h.ex.participant(buyer)->available.value());
        const uint64_t before = h.ex.content_hash();
        const auto evs = h.run(c);
        const std::string at = "seed " + std::to_string(seed) + " round " + std::to_string(round);
        if (rejection(evs) != reject_reason::none) return at + ": job refused";
        const auto lines = candidates_of(evs);
        if (lines.size() != bf.lines.size()) return at + ": report size";
        for (const bf_line& l : bf.lines) {
            const job_candidate_body e = candidate_of(evs, l.chip, l.region);
            const bool same = e.exclusion == l.why && e.detail == l.detail &&
                              e.need.value() == l.need && e.devices.value() == l.devices &&
                              e.compute.value() == l.compute && e.energy.value() == l.energy &&
                              e.network.value() == l.network && e.fees.value() == l.fees &&
                              e.unit_price_fen == l.unit && e.rank == l.rank &&
                              e.taken.value() == l.taken && e.taken_cost.value() == l.taken_cost;
            if (!same) {
                return at + ": chip " + std::to_string(l.chip) + " region " +
                       std::to_string(l.region) + " engine " + job_exclusion_name(e.exclusion) +
                       " total " + std::to_string(total_of(e)) + " taken " +
                       std::to_string(e.taken.value()) + ", brute force " +
                       job_exclusion_name(l.why) + " total " + std::to_string(l.total()) +
                       " taken " + std::to_string(l.taken);
            }
            ++seen[l.why];
        }
        // The engine's first choice is never dearer per unit than any eligible alternative the
        // brute force found (its covered units recomputed from the devices it reports).
        for (const job_candidate_body& e : lines) {
            if (e.taken.value() == 0 || e.rank != 1) continue;
            const int64_t cov = bf.cover(e.chip, e.devices.value(), bf.units());
            for (const bf_line& l : bf.lines) {
                if (l.why == job_exclusion::none && static_cast<int128>(total_of(e)) * l.covered >
                                                        static_cast<int128>(l.total()) * cov) {
                    return at + ": the chosen candidate is dearer than an eligible one";
                }
            }
        }
        const job_done_body d = job_done_of(evs);
        const trade_sums t = trades_of(evs);
        const int64_t reported =
            d.compute.value() + d.energy.value() + d.network.value() + d.fees.value();
        if (d.reason != bf.why || reported != bf.total_ || d.devices.value() != bf.bought_) {
            return at + ": outcome differs: engine " + reject_code(d.reason) + " " +
                   std::to_string(reported) + ", brute force " + reject_code(bf.why) + " " +
                   std::to_string(bf.total_);
        }
        ++status[d.status];
        ++reasons[d.reason];
        int parts = 0;
        for (const job_candidate_body& e : lines) parts += e.taken.value() > 0 ? 1 : 0;
        multi += parts > 1 ? 1 : 0;
        const bool bought = d.reason == reject_reason::none && !s.dry_run;
        if (bought) {
            ++filled;
            if (t.total() != reported || t.qty != bf.bought_ * s.hours)
                return at + ": trades differ";
        } else if (!of_type(evs, event_type::trade).empty() || h.ex.content_hash() != before) {
            return at + ": a job that bought nothing changed the state";
        }
        // Keep the books to a few hundred asks: cancel the oldest beyond that.
        for (const placed& p : asks) {
            if (h.ex.live_orders() <= 150) break;
            if (h.ex.find_order(p.id) != nullptr) h.cancel(p.owner, p.id);
        }
    }
    std::printf(
        "seed %llu: %d jobs; filled %d, partial %d, unfilled %d (no route %d, funds %d); "
        "bought %d, from several candidates %d; live asks %zu\n",
        static_cast<unsigned long long>(seed), rounds, status[job_status::filled],
        status[job_status::partial], status[job_status::unfilled], reasons[reject_reason::no_route],
        reasons[reject_reason::insufficient_funds], filled, multi, h.ex.live_orders());
    if (filled < rounds / 10) return "seed " + std::to_string(seed) + ": too few jobs filled";
    if (status[job_status::partial] == 0 || multi == 0 ||
        reasons[reject_reason::insufficient_funds] == 0) {
        return "seed " + std::to_string(seed) + ": the stream missed partial, split or thin funds";
    }
    for (const job_exclusion x :
         {job_exclusion::none, job_exclusion::no_liquidity, job_exclusion::over_max_price,
          job_exclusion::latency, job_exclusion::green_share, job_exclusion::region_not_allowed}) {
        if (seen[x] == 0)
            return "seed " + std::to_string(seed) + ": never saw " + job_exclusion_name(x);
    }
    return {};
}

// One test per seed, so ctest runs them side by side (a second each in release, tens of seconds
// under ASan). CUX_RANDOM_SEED replaces the seed of every one of them.
class JobRandom : public ::testing::TestWithParam<uint64_t> {};

TEST_P(JobRandom, RoutesMatchABruteForceAndLeaveTheEngineConsistent) {
    uint64_t seed = GetParam();
    if (const char* env = std::getenv("CUX_RANDOM_SEED")) seed = std::strtoull(env, nullptr, 10);
    const std::string failure = run_seed(seed, 400);
    ASSERT_EQ(failure, "") << "reproduce with CUX_RANDOM_SEED=" << seed;
}

INSTANTIATE_TEST_SUITE_P(Seeds, JobRandom, ::testing::Values(1, 2, 3, 4));

}  // namespace
}  // namespace cux::engine::test
