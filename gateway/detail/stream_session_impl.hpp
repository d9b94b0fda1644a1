#pragma once
// The stream session's template, included by the two files that instantiate it: over TLS
// (stream_session_tls.cpp) and over plain TCP (stream_session_plain.cpp). Each instantiation of
// Beast's WebSocket stream takes minutes to compile; in two files they build side by side.

#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <memory>
#include <optional>

#include "gateway/detail/stream_session.hpp"
#include "gateway/detail/stream_state.hpp"
#include "gateway/limits.hpp"
#include "gateway/stream_protocol.hpp"

namespace cux::gateway::detail::stream_impl {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using steady = std::chrono::steady_clock;
using namespace cux::engine;

// An order whose client_order_id is in flight on another request is tried again this often,
// this many times (as the REST session does).
constexpr std::chrono::milliseconds claim_poll{2};
constexpr int claim_polls_max = 5000;
constexpr uint8_t traders = role_vendor | role_buyer;

template <class Next>
class stream_session final : public completion_sink,
                             public stream_subscriber,
                             public stream_registry::member,
                             public std::enable_shared_from_this<stream_session<Next>> {
public:
    stream_session(Next&& next, server_core& core, session_slot slot)
        : ws_(std::move(next)),
          core_(core),
          slot_(std::move(slot)),
          ex_(ws_.get_executor()),
          heartbeat_(ex_),
          retry_(ex_),
          deadline_(ex_) {
        CUX_ASSERT(core_.routes.lanes_per_session() == limits::lanes_per_session);
    }
    ~stream_session() { core_.streams.remove(this); }

    void start(upgrade_request&& req) {
        req_ = std::move(req);
        // From here the WebSocket stream keeps the time: handshake, idle (with pings) and close.
        beast::get_lowest_layer(ws_).expires_never();
        if (core_.stream.socket_send_bytes != 0) {
            // A bounded kernel buffer: a consumer that lags shows in the queue, not in megabytes
            // the kernel holds for it.
            beast::error_code ec;
            beast::get_lowest_layer(ws_).socket().set_option(
                net::socket_base::send_buffer_size(
                    static_cast<int>(core_.stream.socket_send_bytes)),
                ec);
        }
        websocket::stream_base::timeout t{};
        t.handshake_timeout = core_.limits.handshake;
        t.idle_timeout = core_.limits.idle;
        t.keep_alive_pings = true;
        ws_.set_option(t);
        ws_.set_option(websocket::stream_base::decorator(
            [](websocket::response_type& r) { r.set(http::field::server, "cux"); }));
        ws_.read_message_max(limits::stream_drain_bytes_max);
        ws_.auto_fragment(false);
        ws_.text(true);
        ws_.async_accept(
            req_, [self = this->shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
    }

    // The consumer thread: post to the strand and return.
    void complete(pending_request req, std::shared_ptr<const command_outcome> out) override {
        net::post(ex_, [self = this->shared_from_this(), req = std::move(req),
                        out = std::move(out)] { self->on_outcome(req, *out); });
    }
    // Any thread (the server stopping).
    void close_for_shutdown() override {
        net::post(ex_, [self = this->shared_from_this()] {
            if (self->accepted_) self->close(websocket::close_code::going_away, "server stopping");
        });
    }
    void deliver(uint32_t slot, uint64_t token, shared_text m) override {
        net::post(ex_, [self = this->shared_from_this(), slot, token, m = std::move(m)]() mutable {
            self->on_delivery(slot, token, std::move(m));
        });
    }

private:
    void on_accept(beast::error_code ec) {
        if (ec) return;  // a bad upgrade (Beast answered it) or a timeout: the session ends
        accepted_ = true;
        core_.streams.add(this->shared_from_this());
        st_.start_clock(steady::now());
        arm_heartbeat();
        do_read();
    }

    // ---- reading ----

    // A message is read in chunks, so that one over the limit can be read to its end and dropped
    // (then the session closes with 1009). A new message waits for a free lane and for an order
    // waiting on its client_order_id; the rest of a message never waits.
    void do_read() {
        if (reading_ || ended_ || (!closing_ && !mid_message_ && (waiting_ || !st_.free_lane()))) {
            read_paused_ = !reading_ && !ended_;
            return;
        }
        read_paused_ = false;
        reading_ = true;
        ws_.async_read_some(buffer_, limits::stream_read_chunk_bytes,
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                                self->on_read(ec);
                            });
    }

    void on_read(beast::error_code ec) {
        reading_ = false;
        if (ec) return on_end(ec);
        if (buffer_.size() > limits::stream_message_bytes_max) {
            oversize_ = true;
            buffer_.consume(buffer_.size());
        }
        mid_message_ = !ws_.is_message_done();
        if (mid_message_) return do_read();
        if (oversize_) {
            oversize_ = false;
            return close(websocket::close_code::too_big, "message over 65536 bytes");
        }
        // While closing, messages are read (and dropped) until the peer's close arrives.
        if (!closing_) {
            const std::string_view text(static_cast<const char*>(buffer_.data().data()),
                                        buffer_.size());
            if (ws_.got_text()) {
                on_message(text);
            } else {
                reply_error({}, {}, make_error(400, "BAD_REQUEST", "send JSON in text messages"));
            }
        }
        buffer_.consume(buffer_.size());
        do_read();
    }

    void on_message(std::string_view text) {
        stream_request r;
        api_error err;
        if (!parse_stream_request(text, core_.market, r, err)) {
            return reply_error(r.op_name, r.req_id, err);
        }
        if (r.op != stream_op::order && r.op != stream_op::cancel && !st_.take_op(steady::now())) {
            return reply_error(r.op_name, r.req_id,
                               make_error(429, "RATE_LIMITED", "too many ops on this connection"));
        }
        switch (r.op) {
            case stream_op::auth:
                return on_auth(r);
            case stream_op::subscribe:
                return on_subscribe(r);
            case stream_op::unsubscribe:
                return on_unsubscribe(r);
            case stream_op::ping:
                return send(plain_text(pong_reply(r.req_id, now_ns())));
            case stream_op::order:
            case stream_op::cancel:
                return on_entry(r);
        }
    }

    // ---- ops ----

    void on_auth(const stream_request& r) {
        if (key_ != nullptr) {
            return reply_error(
                r.op_name, r.req_id,
                make_error(400, "BAD_REQUEST", "this connection is authenticated already"));
        }
        api_error err;
        api::caller who;
        const key_entry* k = core_.rest.stream_auth(r.key, r.ts, r.sign, who, err);
        if (k == nullptr) return reply_error(r.op_name, r.req_id, err);
        key_ = k;
        who_ = who;
        send(plain_text(authenticated_reply(r.req_id, who.id, who.roles)));
    }

    void on_subscribe(const stream_request& r) {
        // All or nothing: every channel is checked before any is subscribed.
        std::vector<channel_key> keys;
        std::size_t added = 0;
        for (const std::string& name : r.channels) {
            channel_key k;
            api_error err;
            if (!parse_channel(name, core_.market, k, err)) {
                return reply_error(r.op_name, r.req_id, err);
            }
            if (k.is_regulator_only()) {
                if (key_ == nullptr) {
                    return reply_error(
                        r.op_name, r.req_id,
                        make_error(401, "UNAUTHORIZED",
                                   "channel " + name + " is private: send {\"op\":\"auth\"} first",
                                   "channels"));
                }
                if ((who_.roles & engine::role_regulator) == 0) {
                    return reply_error(
                        r.op_name, r.req_id,
                        make_error(403, "FORBIDDEN", "channel " + name + " is for regulators only",
                                   "channels"));
                }
            } else if (k.is_private()) {
                if (key_ == nullptr) {
                    return reply_error(
                        r.op_name, r.req_id,
                        make_error(401, "UNAUTHORIZED",
                                   "channel " + name + " is private: send {\"op\":\"auth\"} first",
                                   "channels"));
                }
                k.id = who_.id.value();
            } else if (!core_.hub.listed(k)) {
                return reply_error(
                    r.op_name, r.req_id,
                    make_error(404, "UNKNOWN_INSTRUMENT",
                               "the instrument of " + name + " is not listed", "channels"));
            }
            if (!st_.find_sub(k)) ++added;
            keys.push_back(k);
        }
        if (st_.active_subs() + added > limits::stream_subscriptions_max) {
            return reply_error(
                r.op_name, r.req_id,
                make_error(400, "TOO_MANY_SUBSCRIPTIONS",
                           "at most " + std::to_string(limits::stream_subscriptions_max) +
                               " channels per connection",
                           "channels"));
        }
        send(plain_text(channels_reply(true, r.req_id, r.channels)));
        for (const channel_key& k : keys) subscribe(k, r);
    }

    void subscribe(const channel_key& k, const stream_request& r) {
        // Subscribing again restarts the channel with a fresh snapshot.
        std::optional<uint32_t> slot = st_.find_sub(k);
        if (slot) {
            core_.hub.unsubscribe(this, *slot, k);
        } else {
            slot = st_.free_sub();
        }
        CUX_ASSERT(slot.has_value());
        subscription& s = st_.subs[*slot];
        s = subscription{false, k, st_.next_token(), 1};
        shared_text snapshot;
        api_error err;
        if (!core_.hub.subscribe(this->shared_from_this(), *slot, s.token, k, snapshot, err)) {
            return reply_error(r.op_name, r.req_id, err);  // delisted a moment ago
        }
        s.active = true;
        send(std::move(snapshot), 1);
    }

    void on_unsubscribe(const stream_request& r) {
        for (const std::string& name : r.channels) {
            channel_key k;
            api_error err;
            if (!parse_channel(name, core_.market, k, err)) {
                return reply_error(r.op_name, r.req_id, err);
            }
            if (k.is_private()) k.id = who_.id.value();
            if (const auto slot = st_.find_sub(k)) {
                core_.hub.unsubscribe(this, *slot, k);
                st_.subs[*slot].active = false;
            }
        }
        send(plain_text(channels_reply(false, r.req_id, r.channels)));
    }

    void on_entry(const stream_request& r) {
        if (key_ == nullptr) {
            return reply_error(r.op_name, r.req_id,
                               make_error(401, "UNAUTHORIZED", "send {\"op\":\"auth\"} first"));
        }
        if ((who_.roles & traders) == 0) {
            return reply_error(r.op_name, r.req_id,
                               make_error(403, "FORBIDDEN", "this key's roles do not allow this"));
        }
        api_error err;
        uint32_t retry_after_s = 0;
        if (!core_.rest.charge(*key_, err, retry_after_s)) {
            return reply_error(r.op_name, r.req_id, err);
        }
        const std::optional<uint32_t> lane = st_.free_lane();
        CUX_ASSERT(lane.has_value());  // reading waits for a free lane
        entry_op e;
        e.op = r.op;
        e.req_id = r.req_id;
        e.lane = *lane;
        e.cancel_id = r.cancel_id;
        if (r.op == stream_op::order) {
            e.req.kind = command_kind::place;
            e.req.cmd = r.order;
        }
        run_entry(std::move(e));
    }

    void run_entry(entry_op e) {
        http_response out;
        const api_session s{slot_.first_lane() + e.lane, this->shared_from_this()};
        const handled h = e.op == stream_op::order
                              ? core_.rest.place_order(who_, s, e.req, out)
                              : core_.rest.cancel_order(who_, s, e.cancel_id, out);
        switch (h) {
            case handled::respond:
                return send_response(e.op, e.req_id, out);
            case handled::pending:
                core_.busy.fetch_add(1, std::memory_order_relaxed);
                st_.lanes[e.lane] = lane_state{true, e.op, std::move(e.req_id)};
                return;
            case handled::wait:
                if (++e.polls > claim_polls_max) {
                    waiting_ = false;
                    send_response(e.op, e.req_id,
                                  api::error(make_error(503, "UNAVAILABLE",
                                                        "an earlier request with this "
                                                        "client_order_id is still in flight")));
                    return do_read();
                }
                // Reading pauses until this op has gone through (replies stay in order).
                waiting_ = true;
                retry_.expires_after(claim_poll);
                retry_.async_wait([self = this->shared_from_this(),
                                   e = std::move(e)](beast::error_code ec) mutable {
                    if (ec || self->closing_) return;
                    self->waiting_ = false;
                    self->run_entry(std::move(e));
                    self->do_read();
                });
                return;
        }
    }

    void on_outcome(const pending_request& req, const command_outcome& out) {
        core_.busy.fetch_sub(1, std::memory_order_relaxed);
        const uint32_t i = req.lane - slot_.first_lane();
        CUX_ASSERT(i < st_.lanes.size() && st_.lanes[i].busy);
        lane_state& l = st_.lanes[i];
        send_response(l.op, l.req_id, core_.rest.finish(req, out));
        l = lane_state{};
        if (read_paused_) do_read();
    }

    void on_delivery(uint32_t slot, uint64_t token, shared_text m) {
        subscription& s = st_.subs[slot];
        if (!s.active || s.token != token) return;  // unsubscribed or subscribed anew since
        send(std::move(m), ++s.seq);
    }

    // ---- writing ----

    void send_response(stream_op op, const std::string& req_id, const http_response& r) {
        send(plain_text(r.status < 400
                            ? result_reply(entry_op_name(op), req_id, r.status, r.body)
                            : error_reply_from_body(entry_op_name(op), req_id, r.status, r.body)));
    }

    void reply_error(std::string_view op, std::string_view req_id, const api_error& e) {
        send(plain_text(error_reply(op, req_id, e)));
    }

    void send(shared_text t, uint64_t seq = 0) {
        if (closing_ || !accepted_) return;
        const std::size_t bytes = t->text.size();
        if (queue_.size() >= core_.stream.queue_messages_max ||
            (queued_bytes_ > 0 && queued_bytes_ + bytes > core_.stream.queue_bytes_max)) {
            return close(websocket::close_code::policy_error, "slow consumer");
        }
        queue_.push_back(out_message{std::move(t), seq_digits(seq)});
        queued_bytes_ += bytes;
        if (!writing_) do_write();
    }

    void do_write() {
        writing_ = true;
        write_started_ = steady::now();
        const out_message& m = queue_.front();
        const std::string& s = m.text->text;
        std::array<net::const_buffer, 3> bufs;
        if (m.text->has_seq()) {
            bufs = {net::buffer(s.data(), m.text->seq_at), net::buffer(m.seq.buf, m.seq.len),
                    net::buffer(s.data() + m.text->seq_at, s.size() - m.text->seq_at)};
        } else {
            bufs = {net::buffer(s), net::const_buffer(), net::const_buffer()};
        }
        ws_.async_write(bufs, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
            self->on_write(ec);
        });
    }

    void on_write(beast::error_code ec) {
        writing_ = false;
        queued_bytes_ -= queue_.front().text->text.size();
        queue_.pop_front();
        if (ec) {
            // The connection is gone; the read fails too and ends the session.
            closing_ = true;
            queue_.clear();
            queued_bytes_ = 0;
            return;
        }
        if (!queue_.empty() && !closing_) do_write();
    }

    // ---- timers, closing ----

    void arm_heartbeat() {
        heartbeat_.expires_after(core_.stream.heartbeat);
        heartbeat_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
            if (ec || self->closing_) return;
            // A write that does not finish in time: a consumer that stopped reading.
            if (self->writing_ && steady::now() - self->write_started_ > self->core_.limits.write) {
                return self->close(websocket::close_code::policy_error, "slow consumer");
            }
            self->send(plain_text(heartbeat_message(self->now_ns())));
            self->arm_heartbeat();
        });
    }

    // Starts the closing handshake: the queue is dropped (but for a write under way), and the
    // socket is closed outright if the handshake has not finished within the write and close
    // timeouts (a consumer that never reads never takes the close frame either).
    void close(websocket::close_code code, const char* reason) {
        if (closing_) return;
        closing_ = true;
        drop_queue();
        heartbeat_.cancel();
        retry_.cancel();
        deadline_.expires_after(core_.limits.write + core_.limits.handshake);
        deadline_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
            if (!ec) beast::get_lowest_layer(self->ws_).close();
        });
        ws_.async_close(websocket::close_reason(code, reason),
                        [self = this->shared_from_this()](beast::error_code) {
                            if (!self->reading_) self->deadline_.cancel();
                        });
        do_read();  // keep reading for the peer's close (unless a read is under way)
    }

    void on_end(beast::error_code ec) {
        ended_ = true;
        closing_ = true;
        drop_queue();
        heartbeat_.cancel();
        retry_.cancel();
        deadline_.cancel();
        if (ec != websocket::error::closed) beast::get_lowest_layer(ws_).close();
        for (uint32_t i = 0; i < st_.subs.size(); ++i) {
            if (!st_.subs[i].active) continue;
            core_.hub.unsubscribe(this, i, st_.subs[i].key);
            st_.subs[i].active = false;
        }
    }

    void drop_queue() {
        // The message being written stays until its write completes (its buffers are in use).
        const std::size_t keep = writing_ ? 1 : 0;
        while (queue_.size() > keep) {
            queued_bytes_ -= queue_.back().text->text.size();
            queue_.pop_back();
        }
    }

    // ---- small helpers ----

    utc_ns now_ns() const { return core_.wall_ms() * 1'000'000; }

    websocket::stream<Next, false> ws_;
    server_core& core_;
    session_slot slot_;
    net::any_io_executor ex_;  // the connection's strand; read by the consumer thread too
    net::steady_timer heartbeat_;
    net::steady_timer retry_;
    net::steady_timer deadline_;
    upgrade_request req_;
    beast::flat_buffer buffer_;
    std::deque<out_message> queue_;
    std::size_t queued_bytes_ = 0;
    steady::time_point write_started_;
    stream_state st_;
    const key_entry* key_ = nullptr;  // set by auth (entries are never removed)
    api::caller who_;
    bool accepted_ = false;
    bool reading_ = false;
    bool mid_message_ = false;
    bool oversize_ = false;
    bool read_paused_ = false;
    bool waiting_ = false;
    bool writing_ = false;
    bool closing_ = false;
    bool ended_ = false;
};

}  // namespace cux::gateway::detail::stream_impl
