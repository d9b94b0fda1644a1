// Replay determinism through the real pipeline and the real journal (temp directory, real
// fdatasync): a random command stream is sequenced, journaled and applied; a fresh exchange that
// replays the journal reaches the same state hash and re-emits the same events byte for byte.

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "engine/exchange.hpp"
#include "engine/pipeline.hpp"
#include "tests/engine/harness.hpp"

namespace cux::engine::test {
namespace {

// Collects every event of a pipeline on its own thread until the ring closes.
class collector {
public:
    explicit collector(spmc_ring<event>& ring) : ring_(ring), id_(ring.add_consumer()) {}
    void start() {
        thread_ = std::thread([this] {
            while (ring_.wait_available(id_) > 0) {
                ring_.poll(
                    id_,
                    [this](const event& e) {
                        std::lock_guard<std::mutex> g(mu_);
                        events_.push_back(e);
                        if (e.type == event_type::order_accepted)
                            ids_.push_back(e.body.accepted.id);
                    },
                    1024);
            }
        });
    }
    void join() { thread_.join(); }
    std::vector<event> events() {
        std::lock_guard<std::mutex> g(mu_);
        return events_;
    }
    order_id some_order(std::mt19937_64& rng) {
        std::lock_guard<std::mutex> g(mu_);
        if (ids_.empty()) return order_id(rng());
        return ids_[rng() % ids_.size()];
    }

private:
    spmc_ring<event>& ring_;
    spmc_consumer id_;
    std::thread thread_;
    std::mutex mu_;
    std::vector<event> events_;
    std::vector<order_id> ids_;
};

struct temp_dir {
    std::string path;
    temp_dir() {
        char tmpl[] = "/tmp/cux-replay-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~temp_dir() { std::filesystem::remove_all(path); }
};

// Commands that make a busy small market: participants, money, capacity, orders, cancels, jobs.
command random_command(std::mt19937_64& rng, collector& col, int i) {
    command c;
    if (i < 6) {
        c.type = command_type::create_participant;
        c.body.create.roles = i % 2 == 0 ? role_buyer : role_vendor;
        std::snprintf(c.body.create.name, sizeof c.body.create.name, "p%d", i);
        return c;
    }
    const auto p = participant_id(static_cast<uint32_t>(1 + rng() % 6));
    const int kind = static_cast<int>(rng() % 100);
    if (i < 12 || kind < 3) {
        c.type = command_type::deposit;
        c.body.money.target = p;
        c.body.money.amount = money_fen(static_cast<int64_t>(1'000'000 + rng() % 1'000'000));
    } else if (i < 24 || kind < 6) {
        c.type = command_type::register_capacity;
        c.actor = p;
        c.body.capacity.chip = static_cast<uint8_t>(rng() % 2);
        c.body.capacity.region = static_cast<uint8_t>(rng() % 2);
        c.body.capacity.devices = qty_devices(static_cast<int64_t>(50 + rng() % 50));
        c.body.capacity.from_hour = h0;
        c.body.capacity.to_hour = h0 + 40;
    } else if (kind < 10) {
        // A job order from a buyer for one of the hours the orders trade (refused once the
        // hour's gate has closed): routed over both chips and regions, sometimes split,
        // sometimes only quoted.
        command j;
        j.type = command_type::place_job;
        j.actor = participant_id(static_cast<uint32_t>(1 + 2 * (rng() % 3)));
        job_body& b = j.body.job;
        b.chips = rng() % 4 == 0 ? 0U : 1U;  // any chip, or H100 (the only one sold here)
        b.start_hour = static_cast<uint32_t>(h0 + 1 + static_cast<int64_t>(rng() % 2));
        b.hours = 1;
        b.size = static_cast<int32_t>(1 + rng() % 8);
        b.origin_region = static_cast<uint8_t>(rng() % 2);
        b.data_gb = static_cast<uint32_t>(rng() % 3000);
        b.max_price_fen = static_cast<int32_t>(1200 + rng() % 1000);
        b.tif = rng() % 2 == 0 ? time_in_force::ioc : time_in_force::fok;
        b.flags = static_cast<uint8_t>((rng() % 2 == 0 ? job_flag_split : 0) |
                                       (rng() % 5 == 0 ? job_flag_dry_run : 0));
        return j;
    } else if (kind < 20) {
        c.type = command_type::cancel_order;
        c.actor = p;
        c.body.cancel.id = col.some_order(rng);
    } else if (kind < 27) {
        c.type = command_type::replace_order;
        c.actor = p;
        c.body.replace.id = col.some_order(rng);
        c.body.replace.price = price_fen(static_cast<int64_t>(1100 + rng() % 200));
        c.body.replace.qty = qty_devices(static_cast<int64_t>(1 + rng() % 5));
    } else {
        const bool buy = rng() % 2 == 0;
        c = harness::order_cmd(
            p, hourly(static_cast<uint8_t>(rng() % 2), static_cast<uint8_t>(0), 1 + rng() % 2),
            buy ? side::buy : side::sell, static_cast<int64_t>(1100 + rng() % 200),
            static_cast<int64_t>(1 + rng() % 5), static_cast<time_in_force>(rng() % 3));
        c.body.place.stp = static_cast<stp_mode>(rng() % 3);
        if (buy && rng() % 3 == 0) {
            c.body.place.origin_region = 1;
            c.body.place.data_gb = static_cast<int64_t>(rng() % 5000);
        }
    }
    return c;
}

struct run_result {
    uint64_t hash = 0;
    uint64_t last_seq = 0;
    std::vector<event> events;
};

// Runs `n` random commands through a pipeline on `dir` (after replaying what is there).
run_result run(const std::string& dir, int n, uint64_t seed, bool publish_replayed,
               uint64_t* replayed = nullptr) {
    exchange ex(small_market(), small_config());
    machine_ref<exchange> m(ex);
    pipeline_options opts;
    opts.data_dir = dir;
    opts.tick_interval_ms = 0;
    opts.publish_replayed_events = publish_replayed;
    opts.segment_bytes_max = 64 * 1024;  // several segments
    // Time advances 2 s per stamp from t0, so the stream crosses pre-open, the opening
    // auction, continuous trading, the closing call, gate closure and new listings.
    auto clock_ticks = std::make_shared<std::atomic<int64_t>>(0);
    opts.clock = [clock_ticks] { return t0 + 2 * ns_per_s * clock_ticks->fetch_add(1); };
    pipeline p(m, opts);
    collector col(p.events());
    col.start();
    const replay_result r = p.replay();
    EXPECT_TRUE(r.ok()) << r.scan.what;
    if (replayed != nullptr) *replayed = r.commands;
    clock_ticks->store(static_cast<int64_t>(r.commands));
    EXPECT_TRUE(p.start()) << p.error();
    std::mt19937_64 rng(seed);
    for (int i = 0; i < n; ++i) {
        EXPECT_TRUE(p.submit(random_command(rng, col, static_cast<int>(r.commands) + i)));
    }
    p.stop();
    col.join();
    EXPECT_EQ(ex.check_invariants(), "");
    return run_result{ex.state_hash(), ex.last_seq(), col.events()};
}

TEST(Replay, RestartFromTheJournalReachesTheSameStateAndEvents) {
    temp_dir dir;
    const run_result first = run(dir.path, 3000, 42, false);
    ASSERT_EQ(first.last_seq, 3000U);
    ASSERT_GT(first.events.size(), 3000U);
    int trades = 0;
    int job_trades = 0;
    int jobs = 0;
    for (const event& e : first.events) {
        trades += e.type == event_type::trade ? 1 : 0;
        job_trades += e.type == event_type::trade && e.command == command_type::place_job ? 1 : 0;
        jobs += e.type == event_type::job_done ? 1 : 0;
    }
    EXPECT_GT(trades, 50);     // the stream really traded
    EXPECT_GT(jobs, 50);       // and routed jobs (job orders are in the journal)
    EXPECT_GT(job_trades, 5);  // some of which bought

    uint64_t replayed = 0;
    const run_result again = run(dir.path, 0, 0, true, &replayed);
    EXPECT_EQ(replayed, 3000U);
    EXPECT_EQ(again.hash, first.hash);
    ASSERT_EQ(again.events.size(), first.events.size());
    EXPECT_EQ(
        std::memcmp(again.events.data(), first.events.data(), first.events.size() * sizeof(event)),
        0);
}

TEST(Replay, AppendsAfterReplayContinueTheSameHistory) {
    temp_dir dir;
    run(dir.path, 1500, 7, false);
    const run_result second = run(dir.path, 1500, 8, false);
    EXPECT_EQ(second.last_seq, 3000U);
    uint64_t replayed = 0;
    const run_result third = run(dir.path, 0, 0, false, &replayed);
    EXPECT_EQ(replayed, 3000U);
    EXPECT_EQ(third.hash, second.hash);
}

TEST(Replay, TornTailIsTruncatedAndNeverApplied) {
    temp_dir dir;
    const run_result first = run(dir.path, 500, 3, false);
    // Half a record at the end of the newest segment, as a crash mid-write leaves it.
    std::filesystem::path newest;
    for (const auto& f : std::filesystem::directory_iterator(journal_dir(dir.path))) {
        if (newest.empty() || f.path() > newest) newest = f.path();
    }
    {
        // The first 50 bytes of a copy of the last record: its frame is right, its payload cut.
        FILE* f = std::fopen(newest.c_str(), "r+b");
        ASSERT_NE(f, nullptr);
        std::fseek(f, -static_cast<long>(journal_format::record_bytes), SEEK_END);
        char part[50];
        ASSERT_EQ(std::fread(part, 1, sizeof part, f), sizeof part);
        std::fseek(f, 0, SEEK_END);
        std::fwrite(part, 1, sizeof part, f);
        std::fclose(f);
    }
    exchange ex(small_market(), small_config());
    machine_ref<exchange> m(ex);
    pipeline_options opts;
    opts.data_dir = dir.path;
    opts.tick_interval_ms = 0;
    pipeline p(m, opts);
    const replay_result r = p.replay();
    EXPECT_EQ(r.scan.status, tail_status::torn);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.commands, 500U);
    EXPECT_EQ(ex.state_hash(), first.hash);
}

TEST(Replay, CorruptRecordRefusesToStart) {
    temp_dir dir;
    run(dir.path, 300, 5, false);
    std::filesystem::path oldest;
    for (const auto& f : std::filesystem::directory_iterator(journal_dir(dir.path))) {
        if (oldest.empty() || f.path() < oldest) oldest = f.path();
    }
    {
        FILE* f = std::fopen(oldest.c_str(), "r+b");
        ASSERT_NE(f, nullptr);
        std::fseek(f, 2000, SEEK_SET);  // inside a record's payload
        const int c = std::fgetc(f);
        std::fseek(f, 2000, SEEK_SET);
        std::fputc(c ^ 0x40, f);
        std::fclose(f);
    }
    exchange ex(small_market(), small_config());
    machine_ref<exchange> m(ex);
    pipeline_options opts;
    opts.data_dir = dir.path;
    opts.tick_interval_ms = 0;
    pipeline p(m, opts);
    const replay_result r = p.replay();
    EXPECT_EQ(r.scan.status, tail_status::corrupt);
    EXPECT_FALSE(r.ok());
    EXPECT_LT(r.commands, 300U);
    EXPECT_FALSE(p.start());
}

}  // namespace
}  // namespace cux::engine::test
