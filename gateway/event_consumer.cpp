#include "gateway/event_consumer.hpp"

#include <cstring>
#include <string_view>

#include "gateway/limits.hpp"

namespace cux::gateway {

using namespace cux::engine;

namespace {

bool kept(event_type t) {
    switch (t) {
        case event_type::rejected:
        case event_type::order_accepted:
        case event_type::trade:
        case event_type::order_done:
        case event_type::order_replaced:
        case event_type::balance_changed:
        case event_type::capacity_changed:
        case event_type::participant_created:
        case event_type::contract_failed:
        case event_type::job_candidate:
        case event_type::job_done:
            return true;
        default:
            return false;
    }
}

// A placed order's outcome, remembered for retries, keeps only the events about that order.
void trim_to_order(command_outcome& out, participant_id actor) {
    order_id id(0);
    for (const event& e : out.events) {
        if (e.type == event_type::order_accepted && e.participant == actor) id = e.body.accepted.id;
    }
    std::vector<event> keep;
    for (const event& e : out.events) {
        const bool mine = (e.type == event_type::rejected && e.participant == actor) ||
                          (e.type == event_type::order_accepted && e.body.accepted.id == id) ||
                          (e.type == event_type::trade &&
                           (e.body.trade.buy_order == id || e.body.trade.sell_order == id)) ||
                          (e.type == event_type::order_done && e.body.done.id == id);
        if (mine) keep.push_back(e);
    }
    out.events = std::move(keep);
}

// A job's outcome keeps its rejection, or its route report (job_candidate), the trades it made
// and its job_done. Its trades come after its first job_candidate and all have the actor as
// buyer; trades before that belong to the clock (an opening auction the same command ran).
void trim_to_job(command_outcome& out, participant_id actor) {
    std::vector<event> keep;
    bool reported = false;
    for (const event& e : out.events) {
        reported = reported || e.type == event_type::job_candidate;
        const bool mine = (e.type == event_type::rejected && e.participant == actor) ||
                          e.type == event_type::job_candidate || e.type == event_type::job_done ||
                          (reported && e.type == event_type::trade && e.body.trade.buyer == actor);
        if (mine) keep.push_back(e);
    }
    out.events = std::move(keep);
}

std::string_view coid_of(const char* buf, std::size_t n) { return {buf, strnlen(buf, n)}; }

}  // namespace

event_consumer::event_consumer(pipeline& p, market_model& market, account_model& accounts,
                               route_table& routes, claim_table& claims, stream_hub& hub)
    : pipeline_(p),
      ring_(p.events()),
      id_(p.events().add_consumer()),
      market_(market),
      accounts_(accounts),
      routes_(routes),
      claims_(claims),
      hub_(hub) {
    batch_.reserve(limits::consumer_batch_max);
}

event_consumer::~event_consumer() {
    // The owner must have stopped the pipeline and joined; a running thread here is a bug.
    CUX_ASSERT(!thread_.joinable());
    // Never started (the server's construction failed): stop gating the engine.
    if (!started_) ring_.remove_consumer(id_);
}

void event_consumer::start() {
    CUX_ASSERT(!thread_.joinable());
    started_ = true;
    thread_ = std::thread([this] { run(); });
}

void event_consumer::join() {
    if (thread_.joinable()) thread_.join();
}

bool event_consumer::wait_applied(uint64_t seq, std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (applied_seq() < seq) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

void event_consumer::run() {
    // Held over applying and publishing each batch (and across batches while a command that
    // touched a subscribed channel is cut in two), so a stream snapshot sits between batches.
    std::unique_lock<std::mutex> hub_lock;
    while (ring_.wait_available(id_) > 0) {
        batch_.clear();
        ring_.poll(
            id_, [this](const event& e) { batch_.push_back(e); }, limits::consumer_batch_max);
        if (batch_.empty()) continue;
        // Nothing from this batch is shown or acknowledged before the journal holds it.
        const uint64_t hi = batch_.back().cmd_seq;
        bool durable = true;
        if (live_.load(std::memory_order_acquire) && pipeline_.durable_seq() < hi) {
            durable = pipeline_.wait_durable(hi);
        }
        uint64_t applied = 0;
        if (!hub_lock.owns_lock()) hub_lock = hub_.lock();
        {
            auto market_lock = market_.write_lock();
            auto account_lock = accounts_.write_lock();
            for (const event& e : batch_) {
                market_.apply(e);
                accounts_.apply(e);
                hub_.on_event(e);
                on_event(e, durable);
                if (e.type == event_type::command_done) applied = e.cmd_seq;
            }
        }
        hub_.publish(durable);
        if (!hub_.mid_command()) hub_lock.unlock();
        // Results are recorded (above, under the lock) before their claims are released, so a
        // retry that takes the claim next finds the result.
        for (const auto& [claim, tag] : claims_done_) claims_.release(claim, tag);
        claims_done_.clear();
        for (completion& c : done_) c.sink->complete(c.req, std::move(c.out));
        done_.clear();
        if (applied != 0) applied_seq_.store(applied, std::memory_order_release);
    }
}

void event_consumer::on_event(const event& e, bool durable) {
    if (e.cmd_seq != cur_seq_) {
        cur_seq_ = e.cmd_seq;
        const bool ours = routes_.ours(e.token) && e.command != command_type::tick;
        // Orders and jobs are gathered whoever sent them, so that their client_order_id results
        // are known after a restart too (replayed commands are no session's).
        collecting_ =
            ours || e.command == command_type::place_order || e.command == command_type::place_job;
        cur_.reset();
        if (collecting_) {
            cur_ = std::make_shared<command_outcome>();
            cur_->seq = e.cmd_seq;
            cur_->ts = e.ts;
            cur_->command = e.command;
        }
    }
    if (collecting_ && kept(e.type)) {
        cur_->events.push_back(e);
        if (e.type == event_type::rejected && cur_->reject == reject_reason::none) {
            cur_->reject = e.body.rejected.reason;
        }
    }
    if (e.type == event_type::command_done) {
        if (collecting_) end_command(e, durable);
        collecting_ = false;
        cur_.reset();
    }
}

void event_consumer::end_command(const event& done, bool durable) {
    cur_->durable = durable;
    const participant_id actor = done.participant;
    pending_request req;
    std::shared_ptr<completion_sink> sink;
    const bool ours = routes_.take(done.token, req, sink);
    if (done.command == command_type::place_order) {
        trim_to_order(*cur_, actor);
        std::string_view coid;
        for (const event& e : cur_->events) {
            if (e.type == event_type::order_accepted) {
                coid = coid_of(e.body.accepted.client_order_id,
                               sizeof e.body.accepted.client_order_id);
            }
        }
        // A rejection's events do not carry the client_order_id; the request that sent it does.
        if (coid.empty() && ours) {
            coid = coid_of(req.cmd.body.place.client_order_id,
                           sizeof req.cmd.body.place.client_order_id);
        }
        if (durable && !coid.empty()) accounts_.record_result(actor, coid, cur_);
    } else if (done.command == command_type::place_job) {
        trim_to_job(*cur_, actor);
        if (ours) cur_->job = req.cmd.body.job;
        std::string_view coid;
        for (const event& e : cur_->events) {
            if (e.type == event_type::job_done) {
                coid = coid_of(e.body.job.client_order_id, sizeof e.body.job.client_order_id);
            }
        }
        if (coid.empty() && ours) {
            coid =
                coid_of(req.cmd.body.job.client_order_id, sizeof req.cmd.body.job.client_order_id);
        }
        if (durable && !coid.empty()) accounts_.record_result(actor, coid, cur_);
    }
    if (!ours) return;
    if (req.claim != 0) claims_done_.emplace_back(req.claim, req.claim_tag);
    done_.push_back(completion{std::move(sink), req, cur_});
}

}  // namespace cux::gateway
