// The engine benchmark's workload generator, clocks and drivers (see tools/cmd_bench.cpp for the
// methodology). The generator runs a small model of a price-time book so that it knows, before
// anything is timed, which orders are live (for cancels) and how much an IOC must ask for to
// sweep exactly k resting orders; every driver is then checked against the model's totals.

#include "tools/bench_engine.hpp"

#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#include "engine/book.hpp"
#include "engine/exchange.hpp"
#include "engine/journal.hpp"
#include "engine/market.hpp"
#include "engine/order_pool.hpp"
#include "engine/ring.hpp"
#include "engine/symbol.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define CUX_BENCH_TSC 1
#endif

namespace cux::tools::bench {

namespace eng = cux::engine;
using steady = std::chrono::steady_clock;

namespace {

double seconds_between(steady::time_point a, steady::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}

uint32_t sat32(uint64_t v) { return v > 0xffffffffULL ? 0xffffffffU : static_cast<uint32_t>(v); }

// xoshiro256** seeded through splitmix64: the same stream for the same seed on every platform.
class rng {
public:
    explicit rng(uint64_t seed) {
        for (uint64_t& s : s_) s = splitmix(seed);
    }
    uint64_t next() {
        const uint64_t out = rotl(s_[1] * 5, 7) * 9;
        const uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return out;
    }
    // Uniform in [0, n), n > 0 (Lemire's multiply-shift; the bias is below 2^-40 here).
    uint64_t below(uint64_t n) {
        __extension__ using u128 = unsigned __int128;
        return static_cast<uint64_t>((u128{next()} * n) >> 64);
    }

private:
    static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    static uint64_t splitmix(uint64_t& x) {
        uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    uint64_t s_[4];
};

int64_t price_at(bool buy, int64_t level) {
    return buy ? mid_price_fen - 1 - level : mid_price_fen + 1 + level;
}

// ---- the generator's book model --------------------------------------------------------------

// Price-time FIFOs per level with lazy deletion: a cancelled order stays in its level's queue
// (with rem 0) until it reaches the head or the queue is compacted.
class book_model {
public:
    book_model(int64_t levels, std::size_t handles_max)
        : rem_(handles_max, 0), pos_(handles_max, 0), where_(handles_max, 0) {
        for (auto* s : {&bids_, &asks_}) s->resize(static_cast<std::size_t>(levels));
        live_.reserve(handles_max);
    }

    [[nodiscard]] int64_t live() const { return static_cast<int64_t>(live_.size()); }
    [[nodiscard]] bool is_buy(uint32_t h) const { return (where_[h] & buy_bit) != 0; }

    void add(uint32_t h, bool buy, int64_t level, int64_t qty) {
        rem_[h] = static_cast<int32_t>(qty);
        where_[h] = static_cast<uint16_t>(level | (buy ? buy_bit : 0));
        level_q& l = level_of(h);
        l.q.push_back(h);
        ++l.live;
        pos_[h] = static_cast<uint32_t>(live_.size());
        live_.push_back(h);
    }

    [[nodiscard]] uint32_t random_live(rng& r) const {
        return live_[static_cast<std::size_t>(r.below(live_.size()))];
    }

    void cancel(uint32_t h) {
        level_q& l = level_of(h);
        drop(h);
        // Keep queues from filling up with cancelled entries far from the head.
        if (l.q.size() - l.head > 2 * static_cast<std::size_t>(l.live) + 64) {
            std::erase_if(l.q, [this](uint32_t x) { return rem_[x] == 0; });
            l.head = 0;
        }
    }

    // An IOC on side `buy` that sweeps k resting orders of the other side: the first k-1 whole
    // and part of the k-th (1..all of its remaining). Fills `o` and applies the fills. False
    // when the other side is empty.
    bool sweep(bool buy, int k, rng& r, op& o, workload& w) {
        std::vector<level_q>& side = buy ? asks_ : bids_;
        picked_.clear();
        int64_t last_level = 0;
        for (std::size_t j = 0; j < side.size() && static_cast<int>(picked_.size()) < k; ++j) {
            level_q& l = side[j];
            if (l.live == 0) continue;
            for (std::size_t i = l.head; i < l.q.size() && static_cast<int>(picked_.size()) < k;
                 ++i) {
                if (rem_[l.q[i]] == 0) continue;
                picked_.push_back(l.q[i]);
                last_level = static_cast<int64_t>(j);
            }
        }
        if (picked_.empty()) return false;
        int64_t qty = 0;
        for (std::size_t i = 0; i + 1 < picked_.size(); ++i) {
            qty += rem_[picked_[i]];
            ++w.resting_filled;
            drop(picked_[i]);
        }
        const uint32_t last = picked_.back();
        const auto part = static_cast<int32_t>(1 + r.below(static_cast<uint64_t>(rem_[last])));
        qty += part;
        if (part == rem_[last]) {
            ++w.resting_filled;
            drop(last);
        } else {
            rem_[last] -= part;
        }
        w.trades += picked_.size();
        w.traded_qty += qty;
        for (const uint32_t h : picked_) advance_head(level_of(h));
        o = op{};
        o.kind = op_kind::match;
        o.buy = buy ? 1 : 0;
        o.price_fen = price_at(!buy, last_level);
        o.qty = qty;
        return true;
    }

private:
    struct level_q {
        std::vector<uint32_t> q;
        std::size_t head = 0;
        int64_t live = 0;
    };
    static constexpr uint16_t buy_bit = 0x8000;

    level_q& level_of(uint32_t h) {
        return ((where_[h] & buy_bit) != 0 ? bids_ : asks_)[where_[h] & (buy_bit - 1)];
    }

    // Marks h done and removes it from the live set (swap with the last).
    void drop(uint32_t h) {
        rem_[h] = 0;
        --level_of(h).live;
        const uint32_t at = pos_[h];
        const uint32_t moved = live_.back();
        live_[at] = moved;
        pos_[moved] = at;
        live_.pop_back();
    }

    void advance_head(level_q& l) {
        while (l.head < l.q.size() && rem_[l.q[l.head]] == 0) ++l.head;
        if (l.head == l.q.size()) {
            l.q.clear();
            l.head = 0;
        } else if (l.head > 1024 && l.head * 2 > l.q.size()) {
            l.q.erase(l.q.begin(), l.q.begin() + static_cast<std::ptrdiff_t>(l.head));
            l.head = 0;
        }
    }

    std::vector<int32_t> rem_;     // per handle: open qty; 0 = not resting
    std::vector<uint32_t> pos_;    // per handle: index in live_
    std::vector<uint16_t> where_;  // per handle: level index | buy_bit
    std::vector<uint32_t> live_;
    std::vector<level_q> bids_;  // index 0 = the level nearest the mid
    std::vector<level_q> asks_;
    std::vector<uint32_t> picked_;
};

// ---- timers ----------------------------------------------------------------------------------

#if defined(CUX_BENCH_TSC)
// lfence; rdtsc; lfence on both sides: the first lfence waits for earlier work to finish, the
// second keeps later work from starting before the read. (Not rdtscp: valgrind cannot run it.)
struct tsc_timer {
    static uint64_t read() {
        _mm_lfence();
        const uint64_t t = __rdtsc();
        _mm_lfence();
        return t;
    }
    static uint64_t begin() { return read(); }
    static uint64_t end() { return read(); }
};
#endif

struct steady_timer {
    static uint64_t begin() {
        return static_cast<uint64_t>(steady::now().time_since_epoch().count());
    }
    static uint64_t end() { return begin(); }
};
static_assert(std::is_same_v<steady::duration, std::chrono::nanoseconds>);

bool cpu_has_invariant_tsc() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("flags", 0) == 0) {
            return line.find(" constant_tsc") != std::string::npos &&
                   line.find(" nonstop_tsc") != std::string::npos;
        }
    }
    return false;
}

using tick_samples = std::array<std::vector<uint32_t>, op_kinds>;

constexpr std::size_t chunk_ops = 1 << 16;  // progress is updated between chunks only

template <class Driver>
void run_plain(Driver& d, const std::vector<op>& ops, progress& p) {
    const std::size_t n = ops.size();
    for (std::size_t i = 0; i < n; i += chunk_ops) {
        const std::size_t end = std::min(n, i + chunk_ops);
        for (std::size_t j = i; j < end; ++j) d.apply(ops[j]);
        p.update(end, n);
    }
}

template <class Timer, class Driver>
void run_each(Driver& d, const std::vector<op>& ops, tick_samples& ticks, progress& p) {
    const std::size_t n = ops.size();
    for (std::size_t i = 0; i < n; i += chunk_ops) {
        const std::size_t end = std::min(n, i + chunk_ops);
        for (std::size_t j = i; j < end; ++j) {
            const op& o = ops[j];
            const uint64_t t0 = Timer::begin();
            d.apply(o);
            const uint64_t t1 = Timer::end();
            ticks[static_cast<std::size_t>(o.kind)].push_back(sat32(t1 - t0));
        }
        p.update(end, n);
    }
}

// ---- the matching core alone ----------------------------------------------------------------

class core_listener final : public eng::book_listener {
public:
    uint64_t trades = 0;
    int64_t qty = 0;
    uint64_t done = 0;
    uint64_t levels = 0;

    void on_trade(uint32_t, uint32_t, eng::price_fen, eng::qty_devices q, bool) override {
        ++trades;
        qty += q.value();
    }
    void on_resting_done(uint32_t, eng::done_reason) override { ++done; }
    void on_level(eng::side, eng::price_fen, eng::qty_devices, int64_t) override { ++levels; }
};

// Live orders never pass the target by more than one add plus one IOC; the margin is slack.
std::size_t pool_capacity(const workload& w) {
    return static_cast<std::size_t>(w.spec.live_target) + (std::size_t{1} << 16);
}

// engine::book driven directly, as another matching engine's benchmark drives its order book:
// add = allocate a pooled order + match (returns at once: adds never cross) + insert;
// cancel = find the id's slot + remove + release; match = allocate + match + release.
class core_driver {
public:
    explicit core_driver(const workload& w)
        : pool_(pool_capacity(w)), levels_(pool_capacity(w)), ids_(w.handles) {
        bk_.init(eng::price_fen(band_low_fen), eng::price_fen(1), band_ticks);
    }

    void apply(const op& o) {
        switch (o.kind) {
            case op_kind::add: {
                const uint32_t s = new_order(o, eng::time_in_force::gtc);
                bk_.match(pool_, levels_, s, eng::price_fen(o.price_fen), l_);
                if (pool_[s].remaining.value() > 0) {
                    bk_.insert(pool_, levels_, s, l_);
                } else {
                    pool_.release(s);
                }
                ids_[o.handle] = pool_.id_of(s);
                break;
            }
            case op_kind::cancel: {
                const uint32_t s = pool_.find(ids_[o.handle]);
                CUX_ASSERT(s != eng::nil_slot);
                bk_.remove(pool_, levels_, s, l_);
                pool_.release(s);
                break;
            }
            case op_kind::match: {
                const uint32_t s = new_order(o, eng::time_in_force::ioc);
                bk_.match(pool_, levels_, s, eng::price_fen(o.price_fen), l_);
                pool_.release(s);
                break;
            }
        }
    }

    void start_timed(bool) {}
    void finish() {}
    [[nodiscard]] int64_t live() const { return static_cast<int64_t>(pool_.live()); }
    void collect(run_result& r) const {
        r.live_end = live();
        r.trades = l_.trades;
        r.traded_qty = l_.qty;
    }
    void collect_latency(run_result&) {}

private:
    uint32_t new_order(const op& o, eng::time_in_force tif) {
        const uint32_t s = pool_.allocate();
        CUX_ASSERT(s != eng::nil_slot);
        eng::order& r = pool_[s];
        r.next = r.prev = eng::nil_slot;
        r.instrument = 0;
        // Buyers and sellers are different participants: self-trade prevention never fires.
        r.owner = eng::participant_id(o.buy != 0 ? 1 : 2);
        r.sd = o.buy != 0 ? eng::side::buy : eng::side::sell;
        r.tif = tif;
        r.stp = eng::stp_mode::cancel_newest;
        r.post_only = 0;
        r.origin_region = eng::origin_none;
        r.price = eng::price_fen(o.price_fen);
        r.remaining = eng::qty_devices(o.qty);
        r.filled = eng::qty_devices(0);
        r.hold = eng::money_fen(0);
        r.network_left = eng::money_fen(0);
        return s;
    }

    eng::order_pool pool_;
    eng::level_pool levels_;
    eng::book bk_;
    core_listener l_;
    std::vector<eng::order_id> ids_;  // handle -> order id
};

// ---- the whole command path -----------------------------------------------------------------

// 2026-12-01T00:00:00Z: the exchange starts here; the instrument traded is the hourly window
// starting an hour later (listed at once, open after the 60 s pre-open, trading for 40 min).
constexpr eng::utc_ns t0_ns = int64_t{1796083200} * eng::ns_per_s;
constexpr eng::epoch_hour h0 = 1796083200 / 3600;
constexpr eng::utc_ns open_ns = t0_ns + 61 * eng::ns_per_s;
constexpr std::size_t traders_per_side = 8;
// As pipeline_options' defaults: the event ring, and the commands the engine thread takes per
// batch (it commits the batch's events to the ring once, at its end).
constexpr std::size_t event_ring_capacity = std::size_t{1} << 15;
constexpr std::size_t batch_max = 1024;

eng::market_config bench_market() {
    eng::market_config m;
    eng::chip_spec c;
    c.id = "bench";
    c.name_en = "Benchmark accelerator";
    c.name_zh = "基准加速卡";
    c.kind = eng::chip_kind::gpu;
    c.dense_gflops = 989'000;
    c.memory_gb = 80;
    c.power_w = 700;
    c.typical_price = eng::price_fen(mid_price_fen);  // reference = mid, band = mid +-50%
    c.tick = eng::price_fen(1);
    m.chips = {c};
    eng::region_spec r;
    r.id = "bench";
    r.name_en = "Benchmark region";
    r.name_zh = "基准区域";
    r.pue_milli = 1300;
    r.tariff_mcny_kwh.fill(692);
    m.regions = {r};
    m.carriers = {"backbone"};
    m.links = {eng::link_spec{1000, 0, 0}};
    m.maker_fee_bps = 2;
    m.taker_fee_bps = 5;
    m.band_bps = 5000;
    m.market_collar_bps = 1000;
    // The fewest instruments the rules allow: one hourly and one daily window.
    m.calendar.hourly_slots = 1;
    m.calendar.daily_windows = 1;
    return m;
}

eng::exchange_config bench_config(const workload& w) {
    eng::exchange_config c;
    c.orders_max = pool_capacity(w);
    c.instruments_max = 64;
    c.participants_max = 64;
    c.capacity_rows_max = 64;
    c.open_orders_per_participant_max = static_cast<int64_t>(c.orders_max);
    c.open_orders_per_book_max = static_cast<int64_t>(c.orders_max);
    return c;
}

// Stages every event on the SPMC ring (the driver commits once per batch of commands) and
// remembers what the driver needs to know: the id of an accepted order, rejects.
class ring_sink final : public eng::event_sink {
public:
    explicit ring_sink(eng::spmc_ring<eng::event>& ring) : ring_(ring) {}
    void on_event(const eng::event& e) override {
        eng::event* slot = ring_.claim();
        CUX_ASSERT(slot != nullptr);
        *slot = e;
        if (e.type == eng::event_type::order_accepted) {
            accepted = e.body.accepted.id;
        } else if (e.type == eng::event_type::participant_created) {
            created = e.body.created.participant;
        } else if (e.type == eng::event_type::rejected) {
            if (rejects++ == 0) {
                first_reject_seq = e.cmd_seq;
                first_reject = e.body.rejected.reason;
                first_reject_cmd = e.body.rejected.command;
            }
        }
    }
    // "command N (place_order) rejected: INSUFFICIENT_FUNDS", or "" when nothing was rejected.
    [[nodiscard]] std::string first_reject_text() const {
        if (rejects == 0) return {};
        return "command " + std::to_string(first_reject_seq) + " (" +
               eng::command_name(first_reject_cmd) +
               ") rejected: " + eng::reject_code(first_reject);
    }
    eng::order_id accepted{0};
    eng::participant_id created{0};
    uint64_t rejects = 0;
    uint64_t first_reject_seq = 0;
    eng::reject_reason first_reject = eng::reject_reason::none;
    eng::command_type first_reject_cmd = eng::command_type::none;

private:
    eng::spmc_ring<eng::event>& ring_;
};

// The sequencer's work (seq + ts stamp, optional journal append) and exchange::apply on this
// thread; events go through an spmc_ring<event> to one consumer thread that counts them.
class full_driver {
public:
    // data_dir empty: no journal. Otherwise the journal goes in journal_dir(data_dir), and the
    // driver removes data_dir when it is done.
    full_driver(const workload& w, std::string data_dir)
        : w_(w),
          ex_(bench_market(), bench_config(w)),
          ring_(event_ring_capacity),
          sink_(ring_),
          ids_(w.handles),
          data_dir_(std::move(data_dir)) {
        if (!data_dir_.empty()) {
            eng::journal_options jo;
            jo.dir = eng::journal_dir(data_dir_);
            jo.sync = eng::sync_mode::fdatasync;
            journal_ = std::make_unique<eng::journal_writer>(jo);
            const eng::scan_result scan = eng::recover(jo.dir);
            if (scan.status != eng::tail_status::clean || scan.records != 0) {
                throw std::runtime_error("bench: journal directory " + jo.dir + " is not empty");
            }
            if (!journal_->open(scan)) throw std::runtime_error("bench: " + journal_->error());
        }
        cid_ = ring_.add_consumer();
        consumer_ = std::thread([this] { consume(); });
        setup();
    }
    full_driver(const full_driver&) = delete;
    full_driver& operator=(const full_driver&) = delete;

    ~full_driver() {
        if (watcher_.joinable()) watcher_.join();
        if (journal_) journal_->stop();
        ring_.close();
        consumer_.join();
        if (!data_dir_.empty()) {
            std::error_code ec;
            std::filesystem::remove_all(data_dir_, ec);
        }
    }

    void apply(const op& o) {
        if (failed_) return;
        eng::command c{};
        c.type = eng::command_type::place_order;
        auto& b = c.body.place;
        switch (o.kind) {
            case op_kind::add:
                c.actor = owner(o.buy != 0, o.handle);
                place_body(b, o, eng::time_in_force::gtc);
                submit(c);
                ids_[o.handle] = sink_.accepted;
                break;
            case op_kind::cancel:
                c.type = eng::command_type::cancel_order;
                c.actor = owner(o.buy != 0, o.handle);
                c.body.cancel.id = ids_[o.handle];
                submit(c);
                break;
            case op_kind::match:
                c.actor = owner(o.buy != 0, static_cast<uint32_t>(iocs_++));
                place_body(b, o, eng::time_in_force::ioc);
                submit(c);
                break;
        }
        // The stream is queued work: the engine thread would pop it in full batches.
        if (++staged_ == batch_max) flush();
    }

    void start_timed(bool latency_pass) {
        flush();
        if (journal_) {
            wait_durable(seq_);
            before_ = journal_->counters();
        }
        wait_drained();
        events_before_ = events_seen_.load(std::memory_order_acquire);
        trades_before_ = trades_.load(std::memory_order_relaxed);
        qty_before_ = trade_qty_.load(std::memory_order_relaxed);
        rejects_before_ = sink_.rejects;
        if (latency_pass && journal_) {
            first_timed_ = seq_ + 1;
            last_timed_ = seq_ + w_.ops.size();
            ts_by_seq_.assign(w_.ops.size(), 0);
            durable_ns_.reserve(w_.ops.size());
            watcher_ = std::thread([this] { watch(); });
        }
    }

    // Until the last command is durable (journal) and its events drained.
    void finish() {
        flush();
        if (journal_) wait_durable(seq_);
        wait_drained();
    }

    [[nodiscard]] int64_t live() const { return static_cast<int64_t>(ex_.live_orders()); }

    void collect(run_result& r) {
        r.live_end = live();
        r.trades = trades_.load(std::memory_order_relaxed) - trades_before_;
        r.traded_qty = trade_qty_.load(std::memory_order_relaxed) - qty_before_;
        r.events = events_seen_.load(std::memory_order_acquire) - events_before_;
        r.rejects = sink_.rejects - rejects_before_;
        if (journal_) {
            const eng::journal_counters after = journal_->counters();
            r.fsyncs = after.fsyncs - before_.fsyncs;
            r.batches = after.batches - before_.batches;
            r.records = after.records - before_.records;
            r.journal_bytes = after.bytes - before_.bytes;
        }
        if (!problem_.empty()) r.problem = problem_;
        if (r.problem.empty() && r.rejects != 0) r.problem = sink_.first_reject_text();
    }

    void collect_latency(run_result& r) {
        if (watcher_.joinable()) watcher_.join();
        if (journal_) {
            const clock_info ns_clock{false, 1.0, 0};
            r.durable = summarize(durable_ns_, ns_clock);
        }
        if (!problem_.empty() && r.problem.empty()) r.problem = problem_;
    }

private:
    eng::participant_id owner(bool buy, uint32_t n) const {
        return (buy ? buyers_ : vendors_)[n % traders_per_side];
    }

    void place_body(eng::place_order_body& b, const op& o, eng::time_in_force tif) const {
        b.instrument = instrument_;
        b.sd = o.buy != 0 ? eng::side::buy : eng::side::sell;
        b.type = eng::order_type::limit;
        b.tif = tif;
        b.stp = eng::stp_mode::cancel_newest;
        b.post_only = 0;
        b.origin_region = eng::origin_none;
        b.price = eng::price_fen(o.price_fen);
        b.qty = eng::qty_devices(o.qty);
        b.data_gb = 0;
    }

    // Events staged since the last batch end become visible to the consumer.
    void flush() {
        ring_.commit();
        staged_ = 0;
    }

    // The sequencer as in pipeline::run_engine: seq strictly increasing from 1, ts = max(last ts,
    // clock) with the steady clock offset to the trading window, the journal append, then the
    // engine. The ring is committed once per batch_max commands (flush()).
    void submit(eng::command& c) {
        c.seq = ++seq_;
        last_ts_ = std::max(last_ts_, trading_ ? ts_now() : setup_ts_);
        c.ts = last_ts_;
        c.token.session = 1;
        c.token.request = c.seq;
        if (journal_) {
            // Before the append: the watcher reads it once durable_seq covers c.seq.
            if (c.seq >= first_timed_ && c.seq <= last_timed_) {
                ts_by_seq_[c.seq - first_timed_] = c.ts;
            }
            if (!journal_->append(c)) {
                failed_ = true;
                problem_ = "journal append failed: " + journal_->error();
                return;
            }
        }
        ex_.apply(c, sink_);
    }

    [[nodiscard]] eng::utc_ns ts_now() const {
        return open_ns +
               std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now() - trading_start_)
                   .count();
    }

    void setup() {
        setup_ts_ = t0_ns;
        const auto create = [this](const char* prefix, std::size_t i, uint8_t roles) {
            eng::command c{};
            c.type = eng::command_type::create_participant;
            c.actor = eng::participant_id(0);
            c.body.create.roles = roles;
            std::snprintf(c.body.create.name, sizeof c.body.create.name, "%s%zu", prefix, i);
            submit(c);
            flush();
            return sink_.created;
        };
        for (std::size_t i = 0; i < traders_per_side; ++i) {
            buyers_[i] = create("buyer", i, eng::role_buyer);
            vendors_[i] = create("vendor", i, eng::role_vendor);
        }
        // Funds: more than every buy could hold or spend. One buy of at most add_qty_max at a
        // price inside the band holds less than 2e6 fen (compute + energy + fee).
        const auto buys = static_cast<int64_t>(w_.prefill_buys + w_.stream_buys +
                                               w_.count[static_cast<std::size_t>(op_kind::match)]);
        const int64_t per_buyer = buys * 2'000'000 / static_cast<int64_t>(traders_per_side) + 1;
        for (const eng::participant_id b : buyers_) {
            for (int64_t left = per_buyer; left > 0; left -= eng::limits::amount_fen_max) {
                eng::command c{};
                c.type = eng::command_type::deposit;
                c.actor = eng::participant_id(0);
                c.body.money.target = b;
                c.body.money.amount = eng::money_fen(std::min(left, eng::limits::amount_fen_max));
                submit(c);
            }
        }
        // Capacity: every sell of the prefill and stream may rest and then sell in full.
        const int64_t sells = static_cast<int64_t>(w_.prefill.size() + w_.ops.size());
        const int64_t per_vendor = sells * add_qty_max / static_cast<int64_t>(traders_per_side) + 1;
        const int64_t per_registration = eng::limits::qty_per_order_max * 100;
        for (const eng::participant_id v : vendors_) {
            for (int64_t left = per_vendor; left > 0; left -= per_registration) {
                eng::command c{};
                c.type = eng::command_type::register_capacity;
                c.actor = v;
                c.body.capacity.chip = 0;
                c.body.capacity.region = 0;
                c.body.capacity.devices = eng::qty_devices(std::min(left, per_registration));
                c.body.capacity.from_hour = h0;
                c.body.capacity.to_hour = h0 + 2;
                submit(c);
            }
        }
        // The clock: past the pre-open, so the opening auction runs and the book opens.
        setup_ts_ = open_ns;
        eng::command tick{};
        tick.type = eng::command_type::tick;
        tick.actor = eng::participant_id(0);
        submit(tick);
        flush();
        instrument_ = eng::pack(eng::instrument_key{0, 0, eng::tenor::hour, h0 + 1});
        const eng::instrument_state* in = ex_.instrument(instrument_);
        CUX_ASSERT(in != nullptr && in->status == eng::instrument_status::open);
        CUX_ASSERT(in->band_low.value() <= mid_price_fen - levels_per_side_max &&
                   in->band_high.value() >= mid_price_fen + levels_per_side_max);
        if (sink_.rejects != 0) {
            std::fprintf(stderr, "cux bench: set-up %s\n", sink_.first_reject_text().c_str());
        }
        CUX_ASSERT(sink_.rejects == 0);
        trading_start_ = steady::now();
        trading_ = true;
    }

    void wait_durable(uint64_t seq) {
        if (!journal_->wait_durable(seq) && problem_.empty()) {
            failed_ = true;
            problem_ = "journal failed: " + journal_->error();
        }
    }

    // The engine thread waits (sleeping, never spinning) until the consumer has seen every
    // event published so far.
    void wait_drained() {
        const uint64_t target = ring_.published();
        while (events_seen_.load(std::memory_order_acquire) < target) {
            std::this_thread::sleep_for(std::chrono::microseconds(20));
        }
    }

    void consume() {
        uint64_t events = 0;
        uint64_t trades = 0;
        int64_t qty = 0;
        for (;;) {
            const std::size_t n = ring_.wait_available(cid_);
            if (n == 0) return;
            ring_.poll(
                cid_,
                [&](const eng::event& e) {
                    ++events;
                    if (e.type == eng::event_type::trade) {
                        ++trades;
                        qty += e.body.trade.qty.value();
                    }
                },
                n);
            trades_.store(trades, std::memory_order_relaxed);
            trade_qty_.store(qty, std::memory_order_relaxed);
            events_seen_.store(events, std::memory_order_release);
        }
    }

    // Journal, latency pass: when durable_seq passes a command, its durable latency is the time
    // since its stamp.
    void watch() {
        uint64_t next = first_timed_;
        while (next <= last_timed_) {
            if (!journal_->wait_durable(next)) return;
            const eng::utc_ns now = ts_now();
            const uint64_t upto = std::min(journal_->durable_seq(), last_timed_);
            for (uint64_t s = next; s <= upto; ++s) {
                durable_ns_.push_back(sat32(static_cast<uint64_t>(
                    std::max<int64_t>(0, now - ts_by_seq_[s - first_timed_]))));
            }
            next = upto + 1;
        }
    }

    const workload& w_;
    eng::exchange ex_;
    eng::spmc_ring<eng::event> ring_;
    ring_sink sink_;
    eng::spmc_consumer cid_{};
    std::thread consumer_;
    std::unique_ptr<eng::journal_writer> journal_;
    std::vector<eng::order_id> ids_;  // handle -> order id
    std::string data_dir_;
    std::array<eng::participant_id, traders_per_side> buyers_{};
    std::array<eng::participant_id, traders_per_side> vendors_{};
    eng::instrument_id instrument_{0};
    uint64_t seq_ = 0;
    eng::utc_ns last_ts_ = 0;
    std::size_t staged_ = 0;  // commands applied since the last flush()
    uint64_t iocs_ = 0;
    eng::utc_ns setup_ts_ = 0;
    bool trading_ = false;
    steady::time_point trading_start_{};
    bool failed_ = false;
    std::string problem_;

    // Consumer thread -> engine thread.
    alignas(64) std::atomic<uint64_t> events_seen_{0};
    std::atomic<uint64_t> trades_{0};
    std::atomic<int64_t> trade_qty_{0};
    uint64_t events_before_ = 0;
    uint64_t trades_before_ = 0;
    int64_t qty_before_ = 0;
    uint64_t rejects_before_ = 0;

    // Journal.
    eng::journal_counters before_{};
    uint64_t first_timed_ = UINT64_MAX;
    uint64_t last_timed_ = 0;
    std::vector<eng::utc_ns> ts_by_seq_;
    std::vector<uint32_t> durable_ns_;
    std::thread watcher_;
};

// ---- passes ----------------------------------------------------------------------------------

template <class Driver>
void prefill(Driver& d, const workload& w, progress& p) {
    p.start("prefill");
    run_plain(d, w.prefill, p);
    p.finish();
}

std::string check_against_model(const workload& w, const run_result& r, const char* pass) {
    char buf[256];
    if (r.rejects != 0) {
        std::snprintf(buf, sizeof buf, "%s pass: %llu commands rejected", pass,
                      static_cast<unsigned long long>(r.rejects));
        return buf;
    }
    if (r.live_start != w.live_start || r.live_end != w.live_end || r.trades != w.trades ||
        r.traded_qty != w.traded_qty) {
        std::snprintf(buf, sizeof buf,
                      "%s pass: engine live %lld->%lld trades %llu qty %lld, model live "
                      "%lld->%lld trades %llu qty %lld",
                      pass, static_cast<long long>(r.live_start),
                      static_cast<long long>(r.live_end), static_cast<unsigned long long>(r.trades),
                      static_cast<long long>(r.traded_qty), static_cast<long long>(w.live_start),
                      static_cast<long long>(w.live_end), static_cast<unsigned long long>(w.trades),
                      static_cast<long long>(w.traded_qty));
        return buf;
    }
    return {};
}

// make(i) builds a fresh driver for pass i: 0 .. repeat-1 throughput, then the latency pass.
template <class Driver, class Make>
run_result run_passes(const workload& w, int repeat, const clock_info& clk, progress& p,
                      Make make) {
    std::vector<run_result> runs;
    for (int i = 0; i < repeat; ++i) {
        // Throughput: the stream with no per-op timing.
        run_result r;
        r.rss_before_kib = rss_now_kib();
        std::unique_ptr<Driver> d = make(i);
        const auto t0 = steady::now();
        prefill(*d, w, p);
        d->start_timed(false);
        r.prefill_seconds = seconds_between(t0, steady::now());
        r.rss_after_kib = rss_now_kib();
        r.peak_rss_kib = peak_rss_kib();
        r.live_start = d->live();
        p.start("run (throughput)");
        const auto t1 = steady::now();
        run_plain(*d, w.ops, p);
        const auto t2 = steady::now();
        d->finish();
        const auto t3 = steady::now();
        p.finish();
        r.submit_seconds = seconds_between(t1, t2);
        r.seconds = seconds_between(t1, t3);
        d->collect(r);
        if (r.problem.empty()) r.problem = check_against_model(w, r, "throughput");
        runs.push_back(std::move(r));
    }
    // Report the median run (by time); keep every run's time. Memory is the first run's.
    std::vector<double> times;
    for (const run_result& x : runs) times.push_back(x.seconds);
    std::vector<std::size_t> order(runs.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return times[a] < times[b]; });
    run_result r = runs[order[order.size() / 2]];
    r.runs_seconds = times;
    r.peak_rss_kib = runs.front().peak_rss_kib;
    r.rss_before_kib = runs.front().rss_before_kib;
    r.rss_after_kib = runs.front().rss_after_kib;
    for (const run_result& x : runs) {
        if (r.problem.empty() && !x.problem.empty()) r.problem = x.problem;
    }
    {
        // Latency: the same stream on a fresh engine, each operation timed.
        std::unique_ptr<Driver> d = make(repeat);
        prefill(*d, w, p);
        run_result again;
        again.live_start = d->live();
        tick_samples ticks;
        for (std::size_t k = 0; k < op_kinds; ++k) ticks[k].reserve(w.count[k]);
        d->start_timed(true);
        p.start("run (latency)");
#if defined(CUX_BENCH_TSC)
        if (clk.tsc) {
            run_each<tsc_timer>(*d, w.ops, ticks, p);
        } else {
            run_each<steady_timer>(*d, w.ops, ticks, p);
        }
#else
        run_each<steady_timer>(*d, w.ops, ticks, p);
#endif
        d->finish();
        p.finish();
        for (std::size_t k = 0; k < op_kinds; ++k) r.latency[k] = summarize(ticks[k], clk);
        d->collect(again);
        d->collect_latency(r);
        if (r.problem.empty() && !again.problem.empty()) r.problem = again.problem;
        if (r.problem.empty()) r.problem = check_against_model(w, again, "latency");
    }
    return r;
}

// A fresh directory (mkdtemp) under `parent`, created when missing.
std::string make_temp_dir(const std::string& parent) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) throw std::runtime_error("bench: cannot create " + parent + ": " + ec.message());
    std::string tmpl = parent + "/cux-bench-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) {
        throw std::runtime_error("bench: cannot create a directory in " + parent + ": " +
                                 std::strerror(errno));
    }
    return tmpl;
}

}  // namespace

// ---- public ----------------------------------------------------------------------------------

const char* op_kind_name(op_kind k) {
    switch (k) {
        case op_kind::add:
            return "add";
        case op_kind::cancel:
            return "cancel";
        case op_kind::match:
            return "match";
    }
    return "?";
}

const char* path_name(engine_path p) {
    switch (p) {
        case engine_path::core:
            return "core";
        case engine_path::full:
            return "full";
        case engine_path::journal:
            return "full+journal";
    }
    return "?";
}

progress::progress() : tty_(isatty(STDERR_FILENO) == 1) {}

void progress::start(const char* phase) {
    phase_ = phase;
    last_pct_ = -1;
}

void progress::update(uint64_t done, uint64_t total) {
    if (!tty_ || total == 0) return;
    const int pct = static_cast<int>(done * 100 / total);
    if (pct == last_pct_) return;
    last_pct_ = pct;
    std::fprintf(stderr, "\r  %-18s %3d%%", phase_, pct);
    std::fflush(stderr);
}

void progress::finish() {
    if (!tty_ || last_pct_ < 0) return;
    std::fprintf(stderr, "\r%40s\r", "");
    std::fflush(stderr);
    last_pct_ = -1;
}

workload make_workload(const workload_spec& spec, progress& p) {
    CUX_ASSERT(spec.live_target > 0 && spec.live_target <= (int64_t{1} << 24));
    CUX_ASSERT(spec.levels_per_side > 0 && spec.levels_per_side <= levels_per_side_max);
    CUX_ASSERT(spec.ops >= 0 && spec.ops <= (int64_t{1} << 30));
    workload w;
    w.spec = spec;
    const auto target = spec.live_target;
    const auto levels = static_cast<uint64_t>(spec.levels_per_side);
    book_model m(spec.levels_per_side, static_cast<std::size_t>(target + spec.ops));
    rng r(spec.seed);
    uint32_t next_handle = 0;
    const auto make_add = [&](bool buy) {
        op o{};
        o.kind = op_kind::add;
        o.buy = buy ? 1 : 0;
        o.handle = next_handle++;
        const auto level = static_cast<int64_t>(r.below(levels));
        o.price_fen = price_at(buy, level);
        o.qty = 1 + static_cast<int64_t>(r.below(add_qty_max));
        m.add(o.handle, buy, level, o.qty);
        return o;
    };

    p.start("generate");
    w.prefill.reserve(static_cast<std::size_t>(target));
    while (m.live() < target) {
        w.prefill.push_back(make_add(r.below(2) == 0));
        w.prefill_buys += w.prefill.back().buy;
    }
    w.live_start = w.live_min = w.live_max = m.live();
    w.ops.reserve(static_cast<std::size_t>(spec.ops));
    for (int64_t i = 0; i < spec.ops; ++i) {
        if ((i & 0xffff) == 0) p.update(static_cast<uint64_t>(i), static_cast<uint64_t>(spec.ops));
        op o{};
        // 10% IOCs; the other 90% add when below the live target and cancel when above (a coin
        // decides at the target), which holds the live count within a few orders of it.
        bool done = false;
        if (r.below(100) < 10) {
            const bool buy = r.below(2) == 0;
            const int k = 1 + static_cast<int>(r.below(4));
            done = m.sweep(buy, k, r, o, w) || m.sweep(!buy, k, r, o, w);
        }
        if (!done) {
            const int64_t live = m.live();
            const bool add = live == 0 || live < target || (live == target && r.below(2) == 0);
            if (add) {
                o = make_add(r.below(2) == 0);
                w.stream_buys += o.buy;
            } else {
                o.kind = op_kind::cancel;
                o.handle = m.random_live(r);
                o.buy = m.is_buy(o.handle) ? 1 : 0;
                m.cancel(o.handle);
            }
        }
        ++w.count[static_cast<std::size_t>(o.kind)];
        w.ops.push_back(o);
        w.live_min = std::min(w.live_min, m.live());
        w.live_max = std::max(w.live_max, m.live());
    }
    p.finish();
    w.live_end = m.live();
    w.handles = next_handle;
    return w;
}

clock_info calibrate_clock() {
#if defined(CUX_BENCH_TSC)
    if (cpu_has_invariant_tsc()) {
        const auto c0 = steady::now();
        const uint64_t r0 = __rdtsc();
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        const uint64_t r1 = __rdtsc();
        const auto c1 = steady::now();
        const double ns = std::chrono::duration<double, std::nano>(c1 - c0).count();
        if (r1 > r0 && ns > 0) {
            const auto ticks = static_cast<double>(r1 - r0);
            return clock_info{true, ns / ticks, ticks / ns};
        }
    }
#endif
    return clock_info{false, 1.0, 0};
}

latency_stats summarize(std::vector<uint32_t>& ticks, const clock_info& clk) {
    latency_stats s;
    s.count = ticks.size();
    if (ticks.empty()) return s;
    std::sort(ticks.begin(), ticks.end());
    const auto at = [&](double q) {
        // Nearest rank: the smallest sample with at least q of the samples at or below it.
        const auto n = static_cast<double>(ticks.size());
        auto i = static_cast<std::size_t>(std::ceil(q * n));
        i = std::clamp<std::size_t>(i, 1, ticks.size());
        return static_cast<double>(ticks[i - 1]) * clk.ns_per_tick;
    };
    s.p50_ns = at(0.50);
    s.p99_ns = at(0.99);
    s.p999_ns = at(0.999);
    s.max_ns = static_cast<double>(ticks.back()) * clk.ns_per_tick;
    double sum = 0;
    for (const uint32_t t : ticks) sum += t;
    s.mean_ns = sum / static_cast<double>(ticks.size()) * clk.ns_per_tick;
    return s;
}

double timer_resolution_ns(const clock_info& clk) {
    // The most common non-zero step between two reads in a row (the TSCs of some virtual
    // machines advance in steps of many ticks; a rare odd step comes from a CPU migration).
    constexpr int n = 100'000;
    std::vector<uint64_t> steps;
    steps.reserve(n);
    for (int i = 0; i < n; ++i) {
#if defined(CUX_BENCH_TSC)
        const uint64_t a = clk.tsc ? __rdtsc() : steady_timer::begin();
        const uint64_t b = clk.tsc ? __rdtsc() : steady_timer::begin();
#else
        const uint64_t a = steady_timer::begin();
        const uint64_t b = steady_timer::begin();
#endif
        if (b > a) steps.push_back(b - a);
    }
    if (steps.empty()) return 0;
    std::sort(steps.begin(), steps.end());
    uint64_t mode = steps.front();
    std::size_t best = 0;
    for (std::size_t i = 0; i < steps.size();) {
        std::size_t j = i;
        while (j < steps.size() && steps[j] == steps[i]) ++j;
        if (j - i > best) {
            best = j - i;
            mode = steps[i];
        }
        i = j;
    }
    return static_cast<double>(mode) * clk.ns_per_tick;
}

latency_stats measure_overhead(const clock_info& clk) {
    constexpr std::size_t n = 1'000'000;
    std::vector<uint32_t> ticks;
    ticks.reserve(n);
#if defined(CUX_BENCH_TSC)
    if (clk.tsc) {
        for (std::size_t i = 0; i < n; ++i) {
            const uint64_t t0 = tsc_timer::begin();
            const uint64_t t1 = tsc_timer::end();
            ticks.push_back(sat32(t1 - t0));
        }
        return summarize(ticks, clk);
    }
#endif
    for (std::size_t i = 0; i < n; ++i) {
        const uint64_t t0 = steady_timer::begin();
        const uint64_t t1 = steady_timer::end();
        ticks.push_back(sat32(t1 - t0));
    }
    return summarize(ticks, clk);
}

run_result run_engine(const workload& w, const run_options& o, const clock_info& clk, progress& p) {
    CUX_ASSERT(o.repeat >= 1);
    if (o.path == engine_path::core) {
        return run_passes<core_driver>(w, o.repeat, clk, p,
                                       [&](int) { return std::make_unique<core_driver>(w); });
    }
    if (o.path == engine_path::full) {
        return run_passes<full_driver>(w, o.repeat, clk, p, [&](int) {
            return std::make_unique<full_driver>(w, std::string());
        });
    }
    // Journal: each pass gets a fresh journal in a directory this run creates (and removes).
    const std::string base = make_temp_dir(o.data_dir.empty() ? "/tmp" : o.data_dir);
    run_result r;
    try {
        r = run_passes<full_driver>(w, o.repeat, clk, p, [&](int pass) {
            return std::make_unique<full_driver>(w, base + "/pass" + std::to_string(pass));
        });
    } catch (...) {
        std::error_code ec;
        std::filesystem::remove_all(base, ec);
        throw;
    }
    r.journal_dir = base;
    std::error_code ec;
    std::filesystem::remove_all(base, ec);
    return r;
}

long rss_now_kib() {
    std::ifstream in("/proc/self/statm");
    long pages = 0;
    long resident = 0;
    if (!(in >> pages >> resident)) return 0;
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

long peak_rss_kib() {
    rusage u{};
    if (getrusage(RUSAGE_SELF, &u) != 0) return 0;
    return u.ru_maxrss;
}

}  // namespace cux::tools::bench
