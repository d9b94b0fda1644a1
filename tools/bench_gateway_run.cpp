// The load harness and the echo server of `cux bench gateway` (tools/bench_gateway_net.hpp):
// the generator's io_context, its phase timer (warm-up, timed window, drain), the rate schedule
// and the progress line. The WebSocket code is in tools/bench_gateway_net_{tls,plain}.cpp.

#include <unistd.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <stdexcept>
#include <thread>

#include "gateway/certificate.hpp"
#include "gateway/detail/tls_context.hpp"
#include "tools/bench_gateway_conn.hpp"
#include "tools/bench_gateway_net.hpp"
#include "tools/client_tls.hpp"

namespace cux::tools::bench::gw {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using steady = std::chrono::steady_clock;

namespace {

int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now().time_since_epoch())
        .count();
}

double cpu_seconds(clockid_t clock) {
    timespec t{};
    clock_gettime(clock, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

int64_t seconds_ns(double s) { return static_cast<int64_t>(std::llround(s * 1e9)); }

// How often the phase timer looks: often in a rate run (it is also the schedule's granularity:
// orders fall due at their exact times but are released at these ticks), rarely otherwise.
constexpr std::chrono::microseconds rate_tick{200};
constexpr std::chrono::milliseconds closed_tick{10};

}  // namespace

// ---- load_harness ----------------------------------------------------------------------------

struct load_harness::impl {
    endpoint_spec at;
    net::io_context ioc{1};
    net::ssl::context tls{net::ssl::context::tls_client};
    std::vector<std::unique_ptr<flow>> flows;
    std::vector<std::shared_ptr<client_conn>> conns;

    // Runs the io_context until `done()` or `deadline`; false on the deadline. A handler that
    // makes `done()` true may stop the io_context to return at once; else it is seen within
    // 10 ms.
    template <class Done>
    bool run_until(Done done, steady::time_point deadline) {
        while (!done()) {
            const auto now = steady::now();
            if (now >= deadline) return false;
            ioc.restart();
            ioc.run_for(std::min<steady::duration>(deadline - now, std::chrono::milliseconds(10)));
        }
        return true;
    }

    void pump_all() {
        for (auto& c : conns) c->pump();
    }

    std::string first_failure() const {
        for (std::size_t i = 0; i < flows.size(); ++i) {
            if (flows[i]->failed()) {
                return "connection " + std::to_string(i) + ": " + flows[i]->failure();
            }
        }
        return {};
    }
};

load_harness::load_harness(endpoint_spec at, const std::vector<flow_config>& flows)
    : impl_(std::make_unique<impl>()) {
    impl_->at = std::move(at);
    if (impl_->at.tls) {
        client_options o;
        o.cacert = impl_->at.cacert;
        o.insecure = impl_->at.cacert.empty();
        detail::configure_client_tls(impl_->tls, o);
    }
    for (const flow_config& c : flows) {
        impl_->flows.push_back(std::make_unique<flow>(c));
        flow& f = *impl_->flows.back();
        impl_->conns.push_back(impl_->at.tls ? make_tls_client(impl_->ioc, impl_->tls, f)
                                             : make_plain_client(impl_->ioc, f));
    }
}

load_harness::~load_harness() { close(); }

void load_harness::connect(double timeout_s) {
    impl& s = *impl_;
    boost::system::error_code ec;
    const auto address = net::ip::make_address(s.at.host, ec);
    if (ec) throw std::runtime_error("bench: " + s.at.host + " is not an IP address");
    const tcp::endpoint ep(address, s.at.port);
    const auto timeout_ms = static_cast<int64_t>(timeout_s * 1000);
    std::size_t started = 0;
    std::string error;
    for (auto& c : s.conns) {
        c->start(ep, s.at.host, s.at.path, timeout_ms, [&](std::string e) {
            ++started;
            if (!e.empty() && error.empty()) error = std::move(e);
        });
    }
    const auto until = [&](double sec) {
        return steady::now() + std::chrono::milliseconds(static_cast<int64_t>(sec * 1000) + 1000);
    };
    if (!s.run_until([&] { return started == s.conns.size(); }, until(timeout_s))) {
        throw std::runtime_error("bench: connections not open after " +
                                 std::to_string(static_cast<int>(timeout_s)) + " s");
    }
    if (!error.empty()) throw std::runtime_error("bench: " + error);
    for (auto& f : s.flows) f->set_mode(flow_mode::auth);
    s.pump_all();
    const auto authed = [&] {
        for (const auto& f : s.flows) {
            if (!f->authenticated() && !f->failed()) return false;
        }
        return true;
    };
    if (!s.run_until(authed, until(timeout_s))) {
        throw std::runtime_error("bench: connections not authenticated after " +
                                 std::to_string(static_cast<int>(timeout_s)) + " s");
    }
    if (const std::string f = s.first_failure(); !f.empty())
        throw std::runtime_error("bench: " + f);
}

run_outcome load_harness::run(const run_plan& plan) {
    impl& s = *impl_;
    run_outcome out;
    run_counters& c = out.counters;
    const bool rate = plan.rate_per_s > 0;
    for (auto& f : s.flows) {
        f->set_counters(&c, false);
        f->set_mode(rate ? flow_mode::rate : flow_mode::closed);
    }
    const int64_t t_start = now_ns();
    const int64_t t_window = t_start + seconds_ns(plan.warmup_s);
    const int64_t t_end = t_window + seconds_ns(plan.measure_s);
    const int64_t t_drain_max = t_end + seconds_ns(plan.drain_s_max);
    // Rate: order k (from 0) falls due at t_start + k / rate, on connection k mod N.
    const double ns_per_order = rate ? 1e9 / plan.rate_per_s : 0;
    uint64_t issued = 0;
    enum class phase { warmup, window, drain, done } ph = phase::warmup;
    int64_t window_began = 0;
    int64_t next_progress = t_start + seconds_ns(1);
    uint64_t replies_at_progress = 0;
    const bool tty = plan.progress && isatty(STDERR_FILENO) != 0;

    net::steady_timer timer(s.ioc);
    std::function<void()> tick = [&] {
        const int64_t now = now_ns();
        if (ph == phase::warmup && now >= t_window) {
            ph = phase::window;
            window_began = now;
            c.generator_cpu_s = -cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
            c.process_cpu_s = -cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
            for (auto& f : s.flows) f->set_counters(&c, true);
        }
        if (ph == phase::window && now >= t_end) {
            ph = phase::drain;
            c.window_s = static_cast<double>(now - window_began) / 1e9;
            c.generator_cpu_s += cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
            c.process_cpu_s += cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
            for (auto& f : s.flows) {
                // Due orders still waiting were never sent in time: the rate was too high.
                c.dropped_due += f->due_waiting();
                f->set_counters(&c, false);
                f->set_mode(flow_mode::drain);
            }
        }
        if (ph == phase::drain) {
            uint64_t left = 0;
            for (const auto& f : s.flows) left += f->in_flight();
            if (left == 0 || now >= t_drain_max) {
                c.unanswered = left;
                ph = phase::done;
            }
        }
        if (rate && (ph == phase::warmup || ph == phase::window)) {
            const auto due =
                static_cast<uint64_t>(static_cast<double>(now - t_start) / ns_per_order);
            for (; issued <= due; ++issued) {
                const int64_t at =
                    t_start + static_cast<int64_t>(static_cast<double>(issued) * ns_per_order);
                s.flows[issued % s.flows.size()]->add_due(at);
            }
        }
        if (!s.first_failure().empty()) ph = phase::done;
        if (tty && now >= next_progress) {
            uint64_t replies = 0;
            uint64_t in_flight = 0;
            for (const auto& f : s.flows) {
                replies += f->replies();
                in_flight += f->in_flight();
            }
            std::fprintf(stderr, "\r%s: %5.1f s, %8.0f replies/s, %5llu in flight  ",
                         plan.label.c_str(), static_cast<double>(now - t_start) / 1e9,
                         static_cast<double>(replies - replies_at_progress),
                         static_cast<unsigned long long>(in_flight));
            replies_at_progress = replies;
            next_progress += seconds_ns(1);
        }
        s.pump_all();
        if (ph == phase::done) {
            s.ioc.stop();
            return;
        }
        timer.expires_after(rate ? std::chrono::duration_cast<steady::duration>(rate_tick)
                                 : std::chrono::duration_cast<steady::duration>(closed_tick));
        timer.async_wait([&](boost::system::error_code ec) {
            if (!ec) tick();
        });
    };
    tick();
    s.run_until([&] { return ph == phase::done; }, steady::time_point::max());
    if (tty) std::fprintf(stderr, "\r%*s\r", 72, "");
    for (auto& f : s.flows) {
        f->set_counters(nullptr, false);
        f->set_mode(flow_mode::idle);
    }
    out.failure = s.first_failure();
    if (c.window_s == 0) c.window_s = plan.measure_s;
    return out;
}

void load_harness::close() {
    impl& s = *impl_;
    for (auto& c : s.conns) c->close();
    s.run_until(
        [&] {
            for (const auto& c : s.conns) {
                if (!c->closed()) return false;
            }
            return true;
        },
        steady::now() + std::chrono::seconds(3));
}

// ---- echo_server -----------------------------------------------------------------------------

struct echo_server::impl {
    net::io_context ioc;
    net::ssl::context tls{net::ssl::context::tls_server};
    tcp::acceptor acceptor{net::make_strand(ioc)};
    std::vector<std::thread> threads;
};

echo_server::echo_server(bool tls, const std::string& cert_file, const std::string& key_file,
                         unsigned threads, std::size_t reply_bytes)
    : impl_(std::make_unique<impl>()) {
    impl& s = *impl_;
    if (tls) {
        gateway::ensure_self_signed(cert_file, key_file);
        gateway::detail::configure_tls(s.tls, cert_file, key_file);
    }
    const tcp::endpoint at(net::ip::make_address("127.0.0.1"), 0);
    s.acceptor.open(at.protocol());
    s.acceptor.set_option(net::socket_base::reuse_address(true));
    s.acceptor.bind(at);
    s.acceptor.listen(net::socket_base::max_listen_connections);
    if (tls) {
        start_tls_echo(s.ioc, s.acceptor, s.tls, reply_bytes);
    } else {
        start_plain_echo(s.ioc, s.acceptor, reply_bytes);
    }
    for (unsigned i = 0; i < std::max(1u, threads); ++i) {
        s.threads.emplace_back([&s] { s.ioc.run(); });
    }
}

echo_server::~echo_server() {
    impl& s = *impl_;
    s.ioc.stop();
    for (auto& t : s.threads) t.join();
    boost::system::error_code ec;
    s.acceptor.close(ec);
}

uint16_t echo_server::port() const { return impl_->acceptor.local_endpoint().port(); }

}  // namespace cux::tools::bench::gw
