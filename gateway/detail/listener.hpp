#pragma once
// Accepts connections and starts a session for each, on the socket's own strand. A connection
// beyond the server's or its address's limit, or when every session slot is in use, is closed at
// once. Accept errors (e.g. out of file descriptors) pause accepting for a moment rather than
// spin. Threads: the io_context's; stop() from any thread.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

#include "gateway/detail/server_core.hpp"

namespace cux::gateway::detail {

class listener : public std::enable_shared_from_this<listener> {
public:
    // Opens, binds and listens; throws boost::system::system_error when it cannot.
    // tls == nullptr: plain HTTP.
    listener(boost::asio::io_context& ioc, const boost::asio::ip::tcp::endpoint& at,
             boost::asio::ssl::context* tls, server_core& core);

    [[nodiscard]] boost::asio::ip::tcp::endpoint local_endpoint() const;
    void start();
    void stop();

private:
    void do_accept();
    void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);

    boost::asio::io_context& ioc_;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer pause_;
    boost::asio::ssl::context* tls_;
    server_core& core_;
};

}  // namespace cux::gateway::detail
