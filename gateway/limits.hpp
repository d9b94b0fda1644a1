#pragma once
// Compile-time limits of the gateway (STYLE.md "Limits"). Runtime options (server_options) are
// validated against these at start-up; past a limit a request gets a clear error code, or the
// connection is closed. Nothing in the gateway grows without a bound named here.

#include <cstddef>
#include <cstdint>

#include "engine/limits.hpp"

namespace cux::gateway::limits {

// HTTP framing. A request head of header_bytes_max or more is answered 431; a body above
// body_bytes_max is answered 413 (both then close the connection).
constexpr std::size_t header_bytes_max = 8 * 1024;
constexpr std::size_t body_bytes_max = 64 * 1024;
// Nesting of JSON request bodies: the deepest valid body is 2 ({"roles":[...]}).
constexpr std::size_t json_depth_max = 8;
// Query parameters per request and characters of one request target.
constexpr std::size_t query_params_max = 16;

// Connections: across the server, and from one IP address.
constexpr std::size_t connections_max = 4096;
constexpr std::size_t connections_per_ip_max = 1024;

// Commands in flight per session (a REST session has one at a time; the stream has more).
constexpr uint32_t lanes_per_session = 16;

// API keys the server holds in memory (the lock-free lookup table has twice as many slots).
constexpr std::size_t api_keys_max = 16384;
// Requests per second and burst of one key (the per-key token bucket), upper bounds of options.
constexpr uint32_t rate_per_key_max = 1'000'000;
constexpr uint32_t burst_per_key_max = 4'000'000;

// Read models: what is kept per participant and per instrument.
constexpr std::size_t done_orders_per_participant = 10'000;  // plus every open order
constexpr std::size_t fills_per_participant = 10'000;
constexpr std::size_t contracts_per_participant = 10'000;  // plus every open contract
constexpr std::size_t capacity_rows_per_participant = 1'000;
constexpr std::size_t trades_per_instrument = 1'000;
// client_order_id results remembered for idempotent retries, across all participants (oldest
// forgotten first).
constexpr std::size_t idempotency_results_max = std::size_t{1} << 16;
// Jobs' results (a route report is an event per chip x region, up to 1024 of them) are
// remembered apart from orders', as many as fit these bytes of events (at least the newest).
constexpr std::size_t job_results_bytes_max = std::size_t{64} << 20;
// Slots of the lock-free claim table that serializes requests with the same client_order_id.
constexpr std::size_t idempotency_claims = std::size_t{1} << 16;

// Paging of list routes.
constexpr std::size_t list_limit_default = 100;
constexpr std::size_t list_limit_max = 1000;
constexpr std::size_t book_depth_default = 20;
constexpr std::size_t book_depth_max = 500;

// Events the consumer copies out of the ring per batch.
constexpr std::size_t consumer_batch_max = 1024;

// The stream (/v1/stream). A message from a client over stream_message_bytes_max closes the
// connection with 1009; at most stream_subscriptions_max channels per connection. Ops other than
// order/cancel (which count against the key's rate) are limited per connection to
// stream_ops_per_s with a burst of stream_ops_burst (RATE_LIMITED past it).
constexpr std::size_t stream_message_bytes_max = 64 * 1024;
// A message over the limit is still read to its end (dropped) before the close, so that the
// client reads the 1009 instead of a reset; past this many bytes it is cut at once.
constexpr std::size_t stream_drain_bytes_max = std::size_t{1} << 20;
constexpr std::size_t stream_read_chunk_bytes = 16 * 1024;
constexpr std::size_t stream_subscriptions_max = 64;
constexpr uint32_t stream_ops_per_s = 100;
constexpr uint32_t stream_ops_burst = 200;
constexpr std::size_t stream_req_id_bytes_max = 64;
// The outbound queue of one connection (server_options bound it further, at most these): past
// either bound the connection is closed with reason "slow consumer".
constexpr std::size_t stream_queue_messages_max = 65536;
constexpr std::size_t stream_queue_bytes_max = std::size_t{64} << 20;
// Snapshots: levels a side of a book, the newest trades of a tape, a participant's open orders
// (newest first) and newest fills.
constexpr std::size_t stream_snapshot_levels = book_depth_max;
constexpr std::size_t stream_snapshot_trades = 100;
// Market data (issue 6): bars in a bars:<symbol>:<interval> snapshot (kept per instrument and
// interval by the live model), trades the rolling index holds at most, the bars one GET
// /v1/bars returns (default and most), and the hours one GET /v1/index/history covers.
constexpr std::size_t stream_snapshot_bars = 60;
constexpr std::size_t rolling_trades_max = 200'000;
constexpr std::size_t bars_limit_default = 1'000;
constexpr std::size_t bars_limit_max = 5'000;
constexpr int64_t index_history_hours_max = 744;
constexpr std::size_t stream_snapshot_orders = list_limit_max;
constexpr std::size_t stream_snapshot_fills = 100;
constexpr std::size_t stream_snapshot_alerts = 100;  // the alerts channel's snapshot
// Heartbeat interval bounds (server_options::heartbeat_interval).
constexpr int64_t stream_heartbeat_ms_min = 10;
constexpr int64_t stream_heartbeat_ms_max = 60'000;

static_assert((idempotency_claims & (idempotency_claims - 1)) == 0);
static_assert(trades_per_instrument <= list_limit_max);
static_assert(engine::limits::client_order_id_bytes == 32);
static_assert(connections_per_ip_max <= connections_max);
static_assert(stream_message_bytes_max == body_bytes_max);  // an order is the same either way
static_assert(stream_snapshot_trades <= trades_per_instrument);
static_assert(stream_drain_bytes_max > stream_message_bytes_max);
static_assert(stream_snapshot_fills <= fills_per_participant);
static_assert(lanes_per_session >= 2);  // the stream keeps several orders in flight

}  // namespace cux::gateway::limits
