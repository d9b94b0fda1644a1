// Crash test: a child process runs the engine (pipeline, real journal) and the ledger writer
// under load and is killed with SIGKILL at a random moment, over and over on the same data
// directory. The child acknowledges each trade (to the parent, through a pipe) only once the
// journal has its command on disk, as the gateway would. After every kill the parent restarts
// the exchange on the directory (journal replay -> ledger catch-up), then checks that verify
// passes (engine replay included) and that every acknowledged trade is in the ledger exactly
// once. Market time runs at one hour per second, so contracts settle during the test too.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "ledger/reader.hpp"
#include "tests/ledger/live_harness.hpp"

namespace cux::ledger::test {
namespace {

using engine::test::harness;
using engine::test::hourly;
using steady = std::chrono::steady_clock;

constexpr uint8_t h100 = 0;
constexpr uint8_t yrd = 0;
constexpr uint8_t nx = 1;
const participant_id buyer(1);
const participant_id vendor(2);

// One market hour per real second since `start`, from t0 + 61 s (the first calendar is open).
std::function<utc_ns()> market_clock(steady::time_point start) {
    return [start] {
        const auto real =
            std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now() - start);
        return t0 + 61 * ns_per_s + real.count() * 3600;
    };
}

// The child: trades until it is killed. Acks are 8-byte trade ids written to `ack_fd`.
[[noreturn]] void child(const std::string& dir, int ack_fd, steady::time_point start,
                        uint64_t seed) {
    live_options lo;
    lo.clock = market_clock(start);
    live_exchange x(dir, lo);
    std::atomic<uint64_t> last_contract{0};
    spmc_ring<event>& ring = x.p.events();
    const spmc_consumer id = ring.add_consumer();
    std::thread acker([&] {
        std::vector<uint64_t> trades;
        while (ring.wait_available(id) > 0) {
            uint64_t cmd = 0;
            trades.clear();
            ring.poll(
                id,
                [&](const event& e) {
                    if (e.type != event_type::trade) return;
                    trades.push_back(e.body.trade.id.value());
                    cmd = e.cmd_seq;
                    last_contract.store(e.body.trade.contract.value());
                },
                256);
            if (trades.empty()) continue;
            // Replayed trades are durable already (the journal is not open yet to say so).
            if (!x.dur.wait(cmd)) break;  // never acknowledged: not durable
            const auto bytes = static_cast<ssize_t>(trades.size() * sizeof(uint64_t));
            if (::write(ack_fd, trades.data(), static_cast<std::size_t>(bytes)) != bytes) break;
        }
    });
    bool fresh = false;
    bool funded = false;
    x.start([&] {
        fresh = x.ex.participant(vendor) == nullptr;
        const participant_state* b = x.ex.participant(buyer);
        funded = b != nullptr && b->available.value() > (int64_t{1} << 39);
    });
    if (fresh) {
        // The first child, or every child until the first one's set-up became durable. (A
        // name already taken is rejected, which is harmless.)
        x.submit(create_cmd("buyer", role_buyer));
        x.submit(create_cmd("vendor", role_vendor));
    }
    if (!funded) x.submit(deposit_cmd(buyer, int64_t{1} << 40));
    const uint64_t ready = 0;  // trade ids start at 1: 0 says "replayed and trading"
    if (::write(ack_fd, &ready, sizeof ready) != sizeof ready) ::_exit(1);
    const epoch_hour now_hour = lo.clock() / ns_per_hour;
    x.submit(capacity_cmd(vendor, h100, yrd, 1'000'000, now_hour, now_hour + 1000));
    std::mt19937_64 rng(seed);
    for (uint64_t i = 0;; ++i) {
        const epoch_hour hour = lo.clock() / ns_per_hour;
        const instrument_id inst = hourly(h100, yrd, hour - h0 + 2);
        const int64_t qty = 1 + static_cast<int64_t>(rng() % 3);
        const int64_t price = 1100 + static_cast<int64_t>(rng() % 100);
        x.submit(harness::order_cmd(vendor, inst, side::sell, price, qty));
        command b = harness::order_cmd(buyer, inst, side::buy, price, qty, time_in_force::ioc);
        b.body.place.origin_region = nx;
        b.body.place.data_gb = static_cast<int64_t>(rng() % 500);
        x.submit(b);
        if (i % 16 == 0) x.submit(tick_cmd());
        if (i % 64 == 0) x.submit(deposit_cmd(buyer, 1 + static_cast<int64_t>(rng() % 1000)));
        if (i % 64 == 32) x.submit(withdraw_cmd(buyer, 1 + static_cast<int64_t>(rng() % 1000)));
        if (i % 50 == 25 && last_contract.load() != 0) {
            x.submit(engine::test::fail_cmd(vendor, contract_id(last_contract.load())));
        }
        // A steady load rather than a flood: the journal, and every replay, stay small.
        if (i % 4 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

// Every trade id the ledger holds, ascending.
std::vector<uint64_t> ledger_trades(const std::string& db) {
    std::vector<uint64_t> out;
    auto r = reader::open(db);
    EXPECT_TRUE(r.ok());
    if (!r.ok()) return out;
    contract_query q;
    q.limit = limits::read_rows_max;
    for (;;) {
        auto page = r.value().contracts(q);
        EXPECT_TRUE(page.ok());
        if (!page.ok() || page.value().empty()) break;
        for (const contract_row& c : page.value()) out.push_back(c.trade);
        q.after_trade = page.value().back().trade;
    }
    return out;
}

TEST(LedgerCrash, SigkillAtRandomMomentsLosesAndDoublesNothing) {
    constexpr int rounds = 20;
    temp_dir dir;
    const uint64_t seed = 20261201;
    std::mt19937_64 rng(seed);
    const steady::time_point start = steady::now();
    std::set<uint64_t> acked;
    int killed_mid_run = 0;
    for (int round = 0; round < rounds; ++round) {
        SCOPED_TRACE("round " + std::to_string(round));
        int fds[2];
        ASSERT_EQ(::pipe(fds), 0);
        const pid_t pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            ::close(fds[0]);
            child(dir.path, fds[1], start, seed + static_cast<uint64_t>(round));
        }
        ::close(fds[1]);
        // Collect acks until a random moment, then SIGKILL, then drain what was written. Most
        // kills land while the child trades (a random time after it says it is ready); one in
        // five lands at a random moment of its start-up (journal replay, ledger catch-up).
        const auto forked = steady::now();
        const bool during_startup = rng() % 5 == 0;
        auto kill_at = during_startup ? forked + std::chrono::milliseconds(rng() % 60)
                                      : forked + std::chrono::seconds(30);
        std::vector<unsigned char> buf;
        bool killed = false;
        bool ready = false;
        for (;;) {
            if (!killed && steady::now() >= kill_at) {
                ASSERT_EQ(::kill(pid, SIGKILL), 0);
                killed = true;
            }
            pollfd p{fds[0], POLLIN, 0};
            if (::poll(&p, 1, 2) < 0) break;
            if ((p.revents & (POLLIN | POLLHUP)) == 0) continue;
            unsigned char chunk[4096];
            const ssize_t n = ::read(fds[0], chunk, sizeof chunk);
            if (n <= 0) {
                if (killed) break;  // the child is gone and everything it wrote was read
                continue;
            }
            const std::size_t seen = buf.size() / 8 * 8;
            buf.insert(buf.end(), chunk, chunk + n);
            // Writes of whole ids up to PIPE_BUF bytes are atomic: the stream stays aligned.
            for (std::size_t i = seen; !ready && i + 8 <= buf.size(); i += 8) {
                uint64_t id = 0;
                std::memcpy(&id, buf.data() + i, 8);
                if (id == 0 && !during_startup) {
                    ready = true;
                    kill_at = steady::now() + std::chrono::milliseconds(20 + rng() % 250);
                }
            }
        }
        ::close(fds[0]);
        int wstatus = 0;
        ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
        ASSERT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL)
            << "the child ended on its own: " << wstatus;
        const std::size_t before = acked.size();
        for (std::size_t i = 0; i + 8 <= buf.size(); i += 8) {
            uint64_t id = 0;
            std::memcpy(&id, buf.data() + i, 8);
            if (id != 0) acked.insert(id);
        }
        if (acked.size() > before) ++killed_mid_run;

        // Restart on the directory: the journal replays, the ledger catches up.
        {
            live_options lo;
            lo.clock = market_clock(start);
            live_exchange x(dir.path, lo);
            x.start();
            ASSERT_TRUE(x.caught_up());
            x.stop();
            ASSERT_FALSE(x.ledger->failed()) << x.ledger->failure().message;
        }
        const verify_report r = verify_dir(dir.path);
        ASSERT_TRUE(r.ok()) << describe(r);
        // Trade ids are consecutive from 1: the ledger holds each exactly once, and every
        // acknowledged one among them.
        const std::vector<uint64_t> trades = ledger_trades(dir.db());
        for (std::size_t i = 0; i < trades.size(); ++i) ASSERT_EQ(trades[i], i + 1);
        if (!acked.empty()) {
            ASSERT_LE(*acked.rbegin(), trades.size()) << "an acknowledged trade is missing";
        }
    }
    // The kills must have hit a market that was trading.
    EXPECT_GE(killed_mid_run, rounds / 2);
    EXPECT_GT(acked.size(), 100U);
}

}  // namespace
}  // namespace cux::ledger::test
