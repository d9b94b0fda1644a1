#pragma once
// Internal to `cux bench gateway` (tools/bench_gateway.hpp): what one connection of the load
// generator sends and how it reads the replies, free of any transport (the WebSocket clients in
// tools/bench_gateway_net_impl.hpp call it), and the figures a run collects.
//
// A flow is one participant on one connection: first {"op":"auth"} (req_id 0), then order entry
// with integer req_ids from 1. Each message is drawn from a seeded generator; orders are limit
// orders for 1-4 devices in one of the books, priced from its reference price:
//   30% GTC at the touch: 0-2 ticks behind the reference (buyers and vendors cross at it);
//   30% IOC 3 ticks through it: they take what rests at the touch on the other side;
//   20% GTC deep: 5-8 ticks behind, out of every other order's reach, so they rest;
//   20% cancels of the connection's oldest deep order (a deep order instead while it has none;
//       always a cancel once it has resting_max): the cancel finds its order resting.
// Every order has a client_order_id, as a real client sends for recovery after a disconnect.
// When it sends: `closed` keeps `depth` messages in flight (pipelining); `rate` sends the
// orders the runner made due (add_due), as soon as fewer than `depth` are in flight; `drain`
// and `idle` send nothing new.
// Replies are matched to their request by req_id (order replies may come back in any order)
// and read without a JSON parser (the generator shares the machine with the server, so its own
// cost is kept small): the reply's type, an order's status and order_id, a reject's code.
// An echo server (`echo`) sends the request back: an echoed GTC counts as a resting order
// with its req_id as order id, so cancels keep the same share of the messages.
// Limits: depth <= flow_depth_max; deep orders known <= resting_max + depth; due orders
// waiting <= due_max (past it they are counted as dropped, the run is overloaded).
// Thread: one (the generator's io_context thread).

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace cux::tools::bench::gw {

inline constexpr uint32_t flow_depth_max = 64;
inline constexpr std::size_t resting_ring = 256;
inline constexpr std::size_t due_max = 4096;
static_assert((resting_ring & (resting_ring - 1)) == 0 && (due_max & (due_max - 1)) == 0);

// Latencies in nanoseconds, log-linear: exact below 1024 ns, else within 1/512 (0.2%). Memory
// is fixed (17 K buckets); the maximum is kept exactly.
class latency_histogram {
public:
    latency_histogram();
    void add(int64_t ns);
    [[nodiscard]] uint64_t count() const { return count_; }
    [[nodiscard]] int64_t max_ns() const { return max_ns_; }
    // The upper bound of the bucket holding the q-quantile (0 < q <= 1); 0 when empty.
    [[nodiscard]] int64_t quantile_ns(double q) const;

private:
    static std::size_t bucket_of(uint64_t ns);
    static uint64_t upper_of(std::size_t bucket);
    std::vector<uint64_t> buckets_;
    uint64_t count_ = 0;
    int64_t max_ns_ = 0;
};

// What one run of the harness saw. "Window" figures count replies received inside the timed
// window; latencies are of requests sent inside it (their replies may come after it).
struct run_counters {
    double window_s = 0;
    uint64_t sent_orders = 0;   // in the window
    uint64_t sent_cancels = 0;  // in the window
    uint64_t acked_orders = 0;  // {"type":"result"} replies to orders, in the window
    uint64_t acked_cancels = 0;
    uint64_t rejected = 0;         // {"type":"error"} replies, in the window
    uint64_t filled_at_entry = 0;  // acked orders whose reply carries fills
    uint64_t bytes_sent = 0;       // WebSocket payload bytes, in the window
    uint64_t bytes_received = 0;   // of replies to requests, in the window
    uint64_t dropped_due = 0;      // rate: due orders the generator could not queue
    uint64_t unanswered = 0;       // still in flight when the drain gave up
    double generator_cpu_s = 0;    // the generator thread's CPU time in the window
    double process_cpu_s = 0;      // the whole process's (server or echo + generator)
    std::map<std::string, uint64_t, std::less<>> reject_codes;
    latency_histogram latency;   // write started -> reply read
    latency_histogram from_due;  // rate: due time -> reply read (the open-loop figure)
    latency_histogram send_lag;  // rate: due time -> write started
};

struct book_spec {
    std::string symbol;
    int64_t reference_fen = 0;
    int64_t tick_fen = 1;
};

struct flow_config {
    uint32_t index = 0;  // the connection's number, in client_order_ids
    bool sells = false;  // a vendor selling; else a buyer buying
    std::string key;
    std::string secret;
    std::vector<book_spec> books;
    uint64_t seed = 1;
    uint32_t depth = 8;
    uint32_t resting_max = 16;
    bool echo = false;
};

enum class flow_mode : uint8_t { idle, auth, closed, rate, drain };

class flow {
public:
    explicit flow(flow_config c);

    // The next message to send at `now_ns` (steady clock), written to `out`; false when there
    // is none now. The message is in flight from here until its reply.
    bool next(std::string& out, int64_t now_ns);
    // One message from the server.
    void on_reply(std::string_view text, int64_t now_ns);
    // Rate mode: an order falls due at `due_ns`.
    void add_due(int64_t due_ns);
    // Leaving rate mode forgets the orders still due.
    void set_mode(flow_mode m) {
        if (failed()) return;
        mode_ = m;
        if (m != flow_mode::rate) due_head_ = due_tail_;
    }
    // Where this run's figures go (latencies of requests sent while `window` is on); `window`
    // also switches counting of replies and sends.
    void set_counters(run_counters* run, bool window) {
        run_ = run;
        window_ = window;
    }
    // The transport failed or the server closed: `why` is kept and the flow sends nothing more.
    void fail(std::string why);

    [[nodiscard]] bool authenticated() const { return authenticated_; }
    [[nodiscard]] bool failed() const { return !failure_.empty(); }
    [[nodiscard]] const std::string& failure() const { return failure_; }
    [[nodiscard]] uint32_t in_flight() const { return in_flight_; }
    [[nodiscard]] std::size_t due_waiting() const { return due_tail_ - due_head_; }
    [[nodiscard]] uint64_t replies() const { return replies_; }  // ever, for progress lines

private:
    enum class kind : uint8_t { auth, order, cancel };
    struct slot {
        uint64_t req_id = 0;
        int64_t sent_ns = 0;
        int64_t due_ns = 0;  // 0: not rate-driven
        kind k = kind::order;
        bool deep = false;
        bool measured = false;
        bool used = false;
    };

    enum class order_kind : uint8_t { touch, ioc, deep };
    static constexpr int64_t touch_behind_ticks = 2;
    static constexpr int64_t ioc_through_ticks = 3;
    static constexpr int64_t deep_behind_ticks = 5;
    static constexpr uint64_t deep_levels = 4;
    static_assert(ioc_through_ticks < deep_behind_ticks, "an IOC must not reach a deep order");

    uint64_t random();
    void make_order(std::string& out, uint64_t req_id, order_kind k);
    void make_cancel(std::string& out, uint64_t req_id, uint64_t order_id);
    void make_auth(std::string& out);
    void record_reply(slot& s, std::string_view text, int64_t now_ns);
    void push_resting(uint64_t order_id);

    flow_config c_;
    flow_mode mode_ = flow_mode::idle;
    uint64_t rng_;
    uint64_t next_req_ = 1;
    uint64_t next_coid_ = 1;
    std::array<slot, flow_depth_max> slots_{};
    uint32_t in_flight_ = 0;
    std::array<uint64_t, resting_ring> resting_{};
    std::size_t resting_head_ = 0;
    std::size_t resting_tail_ = 0;
    std::array<int64_t, due_max> due_{};
    std::size_t due_head_ = 0;
    std::size_t due_tail_ = 0;
    bool auth_sent_ = false;
    bool authenticated_ = false;
    std::string failure_;
    run_counters* run_ = nullptr;
    bool window_ = false;
    uint64_t replies_ = 0;
};

}  // namespace cux::tools::bench::gw
