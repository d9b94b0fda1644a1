#include "gateway/route_table.hpp"

#include "gateway/limits.hpp"

namespace cux::gateway {

namespace {

std::size_t pow2_at_least(std::size_t n) {
    std::size_t p = 2;
    while (p < n) p <<= 1;
    return p;
}

}  // namespace

route_table::route_table(std::size_t sessions_max, uint32_t lanes_per_session, uint32_t nonce)
    : lanes_(lanes_per_session),
      nonce_(nonce),
      sessions_max_(sessions_max),
      table_(std::make_unique<lane[]>(sessions_max * lanes_per_session)),
      free_(pow2_at_least(sessions_max)) {
    CUX_ASSERT(nonce != 0 && lanes_per_session > 0 && sessions_max > 0);
    CUX_ASSERT(sessions_max * lanes_per_session <= UINT32_MAX);
    for (std::size_t s = 0; s < sessions_max; ++s) {
        const bool pushed = free_.try_push(static_cast<uint32_t>(s));
        CUX_ASSERT(pushed);
    }
}

std::optional<uint32_t> route_table::open_session() {
    uint32_t s = 0;
    if (!free_.try_pop(s)) return std::nullopt;
    return s * lanes_;
}

void route_table::close_session(uint32_t first_lane) {
    CUX_ASSERT(first_lane % lanes_ == 0 && first_lane / lanes_ < sessions_max_);
    for (uint32_t i = 0; i < lanes_; ++i) CUX_ASSERT(!table_[first_lane + i].armed);
    // Cannot fail: every index pushed was popped first, and the ring holds them all.
    const bool pushed = free_.try_push(first_lane / lanes_);
    CUX_ASSERT(pushed);
}

engine::route_token route_table::arm(uint32_t l, pending_request req,
                                     std::shared_ptr<completion_sink> sink) {
    lane& ln = table_[l];
    CUX_ASSERT(!ln.armed);
    ln.armed = true;
    ++ln.request;
    ln.req = req;
    ln.sink = std::move(sink);
    engine::route_token t;
    t.session = l;
    t.reserved = nonce_;
    t.request = ln.request;
    return t;
}

void route_table::disarm(uint32_t l) {
    lane& ln = table_[l];
    CUX_ASSERT(ln.armed);
    ln.armed = false;
    ln.sink.reset();
}

bool route_table::take(const engine::route_token& t, pending_request& req,
                       std::shared_ptr<completion_sink>& sink) {
    if (t.reserved != nonce_ || t.session >= sessions_max_ * lanes_) return false;
    lane& ln = table_[t.session];
    if (!ln.armed || ln.request != t.request) return false;
    req = ln.req;
    sink = std::move(ln.sink);
    ln.armed = false;
    return true;
}

// ---- claim_table ------------------------------------------------------------------------

claim_table::claim_table()
    : slots_(std::make_unique<std::atomic<uint64_t>[]>(limits::idempotency_claims)) {}

uint32_t claim_table::try_claim(engine::participant_id p, const char* coid, std::size_t coid_len,
                                uint64_t tag) {
    CUX_ASSERT(tag != 0);
    uint64_t h = 14695981039346656037ull ^ p.value();  // FNV-1a over participant and id
    h *= 1099511628211ull;
    for (std::size_t i = 0; i < coid_len; ++i) {
        h ^= static_cast<unsigned char>(coid[i]);
        h *= 1099511628211ull;
    }
    const std::size_t slot = static_cast<std::size_t>(h) & (limits::idempotency_claims - 1);
    uint64_t expected = 0;
    if (!slots_[slot].compare_exchange_strong(expected, tag, std::memory_order_acq_rel)) return 0;
    return static_cast<uint32_t>(slot) + 1;
}

void claim_table::release(uint32_t claim, uint64_t tag) {
    CUX_ASSERT(claim != 0 && claim <= limits::idempotency_claims);
    uint64_t expected = tag;
    const bool released =
        slots_[claim - 1].compare_exchange_strong(expected, 0, std::memory_order_acq_rel);
    CUX_ASSERT(released);
}

}  // namespace cux::gateway
