// `cux bench gateway` over TLS: the generator's client and the echo endpoint on
// websocket::stream<ssl_stream<tcp_stream>> (tools/bench_gateway_net_impl.hpp).

#include "tools/bench_gateway_net_impl.hpp"

namespace cux::tools::bench::gw {

using tls_next = net_impl::beast::ssl_stream<net_impl::beast::tcp_stream>;

std::shared_ptr<client_conn> make_tls_client(boost::asio::io_context& ioc,
                                             boost::asio::ssl::context& tls, flow& f) {
    return std::make_shared<net_impl::ws_client<tls_next>>(f, ioc, tls);
}

void start_tls_echo(boost::asio::io_context& ioc, boost::asio::ip::tcp::acceptor& acceptor,
                    boost::asio::ssl::context& tls, std::size_t reply_bytes) {
    std::make_shared<net_impl::echo_listener<tls_next>>(ioc, acceptor, &tls, reply_bytes)
        ->do_accept();
}

}  // namespace cux::tools::bench::gw
