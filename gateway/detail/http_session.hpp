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
// The WebSocket stream (/v1/stream) will take over the stream of an upgrade request here; until
// then /v1/stream is 404 NO_ROUTE like any unknown path.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <string>

#include "gateway/detail/server_core.hpp"

namespace cux::gateway::detail {

// Starts a session on an accepted socket whose lane and connection slot were acquired for
// it (the session gives both back when it ends).
void run_plain_session(boost::asio::ip::tcp::socket&& socket, server_core& core, uint32_t lane,
                       std::string ip);
void run_tls_session(boost::asio::ip::tcp::socket&& socket, boost::asio::ssl::context& tls,
                     server_core& core, uint32_t lane, std::string ip);

}  // namespace cux::gateway::detail
