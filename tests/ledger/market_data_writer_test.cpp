// The market-data recorder's thread (ledger/market_data_writer.hpp): it records the ring's
// events into DIR/marketdata.db, resumes after a reopen without recording anything twice, and
// once it has failed it keeps draining the ring, so the engine never waits for it (its order
// gate closes instead).

#include "ledger/market_data_writer.hpp"

#include <gtest/gtest.h>

#include "tests/ledger/ledger_harness.hpp"

namespace cux::ledger::test {
namespace {

using engine::test::hourly;

// A run of events like the engine's: a trade of h100.yrd (hour 1) at 12.00 x 2 every 10 s.
std::vector<event> trades(uint64_t first_seq, int n) {
    std::vector<event> out;
    for (int i = 0; i < n; ++i) {
        event e;
        e.event_seq = first_seq + static_cast<uint64_t>(i);
        e.cmd_seq = e.event_seq;
        e.ts = t0 + static_cast<int64_t>(e.event_seq) * 10 * ns_per_s;
        e.type = event_type::trade;
        e.body.trade.id = trade_id(e.event_seq);
        e.body.trade.instrument = hourly(0, 0, 1);
        e.body.trade.price = price_fen(1200);
        e.body.trade.qty = qty_devices(2);
        e.body.trade.compute = money_fen(2400);
        out.push_back(e);
    }
    return out;
}

md_writer_options options(const temp_dir& dir) {
    md_writer_options o;
    o.path = dir.path + "/marketdata.db";
    o.batch_ms = 5;
    return o;
}

int64_t volume_of(const temp_dir& dir) {
    auto r = md_reader::open(dir.path + "/marketdata.db");
    EXPECT_TRUE(r.ok());
    bool truncated = false;
    auto b =
        r.value().bars(hourly(0, 0, 1).value(), md::interval::h1, 0, INT64_MAX, 100, truncated);
    EXPECT_TRUE(b.ok());
    int64_t v = 0;
    for (const md::bar& x : b.value()) v += x.volume;
    return v;
}

TEST(MarketDataWriter, RecordsAndResumesExactlyOnce) {
    temp_dir dir;
    {
        spmc_ring<event> ring(256);
        auto w = md_writer::open(ring, options(dir));
        ASSERT_TRUE(w.ok()) << w.error().message;
        w.value()->start();
        for (const event& e : trades(1, 100)) ASSERT_TRUE(ring.publish(e));
        ring.close();
        w.value()->join();
        EXPECT_EQ(w.value()->committed_seq(), 100U);
        EXPECT_FALSE(w.value()->failed());
    }
    EXPECT_EQ(volume_of(dir), 200);
    {
        // A restart: the journal's whole history again, then 50 new events.
        spmc_ring<event> ring(256);
        auto w = md_writer::open(ring, options(dir));
        ASSERT_TRUE(w.ok());
        EXPECT_EQ(w.value()->position_at_open(), 100U);
        w.value()->start();
        for (const event& e : trades(1, 150)) ASSERT_TRUE(ring.publish(e));
        ring.close();
        w.value()->join();
        EXPECT_EQ(w.value()->committed_seq(), 150U);
    }
    EXPECT_EQ(volume_of(dir), 300);  // 150 trades of 2, none twice
}

TEST(MarketDataWriter, AFailedRecorderKeepsTheRingMovingAndShutsTheGate) {
    temp_dir dir;
    spmc_ring<event> ring(64);
    auto w = md_writer::open(ring, options(dir));
    ASSERT_TRUE(w.ok());
    w.value()->start();
    EXPECT_EQ(w.value()->order_gate(), "");
    // A gap (event 10 after 5) stops recording; the producer then publishes far more than the
    // ring holds: it would block forever if nobody drained it.
    for (const event& e : trades(1, 5)) ASSERT_TRUE(ring.publish(e));
    for (const event& e : trades(10, 2000)) ASSERT_TRUE(ring.publish(e));
    ring.close();
    w.value()->join();
    EXPECT_TRUE(w.value()->failed());
    EXPECT_EQ(w.value()->failure().code, error_code::diverged);
    EXPECT_NE(w.value()->order_gate().find("market data stopped recording"), std::string::npos);
    EXPECT_LE(w.value()->committed_seq(), 5U);
}

TEST(MarketDataWriter, RefusesALagBoundThatWouldLetTheRingFillFirst) {
    temp_dir dir;
    spmc_ring<event> ring(64);
    md_writer_options o = options(dir);
    o.lag_events_max = 64;
    auto w = md_writer::open(ring, o);
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(w.error().code, error_code::bad_request);
}

}  // namespace
}  // namespace cux::ledger::test
