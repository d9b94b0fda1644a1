// Checkpoints on their own thread: the WAL is copied back while the writer commits and restarts
// instead of growing, and a WAL that cannot be copied back (a reader holding an old snapshot)
// stops the writer at its bound rather than filling the disk.

#include "ledger/checkpointer.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "ledger/detail/sqlite.hpp"
#include "tests/ledger/live_harness.hpp"

namespace cux::ledger::test {
namespace {

using engine::test::harness;
using engine::test::hourly;

const participant_id buyer(1);
const participant_id vendor(2);

void open_market(live_exchange& x) {
    x.submit(create_cmd("buyer", role_buyer));
    x.submit(create_cmd("vendor", role_vendor));
    x.submit(deposit_cmd(buyer, 50'000'000));
    x.submit(capacity_cmd(vendor, 0, 0, 100'000, h0, h0 + 48));
    x.set_time(t0 + 61 * ns_per_s);
    x.submit(tick_cmd());
}

// One trade of a device; the ledger commits it on its own (a batch, a WAL sync).
void trade_one(live_exchange& x, int i) {
    const instrument_id i1 = hourly(0, 0, 1);
    x.submit(harness::order_cmd(vendor, i1, side::sell, 1100 + i % 50, 1));
    x.submit(harness::order_cmd(buyer, i1, side::buy, 1200, 1));
}

TEST(LedgerCheckpointer, CopiesTheWalBackWhileTheWriterCommitsAndTheWalRestarts) {
    temp_dir dir;
    live_options lo;
    lo.batch_events = 256;  // many small commits
    lo.checkpoint_pages = 8;
    lo.wal_restart_pages = 48;
    uintmax_t wal_extent = 0;
    {
        live_exchange x(dir.path, lo);
        x.start();
        open_market(x);
        // Back to back: the writer is never idle, so only its own checkpoint at 48 pages lets
        // the WAL restart.
        for (int i = 0; i < 3000; ++i) trade_one(x, i);
        ASSERT_TRUE(x.caught_up());
        // The WAL file keeps the size of its furthest frame while the database is open.
        wal_extent = std::filesystem::file_size(dir.db() + "-wal");
        x.stop();
        ASSERT_FALSE(x.ledger->failed()) << x.ledger->failure().message;
        const writer_counters c = x.ledger->counters();
        EXPECT_GT(c.checkpoints.rounds, 0U);
        EXPECT_EQ(c.checkpoints.failures, 0U) << c.checkpoints.last_error;
    }
    // Measured here: 65-110 pages; 120-360 when the writer never checkpoints itself (the WAL
    // then restarts only when the checkpointer happens to catch up between two commits).
    EXPECT_LT(wal_extent, 200U * 4096U) << "the WAL did not restart";
    const verify_report r = verify_dir(dir.path);
    EXPECT_TRUE(r.ok()) << describe(r);
}

TEST(LedgerCheckpointer, AWalThatCannotBeCopiedBackStopsTheWriterAtItsBound) {
    temp_dir dir;
    live_options lo;
    lo.checkpoint_pages = 8;
    lo.wal_restart_pages = 16;
    lo.wal_pages_max = 64;
    {
        live_exchange x(dir.path, lo);
        x.start();
        open_market(x);
        ASSERT_TRUE(x.caught_up());
        // A reader in the middle of a read transaction pins the WAL: nothing it might read
        // may be overwritten, so the WAL can neither be copied past its snapshot nor restart.
        auto pin = detail::connection::open(dir.db(), false, false, "", 1000);
        ASSERT_TRUE(pin.ok());
        ASSERT_TRUE(pin.value().exec("BEGIN").ok());
        ASSERT_TRUE(pin.value().query_int("SELECT count(*) FROM transfers").ok());
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        int i = 0;
        while (!x.ledger->failed() && std::chrono::steady_clock::now() < deadline) {
            trade_one(x, i++);
            (void)x.caught_up(std::chrono::milliseconds(500));
        }
        ASSERT_TRUE(x.ledger->failed());
        const ledger_error e = x.ledger->failure();
        EXPECT_EQ(e.code, error_code::io);
        EXPECT_NE(e.message.find("snapshot"), std::string::npos) << e.message;
        EXPECT_FALSE(x.ledger->order_gate().open);
        (void)pin.value().exec("COMMIT");
        x.stop();
    }
    // Restarted without the reader: the journal replays what was not recorded.
    {
        live_exchange x(dir.path, lo);
        x.start();
        ASSERT_TRUE(x.caught_up());
        x.stop();
        EXPECT_FALSE(x.ledger->failed()) << x.ledger->failure().message;
    }
    const verify_report r = verify_dir(dir.path);
    EXPECT_TRUE(r.ok()) << describe(r);
}

}  // namespace
}  // namespace cux::ledger::test
