#pragma once
// Bounded lock-free rings for the hand-offs of the LMAX pipeline (DESIGN.md §3).
//
// mpsc_ring<T>: many producers (gateway I/O threads, the clock thread) -> one consumer (the
//   engine thread, or the journal writer). Vyukov-style per-slot sequence numbers.
// spmc_ring<T>: one producer (the engine thread) -> up to spmc_consumers_max consumers, each with
//   its own cursor, each seeing EVERY item in order (a broadcast, Disruptor-style). The producer
//   waits while the slowest active consumer is a full ring behind: nothing is ever dropped or
//   overwritten unread.
//
// Threads: the roles above are preconditions, not checked at run time (one consumer thread for
//   mpsc_ring; one producer thread for spmc_ring, and each spmc consumer id is used by one thread).
// Waiting: no thread busy-spins for long. A blocked call spins `detail::spin_iterations` times,
//   then parks with C++20 std::atomic::wait. The side that makes progress possible notifies only
//   when someone is parked (a waiter count checked after a seq_cst fence), so the fast path costs
//   one fence and one load, never a syscall.
// Limits: capacity is a power of two >= 2 (CUX_ASSERT), fixed at construction; slots are
//   allocated once in the constructor and never again. T must be trivially copyable and
//   default-constructible. At most spmc_consumers_max consumers, registered before the first
//   claim/publish.
// Shutdown: close() makes every blocked or later call return: producers get false (nothing is
//   pushed after close), consumers first drain what was published, then get false / 0.
//   There is no error value besides "closed".

#include <algorithm>
#include <atomic>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <type_traits>

#include "engine/types.hpp"

namespace cux::engine {

inline constexpr std::size_t cache_line_bytes = 64;

namespace detail {

// How many times a blocked call re-checks its condition before it parks. Short on purpose: the
// machine has 2 cores and the thread we wait for may need ours.
inline constexpr int spin_iterations = 128;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield" ::: "memory");
#endif
}

// A seq_cst fence. GCC warns that ThreadSanitizer does not model fences; ours never carry data
// (every hand-off is a release store read by an acquire load, which tsan does model), they only
// order "publish the condition" against "check for parked waiters" so that no wake-up is lost.
inline void full_fence() {
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wtsan"
#endif
    std::atomic_thread_fence(std::memory_order_seq_cst);
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic pop
#endif
}

// An event count: lets threads park until "something changed", with a notify that is a fence and
// a load when nobody is parked.
//
// Waiter:   key = prepare_wait(); if (condition) cancel_wait(); else wait(key);  (then re-check)
// Notifier: make the condition true (any atomic store), then notify_all().
//
// No lost wake-up: waiter does {waiters+1; fence; read condition}, notifier does {write
// condition; fence; read waiters}. The two fences are ordered, so either the waiter sees the
// condition or the notifier sees the waiter and bumps epoch_, which makes wait(key) return.
class alignas(cache_line_bytes) event_count {
public:
    [[nodiscard]] uint32_t prepare_wait() {
        waiters_.fetch_add(1, std::memory_order_relaxed);
        full_fence();
        return epoch_.load(std::memory_order_acquire);
    }
    void cancel_wait() { waiters_.fetch_sub(1, std::memory_order_relaxed); }
    void wait(uint32_t key) {
        epoch_.wait(key, std::memory_order_acquire);
        waiters_.fetch_sub(1, std::memory_order_relaxed);
    }
    void notify_all() {
        full_fence();
        if (waiters_.load(std::memory_order_relaxed) != 0) [[unlikely]] {
            epoch_.fetch_add(1, std::memory_order_seq_cst);
            epoch_.notify_all();
        }
    }

private:
    std::atomic<uint32_t> epoch_{0};
    std::atomic<uint32_t> waiters_{0};
};

// Returns when ready() is true: spins briefly, then parks on `ec`. ready() must read the
// condition with atomic loads and may have side effects (e.g. try to pop).
template <class Ready>
void spin_then_park(event_count& ec, Ready&& ready) {
    for (int i = 0; i < spin_iterations; ++i) {
        if (ready()) return;
        cpu_relax();
    }
    for (;;) {
        const uint32_t key = ec.prepare_wait();
        if (ready()) {
            ec.cancel_wait();
            return;
        }
        ec.wait(key);
    }
}

inline bool is_pow2(std::size_t n) { return n >= 2 && (n & (n - 1)) == 0; }

}  // namespace detail

// ------------------------------------------------------------------------------------------------
// mpsc_ring: many producers, one consumer.
template <class T>
class mpsc_ring {
    static_assert(std::is_trivially_copyable_v<T>, "rings carry trivially copyable items only");
    static_assert(std::is_default_constructible_v<T>);

public:
    explicit mpsc_ring(std::size_t capacity)
        : slots_(new slot[capacity]), capacity_(capacity), mask_(capacity - 1) {
        CUX_ASSERT(detail::is_pow2(capacity));
        for (std::size_t i = 0; i < capacity; ++i) {
            slots_[i].seq.store(i, std::memory_order_relaxed);
        }
    }
    mpsc_ring(const mpsc_ring&) = delete;
    mpsc_ring& operator=(const mpsc_ring&) = delete;

    [[nodiscard]] std::size_t capacity() const { return capacity_; }

    // Any thread. False when the ring is full or closed (see closed()).
    [[nodiscard]] bool try_push(const T& v) {
        uint64_t pos = enqueue_pos_.load(std::memory_order_relaxed);
        for (;;) {
            if ((pos & closed_bit) != 0) return false;
            slot& s = slots_[pos & mask_];
            const uint64_t seq = s.seq.load(std::memory_order_acquire);
            const auto dif = static_cast<int64_t>(seq - pos);
            if (dif == 0) {
                // The CAS also fails once close() set the closed bit, so nothing lands after it.
                if (enqueue_pos_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
                    s.value = v;
                    s.seq.store(pos + 1, std::memory_order_release);
                    not_empty_.notify_all();
                    return true;
                }
            } else if (dif < 0) {
                return false;  // the consumer has not freed this slot yet: full
            } else {
                pos = enqueue_pos_.load(std::memory_order_relaxed);
            }
        }
    }

    // Any thread. Blocks while the ring is full (spin, then park). False only when closed.
    [[nodiscard]] bool push(const T& v) {
        if (try_push(v)) return true;
        bool pushed = false;
        detail::spin_then_park(not_full_, [&] {
            if (try_push(v)) {
                pushed = true;
                return true;
            }
            return closed();
        });
        return pushed;
    }

    // Consumer thread only. False when empty (or the next item is still being written).
    [[nodiscard]] bool try_pop(T& out) { return pop_batch(&out, 1) == 1; }

    // Consumer thread only. Pops up to `max` items in order; notifies parked producers once.
    [[nodiscard]] std::size_t pop_batch(T* out, std::size_t max) {
        uint64_t pos = dequeue_pos_.load(std::memory_order_relaxed);
        std::size_t n = 0;
        while (n < max) {
            slot& s = slots_[pos & mask_];
            if (s.seq.load(std::memory_order_acquire) != pos + 1) break;
            out[n++] = s.value;
            s.seq.store(pos + capacity_, std::memory_order_release);
            ++pos;
        }
        if (n != 0) {
            dequeue_pos_.store(pos, std::memory_order_relaxed);
            not_full_.notify_all();
        }
        return n;
    }

    // Consumer thread only. Blocks until an item arrives; false once closed and fully drained.
    [[nodiscard]] bool pop_wait(T& out) { return pop_batch_wait(&out, 1) == 1; }

    // Consumer thread only. Blocks until at least one item is available and pops up to `max`;
    // returns 0 only once the ring is closed and every item pushed before close() was popped.
    [[nodiscard]] std::size_t pop_batch_wait(T* out, std::size_t max) {
        CUX_ASSERT(max > 0);
        std::size_t n = pop_batch(out, max);
        if (n != 0) return n;
        detail::spin_then_park(not_empty_, [&] {
            n = pop_batch(out, max);
            return n != 0 || closed_and_drained();
        });
        return n;
    }

    // Any thread, idempotent. Later pushes fail; blocked producers return false; the consumer
    // drains what was pushed before, then pop_wait returns false.
    void close() {
        enqueue_pos_.fetch_or(closed_bit, std::memory_order_seq_cst);
        not_full_.notify_all();
        not_empty_.notify_all();
    }
    [[nodiscard]] bool closed() const {
        return (enqueue_pos_.load(std::memory_order_acquire) & closed_bit) != 0;
    }

    // Any thread; a snapshot that may be stale by the time it is used.
    [[nodiscard]] std::size_t size_approx() const {
        const uint64_t e = enqueue_pos_.load(std::memory_order_relaxed) & ~closed_bit;
        const uint64_t d = dequeue_pos_.load(std::memory_order_relaxed);
        return e > d ? static_cast<std::size_t>(e - d) : 0;
    }

private:
    struct slot {
        std::atomic<uint64_t> seq{0};  // == pos: free for the push at pos; pos+1: holds item pos
        T value{};
    };
    // Set in enqueue_pos_ by close(): one word says both "where" and "closed", so a push that
    // claimed a position before close() is still drained and no push can claim one after.
    static constexpr uint64_t closed_bit = uint64_t{1} << 63;

    bool closed_and_drained() const {
        const uint64_t e = enqueue_pos_.load(std::memory_order_acquire);
        return (e & closed_bit) != 0 &&
               (e & ~closed_bit) == dequeue_pos_.load(std::memory_order_relaxed);
    }

    std::unique_ptr<slot[]> slots_;
    const std::size_t capacity_;
    const uint64_t mask_;
    alignas(cache_line_bytes) std::atomic<uint64_t> enqueue_pos_{0};
    alignas(cache_line_bytes) std::atomic<uint64_t> dequeue_pos_{0};  // written by the consumer
    detail::event_count not_empty_;                                   // the consumer parks here
    detail::event_count not_full_;                                    // producers park here
};

// ------------------------------------------------------------------------------------------------
// spmc_ring: one producer, a broadcast to every registered consumer.
inline constexpr std::size_t spmc_consumers_max = 8;

struct spmc_consumer {
    uint32_t index = 0;
};

template <class T>
class spmc_ring {
    static_assert(std::is_trivially_copyable_v<T>, "rings carry trivially copyable items only");
    static_assert(std::is_default_constructible_v<T>);

public:
    explicit spmc_ring(std::size_t capacity)
        : slots_(new T[capacity]), capacity_(capacity), mask_(capacity - 1) {
        CUX_ASSERT(detail::is_pow2(capacity));
    }
    spmc_ring(const spmc_ring&) = delete;
    spmc_ring& operator=(const spmc_ring&) = delete;

    [[nodiscard]] std::size_t capacity() const { return capacity_; }

    // Before the first claim/publish (CUX_ASSERT), from any one thread. The consumer starts at
    // sequence 0 and will see every item. Aborts past spmc_consumers_max.
    [[nodiscard]] spmc_consumer add_consumer() {
        CUX_ASSERT(!started_.load(std::memory_order_acquire));
        const uint32_t i = consumer_count_.load(std::memory_order_relaxed);
        CUX_ASSERT(i < spmc_consumers_max);
        consumers_[i].cursor.store(0, std::memory_order_relaxed);
        consumers_[i].active.store(true, std::memory_order_relaxed);
        consumer_count_.store(i + 1, std::memory_order_release);
        return spmc_consumer{i};
    }

    // Any thread. The consumer stops gating the producer (a consumer that quits must call this,
    // or the producer will wait for it forever). Its id must not be polled afterwards.
    void remove_consumer(spmc_consumer c) {
        CUX_ASSERT(c.index < consumer_count_.load(std::memory_order_acquire));
        consumers_[c.index].active.store(false, std::memory_order_release);
        space_.notify_all();
    }

    // ---- producer thread ----

    // Reserves the next slot for writing and returns it; the item becomes visible at commit().
    // Blocks while the slowest active consumer is a full ring behind; before parking it commits
    // what was already claimed (so a group larger than the free space is published in pieces;
    // consumers always see items in order either way). Returns nullptr once closed.
    [[nodiscard]] T* claim() {
        if (!started_.load(std::memory_order_relaxed)) {
            started_.store(true, std::memory_order_release);
        }
        const uint64_t s = claimed_;
        if (s >= gate_ + capacity_) [[unlikely]] {
            gate_ = min_cursor();
            if (s >= gate_ + capacity_) {
                if (claimed_ != published_.load(std::memory_order_relaxed)) commit();
                detail::spin_then_park(space_, [&] {
                    gate_ = min_cursor();
                    return s < gate_ + capacity_ || closed();
                });
            }
        }
        if (closed()) return nullptr;
        claimed_ = s + 1;
        return &slots_[s & mask_];
    }

    // Like claim(), but never waits: nullptr when the slowest consumer is a full ring behind
    // (or closed). For producers that measure backpressure, and for tests.
    [[nodiscard]] T* try_claim() {
        const uint64_t s = claimed_;
        if (s >= gate_ + capacity_) gate_ = min_cursor();
        if (s >= gate_ + capacity_ || closed()) return nullptr;
        if (!started_.load(std::memory_order_relaxed)) {
            started_.store(true, std::memory_order_release);
        }
        claimed_ = s + 1;
        return &slots_[s & mask_];
    }

    // Makes every claimed item visible to consumers and wakes parked ones.
    void commit() {
        published_.store(claimed_, std::memory_order_release);
        data_.notify_all();
    }

    // claim + copy + commit. False once closed.
    bool publish(const T& v) {
        T* p = claim();
        if (p == nullptr) return false;
        *p = v;
        commit();
        return true;
    }

    // Publishes `items` as one group. False once closed (some may have been published).
    bool publish_batch(std::span<const T> items) {
        for (const T& v : items) {
            T* p = claim();
            if (p == nullptr) return false;
            *p = v;
        }
        commit();
        return true;
    }

    // ---- consumer side: each id used by one thread ----

    // Calls fn(const T&) on up to `max` available items in order, then releases their slots.
    // fn reads the item in place; it must not call back into this ring for the same id.
    template <std::invocable<const T&> F>
    std::size_t poll(spmc_consumer c, F&& fn, std::size_t max) {
        consumer& me = consumers_[c.index];
        const uint64_t cur = me.cursor.load(std::memory_order_relaxed);
        const uint64_t pub = published_.load(std::memory_order_acquire);
        const auto n = static_cast<std::size_t>(std::min<uint64_t>(pub - cur, max));
        for (std::size_t i = 0; i < n; ++i) fn(static_cast<const T&>(slots_[(cur + i) & mask_]));
        if (n != 0) {
            me.cursor.store(cur + n, std::memory_order_release);
            space_.notify_all();
        }
        return n;
    }

    // Copies up to out.size() available items into `out`; returns how many.
    std::size_t poll(spmc_consumer c, std::span<T> out) {
        std::size_t i = 0;
        return poll(
            c, [&](const T& v) { out[i++] = v; }, out.size());
    }

    // Blocks until an item is available for `c` (returns how many) or the ring is closed and
    // `c` has read everything published (returns 0).
    [[nodiscard]] std::size_t wait_available(spmc_consumer c) {
        std::size_t n = 0;
        detail::spin_then_park(data_, [&] {
            n = available(c);
            return n != 0 || closed();
        });
        return n != 0 ? n : available(c);
    }

    [[nodiscard]] std::size_t available(spmc_consumer c) const {
        const uint64_t pub = published_.load(std::memory_order_acquire);
        return static_cast<std::size_t>(pub -
                                        consumers_[c.index].cursor.load(std::memory_order_relaxed));
    }
    // Sequence (0-based) of the next item `c` will read.
    [[nodiscard]] uint64_t cursor(spmc_consumer c) const {
        return consumers_[c.index].cursor.load(std::memory_order_acquire);
    }
    // Number of items ever published.
    [[nodiscard]] uint64_t published() const { return published_.load(std::memory_order_acquire); }

    // Any thread, idempotent. Normally the producer calls it after its last commit(): consumers
    // drain, then wait_available returns 0. From another thread it is an abort: a producer
    // blocked in claim() returns nullptr, and items claimed but not committed are lost.
    void close() {
        closed_.store(true, std::memory_order_seq_cst);
        space_.notify_all();
        data_.notify_all();
    }
    [[nodiscard]] bool closed() const { return closed_.load(std::memory_order_acquire); }

private:
    struct alignas(cache_line_bytes) consumer {
        std::atomic<uint64_t> cursor{0};  // next sequence to read; written by its consumer only
        std::atomic<bool> active{false};
    };

    // Lowest cursor among active consumers; claimed_ when there is none (then nothing gates).
    uint64_t min_cursor() const {
        uint64_t m = claimed_;
        const uint32_t n = consumer_count_.load(std::memory_order_acquire);
        for (uint32_t i = 0; i < n; ++i) {
            if (consumers_[i].active.load(std::memory_order_acquire)) {
                m = std::min(m, consumers_[i].cursor.load(std::memory_order_acquire));
            }
        }
        return m;
    }

    std::unique_ptr<T[]> slots_;
    const std::size_t capacity_;
    const uint64_t mask_;
    // Written by the producer (published_) or rarely (the rest), read by every consumer.
    alignas(cache_line_bytes) std::atomic<uint64_t> published_{0};
    std::atomic<bool> closed_{false};
    std::atomic<uint32_t> consumer_count_{0};
    // Producer-only state, on its own line.
    alignas(cache_line_bytes) uint64_t claimed_ = 0;  // next sequence to claim
    uint64_t gate_ = 0;                               // cached min_cursor()
    std::atomic<bool> started_{false};
    consumer consumers_[spmc_consumers_max];
    detail::event_count data_;   // consumers park here
    detail::event_count space_;  // the producer parks here
};

}  // namespace cux::engine
