// `cux bench gateway` over plain TCP: the generator's client and the echo endpoint on
// websocket::stream<tcp_stream> (tools/bench_gateway_net_impl.hpp).

#include "tools/bench_gateway_net_impl.hpp"

namespace cux::tools::bench::gw {

using plain_next = net_impl::beast::tcp_stream;

std::shared_ptr<client_conn> make_plain_client(boost::asio::io_context& ioc, flow& f) {
    return std::make_shared<net_impl::ws_client<plain_next>>(f, ioc);
}

void start_plain_echo(boost::asio::io_context& ioc, boost::asio::ip::tcp::acceptor& acceptor,
                      std::size_t reply_bytes) {
    std::make_shared<net_impl::echo_listener<plain_next>>(ioc, acceptor, nullptr, reply_bytes)
        ->do_accept();
}

}  // namespace cux::tools::bench::gw
