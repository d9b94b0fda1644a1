#pragma once
// The fixture of the job worked examples: the job market (job_harness.hpp) one minute after
// listing, so hours 1..8 after t0 trade continuously. Vendors `east` (registered in yrd) and
// `west` (in nx) may sell 1000 H100 and 1000 910B for every hour of the day; buyer `lab` has
// 100,000.00 CNY.

#include <gtest/gtest.h>

#include <vector>

#include "tests/engine/job_harness.hpp"

namespace cux::engine::test {

class JobTest : public ::testing::Test {
protected:
    void SetUp() override {
        east = h.add("east", role_vendor);
        west = h.add("west", role_vendor);
        lab = h.add("lab", role_buyer);
        h.deposit(lab, 10'000'000);
        for (const uint8_t chip : {chip_h100, chip_910b}) {
            h.capacity(east, chip, region_yrd, 1000, h0, h0 + 24);
            h.capacity(west, chip, region_nx, 1000, h0, h0 + 24);
        }
        h.tick_at(t0 + 61 * ns_per_s);
        ASSERT_EQ(h.ex.instrument(hourly(chip_h100, region_yrd, 1))->status,
                  instrument_status::open);
    }

    void sell(participant_id p, uint8_t chip, uint8_t region, int64_t hour, int64_t price,
              int64_t qty) {
        const auto evs = h.place(p, hourly(chip, region, hour), side::sell, price, qty);
        ASSERT_EQ(rejection(evs), reject_reason::none);
    }

    std::vector<event> job(const job_spec& s, participant_id who = participant_id(0)) {
        return h.run(job_cmd(who.value() == 0 ? lab : who, s));
    }

    harness h{job_market()};
    participant_id east;
    participant_id west;
    participant_id lab;
};

}  // namespace cux::engine::test
