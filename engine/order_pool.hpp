#pragma once
// Pre-allocated pools of orders and price levels, shared by every book of one engine.
// Thread: the engine thread only. Nothing here allocates after construction; memory pages of
// slots never used are never touched (slots come from a bump index, then a free list).
// An order id is (generation << 32 | slot), so a cancel finds its slot in O(1) and a stale id
// (its slot reused since) is recognised by the generation.

#include <cstdint>
#include <cstdlib>
#include <memory>

#include "engine/types.hpp"

namespace cux::engine {

constexpr uint32_t nil_slot = 0xffffffffU;

// Memory that reads as zero bytes and is only backed by pages once written. T must be an
// implicit-lifetime type whose all-zero bytes are a valid value (the pool types here are).
template <class T>
struct calloc_deleter {
    void operator()(T* p) const { std::free(p); }
};
template <class T>
using zeroed_array = std::unique_ptr<T[], calloc_deleter<T>>;
template <class T>
zeroed_array<T> make_zeroed_array(std::size_t n) {
    void* p = std::calloc(n, sizeof(T));
    CUX_ASSERT(p != nullptr);
    return zeroed_array<T>(static_cast<T*>(p));
}

struct order {
    uint32_t next;        // next order in the level's FIFO (nil_slot at the tail)
    uint32_t prev;        // previous order in the level's FIFO (nil_slot at the head)
    uint32_t gen;         // generation of the slot; 0 = free
    uint32_t instrument;  // slot of the instrument in the engine's table
    participant_id owner;
    side sd;
    time_in_force tif;
    stp_mode stp;
    uint8_t post_only;
    uint8_t origin_region;
    uint8_t job;  // 1: a job's own buy for one hour (never rests; holds exactly its planned cost)
    uint8_t pad[2];
    // `remaining` right after the fields above: a sweep reads next, owner and remaining, which
    // then share one cache line more often.
    qty_devices remaining;
    price_fen price;
    qty_devices filled;
    money_fen hold;          // funds held for this buy now (worst case of `remaining`)
    money_fen network_left;  // network cost of this buy not yet charged to a fill
};
static_assert(sizeof(order) == 72);

struct level {
    uint32_t head;
    uint32_t tail;
    uint32_t count;
    uint32_t pad;
    qty_devices qty;
};
static_assert(sizeof(level) == 24);

class order_pool {
public:
    explicit order_pool(std::size_t capacity)
        : slots_(make_zeroed_array<order>(capacity)), capacity_(capacity) {
        CUX_ASSERT(capacity > 0 && capacity < nil_slot);
    }

    // nil_slot when full.
    uint32_t allocate() {
        uint32_t s;
        if (free_head_ != nil_slot) {
            s = free_head_;
            free_head_ = slots_[s].next;
        } else if (bump_ < capacity_) {
            s = static_cast<uint32_t>(bump_++);
            slots_[s].gen = 0;
        } else {
            return nil_slot;
        }
        order& o = slots_[s];
        o.gen = next_gen(o.gen);
        ++live_;
        return s;
    }

    void release(uint32_t s) {
        order& o = slots_[s];
        CUX_ASSERT(o.gen != 0);
        // Keep the generation so the next allocation of this slot gets a fresh one; mark free
        // by the high bit so lookups of the old id fail.
        o.gen |= 0x80000000U;
        o.next = free_head_;
        free_head_ = s;
        --live_;
    }

    [[nodiscard]] order_id id_of(uint32_t s) const {
        return order_id((uint64_t{slots_[s].gen} << 32) | s);
    }

    // The slot of a live order id, or nil_slot.
    [[nodiscard]] uint32_t find(order_id id) const {
        const uint64_t v = id.value();
        const auto s = static_cast<uint32_t>(v & 0xffffffffU);
        const auto g = static_cast<uint32_t>(v >> 32);
        if (s >= bump_ || g == 0 || (g & 0x80000000U) != 0) return nil_slot;
        return slots_[s].gen == g ? s : nil_slot;
    }

    order& operator[](uint32_t s) { return slots_[s]; }
    const order& operator[](uint32_t s) const { return slots_[s]; }
    [[nodiscard]] std::size_t live() const { return live_; }
    [[nodiscard]] std::size_t capacity() const { return capacity_; }

private:
    static uint32_t next_gen(uint32_t g) {
        uint32_t n = (g & 0x7fffffffU) + 1;
        if (n > 0x7fffffffU) n = 1;
        return n;
    }

    zeroed_array<order> slots_;
    std::size_t capacity_;
    std::size_t bump_ = 0;
    std::size_t live_ = 0;
    uint32_t free_head_ = nil_slot;
};

class level_pool {
public:
    explicit level_pool(std::size_t capacity)
        : slots_(make_zeroed_array<level>(capacity)), capacity_(capacity) {
        CUX_ASSERT(capacity > 0 && capacity < nil_slot);
    }

    uint32_t allocate() {
        uint32_t s;
        if (free_head_ != nil_slot) {
            s = free_head_;
            free_head_ = slots_[s].head;
        } else if (bump_ < capacity_) {
            s = static_cast<uint32_t>(bump_++);
        } else {
            return nil_slot;
        }
        level& l = slots_[s];
        l.head = l.tail = nil_slot;
        l.count = 0;
        l.pad = 0;
        l.qty = qty_devices(0);
        ++live_;
        return s;
    }

    void release(uint32_t s) {
        slots_[s].head = free_head_;
        free_head_ = s;
        --live_;
    }

    level& operator[](uint32_t s) { return slots_[s]; }
    const level& operator[](uint32_t s) const { return slots_[s]; }
    [[nodiscard]] std::size_t live() const { return live_; }
    [[nodiscard]] bool full() const { return free_head_ == nil_slot && bump_ == capacity_; }

private:
    zeroed_array<level> slots_;
    std::size_t capacity_;
    std::size_t bump_ = 0;
    std::size_t live_ = 0;
    uint32_t free_head_ = nil_slot;
};

}  // namespace cux::engine
