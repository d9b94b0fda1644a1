#pragma once
// The API keys the server accepts, in memory: a fixed open-addressing table that request threads
// read without a lock while (rare) writers add keys. Each key also carries its token bucket for
// the per-key rate limit.
//
// Threads: find() and take_token() from any thread, lock-free. add() from any thread; writers
// are serialized by a mutex that readers never take. An entry is written completely before it is
// published (release store of `ready`), and entries are never changed or removed afterwards
// (keys are not revoked in v1), so a reader that sees `ready` sees the whole entry.
// Limits: limits::api_keys_max keys (the table has twice as many slots); add() returns false
// past it.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>

#include "engine/types.hpp"

namespace cux::gateway {

struct key_entry {
    static constexpr std::size_t id_bytes_max = 32;
    static constexpr std::size_t secret_bytes = 64;

    std::atomic<uint32_t> ready{0};  // 1 once the fields below are written
    uint8_t id_len = 0;
    uint8_t roles = 0;  // engine::role_bits
    engine::participant_id participant;
    char id[id_bytes_max] = {};
    char secret[secret_bytes] = {};
    // Token bucket: high 32 bits milli-tokens left, low 32 bits the refill time in ms (+1; 0
    // means never used, i.e. a full bucket).
    mutable std::atomic<uint64_t> bucket{0};

    [[nodiscard]] std::string_view key_id() const { return {id, id_len}; }
    [[nodiscard]] std::string_view secret_text() const { return {secret, secret_bytes}; }
};

class key_table {
public:
    // rate_per_s tokens per second, at most `burst` saved up (validated by the server options).
    key_table(std::size_t keys_max, uint32_t rate_per_s, uint32_t burst);

    // False when the id is malformed or already present, the secret is not 64 bytes, or the
    // table is full.
    bool add(std::string_view key_id, engine::participant_id p, uint8_t roles,
             std::string_view secret);

    // The key's entry or nullptr. Lock-free.
    [[nodiscard]] const key_entry* find(std::string_view key_id) const;

    // Whether any key belongs to participant p (start-up only: a linear scan).
    [[nodiscard]] bool has_key_for(engine::participant_id p) const;

    // Takes one token from the key's bucket at time now_ms (a monotonic clock). False when the
    // bucket is empty; then retry_after_s says when a token will be there (>= 1).
    bool take_token(const key_entry& k, uint64_t now_ms, uint32_t& retry_after_s) const;

    [[nodiscard]] std::size_t size() const { return count_.load(std::memory_order_acquire); }

private:
    [[nodiscard]] std::size_t home(std::string_view key_id) const;

    std::unique_ptr<key_entry[]> slots_;
    std::size_t mask_;
    std::size_t keys_max_;
    uint32_t rate_per_s_;
    uint32_t burst_;
    std::mutex writers_;
    std::atomic<std::size_t> count_{0};
};

}  // namespace cux::gateway
