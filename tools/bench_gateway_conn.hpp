#pragma once
// Internal to `cux bench gateway`: the Asio-level interface between the harness
// (tools/bench_gateway_run.cpp) and the WebSocket code, whose template
// (tools/bench_gateway_net_impl.hpp) is instantiated once over TLS and once over plain TCP, in
// two files that build side by side (each Beast WebSocket instantiation takes minutes).
// Threads: a client runs on the harness's single-threaded io_context; an echo listener and its
// sessions on the echo server's io_context, each connection on its own strand.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <functional>
#include <memory>
#include <string>

#include "tools/bench_gateway_flow.hpp"

namespace cux::tools::bench::gw {

// One generator connection, driven by its flow.
class client_conn {
public:
    virtual ~client_conn() = default;
    // Connects, does the TLS and WebSocket handshakes (within `timeout_ms` each) and starts
    // reading; then calls `done` with "" or with what failed.
    virtual void start(const boost::asio::ip::tcp::endpoint& at, const std::string& host,
                       const std::string& path, int64_t timeout_ms,
                       std::function<void(std::string)> done) = 0;
    // Sends whatever the flow has to send now (one write at a time; the rest follows as each
    // write completes).
    virtual void pump() = 0;
    // Starts the closing handshake; the socket is shut when it has not finished in 2 s.
    virtual void close() = 0;
    [[nodiscard]] virtual bool closed() const = 0;
};

std::shared_ptr<client_conn> make_plain_client(boost::asio::io_context& ioc, flow& f);
// `tls` is a client context (tools/client_tls.hpp configures it).
std::shared_ptr<client_conn> make_tls_client(boost::asio::io_context& ioc,
                                             boost::asio::ssl::context& tls, flow& f);

// Accepts on `acceptor` (already listening) until it is closed, each connection an echo session.
void start_plain_echo(boost::asio::io_context& ioc, boost::asio::ip::tcp::acceptor& acceptor,
                      std::size_t reply_bytes);
void start_tls_echo(boost::asio::io_context& ioc, boost::asio::ip::tcp::acceptor& acceptor,
                    boost::asio::ssl::context& tls, std::size_t reply_bytes);

}  // namespace cux::tools::bench::gw
