#pragma once
// The bookkeeping of one stream connection, free of Asio and Beast (stream_session.cpp owns one
// per connection and touches it from its strand only): its subscription slots, the lanes its
// orders and cancels are in flight on, the queued messages with their spliced seqs, and the
// per-connection op rate. Limits: limits::stream_subscriptions_max slots,
// limits::lanes_per_session lanes, limits::stream_ops_per_s ops a second (burst
// limits::stream_ops_burst).

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "gateway/limits.hpp"
#include "gateway/outcome.hpp"
#include "gateway/stream_protocol.hpp"
#include "gateway/stream_text.hpp"

namespace cux::gateway::detail {

// A message in a connection's outbound queue; its seq digits stay put until it is written.
struct out_message {
    shared_text text;
    seq_digits seq;
};

struct subscription {
    bool active = false;
    channel_key key;
    uint64_t token = 0;  // which subscribe() this slot holds (deliveries for older ones: dropped)
    uint64_t seq = 0;    // of the last message sent on it
};

// An order or cancel in flight on one of the connection's lanes.
struct lane_state {
    bool busy = false;
    stream_op op = stream_op::order;
    std::string req_id;
};

// An order or cancel ready to be handed to the API (again, after a "wait").
struct entry_op {
    stream_op op = stream_op::order;
    std::string req_id;
    uint32_t lane = 0;  // index within the connection
    pending_request req;
    engine::order_id cancel_id{0};
    int polls = 0;
};

inline const char* entry_op_name(stream_op op) {
    return op == stream_op::order ? "order" : "cancel";
}

class stream_state {
public:
    using clock = std::chrono::steady_clock;

    std::array<subscription, limits::stream_subscriptions_max> subs{};
    std::array<lane_state, limits::lanes_per_session> lanes{};

    [[nodiscard]] std::optional<uint32_t> free_lane() const {
        for (uint32_t i = 0; i < lanes.size(); ++i) {
            if (!lanes[i].busy) return i;
        }
        return std::nullopt;
    }
    [[nodiscard]] std::optional<uint32_t> find_sub(const channel_key& k) const {
        for (uint32_t i = 0; i < subs.size(); ++i) {
            if (subs[i].active && subs[i].key == k) return i;
        }
        return std::nullopt;
    }
    [[nodiscard]] std::optional<uint32_t> free_sub() const {
        for (uint32_t i = 0; i < subs.size(); ++i) {
            if (!subs[i].active) return i;
        }
        return std::nullopt;
    }
    [[nodiscard]] std::size_t active_subs() const {
        return static_cast<std::size_t>(std::count_if(
            subs.begin(), subs.end(), [](const subscription& s) { return s.active; }));
    }
    uint64_t next_token() { return ++tokens_; }

    // The per-connection op bucket, in thousandths of an op.
    void start_clock(clock::time_point now) { last_refill_ = now; }
    bool take_op(clock::time_point now) {
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - last_refill_);
        last_refill_ = now;
        constexpr int64_t cap = int64_t{limits::stream_ops_burst} * 1000;
        op_milli_ = std::min(cap, op_milli_ + ms.count() * limits::stream_ops_per_s);
        if (op_milli_ < 1000) return false;
        op_milli_ -= 1000;
        return true;
    }

private:
    uint64_t tokens_ = 0;
    int64_t op_milli_ = int64_t{limits::stream_ops_burst} * 1000;
    clock::time_point last_refill_;
};

}  // namespace cux::gateway::detail
