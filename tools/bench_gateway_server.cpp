#include "tools/bench_gateway_server.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "engine/exchange.hpp"
#include "engine/pipeline.hpp"
#include "gateway/limits.hpp"
#include "gateway/market_file.hpp"
#include "gateway/server.hpp"
#include "ledger/pipeline_link.hpp"
#include "ledger/writer.hpp"

namespace cux::tools::bench::gw {

namespace {

using namespace cux::engine;

void write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw std::runtime_error("bench: cannot write " + path);
}

// Drains the event ring as serve's counting consumer does, so the ring has the same consumers.
class drain_consumer {
public:
    explicit drain_consumer(spmc_ring<event>& ring) : ring_(ring), id_(ring.add_consumer()) {}
    ~drain_consumer() { join(); }
    void start() {
        thread_ = std::thread([this] {
            while (ring_.wait_available(id_) > 0) {
                ring_.poll(
                    id_, [](const event&) {}, 4096);
            }
        });
    }
    void join() {
        if (thread_.joinable()) thread_.join();
    }

private:
    spmc_ring<event>& ring_;
    spmc_consumer id_;
    std::thread thread_;
};

}  // namespace

struct bench_server::impl {
    std::string dir;
    market_config market;
    std::unique_ptr<exchange> ex;
    std::unique_ptr<machine_ref<exchange>> m;
    std::unique_ptr<pipeline> p;
    std::unique_ptr<drain_consumer> consumer;
    std::unique_ptr<ledger::pipeline_durability> durable;
    std::unique_ptr<ledger::writer> ledger_writer;
    std::unique_ptr<gateway::server> srv;
    uint16_t port = 0;
    bool stopped = false;
};

bench_server::bench_server(const std::string& dir, const std::string& market_text,
                           bool insecure_http)
    : impl_(std::make_unique<impl>()) {
    try {
        start(dir, market_text, insecure_http);
    } catch (const std::exception&) {
        stop();  // the threads started so far, in serve's order
        throw;
    }
}

void bench_server::start(const std::string& dir, const std::string& market_text,
                         bool insecure_http) {
    impl& s = *impl_;
    s.dir = dir;
    std::filesystem::create_directories(dir);
    s.market = gateway::parse_market_json(market_text, "the benchmark's market");
    write_text(dir + "/market.json", market_text);

    s.ex = std::make_unique<exchange>(s.market, exchange_config{});
    s.m = std::make_unique<machine_ref<exchange>>(*s.ex);
    pipeline_options po;
    po.data_dir = dir;
    po.tick_interval_ms = 250;
    po.publish_replayed_events = true;
    s.p = std::make_unique<pipeline>(*s.m, po);
    s.consumer = std::make_unique<drain_consumer>(s.p->events());

    s.durable = std::make_unique<ledger::pipeline_durability>(*s.p);
    ledger::writer_options lo;
    lo.db.path = dir + "/cux.db";
    lo.db.carriers = s.market.carriers;
    lo.wait_durable = s.durable->fn();
    lo.on_failure = [](const ledger::ledger_error& e) {
        std::fprintf(stderr, "bench: the ledger stopped recording (%s): %s\n",
                     ledger::error_code_name(e.code), e.message.c_str());
    };
    auto opened = ledger::writer::open(s.p->events(), std::move(lo));
    if (!opened) {
        throw std::runtime_error("bench: cannot open the ledger " + dir +
                                 "/cux.db: " + opened.error().message);
    }
    s.ledger_writer = std::move(opened.value());
    s.ledger_writer->start();
    s.consumer->start();

    gateway::server_options so;
    so.data_dir = dir;
    so.listen = "127.0.0.1:0";
    so.insecure_http = insecure_http;
    so.rate_per_key = gateway::limits::rate_per_key_max;
    so.burst_per_key = gateway::limits::burst_per_key_max;
    ledger::writer* w = s.ledger_writer.get();
    so.order_gate = [w] {
        const auto g = w->order_gate();
        return g.open ? std::string() : g.reason;
    };
    s.srv = std::make_unique<gateway::server>(*s.p, s.market, so);
    const replay_result r = s.p->replay();
    if (!r.ok()) throw std::runtime_error("bench: the fresh journal did not replay cleanly");
    s.durable->replayed(s.p->last_seq());
    if (!s.p->start()) throw std::runtime_error("bench: cannot start: " + s.p->error());
    s.port = s.srv->start().port;
}

bench_server::~bench_server() {
    try {
        stop();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench: stopping the server: %s\n", e.what());
    }
}

void bench_server::stop() {
    impl& s = *impl_;
    if (s.stopped) return;
    s.stopped = true;
    // As serve stops: the pipeline (everything queued applied and durable, the ring closed),
    // then the gateway, then the ring's consumers.
    if (s.p) s.p->stop();
    if (s.srv) s.srv->stop();
    if (s.consumer) s.consumer->join();
    if (s.ledger_writer) s.ledger_writer->join();
}

std::string bench_server::url() const { return impl_->srv->url(); }
uint16_t bench_server::port() const { return impl_->port; }
std::string bench_server::admin_credentials_path() const {
    return impl_->srv->admin_credentials_path();
}

server_figures bench_server::figures() const {
    const impl& s = *impl_;
    const pipeline_counters n = s.p->counters();
    server_figures f;
    f.commands = n.commands_applied;
    f.fsyncs = n.journal.fsyncs;
    f.journal_records = n.journal.records;
    f.events = s.p->events().published();
    const auto g = s.ledger_writer->order_gate();
    f.ledger_committed = f.events - std::min(f.events, g.lag_events);
    return f;
}

std::string bench_server::problem() const {
    const impl& s = *impl_;
    if (s.p->failed()) return "the journal failed: " + s.p->error();
    if (s.ledger_writer->failed())
        return "the ledger stopped: " + s.ledger_writer->failure().message;
    return {};
}

bool bench_server::wait_ledger(double timeout_s) const {
    const impl& s = *impl_;
    const uint64_t target = s.p->events().published();
    const auto until = std::chrono::steady_clock::now() +
                       std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000));
    while (std::chrono::steady_clock::now() < until) {
        const uint64_t published = s.p->events().published();
        const auto g = s.ledger_writer->order_gate();  // its lag counts from a later published
        if (published - std::min(published, g.lag_events) >= target) return true;
        if (s.ledger_writer->failed()) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

}  // namespace cux::tools::bench::gw
