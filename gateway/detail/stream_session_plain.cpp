// The stream session over plain TCP (--insecure-http); the template is in stream_session_impl.hpp.

#include "gateway/detail/stream_session_impl.hpp"

namespace cux::gateway::detail {

void run_plain_stream(boost::beast::tcp_stream&& s, server_core& core, session_slot slot,
                      upgrade_request&& req) {
    using session = stream_impl::stream_session<boost::beast::tcp_stream>;
    std::make_shared<session>(std::move(s), core, std::move(slot))->start(std::move(req));
}

}  // namespace cux::gateway::detail
