#pragma once
// A real exchange for the gateway's integration tests: a fresh data directory, the small test
// market, an engine pipeline (journal with fsync) on a test clock that can jump ahead, the ledger
// writer (cux.db), and the gateway server on an ephemeral port, wired as `cux serve` wires them.
// Requests are signed exactly as API.md says, over real sockets (TLS unless asked otherwise).
// Responses can be checked against the JSON Schemas in schemas/api/ (collected during a test,
// validated once at its end by tests/gateway/validate_schemas.py with python3-jsonschema).

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "engine/exchange.hpp"
#include "engine/pipeline.hpp"
#include "gateway/server.hpp"
#include "ledger/audit_writer.hpp"
#include "ledger/market_data_writer.hpp"
#include "ledger/pipeline_link.hpp"
#include "ledger/writer.hpp"
#include "tests/gateway/support/client.hpp"
#include "tests/gateway/support/ws_client.hpp"

namespace cux::gateway::test {

struct credentials {
    std::string key;
    std::string secret;
    std::string participant_id;
};

// One instance to check against schemas/api/<schema>: it must be valid (or, with valid = false,
// must be refused).
struct schema_check {
    std::string schema;
    nlohmann::json instance;
    bool valid = true;
};
// Runs tests/gateway/validate_schemas.py over the checks (none: the schemas against the
// 2020-12 metaschema); "" when everything passes, else the validator's report.
std::string run_schema_checks(const std::vector<schema_check>& checks);

struct exchange_options {
    bool tls = true;
    std::function<void(server_options&)> tweak;  // adjust limits and timeouts
};

class test_exchange {
public:
    explicit test_exchange(exchange_options o = {});
    ~test_exchange();

    // Stops the server and the pipeline, keeping the data directory; start() again resumes it.
    void stop();
    void start();

    [[nodiscard]] uint16_t port() const { return port_; }
    [[nodiscard]] const std::string& dir() const { return dir_; }
    [[nodiscard]] const credentials& admin() const { return admin_; }
    [[nodiscard]] transport mode() const { return opts_.tls ? transport::tls : transport::plain; }
    [[nodiscard]] engine::pipeline& pipeline() { return *pipeline_; }
    // The market-data recorder's committed position (tests wait for it before reading history).
    [[nodiscard]] uint64_t market_data_seq() const { return market_data_->committed_seq(); }
    [[nodiscard]] const engine::market_config& market() const { return market_; }
    // The engine (read it only while no command is applied: tests tick by hand, so between
    // requests) and the audit writer.
    [[nodiscard]] const engine::exchange& engine_state() const { return *exchange_; }
    [[nodiscard]] ledger::audit_writer& audit() { return *audit_; }
    // Waits until the audit store holds every command applied so far; false after 10 s.
    bool wait_audit();

    std::unique_ptr<connection> connect(std::chrono::milliseconds timeout = 5s);
    // A WebSocket connection to /v1/stream (TLS checked against the server's certificate).
    std::unique_ptr<ws_client> stream(ws_options o = {});

    // A public request on the shared keep-alive connection.
    http_result get(const std::string& target);
    // A signed request on the shared connection; ts_offset_ms skews CUX-TS.
    http_result call(const credentials& who, const std::string& method, const std::string& target,
                     const std::string& body = {}, int64_t ts_offset_ms = 0);
    // Headers CUX-KEY/TS/SIGN for a request.
    static header_list sign(const credentials& who, const std::string& method,
                            const std::string& target, const std::string& body,
                            int64_t ts_offset_ms = 0);

    // Admin helpers (each asserts success).
    credentials add_participant(const std::string& name, const std::vector<std::string>& roles);
    void deposit(const credentials& who, const std::string& amount);
    void register_capacity(const credentials& vendor, const std::string& symbol, int devices);

    // Moves the engine clock forward and ticks, so that the listed instruments open.
    void advance(std::chrono::seconds by);
    void open_market();
    // The first open hourly instrument of chip gpu1 in region east1.
    std::string open_symbol();

    // Records a response body to validate against schemas/api/<schema> at the end of the test.
    void expect_schema(const http_result& r, const std::string& schema);
    void expect_schema_json(const nlohmann::json& j, const std::string& schema);
    // Records an instance the schema must refuse.
    void expect_schema_refused(const nlohmann::json& j, const std::string& schema);
    // Runs the validator over everything recorded; fails the test on a mismatch.
    void validate_schemas();

private:
    void submit_tick();

    exchange_options opts_;
    std::string dir_;
    engine::market_config market_;
    std::atomic<int64_t> clock_offset_ns_{0};
    std::unique_ptr<engine::exchange> exchange_;
    std::unique_ptr<engine::machine_ref<engine::exchange>> machine_;
    std::unique_ptr<engine::pipeline> pipeline_;
    std::unique_ptr<ledger::pipeline_durability> durability_;
    std::unique_ptr<ledger::writer> ledger_;
    std::unique_ptr<ledger::md_writer> market_data_;
    std::unique_ptr<ledger::audit_writer> audit_;
    std::unique_ptr<server> server_;
    std::unique_ptr<connection> conn_;
    uint16_t port_ = 0;
    credentials admin_;
    std::vector<schema_check> checks_;
};

// The fixture of every server test: an exchange per test, schemas validated at the end.
class GatewayTest : public ::testing::Test {
protected:
    void SetUp() override { ex = std::make_unique<test_exchange>(options()); }
    void TearDown() override {
        if (ex) ex->validate_schemas();
        ex.reset();
    }
    virtual exchange_options options() { return {}; }

    std::unique_ptr<test_exchange> ex;
};

// The JSON body of a place-order request.
std::string order_body(const std::string& symbol, const std::string& side, const std::string& price,
                       int qty, const std::string& extra = "");

}  // namespace cux::gateway::test
