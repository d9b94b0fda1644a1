#pragma once
// The fixture of the recorder's and the reader's tests: a ledger_harness with a funded buyer and
// a vendor with capacity in the small market (tests/engine/harness.hpp), one worked trade, and
// the checks every test ends with.

#include <gtest/gtest.h>

#include "ledger/reader.hpp"
#include "tests/ledger/ledger_harness.hpp"

namespace cux::ledger::test {

inline constexpr uint8_t h100 = 0;
inline constexpr uint8_t yrd = 0;
inline constexpr uint8_t nx = 1;

// A buyer with 100,000.00 and a vendor with 100 devices in the small market, past pre-open.
class Ledger : public ::testing::Test {
protected:
    void SetUp() override {
        buyer = L.add("buyer", role_buyer);
        vendor = L.add("vendor", role_vendor);
        L.deposit(buyer, 10'000'000);
        L.h.capacity(vendor, h100, yrd, 100, h0, h0 + 48);
        L.tick_at(t0 + 61 * ns_per_s);  // past pre-open
    }

    // The vendor rests 2 at 11.00 and the buyer (data 1000 GB from nx) takes them: compute
    // 2 x 1100 = 2200; energy 2 x 0.7 kW x 1.30 x 69.2 fen = 125.944 -> 126; network 1000 GB x
    // 4.8 fen = 4800 (to carrier 0); buyer fee 5 bps of 2200 = 1.1 -> 1; seller fee 2 bps =
    // 0.44 -> 0. The buyer pays 7127 into escrow.
    trade_body trade_two() {
        L.run(engine::test::harness::order_cmd(vendor, i1, side::sell, 1100, 2));
        command c = engine::test::harness::order_cmd(buyer, i1, side::buy, 1200, 2);
        c.body.place.origin_region = nx;
        c.body.place.data_gb = 1000;
        const auto trades = engine::test::of_type(L.run(c), event_type::trade);
        EXPECT_EQ(trades.size(), 1U);
        return trades.empty() ? trade_body{} : trades[0].body.trade;
    }

    int64_t bal(account_id a) {
        auto r = L.read().account_balance(a);
        EXPECT_TRUE(r.ok());
        return r.ok() ? r.value() : INT64_MIN;
    }

    void expect_verified() {
        const verify_report r = L.verify_all();
        EXPECT_TRUE(r.ok()) << describe(r);
        const verify_check* replay = find_check(r, "engine_replay");
        ASSERT_NE(replay, nullptr);
        EXPECT_FALSE(replay->skipped);
    }

    ledger_harness L;
    participant_id buyer, vendor;
    // Window 01:00-02:00: it settles at 02:15 (t0 + 135 min).
    const instrument_id i1 = engine::test::hourly(h100, yrd, 1);
};

}  // namespace cux::ledger::test
