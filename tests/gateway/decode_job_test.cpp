// The job decoder (gateway/decode_job.cpp) without a server: how each field of POST /v1/jobs
// lands in the engine's job_body, and the codes of what it refuses. The same refusals over the
// wire are in jobs_test.cpp.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine/symbol.hpp"
#include "gateway/decode.hpp"
#include "gateway/market_file.hpp"
#include "tests/gateway/support/small_market.hpp"

namespace cux::gateway {
namespace {

using namespace cux::engine;
using nlohmann::json;

using test_support::small_market;

json base_job() {
    return json::parse(R"({"chips":["gpu1"],"qty":8,"start":"2030-12-01T08:00:00Z","hours":6,
                           "origin_region":"east1","max_delivered_price":"40.00"})");
}

api_error refused_text(const std::string& body) {
    command c;
    api_error err;
    EXPECT_FALSE(decode_job(body, small_market(), c, err)) << body;
    return err;
}

api_error refused(const json& body) { return refused_text(body.dump()); }

TEST(DecodeJob, FillsEveryFieldOfTheEngineBody) {
    json j = base_job();
    j["chips"] = {"cpu1", "gpu1"};
    j["min_tflops"] = 0.5;
    j["min_memory_gb"] = 8;
    j["data_gb"] = 2000;
    j["max_rtt_ms"] = 30.5;
    j["allowed_regions"] = {"west1"};
    j["min_green_share"] = 0.25;
    j["split"] = true;
    j["tif"] = "ioc";
    j["dry_run"] = true;
    j["client_order_id"] = "job-1";
    command c;
    api_error err;
    ASSERT_TRUE(decode_job(j.dump(), small_market(), c, err)) << err.message;
    EXPECT_EQ(c.type, command_type::place_job);
    const job_body& b = c.body.job;
    EXPECT_EQ(b.chips, 3u);    // gpu1 is chip 0, cpu1 chip 1
    EXPECT_EQ(b.regions, 2u);  // west1 is region 1
    EXPECT_EQ(int64_t{b.start_hour} * ns_per_hour, *parse_rfc3339("2030-12-01T08:00:00Z"));
    EXPECT_EQ(b.size, 8);
    EXPECT_EQ(b.data_gb, 2000u);
    EXPECT_EQ(b.max_price_fen, 4000);
    EXPECT_EQ(b.min_dense_gflops, 500u);
    EXPECT_EQ(b.max_rtt_us, 30'500u);
    EXPECT_EQ(b.min_memory_gb, 8);
    EXPECT_EQ(b.min_green_milli, 250);
    EXPECT_EQ(b.hours, 6);
    EXPECT_EQ(b.origin_region, 0);
    EXPECT_EQ(b.tif, time_in_force::ioc);
    EXPECT_EQ(b.flags, job_flag_split | job_flag_dry_run);
    EXPECT_STREQ(b.client_order_id, "job-1");
}

TEST(DecodeJob, DefaultsAndComputeSizing) {
    json j = base_job();
    j.erase("chips");
    j.erase("qty");
    j["min_memory_gb"] = 80;
    j["pflops"] = 4.25;
    command c;
    api_error err;
    ASSERT_TRUE(decode_job(j.dump(), small_market(), c, err)) << err.message;
    const job_body& b = c.body.job;
    EXPECT_EQ(b.chips, 0u);  // any chip that meets the minimums
    EXPECT_EQ(b.regions, 0u);
    EXPECT_EQ(b.size, 4250);  // milli-PFLOPS
    EXPECT_EQ(b.flags, job_flag_pflops);
    EXPECT_EQ(b.tif, time_in_force::fok);
    EXPECT_EQ(b.max_rtt_us, 0u);
    EXPECT_EQ(b.data_gb, 0u);
    EXPECT_EQ(b.client_order_id[0], '\0');
    // Whole numbers are decimals too.
    j["pflops"] = 4;
    j["min_green_share"] = 1;
    ASSERT_TRUE(decode_job(j.dump(), small_market(), c, err)) << err.message;
    EXPECT_EQ(c.body.job.size, 4000);
    EXPECT_EQ(c.body.job.min_green_milli, 1000);
    j["pflops"] = 0.001;
    ASSERT_TRUE(decode_job(j.dump(), small_market(), c, err)) << err.message;
    EXPECT_EQ(c.body.job.size, 1);
}

TEST(DecodeJob, RefusalsCarryTheirCodeAndField) {
    struct refusal {
        const char* key;
        json value;  // null: the key is removed
        const char* code;
        const char* field;
    };
    const std::vector<refusal> cases = {
        {"colour", "red", "UNKNOWN_FIELD", "colour"},
        {"chips", json::array(), "BAD_REQUEST", "chips"},
        {"chips", "gpu1", "BAD_REQUEST", "chips"},
        {"chips", json::array({"gpu1", "gpu1"}), "BAD_REQUEST", "chips"},
        {"chips", json::array({"h100"}), "UNKNOWN_CHIP", "chips"},
        {"chips", json::array({1}), "BAD_REQUEST", "chips"},
        {"min_tflops", -1, "INVALID_CONSTRAINT", "min_tflops"},
        {"min_tflops", 0.0001, "INVALID_CONSTRAINT", "min_tflops"},
        {"min_tflops", "500", "BAD_REQUEST", "min_tflops"},
        {"min_memory_gb", 70000, "INVALID_CONSTRAINT", "min_memory_gb"},
        {"min_memory_gb", 8.5, "BAD_REQUEST", "min_memory_gb"},
        {"qty", 0, "INVALID_QTY", "qty"},
        {"qty", 1000001, "INVALID_QTY", "qty"},
        {"qty", 1.5, "BAD_REQUEST", "qty"},
        {"qty", nullptr, "BAD_REQUEST", "qty"},
        {"pflops", 4.0, "BAD_REQUEST", "pflops"},  // with qty
        {"start", "2030-12-01T08:30:00Z", "INVALID_WINDOW", "start"},
        {"start", "tomorrow", "INVALID_WINDOW", "start"},
        {"start", 1, "BAD_REQUEST", "start"},
        {"start", nullptr, "BAD_REQUEST", "start"},
        {"hours", 0, "INVALID_WINDOW", "hours"},
        {"hours", 49, "INVALID_WINDOW", "hours"},
        {"hours", nullptr, "BAD_REQUEST", "hours"},
        {"origin_region", "mars", "UNKNOWN_REGION", "origin_region"},
        {"origin_region", nullptr, "BAD_REQUEST", "origin_region"},
        {"data_gb", -1, "INVALID_DATA_VOLUME", "data_gb"},
        {"data_gb", 100000001, "INVALID_DATA_VOLUME", "data_gb"},
        {"max_rtt_ms", 0, "INVALID_CONSTRAINT", "max_rtt_ms"},
        {"max_rtt_ms", 30.0001, "INVALID_CONSTRAINT", "max_rtt_ms"},
        {"max_rtt_ms", true, "BAD_REQUEST", "max_rtt_ms"},
        {"allowed_regions", json::array({"east1", "mars"}), "UNKNOWN_REGION", "allowed_regions"},
        {"allowed_regions", json::array({"east1", "east1"}), "BAD_REQUEST", "allowed_regions"},
        {"min_green_share", 1.5, "INVALID_CONSTRAINT", "min_green_share"},
        {"min_green_share", 0.1234, "INVALID_CONSTRAINT", "min_green_share"},
        {"min_green_share", -0.0, "INVALID_CONSTRAINT", "min_green_share"},
        {"max_delivered_price", "40.001", "INVALID_PRICE", "max_delivered_price"},
        {"max_delivered_price", "0", "INVALID_PRICE", "max_delivered_price"},
        {"max_delivered_price", 40, "BAD_REQUEST", "max_delivered_price"},
        {"max_delivered_price", "20000000.01", "INVALID_PRICE", "max_delivered_price"},
        {"max_delivered_price", nullptr, "BAD_REQUEST", "max_delivered_price"},
        {"split", "yes", "BAD_REQUEST", "split"},
        {"tif", "gtc", "BAD_REQUEST", "tif"},
        {"dry_run", 1, "BAD_REQUEST", "dry_run"},
        {"client_order_id", "a b", "BAD_REQUEST", "client_order_id"},
        {"client_order_id", std::string(33, 'a'), "BAD_REQUEST", "client_order_id"},
    };
    for (const refusal& r : cases) {
        json j = base_job();
        if (r.value.is_null()) {
            j.erase(r.key);
        } else {
            j[r.key] = r.value;
        }
        const api_error e = refused(j);
        EXPECT_EQ(e.status, 400u) << r.key;
        EXPECT_EQ(e.code, r.code) << r.key << " = " << r.value.dump() << ": " << e.message;
        EXPECT_EQ(e.field, r.field) << r.key << " = " << r.value.dump();
    }
    // Neither chips nor a minimum; pflops over-precise, or out of range.
    json j = base_job();
    j.erase("chips");
    EXPECT_EQ(refused(j).field, "chips");
    j = base_job();
    j.erase("qty");
    for (const json& v : {json(4.0001), json(0), json(1000001), json(-1.5)}) {
        j["pflops"] = v;
        const api_error e = refused(j);
        EXPECT_EQ(e.code, "INVALID_QTY") << v.dump();
        EXPECT_EQ(e.field, "pflops") << v.dump();
    }
    // Strict JSON as for every body: a duplicate key.
    const api_error dup = refused_text(
        R"({"chips":["gpu1"],"chips":["cpu1"],"qty":1,"start":"2030-12-01T08:00:00Z","hours":1,
            "origin_region":"east1","max_delivered_price":"1"})");
    EXPECT_EQ(dup.code, "BAD_REQUEST");
}

}  // namespace
}  // namespace cux::gateway
