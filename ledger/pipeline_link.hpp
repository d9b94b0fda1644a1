#pragma once
// Durability for a ledger writer fed by an engine::pipeline (ledger/writer.hpp's wait_durable):
// the ledger must only record commands the journal has on disk.
//
// Use: construct before pipeline::replay(); pass wait() to the writer; call replayed() with
// pipeline::last_seq() after replay() and before start(). Until then every event comes from a
// command read back from the journal, so it is durable already (the journal writer is not
// open yet and could not say so); after it, a command is durable once the journal's group
// commit has synced it. False when the journal failed (outcome unknown: not recorded).
// Thread: wait() from the writer thread, the rest from the owner.

#include <atomic>
#include <cstdint>
#include <functional>

#include "engine/pipeline.hpp"

namespace cux::ledger {

class pipeline_durability {
public:
    explicit pipeline_durability(engine::pipeline& p) : p_(p) {}

    void replayed(uint64_t last_replayed_cmd_seq) {
        replayed_.store(last_replayed_cmd_seq, std::memory_order_release);
    }
    [[nodiscard]] bool wait(uint64_t cmd_seq) const {
        return cmd_seq <= replayed_.load(std::memory_order_acquire) || p_.wait_durable(cmd_seq);
    }
    [[nodiscard]] std::function<bool(uint64_t)> fn() {
        return [this](uint64_t s) { return wait(s); };
    }

private:
    engine::pipeline& p_;
    std::atomic<uint64_t> replayed_{UINT64_MAX};
};

}  // namespace cux::ledger
