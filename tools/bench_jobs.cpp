// `cux bench jobs` (methodology in tools/bench_jobs.hpp).

#include "tools/bench_jobs.hpp"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "engine/exchange.hpp"
#include "engine/symbol.hpp"
#include "gateway/market_file.hpp"
#include "tools/bench_engine.hpp"
#include "tools/bench_machine.hpp"

namespace cux::tools::bench {

namespace {

namespace eng = cux::engine;
using steady = std::chrono::steady_clock;

// 2026-12-01T00:00:00Z; the clock stays one minute after it, so every listed hour trades.
constexpr eng::utc_ns start_ns = int64_t{1796083200} * eng::ns_per_s;
constexpr uint32_t vendors = 8;
constexpr uint32_t buyers = 4;
constexpr int levels = 8;
constexpr std::size_t events_reserved = std::size_t{1} << 16;

struct options {
    int64_t jobs = 2000;  // per run of 1-hour jobs; 24-hour runs do a quarter of that
    uint64_t seed = 1;
    std::string market;
    bool json = false;
};

struct run_spec {
    const char* name;
    int hours;
    bool split;
};

struct run_figures {
    latency_stats lat;  // wall time (steady_clock)
    latency_stats cpu;  // the thread's CPU time: without the time other processes took
    int64_t jobs = 0;
    int64_t filled = 0, partial = 0, unfilled = 0;
    int64_t candidates = 0, eligible = 0, trades = 0, events = 0;
};

// This thread's CPU time in ns: a job preempted by another process does not count it.
int64_t thread_cpu_ns() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// The engine with a sink that keeps the last command's events in a pre-reserved vector.
class bench_exchange final : public eng::event_sink {
public:
    explicit bench_exchange(const eng::market_config& m) : ex_(m, eng::exchange_config{}) {
        events_.reserve(events_reserved);
    }

    void on_event(const eng::event& e) override {
        if (events_.size() < events_.capacity()) {
            events_.push_back(e);
        } else {
            ++dropped_;  // never grow while timing
        }
    }

    const std::vector<eng::event>& apply(eng::command c) {
        c.seq = ex_.last_seq() + 1;
        c.ts = now_;
        events_.clear();
        ex_.apply(c, *this);
        return events_;
    }

    // Applies c and requires that it was not refused.
    void must(const eng::command& c, const char* what) {
        for (const eng::event& e : apply(c)) {
            if (e.type == eng::event_type::rejected) {
                throw std::runtime_error(std::string("bench jobs: ") + what +
                                         " refused: " + eng::reject_code(e.body.rejected.reason));
            }
        }
    }

    eng::exchange& ex() { return ex_; }
    void set_now(eng::utc_ns t) { now_ = t; }
    [[nodiscard]] uint64_t dropped() const { return dropped_; }

private:
    eng::exchange ex_;
    std::vector<eng::event> events_;
    eng::utc_ns now_ = start_ns;
    uint64_t dropped_ = 0;
};

eng::participant_id add(bench_exchange& b, const char* name, uint8_t roles) {
    eng::command c;
    c.type = eng::command_type::create_participant;
    c.body.create.roles = roles;
    std::strncpy(c.body.create.name, name, sizeof c.body.create.name - 1);
    for (const eng::event& e : b.apply(c)) {
        if (e.type == eng::event_type::participant_created) return e.body.created.participant;
    }
    throw std::runtime_error(std::string("bench jobs: could not create ") + name);
}

eng::command order(eng::participant_id p, eng::instrument_id inst, eng::side sd, int64_t price,
                   int64_t qty) {
    eng::command c;
    c.type = eng::command_type::place_order;
    c.actor = p;
    c.body.place.instrument = inst;
    c.body.place.sd = sd;
    c.body.place.type = eng::order_type::limit;
    c.body.place.tif = eng::time_in_force::gtc;
    c.body.place.origin_region = eng::origin_none;
    c.body.place.price = eng::price_fen(price);
    c.body.place.qty = eng::qty_devices(qty);
    return c;
}

struct market_setup {
    std::vector<eng::participant_id> vendor_ids, buyer_ids;
    eng::epoch_hour first_hour = 0;
    int64_t hours = 0;
    int64_t books = 0;
    int64_t orders = 0;
    double seconds = 0;
};

// Participants, money, capacity, the opening, then the books of every listed hour.
market_setup set_up(bench_exchange& b, std::mt19937_64& rng, progress& prog) {
    market_setup s;
    const eng::market_config& m = b.ex().market();
    const auto t_begin = steady::now();
    for (uint32_t i = 0; i < vendors; ++i) {
        s.vendor_ids.push_back(add(b, ("vendor" + std::to_string(i)).c_str(), eng::role_vendor));
    }
    for (uint32_t i = 0; i < buyers; ++i) {
        s.buyer_ids.push_back(add(b, ("buyer" + std::to_string(i)).c_str(), eng::role_buyer));
        eng::command d;
        d.type = eng::command_type::deposit;
        d.body.money.target = s.buyer_ids.back();
        d.body.money.amount = eng::money_fen(eng::limits::amount_fen_max);
        b.must(d, "deposit");
    }
    const eng::epoch_hour now_hour = start_ns / eng::ns_per_hour;
    for (const eng::participant_id v : s.vendor_ids) {
        for (std::size_t c = 0; c < m.chips.size(); ++c) {
            for (std::size_t r = 0; r < m.regions.size(); ++r) {
                eng::command cap;
                cap.type = eng::command_type::register_capacity;
                cap.actor = v;
                cap.body.capacity.chip = static_cast<uint8_t>(c);
                cap.body.capacity.region = static_cast<uint8_t>(r);
                cap.body.capacity.devices = eng::qty_devices(10'000'000);
                cap.body.capacity.from_hour = now_hour;
                cap.body.capacity.to_hour = now_hour + 72;
                b.must(cap, "capacity");
            }
        }
    }
    b.set_now(start_ns + (m.calendar.pre_open_s + 1) * eng::ns_per_s);
    eng::command tick;
    tick.type = eng::command_type::tick;
    b.must(tick, "tick");
    s.first_hour = (start_ns + m.calendar.gate_closure_s * eng::ns_per_s) / eng::ns_per_hour + 1;
    s.hours = m.calendar.hourly_slots;
    const auto uni = [&](int64_t lo, int64_t hi) {
        return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
    };
    prog.start("books");
    const int64_t total_books = static_cast<int64_t>(m.chips.size() * m.regions.size()) * s.hours;
    for (std::size_t c = 0; c < m.chips.size(); ++c) {
        const int64_t tick_fen = m.chips[c].tick.value();
        for (std::size_t r = 0; r < m.regions.size(); ++r) {
            for (int64_t k = 0; k < s.hours; ++k) {
                const eng::instrument_id id =
                    eng::pack({static_cast<uint8_t>(c), static_cast<uint8_t>(r), eng::tenor::hour,
                               s.first_hour + k});
                const eng::instrument_state* in = b.ex().instrument(id);
                if (in == nullptr || in->status != eng::instrument_status::open) {
                    throw std::runtime_error("bench jobs: an hourly book is not open");
                }
                // Per mille of the reference: the west 3% cheaper, +-2% by local hour, noise.
                const int64_t local = (s.first_hour + k + m.calendar.utc_offset_hours) % 24;
                const int64_t base_pm = 1000 - (m.regions[r].west ? 30 : 0) +
                                        (local >= 9 && local < 21 ? 20 : -20) + uni(-10, 10);
                const int64_t ref = in->reference.value();
                const auto at = [&](int64_t pm) {
                    return std::clamp((ref * pm / 1000) / tick_fen * tick_fen, in->band_low.value(),
                                      in->band_high.value());
                };
                const int64_t best_ask = at(base_pm);
                for (int j = 0; j < levels; ++j) {
                    const int64_t ask = at(base_pm + 4 * j);
                    const int64_t bid = at(base_pm - 10 - 4 * j);
                    for (int64_t n = uni(1, 3); n > 0; --n) {
                        b.must(order(s.vendor_ids[static_cast<std::size_t>(uni(0, vendors - 1))],
                                     id, eng::side::sell, ask, uni(1, 8)),
                               "ask");
                        ++s.orders;
                    }
                    if (bid < best_ask) {  // cheap chips' levels collapse: never cross
                        for (int64_t n = uni(1, 3); n > 0; --n) {
                            b.must(order(s.buyer_ids[static_cast<std::size_t>(uni(0, buyers - 1))],
                                         id, eng::side::buy, bid, uni(1, 8)),
                                   "bid");
                            ++s.orders;
                        }
                    }
                }
                ++s.books;
                prog.update(static_cast<uint64_t>(s.books), static_cast<uint64_t>(total_books));
            }
        }
    }
    prog.finish();
    s.seconds = std::chrono::duration<double>(steady::now() - t_begin).count();
    return s;
}

// A job drawn like a real one (see bench_jobs.hpp).
eng::command draw_job(const eng::market_config& m, const market_setup& s, const run_spec& run,
                      std::mt19937_64& rng) {
    const auto uni = [&](int64_t lo, int64_t hi) {
        return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
    };
    using family = std::array<const char*, 5>;  // chip ids, nullptr-terminated
    const auto mask_of = [&](const family& ids) {
        uint32_t mask = 0;
        for (const char* id : ids) {
            if (id == nullptr) break;
            const int i = m.chip_index(id);
            if (i >= 0) mask |= 1U << i;
        }
        return mask;
    };
    eng::command c;
    c.type = eng::command_type::place_job;
    c.actor = s.buyer_ids[static_cast<std::size_t>(uni(0, buyers - 1))];
    eng::job_body& b = c.body.job;
    const int64_t kind = uni(0, 9);
    b.size = static_cast<int32_t>(uni(1, 16));
    if (kind < 4) {
        static constexpr std::array<family, 5> families = {{{"h100", "h800"},
                                                            {"a100", "a800", "910b"},
                                                            {"910b", "910c"},
                                                            {"h20", "l20"},
                                                            {"rtx4090"}}};
        b.chips = mask_of(families[static_cast<std::size_t>(uni(0, 4))]);
        b.max_price_fen = static_cast<int32_t>(uni(500, 2500));
    } else if (kind < 7) {
        b.chips = 0;
        b.min_dense_gflops = 300'000;
        b.min_memory_gb = 64;
        b.max_price_fen = static_cast<int32_t>(uni(800, 2500));
    } else {
        b.chips = mask_of(family{"h100", "h800", "a100", "910b", "910c"});
        b.flags |= eng::job_flag_pflops;
        b.size = static_cast<int32_t>(uni(1, 20) * 1000);
        b.max_price_fen = static_cast<int32_t>(uni(1000, 3000));  // per PFLOPS-hour
    }
    b.hours = static_cast<uint8_t>(run.hours);
    b.start_hour = static_cast<uint32_t>(s.first_hour + uni(0, s.hours - run.hours));
    b.origin_region = static_cast<uint8_t>(uni(0, static_cast<int64_t>(m.regions.size()) - 1));
    const int64_t data = uni(0, 9);
    b.data_gb = static_cast<uint32_t>(data < 3 ? 0 : data < 7 ? uni(1, 500) : uni(500, 5000));
    const int64_t rtt = uni(0, 19);
    b.max_rtt_us = rtt < 12 ? 0U : rtt < 17 ? 30'000U : 5'000U;
    if (uni(0, 4) == 0) {
        b.regions = static_cast<uint32_t>(uni(1, (int64_t{1} << m.regions.size()) - 1));
    }
    if (uni(0, 4) == 0) b.min_green_milli = 400;
    b.tif = uni(0, 4) == 0 ? eng::time_in_force::fok : eng::time_in_force::ioc;
    if (run.split) b.flags |= eng::job_flag_split;
    std::snprintf(b.client_order_id, sizeof b.client_order_id, "bench-%llu",
                  static_cast<unsigned long long>(rng() % 1'000'000));
    return c;
}

struct bought {
    eng::order_id sell_order;
    eng::participant_id seller;
    eng::instrument_id instrument;
    int64_t price;
    int64_t qty;  // of the trade; of the whole ask once it is used up
};

run_figures run_jobs(bench_exchange& b, const market_setup& s, const run_spec& run, int64_t n,
                     std::mt19937_64& rng, progress& prog) {
    const eng::market_config& m = b.ex().market();
    run_figures f;
    std::vector<uint32_t> ns;
    ns.reserve(static_cast<std::size_t>(n));
    std::vector<uint32_t> cpu;
    cpu.reserve(static_cast<std::size_t>(n));
    std::vector<bought> sold;  // the job's trades
    sold.reserve(events_reserved);
    std::vector<bought> refill;  // the asks it used up, to put back whole
    refill.reserve(events_reserved);
    const int64_t warm = std::max<int64_t>(1, n / 10);
    prog.start(run.name);
    for (int64_t i = 0; i < warm + n; ++i) {
        const eng::command c = draw_job(m, s, run, rng);
        const int64_t c0 = thread_cpu_ns();
        const auto t0 = steady::now();
        const std::vector<eng::event>& evs = b.apply(c);
        const auto t1 = steady::now();
        const int64_t c1 = thread_cpu_ns();
        sold.clear();
        refill.clear();
        const bool timed = i >= warm;
        for (const eng::event& e : evs) {
            if (e.type == eng::event_type::trade) {
                const eng::trade_body& t = e.body.trade;
                sold.push_back(
                    {t.sell_order, t.seller, t.instrument, t.price.value(), t.qty.value()});
            } else if (e.type == eng::event_type::order_done &&
                       e.body.done.reason == eng::done_reason::filled &&
                       e.body.done.sd == eng::side::sell) {
                // An ask used up: put it back whole (an ask partly bought keeps its rest), so
                // the books keep their depth and their number of orders.
                for (const bought& t : sold) {
                    if (t.sell_order == e.body.done.id) {
                        bought r = t;
                        r.qty = e.body.done.filled.value();
                        refill.push_back(r);
                        break;
                    }
                }
            }
            if (!timed) continue;
            if (e.type == eng::event_type::job_candidate) {
                ++f.candidates;
                f.eligible += e.body.candidate.rank != 0 ? 1 : 0;
            } else if (e.type == eng::event_type::job_done) {
                const eng::job_status st = e.body.job.status;
                f.filled += st == eng::job_status::filled ? 1 : 0;
                f.partial += st == eng::job_status::partial ? 1 : 0;
                f.unfilled += st == eng::job_status::unfilled ? 1 : 0;
            } else if (e.type == eng::event_type::rejected) {
                throw std::runtime_error(std::string("bench jobs: a job was refused: ") +
                                         eng::reject_code(e.body.rejected.reason));
            }
        }
        if (timed) {
            const auto d = std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
            ns.push_back(static_cast<uint32_t>(std::min<int64_t>(d, UINT32_MAX)));
            cpu.push_back(static_cast<uint32_t>(std::min<int64_t>(c1 - c0, UINT32_MAX)));
            f.trades += static_cast<int64_t>(sold.size());
            f.events += static_cast<int64_t>(evs.size());
            ++f.jobs;
        }
        for (const bought& r : refill) {
            b.must(order(r.seller, r.instrument, eng::side::sell, r.price, r.qty), "refill");
        }
        prog.update(static_cast<uint64_t>(i + 1), static_cast<uint64_t>(warm + n));
    }
    prog.finish();
    f.lat = summarize(ns, clock_info{false, 1.0, 0});
    f.cpu = summarize(cpu, clock_info{false, 1.0, 0});
    return f;
}

int usage() {
    std::fprintf(stderr,
                 "usage: cux bench jobs [--jobs N] [--seed S] [--market FILE] [--json]\n"
                 "       N 1-hour jobs per run (default 2000; 24-hour runs do N/4)\n");
    return 2;
}

}  // namespace

int cmd_bench_jobs(int argc, char** argv, const std::string& market_file) {
    options o;
    o.market = market_file;
    for (int i = 2; i < argc; ++i) {
        const std::string_view a = argv[i];
        const bool has_value = i + 1 < argc;
        if (a == "--jobs" && has_value) {
            o.jobs = std::atoll(argv[++i]);
            if (o.jobs < 10 || o.jobs > 10'000'000) return usage();
        } else if (a == "--seed" && has_value) {
            o.seed = std::strtoull(argv[++i], nullptr, 10);
        } else if (a == "--market" && has_value) {
            o.market = argv[++i];
        } else if (a == "--json") {
            o.json = true;
        } else {
            return usage();
        }
    }
    const eng::market_config m = gateway::load_market_file(o.market);
    const std::string load_before = load_average();
    progress prog;
    bench_exchange b(m);
    std::mt19937_64 rng(o.seed);
    const market_setup s = set_up(b, rng, prog);
    const std::array<run_spec, 4> runs = {
        {{"1 h", 1, false}, {"1 h split", 1, true}, {"24 h", 24, false}, {"24 h split", 24, true}}};
    std::array<run_figures, 4> figs;
    for (std::size_t i = 0; i < runs.size(); ++i) {
        figs[i] = run_jobs(b, s, runs[i], runs[i].hours == 1 ? o.jobs : o.jobs / 4, rng, prog);
    }
    const std::string load_after = load_average();

    std::printf("cux bench jobs: %s, %zu chips x %zu regions, %lld hourly slots; seed %llu\n",
                o.market.c_str(), m.chips.size(), m.regions.size(), static_cast<long long>(s.hours),
                static_cast<unsigned long long>(o.seed));
    std::printf("machine    %s; load %s before, %s after\n", machine_summary().c_str(),
                load_before.c_str(), load_after.c_str());
    std::printf(
        "books      %lld hourly books, %lld resting orders (%d ask and %d bid levels, 1-3 "
        "orders of 1-8 devices each), set up in %.1f s; peak RSS %.0f MiB\n",
        static_cast<long long>(s.books), static_cast<long long>(s.orders), levels, levels,
        s.seconds, static_cast<double>(peak_rss_kib()) / 1024.0);
    std::printf(
        "latency    per job order (exchange::apply), us: wall time (steady_clock), then the\n"
        "           thread's CPU time (CLOCK_THREAD_CPUTIME_ID: without preemption by other "
        "processes)\n");
    std::printf("             %-11s %7s %8s %8s %8s %8s %8s  %6s %7s %8s %6s %6s %7s\n", "run",
                "jobs", "p50", "p99", "p99.9", "max", "mean", "filled", "partial", "unfilled",
                "cands", "elig", "trades");
    for (std::size_t i = 0; i < runs.size(); ++i) {
        const run_figures& f = figs[i];
        const double per = f.jobs > 0 ? 1.0 / static_cast<double>(f.jobs) : 0;

        std::printf(
            "             %-11s %7lld %8.1f %8.1f %8.1f %8.1f %8.1f  %6lld %7lld %8lld %6.1f "
            "%6.1f %7.1f\n",
            runs[i].name, static_cast<long long>(f.jobs), f.lat.p50_ns / 1e3, f.lat.p99_ns / 1e3,
            f.lat.p999_ns / 1e3, f.lat.max_ns / 1e3, f.lat.mean_ns / 1e3,
            static_cast<long long>(f.filled), static_cast<long long>(f.partial),
            static_cast<long long>(f.unfilled), static_cast<double>(f.candidates) * per,
            static_cast<double>(f.eligible) * per, static_cast<double>(f.trades) * per);
        std::printf("             %-11s %7s %8.1f %8.1f %8.1f %8.1f %8.1f  (CPU time)\n", "", "",
                    f.cpu.p50_ns / 1e3, f.cpu.p99_ns / 1e3, f.cpu.p999_ns / 1e3, f.cpu.max_ns / 1e3,
                    f.cpu.mean_ns / 1e3);
    }
    if (b.dropped() != 0) {
        std::printf("warning    %llu events did not fit the reserved vector\n",
                    static_cast<unsigned long long>(b.dropped()));
    }
    const auto verdict = [](bool ok) { return ok ? "met" : "NOT met"; };
    for (const bool cpu : {false, true}) {
        const auto p99 = [&](std::size_t i) {
            return (cpu ? figs[i].cpu.p99_ns : figs[i].lat.p99_ns) / 1e3;
        };
        std::printf(
            "goal       %s: 1 h p99 <= 50 us: %s (%.1f, split %.1f); 24 h p99 <= 500 us: %s "
            "(%.1f, split %.1f)\n",
            cpu ? "CPU time " : "wall time", verdict(p99(0) <= 50 && p99(1) <= 50), p99(0), p99(1),
            verdict(p99(2) <= 500 && p99(3) <= 500), p99(2), p99(3));
    }
    if (o.json) {
        std::string j = "{\"bench\":\"jobs\",\"load_before\":\"" + load_before +
                        "\",\"load_after\":\"" + load_after + "\",\"runs\":[";
        for (std::size_t i = 0; i < runs.size(); ++i) {
            char buf[256];
            std::snprintf(buf, sizeof buf,
                          "%s{\"run\":\"%s\",\"jobs\":%lld,\"p50_us\":%.1f,\"p99_us\":%.1f,"
                          "\"p999_us\":%.1f,\"max_us\":%.1f,\"mean_us\":%.1f,"
                          "\"cpu_p50_us\":%.1f,\"cpu_p99_us\":%.1f}",
                          i == 0 ? "" : ",", runs[i].name, static_cast<long long>(figs[i].jobs),
                          figs[i].lat.p50_ns / 1e3, figs[i].lat.p99_ns / 1e3,
                          figs[i].lat.p999_ns / 1e3, figs[i].lat.max_ns / 1e3,
                          figs[i].lat.mean_ns / 1e3, figs[i].cpu.p50_ns / 1e3,
                          figs[i].cpu.p99_ns / 1e3);
            j += buf;
        }
        j += "]}";
        std::printf("%s\n", j.c_str());
    }
    return 0;
}

}  // namespace cux::tools::bench
