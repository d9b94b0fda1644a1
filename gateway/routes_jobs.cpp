// Job orders: POST /v1/jobs (a buyer's job, routed and bought by the engine in one command;
// idempotent by client_order_id like an order).
//
// Statuses: a malformed job is refused as any request (400 with its code; a job whose hours are
// not all trading 409 MARKET_CLOSED or NOT_ALLOWED_IN_PHASE). A well-formed one always gets its
// route report: 201 when it bought something, 200 when it did not (a dry run, or nothing
// bought: status "unfilled" and `reason` says why, e.g. NO_ROUTE or INSUFFICIENT_FUNDS).

#include <cstring>

#include "gateway/api.hpp"
#include "gateway/decode.hpp"
#include "gateway/views.hpp"

namespace cux::gateway {

using namespace cux::engine;

handled api::post_job(const context& c, http_response& out) {
    api_error err;
    pending_request p;
    p.kind = command_kind::job;
    if (!c.tgt.only({}, err) || !decode_job(c.req.body, d_.market, p.cmd, err)) {
        out = error(err);
        return handled::respond;
    }
    // The route's roles already require buyer; the engine checks again (forbidden).
    if (auto closed = gate_closed()) {
        out = std::move(*closed);
        return handled::respond;
    }
    const char* coid = p.cmd.body.job.client_order_id;
    const std::size_t coid_len = strnlen(coid, sizeof p.cmd.body.job.client_order_id);
    if (const auto h = claim_client_order_id(c.who, coid, coid_len, p, out)) return *h;
    return submit(c, p, out);
}

http_response api::finish_job(const pending_request& req, const command_outcome& out) {
    const job_done_body* done = nullptr;
    for (const event& e : out.events) {
        if (e.type == event_type::job_done) done = &e.body.job;
    }
    if (done == nullptr) return error(make_error(500, "INTERNAL", "the job has no outcome"));
    json reason = nullptr;
    if (done->reason != reject_reason::none) {
        const api_error e = reject_error(done->reason, command_kind::job);
        reason = {{"code", e.code}, {"message", e.message}};
    }
    // The terms it was submitted with; a job replayed from the journal has none kept, and the
    // request asking again (same client_order_id) stands in for them.
    const job_body& terms = out.job ? *out.job : req.cmd.body.job;
    const bool bought = done->devices.value() > 0 && (done->flags & job_flag_dry_run) == 0;
    return json_response(bought ? 201 : 200, job_json(d_.market, out, terms, reason).dump());
}

}  // namespace cux::gateway
