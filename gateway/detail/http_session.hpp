#pragma once
// HTTP/1.1 sessions over plain TCP or TLS, one per connection (Beast; the only file with Beast's
// HTTP machinery besides the compiled sources). Each runs on its own strand:
//   [TLS handshake, handshake timeout] -> wait for a request's first byte (idle timeout) ->
//   read head and body (one deadline for the whole request, so a slowloris is cut off at it while
//   every other connection is served) -> api::handle -> write (write timeout) -> next request.
// Limits: a head of limits::header_bytes_max or more is answered 431, a body over
// limits::body_bytes_max 413, an unparsable request 400; each then closes the connection after a
// short drain (so the client reads the answer instead of a reset). Timeouts close silently.
// A command's response arrives from the event consumer thread through complete(), which posts it
// to the session's strand.
// A WebSocket upgrade request for /v1/stream hands the connection (TLS or plain) and its slot to
// a stream session (stream_session.hpp); any other request for /v1/stream is 426
// UPGRADE_REQUIRED. Bytes a client sends after its upgrade request, before the 101 response,
// are not kept (a client must wait for the response).

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <string>

#include "gateway/detail/server_core.hpp"

namespace cux::gateway::detail {

// Starts a session on an accepted socket whose lanes and connection count were acquired for it
// (the slot gives both back when the session, or the stream session it became, ends).
void run_plain_session(boost::asio::ip::tcp::socket&& socket, server_core& core, session_slot slot);
void run_tls_session(boost::asio::ip::tcp::socket&& socket, boost::asio::ssl::context& tls,
                     server_core& core, session_slot slot);

}  // namespace cux::gateway::detail
