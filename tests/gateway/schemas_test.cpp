// The API's JSON Schemas themselves: valid 2020-12 schemas whose $refs resolve, and request
// schemas that refuse what the server refuses (unknown fields, over-precise money, bad
// quantities), so a client validating against them sends nothing the server will bounce.

#include <gtest/gtest.h>

#include "tests/gateway/support/harness.hpp"

namespace cux::gateway::test {
namespace {

using nlohmann::json;

TEST(Schemas, AreValidDraft202012) { EXPECT_EQ(run_schema_checks({}), ""); }

TEST(Schemas, RequestSchemasRefuseWhatTheServerRefuses) {
    const json order = json::parse(
        R"({"symbol":"gpu1.east1.20301201T08.1h","side":"buy","price":"12.34","qty":4,
            "client_order_id":"a-1","tif":"ioc","post_only":false,"stp":"cancel_both",
            "origin_region":"east1","data_gb":10})");
    auto with = [&](const json& base, const char* k, const json& v) {
        json j = base;
        j[k] = v;
        return j;
    };
    auto without = [&](const json& base, const char* k) {
        json j = base;
        j.erase(k);
        return j;
    };
    std::vector<schema_check> checks = {
        {"order_request.json", order, true},
        {"order_request.json", with(without(order, "price"), "type", "market"), true},
        {"order_request.json", with(order, "price", "12.345"), false},
        {"order_request.json", with(order, "price", 12.34), false},
        {"order_request.json", with(order, "price", "012.00"), false},
        {"order_request.json", with(order, "qty", 0), false},
        {"order_request.json", with(order, "qty", -1), false},
        {"order_request.json", with(order, "qty", 1.5), false},
        {"order_request.json", with(order, "colour", "red"), false},
        {"order_request.json", with(order, "side", "up"), false},
        {"order_request.json", with(order, "type", "market"), false},  // market with a price
        {"order_request.json", without(order, "price"), false},        // limit without one
        {"order_request.json", with(order, "client_order_id", "a b"), false},
        {"order_replace_request.json", json::parse(R"({"qty":2})"), true},
        {"order_replace_request.json", json::object(), false},
        {"withdrawal_request.json", json::parse(R"({"amount":"1.5"})"), true},
        {"withdrawal_request.json", json::parse(R"({"amount":"1.555"})"), false},
        {"deposit_request.json", json::parse(R"({"participant_id":"2","amount":"10"})"), true},
        {"deposit_request.json", json::parse(R"({"participant_id":2,"amount":"10"})"), false},
        {"participant_request.json", json::parse(R"({"name":"x","roles":["vendor","buyer"]})"),
         true},
        {"participant_request.json", json::parse(R"({"name":"x","roles":["buyer","buyer"]})"),
         false},
        {"participant_request.json", json::parse(R"({"name":"x","roles":["king"]})"), false},
        {"capacity_request.json",
         json::parse(R"({"chip":"gpu1","region":"east1","devices":1,"from":"2030-01-01T00:00:00Z",
                         "to":"2030-01-01T01:00:00Z"})"),
         true},
        {"capacity_request.json",
         json::parse(R"({"chip":"gpu1","region":"east1","devices":1,"from":"2030-01-01T00:30:00Z",
                         "to":"2030-01-01T01:00:00Z"})"),
         false},
        {"error.json", json::parse(R"({"error":{"code":"NOT_FOUND","message":"x","field":null}})"),
         true},
        {"error.json", json::parse(R"({"error":{"code":"not found","message":"x","field":null}})"),
         false},
    };
    EXPECT_EQ(run_schema_checks(checks), "");
}

}  // namespace
}  // namespace cux::gateway::test
