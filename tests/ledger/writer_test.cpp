// The ledger writer on a live pipeline (real journal, real SQLite file): it records everything
// the engine does, resumes exactly once after a restart, refuses new orders while it lags, and
// the pure lag rule.

#include "ledger/writer.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "ledger/detail/sqlite.hpp"
#include "ledger/reader.hpp"
#include "tests/ledger/fault_vfs.hpp"
#include "tests/ledger/live_harness.hpp"

namespace cux::ledger::test {
namespace {

using engine::test::harness;
using engine::test::hourly;

constexpr uint8_t h100 = 0;
constexpr uint8_t yrd = 0;
constexpr uint8_t nx = 1;
const participant_id buyer(1);
const participant_id vendor(2);

// Participants, money and capacity, then the market opens (t0 + 61 s).
void open_market(live_exchange& x) {
    x.submit(create_cmd("buyer", role_buyer));
    x.submit(create_cmd("vendor", role_vendor));
    x.submit(deposit_cmd(buyer, 50'000'000));
    x.submit(capacity_cmd(vendor, h100, yrd, 1000, h0, h0 + 48));
    x.set_time(t0 + 61 * ns_per_s);
    x.submit(tick_cmd());
}

// `n` trades of 2 devices in the 01:00 window, each with network from nx.
void trade(live_exchange& x, int n) {
    const instrument_id i1 = hourly(h100, yrd, 1);
    for (int i = 0; i < n; ++i) {
        x.submit(harness::order_cmd(vendor, i1, side::sell, 1100 + i % 50, 2));
        command b = harness::order_cmd(buyer, i1, side::buy, 1200, 2);
        b.body.place.origin_region = nx;
        b.body.place.data_gb = 10 + i;
        x.submit(b);
    }
}

int64_t count_contracts(const std::string& dir) {
    auto r = reader::open(dir + "/cux.db");
    EXPECT_TRUE(r.ok());
    contract_query q;
    q.limit = limits::read_rows_max;
    auto k = r.value().contracts(q);
    EXPECT_TRUE(k.ok());
    return k.ok() ? static_cast<int64_t>(k.value().size()) : -1;
}

TEST(LedgerWriter, RecordsALivePipelineAndResumesExactlyOnce) {
    temp_dir dir;
    uint64_t events_first_run = 0;
    {
        live_exchange x(dir.path);
        x.start();
        open_market(x);
        trade(x, 40);
        ASSERT_TRUE(x.caught_up());
        // Settle them all (02:15) and deposit in the same command as the settlement.
        x.set_time(t0 + 136 * ns_per_min);
        x.submit(deposit_cmd(buyer, 1'000));
        ASSERT_TRUE(x.caught_up());
        x.stop();
        EXPECT_FALSE(x.ledger->failed()) << x.ledger->failure().message;
        const writer_counters c = x.ledger->counters();
        EXPECT_EQ(c.recorded.contracts_opened, 40U);
        EXPECT_EQ(c.recorded.contracts_settled, 40U);
        EXPECT_EQ(c.recorded.deposits, 2U);
        EXPECT_GE(c.batches, 1U);
        events_first_run = x.ledger->committed_seq();
        EXPECT_EQ(x.p.counters().events_published, events_first_run);
    }
    verify_report r = verify_dir(dir.path);
    EXPECT_TRUE(r.ok()) << describe(r);
    EXPECT_EQ(r.position.last_seq, events_first_run);
    {
        // Restart: the journal replays every event through the ring; the ledger skips them all
        // and records only what is new.
        live_exchange x(dir.path);
        EXPECT_EQ(x.ledger->position_at_open(), events_first_run);
        x.set_time(t0 + 137 * ns_per_min);
        x.start();
        x.submit(capacity_cmd(vendor, h100, yrd, 10, h0 + 3, h0 + 5));
        x.set_time(t0 + 185 * ns_per_min);  // 03:05: the 04:00 window is open
        x.submit(tick_cmd());
        x.submit(harness::order_cmd(vendor, hourly(h100, yrd, 4), side::sell, 1150, 1));
        x.submit(harness::order_cmd(buyer, hourly(h100, yrd, 4), side::buy, 1150, 1));
        ASSERT_TRUE(x.caught_up());
        x.stop();
        const writer_counters c = x.ledger->counters();
        EXPECT_EQ(c.recorded.skipped, events_first_run);
        EXPECT_EQ(c.recorded.contracts_opened, 1U);
    }
    r = verify_dir(dir.path);
    EXPECT_TRUE(r.ok()) << describe(r);
    EXPECT_EQ(count_contracts(dir.path), 41);
}

TEST(LedgerWriter, OrderGateClosesWhileTheLedgerLagsAndReopens) {
    fault_vfs::install();
    const fault_vfs::disarm_on_exit guard;
    temp_dir dir;
    live_options lo;
    lo.vfs = fault_vfs::name;
    lo.event_ring_capacity = 1024;
    lo.lag_events_max = 64;
    live_exchange x(dir.path, lo);
    x.start();
    open_market(x);
    ASSERT_TRUE(x.caught_up());
    EXPECT_TRUE(x.ledger->order_gate().open);
    // Every WAL sync now takes 300 ms: deposits (each a transfer) pile up behind it.
    fault_vfs::delay_wal_sync_us(300'000);
    for (int i = 0; i < 200; ++i) x.submit(deposit_cmd(buyer, 100 + i));
    bool closed = false;
    std::string reason;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!closed && std::chrono::steady_clock::now() < deadline) {
        const order_gate_state g = x.ledger->order_gate();
        closed = !g.open;
        reason = g.reason;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    fault_vfs::disarm();
    EXPECT_TRUE(closed);
    EXPECT_NE(reason.find("behind the engine"), std::string::npos) << reason;
    ASSERT_TRUE(x.caught_up());
    EXPECT_TRUE(x.ledger->order_gate().open);
    x.stop();
    EXPECT_EQ(x.ledger->counters().recorded.deposits, 201U);
    const verify_report r = verify_dir(dir.path);
    EXPECT_TRUE(r.ok()) << describe(r);
}

TEST(LedgerWriter, ReadsNeverBlockTheWriter) {
    temp_dir dir;
    live_exchange x(dir.path);
    x.start();
    open_market(x);
    ASSERT_TRUE(x.caught_up());
    // One reader holds a read transaction (an old snapshot) open the whole time; another reads
    // statements, contracts and balances in a loop, each read a snapshot of its own.
    auto held = detail::connection::open(dir.db(), false, false, "", 1000);
    ASSERT_TRUE(held.ok());
    ASSERT_TRUE(held.value().exec("BEGIN").ok());
    auto before = held.value().query_int("SELECT count(*) FROM contracts");
    ASSERT_TRUE(before.ok());
    std::atomic<bool> stop{false};
    std::atomic<int64_t> reads{0};
    std::atomic<bool> reads_ok{true};
    // Waits (at most 20 s, so a loaded machine is not a failure) until the reader has finished
    // more than `n` reads, or has stopped on an error.
    const auto reads_pass = [&](int64_t n) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (reads.load() <= n && reads_ok.load() &&
               std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return reads.load() > n;
    };
    std::thread reader_thread([&] {
        auto r = reader::open(dir.db());
        if (!r.ok()) {
            reads_ok = false;
            return;
        }
        std::size_t last_lines = 0;
        while (!stop.load()) {
            auto lines = r.value().statement(buyer, 0, INT64_MAX, limits::read_rows_max);
            contract_query q;
            q.participant = buyer;
            auto k = r.value().contracts(q);
            auto b = r.value().balance(buyer, money_fen(0));
            if (!lines.ok() || !k.ok() || !b.ok() || lines.value().size() < last_lines) {
                reads_ok = false;  // an error, or a later snapshot with fewer lines
                return;
            }
            last_lines = lines.value().size();
            ++reads;
        }
    });
    // The trades start only once the reader has read, not whenever the scheduler gets round to
    // its thread, and it keeps reading until the writer has caught up: every commit below
    // happens while both readers are active. Then it must finish a read that began after the
    // last commit (the one in flight may have begun before), which may not see fewer lines.
    const bool reading = reads_pass(0);
    bool caught_up = false;
    bool read_after = false;
    if (reading) {
        trade(x, 60);
        caught_up = x.caught_up();
        read_after = caught_up && reads_pass(reads.load() + 1);
    }
    stop = true;
    reader_thread.join();
    ASSERT_TRUE(reading) << "the reader thread did not complete a read in 20 s (reads_ok "
                         << reads_ok.load() << ")";
    ASSERT_TRUE(caught_up) << "the writer did not keep up while readers read";
    EXPECT_TRUE(read_after) << "no read completed after the writer caught up";
    EXPECT_TRUE(reads_ok);
    // The held snapshot still sees the world before the trades.
    auto still = held.value().query_int("SELECT count(*) FROM contracts");
    ASSERT_TRUE(still.ok());
    EXPECT_EQ(still.value(), before.value());
    ASSERT_TRUE(held.value().exec("COMMIT").ok());
    x.stop();
    EXPECT_FALSE(x.ledger->failed()) << x.ledger->failure().message;
    EXPECT_EQ(count_contracts(dir.path), 60);
}

TEST(LedgerWriter, LagRule) {
    EXPECT_TRUE(lag_gate(100, 100, 10).open);
    EXPECT_TRUE(lag_gate(110, 100, 10).open);
    const order_gate_state g = lag_gate(111, 100, 10);
    EXPECT_FALSE(g.open);
    EXPECT_EQ(g.lag_events, 11U);
    EXPECT_NE(g.reason.find("11 events behind"), std::string::npos) << g.reason;
    EXPECT_TRUE(lag_gate(5, 9, 0).open);  // applied may run ahead of a stale published count
}

TEST(LedgerWriter, RefusesABoundThatWouldLetTheRingFillFirst) {
    temp_dir dir;
    spmc_ring<event> ring(256);
    writer_options wo;
    wo.db = options_for(dir.db(), engine::test::small_market());
    wo.lag_events_max = 256;
    auto w = writer::open(ring, wo);
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(w.error().code, error_code::bad_request);
}

TEST(LedgerWriter, RefusesToRecordAJournalThatFailed) {
    // The journal's fsync fails: the engine stops, and the ledger must not record events whose
    // commands never became durable.
    temp_dir dir;
    exchange ex(engine::test::small_market(), engine::test::small_config());
    machine_ref<exchange> m(ex);
    std::atomic<bool> fail{false};
    std::atomic<utc_ns> now{t0};
    pipeline_options po;
    po.data_dir = dir.path;
    po.tick_interval_ms = 0;
    po.publish_replayed_events = true;
    po.clock = [&] { return now.load(); };
    po.io.fdatasync = [&](int fd) { return fail.load() ? -1 : ::fdatasync(fd); };
    pipeline p(m, po);
    pipeline_durability dur(p);
    writer_options wo;
    wo.db = options_for(dir.db(), ex.market());
    wo.wait_durable = dur.fn();
    auto w = writer::open(p.events(), wo);
    ASSERT_TRUE(w.ok());
    w.value()->start();
    ASSERT_TRUE(p.replay().ok());
    dur.replayed(p.last_seq());
    ASSERT_TRUE(p.start());
    ASSERT_TRUE(p.submit(create_cmd("buyer", role_buyer)));
    // participant_created and command_done: recorded before the disk goes bad.
    while (w.value()->committed_seq() < 2)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    fail = true;
    (void)p.submit(deposit_cmd(buyer, 500));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!w.value()->failed() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    p.stop();
    w.value()->join();
    ASSERT_TRUE(w.value()->failed());
    EXPECT_EQ(w.value()->failure().code, error_code::journal_failed);
    auto r = reader::open(dir.db());
    ASSERT_TRUE(r.ok());
    auto b = r.value().account_balance(available_account(buyer));
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b.value(), 0);  // the deposit was never durable, so never recorded
}

}  // namespace
}  // namespace cux::ledger::test
