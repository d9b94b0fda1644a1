// Tests of engine/ring.hpp. Suite name `Ring` so that ctest selects them with -R Ring / the `ring`
// label, which the tsan preset runs. Sizes shrink under ThreadSanitizer (2 cores, ~10x slower).
#include "engine/ring.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace cux::engine {
namespace {

#if defined(__SANITIZE_THREAD__)
constexpr uint64_t mpsc_items_per_producer = 200'000;
constexpr uint64_t spmc_items = 400'000;
#else
constexpr uint64_t mpsc_items_per_producer = 1'000'000;
constexpr uint64_t spmc_items = 2'000'000;
#endif

using namespace std::chrono_literals;

// A hang is a failure: wait for `done`, and abort the binary (visibly) past `limit`.
void await_or_abort(const std::atomic<bool>& done, std::chrono::seconds limit, const char* what) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done.load()) {
        if (std::chrono::steady_clock::now() > deadline) {
            std::fprintf(stderr, "ring_test: hung: %s\n", what);
            std::abort();
        }
        std::this_thread::sleep_for(1ms);
    }
}

struct tagged {
    uint32_t producer = 0;
    uint32_t pad = 0;
    uint64_t counter = 0;
};

// A payload whose halves must agree, so a torn or overwritten read shows.
struct checked {
    uint64_t seq = 0;
    uint64_t check = 0;
};
checked make_checked(uint64_t seq) { return {seq, seq * 0x9E3779B97F4A7C15ull + 1}; }

// ---------------------------------------------------------------------------------------------
// mpsc_ring

TEST(Ring, MpscFullEmptyAndWraparound) {
    mpsc_ring<int> r(4);
    EXPECT_EQ(r.capacity(), 4u);
    int v = -1;
    EXPECT_FALSE(r.try_pop(v));
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(r.try_push(i));
    EXPECT_FALSE(r.try_push(99));  // full
    EXPECT_EQ(r.size_approx(), 4u);
    ASSERT_TRUE(r.try_pop(v));
    EXPECT_EQ(v, 0);
    EXPECT_TRUE(r.try_push(4));  // the freed slot is reused
    EXPECT_FALSE(r.try_push(99));
    for (int want = 1; want <= 4; ++want) {
        ASSERT_TRUE(r.try_pop(v));
        EXPECT_EQ(v, want);
    }
    EXPECT_FALSE(r.try_pop(v));
    EXPECT_EQ(r.size_approx(), 0u);

    // Many laps with varying fill levels keep FIFO order.
    int next_in = 5;
    int next_out = 5;
    for (int lap = 0; lap < 1000; ++lap) {
        const int k = 1 + lap % 4;
        for (int i = 0; i < k; ++i) ASSERT_TRUE(r.try_push(next_in++));
        for (int i = 0; i < k; ++i) {
            ASSERT_TRUE(r.try_pop(v));
            ASSERT_EQ(v, next_out++);
        }
    }
}

TEST(Ring, MpscPopBatchTakesWhatIsThereInOrder) {
    mpsc_ring<int> r(8);
    for (int i = 0; i < 6; ++i) ASSERT_TRUE(r.try_push(i));
    int out[8] = {};
    ASSERT_EQ(r.pop_batch(out, 4), 4u);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(out[i], i);
    ASSERT_EQ(r.pop_batch(out, 8), 2u);
    EXPECT_EQ(out[0], 4);
    EXPECT_EQ(out[1], 5);
    EXPECT_EQ(r.pop_batch(out, 8), 0u);
}

TEST(Ring, MpscCapacityMustBeAPowerOfTwo) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH({ mpsc_ring<int> r(6); }, "assertion failed");
    EXPECT_DEATH({ spmc_ring<int> r(1); }, "assertion failed");
}

TEST(Ring, MpscCloseRefusesPushesAndDrainsTheRest) {
    mpsc_ring<int> r(4);
    ASSERT_TRUE(r.try_push(1));
    ASSERT_TRUE(r.push(2));
    r.close();
    EXPECT_TRUE(r.closed());
    EXPECT_FALSE(r.try_push(3));
    EXPECT_FALSE(r.push(3));
    int v = 0;
    ASSERT_TRUE(r.pop_wait(v));
    EXPECT_EQ(v, 1);
    ASSERT_TRUE(r.pop_wait(v));
    EXPECT_EQ(v, 2);
    EXPECT_FALSE(r.pop_wait(v));  // closed and drained: returns instead of blocking
}

TEST(Ring, MpscBlockedProducerResumesWhenTheConsumerFreesASlot) {
    mpsc_ring<int> r(2);
    ASSERT_TRUE(r.try_push(1));
    ASSERT_TRUE(r.try_push(2));
    std::atomic<bool> done{false};
    std::thread producer([&] {
        EXPECT_TRUE(r.push(3));  // parks: the ring is full
        done = true;
    });
    std::this_thread::sleep_for(20ms);
    EXPECT_FALSE(done.load());
    int v = 0;
    ASSERT_TRUE(r.try_pop(v));
    await_or_abort(done, 10s, "producer not woken by pop");
    producer.join();
    ASSERT_TRUE(r.try_pop(v));
    EXPECT_EQ(v, 2);
    ASSERT_TRUE(r.try_pop(v));
    EXPECT_EQ(v, 3);
}

TEST(Ring, MpscCloseWakesBlockedProducerAndConsumer) {
    mpsc_ring<int> empty(4);
    std::atomic<bool> consumer_done{false};
    std::thread consumer([&] {
        int v = 0;
        EXPECT_FALSE(empty.pop_wait(v));
        consumer_done = true;
    });

    mpsc_ring<int> full(2);
    ASSERT_TRUE(full.try_push(1));
    ASSERT_TRUE(full.try_push(2));
    std::atomic<bool> producer_done{false};
    std::thread producer([&] {
        EXPECT_FALSE(full.push(3));
        producer_done = true;
    });

    std::this_thread::sleep_for(20ms);  // let both park
    empty.close();
    full.close();
    await_or_abort(consumer_done, 10s, "consumer blocked in pop_wait after close");
    await_or_abort(producer_done, 10s, "producer blocked in push after close");
    consumer.join();
    producer.join();
}

TEST(Ring, MpscStressFourProducersEveryItemOnceInProducerOrder) {
    constexpr uint32_t producers = 4;
    mpsc_ring<tagged> r(1024);  // small: producers fill it and park
    std::vector<std::thread> threads;
    for (uint32_t p = 0; p < producers; ++p) {
        threads.emplace_back([&r, p] {
            for (uint64_t i = 0; i < mpsc_items_per_producer; ++i) {
                tagged t;
                t.producer = p;
                t.counter = i;
                // Mix both push paths.
                if ((i & 1) == 0 || !r.try_push(t)) {
                    ASSERT_TRUE(r.push(t));
                }
            }
        });
    }
    std::vector<uint64_t> next(producers, 0);
    uint64_t total = 0;
    uint64_t errors = 0;
    std::atomic<bool> consumed{false};
    std::thread consumer([&] {
        tagged buf[256];
        for (;;) {
            const std::size_t n = r.pop_batch_wait(buf, 256);
            if (n == 0) break;
            for (std::size_t i = 0; i < n; ++i) {
                const tagged& t = buf[i];
                if (t.producer >= producers || t.counter != next[t.producer]) {
                    ++errors;
                } else {
                    ++next[t.producer];
                }
            }
            total += n;
        }
        consumed = true;
    });
    for (auto& t : threads) t.join();
    r.close();
    await_or_abort(consumed, 120s, "mpsc consumer did not finish");
    consumer.join();
    EXPECT_EQ(errors, 0u);
    EXPECT_EQ(total, producers * mpsc_items_per_producer);
    for (uint32_t p = 0; p < producers; ++p) EXPECT_EQ(next[p], mpsc_items_per_producer) << p;
}

// ---------------------------------------------------------------------------------------------
// spmc_ring

TEST(Ring, SpmcEveryConsumerSeesEveryItemAndTheSlowestGates) {
    spmc_ring<int> r(4);
    const spmc_consumer a = r.add_consumer();
    const spmc_consumer b = r.add_consumer();
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(r.publish(i));
    EXPECT_EQ(r.try_claim(), nullptr);  // both are a full ring behind

    std::vector<int> got_a;
    EXPECT_EQ(r.poll(
                  a, [&](const int& v) { got_a.push_back(v); }, 2),
              2u);
    EXPECT_EQ(r.try_claim(), nullptr);  // b still gates

    int out[8] = {};
    EXPECT_EQ(r.poll(b, std::span<int>(out, 8)), 4u);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(out[i], i);
    EXPECT_EQ(r.available(b), 0u);

    // Now a (at 2) is the slowest: two more fit, the third does not.
    for (int i = 4; i < 6; ++i) {
        int* slot = r.try_claim();
        ASSERT_NE(slot, nullptr);
        *slot = i;
    }
    EXPECT_EQ(r.try_claim(), nullptr);
    r.commit();
    EXPECT_EQ(r.published(), 6u);
    EXPECT_EQ(r.poll(
                  a, [&](const int& v) { got_a.push_back(v); }, 100),
              4u);
    EXPECT_EQ(got_a, (std::vector<int>{0, 1, 2, 3, 4, 5}));
    EXPECT_EQ(r.poll(b, std::span<int>(out, 8)), 2u);
    EXPECT_EQ(out[0], 4);
    EXPECT_EQ(out[1], 5);
    EXPECT_EQ(r.cursor(a), 6u);
}

TEST(Ring, SpmcClaimedItemsAreInvisibleUntilCommit) {
    spmc_ring<int> r(8);
    const spmc_consumer c = r.add_consumer();
    *r.claim() = 1;
    *r.claim() = 2;
    EXPECT_EQ(r.available(c), 0u);
    r.commit();
    EXPECT_EQ(r.available(c), 2u);
    const int batch[3] = {3, 4, 5};
    ASSERT_TRUE(r.publish_batch(batch));
    std::vector<int> got;
    r.poll(
        c, [&](const int& v) { got.push_back(v); }, 100);
    EXPECT_EQ(got, (std::vector<int>{1, 2, 3, 4, 5}));
}

TEST(Ring, SpmcRemovedConsumerNoLongerGates) {
    spmc_ring<int> r(4);
    const spmc_consumer live = r.add_consumer();
    const spmc_consumer gone = r.add_consumer();
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(r.publish(i));
    int out[4];
    EXPECT_EQ(r.poll(live, std::span<int>(out, 4)), 4u);
    EXPECT_EQ(r.try_claim(), nullptr);
    r.remove_consumer(gone);
    EXPECT_NE(r.try_claim(), nullptr);
}

TEST(Ring, SpmcWithoutConsumersNeverBlocks) {
    spmc_ring<int> r(4);
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(r.publish(i));
    EXPECT_EQ(r.published(), 100u);
}

TEST(Ring, SpmcConsumersDrainAfterClose) {
    spmc_ring<int> r(8);
    const spmc_consumer c = r.add_consumer();
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(r.publish(i));
    r.close();
    EXPECT_FALSE(r.publish(9));
    EXPECT_EQ(r.wait_available(c), 3u);
    int out[8];
    EXPECT_EQ(r.poll(c, std::span<int>(out, 8)), 3u);
    EXPECT_EQ(r.wait_available(c), 0u);  // closed and drained: returns instead of blocking
}

TEST(Ring, SpmcGroupLargerThanTheRingIsPublishedInPieces) {
    spmc_ring<int> r(4);
    const spmc_consumer c = r.add_consumer();
    std::vector<int> got;
    std::atomic<bool> done{false};
    std::thread consumer([&] {
        while (got.size() < 10 && r.wait_available(c) != 0) {
            r.poll(
                c, [&](const int& v) { got.push_back(v); }, 100);
        }
        done = true;
    });
    for (int i = 0; i < 10; ++i) {
        int* slot = r.claim();  // commits the earlier part itself before it waits
        ASSERT_NE(slot, nullptr);
        *slot = i;
    }
    r.commit();
    await_or_abort(done, 10s, "group larger than the ring");
    consumer.join();
    EXPECT_EQ(got, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(Ring, SpmcCloseWakesBlockedProducerAndConsumer) {
    spmc_ring<int> full(2);
    const spmc_consumer stuck = full.add_consumer();
    (void)stuck;  // never polls
    ASSERT_TRUE(full.publish(1));
    ASSERT_TRUE(full.publish(2));
    std::atomic<bool> producer_done{false};
    std::thread producer([&] {
        EXPECT_FALSE(full.publish(3));  // parks until close
        producer_done = true;
    });

    spmc_ring<int> empty(2);
    const spmc_consumer waiting = empty.add_consumer();
    std::atomic<bool> consumer_done{false};
    std::thread consumer([&] {
        EXPECT_EQ(empty.wait_available(waiting), 0u);  // parks until close
        consumer_done = true;
    });

    std::this_thread::sleep_for(20ms);
    EXPECT_FALSE(producer_done.load());
    full.close();
    empty.close();
    await_or_abort(producer_done, 10s, "producer blocked in publish after close");
    await_or_abort(consumer_done, 10s, "consumer blocked in wait_available after close");
    producer.join();
    consumer.join();
}

TEST(Ring, SpmcStressThreeConsumersSeeEveryItemInOrderWithASlowOne) {
    spmc_ring<checked> r(1024);
    constexpr int consumers = 3;
    spmc_consumer ids[consumers];
    for (auto& id : ids) id = r.add_consumer();

    uint64_t seen[consumers] = {};
    uint64_t errors[consumers] = {};
    std::atomic<int> finished{0};
    std::vector<std::thread> threads;
    for (int k = 0; k < consumers; ++k) {
        threads.emplace_back([&, k] {
            const bool slow = k == 2;
            uint64_t expect = 0;
            while (r.wait_available(ids[k]) != 0) {
                const std::size_t max = slow ? 64 : 512;
                r.poll(
                    ids[k],
                    [&](const checked& c) {
                        if (c.seq != expect || c.check != make_checked(expect).check) ++errors[k];
                        ++expect;
                    },
                    max);
                // The slow one stalls now and then, so the producer hits a full ring and parks.
                if (slow && (expect & 0x3FFF) < 64) std::this_thread::sleep_for(200us);
            }
            seen[k] = expect;
            finished.fetch_add(1);
        });
    }

    // Groups of varying size through claim/commit, singles through publish.
    uint64_t seq = 0;
    uint64_t group = 1;
    while (seq < spmc_items) {
        const uint64_t n = std::min<uint64_t>(group, spmc_items - seq);
        if (n == 1) {
            ASSERT_TRUE(r.publish(make_checked(seq++)));
        } else {
            for (uint64_t i = 0; i < n; ++i) {
                checked* slot = r.claim();
                ASSERT_NE(slot, nullptr);
                *slot = make_checked(seq++);
            }
            r.commit();
        }
        group = group % 37 + 1;
    }
    r.close();
    std::atomic<bool> all{false};
    std::thread watcher([&] {
        while (finished.load() != consumers) std::this_thread::sleep_for(1ms);
        all = true;
    });
    await_or_abort(all, 120s, "spmc consumers did not finish");
    watcher.join();
    for (auto& t : threads) t.join();
    for (int k = 0; k < consumers; ++k) {
        EXPECT_EQ(errors[k], 0u) << "consumer " << k;
        EXPECT_EQ(seen[k], spmc_items) << "consumer " << k;
    }
}

}  // namespace
}  // namespace cux::engine
