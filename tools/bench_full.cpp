// `cux bench engine --path full` (and `--journal`): the whole command path, as the server runs
// it: the sequencer's stamp, the journal append when journaled, exchange::apply, and the
// events through an SPMC ring to a consumer thread.

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "engine/exchange.hpp"
#include "engine/journal.hpp"
#include "engine/market.hpp"
#include "engine/ring.hpp"
#include "engine/symbol.hpp"
#include "tools/bench_engine.hpp"
#include "tools/bench_passes.hpp"

namespace cux::tools::bench {

namespace {

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

}  // namespace

run_result run_full(const workload& w, int repeat, const clock_info& clk, progress& p,
                    const std::string& journal_base) {
    return run_passes<full_driver>(w, repeat, clk, p, [&](int pass) {
        return std::make_unique<full_driver>(
            w,
            journal_base.empty() ? std::string() : journal_base + "/pass" + std::to_string(pass));
    });
}

}  // namespace cux::tools::bench
