#pragma once
// The fixture of the stream's integration tests: an open market with a vendor (capacity in the
// first open gpu1/east1 hour) and a funded buyer, WebSocket clients of /v1/stream, and every
// stream message a test receives recorded for validation against its schema in schemas/api/.

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "engine/symbol.hpp"
#include "tests/gateway/support/harness.hpp"

namespace cux::gateway::test {

using nlohmann::json;

// The schema of a server -> client stream message.
inline std::string stream_schema(const json& m) {
    const std::string channel = m.value("channel", "");
    if (channel.starts_with("book:")) return "stream_book.json";
    if (channel.starts_with("trades:")) return "stream_trades.json";
    if (channel == "orders") return "stream_orders.json";
    if (channel == "fills") return "stream_fills.json";
    if (channel.starts_with("bars:")) return "stream_bars.json";
    if (channel == "index") return "stream_index.json";
    if (channel == "alerts") return "stream_alerts.json";
    const std::string type = m.value("type", "");
    if (type == "heartbeat") return "stream_heartbeat.json";
    if (type == "result") return "stream_result.json";
    if (type == "error") return "stream_error.json";
    return "stream_ack.json";
}

class StreamTest : public GatewayTest {
protected:
    void SetUp() override {
        GatewayTest::SetUp();
        ex->open_market();
        symbol = ex->open_symbol();
        vendor = ex->add_participant("vendor-s", {"vendor"});
        buyer = ex->add_participant("buyer-s", {"buyer"});
        ex->deposit(buyer, "100000.00");
        ex->register_capacity(vendor, symbol, 10);
    }

    http_result place(const credentials& who, const std::string& side, const std::string& price,
                      int qty, const std::string& extra = "") {
        return ex->call(who, "POST", "/v1/orders", order_body(symbol, side, price, qty, extra));
    }

    std::unique_ptr<ws_client> open(ws_options o = {}) { return ex->stream(std::move(o)); }

    // The next message on `c` that `want` accepts (heartbeats included only if it takes them);
    // every message seen on the way is recorded for schema validation.
    std::optional<json> wait(ws_client& c, const std::function<bool(const json&)>& want,
                             std::chrono::milliseconds timeout = 5s) {
        return c.until(
            [&](const json& m) {
                ex->expect_schema_json(m, stream_schema(m));
                return want(m);
            },
            timeout);
    }
    std::optional<json> next(ws_client& c, std::chrono::milliseconds timeout = 5s) {
        return wait(
            c, [](const json& m) { return m.value("type", "") != "heartbeat"; }, timeout);
    }
    std::optional<json> on_channel(ws_client& c, const std::string& channel,
                                   std::chrono::milliseconds timeout = 5s) {
        return wait(
            c, [&](const json& m) { return m.value("channel", "") == channel; }, timeout);
    }
    // Sends `m` (recorded against its request schema: valid, or refused when valid_request is
    // false) and returns the next reply.
    std::optional<json> ask(ws_client& c, const json& m, bool valid_request = true) {
        const std::string op = m.value("op", "");
        const std::string schema =
            op == "unsubscribe" ? "stream_subscribe.json" : "stream_" + op + ".json";
        if (valid_request) {
            ex->expect_schema_json(m, schema);
        } else {
            ex->expect_schema_refused(m, schema);
        }
        EXPECT_TRUE(c.send_json(m));
        return wait(c, [](const json& r) {
            return r.contains("type") && !r.contains("channel") && r["type"] != "heartbeat";
        });
    }
    std::optional<json> subscribe(ws_client& c, const std::vector<std::string>& channels) {
        return ask(c, json{{"op", "subscribe"}, {"channels", channels}});
    }

    // Buy orders straight into the engine's command ring (no gateway), as fast as it takes them:
    // a lot of market data for the stream. Prices cycle through `levels` ticks from 8.00 up.
    void flood(int n, int levels = 1) {
        const auto key = engine::parse_symbol(ex->market(), symbol);
        ASSERT_TRUE(key.has_value());
        for (int i = 0; i < n; ++i) {
            engine::command c;
            c.type = engine::command_type::place_order;
            c.actor =
                engine::participant_id(static_cast<uint32_t>(std::stoul(buyer.participant_id)));
            engine::place_order_body& b = c.body.place;
            b.instrument = engine::pack(*key);
            b.sd = engine::side::buy;
            b.type = engine::order_type::limit;
            b.tif = engine::time_in_force::gtc;
            b.origin_region = engine::origin_none;
            b.price = engine::price_fen(800 + i % levels);
            b.qty = engine::qty_devices(1);
            ASSERT_TRUE(ex->pipeline().submit(c));
        }
    }

    std::string symbol;
    credentials vendor;
    credentials buyer;
};

}  // namespace cux::gateway::test
