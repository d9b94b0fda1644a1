#pragma once
// The stream (/v1/stream, API.md "Stream"): a WebSocket session per connection, over TLS or
// plain TCP, that an HTTP session hands its connection, its slot and the upgrade request to.
// Each runs on the connection's strand:
//   accept the upgrade (handshake timeout) -> read messages (at most
//   limits::stream_message_bytes_max each: a bigger one is read to its end, up to
//   limits::stream_drain_bytes_max, and the session closes with 1009; idle timeout with
//   keep-alive pings) -> each op (stream_protocol.hpp) answered in order -> write queue.
// Ops: auth (once), subscribe/unsubscribe (snapshot, then updates from stream_hub, seq spliced
// per channel: 1 for the snapshot, +1 per message), order/cancel (through api::place_order /
// cancel_order and the lock-free command ring; up to limits::lanes_per_session in flight, then
// reading pauses until one completes; the reply carries the op's req_id and the REST body or
// error), ping. A heartbeat message every stream_settings::heartbeat.
// Limits: the socket's send buffer is stream_settings::socket_send_bytes; the outbound queue holds
// at most queue_messages_max messages and queue_bytes_max bytes (a single message bigger than that
// is let through alone); past either, or when one write has not finished within the write timeout,
// the session closes with 1008 and reason "slow consumer" (the socket is closed outright if the
// close cannot complete in time). A connection makes at most limits::stream_ops_per_s ops a second
// other than order/cancel (those count against the key's rate limit) and holds at most
// limits::stream_subscriptions_max subscriptions. Errors are {"type":"error",...} replies; the
// connection stays open. A stopping server closes every session with 1001 "server stopping"
// (stream_registry).

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "gateway/detail/server_core.hpp"

namespace cux::gateway::detail {

using upgrade_request = boost::beast::http::request<boost::beast::http::string_body>;

void run_plain_stream(boost::beast::tcp_stream&& s, server_core& core, session_slot slot,
                      upgrade_request&& req);
void run_tls_stream(boost::beast::ssl_stream<boost::beast::tcp_stream>&& s, server_core& core,
                    session_slot slot, upgrade_request&& req);

}  // namespace cux::gateway::detail
