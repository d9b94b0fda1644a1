// Trading over TLS: placing, matching, cancelling, replacing and listing orders, fills, the book
// and tape they leave, engine rejections with their codes, and idempotent client_order_id
// retries (also concurrent ones, also across connections).

#include <gtest/gtest.h>

#include <thread>

#include "tests/gateway/support/harness.hpp"

namespace cux::gateway::test {
namespace {

class Trading : public GatewayTest {
protected:
    void SetUp() override {
        GatewayTest::SetUp();
        ex->open_market();
        symbol = ex->open_symbol();
        vendor = ex->add_participant("vendor-a", {"vendor"});
        buyer = ex->add_participant("buyer-a", {"buyer"});
        ex->deposit(buyer, "10000.00");
        ex->register_capacity(vendor, symbol, 10);
    }

    http_result place(const credentials& who, const std::string& side, const std::string& price,
                      int qty, const std::string& extra = "") {
        const std::string body = order_body(symbol, side, price, qty, extra);
        const http_result r = ex->call(who, "POST", "/v1/orders", body);
        if (r.status == 201) {
            ex->expect_schema_json(nlohmann::json::parse(body), "order_request.json");
            ex->expect_schema(r, "order_placed.json");
        }
        return r;
    }

    std::string symbol;
    credentials vendor;
    credentials buyer;
};

TEST_F(Trading, CrossingOrdersTradeAndShowEverywhere) {
    const http_result sell = place(vendor, "sell", "12.00", 4, R"("client_order_id":"s-1")");
    ASSERT_EQ(sell.status, 201u) << sell.body;
    EXPECT_EQ(sell.json()["status"], "open");
    EXPECT_EQ(sell.json()["client_order_id"], "s-1");
    EXPECT_EQ(sell.json()["filled_qty"], 0);
    EXPECT_TRUE(sell.json()["avg_price"].is_null());
    const std::string sell_id = sell.json()["order_id"];

    const http_result buy = place(buyer, "buy", "12.50", 3);
    ASSERT_EQ(buy.status, 201u) << buy.body;
    const auto b = buy.json();
    EXPECT_EQ(b["status"], "filled");
    EXPECT_EQ(b["filled_qty"], 3);
    EXPECT_EQ(b["avg_price"], "12.00");
    ASSERT_EQ(b["fills"].size(), 1u);
    EXPECT_EQ(b["fills"][0]["price"], "12.00");
    EXPECT_EQ(b["fills"][0]["qty"], 3);
    EXPECT_EQ(b["fills"][0]["liquidity"], "taker");
    EXPECT_TRUE(b["client_order_id"].is_null());
    EXPECT_GT(b["seq"].get<uint64_t>(), sell.json()["seq"].get<uint64_t>());

    const http_result book = ex->get("/v1/book/" + symbol);
    EXPECT_EQ(book.json()["asks"], nlohmann::json::parse(R"([["12.00",1]])"));
    EXPECT_TRUE(book.json()["bids"].empty());
    ex->expect_schema(book, "book.json");
    const http_result tape = ex->get("/v1/trades/" + symbol);
    ASSERT_EQ(tape.json().size(), 1u);
    EXPECT_EQ(tape.json()[0]["side"], "buy");
    EXPECT_EQ(tape.json()[0]["qty"], 3);
    EXPECT_FALSE(tape.json()[0].contains("buyer_id"));  // no identities on the tape
    ex->expect_schema(tape, "trades.json");

    const http_result open = ex->call(vendor, "GET", "/v1/orders");
    ASSERT_EQ(open.status, 200u);
    ASSERT_EQ(open.json().size(), 1u);
    EXPECT_EQ(open.json()[0]["order_id"], sell_id);
    EXPECT_EQ(open.json()[0]["status"], "partially_filled");
    EXPECT_EQ(open.json()[0]["remaining_qty"], 1);
    ex->expect_schema(open, "orders.json");
    EXPECT_TRUE(ex->call(buyer, "GET", "/v1/orders?status=open").json().empty());
    const http_result all = ex->call(buyer, "GET", "/v1/orders?status=all&symbol=" + symbol);
    ASSERT_EQ(all.json().size(), 1u);
    EXPECT_EQ(all.json()[0]["status"], "filled");
    EXPECT_EQ(all.json()[0]["done_reason"], "filled");

    const http_result fills = ex->call(vendor, "GET", "/v1/fills");
    ASSERT_EQ(fills.json().size(), 1u);
    EXPECT_EQ(fills.json()[0]["liquidity"], "maker");
    EXPECT_EQ(fills.json()[0]["side"], "sell");
    EXPECT_EQ(fills.json()[0]["order_id"], sell_id);
    ex->expect_schema(fills, "fills.json");

    const http_result shown = ex->call(vendor, "GET", "/v1/orders/" + sell_id);
    ASSERT_EQ(shown.status, 200u);
    ex->expect_schema(shown, "order.json");
    const http_result cancelled = ex->call(vendor, "DELETE", "/v1/orders/" + sell_id);
    ASSERT_EQ(cancelled.status, 200u) << cancelled.body;
    EXPECT_EQ(cancelled.json()["status"], "cancelled");
    EXPECT_EQ(cancelled.json()["filled_qty"], 3);
    EXPECT_EQ(cancelled.json()["remaining_qty"], 0);
    ex->expect_schema(cancelled, "order.json");
    EXPECT_TRUE(ex->get("/v1/book/" + symbol).json()["asks"].empty());
    EXPECT_EQ(ex->call(vendor, "DELETE", "/v1/orders/" + sell_id).code(), "NOT_FOUND");
}

TEST_F(Trading, ReplaceKeepsOrLosesPriorityAndMayTrade) {
    const http_result bid = place(buyer, "buy", "11.00", 2);
    ASSERT_EQ(bid.status, 201u) << bid.body;
    const std::string id = bid.json()["order_id"];
    const std::string body = R"({"qty":1})";
    const http_result down = ex->call(buyer, "PATCH", "/v1/orders/" + id, body);
    ASSERT_EQ(down.status, 200u) << down.body;
    EXPECT_EQ(down.json()["remaining_qty"], 1);
    EXPECT_EQ(down.json()["price"], "11.00");
    ex->expect_schema(down, "order.json");
    ex->expect_schema_json(nlohmann::json::parse(body), "order_replace_request.json");
    ASSERT_EQ(place(vendor, "sell", "11.50", 1).status, 201u);
    const http_result up = ex->call(buyer, "PATCH", "/v1/orders/" + id, R"({"price":"11.50"})");
    ASSERT_EQ(up.status, 200u) << up.body;
    EXPECT_EQ(up.json()["status"], "filled");
    EXPECT_EQ(up.json()["avg_price"], "11.50");
    EXPECT_EQ(ex->call(buyer, "PATCH", "/v1/orders/" + id, R"({"qty":1})").code(), "NOT_FOUND");
    EXPECT_EQ(ex->call(buyer, "PATCH", "/v1/orders/" + id, "{}").code(), "BAD_REQUEST");
}

TEST_F(Trading, EngineRejectionsHaveStableCodes) {
    struct reject_case {
        std::string side;
        std::string price;
        int qty;
        std::string extra;
        unsigned status;
        std::string code;
        std::string field;
    };
    const std::vector<reject_case> cases = {
        {"buy", "12.00", 100000, "", 409, "INSUFFICIENT_FUNDS", "price"},
        {"sell", "12.00", 11, "", 409, "INSUFFICIENT_CAPACITY", "qty"},
        {"buy", "30.00", 1, "", 400, "PRICE_OUT_OF_BAND", "price"},
        {"buy", "12.00", 1, R"("tif":"fok","post_only":true)", 400, "BAD_REQUEST", ""},
        {"buy", "12.00", 1, R"("origin_region":"west1","data_gb":-1)", 400, "INVALID_DATA_VOLUME",
         "data_gb"},
    };
    for (const reject_case& c : cases) {
        const http_result r =
            place(c.side == "buy" ? buyer : vendor, c.side, c.price, c.qty, c.extra);
        EXPECT_EQ(r.status, c.status) << c.code << ": " << r.body;
        EXPECT_EQ(r.code(), c.code) << r.body;
        const auto field = r.json()["error"]["field"];
        EXPECT_EQ(field.is_null() ? "" : field.get<std::string>(), c.field) << r.body;
    }
    ASSERT_EQ(place(vendor, "sell", "12.00", 1).status, 201u);
    const http_result cross = place(buyer, "buy", "12.00", 1, R"("post_only":true)");
    EXPECT_EQ(cross.status, 409u);
    EXPECT_EQ(cross.code(), "POST_ONLY_WOULD_CROSS");
    const http_result nothing = place(vendor, "sell", "12.00", 1, R"("type":"market")");
    EXPECT_EQ(nothing.code(), "BAD_REQUEST");  // a market order takes no price
    const http_result market =
        ex->call(vendor, "POST", "/v1/orders",
                 R"({"symbol":")" + symbol + R"(","side":"sell","type":"market","qty":1})");
    EXPECT_EQ(market.status, 409u) << market.body;
    EXPECT_EQ(market.code(), "NO_LIQUIDITY");
    // A window that was never listed (long gone).
    const http_result gone = ex->call(buyer, "POST", "/v1/orders",
                                      order_body("gpu1.east1.20000101T00.1h", "buy", "12.00", 1));
    EXPECT_EQ(gone.code(), "UNKNOWN_INSTRUMENT");
}

TEST_F(Trading, PhasesRefuseWhatTheyDoNotAllow) {
    ASSERT_EQ(place(buyer, "buy", "11.00", 1).status, 201u);
    // Two hours on: the window's gate has closed (its resting orders expired); newer windows
    // were listed and are collecting orders for their opening auction.
    ex->advance(std::chrono::hours(2));
    const http_result closed = place(buyer, "buy", "11.00", 1);
    EXPECT_EQ(closed.status, 409u) << closed.body;
    EXPECT_EQ(closed.code(), "MARKET_CLOSED");
    EXPECT_EQ(closed.json()["error"]["field"], "symbol");
    const http_result expired = ex->call(buyer, "GET", "/v1/orders?status=all");
    ASSERT_EQ(expired.json().size(), 1u);
    EXPECT_EQ(expired.json()[0]["done_reason"], "expired");
    const http_result fresh = ex->get("/v1/instruments?status=pre_open&chip=gpu1&region=east1");
    ASSERT_FALSE(fresh.json().empty());
    const std::string later = fresh.json()[0]["symbol"];
    const http_result ioc = ex->call(buyer, "POST", "/v1/orders",
                                     order_body(later, "buy", "11.00", 1, R"("tif":"ioc")"));
    EXPECT_EQ(ioc.status, 409u) << ioc.body;
    EXPECT_EQ(ioc.code(), "NOT_ALLOWED_IN_PHASE");
    const http_result gtc =
        ex->call(buyer, "POST", "/v1/orders", order_body(later, "buy", "11.00", 1));
    EXPECT_EQ(gtc.status, 201u) << gtc.body;
    EXPECT_EQ(gtc.json()["status"], "open");
}

TEST_F(Trading, BadOrderBodiesAre400WithAField) {
    struct bad_case {
        std::string body;
        std::string code;
        std::string field;
    };
    const std::string s = R"("symbol":")" + symbol + R"(")";
    const std::vector<bad_case> cases = {
        {"{", "BAD_REQUEST", ""},
        {"[]", "BAD_REQUEST", ""},
        {"{" + s + R"(,"side":"buy","price":"12.345","qty":1})", "INVALID_PRICE", "price"},
        {"{" + s + R"(,"side":"buy","price":"12.3.4","qty":1})", "INVALID_PRICE", "price"},
        {"{" + s + R"(,"side":"buy","price":"-1.00","qty":1})", "INVALID_PRICE", "price"},
        {"{" + s + R"(,"side":"buy","price":"0","qty":1})", "INVALID_PRICE", "price"},
        {"{" + s + R"(,"side":"buy","price":"1e3","qty":1})", "INVALID_PRICE", "price"},
        {"{" + s + R"(,"side":"buy","price":12.34,"qty":1})", "BAD_REQUEST", "price"},
        {"{" + s + R"(,"side":"buy","price":"12.00","qty":0})", "INVALID_QTY", "qty"},
        {"{" + s + R"(,"side":"buy","price":"12.00","qty":-3})", "INVALID_QTY", "qty"},
        {"{" + s + R"(,"side":"buy","price":"12.00","qty":1.5})", "BAD_REQUEST", "qty"},
        {"{" + s + R"(,"side":"buy","price":"12.00","qty":"1"})", "BAD_REQUEST", "qty"},
        {"{" + s + R"(,"side":"buy","price":"12.00","qty":99999999999999999999})", "BAD_REQUEST",
         "qty"},
        {"{" + s + R"(,"side":"up","price":"12.00","qty":1})", "BAD_REQUEST", "side"},
        {"{" + s + R"(,"price":"12.00","qty":1})", "BAD_REQUEST", "side"},
        {"{" + s + R"(,"side":"buy","price":"12.00","qty":1,"colour":"red"})", "UNKNOWN_FIELD",
         "colour"},
        {"{" + s + R"(,"side":"buy","side":"sell","price":"12.00","qty":1})", "BAD_REQUEST",
         "side"},
        {"{" + s + R"(,"side":"buy","price":"12.00","qty":1,"x":[[[[[[[[[1]]]]]]]]]})",
         "BAD_REQUEST", ""},
        {R"({"symbol":"nope.east1.20300101T00.1h","side":"buy","price":"12.00","qty":1})",
         "UNKNOWN_INSTRUMENT", "symbol"},
        {"{" + s + R"(,"side":"buy","price":"12.00","qty":1,"origin_region":"mars"})",
         "UNKNOWN_REGION", "origin_region"},
        {"{" + s + R"(,"side":"buy","price":"12.00","qty":1,"client_order_id":"a b"})",
         "BAD_REQUEST", "client_order_id"},
        {"{" + s + R"(,"side":"buy","price":"12.00","qty":1,"post_only":"yes"})", "BAD_REQUEST",
         "post_only"},
    };
    for (const bad_case& c : cases) {
        const http_result r = ex->call(buyer, "POST", "/v1/orders", c.body);
        EXPECT_EQ(r.status, 400u) << c.body << " -> " << r.body;
        EXPECT_EQ(r.code(), c.code) << c.body << " -> " << r.body;
        const auto field = r.json()["error"]["field"];
        EXPECT_EQ(field.is_null() ? "" : field.get<std::string>(), c.field) << c.body;
    }
    // Nothing reached the engine, and the server still serves.
    EXPECT_TRUE(ex->call(buyer, "GET", "/v1/orders?status=all").json().empty());
    EXPECT_EQ(ex->get("/healthz").status, 200u);
}

TEST_F(Trading, ClientOrderIdRetryReturnsTheOriginalResult) {
    ASSERT_EQ(place(vendor, "sell", "12.00", 2).status, 201u);
    const http_result first = place(buyer, "buy", "12.00", 1, R"("client_order_id":"b-42")");
    ASSERT_EQ(first.status, 201u) << first.body;
    // A retry on another connection, after the book has changed: the same answer, no order.
    ASSERT_EQ(place(vendor, "sell", "11.00", 1).status, 201u);
    auto other = ex->connect();
    const std::string body = order_body(symbol, "buy", "12.00", 1, R"("client_order_id":"b-42")");
    const http_result again = other->request(
        "POST", "/v1/orders", body, test_exchange::sign(buyer, "POST", "/v1/orders", body));
    EXPECT_EQ(again.status, 201u);
    EXPECT_EQ(again.body, first.body);
    EXPECT_EQ(ex->call(buyer, "GET", "/v1/orders?status=all").json().size(), 1u);
    // The same id for another participant is another order.
    const credentials other_buyer = ex->add_participant("buyer-b", {"buyer"});
    ex->deposit(other_buyer, "100.00");
    const http_result theirs = place(other_buyer, "buy", "11.00", 1, R"("client_order_id":"b-42")");
    EXPECT_EQ(theirs.status, 201u);
    EXPECT_NE(theirs.json()["order_id"], first.json()["order_id"]);
    // A rejected order's retry returns the same rejection.
    const http_result poor = place(other_buyer, "buy", "12.00", 9, R"("client_order_id":"p-1")");
    EXPECT_EQ(poor.code(), "INSUFFICIENT_FUNDS");
    ex->deposit(other_buyer, "5000.00");
    EXPECT_EQ(place(other_buyer, "buy", "12.00", 9, R"("client_order_id":"p-1")").body, poor.body);
}

TEST_F(Trading, ConcurrentRetriesMakeOneOrder) {
    const std::string body = order_body(symbol, "buy", "10.00", 1, R"("client_order_id":"race")");
    constexpr int n = 8;
    std::vector<std::unique_ptr<connection>> conns;
    for (int i = 0; i < n; ++i) conns.push_back(ex->connect());
    std::vector<http_result> results(n);
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) {
        threads.emplace_back([&, i] {
            results[static_cast<std::size_t>(i)] = conns[static_cast<std::size_t>(i)]->request(
                "POST", "/v1/orders", body, test_exchange::sign(buyer, "POST", "/v1/orders", body));
        });
    }
    for (auto& t : threads) t.join();
    for (const http_result& r : results) {
        EXPECT_EQ(r.status, 201u) << r.body;
        EXPECT_EQ(r.body, results[0].body);
    }
    EXPECT_EQ(ex->call(buyer, "GET", "/v1/orders?status=all").json().size(), 1u);
}

TEST_F(Trading, ListsPageNewestFirstWithCursors) {
    for (int i = 0; i < 5; ++i) {
        ASSERT_EQ(place(buyer, "buy", "10.0" + std::to_string(i), 1).status, 201u);
    }
    const http_result page1 = ex->call(buyer, "GET", "/v1/orders?limit=2");
    ASSERT_EQ(page1.json().size(), 2u);
    EXPECT_EQ(page1.json()[0]["price"], "10.04");
    const uint64_t cursor = page1.json()[1]["seq"];
    const http_result page2 =
        ex->call(buyer, "GET", "/v1/orders?limit=2&cursor=" + std::to_string(cursor));
    ASSERT_EQ(page2.json().size(), 2u);
    EXPECT_EQ(page2.json()[0]["price"], "10.02");
    EXPECT_EQ(ex->call(buyer, "GET", "/v1/orders?limit=0").code(), "BAD_REQUEST");
    EXPECT_EQ(ex->call(buyer, "GET", "/v1/orders?status=closed").code(), "BAD_REQUEST");
    EXPECT_EQ(ex->call(buyer, "GET", "/v1/orders?symbol=x").code(), "UNKNOWN_INSTRUMENT");
    EXPECT_EQ(ex->call(buyer, "GET", "/v1/orders?sort=asc").code(), "UNKNOWN_FIELD");
}

}  // namespace
}  // namespace cux::gateway::test
