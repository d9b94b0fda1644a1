// The DOM-free JSON writer of the order path (gateway/json_text.hpp) and the views written with
// it: each text view must be byte for byte what its DOM twin dumps, since clients and the
// schemas were written against the DOM's output.

#include "gateway/json_text.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "gateway/market_file.hpp"
#include "gateway/stream_protocol.hpp"
#include "gateway/views.hpp"
#include "tests/gateway/support/small_market.hpp"

namespace cux::gateway {
namespace {

using namespace cux::engine;

using test_support::small_market;

std::string written_string(std::string_view s) {
    std::string out;
    json_text(out).string(s);
    return out;
}

TEST(JsonText, EscapesStringsAsTheDomDumps) {
    // Every single byte below 0x80 and a few mixed runs.
    for (int c = 0; c < 0x80; ++c) {
        const std::string s(1, static_cast<char>(c));
        EXPECT_EQ(written_string(s), nlohmann::json(s).dump()) << "byte " << c;
    }
    for (const std::string s : {"", "plain", "a\"b\\c", "tab\there\nnew\x01\x1f end", "\"\"\\\\"}) {
        EXPECT_EQ(written_string(s), nlohmann::json(s).dump()) << s;
    }
}

TEST(JsonText, PlacesCommasBetweenMembersAndElements) {
    std::string out;
    json_text t(out);
    t.open_object();
    t.key("a");
    t.number(int64_t{-5});
    t.key("b");
    t.open_array();
    t.number(uint64_t{18'446'744'073'709'551'615u});
    t.boolean(false);
    t.null();
    t.open_object();
    t.close_object();
    t.close_array();
    t.key("c");
    t.string("x");
    t.close_object();
    EXPECT_EQ(out, R"({"a":-5,"b":[18446744073709551615,false,null,{}],"c":"x"})");
    EXPECT_EQ(nlohmann::json::parse(out).dump(), out);
}

order_row sample_order(int variant) {
    order_row o;
    o.id = order_id(1000 + variant);
    o.seq = 77 + static_cast<uint64_t>(variant);
    o.instrument = pack(instrument_key{0, 0, tenor::hour, 490'000});
    o.sd = variant % 2 == 0 ? side::buy : side::sell;
    o.type = variant % 3 == 0 ? order_type::market : order_type::limit;
    o.tif = variant % 3 == 1 ? time_in_force::ioc : time_in_force::gtc;
    o.post_only = variant == 2;
    o.price_fen = 1234 + variant;
    o.qty = 10;
    o.filled = variant >= 2 ? 4 : 0;
    o.remaining = o.qty - o.filled;
    o.notional_fen = o.filled * 1230 + variant;
    o.done = variant >= 3;
    o.reason = variant == 4 ? done_reason::filled : done_reason::cancelled;
    o.created_ts = 1'900'000'000'123'000'000 + variant;
    o.updated_ts = 1'900'000'001'000'000'000;
    o.client_order_id = variant == 1 ? "" : "coid-" + std::to_string(variant);
    return o;
}

TEST(JsonText, OrderTextIsTheOrderDomDumped) {
    for (int v = 0; v < 6; ++v) {
        const order_row o = sample_order(v);
        EXPECT_EQ(order_text(small_market(), o), order_json(small_market(), o).dump()) << v;
    }
}

event accepted_event(participant_id who, order_id id, side sd, const char* coid) {
    event e;
    e.type = event_type::order_accepted;
    e.participant = who;
    e.body.accepted.id = id;
    e.body.accepted.sd = sd;
    std::strncpy(e.body.accepted.client_order_id, coid, sizeof e.body.accepted.client_order_id);
    return e;
}

event trade_event(order_id buy, order_id sell, side aggressor, int64_t price, int64_t qty,
                  uint64_t id) {
    event e;
    e.type = event_type::trade;
    e.body.trade.id = trade_id(id);
    e.body.trade.buy_order = buy;
    e.body.trade.sell_order = sell;
    e.body.trade.aggressor = aggressor;
    e.body.trade.price = price_fen(price);
    e.body.trade.qty = qty_devices(qty);
    return e;
}

TEST(JsonText, PlacedOrderTextIsThePlacedOrderDomDumped) {
    const participant_id me(7);
    const order_id mine(501);
    command_outcome resting;
    resting.seq = 9;
    resting.events.push_back(accepted_event(me, mine, side::buy, "c1"));

    command_outcome traded = resting;
    traded.seq = 10;
    traded.events.push_back(trade_event(mine, order_id(400), side::buy, 1200, 2, 31));
    traded.events.push_back(trade_event(mine, order_id(401), side::buy, 1201, 3, 32));
    // Another order's trade in the same command (an auction) is not this order's fill.
    traded.events.push_back(trade_event(order_id(9), order_id(10), side::sell, 1100, 1, 33));
    event done;
    done.type = event_type::order_done;
    done.body.done.id = mine;
    done.body.done.reason = done_reason::filled;
    traded.events.push_back(done);

    command_outcome no_coid;
    no_coid.seq = 11;
    no_coid.events.push_back(accepted_event(me, order_id(502), side::sell, ""));
    no_coid.events.push_back(trade_event(order_id(300), order_id(502), side::buy, 1300, 1, 34));

    for (const command_outcome* out : {&resting, &traded, &no_coid}) {
        const std::string text = placed_order_text(*out, me);
        EXPECT_EQ(text, placed_order_json(*out, me).dump()) << out->seq;
    }
    const auto j = nlohmann::json::parse(placed_order_text(traded, me));
    EXPECT_EQ(j["status"], "filled");
    EXPECT_EQ(j["filled_qty"], 5);
    EXPECT_EQ(j["fills"].size(), 2u);
    EXPECT_EQ(j["avg_price"], "12.01");  // (2 x 12.00 + 3 x 12.01) / 5 = 12.006, half up
    EXPECT_EQ(nlohmann::json::parse(placed_order_text(no_coid, me))["fills"][0]["liquidity"],
              "maker");
}

TEST(JsonText, StreamRepliesWrapTheBodyWithTheirHead) {
    EXPECT_EQ(
        result_reply("order", "7", 201, R"({"order_id":"5"})"),
        R"({"type":"result","op":"order","req_id":7,"status":201,"result":{"order_id":"5"}})");
    EXPECT_EQ(result_reply("cancel", "\"a-1\"", 200, "{}"),
              R"({"type":"result","op":"cancel","req_id":"a-1","status":200,"result":{}})");
    EXPECT_EQ(
        error_reply_from_body("", "", 400, R"({"error":{"code":"BAD_REQUEST"}})"),
        R"({"type":"error","op":null,"req_id":null,"status":400,"error":{"code":"BAD_REQUEST"}})");
    // An op as sent is quoted as JSON: the reply stays JSON whatever the client wrote.
    const auto j = nlohmann::json::parse(result_reply("o\"p", "1", 200, "{}"));
    EXPECT_EQ(j["op"], "o\"p");
}

}  // namespace
}  // namespace cux::gateway
