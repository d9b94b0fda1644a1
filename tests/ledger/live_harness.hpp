#pragma once
// A live exchange for ledger tests: engine::pipeline (real journal, fdatasync) + ledger writer
// on a data directory, driven like `cux serve` (writer started before replay, replayed events
// published, the ledger waiting for the journal's durability), with a settable clock.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "engine/exchange.hpp"
#include "engine/pipeline.hpp"
#include "ledger/pipeline_link.hpp"
#include "ledger/writer.hpp"
#include "tests/engine/harness.hpp"
#include "tests/ledger/ledger_harness.hpp"

namespace cux::ledger::test {

struct live_options {
    std::string vfs;
    std::size_t event_ring_capacity = std::size_t{1} << 15;
    uint64_t lag_events_max = 0;
    // The writer's batch size and checkpoint settings; 0: its defaults.
    std::size_t batch_events = 0;
    bool background_checkpoints = true;
    uint32_t checkpoint_pages = 0;
    uint32_t wal_restart_pages = 0;
    uint32_t wal_pages_max = 0;
    std::function<utc_ns()> clock;  // empty: the harness's settable clock
};

class live_exchange {
public:
    live_exchange(const std::string& data_dir, const live_options& lo = {})
        : ex(engine::test::small_market(), engine::test::small_config()),
          m(ex),
          p(m, pipeline_opts(data_dir, lo)),
          dur(p) {
        writer_options wo;
        wo.db = options_for(data_dir + "/cux.db", ex.market(), lo.vfs);
        wo.wait_durable = dur.fn();
        wo.lag_events_max = lo.lag_events_max;
        if (lo.batch_events != 0) wo.batch_events = lo.batch_events;
        wo.background_checkpoints = lo.background_checkpoints;
        if (lo.checkpoint_pages != 0) wo.checkpoint_pages = lo.checkpoint_pages;
        if (lo.wal_restart_pages != 0) wo.wal_restart_pages = lo.wal_restart_pages;
        if (lo.wal_pages_max != 0) wo.wal_pages_max = lo.wal_pages_max;
        auto w = writer::open(p.events(), std::move(wo));
        EXPECT_TRUE(w.ok()) << (w.ok() ? "" : w.error().message);
        if (w.ok()) ledger = std::move(w.value());
    }
    ~live_exchange() { stop(); }

    // Starts the writer, replays the journal (published to the writer), starts the pipeline.
    // `after_replay` runs on this thread between the two, while the exchange may still be read.
    replay_result start(const std::function<void()>& after_replay = {}) {
        ledger->start();
        const replay_result r = p.replay();
        EXPECT_TRUE(r.ok()) << r.scan.what;
        replayed_ = r.commands;
        if (after_replay) after_replay();
        dur.replayed(p.last_seq());
        EXPECT_TRUE(p.start()) << p.error();
        return r;
    }
    void stop() {
        p.stop();
        if (ledger) ledger->join();
    }
    void submit(const command& c) {
        ASSERT_TRUE(p.submit(c));
        ++submitted_;
    }

    // Moves the clock once every command submitted so far has been stamped (the engine thread
    // stamps a command when it applies it, reading the clock then).
    void set_time(utc_ns t) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (p.last_seq() < replayed_ + submitted_ && !p.failed() &&
               std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
        now = t;
    }

    // Waits (bounded) until every event published so far is committed by the ledger.
    [[nodiscard]] bool caught_up(std::chrono::milliseconds limit = std::chrono::seconds(20)) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < deadline) {
            if (p.last_seq() >= replayed_ + submitted_ && p.durable_seq() >= p.last_seq() &&
                ledger->order_gate().lag_events == 0) {
                return true;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        return false;
    }

    std::atomic<utc_ns> now{engine::test::t0};
    exchange ex;
    machine_ref<exchange> m;
    pipeline p;
    pipeline_durability dur;
    std::unique_ptr<writer> ledger;

private:
    pipeline_options pipeline_opts(const std::string& data_dir, const live_options& lo) {
        pipeline_options o;
        o.data_dir = data_dir;
        o.tick_interval_ms = 0;
        o.publish_replayed_events = true;
        o.event_ring_capacity = lo.event_ring_capacity;
        o.clock = lo.clock ? lo.clock : std::function<utc_ns()>([this] { return now.load(); });
        return o;
    }
    uint64_t replayed_ = 0;
    uint64_t submitted_ = 0;
};

// Commands without a harness (participant ids are known: the first created is 1, ...).
inline command create_cmd(const char* name, uint8_t roles) {
    command c;
    c.type = command_type::create_participant;
    c.body.create.roles = roles;
    std::strncpy(c.body.create.name, name, sizeof c.body.create.name - 1);
    return c;
}
inline command deposit_cmd(participant_id p, int64_t fen) {
    command c;
    c.type = command_type::deposit;
    c.body.money.target = p;
    c.body.money.amount = money_fen(fen);
    return c;
}
inline command withdraw_cmd(participant_id p, int64_t fen) {
    command c;
    c.type = command_type::withdraw;
    c.actor = p;
    c.body.money.amount = money_fen(fen);
    return c;
}
inline command capacity_cmd(participant_id p, uint8_t chip, uint8_t region, int64_t devices,
                            epoch_hour from, epoch_hour to) {
    command c;
    c.type = command_type::register_capacity;
    c.actor = p;
    c.body.capacity.chip = chip;
    c.body.capacity.region = region;
    c.body.capacity.devices = qty_devices(devices);
    c.body.capacity.from_hour = from;
    c.body.capacity.to_hour = to;
    return c;
}
inline command tick_cmd() {
    command c;
    c.type = command_type::tick;
    return c;
}

// The ledger at DIR/cux.db checked against the journal at DIR/journal.
inline verify_report verify_dir(const std::string& dir) {
    static const market_config market = engine::test::small_market();
    verify_options o;
    o.db_path = dir + "/cux.db";
    o.journal_dir = journal_dir(dir);
    o.market = &market;
    o.exchange = engine::test::small_config();
    auto r = verify(o);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? r.value() : verify_report{};
}

}  // namespace cux::ledger::test
