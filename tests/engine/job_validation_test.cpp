// Job orders: every field is validated, each with a stable reject reason, on its reject path
// and next to an accepted job that differs only in that field. A rejected job emits `rejected`
// alone (then command_done) and changes nothing.

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "tests/engine/job_fixture.hpp"

namespace cux::engine::test {
namespace {

class JobValidation : public JobTest {
protected:
    // Runs the job that `edit` makes from a valid one; checks it is refused for `want` with
    // nothing else emitted and nothing changed.
    void expect_reject(reject_reason want, const std::function<void(command&)>& edit) {
        command c = job_cmd(lab, valid());
        edit(c);
        const uint64_t before = h.ex.content_hash();
        const auto evs = h.run(c);
        EXPECT_EQ(rejection(evs), want) << reject_code(want);
        EXPECT_EQ(evs.size(), 2U);  // rejected, command_done
        if (!evs.empty()) {
            EXPECT_EQ(evs.front().body.rejected.command, command_type::place_job);
        }
        EXPECT_EQ(h.ex.content_hash(), before);
    }
    // Runs it and checks it is accepted (routed: a job_done event, no rejection).
    void expect_ok(const std::function<void(command&)>& edit) {
        command c = job_cmd(lab, valid());
        edit(c);
        const auto evs = h.run(c);
        EXPECT_EQ(rejection(evs), reject_reason::none);
        EXPECT_EQ(of_type(evs, event_type::job_done).size(), 1U);
    }
    static job_spec valid() {
        job_spec s;
        s.dry_run = true;  // so the same book quotes every accepted variant
        return s;
    }
    void SetUp() override {
        JobTest::SetUp();
        sell(east, chip_h100, region_yrd, 1, 1200, 8);
    }
};

TEST_F(JobValidation, Participant) {
    expect_reject(reject_reason::unknown_participant,
                  [](command& c) { c.actor = participant_id(0); });
    expect_reject(reject_reason::unknown_participant,
                  [](command& c) { c.actor = participant_id(60); });
    expect_reject(reject_reason::forbidden, [this](command& c) { c.actor = east; });
    const participant_id reg = h.add("watcher", role_regulator);
    expect_reject(reject_reason::forbidden, [reg](command& c) { c.actor = reg; });
    expect_ok([](command&) {});
}

TEST_F(JobValidation, TimeInForceAndFlags) {
    expect_reject(reject_reason::invalid_order,
                  [](command& c) { c.body.job.tif = time_in_force::gtc; });
    expect_reject(reject_reason::invalid_order,
                  [](command& c) { c.body.job.tif = static_cast<time_in_force>(7); });
    expect_reject(reject_reason::invalid_order, [](command& c) { c.body.job.flags |= 8; });
    expect_ok([](command& c) { c.body.job.tif = time_in_force::fok; });
    expect_ok([](command& c) { c.body.job.flags |= job_flag_split; });
}

TEST_F(JobValidation, Size) {
    expect_reject(reject_reason::invalid_qty, [](command& c) { c.body.job.size = 0; });
    expect_reject(reject_reason::invalid_qty, [](command& c) { c.body.job.size = -3; });
    expect_reject(reject_reason::invalid_qty, [](command& c) {
        c.body.job.size = static_cast<int32_t>(limits::qty_per_order_max + 1);
    });
    expect_ok(
        [](command& c) { c.body.job.size = static_cast<int32_t>(limits::qty_per_order_max); });
    expect_reject(reject_reason::invalid_qty, [](command& c) {
        c.body.job.flags |= job_flag_pflops;
        c.body.job.size = static_cast<int32_t>(limits::job_mpflops_max + 1);
    });
    expect_ok([](command& c) {
        c.body.job.flags |= job_flag_pflops;
        c.body.job.size = static_cast<int32_t>(limits::job_mpflops_max);
    });
}

TEST_F(JobValidation, Window) {
    expect_reject(reject_reason::invalid_window, [](command& c) { c.body.job.hours = 0; });
    expect_reject(reject_reason::invalid_window, [](command& c) {
        c.body.job.hours = static_cast<uint8_t>(limits::job_hours_max + 1);
    });
    // Hours 1..8 are listed: 8 hours from hour 1 are fine, from hour 2 the last is not listed.
    expect_ok([](command& c) { c.body.job.hours = 8; });
    expect_reject(reject_reason::market_closed, [](command& c) {
        c.body.job.hours = 8;
        c.body.job.start_hour += 1;
    });
    expect_reject(reject_reason::market_closed,
                  [](command& c) { c.body.job.start_hour = static_cast<uint32_t>(h0); });
    expect_reject(reject_reason::market_closed,
                  [](command& c) { c.body.job.start_hour = 0xffffffffU; });
}

TEST(JobValidationPhase, CallPhaseIsNotContinuousTrading) {
    // Before the opening auction every listed hour is pre_open (a call phase).
    harness h(job_market());
    const participant_id lab = h.add("lab", role_buyer);
    const auto evs = h.run(job_cmd(lab, job_spec{}));
    EXPECT_EQ(rejection(evs), reject_reason::not_allowed_in_phase);
}

TEST_F(JobValidation, Regions) {
    expect_reject(reject_reason::unknown_region, [](command& c) { c.body.job.origin_region = 2; });
    expect_reject(reject_reason::unknown_region,
                  [](command& c) { c.body.job.origin_region = origin_none; });
    expect_reject(reject_reason::unknown_region, [](command& c) { c.body.job.regions = 1U << 2; });
    expect_reject(reject_reason::unknown_region, [](command& c) { c.body.job.regions = 1U << 31; });
    expect_ok([](command& c) { c.body.job.origin_region = region_nx; });
    expect_ok([](command& c) { c.body.job.regions = 3; });
}

TEST_F(JobValidation, Chips) {
    expect_reject(reject_reason::unknown_chip, [](command& c) { c.body.job.chips = 1U << 3; });
    expect_reject(reject_reason::unknown_chip, [](command& c) { c.body.job.chips = 1U << 31; });
    expect_ok([](command& c) { c.body.job.chips = 7; });
    expect_ok([](command& c) { c.body.job.chips = 0; });
}

TEST_F(JobValidation, DataVolume) {
    expect_reject(reject_reason::invalid_data_volume, [](command& c) {
        c.body.job.data_gb = static_cast<uint32_t>(limits::data_gb_max + 1);
    });
    expect_ok([](command& c) { c.body.job.data_gb = static_cast<uint32_t>(limits::data_gb_max); });
}

TEST_F(JobValidation, MaxPrice) {
    expect_reject(reject_reason::invalid_price, [](command& c) { c.body.job.max_price_fen = 0; });
    expect_reject(reject_reason::invalid_price, [](command& c) { c.body.job.max_price_fen = -1; });
    expect_ok([](command& c) {
        c.body.job.max_price_fen = static_cast<int32_t>(limits::job_price_fen_max);
    });
    expect_ok([](command& c) { c.body.job.max_price_fen = 1; });  // routed: no route
}

TEST_F(JobValidation, GreenShare) {
    expect_reject(reject_reason::invalid_constraint,
                  [](command& c) { c.body.job.min_green_milli = 1001; });
    expect_ok([](command& c) { c.body.job.min_green_milli = 1000; });
}

TEST(JobNames, NewReasonsAndEnumsHaveStableNames) {
    EXPECT_STREQ(reject_code(reject_reason::invalid_window), "INVALID_WINDOW");
    EXPECT_STREQ(reject_code(reject_reason::invalid_constraint), "INVALID_CONSTRAINT");
    EXPECT_STREQ(reject_code(reject_reason::no_route), "NO_ROUTE");
    EXPECT_EQ(static_cast<int>(reject_reason::invalid_window), 119);
    EXPECT_EQ(static_cast<int>(reject_reason::invalid_constraint), 120);
    EXPECT_EQ(static_cast<int>(reject_reason::no_route), 305);
    EXPECT_STREQ(command_name(command_type::place_job), "place_job");
    EXPECT_STREQ(event_name(event_type::job_candidate), "job_candidate");
    EXPECT_STREQ(event_name(event_type::job_done), "job_done");
    EXPECT_STREQ(job_exclusion_name(job_exclusion::no_liquidity), "no_liquidity");
    EXPECT_STREQ(job_exclusion_name(job_exclusion::over_max_price), "over_max_price");
    EXPECT_STREQ(job_status_name(job_status::partial), "partial");
    EXPECT_EQ(sizeof(command), 112U);
    EXPECT_EQ(sizeof(event), 152U);
}

}  // namespace
}  // namespace cux::engine::test
