#pragma once
// Contracts: what each trade obliges until delivery settles it. A pre-allocated pool shared by
// every instrument; each instrument threads its contracts in trade order through `next`.
// Thread: the engine thread only. Nothing here allocates after construction, and pages of
// slots never used are never touched (zeroed memory from calloc, slots from a bump index, then
// a free list). A contract id is (generation << 32 | slot), like an order id.
//
// Bound: the exchange refuses a new order unless the pool has a free contract for every open
// order plus the new one. Every trade uses up at least one of its two orders (continuous
// matching ends a resting order or the incoming one; an auction allocation ends the smaller
// side), so the trades still possible never exceed the open orders and the pool never runs
// out in the middle of a match or an auction.

#include <cstdint>
#include <memory>

#include "engine/order_pool.hpp"
#include "engine/types.hpp"

namespace cux::engine {

enum class contract_status : uint8_t { open = 0, settled = 1, failed = 2 };

struct contract {
    uint32_t gen;         // generation of the slot; 0 = never used, high bit = free
    uint32_t next;        // next contract of the same instrument, or in the free list
    uint32_t instrument;  // slot of the instrument in the engine's table
    participant_id buyer;
    participant_id seller;
    uint8_t origin_region;
    uint8_t carrier;
    contract_status status;
    uint8_t pad;
    trade_id trade;
    price_fen price;
    qty_devices qty;
    money_fen compute;
    money_fen energy;
    money_fen network;
    money_fen buyer_fee;
    money_fen seller_fee;

    // What the buyer paid into escrow.
    [[nodiscard]] money_fen cost() const { return compute + energy + network + buyer_fee; }
};
static_assert(sizeof(contract) == 88);

class contract_pool {
public:
    explicit contract_pool(std::size_t capacity)
        : slots_(make_zeroed_array<contract>(capacity)), capacity_(capacity) {
        CUX_ASSERT(capacity > 0 && capacity < nil_slot);
    }

    // nil_slot when full. The caller fills every field but gen.
    uint32_t allocate() {
        uint32_t s;
        if (free_head_ != nil_slot) {
            s = free_head_;
            free_head_ = slots_[s].next;
        } else if (bump_ < capacity_) {
            s = static_cast<uint32_t>(bump_++);
        } else {
            return nil_slot;
        }
        contract& k = slots_[s];
        uint32_t g = (k.gen & 0x7fffffffU) + 1;
        if (g > 0x7fffffffU) g = 1;
        k.gen = g;
        k.next = nil_slot;
        ++live_;
        return s;
    }

    void release(uint32_t s) {
        contract& k = slots_[s];
        CUX_ASSERT(k.gen != 0 && (k.gen & 0x80000000U) == 0);
        k.gen |= 0x80000000U;
        k.next = free_head_;
        free_head_ = s;
        --live_;
    }

    [[nodiscard]] contract_id id_of(uint32_t s) const {
        return contract_id((uint64_t{slots_[s].gen} << 32) | s);
    }

    // The slot of a live contract id, or nil_slot.
    [[nodiscard]] uint32_t find(contract_id id) const {
        const uint64_t v = id.value();
        const auto s = static_cast<uint32_t>(v & 0xffffffffU);
        const auto g = static_cast<uint32_t>(v >> 32);
        if (s >= bump_ || g == 0 || (g & 0x80000000U) != 0) return nil_slot;
        return slots_[s].gen == g ? s : nil_slot;
    }

    contract& operator[](uint32_t s) { return slots_[s]; }
    const contract& operator[](uint32_t s) const { return slots_[s]; }
    [[nodiscard]] std::size_t live() const { return live_; }
    [[nodiscard]] std::size_t free() const { return capacity_ - live_; }

private:
    zeroed_array<contract> slots_;
    std::size_t capacity_;
    std::size_t bump_ = 0;
    std::size_t live_ = 0;
    uint32_t free_head_ = nil_slot;
};

}  // namespace cux::engine
