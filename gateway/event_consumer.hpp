#pragma once
// The gateway's one consumer of the engine's event ring (DESIGN.md §3 "responder"): a thread
// that takes events in batches, waits until the journal is durable past the batch, applies them
// to the read models (market_model, account_model), gathers each command's own events into a
// command_outcome, remembers the outcomes of orders and jobs with a client_order_id, and hands the
// outcomes of this server's commands to the sessions that submitted them (route_table), and
// publishes the stream's channel messages (stream_hub). It takes no lock that the engine thread
// or the request path's submit takes; the read models' write locks only ever block readers of
// those models, and the hub's lock only a stream session taking a snapshot.
//
// Threads: construct before pipeline::replay() (the consumer must be registered before the
// first event is published); start() right away, so that replayed events are consumed while the
// owner thread replays (the ring would otherwise fill and stall the replay). set_live() once the
// pipeline has started: from then on every batch waits for durability first (replayed events
// were durable already; the journal is not open before start(), so nothing could be waited
// for). join() after pipeline::stop(): the thread ends when the ring is closed and drained.
// Errors: when the journal fails, wait_durable() returns false and every outcome from then on
// has durable = false ("outcome unknown": sessions answer 503).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "engine/pipeline.hpp"
#include "gateway/account_model.hpp"
#include "gateway/market_model.hpp"
#include "gateway/outcome.hpp"
#include "gateway/route_table.hpp"
#include "gateway/stream_hub.hpp"

namespace cux::gateway {

class event_consumer {
public:
    event_consumer(engine::pipeline& p, market_model& market, account_model& accounts,
                   route_table& routes, claim_table& claims, stream_hub& hub);
    ~event_consumer();
    event_consumer(const event_consumer&) = delete;
    event_consumer& operator=(const event_consumer&) = delete;

    void start();
    void set_live() { live_.store(true, std::memory_order_release); }
    void join();

    // The seq of the last command whose events were all applied to the read models.
    [[nodiscard]] uint64_t applied_seq() const {
        return applied_seq_.load(std::memory_order_acquire);
    }
    // Waits until applied_seq() >= seq; false on timeout.
    bool wait_applied(uint64_t seq, std::chrono::milliseconds timeout) const;

private:
    struct completion {
        std::shared_ptr<completion_sink> sink;
        pending_request req;
        std::shared_ptr<const command_outcome> out;
    };

    void run();
    void on_event(const engine::event& e, bool durable);
    void end_command(const engine::event& done, bool durable);

    engine::pipeline& pipeline_;
    engine::spmc_ring<engine::event>& ring_;
    engine::spmc_consumer id_;
    market_model& market_;
    account_model& accounts_;
    route_table& routes_;
    claim_table& claims_;
    stream_hub& hub_;
    std::thread thread_;
    bool started_ = false;
    std::atomic<bool> live_{false};
    std::atomic<uint64_t> applied_seq_{0};

    // Consumer thread only.
    std::vector<engine::event> batch_;
    std::vector<completion> done_;
    std::vector<std::pair<uint32_t, uint64_t>> claims_done_;  // released after the batch
    uint64_t cur_seq_ = 0;
    bool collecting_ = false;
    std::shared_ptr<command_outcome> cur_;
};

}  // namespace cux::gateway
