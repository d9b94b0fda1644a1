// The flat reader of order-path messages (gateway/json_flat.hpp) against the strict DOM parser
// it stands in for: on every message it accepts, the stream protocol and the order decoder must
// answer exactly as through the DOM (the same request, the same error), and it must decline
// what it cannot read plainly.

#include "gateway/json_flat.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "gateway/market_file.hpp"
#include "gateway/stream_protocol.hpp"
#include "tests/gateway/support/small_market.hpp"

namespace cux::gateway {
namespace {

using namespace cux::engine;

using test_support::small_market;

// Both ways agree on `text`; returns whether the flat reader took it.
bool agree(const std::string& text) {
    stream_request a;
    stream_request b;
    api_error ea;
    api_error eb;
    const bool ok_a = parse_stream_request(text, small_market(), a, ea);
    const bool ok_b = parse_stream_request_dom(text, small_market(), b, eb);
    EXPECT_EQ(ok_a, ok_b) << text;
    EXPECT_EQ(ea.status, eb.status) << text;
    EXPECT_EQ(ea.code, eb.code) << text;
    EXPECT_EQ(ea.message, eb.message) << text;
    EXPECT_EQ(ea.field, eb.field) << text;
    EXPECT_EQ(a.op_name, b.op_name) << text;
    EXPECT_EQ(a.req_id, b.req_id) << text;
    if (ok_a && ok_b) {
        EXPECT_EQ(a.op, b.op) << text;
        EXPECT_EQ(a.key, b.key) << text;
        EXPECT_EQ(a.ts, b.ts) << text;
        EXPECT_EQ(a.sign, b.sign) << text;
        EXPECT_EQ(a.cancel_id, b.cancel_id) << text;
        EXPECT_EQ(std::memcmp(&a.order, &b.order, sizeof a.order), 0) << text;
    }
    flat_object flat;
    return flat.read(text);
}

const std::string order =
    R"({"op":"order","req_id":7,"symbol":"gpu1.west1.20301201T08.1h","side":"buy",)"
    R"("type":"limit","price":"12.34","qty":3,"tif":"gtc","post_only":false,)"
    R"("client_order_id":"c-1:a.b_2"})";

TEST(JsonFlat, PlainOrdersCancelsAndAuthsAreReadWithoutADom) {
    EXPECT_TRUE(agree(order));
    EXPECT_TRUE(agree(R"({ "op" : "cancel" , "req_id" : "r-1" , "order_id" : "123" })"));
    EXPECT_TRUE(agree(R"({"op":"auth","req_id":0,"key":"k1","ts":1700000000000,"sign":"ab"})"));
    EXPECT_TRUE(agree(R"({"op":"ping"})"));
    EXPECT_TRUE(
        agree("\t{\n\"op\":\"order\",\"req_id\":1,\"symbol\":\"gpu1.west1.20301201T08.1h\","
              "\"side\":\"sell\",\"type\":\"market\",\"qty\":1,\"tif\":\"ioc\"}\r\n"));
    stream_request r;
    api_error err;
    ASSERT_TRUE(parse_stream_request(order, small_market(), r, err));
    EXPECT_EQ(r.op, stream_op::order);
    EXPECT_EQ(r.req_id, "7");
    EXPECT_EQ(r.order.body.place.qty.value(), 3);
    EXPECT_EQ(r.order.body.place.price.value(), 1234);
    EXPECT_STREQ(r.order.body.place.client_order_id, "c-1:a.b_2");
}

TEST(JsonFlat, ErrorsInFlatMessagesAreTheDomsErrors) {
    const std::string sym = R"("symbol":"gpu1.west1.20301201T08.1h")";
    for (const std::string body : {
             R"("side":"buy","price":"12.34","qty":3,"colour":"red")",  // unknown field
             R"("side":"buy","price":"12.34","qty":"3")",               // qty a string
             R"("side":"buy","price":12,"qty":3)",                      // price a number
             R"("side":"buy","price":"12.345","qty":3)",                // too precise
             R"("side":"buy","price":"0","qty":3)",                     // not positive
             R"("side":"buy","price":"12.34","qty":0)",                 // qty out of range
             R"("side":"buy","price":"12.34","qty":99999999)",          // qty too large
             R"("side":"buy","price":"12.34","qty":18446744073709551615)",
             R"("side":"up","price":"12.34","qty":3)",                   // not a side
             R"("side":"buy","type":"market","price":"12.34","qty":3)",  // market with price
             R"("side":"buy","price":"12.34","qty":3,"post_only":"yes")",
             R"("side":"buy","price":"12.34","qty":3,"post_only":null)",
             R"("side":"buy","price":"12.34","qty":3,"client_order_id":"a b")",
             R"("side":"buy","price":"12.34","qty":3,"client_order_id":"")",
             R"("side":"sell","price":"12.34","qty":3,"origin_region":"east1")",
             R"("side":"buy","price":"12.34","qty":3,"data_gb":5)",
             R"("side":"buy","price":"12.34","qty":3,"origin_region":"mars")",
             R"("price":"12.34","qty":3)",  // no side
         }) {
        agree(R"({"op":"order","req_id":"x",)" + sym + "," + body + "}");
    }
    agree(R"({"op":"order","req_id":"x","symbol":"no.such.thing","side":"buy","qty":1})");
    agree(R"({"op":"order","side":"buy"})");                            // no req_id
    agree(R"({"op":"order","req_id":9007199254740992,"side":"buy"})");  // req_id 2^53
    agree(R"({"op":"order","req_id":"","side":"buy"})");
    agree(R"({"op":"cancel","req_id":1,"order_id":123})");  // id not a string
    agree(R"({"op":"cancel","req_id":1,"order_id":"0123"})");
    agree(R"({"op":"cancel","req_id":1,"order_id":"1","x":1})");
    agree(R"({"op":"fly","req_id":1})");
    agree(R"({"op":7,"req_id":1})");
    agree(R"({"req_id":1})");
    agree(R"({"op":"subscribe","req_id":1,"channels":"book"})");
    agree(R"({"op":"auth","req_id":1,"key":"k","ts":"12x","sign":"s"})");
}

TEST(JsonFlat, WhatItCannotReadPlainlyGoesTheDomWay) {
    for (const std::string text : {
             R"({"op":"order","op":"cancel"})",              // duplicate key
             R"({"op":"subscribe","channels":["trades"]})",  // nested
             R"({"op":"order","req_id":-1})",                // negative
             R"({"op":"order","req_id":1.5})",               // fraction
             R"({"op":"order","req_id":1e3})",               // exponent
             R"({"op":"order","req_id":01})",                // leading zero: malformed
             R"({"op":"order","req_id":"a\"b"})",            // escape
             "{\"op\":\"order\",\"req_id\":\"\xc3\xa9\"}",   // non-ASCII
             R"({"op":"order",})",                           // malformed
             R"({"op":"order"} x)",                          // trailing text
             R"(["op"])",                                    // not an object
             R"({"qty":99999999999999999999})",              // past uint64
             "",
         }) {
        EXPECT_FALSE(agree(text)) << text;
    }
    std::string many = "{";
    for (std::size_t i = 0; i <= flat_members_max; ++i) {
        many += (i == 0 ? "\"k" : ",\"k") + std::to_string(i) + "\":1";
    }
    EXPECT_FALSE(agree(many + "}"));
}

// Random edits of real messages: whatever the flat reader takes, both ways answer alike.
TEST(JsonFlat, RandomEditsOfMessagesAgreeWithTheDom) {
    const std::vector<std::string> seeds = {
        order,
        R"({"op":"cancel","req_id":"r-1","order_id":"123"})",
        R"({"op":"auth","req_id":0,"key":"k1","ts":"1700000000000","sign":"ab"})",
        R"({"op":"order","req_id":2,"symbol":"cpu1.east1.20301201T16.1d","side":"buy",)"
        R"("price":"1.05","qty":2,"origin_region":"east1","data_gb":40,"stp":"cancel_both"})",
    };
    const std::string alphabet = "{}[],:\"0123456789-.eEtrufalsn xqyo_\\";
    const uint32_t seed = 20261129;
    std::mt19937 rng(seed);
    int taken = 0;
    for (int i = 0; i < 20000; ++i) {
        std::string t = seeds[rng() % seeds.size()];
        const int edits = 1 + static_cast<int>(rng() % 3);
        for (int e = 0; e < edits && !t.empty(); ++e) {
            const std::size_t at = rng() % t.size();
            const char c = alphabet[rng() % alphabet.size()];
            switch (rng() % 3) {
                case 0:
                    t[at] = c;
                    break;
                case 1:
                    t.insert(t.begin() + static_cast<std::ptrdiff_t>(at), c);
                    break;
                default:
                    t.erase(at, 1);
            }
        }
        taken += agree(t) ? 1 : 0;
        if (HasFailure()) {
            ADD_FAILURE() << "seed " << seed << ", edit " << i;
            return;
        }
    }
    EXPECT_GT(taken, 1000);  // the edits that keep a flat object are many
}

}  // namespace
}  // namespace cux::gateway
