#include "tests/gateway/support/harness.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "engine/symbol.hpp"
#include "gateway/market_file.hpp"

namespace cux::gateway::test {

namespace {

const std::string source_dir = CUX_SOURCE_DIR;

std::string make_temp_dir() {
    char tmpl[] = "/tmp/cux-gateway-test-XXXXXX";
    const char* p = ::mkdtemp(tmpl);
    if (p == nullptr) std::abort();
    return p;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

std::string order_body(const std::string& symbol, const std::string& side, const std::string& price,
                       int qty, const std::string& extra) {
    std::string b = R"({"symbol":")" + symbol + R"(","side":")" + side + R"(","price":")" + price +
                    R"(","qty":)" + std::to_string(qty);
    if (!extra.empty()) b += "," + extra;
    return b + "}";
}

test_exchange::test_exchange(exchange_options o)
    : opts_(std::move(o)),
      dir_(make_temp_dir()),
      market_(load_market_file(source_dir + "/tests/data/market_small.json")) {
    // The engine's clock starts at 00:05 UTC of the next day, whatever the time of day the test
    // runs at: otherwise a test that runs in minutes 40-45 of an hour finds the first hourly
    // window in its closing call (and at 23:45 the daily windows), not open.
    constexpr int64_t day_ns = 24 * engine::ns_per_hour;
    const int64_t now = engine::system_clock_ns();
    clock_offset_ns_ = (now / day_ns + 1) * day_ns + 5 * engine::ns_per_min - now;
    start();
}

test_exchange::~test_exchange() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

void test_exchange::start() {
    exchange_ = std::make_unique<engine::exchange>(market_, engine::exchange_config{});
    machine_ = std::make_unique<engine::machine_ref<engine::exchange>>(*exchange_);
    engine::pipeline_options po;
    po.data_dir = dir_;
    po.tick_interval_ms = 0;  // the tests tick when they move the clock
    po.publish_replayed_events = true;
    po.clock = [this] { return engine::system_clock_ns() + clock_offset_ns_.load(); };
    pipeline_ = std::make_unique<engine::pipeline>(*machine_, po);
    durability_ = std::make_unique<ledger::pipeline_durability>(*pipeline_);
    ledger::writer_options wo;
    wo.db.path = dir_ + "/cux.db";
    wo.db.carriers = market_.carriers;
    wo.wait_durable = durability_->fn();
    auto w = ledger::writer::open(pipeline_->events(), wo);
    if (!w) {
        ADD_FAILURE() << "ledger: " << w.error().message;
        std::abort();
    }
    ledger_ = std::move(w).value();
    ledger_->start();
    ledger::md_writer_options mo;
    mo.path = dir_ + "/marketdata.db";
    mo.utc_offset_hours = market_.calendar.utc_offset_hours;
    mo.gate_closure_s = market_.calendar.gate_closure_s;
    mo.wait_durable = durability_->fn();
    mo.batch_ms = 20;
    auto mw = ledger::md_writer::open(pipeline_->events(), mo);
    if (!mw) {
        ADD_FAILURE() << "market data: " << mw.error().message;
        std::abort();
    }
    market_data_ = std::move(mw).value();
    market_data_->start();
    server_options so;
    so.data_dir = dir_;
    so.listen = "127.0.0.1:0";
    so.insecure_http = !opts_.tls;
    so.order_gate = [this] {
        const ledger::order_gate_state g = ledger_->order_gate();
        return g.open ? std::string() : g.reason;
    };
    if (opts_.tweak) opts_.tweak(so);
    server_ = std::make_unique<server>(*pipeline_, market_, so);
    const engine::replay_result r = pipeline_->replay();
    durability_->replayed(pipeline_->last_seq());
    if (!r.ok() || !pipeline_->start()) {
        ADD_FAILURE() << "pipeline did not start: " << pipeline_->error();
        std::abort();
    }
    port_ = server_->start().port;
    const auto creds = nlohmann::json::parse(read_text(server_->admin_credentials_path()));
    admin_ = credentials{creds["key"], creds["secret"], "1"};
}

void test_exchange::stop() {
    conn_.reset();
    if (pipeline_) pipeline_->stop();
    if (server_) server_->stop();
    if (ledger_) ledger_->join();
    if (market_data_) market_data_->join();
    server_.reset();
    ledger_.reset();
    market_data_.reset();
    durability_.reset();
    pipeline_.reset();
    machine_.reset();
    exchange_.reset();
}

std::unique_ptr<connection> test_exchange::connect(std::chrono::milliseconds timeout) {
    tls_client_options t;
    t.ca_file = dir_ + "/cert.pem";
    return std::make_unique<connection>(port_, mode(), t, timeout);
}

std::unique_ptr<ws_client> test_exchange::stream(ws_options o) {
    if (o.ca_file.empty()) o.ca_file = dir_ + "/cert.pem";
    return std::make_unique<ws_client>(port_, mode(), o);
}

http_result test_exchange::get(const std::string& target) {
    if (!conn_) conn_ = connect();
    http_result r;
    try {
        r = conn_->request("GET", target);
    } catch (const std::runtime_error&) {
        conn_ = connect();  // the server closed the keep-alive connection: once more
        r = conn_->request("GET", target);
    }
    if (r.status >= 400) expect_schema(r, "error.json");
    if (r.headers["connection"] == "close") conn_.reset();
    return r;
}

header_list test_exchange::sign(const credentials& who, const std::string& method,
                                const std::string& target, const std::string& body,
                                int64_t ts_offset_ms) {
    const std::string ts = std::to_string(now_ms() + ts_offset_ms);
    return {{"CUX-KEY", who.key},
            {"CUX-TS", ts},
            {"CUX-SIGN", hmac_hex(who.secret, ts + method + target + body)}};
}

http_result test_exchange::call(const credentials& who, const std::string& method,
                                const std::string& target, const std::string& body,
                                int64_t ts_offset_ms) {
    if (!conn_) conn_ = connect();
    http_result r;
    try {
        r = conn_->request(method, target, body, sign(who, method, target, body, ts_offset_ms));
    } catch (const std::runtime_error&) {
        conn_ = connect();
        r = conn_->request(method, target, body, sign(who, method, target, body, ts_offset_ms));
    }
    if (r.status >= 400) expect_schema(r, "error.json");
    if (r.headers["connection"] == "close") conn_.reset();
    return r;
}

credentials test_exchange::add_participant(const std::string& name,
                                           const std::vector<std::string>& roles) {
    const nlohmann::json body = {{"name", name}, {"roles", roles}};
    const http_result r = call(admin_, "POST", "/v1/admin/participants", body.dump());
    EXPECT_EQ(r.status, 201u) << r.body;
    expect_schema_json(body, "participant_request.json");
    expect_schema(r, "participant_created.json");
    const auto j = r.json();
    return credentials{j.value("key", ""), j.value("secret", ""), j.value("participant_id", "")};
}

void test_exchange::deposit(const credentials& who, const std::string& amount) {
    const nlohmann::json body = {{"participant_id", who.participant_id}, {"amount", amount}};
    const http_result r = call(admin_, "POST", "/v1/admin/deposits", body.dump());
    EXPECT_EQ(r.status, 200u) << r.body;
    expect_schema_json(body, "deposit_request.json");
    expect_schema(r, "deposit.json");
}

void test_exchange::register_capacity(const credentials& vendor, const std::string& symbol,
                                      int devices) {
    const auto key = engine::parse_symbol(market_, symbol);
    ASSERT_TRUE(key.has_value()) << symbol;
    const engine::epoch_hour end = key->start_hour + engine::tenor_hours(key->ten);
    const nlohmann::json body = {
        {"chip", market_.chips[key->chip].id},
        {"region", market_.regions[key->region].id},
        {"devices", devices},
        {"from", engine::format_rfc3339(key->start_hour * engine::ns_per_hour)},
        {"to", engine::format_rfc3339(end * engine::ns_per_hour)}};
    const http_result r = call(vendor, "POST", "/v1/capacity", body.dump());
    EXPECT_EQ(r.status, 201u) << r.body;
    expect_schema_json(body, "capacity_request.json");
    expect_schema(r, "capacity.json");
}

void test_exchange::submit_tick() {
    const uint64_t before = pipeline_->last_seq();
    engine::command tick;
    tick.type = engine::command_type::tick;
    ASSERT_TRUE(pipeline_->submit(tick));
    for (int i = 0; i < 5000 && pipeline_->last_seq() <= before; ++i) {
        std::this_thread::sleep_for(1ms);
    }
    const uint64_t target = pipeline_->last_seq();
    for (int i = 0; i < 5000; ++i) {
        const http_result h = get("/healthz");
        if (h.status == 200 && h.json()["seq"].get<uint64_t>() >= target) return;
        std::this_thread::sleep_for(1ms);
    }
    ADD_FAILURE() << "the tick did not reach the read models";
}

void test_exchange::advance(std::chrono::seconds by) {
    clock_offset_ns_ += std::chrono::duration_cast<std::chrono::nanoseconds>(by).count();
    submit_tick();
}

void test_exchange::open_market() {
    advance(61s);
    const http_result r = get("/v1/instruments?status=open");
    ASSERT_EQ(r.status, 200u);
    ASSERT_FALSE(r.json().empty()) << "no open instrument after the opening auctions";
}

std::string test_exchange::open_symbol() {
    const http_result r = get("/v1/instruments?status=open&chip=gpu1&region=east1");
    EXPECT_EQ(r.status, 200u);
    for (const auto& i : r.json()) {
        if (i["tenor"] == "1h") return i["symbol"];
    }
    ADD_FAILURE() << "no open hourly gpu1/east1 instrument";
    return "";
}

void test_exchange::expect_schema(const http_result& r, const std::string& schema) {
    const auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded()) {
        ADD_FAILURE() << "not JSON (" << schema << "): " << r.body;
        return;
    }
    checks_.push_back(schema_check{schema, j, true});
}

void test_exchange::expect_schema_json(const nlohmann::json& j, const std::string& schema) {
    checks_.push_back(schema_check{schema, j, true});
}

void test_exchange::expect_schema_refused(const nlohmann::json& j, const std::string& schema) {
    checks_.push_back(schema_check{schema, j, false});
}

void test_exchange::validate_schemas() {
    if (checks_.empty()) return;
    const std::string report = run_schema_checks(checks_);
    EXPECT_EQ(report, "") << "schema validation failed";
    checks_.clear();
}

std::string run_schema_checks(const std::vector<schema_check>& checks) {
    char tmpl[] = "/tmp/cux-schema-checks-XXXXXX";
    const int fd = ::mkstemp(tmpl);
    if (fd < 0) return "cannot create a temporary file";
    ::close(fd);
    const std::string file = tmpl;
    {
        std::ofstream out(file);
        for (const schema_check& c : checks) {
            out << nlohmann::json{{"schema", c.schema},
                                  {"instance", c.instance},
                                  {"valid", c.valid}}
                       .dump()
                << "\n";
        }
    }
    std::string cmd = std::string(CUX_PYTHON3) + " " + source_dir +
                      "/tests/gateway/validate_schemas.py " + source_dir + "/schemas/api";
    if (!checks.empty()) cmd += " " + file;
    cmd += " 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    std::string output;
    int status = -1;
    if (p != nullptr) {
        char buf[512];
        while (std::fgets(buf, sizeof buf, p) != nullptr) output += buf;
        status = ::pclose(p);
    }
    ::unlink(file.c_str());
    return status == 0 ? "" : output.empty() ? "the validator did not run" : output;
}

}  // namespace cux::gateway::test
