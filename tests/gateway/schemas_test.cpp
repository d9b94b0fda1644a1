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
    const json job = json::parse(
        R"({"chips":["gpu1"],"qty":8,"start":"2030-12-01T08:00:00Z","hours":6,
            "origin_region":"east1","data_gb":2000,"max_rtt_ms":30,"allowed_regions":["east1"],
            "min_green_share":0.5,"max_delivered_price":"40.00","split":false,"tif":"fok",
            "dry_run":false,"client_order_id":"j-1"})");
    std::vector<schema_check> checks = {
        {"job_request.json", job, true},
        {"job_request.json", with(without(job, "qty"), "pflops", 4.5), true},
        {"job_request.json", with(without(job, "chips"), "min_memory_gb", 80), true},
        {"job_request.json", without(job, "chips"), false},     // no chips, no minimum
        {"job_request.json", with(job, "pflops", 4.0), false},  // qty and pflops
        {"job_request.json", without(job, "qty"), false},       // neither
        {"job_request.json", with(job, "start", "2030-12-01T08:30:00Z"), false},
        {"job_request.json", with(job, "hours", 49), false},
        {"job_request.json", with(job, "max_delivered_price", "40.001"), false},
        {"job_request.json", with(job, "min_green_share", 1.5), false},
        {"job_request.json", with(job, "tif", "gtc"), false},
        {"job_request.json", with(job, "chips", json::array({"gpu1", "gpu1"})), false},
        {"job_request.json", with(job, "allowed_regions", json::array()), false},
        {"job_request.json", with(job, "colour", "red"), false},
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

TEST(Schemas, StreamSchemasRefuseWhatTheServerRefuses) {
    const auto j = [](const char* text) { return json::parse(text); };
    const std::string sign(64, 'a');
    std::vector<schema_check> checks = {
        {"stream_auth.json", json{{"op", "auth"}, {"key", "ck_1"}, {"ts", 1}, {"sign", sign}},
         true},
        {"stream_auth.json", json{{"op", "auth"}, {"key", "ck_1"}, {"ts", "1"}, {"sign", sign}},
         true},
        {"stream_auth.json", json{{"op", "auth"}, {"key", "ck_1"}, {"ts", "soon"}, {"sign", sign}},
         false},
        {"stream_auth.json", json{{"op", "auth"}, {"key", "ck_1"}, {"ts", 1}}, false},
        {"stream_subscribe.json",
         j(R"({"op":"subscribe","channels":["book:gpu1.east1.20300101T08.1h","orders"],
               "req_id":"s"})"),
         true},
        {"stream_subscribe.json", j(R"({"op":"unsubscribe","channels":["fills"]})"), true},
        {"stream_subscribe.json", j(R"({"op":"subscribe","channels":[]})"), false},
        {"stream_subscribe.json", j(R"({"op":"subscribe","channels":["orders","orders"]})"), false},
        {"stream_subscribe.json", j(R"({"op":"subscribe","channels":["index"]})"), true},
        {"stream_subscribe.json",
         j(R"({"op":"subscribe","channels":["bars:gpu1.east1.20300101T08.1h:1h"]})"), true},
        {"stream_subscribe.json",
         j(R"({"op":"subscribe","channels":["bars:gpu1.east1.20300101T08.1h:5m"]})"), false},
        {"stream_order.json",
         j(R"({"op":"order","req_id":7,"symbol":"gpu1.east1.20300101T08.1h","side":"buy",
               "price":"12.00","qty":1})"),
         true},
        {"stream_order.json",
         j(R"({"op":"order","symbol":"gpu1.east1.20300101T08.1h","side":"buy","price":"12.00",
               "qty":1})"),
         false},  // no req_id
        {"stream_order.json",
         j(R"({"op":"order","req_id":7,"symbol":"gpu1.east1.20300101T08.1h","side":"buy",
               "qty":1})"),
         false},  // a limit order without a price
        {"stream_order.json",
         j(R"({"op":"order","req_id":-1,"symbol":"gpu1.east1.20300101T08.1h","side":"buy",
               "price":"12.00","qty":1})"),
         false},
        {"stream_cancel.json", j(R"({"op":"cancel","order_id":"5","req_id":"c"})"), true},
        {"stream_cancel.json", j(R"({"op":"cancel","order_id":5,"req_id":"c"})"), false},
        {"stream_ping.json", j(R"({"op":"ping"})"), true},
        {"stream_ping.json", j(R"({"op":"ping","colour":1})"), false},
        {"stream_book.json",
         j(R"({"channel":"book:gpu1.east1.20300101T08.1h","type":"update","seq":2,
               "symbol":"gpu1.east1.20300101T08.1h","event_seq":9,"bids":[],
               "asks":[["12.00",0]]})"),
         true},
        {"stream_book.json",
         j(R"({"channel":"book:gpu1.east1.20300101T08.1h","type":"update","seq":0,
               "symbol":"gpu1.east1.20300101T08.1h","event_seq":9,"bids":[],"asks":[]})"),
         false},  // seq starts at 1
        {"stream_error.json", j(R"({"type":"error","op":null,"req_id":null,"status":400,
               "error":{"code":"BAD_REQUEST","message":"x","field":null}})"),
         true},
        {"stream_heartbeat.json", j(R"({"type":"heartbeat","time":"2030-01-01T00:00:00Z"})"), true},
    };
    EXPECT_EQ(run_schema_checks(checks), "");
}

}  // namespace
}  // namespace cux::gateway::test
