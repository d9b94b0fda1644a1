// The request path's pure parts, without a server: money strings, request targets, strict JSON,
// the body decoders (JSON -> engine command), HMAC signatures, the key table's rate limiter, and
// the lock-free claim and route tables.

#include "gateway/decode.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <thread>

#include "engine/symbol.hpp"
#include "gateway/auth.hpp"
#include "gateway/json_strict.hpp"
#include "gateway/key_table.hpp"
#include "gateway/market_file.hpp"
#include "gateway/money.hpp"
#include "gateway/route_table.hpp"
#include "gateway/target.hpp"
#include "tests/gateway/support/small_market.hpp"

namespace cux::gateway {
namespace {

using namespace cux::engine;

using test_support::small_market;

TEST(MoneyText, ParsesAtMostTwoDecimals) {
    int64_t v = 0;
    EXPECT_EQ(parse_fen("12.34", 1'000'000, v), decimal_error::none);
    EXPECT_EQ(v, 1234);
    EXPECT_EQ(parse_fen("12.3", 1'000'000, v), decimal_error::none);
    EXPECT_EQ(v, 1230);
    EXPECT_EQ(parse_fen("12", 1'000'000, v), decimal_error::none);
    EXPECT_EQ(v, 1200);
    EXPECT_EQ(parse_fen("0", 1'000'000, v), decimal_error::none);
    EXPECT_EQ(v, 0);
    EXPECT_EQ(parse_fen("12.345", 1'000'000, v), decimal_error::too_precise);
    EXPECT_EQ(parse_fen("1000000.00", 1'000'000, v), decimal_error::too_large);
    EXPECT_EQ(parse_fen("99999999999999999999", INT64_MAX, v), decimal_error::too_large);
    for (const char* bad :
         {"", ".5", "5.", "012", "-1", "+1", "1e2", "1,00", " 1", "1 ", "0x1", "1..2", "NaN"}) {
        EXPECT_EQ(parse_fen(bad, 1'000'000, v), decimal_error::syntax) << bad;
    }
}

TEST(MoneyText, FormatsTwoDecimals) {
    EXPECT_EQ(format_fen(1234), "12.34");
    EXPECT_EQ(format_fen(5), "0.05");
    EXPECT_EQ(format_fen(0), "0.00");
    EXPECT_EQ(format_fen(-500), "-5.00");
    EXPECT_EQ(format_fen(INT64_MIN), "-92233720368547758.08");
    EXPECT_EQ(format_milli(484), "0.484");
}

TEST(Target, SplitsPathAndQuery) {
    target t;
    api_error err;
    ASSERT_TRUE(parse_target("/v1/book/a%2Eb?depth=5&x=a+b%21", t, err));
    EXPECT_EQ(t.segments, (std::vector<std::string>{"v1", "book", "a.b"}));
    EXPECT_EQ(t.param("depth"), "5");
    EXPECT_EQ(t.param("x"), "a b!");
    EXPECT_FALSE(t.param("y").has_value());
    EXPECT_FALSE(t.only({"depth"}, err));
    EXPECT_EQ(err.code, "UNKNOWN_FIELD");
    EXPECT_EQ(err.field, "x");
    ASSERT_TRUE(parse_target("/", t, err));
    EXPECT_TRUE(t.segments.empty());
    for (const char* bad : {"", "v1", "/a//b", "/a%", "/a%4", "/a%zz", "/a?%00=1", "/a%0a"}) {
        EXPECT_FALSE(parse_target(bad, t, err)) << bad;
        EXPECT_EQ(err.code, "BAD_REQUEST");
    }
    std::string many = "/a?";
    for (int i = 0; i < 20; ++i) many += "p" + std::to_string(i) + "=1&";
    EXPECT_FALSE(parse_target(many, t, err));
    uint64_t v = 0;
    ASSERT_TRUE(parse_target("/a?n=7&m=x", t, err));
    EXPECT_TRUE(t.uint_param("n", 1, 10, 3, v, err));
    EXPECT_EQ(v, 7u);
    EXPECT_TRUE(t.uint_param("k", 1, 10, 3, v, err));
    EXPECT_EQ(v, 3u);
    EXPECT_FALSE(t.uint_param("m", 1, 10, 3, v, err));
    EXPECT_EQ(err.field, "m");
}

TEST(Target, TimeRangeKeepsDefaultsAndRefusesBadOrReversedBounds) {
    target t;
    api_error err;
    int64_t from = 0;
    int64_t to = INT64_MAX;
    ASSERT_TRUE(parse_target("/a", t, err));
    ASSERT_TRUE(t.time_range(from, to, err));
    EXPECT_EQ(from, 0);
    EXPECT_EQ(to, INT64_MAX);
    ASSERT_TRUE(parse_target("/a?from=1970-01-01T00:00:01Z&to=1970-01-01T00:00:02Z", t, err));
    ASSERT_TRUE(t.time_range(from, to, err));
    EXPECT_EQ(from, 1'000'000'000);
    EXPECT_EQ(to, 2'000'000'000);
    for (const auto& [query, field] :
         {std::pair{"/a?from=yesterday", "from"}, std::pair{"/a?to=2030-13-01T00:00:00Z", "to"},
          std::pair{"/a?from=1970-01-01T00:00:03Z&to=1970-01-01T00:00:02Z", "from"}}) {
        from = 0;
        to = INT64_MAX;
        ASSERT_TRUE(parse_target(query, t, err));
        EXPECT_FALSE(t.time_range(from, to, err)) << query;
        EXPECT_EQ(err.status, 400u);
        EXPECT_EQ(err.code, "BAD_REQUEST");
        EXPECT_EQ(err.field, field) << query;
        EXPECT_EQ(from, 0) << "a refused range leaves the bounds as they were";
        EXPECT_EQ(to, INT64_MAX);
    }
    EXPECT_EQ(err.message, "from must not be after to");
}

TEST(StrictJson, RefusesDuplicatesDepthAndNonObjects) {
    nlohmann::json j;
    api_error err;
    EXPECT_TRUE(parse_json_object(R"({"a":[1,{"b":2}],"c":"d"})", j, err));
    EXPECT_EQ(j["a"][1]["b"], 2);
    EXPECT_FALSE(parse_json_object(R"({"a":1,"a":2})", j, err));
    EXPECT_EQ(err.code, "BAD_REQUEST");
    EXPECT_EQ(err.field, "a");
    EXPECT_FALSE(parse_json_object(R"({"a":{"b":1,"b":1}})", j, err));
    EXPECT_TRUE(
        parse_json_object(R"({"a":{"b":1},"c":{"b":1}})", j, err));         // same key, two objects
    EXPECT_TRUE(parse_json_object(R"({"a":[[[[[[[1]]]]]]]})", j, err));     // depth 8
    EXPECT_FALSE(parse_json_object(R"({"a":[[[[[[[[1]]]]]]]]})", j, err));  // depth 9
    EXPECT_NE(err.message.find("deeper"), std::string::npos);
    for (const char* bad : {"", "[]", "1", "\"x\"", "null", "{", "{}}", "{\"a\":1,}",
                            "{\"a\":\"\xff\"}", "{'a':1}"}) {
        EXPECT_FALSE(parse_json_object(bad, j, err)) << bad;
        EXPECT_EQ(err.code, "BAD_REQUEST");
    }
}

TEST(Decode, PlaceOrderBecomesACommand) {
    command c;
    api_error err;
    ASSERT_TRUE(decode_place_order(
        R"({"symbol":"gpu1.west1.20301201T08.1h","side":"buy","type":"limit","price":"12.34",)"
        R"("qty":4,"tif":"ioc","post_only":false,"client_order_id":"x-1",)"
        R"("stp":"cancel_both","origin_region":"east1","data_gb":500})",
        small_market(), c, err))
        << err.message;
    EXPECT_EQ(c.type, command_type::place_order);
    const place_order_body& b = c.body.place;
    const auto key = parse_symbol(small_market(), "gpu1.west1.20301201T08.1h");
    EXPECT_EQ(b.instrument, pack(*key));
    EXPECT_EQ(b.sd, side::buy);
    EXPECT_EQ(b.type, order_type::limit);
    EXPECT_EQ(b.tif, time_in_force::ioc);
    EXPECT_EQ(b.stp, stp_mode::cancel_both);
    EXPECT_EQ(b.price, price_fen(1234));
    EXPECT_EQ(b.qty, qty_devices(4));
    EXPECT_EQ(b.origin_region, 0);
    EXPECT_EQ(b.data_gb, 500);
    EXPECT_STREQ(b.client_order_id, "x-1");
    // Defaults: limit, gtc, cancel_newest, no origin.
    ASSERT_TRUE(decode_place_order(
        R"({"symbol":"cpu1.east1.20301201T16.1d","side":"sell","price":"1","qty":1})",
        small_market(), c, err));
    EXPECT_EQ(c.body.place.tif, time_in_force::gtc);
    EXPECT_EQ(c.body.place.stp, stp_mode::cancel_newest);
    EXPECT_EQ(c.body.place.origin_region, origin_none);
    EXPECT_EQ(c.body.place.client_order_id[0], '\0');
    ASSERT_TRUE(decode_place_order(
        R"({"symbol":"cpu1.east1.20301201T16.1d","side":"buy","type":"market","qty":1})",
        small_market(), c, err));
    EXPECT_EQ(c.body.place.type, order_type::market);
}

TEST(Decode, OtherBodies) {
    command c;
    api_error err;
    ASSERT_TRUE(decode_capacity(
        R"({"chip":"cpu1","region":"west1","devices":8,"from":"2030-01-01T00:00:00Z","to":"2030-01-01T03:00:00Z"})",
        small_market(), c, err));
    EXPECT_EQ(c.type, command_type::register_capacity);
    EXPECT_EQ(c.body.capacity.chip, 1);
    EXPECT_EQ(c.body.capacity.region, 1);
    EXPECT_EQ(c.body.capacity.to_hour - c.body.capacity.from_hour, 3);
    ASSERT_TRUE(decode_withdrawal(R"({"amount":"0.01"})", c, err));
    EXPECT_EQ(c.body.money.amount, money_fen(1));
    ASSERT_TRUE(decode_deposit(R"({"participant_id":"7","amount":"100"})", c, err));
    EXPECT_EQ(c.body.money.target, participant_id(7));
    EXPECT_EQ(c.body.money.amount, money_fen(10000));
    ASSERT_TRUE(decode_participant(R"({"name":"东方算力","roles":["vendor","buyer"]})", c, err));
    EXPECT_EQ(c.body.create.roles, role_vendor | role_buyer);
    EXPECT_STREQ(c.body.create.name, "东方算力");
    replace_fields r;
    ASSERT_TRUE(decode_replace(R"({"price":"9.99"})", r, err));
    EXPECT_EQ(r.price_fen, 999);
    EXPECT_FALSE(r.qty.has_value());
    EXPECT_FALSE(decode_deposit(R"({"participant_id":"0","amount":"1"})", c, err));
    EXPECT_FALSE(decode_deposit(R"({"participant_id":"01","amount":"1"})", c, err));
    EXPECT_FALSE(decode_participant(R"({"name":"a\u0001b","roles":["buyer"]})", c, err));
}

TEST(Decode, IdsAreStrictDecimals) {
    EXPECT_EQ(parse_id("0"), 0u);
    EXPECT_EQ(parse_id("18446744073709551615"), UINT64_MAX);
    for (const char* bad : {"", "00", "01", "-1", "+1", "1a", "18446744073709551616", " 1"}) {
        EXPECT_FALSE(parse_id(bad).has_value()) << bad;
    }
}

TEST(Hmac, MatchesRfc4231) {
    EXPECT_EQ(hmac_sha256_hex("Jefe", {"what do ya want ", "for nothing?"}),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    std::string raw;
    ASSERT_TRUE(hex_decode("00ff10", raw));
    EXPECT_EQ(hex_encode(raw), "00ff10");
    EXPECT_FALSE(hex_decode("0", raw));
    EXPECT_FALSE(hex_decode("0g", raw));
    const issued_key k = issue_key();
    EXPECT_EQ(k.key_id.size(), 19u);
    EXPECT_EQ(k.key_id.substr(0, 3), "ck_");
    EXPECT_EQ(k.secret.size(), 64u);
    EXPECT_NE(issue_key().secret, k.secret);
}

TEST(Authenticate, ChecksEveryPart) {
    key_table keys(16, 10, 10);
    const std::string secret(64, 'c');
    ASSERT_TRUE(keys.add("ck_1", participant_id(3), role_buyer, secret));
    EXPECT_FALSE(keys.add("ck_1", participant_id(4), role_buyer, secret));  // duplicate
    EXPECT_FALSE(keys.add("ck_2", participant_id(4), role_buyer, "short"));
    const int64_t now = 1'700'000'000'000;
    const std::string ts = std::to_string(now);
    const std::string sign = hmac_sha256_hex(secret, {ts, "GET", "/v1/account", ""});
    api_error err;
    const key_entry* k =
        authenticate(keys, {"ck_1", ts, sign}, "GET", "/v1/account", "", now + 4999, err);
    ASSERT_NE(k, nullptr);
    EXPECT_EQ(k->participant, participant_id(3));
    EXPECT_EQ(authenticate(keys, {"ck_1", ts, sign}, "GET", "/v1/account", "", now + 5001, err),
              nullptr);
    EXPECT_EQ(err.field, "CUX-TS");
    EXPECT_EQ(authenticate(keys, {"ck_1", ts, sign}, "GET", "/v1/accounts", "", now, err), nullptr);
    EXPECT_EQ(err.field, "CUX-SIGN");
    EXPECT_EQ(authenticate(keys, {"ck_9", ts, sign}, "GET", "/v1/account", "", now, err), nullptr);
    EXPECT_EQ(err.field, "CUX-KEY");
}

TEST(KeyTable, TokenBucketRefillsWithTime) {
    key_table keys(4, 2, 3);  // 2 per second, burst 3
    ASSERT_TRUE(keys.add("k", participant_id(1), 0, std::string(64, 'a')));
    const key_entry& k = *keys.find("k");
    uint32_t retry = 0;
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(keys.take_token(k, 1000, retry));
    EXPECT_FALSE(keys.take_token(k, 1000, retry));
    EXPECT_EQ(retry, 1u);
    EXPECT_FALSE(keys.take_token(k, 1499, retry));
    EXPECT_TRUE(keys.take_token(k, 1500, retry));  // 0.5 s at 2/s = 1 token
    EXPECT_FALSE(keys.take_token(k, 1500, retry));
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(keys.take_token(k, 60'000, retry));  // capped
    EXPECT_FALSE(keys.take_token(k, 60'000, retry));
    EXPECT_EQ(keys.find("nope"), nullptr);
    EXPECT_TRUE(keys.has_key_for(participant_id(1)));
    EXPECT_FALSE(keys.has_key_for(participant_id(2)));
}

TEST(KeyTable, ConcurrentTakersNeverOverspend) {
    key_table keys(4, 1, 1000);
    ASSERT_TRUE(keys.add("k", participant_id(1), 0, std::string(64, 'a')));
    const key_entry& k = *keys.find("k");
    std::atomic<int> granted{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            uint32_t retry = 0;
            for (int i = 0; i < 500; ++i) {
                if (keys.take_token(k, 5, retry)) ++granted;
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(granted.load(), 1000);
}

TEST(ClaimTable, OneClaimPerKeyAtATime) {
    claim_table claims;
    const uint32_t a = claims.try_claim(participant_id(1), "x", 1, 11);
    ASSERT_NE(a, 0u);
    EXPECT_EQ(claims.try_claim(participant_id(1), "x", 1, 12), 0u);
    const uint32_t b = claims.try_claim(participant_id(2), "x", 1, 13);
    EXPECT_NE(b, 0u);
    claims.release(a, 11);
    const uint32_t again = claims.try_claim(participant_id(1), "x", 1, 14);
    EXPECT_EQ(again, a);
    claims.release(again, 14);
    claims.release(b, 13);
}

TEST(RouteTable, TokensFindTheirLaneOnce) {
    route_table routes(2, 4, 77);
    const auto s1 = routes.open_session();
    const auto s2 = routes.open_session();
    ASSERT_TRUE(s1 && s2);
    EXPECT_FALSE(routes.open_session().has_value());  // two sessions at most
    pending_request req;
    req.kind = command_kind::cancel;
    const route_token t = routes.arm(*s2 + 1, req, nullptr);
    EXPECT_TRUE(routes.ours(t));
    route_token stale = t;
    stale.request += 1;
    pending_request out;
    std::shared_ptr<completion_sink> sink;
    EXPECT_FALSE(routes.take(stale, out, sink));
    route_token foreign = t;
    foreign.reserved = 78;  // a token of an earlier run, from the journal
    EXPECT_FALSE(routes.take(foreign, out, sink));
    EXPECT_TRUE(routes.take(t, out, sink));
    EXPECT_EQ(out.kind, command_kind::cancel);
    EXPECT_FALSE(routes.take(t, out, sink));  // only once
    routes.close_session(*s1);
    EXPECT_EQ(routes.open_session(), s1);
}

}  // namespace
}  // namespace cux::gateway
