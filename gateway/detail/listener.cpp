#include "gateway/detail/listener.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/strand.hpp>

#include "gateway/detail/http_session.hpp"

namespace cux::gateway::detail {

namespace net = boost::asio;
using tcp = net::ip::tcp;

listener::listener(net::io_context& ioc, const tcp::endpoint& at, net::ssl::context* tls,
                   server_core& core)
    : ioc_(ioc),
      acceptor_(net::make_strand(ioc)),
      pause_(acceptor_.get_executor()),
      tls_(tls),
      core_(core) {
    acceptor_.open(at.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(at);
    acceptor_.listen(net::socket_base::max_listen_connections);
}

tcp::endpoint listener::local_endpoint() const { return acceptor_.local_endpoint(); }

void listener::start() {
    net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] { self->do_accept(); });
}

void listener::stop() {
    net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] {
        boost::system::error_code ec;
        self->acceptor_.close(ec);
        self->pause_.cancel();
    });
}

void listener::do_accept() {
    // Each connection gets its own strand: its handlers never run concurrently.
    acceptor_.async_accept(
        net::make_strand(ioc_),
        [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
            self->on_accept(ec, std::move(socket));
        });
}

void listener::on_accept(boost::system::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
        pause_.expires_after(std::chrono::milliseconds(50));
        pause_.async_wait([self = shared_from_this()](boost::system::error_code e) {
            if (!e) self->do_accept();
        });
        return;
    }
    boost::system::error_code peer_ec;
    const tcp::endpoint peer = socket.remote_endpoint(peer_ec);
    if (!peer_ec) {
        std::string ip = peer.address().to_string();
        if (core_.connections.acquire(ip)) {
            if (const auto lane = core_.routes.open_session()) {
                socket.set_option(tcp::no_delay(true), peer_ec);
                session_slot slot(core_, *lane, std::move(ip));
                if (tls_ != nullptr) {
                    run_tls_session(std::move(socket), *tls_, core_, std::move(slot));
                } else {
                    run_plain_session(std::move(socket), core_, std::move(slot));
                }
                return do_accept();
            }
            core_.connections.release(ip);
        }
    }
    // Over a limit: refuse by closing (the socket's destructor closes it).
    do_accept();
}

}  // namespace cux::gateway::detail
