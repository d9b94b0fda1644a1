// Injected disk faults (a SQLite VFS shim failing the WAL's sync or write): the ledger stops
// with "outcome unknown", the engine carries on without it, and a restart on a good disk
// re-reads the ledger's position and records everything exactly once.

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "ledger/reader.hpp"
#include "tests/ledger/fault_vfs.hpp"
#include "tests/ledger/live_harness.hpp"

namespace cux::ledger::test {
namespace {

using engine::test::harness;
using engine::test::hourly;

constexpr uint8_t h100 = 0;
constexpr uint8_t yrd = 0;
const participant_id buyer(1);
const participant_id vendor(2);

void trade_pairs(live_exchange& x, int n, int64_t price) {
    const instrument_id i1 = hourly(h100, yrd, 1);
    for (int i = 0; i < n; ++i) {
        x.submit(harness::order_cmd(vendor, i1, side::sell, price, 1));
        x.submit(harness::order_cmd(buyer, i1, side::buy, price, 1));
    }
}

// Runs the market on a VFS that fails as `arm` says after some trades, then restarts on a good
// disk and checks that nothing was lost or doubled.
void fault_then_restart(void (*arm)(), live_options lo = {}, const char* what = "") {
    fault_vfs::install();
    const fault_vfs::disarm_on_exit guard;
    temp_dir dir;
    int pairs = 10;
    int64_t deposits = 10'000'000;
    {
        lo.vfs = fault_vfs::name;
        live_exchange x(dir.path, lo);
        x.start();
        x.submit(create_cmd("buyer", role_buyer));
        x.submit(create_cmd("vendor", role_vendor));
        x.submit(deposit_cmd(buyer, 10'000'000));
        x.submit(capacity_cmd(vendor, h100, yrd, 100, h0, h0 + 48));
        x.set_time(t0 + 61 * ns_per_s);
        x.submit(tick_cmd());
        trade_pairs(x, 10, 1100);
        ASSERT_TRUE(x.caught_up());
        const int64_t faults_before = fault_vfs::faults();
        arm();
        // Keep trading (each round its own commit) until the disk fails.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!x.ledger->failed() && std::chrono::steady_clock::now() < deadline) {
            trade_pairs(x, 2, 1110);
            x.submit(deposit_cmd(buyer, 7));
            pairs += 2;
            deposits += 7;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        ASSERT_TRUE(x.ledger->failed());
        EXPECT_GT(fault_vfs::faults(), faults_before);
        const ledger_error e = x.ledger->failure();
        EXPECT_EQ(e.code, error_code::outcome_unknown) << e.message;
        EXPECT_NE(e.message.find("outcome unknown"), std::string::npos) << e.message;
        EXPECT_NE(e.message.find(what), std::string::npos) << e.message;
        const order_gate_state g = x.ledger->order_gate();
        EXPECT_FALSE(g.open);
        EXPECT_NE(g.reason.find("stopped"), std::string::npos) << g.reason;
        // The engine is not blocked by the dead ledger: more commands still go through.
        trade_pairs(x, 5, 1120);
        pairs += 5;
        x.stop();
        fault_vfs::disarm();
    }
    {
        live_exchange x(dir.path);  // the default VFS: a good disk
        x.set_time(t0 + 62 * ns_per_s);
        x.start();
        ASSERT_TRUE(x.caught_up());
        x.stop();
        EXPECT_FALSE(x.ledger->failed()) << x.ledger->failure().message;
    }
    const verify_report r = verify_dir(dir.path);
    EXPECT_TRUE(r.ok()) << describe(r);
    auto rd = reader::open(dir.db());
    ASSERT_TRUE(rd.ok());
    contract_query q;
    q.limit = 1000;
    auto k = rd.value().contracts(q);
    ASSERT_TRUE(k.ok());
    ASSERT_EQ(k.value().size(), static_cast<std::size_t>(pairs));  // every trade, once
    for (std::size_t i = 0; i < k.value().size(); ++i) EXPECT_EQ(k.value()[i].trade, i + 1);
    auto b = rd.value().account_balance(bank_account);
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b.value(), -deposits);
}

TEST(LedgerFault, FailedWalSyncStopsWithOutcomeUnknownAndRestartLosesNothing) {
    fault_then_restart([] { fault_vfs::fail_wal_sync_after(0); });
}

TEST(LedgerFault, FailedWalWriteStopsWithOutcomeUnknownAndRestartLosesNothing) {
    fault_then_restart([] { fault_vfs::fail_wal_write_after(0); });
}

TEST(LedgerFault, AFailedCheckpointSyncStopsWithOutcomeUnknownToo) {
    // Only checkpoints write (and sync) the database file: the background checkpointer's
    // failure stops the writer as a failed commit would.
    live_options lo;
    lo.checkpoint_pages = 8;
    fault_then_restart([] { fault_vfs::fail_db_sync_after(0); }, lo, "checkpoint");
}

TEST(LedgerFault, AFailedSyncOfTheWritersOwnCheckpointStopsItToo) {
    live_options lo;
    lo.background_checkpoints = false;  // every commit past 8 WAL pages checkpoints itself
    lo.checkpoint_pages = 8;
    fault_then_restart([] { fault_vfs::fail_db_sync_after(0); }, lo, "checkpoint");
}

TEST(LedgerFault, ASyncThatFailsLaterInTheRunIsHandledTheSameWay) {
    // A few good commits first, so the failure lands after the WAL has grown.
    fault_then_restart([] { fault_vfs::fail_wal_sync_after(2); });
}

}  // namespace
}  // namespace cux::ledger::test
