#include "gateway/key_table.hpp"

#include <algorithm>
#include <cstring>

namespace cux::gateway {

key_table::key_table(std::size_t keys_max, uint32_t rate_per_s, uint32_t burst)
    : keys_max_(keys_max), rate_per_s_(rate_per_s), burst_(burst) {
    CUX_ASSERT(keys_max > 0 && rate_per_s > 0 && burst > 0);
    CUX_ASSERT(uint64_t{burst} * 1000 <= UINT32_MAX);
    std::size_t n = 2;
    while (n < keys_max * 2) n <<= 1;
    slots_ = std::make_unique<key_entry[]>(n);
    mask_ = n - 1;
}

std::size_t key_table::home(std::string_view key_id) const {
    uint64_t h = 14695981039346656037ull;  // FNV-1a
    for (char c : key_id) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ull;
    }
    return static_cast<std::size_t>(h) & mask_;
}

bool key_table::add(std::string_view key_id, engine::participant_id p, uint8_t roles,
                    std::string_view secret) {
    if (key_id.empty() || key_id.size() > key_entry::id_bytes_max ||
        secret.size() != key_entry::secret_bytes) {
        return false;
    }
    std::lock_guard lock(writers_);
    if (count_.load(std::memory_order_relaxed) >= keys_max_) return false;
    for (std::size_t i = home(key_id);; i = (i + 1) & mask_) {
        key_entry& e = slots_[i];
        if (e.ready.load(std::memory_order_acquire) != 0) {
            if (e.key_id() == key_id) return false;
            continue;
        }
        e.id_len = static_cast<uint8_t>(key_id.size());
        std::memcpy(e.id, key_id.data(), key_id.size());
        std::memcpy(e.secret, secret.data(), secret.size());
        e.roles = roles;
        e.participant = p;
        e.bucket.store(0, std::memory_order_relaxed);
        e.ready.store(1, std::memory_order_release);
        count_.fetch_add(1, std::memory_order_release);
        return true;
    }
}

const key_entry* key_table::find(std::string_view key_id) const {
    if (key_id.empty() || key_id.size() > key_entry::id_bytes_max) return nullptr;
    // The table is never more than half full, so an empty slot ends every probe.
    for (std::size_t i = home(key_id);; i = (i + 1) & mask_) {
        const key_entry& e = slots_[i];
        if (e.ready.load(std::memory_order_acquire) == 0) return nullptr;
        if (e.key_id() == key_id) return &e;
    }
}

bool key_table::has_key_for(engine::participant_id p) const {
    for (std::size_t i = 0; i <= mask_; ++i) {
        if (slots_[i].ready.load(std::memory_order_acquire) != 0 && slots_[i].participant == p) {
            return true;
        }
    }
    return false;
}

bool key_table::take_token(const key_entry& k, uint64_t now_ms, uint32_t& retry_after_s) const {
    const uint64_t full = uint64_t{burst_} * 1000;
    const auto now32 = static_cast<uint32_t>(now_ms) + 1;  // 0 is "never used"
    uint64_t cur = k.bucket.load(std::memory_order_relaxed);
    for (;;) {
        uint64_t tokens = full;
        if (cur != 0) {
            const auto last = static_cast<uint32_t>(cur);
            const uint32_t elapsed = now32 - last;  // modulo 2^32: wraps after 49 days
            tokens = std::min(full, (cur >> 32) + uint64_t{elapsed} * rate_per_s_);
        }
        if (tokens < 1000) {
            const uint64_t missing_ms = ((1000 - tokens) + rate_per_s_ - 1) / rate_per_s_;
            retry_after_s = static_cast<uint32_t>(std::max<uint64_t>(1, (missing_ms + 999) / 1000));
            return false;
        }
        const uint64_t next = ((tokens - 1000) << 32) | now32;
        if (k.bucket.compare_exchange_weak(cur, next, std::memory_order_relaxed)) return true;
    }
}

}  // namespace cux::gateway
