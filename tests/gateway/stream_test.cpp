// The stream (/v1/stream) over WSS: book snapshots and absolute level updates that track orders
// placed over REST, the public tape, private orders and fills after auth (refused before it),
// order entry and cancel with req_id correlation, and a gapless per-channel seq across many
// updates. Every message received is validated against its schema in schemas/api/.

#include <gtest/gtest.h>

#include <map>

#include "tests/gateway/support/stream_fixture.hpp"

namespace cux::gateway::test {
namespace {

using Stream = StreamTest;

TEST_F(Stream, BookSnapshotThenAbsoluteLevelUpdatesTrackRestOrders) {
    auto c = open();
    const auto ack = subscribe(*c, {"book:" + symbol});
    ASSERT_TRUE(ack) << c->last_event().error;
    EXPECT_EQ(ack->value("type", ""), "subscribed");
    EXPECT_TRUE((*ack)["req_id"].is_null());
    const auto snap = on_channel(*c, "book:" + symbol);
    ASSERT_TRUE(snap);
    EXPECT_EQ((*snap)["type"], "snapshot");
    EXPECT_EQ((*snap)["seq"], 1);
    EXPECT_EQ((*snap)["symbol"], symbol);
    EXPECT_TRUE((*snap)["bids"].empty());
    EXPECT_TRUE((*snap)["asks"].empty());

    ASSERT_EQ(place(vendor, "sell", "12.00", 4).status, 201u);
    auto u = on_channel(*c, "book:" + symbol);
    ASSERT_TRUE(u);
    EXPECT_EQ((*u)["type"], "update");
    EXPECT_EQ((*u)["seq"], 2);
    EXPECT_EQ((*u)["asks"], json::parse(R"([["12.00",4]])"));
    EXPECT_TRUE((*u)["bids"].empty());
    const uint64_t first_event = (*u)["event_seq"];

    ASSERT_EQ(place(vendor, "sell", "12.10", 2).status, 201u);
    u = on_channel(*c, "book:" + symbol);
    ASSERT_TRUE(u);
    EXPECT_EQ((*u)["seq"], 3);
    EXPECT_EQ((*u)["asks"], json::parse(R"([["12.10",2]])"));

    // A bid that sweeps the first level and part of the second: one update with both levels'
    // new totals (0: gone), as the REST book then shows.
    const http_result buy = place(buyer, "buy", "12.10", 5);
    ASSERT_EQ(buy.status, 201u) << buy.body;
    u = on_channel(*c, "book:" + symbol);
    ASSERT_TRUE(u);
    EXPECT_EQ((*u)["seq"], 4);
    EXPECT_EQ((*u)["asks"], json::parse(R"([["12.00",0],["12.10",1]])"));
    EXPECT_GT((*u)["event_seq"].get<uint64_t>(), first_event);
    const http_result book = ex->get("/v1/book/" + symbol);
    EXPECT_EQ(book.json()["asks"], json::parse(R"([["12.10",1]])"));
    EXPECT_EQ(book.json()["seq"], (*u)["event_seq"]);

    // A second subscriber starts from a snapshot of the book as it is now.
    auto d = open();
    ASSERT_TRUE(subscribe(*d, {"book:" + symbol}));
    const auto snap2 = on_channel(*d, "book:" + symbol);
    ASSERT_TRUE(snap2);
    EXPECT_EQ((*snap2)["seq"], 1);
    EXPECT_EQ((*snap2)["asks"], json::parse(R"([["12.10",1]])"));
    EXPECT_EQ((*snap2)["event_seq"], (*u)["event_seq"]);

    // Unsubscribed: no more updates (a ping's pong is the next message).
    const auto off = ask(*c, json{{"op", "unsubscribe"}, {"channels", {"book:" + symbol}}});
    ASSERT_TRUE(off);
    EXPECT_EQ((*off)["type"], "unsubscribed");
    ASSERT_EQ(place(vendor, "sell", "12.20", 1).status, 201u);
    ASSERT_TRUE(on_channel(*d, "book:" + symbol));  // d still gets it
    const auto pong = ask(*c, json{{"op", "ping"}, {"req_id", "p"}});
    ASSERT_TRUE(pong);
    EXPECT_EQ((*pong)["type"], "pong");
    EXPECT_EQ((*pong)["req_id"], "p");
}

TEST_F(Stream, TradesChannelShowsTheTapeWithoutIdentitiesSharedByEverySubscriber) {
    ASSERT_EQ(place(vendor, "sell", "12.00", 4).status, 201u);
    ASSERT_EQ(place(buyer, "buy", "12.00", 1).status, 201u);  // a trade before subscribing
    auto a = open();
    auto b = open();
    for (auto* c : {a.get(), b.get()}) {
        ASSERT_TRUE(subscribe(*c, {"trades:" + symbol}));
        const auto snap = on_channel(*c, "trades:" + symbol);
        ASSERT_TRUE(snap);
        EXPECT_EQ((*snap)["type"], "snapshot");
        ASSERT_EQ((*snap)["trades"].size(), 1u);
        EXPECT_EQ((*snap)["trades"][0]["qty"], 1);
    }
    ASSERT_EQ(place(buyer, "buy", "12.50", 3).status, 201u);
    std::string texts[2];
    int i = 0;
    for (auto* c : {a.get(), b.get()}) {
        const auto u = on_channel(*c, "trades:" + symbol);
        ASSERT_TRUE(u);
        texts[i++] = c->last_event().text;
        EXPECT_EQ((*u)["seq"], 2);
        ASSERT_EQ((*u)["trades"].size(), 1u);
        const json& t = (*u)["trades"][0];
        EXPECT_EQ(t["price"], "12.00");
        EXPECT_EQ(t["qty"], 3);
        EXPECT_EQ(t["side"], "buy");
        EXPECT_FALSE(t.contains("buyer_id"));
        EXPECT_FALSE(t.contains("order_id"));
    }
    // Serialized once: both subscribers got the same bytes (their seqs are equal here).
    EXPECT_EQ(texts[0], texts[1]);
}

TEST_F(Stream, PrivateChannelsNeedAuthAndShowOnlyTheOwnersOrdersAndFills) {
    auto v = open();
    auto refused = subscribe(*v, {"orders"});
    ASSERT_TRUE(refused);
    EXPECT_EQ((*refused)["type"], "error");
    EXPECT_EQ((*refused)["error"]["code"], "UNAUTHORIZED");
    EXPECT_EQ((*refused)["status"], 401);
    // Bad signature, stale timestamp, unknown key: refused, the connection stays.
    auto r = v->auth(vendor.key, std::string(64, '0'));
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)["error"]["code"], "UNAUTHORIZED");
    EXPECT_EQ((*r)["error"]["field"], "sign");
    r = v->auth(vendor.key, vendor.secret, -6000);
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)["error"]["field"], "ts");
    r = v->auth("ck_0000000000000000", vendor.secret);
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)["error"]["field"], "key");
    r = v->auth(vendor.key, vendor.secret);
    ASSERT_TRUE(r);
    ex->expect_schema_json(*r, "stream_ack.json");
    EXPECT_EQ((*r)["type"], "authenticated");
    EXPECT_EQ((*r)["participant_id"], vendor.participant_id);
    EXPECT_EQ((*r)["roles"], json::parse(R"(["vendor"])"));
    r = v->auth(vendor.key, vendor.secret);  // once per connection
    EXPECT_EQ((*r)["error"]["code"], "BAD_REQUEST");

    ASSERT_EQ(place(vendor, "sell", "12.50", 1).status, 201u);  // open before subscribing
    ASSERT_TRUE(subscribe(*v, {"orders", "fills"}));
    auto snap = on_channel(*v, "orders");
    ASSERT_TRUE(snap);
    EXPECT_EQ((*snap)["type"], "snapshot");
    ASSERT_EQ((*snap)["orders"].size(), 1u);
    EXPECT_EQ((*snap)["orders"][0]["price"], "12.50");
    snap = on_channel(*v, "fills");
    ASSERT_TRUE(snap);
    EXPECT_TRUE((*snap)["fills"].empty());

    // The buyer's stream sees none of the vendor's updates.
    auto b = open();
    ASSERT_TRUE(b->auth(buyer.key, buyer.secret));
    ASSERT_TRUE(subscribe(*b, {"orders"}));
    ASSERT_TRUE(on_channel(*b, "orders"));

    const http_result sell = place(vendor, "sell", "12.00", 4, R"("client_order_id":"v-1")");
    ASSERT_EQ(sell.status, 201u);
    auto u = on_channel(*v, "orders");
    ASSERT_TRUE(u);
    EXPECT_EQ((*u)["seq"], 2);
    ASSERT_EQ((*u)["orders"].size(), 1u);
    EXPECT_EQ((*u)["orders"][0]["order_id"], sell.json()["order_id"]);
    EXPECT_EQ((*u)["orders"][0]["status"], "open");
    EXPECT_EQ((*u)["orders"][0]["client_order_id"], "v-1");

    ASSERT_EQ(place(buyer, "buy", "12.00", 3).status, 201u);
    // One command: an update on each channel (in no promised order between channels).
    std::map<std::string, json> got;
    while (got.size() < 2) {
        const auto m = wait(*v, [](const json& j) { return j.contains("channel"); });
        ASSERT_TRUE(m) << v->last_event().error;
        got[(*m)["channel"]] = *m;
    }
    u = got["orders"];
    EXPECT_EQ((*u)["seq"], 3);
    ASSERT_EQ((*u)["orders"].size(), 1u);
    EXPECT_EQ((*u)["orders"][0]["status"], "partially_filled");
    EXPECT_EQ((*u)["orders"][0]["filled_qty"], 3);
    const std::optional<json> f = got["fills"];
    EXPECT_EQ((*f)["seq"], 2);
    ASSERT_EQ((*f)["fills"].size(), 1u);
    EXPECT_EQ((*f)["fills"][0]["side"], "sell");
    EXPECT_EQ((*f)["fills"][0]["liquidity"], "maker");
    EXPECT_EQ((*f)["fills"][0]["order_id"], sell.json()["order_id"]);

    // The buyer's own stream shows its own (filled) order and nothing of the vendor's.
    const auto mine = on_channel(*b, "orders");
    ASSERT_TRUE(mine);
    ASSERT_EQ((*mine)["orders"].size(), 1u);
    EXPECT_EQ((*mine)["orders"][0]["side"], "buy");
    EXPECT_EQ((*mine)["orders"][0]["status"], "filled");
}

TEST_F(Stream, OrderAndCancelOverTheStreamAnswerWithTheirReqId) {
    auto v = open();
    const json order = {
        {"op", "order"},    {"req_id", "s-1"}, {"symbol", symbol},         {"side", "sell"},
        {"price", "12.00"}, {"qty", 4},        {"client_order_id", "vs-1"}};
    // Before auth: refused.
    auto r = ask(*v, order);
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)["error"]["code"], "UNAUTHORIZED");
    EXPECT_EQ((*r)["req_id"], "s-1");
    ASSERT_TRUE(v->auth(vendor.key, vendor.secret));

    r = ask(*v, order);
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)["type"], "result");
    EXPECT_EQ((*r)["op"], "order");
    EXPECT_EQ((*r)["req_id"], "s-1");
    EXPECT_EQ((*r)["status"], 201);
    ex->expect_schema_json((*r)["result"], "order_placed.json");
    EXPECT_EQ((*r)["result"]["status"], "open");
    const std::string id = (*r)["result"]["order_id"];
    // The same client_order_id again: the original result, not a second order.
    json again = order;
    again["req_id"] = 2;
    r = ask(*v, again);
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)["req_id"], 2);
    EXPECT_EQ((*r)["result"]["order_id"], id);
    EXPECT_EQ(ex->call(vendor, "GET", "/v1/orders").json().size(), 1u);

    // A buy the buyer cannot fund: the engine's code, with the REST status.
    auto b = open();
    ASSERT_TRUE(b->auth(buyer.key, buyer.secret));
    r = ask(*b, json{{"op", "order"},
                     {"req_id", "big"},
                     {"symbol", symbol},
                     {"side", "buy"},
                     {"price", "17.00"},
                     {"qty", 100000}});
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)["type"], "error");
    EXPECT_EQ((*r)["req_id"], "big");
    EXPECT_EQ((*r)["status"], 409);
    EXPECT_EQ((*r)["error"]["code"], "INSUFFICIENT_FUNDS");
    // A vendor may not buy; a decoding error names its field.
    r = ask(*v, json{{"op", "order"},
                     {"req_id", 3},
                     {"symbol", symbol},
                     {"side", "buy"},
                     {"price", "12.00"},
                     {"qty", 1}});
    EXPECT_EQ((*r)["error"]["code"], "FORBIDDEN");
    r = ask(*v,
            json{{"op", "order"},
                 {"req_id", 4},
                 {"symbol", symbol},
                 {"side", "sell"},
                 {"price", "12.001"},
                 {"qty", 1}},
            false);
    EXPECT_EQ((*r)["error"]["code"], "INVALID_PRICE");
    EXPECT_EQ((*r)["error"]["field"], "price");
    EXPECT_EQ((*r)["req_id"], 4);
    r = ask(
        *v,
        json{{"op", "order"}, {"symbol", symbol}, {"side", "sell"}, {"price", "12.00"}, {"qty", 1}},
        false);
    EXPECT_EQ((*r)["error"]["field"], "req_id");
    EXPECT_TRUE((*r)["req_id"].is_null());

    // Cancel: the order's final state; another participant's order is not found.
    r = ask(*b, json{{"op", "cancel"}, {"order_id", id}, {"req_id", "c-b"}});
    EXPECT_EQ((*r)["status"], 404);
    EXPECT_EQ((*r)["error"]["code"], "NOT_FOUND");
    r = ask(*v, json{{"op", "cancel"}, {"order_id", id}, {"req_id", "c-1"}});
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)["type"], "result");
    EXPECT_EQ((*r)["op"], "cancel");
    EXPECT_EQ((*r)["req_id"], "c-1");
    EXPECT_EQ((*r)["status"], 200);
    ex->expect_schema_json((*r)["result"], "order.json");
    EXPECT_EQ((*r)["result"]["status"], "cancelled");
}

TEST_F(Stream, ManyOrdersInFlightAreEachAnsweredByReqId) {
    auto b = open();
    ASSERT_TRUE(b->auth(buyer.key, buyer.secret));
    // More than a session's lanes at once: reading pauses while all are in flight.
    constexpr int n = 40;
    for (int i = 0; i < n; ++i) {
        ASSERT_TRUE(b->send_json(json{{"op", "order"},
                                      {"req_id", i},
                                      {"symbol", symbol},
                                      {"side", "buy"},
                                      {"price", "9.00"},
                                      {"qty", 1}}));
    }
    std::map<int, std::string> ids;
    for (int i = 0; i < n; ++i) {
        const auto r = next(*b);
        ASSERT_TRUE(r) << i << ": " << b->last_event().error;
        ASSERT_EQ((*r)["type"], "result") << r->dump();
        ids[(*r)["req_id"].get<int>()] = (*r)["result"]["order_id"];
    }
    EXPECT_EQ(ids.size(), static_cast<std::size_t>(n));
    const http_result book = ex->get("/v1/book/" + symbol);
    EXPECT_EQ(book.json()["bids"], json::parse(R"([["9.00",40]])"));
}

TEST_F(Stream, SeqIsGaplessPerChannelAcrossManyUpdates) {
    auto c = open();
    ASSERT_TRUE(subscribe(*c, {"book:" + symbol, "trades:" + symbol}));
    constexpr int n = 400;
    flood(n, 50);
    // Rebuild the book from the snapshot and the absolute updates; it must equal the REST book.
    std::map<std::string, int64_t> bids;
    std::map<std::string, int64_t> last_seq;
    int updates = 0;
    while (updates < n) {
        const auto m = on_channel(*c, "book:" + symbol, 10s);
        ASSERT_TRUE(m) << "after " << updates << " updates: " << c->last_event().error;
        const int64_t seq = (*m)["seq"];
        if ((*m)["type"] == "snapshot") {
            EXPECT_EQ(seq, 1);
        } else {
            EXPECT_EQ(seq, last_seq["book"] + 1) << "a gap";
            ++updates;
        }
        last_seq["book"] = seq;
        for (const json& l : (*m)["bids"]) {
            if (l[1] == 0) {
                bids.erase(l[0]);
            } else {
                bids[l[0]] = l[1];
            }
        }
    }
    EXPECT_EQ(last_seq["book"], n + 1);
    json rebuilt = json::array();
    for (auto it = bids.rbegin(); it != bids.rend(); ++it) {
        rebuilt.push_back(json::array({it->first, it->second}));
    }
    const http_result book = ex->get("/v1/book/" + symbol + "?depth=500");
    EXPECT_EQ(book.json()["bids"], rebuilt);
    // The tape channel saw no trade: its snapshot only.
    const auto ping = ask(*c, json{{"op", "ping"}});
    ASSERT_TRUE(ping);
}

}  // namespace
}  // namespace cux::gateway::test
