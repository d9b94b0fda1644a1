#include "gateway/server.hpp"

#include <fcntl.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <future>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "gateway/account_model.hpp"
#include "gateway/api.hpp"
#include "gateway/auth.hpp"
#include "gateway/certificate.hpp"
#include "gateway/detail/listener.hpp"
#include "gateway/detail/server_core.hpp"
#include "gateway/detail/tls_context.hpp"
#include "gateway/event_consumer.hpp"
#include "gateway/key_table.hpp"
#include "gateway/limits.hpp"
#include "gateway/market_model.hpp"
#include "gateway/route_table.hpp"
#include "gateway/static_files.hpp"
#include "gateway/stream_hub.hpp"
#include "ledger/keys.hpp"

namespace cux::gateway {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace cux::engine;

namespace {

server_options checked(server_options o) {
    if (o.data_dir.empty()) throw std::runtime_error("gateway: no data directory");
    if (o.io_threads < 1 || o.io_threads > 64) {
        throw std::runtime_error("gateway: io_threads must be in [1, 64]");
    }
    if (o.connections_max < 1 || o.connections_max > limits::connections_max ||
        o.connections_per_ip_max < 1 || o.connections_per_ip_max > o.connections_max) {
        throw std::runtime_error(
            "gateway: connection limits must satisfy 1 <= per ip <= total <= " +
            std::to_string(limits::connections_max));
    }
    if (o.rate_per_key < 1 || o.rate_per_key > limits::rate_per_key_max || o.burst_per_key < 1 ||
        o.burst_per_key > limits::burst_per_key_max) {
        throw std::runtime_error("gateway: rate limits out of range");
    }
    if (o.heartbeat_interval.count() < limits::stream_heartbeat_ms_min ||
        o.heartbeat_interval.count() > limits::stream_heartbeat_ms_max) {
        throw std::runtime_error("gateway: heartbeat_interval must be in [10 ms, 60 s]");
    }
    if (o.stream_queue_messages_max < 16 ||
        o.stream_queue_messages_max > limits::stream_queue_messages_max ||
        o.stream_queue_bytes_max < 1024 ||
        o.stream_queue_bytes_max > limits::stream_queue_bytes_max ||
        (o.stream_socket_send_bytes != 0 &&
         (o.stream_socket_send_bytes < 4096 ||
          o.stream_socket_send_bytes > limits::stream_queue_bytes_max))) {
        throw std::runtime_error("gateway: stream queue limits out of range");
    }
    if ((o.cert_file.empty()) != (o.key_file.empty())) {
        throw std::runtime_error("gateway: --cert and --key go together");
    }
    if (!o.wall_clock_ms) {
        o.wall_clock_ms = [] {
            return std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                .count();
        };
    }
    return o;
}

tcp::endpoint parse_listen(const std::string& s) {
    std::string host;
    std::string port;
    if (!s.empty() && s[0] == '[') {
        const std::size_t close = s.find("]:");
        if (close == std::string::npos) throw std::runtime_error("gateway: bad --listen " + s);
        host = s.substr(1, close - 1);
        port = s.substr(close + 2);
    } else {
        const std::size_t colon = s.rfind(':');
        if (colon == std::string::npos) throw std::runtime_error("gateway: bad --listen " + s);
        host = s.substr(0, colon);
        port = s.substr(colon + 1);
    }
    if (host == "localhost") host = "127.0.0.1";
    boost::system::error_code ec;
    const net::ip::address addr = net::ip::make_address(host, ec);
    if (ec || port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string::npos || std::stoul(port) > 65535) {
        throw std::runtime_error("gateway: --listen wants IP:PORT, not " + s);
    }
    return tcp::endpoint(addr, static_cast<uint16_t>(std::stoul(port)));
}

uint32_t random_nonce() {
    uint32_t n = 0;
    while (n == 0) {
        const int rc = RAND_bytes(reinterpret_cast<unsigned char*>(&n), sizeof n);
        CUX_ASSERT(rc == 1);
    }
    return n;
}

// Writes `text` to `path` mode 0600 via a temporary file and a rename (never half-written).
void write_private_file(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    ::unlink(tmp.c_str());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("cannot create " + tmp);
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                    ::fsync(fd) == 0;
    ::close(fd);
    if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
        throw std::runtime_error("cannot write " + path);
    }
}

// Where the server's own commands (the admin's creation) report back.
class sync_sink final : public completion_sink {
public:
    void complete(pending_request, std::shared_ptr<const command_outcome> out) override {
        done_.set_value(std::move(out));
    }
    std::future<std::shared_ptr<const command_outcome>> future() { return done_.get_future(); }

private:
    std::promise<std::shared_ptr<const command_outcome>> done_;
};

}  // namespace

struct server::impl {
    impl(pipeline& p, const market_config& m, server_options o)
        : pipe(p),
          market(m),
          opts(checked(std::move(o))),
          started_at(std::chrono::steady_clock::now()),
          store(opts.data_dir + "/cux.db"),
          keys(limits::api_keys_max, opts.rate_per_key, opts.burst_per_key),
          market_data(market),
          hub(market, market_data, accounts),
          routes(opts.connections_max + 1, limits::lanes_per_session, random_nonce()),
          consumer(p, market_data, accounts, routes, claims, hub),
          rest(api_deps{p, market, keys, store, market_data, accounts, consumer, routes, claims,
                        opts.wall_clock_ms,
                        [this] {
                            return static_cast<uint64_t>(
                                std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::steady_clock::now() - started_at)
                                    .count());
                        },
                        opts.data_dir + "/cux.db", opts.order_gate,
                        opts.data_dir + "/marketdata.db", opts.data_dir + "/audit.db"}),
          connections(opts.connections_max, opts.connections_per_ip_max),
          web(opts.web_dir),
          core{rest,
               routes,
               connections,
               detail::timeouts{opts.handshake_timeout, opts.idle_timeout, opts.request_timeout,
                                opts.write_timeout, std::chrono::milliseconds(1000)},
               hub,
               market,
               detail::stream_settings{opts.heartbeat_interval, opts.stream_queue_messages_max,
                                       opts.stream_queue_bytes_max, opts.stream_socket_send_bytes},
               opts.wall_clock_ms,
               {},
               {},
               opts.web_dir.empty() ? nullptr : &web},
          tls(net::ssl::context::tls_server),
          ioc(static_cast<int>(opts.io_threads)),
          endpoint(parse_listen(opts.listen)) {
        // The server's own lane (the admin's creation) is the first session slot.
        const auto lane = routes.open_session();
        CUX_ASSERT(lane.has_value());
        own_lane = *lane;
        for (const ledger::key_record& k : store.load_all()) {
            if (!keys.add(k.key_id, participant_id(k.participant), 0, hex_encode(k.secret))) {
                throw std::runtime_error("gateway: cannot load API key " + k.key_id);
            }
        }
        if (!opts.insecure_http) {
            std::string cert = opts.cert_file;
            std::string key = opts.key_file;
            if (cert.empty()) {
                cert = opts.data_dir + "/cert.pem";
                key = opts.data_dir + "/key.pem";
                ensure_self_signed(cert, key);
            }
            detail::configure_tls(tls, cert, key);
        }
        consumer.start();
    }

    void bootstrap_admin();
    std::shared_ptr<const command_outcome> run_command(const command& c, command_kind kind);

    pipeline& pipe;
    const market_config market;
    const server_options opts;
    const std::chrono::steady_clock::time_point started_at;
    ledger::key_store store;
    key_table keys;
    market_model market_data;
    account_model accounts;
    stream_hub hub;
    route_table routes;
    claim_table claims;
    event_consumer consumer;
    api rest;
    detail::connection_limiter connections;
    static_files web;
    detail::server_core core;
    net::ssl::context tls;
    uint32_t own_lane = 0;
    net::io_context ioc;
    std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
    std::shared_ptr<detail::listener> listen;
    std::vector<std::thread> threads;
    tcp::endpoint endpoint;
    std::string url;
    bool started = false;
    bool stopped = false;
};

std::shared_ptr<const command_outcome> server::impl::run_command(const command& c,
                                                                 command_kind kind) {
    auto sink = std::make_shared<sync_sink>();
    auto done = sink->future();
    pending_request req;
    req.kind = kind;
    req.actor = c.actor;
    req.cmd = c;
    command cmd = c;
    cmd.token = routes.arm(own_lane, req, sink);
    if (!pipe.submit(cmd)) {
        routes.disarm(own_lane);
        throw std::runtime_error("gateway: the pipeline does not take commands");
    }
    if (done.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
        throw std::runtime_error("gateway: no outcome for the admin's creation after 30 s");
    }
    return done.get();
}

void server::impl::bootstrap_admin() {
    std::optional<participant_row> admin = accounts.first_admin();
    if (!admin) {
        command c;
        c.type = command_type::create_participant;
        c.actor = participant_id(0);  // the exchange itself
        c.body.create.roles = role_admin;
        std::memcpy(c.body.create.name, "admin", 5);
        const auto out = run_command(c, command_kind::create_participant);
        // Someone else (an older `cux serve`) may have created "admin" a moment earlier.
        if (!out->durable || (out->reject != reject_reason::none &&
                              out->reject != reject_reason::duplicate_participant)) {
            throw std::runtime_error(std::string("gateway: cannot create the admin: ") +
                                     reject_code(out->reject));
        }
        consumer.wait_applied(pipe.last_seq(), std::chrono::seconds(30));
        admin = accounts.first_admin();
        if (!admin) throw std::runtime_error("gateway: the admin did not appear");
    }
    if (keys.has_key_for(admin->id)) return;
    issued_key key;
    std::string why;
    if (!rest.create_key(admin->id, admin->roles, key, why)) {
        throw std::runtime_error("gateway: cannot store the admin's key: " + why);
    }
    const nlohmann::json creds = {{"url", url}, {"key", key.key_id}, {"secret", key.secret}};
    write_private_file(opts.data_dir + "/admin.credentials", creds.dump(2) + "\n");
}

server::server(pipeline& p, const market_config& market, server_options opts)
    : impl_(std::make_unique<impl>(p, market, std::move(opts))) {}

server::~server() { stop(); }

bound_endpoint server::start() {
    impl& s = *impl_;
    CUX_ASSERT(!s.started && !s.stopped);
    s.started = true;
    s.consumer.set_live();
    // The replayed journal (and whatever ran since) must be in the read models first.
    if (!s.consumer.wait_applied(s.pipe.last_seq(), std::chrono::minutes(10))) {
        throw std::runtime_error("gateway: the read models did not catch up with the journal");
    }
    try {
        s.listen = std::make_shared<detail::listener>(
            s.ioc, s.endpoint, s.opts.insecure_http ? nullptr : &s.tls, s.core);
    } catch (const boost::system::system_error& e) {
        throw std::runtime_error("gateway: cannot listen on " + s.opts.listen + ": " +
                                 e.code().message());
    }
    const tcp::endpoint at = s.listen->local_endpoint();
    net::ip::address host = at.address();
    if (host.is_unspecified()) {
        host = host.is_v6() ? net::ip::address(net::ip::address_v6::loopback())
                            : net::ip::address(net::ip::address_v4::loopback());
    }
    const std::string host_text = host.is_v6() ? "[" + host.to_string() + "]" : host.to_string();
    s.url = std::string(s.opts.insecure_http ? "http://" : "https://") + host_text + ":" +
            std::to_string(at.port());
    if (s.opts.bootstrap_admin) s.bootstrap_admin();
    s.work.emplace(s.ioc.get_executor());
    s.listen->start();
    for (unsigned i = 0; i < s.opts.io_threads; ++i) {
        s.threads.emplace_back([&s] { s.ioc.run(); });
    }
    return bound_endpoint{at.address().to_string(), at.port()};
}

std::string server::url() const { return impl_->url; }

void server::publish_alerts(const std::vector<ledger::alert>& alerts) {
    impl_->hub.publish_alerts(alerts);
}

std::string server::admin_credentials_path() const {
    return impl_->opts.data_dir + "/admin.credentials";
}

std::size_t server::web_files() const { return impl_->web.size(); }

std::vector<std::string> server::web_warnings() const { return impl_->web.warnings(); }

void server::stop() {
    impl& s = *impl_;
    if (s.stopped) return;
    s.stopped = true;
    // The consumer ends when the pipeline has stopped and closed its event ring; its last
    // outcomes are posted to their sessions. Stopped in the wrong order (or unwinding from a
    // failed start), the server stops the pipeline itself: the same owner thread calls this.
    if (!s.pipe.events().closed()) s.pipe.stop();
    s.consumer.join();
    if (s.listen) s.listen->stop();
    // Let responses already owed be written, and stream sessions close, for a moment.
    s.core.streams.close_all();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while ((s.core.busy.load() > 0 || s.core.streams.size() > 0) &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    s.work.reset();
    s.ioc.stop();
    for (std::thread& t : s.threads) t.join();
    s.threads.clear();
}

}  // namespace cux::gateway
