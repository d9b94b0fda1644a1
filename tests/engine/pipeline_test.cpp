// Tests of engine/pipeline.hpp with a toy machine, over a real journal in a fresh /tmp directory.
#include "engine/pipeline.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace cux::engine {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct temp_dir {
    std::string path;
    temp_dir() {
        char tmpl[] = "/tmp/cux-pipeline-test-XXXXXX";
        const char* p = ::mkdtemp(tmpl);
        if (p == nullptr) std::abort();
        path = p;
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

void await_or_abort(const std::atomic<bool>& done, std::chrono::seconds limit, const char* what) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done.load()) {
        if (std::chrono::steady_clock::now() > deadline) {
            std::fprintf(stderr, "pipeline_test: hung: %s\n", what);
            std::abort();
        }
        std::this_thread::sleep_for(1ms);
    }
}

// Counts commands, hashes the command stream (FNV-1a over every byte, seq and ts included) and
// emits one event per command carrying its seq.
struct toy_machine {
    uint64_t count = 0;
    uint64_t ticks = 0;
    uint64_t hash = 14695981039346656037ull;
    uint64_t event_seq = 0;
    uint64_t last_seq = 0;
    utc_ns last_ts = 0;
    std::vector<command> seen;  // only when `keep`
    bool keep = false;

    void apply(const command& c, event_sink& out) {
        const auto* p = reinterpret_cast<const unsigned char*>(&c);
        for (std::size_t i = 0; i < sizeof c; ++i) {
            hash ^= p[i];
            hash *= 1099511628211ull;
        }
        ++count;
        if (c.type == command_type::tick) ++ticks;
        last_seq = c.seq;
        last_ts = c.ts;
        if (keep) seen.push_back(c);
        event e{};
        e.event_seq = ++event_seq;
        e.cmd_seq = c.seq;
        e.ts = c.ts;
        e.token = c.token;
        e.participant = c.actor;
        e.type = event_type::command_done;
        e.command = c.type;
        out.on_event(e);
    }
};

command order_from(uint32_t session, uint64_t request) {
    command c{};
    c.type = command_type::cancel_order;
    c.actor = participant_id{session + 10};
    c.token.session = session;
    c.token.request = request;
    c.body.cancel.id = order_id{request};
    c.seq = 999'999;  // the sequencer overwrites whatever the gateway left here
    c.ts = -5;
    return c;
}

// A deterministic clock for tests: 1 µs per call from a fixed epoch.
std::function<utc_ns()> fake_clock() {
    auto t = std::make_shared<utc_ns>(1'800'000'000'000'000'000);
    return [t] { return *t += 1000; };
}

pipeline_options test_options(const std::string& dir) {
    pipeline_options o;
    o.data_dir = dir;
    o.tick_interval_ms = 0;
    o.command_ring_capacity = 256;
    o.event_ring_capacity = 256;  // small: consumers gate the engine thread
    o.clock = fake_clock();
    return o;
}

// Consumes every event of `ring` on its own thread and checks ordering as it goes.
struct checking_consumer {
    spmc_ring<event>& ring;
    spmc_consumer id;
    pipeline* durable_of = nullptr;  // when set: wait for durability before "releasing" events
    uint64_t first_cmd_seq = 0;
    uint64_t expect_cmd_seq = 0;
    uint64_t events = 0;
    uint64_t order_errors = 0;
    uint64_t durability_errors = 0;
    std::vector<uint64_t> next_request;  // per session: requests arrive in submission order
    std::atomic<bool> done{false};
    std::thread thread;

    checking_consumer(spmc_ring<event>& r, std::size_t sessions)
        : ring(r), id(r.add_consumer()), next_request(sessions, 0) {}

    void start() {
        thread = std::thread([this] {
            std::vector<event> batch(64);
            while (ring.wait_available(id) != 0) {
                const std::size_t n = ring.poll(id, std::span<event>(batch));
                if (durable_of != nullptr && n != 0) {
                    const uint64_t upto = batch[n - 1].cmd_seq;
                    if (!durable_of->wait_durable(upto)) ++durability_errors;
                }
                for (std::size_t i = 0; i < n; ++i) check(batch[i]);
            }
            done = true;
        });
    }
    void check(const event& e) {
        if (events == 0) {
            first_cmd_seq = e.cmd_seq;
            expect_cmd_seq = e.cmd_seq;
        }
        ++events;
        if (e.cmd_seq != expect_cmd_seq) ++order_errors;
        expect_cmd_seq = e.cmd_seq + 1;
        if (durable_of != nullptr && e.cmd_seq > durable_of->durable_seq()) ++durability_errors;
        if (e.command != command_type::tick && e.token.session < next_request.size()) {
            uint64_t& next = next_request[e.token.session];
            if (e.token.request != next) ++order_errors;
            next = e.token.request + 1;
        }
    }
    void join() {
        await_or_abort(done, 120s, "event consumer did not see the ring close");
        thread.join();
    }
};

TEST(Pipeline, ThreeSubmittersTwoConsumersThenReplayReproducesStateAndContinuesSeq) {
    temp_dir t;
    constexpr uint32_t submitters = 3;
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
    constexpr uint64_t per_submitter = 1000;
#else
    constexpr uint64_t per_submitter = 5000;
#endif
    constexpr uint64_t total = submitters * per_submitter;
    uint64_t first_hash = 0;
    uint64_t replay_bytes = 0;
    {
        toy_machine m;
        machine_ref<toy_machine> ref(m);
        pipeline p(ref, test_options(t.path));
        checking_consumer plain(p.events(), submitters);
        checking_consumer durable(p.events(), submitters);
        durable.durable_of = &p;
        const replay_result r = p.replay();
        ASSERT_TRUE(r.ok());
        EXPECT_EQ(r.commands, 0u);
        ASSERT_TRUE(p.start()) << p.error();
        plain.start();
        durable.start();

        std::vector<std::thread> threads;
        for (uint32_t s = 0; s < submitters; ++s) {
            threads.emplace_back([&p, s] {
                for (uint64_t i = 0; i < per_submitter; ++i) {
                    // Mix both submit paths; try_submit may find the small ring full.
                    if ((i & 3) != 0 || !p.try_submit(order_from(s, i))) {
                        ASSERT_TRUE(p.submit(order_from(s, i)));
                    }
                }
            });
        }
        for (auto& th : threads) th.join();
        p.stop();
        plain.join();
        durable.join();

        for (checking_consumer* c : {&plain, &durable}) {
            EXPECT_EQ(c->events, total);
            EXPECT_EQ(c->first_cmd_seq, 1u);
            EXPECT_EQ(c->order_errors, 0u);
            EXPECT_EQ(c->durability_errors, 0u);
        }
        EXPECT_EQ(m.count, total);
        EXPECT_EQ(m.last_seq, total);
        EXPECT_EQ(p.last_seq(), total);
        EXPECT_EQ(p.durable_seq(), total);
        const pipeline_counters c = p.counters();
        EXPECT_EQ(c.commands_applied, total);
        EXPECT_EQ(c.events_published, total);
        EXPECT_GE(c.batches, 1u);
        EXPECT_EQ(c.journal.records, total);
        EXPECT_GE(c.journal.fsyncs, 2u);
        first_hash = m.hash;
    }

    // Restart over the same directory: replay rebuilds the same state, numbering continues.
    uint64_t second_hash = 0;
    {
        toy_machine m;
        machine_ref<toy_machine> ref(m);
        pipeline p(ref, test_options(t.path));
        checking_consumer fresh(p.events(), submitters + 1);
        std::vector<uint64_t> progress_calls;
        const replay_result r = p.replay([&](uint64_t n, uint64_t bytes) {
            progress_calls.push_back(n);
            replay_bytes = bytes;
        });
        ASSERT_TRUE(r.ok()) << r.scan.what;
        EXPECT_EQ(r.scan.status, tail_status::clean);
        EXPECT_EQ(r.commands, total);
        ASSERT_FALSE(progress_calls.empty());
        EXPECT_EQ(progress_calls.back(), total);
        EXPECT_EQ(replay_bytes,
                  journal_format::header_bytes + total * journal_format::record_bytes);
        EXPECT_EQ(m.count, total);
        EXPECT_EQ(m.hash, first_hash);
        EXPECT_EQ(p.last_seq(), total);

        ASSERT_TRUE(p.start()) << p.error();
        EXPECT_EQ(p.durable_seq(), total);  // what was replayed is on disk
        fresh.start();
        for (uint64_t i = 0; i < 10; ++i) ASSERT_TRUE(p.submit(order_from(submitters, i)));
        p.stop();
        fresh.join();
        EXPECT_EQ(fresh.events, 10u);  // replayed events were discarded (the default)
        EXPECT_EQ(fresh.first_cmd_seq, total + 1);
        EXPECT_EQ(fresh.order_errors, 0u);
        EXPECT_EQ(m.last_seq, total + 10);
        EXPECT_EQ(p.counters().commands_replayed, total);
        second_hash = m.hash;
    }

    // And once more: the whole stream, old and new, replays to the same state.
    {
        toy_machine m;
        machine_ref<toy_machine> ref(m);
        pipeline p(ref, test_options(t.path));
        const replay_result r = p.replay();
        ASSERT_TRUE(r.ok());
        EXPECT_EQ(r.commands, total + 10);
        EXPECT_EQ(m.hash, second_hash);
    }
}

// Captures commands as applied; the test reads them only after stop().
TEST(Pipeline, StampsSeqAndTimeThatNeverGoesBackwards) {
    temp_dir t;
    toy_machine m;
    m.keep = true;
    machine_ref<toy_machine> ref(m);
    pipeline_options o = test_options(t.path);
    o.sync = sync_mode::none;
    const std::vector<utc_ns> clock_values = {100, 50, 200, 200, 150, 300};
    auto i = std::make_shared<std::size_t>(0);
    o.clock = [clock_values, i] { return clock_values[(*i)++ % clock_values.size()]; };
    pipeline p(ref, o);
    ASSERT_TRUE(p.replay().ok());
    ASSERT_TRUE(p.start());
    for (uint64_t k = 0; k < 6; ++k) ASSERT_TRUE(p.submit(order_from(0, k)));
    p.stop();
    ASSERT_EQ(m.seen.size(), 6u);
    const std::vector<utc_ns> want_ts = {100, 100, 200, 200, 200, 300};
    for (std::size_t k = 0; k < 6; ++k) {
        EXPECT_EQ(m.seen[k].seq, k + 1);
        EXPECT_EQ(m.seen[k].ts, want_ts[k]) << k;
        EXPECT_EQ(m.seen[k].token.request, k);  // everything else is the gateway's
    }
}

TEST(Pipeline, ReplayCanPublishTheReplayedEvents) {
    temp_dir t;
    {
        toy_machine m;
        machine_ref<toy_machine> ref(m);
        pipeline p(ref, test_options(t.path));
        ASSERT_TRUE(p.replay().ok());
        ASSERT_TRUE(p.start());
        for (uint64_t k = 0; k < 50; ++k) ASSERT_TRUE(p.submit(order_from(0, k)));
        p.stop();
    }
    toy_machine m;
    machine_ref<toy_machine> ref(m);
    pipeline_options o = test_options(t.path);
    o.publish_replayed_events = true;
    pipeline p(ref, o);
    checking_consumer c(p.events(), 1);
    c.start();  // consumes while replay() publishes: the engine waits for it (backpressure)
    ASSERT_TRUE(p.replay().ok());
    ASSERT_TRUE(p.start());
    ASSERT_TRUE(p.submit(order_from(0, 50)));
    p.stop();
    c.join();
    EXPECT_EQ(c.events, 51u);
    EXPECT_EQ(c.first_cmd_seq, 1u);
    EXPECT_EQ(c.order_errors, 0u);
}

TEST(Pipeline, ClockThreadSubmitsTicks) {
    temp_dir t;
    toy_machine m;
    machine_ref<toy_machine> ref(m);
    pipeline_options o = test_options(t.path);
    o.tick_interval_ms = 2;
    o.sync = sync_mode::none;
    pipeline p(ref, o);
    const spmc_consumer id = p.events().add_consumer();
    ASSERT_TRUE(p.replay().ok());
    ASSERT_TRUE(p.start());
    uint64_t ticks = 0;
    std::atomic<bool> enough{false};
    std::thread consumer([&] {
        while (p.events().wait_available(id) != 0) {
            p.events().poll(
                id,
                [&](const event& e) {
                    if (e.command == command_type::tick && e.participant == participant_id{0}) {
                        ++ticks;
                    }
                },
                64);
            if (ticks >= 3) enough = true;
        }
    });
    await_or_abort(enough, 60s, "no ticks from the clock thread");
    p.stop();
    consumer.join();
    EXPECT_GE(m.ticks, 3u);
    EXPECT_GE(p.counters().ticks, 3u);
}

void write_commands(const std::string& dir, uint64_t n) {
    toy_machine m;
    machine_ref<toy_machine> ref(m);
    pipeline p(ref, test_options(dir));
    ASSERT_TRUE(p.replay().ok());
    ASSERT_TRUE(p.start());
    for (uint64_t k = 0; k < n; ++k) ASSERT_TRUE(p.submit(order_from(0, k)));
    p.stop();
}

TEST(Pipeline, TornTailIsTruncatedOnReplayAndNumberingContinues) {
    temp_dir t;
    write_commands(t.path, 20);
    const std::string seg = journal_dir(t.path) + "/" + segment_name(1);
    fs::resize_file(seg, fs::file_size(seg) - 50);  // the 20th record loses its last 50 bytes

    toy_machine m;
    m.keep = true;
    machine_ref<toy_machine> ref(m);
    pipeline p(ref, test_options(t.path));
    const replay_result r = p.replay();
    EXPECT_EQ(r.scan.status, tail_status::torn);
    EXPECT_TRUE(r.scan.truncated);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.commands, 19u);
    EXPECT_EQ(r.scan.tail_bytes, journal_format::record_bytes - 50);
    ASSERT_TRUE(p.start()) << p.error();
    ASSERT_TRUE(p.submit(order_from(0, 100)));
    p.stop();
    ASSERT_EQ(m.seen.size(), 20u);
    EXPECT_EQ(m.seen.back().seq, 20u);
    EXPECT_EQ(m.seen.back().token.request, 100u);
    EXPECT_EQ(scan_journal(journal_dir(t.path)).status, tail_status::clean);
}

TEST(Pipeline, CorruptJournalRefusesToStart) {
    temp_dir t;
    write_commands(t.path, 20);
    const std::string seg = journal_dir(t.path) + "/" + segment_name(1);
    const int fd = ::open(seg.c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    const unsigned char junk = 0xEE;
    ASSERT_EQ(::pwrite(fd, &junk, 1, journal_format::header_bytes + 5 * 120 + 40), 1);
    ::close(fd);

    toy_machine m;
    machine_ref<toy_machine> ref(m);
    pipeline p(ref, test_options(t.path));
    const replay_result r = p.replay();
    EXPECT_EQ(r.scan.status, tail_status::corrupt);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.commands, 5u);
    EXPECT_FALSE(p.start());
    EXPECT_NE(p.error().find("corrupt"), std::string::npos) << p.error();
    EXPECT_EQ(fs::file_size(seg), journal_format::header_bytes + 20 * 120u);  // untouched
}

TEST(Pipeline, JournalFailureStopsApplyingAndNeverReportsDurable) {
    temp_dir t;
    toy_machine m;
    machine_ref<toy_machine> ref(m);
    pipeline_options o = test_options(t.path);
    auto armed = std::make_shared<std::atomic<bool>>(false);
    o.io.fdatasync = [armed](int fd) {
        if (armed->load()) {
            errno = EIO;
            return -1;
        }
        return ::fdatasync(fd);
    };
    pipeline p(ref, o);
    const spmc_consumer id = p.events().add_consumer();
    ASSERT_TRUE(p.replay().ok());
    ASSERT_TRUE(p.start());
    ASSERT_TRUE(p.submit(order_from(0, 0)));
    ASSERT_TRUE(p.wait_durable(1));
    armed->store(true);
    ASSERT_TRUE(p.submit(order_from(0, 1)));
    EXPECT_FALSE(p.wait_durable(2));  // outcome unknown
    EXPECT_TRUE(p.failed());
    EXPECT_NE(p.error().find("fdatasync"), std::string::npos) << p.error();
    EXPECT_FALSE(p.submit(order_from(0, 2)));
    EXPECT_FALSE(p.try_submit(order_from(0, 3)));
    EXPECT_EQ(p.durable_seq(), 1u);
    std::thread drain([&] {
        while (p.events().wait_available(id) != 0) {
            p.events().poll(
                id, [](const event&) {}, 64);
        }
    });
    p.stop();
    drain.join();
    EXPECT_LE(m.count, 2u);
}

}  // namespace
}  // namespace cux::engine
