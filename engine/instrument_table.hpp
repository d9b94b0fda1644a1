#pragma once
// The live instruments: a fixed array of slots and an open-addressing index from instrument id
// to slot. Thread: the engine thread only. Sized at start-up; listing fails (asserts) past the
// configured maximum, which start-up validates against the calendar.

#include <cstdint>
#include <vector>

#include "engine/book.hpp"
#include "engine/settlement.hpp"
#include "engine/symbol.hpp"
#include "engine/types.hpp"

namespace cux::engine {

struct instrument_state {
    instrument_id id;
    instrument_key key;
    instrument_status status = instrument_status::pre_open;
    bool live = false;
    int64_t hours = 0;
    utc_ns listed_ts = 0;
    utc_ns open_ts = 0;     // opening auction
    utc_ns closing_ts = 0;  // continuous trading stops, closing call starts
    utc_ns gate_ts = 0;     // gate closure: closing auction, then closed
    utc_ns start_ts = 0;    // delivery window
    utc_ns end_ts = 0;
    utc_ns settle_ts = 0;  // end of the delivery grace: open contracts settle
    price_fen reference{0};
    price_fen band_low{0};
    price_fen band_high{0};
    price_fen last_trade{0};
    price_fen settlement{0};
    settlement_method settlement_by = settlement_method::none;
    settlement_window late;  // trades in the last settlement_vwap_ns before gate closure
    qty_devices volume{0};
    int64_t energy_units = 0;  // energy of one device over the window, 1e-7 fen
    int64_t open_orders = 0;
    uint32_t contract_head = nil_slot;  // this instrument's contracts in trade order
    uint32_t contract_tail = nil_slot;
    book bk;

    // When the next lifecycle step is due.
    [[nodiscard]] utc_ns next_due(utc_ns retention_ns) const {
        switch (status) {
            case instrument_status::pre_open:
                return open_ts;
            case instrument_status::open:
                return closing_ts;
            case instrument_status::closing:
                return gate_ts;
            case instrument_status::closed:
                return start_ts;
            case instrument_status::delivering:
                return settle_ts;
            case instrument_status::settled:
                return settle_ts + retention_ns;
        }
        return end_ts;
    }
};

class instrument_table {
public:
    explicit instrument_table(std::size_t capacity) : slots_(capacity) {
        std::size_t n = 1;
        while (n < capacity * 2) n <<= 1;
        index_.assign(n, nil_slot);
        mask_ = n - 1;
        free_.reserve(capacity);
        for (std::size_t i = capacity; i > 0; --i) free_.push_back(static_cast<uint32_t>(i - 1));
    }

    // nil_slot when the id is not live.
    [[nodiscard]] uint32_t find(instrument_id id) const {
        for (std::size_t h = hash(id);; h = (h + 1) & mask_) {
            const uint32_t s = index_[h];
            if (s == nil_slot) return nil_slot;
            if (slots_[s].id == id) return s;
        }
    }

    // A fresh slot for id (which must not be live); nil_slot when the table is full.
    uint32_t insert(instrument_id id) {
        if (free_.empty()) return nil_slot;
        const uint32_t s = free_.back();
        free_.pop_back();
        std::size_t h = hash(id);
        while (index_[h] != nil_slot) h = (h + 1) & mask_;
        index_[h] = s;
        slots_[s].id = id;
        slots_[s].live = true;
        ++live_;
        return s;
    }

    // Removes a live slot (backward-shift deletion keeps probe chains intact).
    void erase(uint32_t s) {
        std::size_t h = hash(slots_[s].id);
        while (index_[h] != s) h = (h + 1) & mask_;
        std::size_t hole = h;
        for (std::size_t j = (hole + 1) & mask_; index_[j] != nil_slot; j = (j + 1) & mask_) {
            const std::size_t home = hash(slots_[index_[j]].id);
            // Move j into the hole when its home is not cyclically within (hole, j].
            const bool in_range =
                hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
            if (!in_range) {
                index_[hole] = index_[j];
                hole = j;
            }
        }
        index_[hole] = nil_slot;
        slots_[s].live = false;
        free_.push_back(s);
        --live_;
    }

    instrument_state& operator[](uint32_t s) { return slots_[s]; }
    const instrument_state& operator[](uint32_t s) const { return slots_[s]; }
    [[nodiscard]] std::size_t capacity() const { return slots_.size(); }
    [[nodiscard]] std::size_t live() const { return live_; }

private:
    [[nodiscard]] std::size_t hash(instrument_id id) const {
        uint64_t x = id.value();
        x *= 0x9E3779B97F4A7C15ULL;
        return static_cast<std::size_t>(x >> 32) & mask_;
    }

    std::vector<instrument_state> slots_;
    std::vector<uint32_t> index_;
    std::vector<uint32_t> free_;
    std::size_t mask_ = 0;
    std::size_t live_ = 0;
};

}  // namespace cux::engine
