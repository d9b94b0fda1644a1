#pragma once
// Routing of responses (DESIGN.md §3 "Request/response"): every command carries a route_token
// naming the lane that submitted it; the event consumer hands the command's outcome back to that
// lane's completion sink. No mutex: ownership of a lane passes along the rings.
//
//   token.session  = lane index (a session owns lanes_per_session consecutive lanes)
//   token.reserved = this server's nonce, so the journaled tokens of earlier runs, seen again
//                    when the journal is replayed, are never taken for ours
//   token.request  = the lane's request counter, so a stale token never matches
//
// Threads and hand-offs: open_session() from one thread at a time (the acceptor's handlers,
// which Asio runs one after another). close_session() from any thread, once the session is gone
// (it holds no armed lane). arm()/disarm() from the lane's owning session only. take() from the
// consumer thread only. A lane's fields are written by its session before it submits the
// command (the ring push is a release), read and cleared by the consumer after the engine
// published the command's events (acquire), and written again by the session only after the
// completion was posted back to it: each write happens-before the next read.
// Limits: sessions_max sessions; open_session() returns nullopt when all are in use.

#include <cstdint>
#include <memory>
#include <optional>

#include "engine/command.hpp"
#include "engine/ring.hpp"
#include "gateway/outcome.hpp"

namespace cux::gateway {

class route_table {
public:
    route_table(std::size_t sessions_max, uint32_t lanes_per_session, uint32_t nonce);

    [[nodiscard]] uint32_t nonce() const { return nonce_; }
    [[nodiscard]] uint32_t lanes_per_session() const { return lanes_; }

    // The first lane of a free session, or nullopt when every session is in use.
    [[nodiscard]] std::optional<uint32_t> open_session();
    void close_session(uint32_t first_lane);

    // Stores the request and where its outcome goes; returns the token for its command.
    [[nodiscard]] engine::route_token arm(uint32_t lane, pending_request req,
                                          std::shared_ptr<completion_sink> sink);
    // Undoes arm() when the command could not be submitted.
    void disarm(uint32_t lane);

    [[nodiscard]] bool ours(const engine::route_token& t) const { return t.reserved == nonce_; }
    // Consumer thread: when `t` names an armed lane of ours, moves its request and sink out
    // (the lane is free again) and returns true.
    bool take(const engine::route_token& t, pending_request& req,
              std::shared_ptr<completion_sink>& sink);

private:
    struct lane {
        uint64_t request = 0;  // counter of the last arm()
        bool armed = false;
        pending_request req;
        std::shared_ptr<completion_sink> sink;
    };

    uint32_t lanes_;
    uint32_t nonce_;
    std::size_t sessions_max_;
    std::unique_ptr<lane[]> table_;
    engine::mpsc_ring<uint32_t> free_;  // free session indices
};

// Serializes requests that carry the same (participant, client_order_id): a request claims the
// key's slot before it looks for a remembered result and submits; the consumer releases the claim
// after it recorded the result. A second request with the same key (or, rarely, a colliding one)
// finds the slot taken and retries shortly, so a retry never submits a second order, even while
// the first is in flight. Lock-free: a CAS per claim. Threads: any.
class claim_table {
public:
    claim_table();
    // Non-zero claim handle, or 0 when the slot is taken. tag must be non-zero.
    [[nodiscard]] uint32_t try_claim(engine::participant_id p, const char* coid,
                                     std::size_t coid_len, uint64_t tag);
    void release(uint32_t claim, uint64_t tag);

private:
    std::unique_ptr<std::atomic<uint64_t>[]> slots_;
};

}  // namespace cux::gateway
