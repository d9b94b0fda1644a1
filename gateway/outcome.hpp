#pragma once
// What travels between a request and its response when the request became an engine command:
// the pending_request the session armed its lane with, and the command_outcome the event
// consumer gathered once the command's events were all published and durable.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "engine/event.hpp"
#include "engine/limits.hpp"

namespace cux::gateway {

enum class command_kind : uint8_t {
    place = 0,
    cancel = 1,
    replace = 2,
    capacity = 3,
    withdraw = 4,
    deposit = 5,
    create_participant = 6,
    fail_contract = 7,
    job = 8,  // POST /v1/jobs (place_job)
};

// Everything a route needs to finish its response once the outcome arrives.
struct pending_request {
    command_kind kind = command_kind::place;
    engine::participant_id actor;
    engine::command cmd;     // as submitted (seq/ts not yet stamped)
    uint32_t lane = 0;       // the lane it was armed on (a stream session has several)
    uint32_t claim = 0;      // idempotency claim slot + 1; 0: none
    uint64_t claim_tag = 0;  // the value that claim slot holds
};

// A command's own events, gathered by the consumer thread from the event ring.
struct command_outcome {
    uint64_t seq = 0;                                           // the command's seq
    engine::utc_ns ts = 0;                                      // its stamp
    engine::command_type command = engine::command_type::none;  // what it was
    bool durable = true;  // false: the journal failed; the outcome is unknown (answer 503)
    // The first rejection, if any (then nothing changed).
    engine::reject_reason reject = engine::reject_reason::none;
    // rejected, order_accepted, trade, order_done, order_replaced, balance_changed,
    // capacity_changed, participant_created, contract_failed, job_candidate and job_done events
    // of the command, in order (clock events of the same command included; formatters filter by
    // id). A job's outcome keeps only its rejection, or its candidates, its own trades and its
    // job_done (event_consumer.cpp).
    std::vector<engine::event> events;
    // A job's terms as submitted, when this server submitted it (the route report quotes them:
    // "memory 24 GB < 80 GB"). A job replayed from the journal has none; its report is then
    // written with the terms of the request that asks for it again (the same client_order_id).
    std::optional<engine::job_body> job;
};

// Where a completed command goes: the session that submitted it. complete() is called on the
// consumer thread; implementations post to their own executor and return at once.
class completion_sink {
public:
    virtual void complete(pending_request req, std::shared_ptr<const command_outcome> out) = 0;

protected:
    ~completion_sink() = default;
};

}  // namespace cux::gateway
