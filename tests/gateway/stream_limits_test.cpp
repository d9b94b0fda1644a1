// The stream's limits and bad input, each followed by proof that the server still serves: a
// consumer that stops reading is closed with "slow consumer" while another is served, a message
// over 64 KiB closes with 1009, malformed or unknown ops get error messages on a connection that
// stays usable, channels of later issues are refused by name, the heartbeat arrives, stream
// connections count against the connection cap, a stopping server closes streams with 1001, and
// plain ws:// works with insecure_http.

#include <gtest/gtest.h>

#include <thread>

#include "tests/gateway/support/stream_fixture.hpp"

namespace cux::gateway::test {
namespace {

class StreamLimits : public StreamTest {
protected:
    exchange_options options() override {
        exchange_options o;
        o.tweak = [](server_options& s) {
            s.heartbeat_interval = 100ms;
            // Above what one consumer batch can publish at once for one book, far below what a
            // flood of orders publishes.
            s.stream_queue_messages_max = 512;
            s.stream_queue_bytes_max = 64 * 1024;
            s.stream_socket_send_bytes = 16 * 1024;
            s.write_timeout = 5s;
            s.handshake_timeout = 5s;
            s.connections_per_ip_max = 8;
        };
        return o;
    }

    // An error reply to `text`, sent as is; its code.
    std::string refused(ws_client& c, const std::string& text) {
        EXPECT_TRUE(c.send(text));
        const auto r = next(c);
        if (!r) return "no reply: " + c.last_event().error;
        EXPECT_EQ((*r)["type"], "error") << text;
        return (*r)["error"].value("code", "") + ":" + (*r)["error"]["field"].dump();
    }
};

TEST_F(StreamLimits, HeartbeatArrivesAtTheConfiguredInterval) {
    auto c = open();
    const auto is_beat = [](const json& m) { return m.value("type", "") == "heartbeat"; };
    ASSERT_TRUE(wait(*c, is_beat, 2s));
    const auto started = std::chrono::steady_clock::now();
    ASSERT_TRUE(wait(*c, is_beat, 2s));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
}

TEST_F(StreamLimits, MalformedMessagesGetErrorsAndTheConnectionStaysUsable) {
    auto c = open();
    EXPECT_EQ(refused(*c, "{not json"), "BAD_REQUEST:null");
    EXPECT_EQ(refused(*c, "[1,2]"), "BAD_REQUEST:null");
    EXPECT_EQ(refused(*c, R"({"op":"ping","op":"ping"})"), "BAD_REQUEST:\"op\"");
    EXPECT_EQ(refused(*c, R"({"op":"ping","x":[[[[[[[[[[1]]]]]]]]]]})"), "BAD_REQUEST:null");
    EXPECT_EQ(refused(*c, R"({"op":"ping","colour":"red"})"), "UNKNOWN_FIELD:\"colour\"");
    EXPECT_EQ(refused(*c, R"({"op":"dance"})"), "BAD_REQUEST:\"op\"");
    EXPECT_EQ(refused(*c, R"({"op":7})"), "BAD_REQUEST:\"op\"");
    EXPECT_EQ(refused(*c, R"({"channels":["index"]})"), "BAD_REQUEST:\"op\"");
    EXPECT_EQ(refused(*c, R"({"op":"subscribe","channels":"book"})"), "BAD_REQUEST:\"channels\"");
    EXPECT_EQ(refused(*c, R"({"op":"subscribe","channels":[]})"), "BAD_REQUEST:\"channels\"");
    EXPECT_EQ(refused(*c, R"({"op":"ping","req_id":{"a":1}})"), "BAD_REQUEST:\"req_id\"");
    EXPECT_EQ(refused(*c, R"({"op":"ping","req_id":-1})"), "BAD_REQUEST:\"req_id\"");
    EXPECT_EQ(refused(*c, R"({"op":"cancel","order_id":"x","req_id":1})"),
              "BAD_REQUEST:\"order_id\"");
    EXPECT_EQ(refused(*c, R"({"op":"auth","key":"k","ts":"soon","sign":"s"})"),
              "BAD_REQUEST:\"ts\"");
    ASSERT_TRUE(c->send_binary(R"({"op":"ping"})"));
    const auto bin = next(*c);
    ASSERT_TRUE(bin);
    EXPECT_EQ((*bin)["error"]["code"], "BAD_REQUEST");
    // A reply names the op and req_id it could read.
    ASSERT_TRUE(c->send(R"({"op":"ping","req_id":"r-9","extra":true})"));
    const auto named = next(*c);
    ASSERT_TRUE(named);
    EXPECT_EQ((*named)["op"], "ping");
    EXPECT_EQ((*named)["req_id"], "r-9");
    const auto pong = ask(*c, json{{"op", "ping"}, {"req_id", 12}});
    ASSERT_TRUE(pong);
    EXPECT_EQ((*pong)["type"], "pong");
    EXPECT_EQ((*pong)["req_id"], 12);
}

TEST_F(StreamLimits, ChannelsOfLaterIssuesAndUnknownOnesAreRefusedByName) {
    auto c = open();
    const auto code_of = [&](const std::vector<std::string>& channels, bool valid = true) {
        const auto r = ask(*c, json{{"op", "subscribe"}, {"channels", channels}}, valid);
        if (!r) return std::string("no reply");
        if ((*r)["type"] != "error") return (*r)["type"].get<std::string>();
        const std::string code = (*r)["error"]["code"];
        if (code == "NOT_IMPLEMENTED" || code == "UNKNOWN_CHANNEL" ||
            code == "UNKNOWN_INSTRUMENT") {  // named in the message
            EXPECT_NE((*r)["error"]["message"].get<std::string>().find(channels.back()),
                      std::string::npos);
        }
        return code;
    };
    // (The schema allows only the channels served, so these requests are invalid there too.)
    EXPECT_EQ(code_of({"bars:" + symbol + ":5m"}, false), "UNKNOWN_CHANNEL");
    EXPECT_EQ(code_of({"bars:gpu1.nowhere.20300101T00.1h:1m"}), "UNKNOWN_INSTRUMENT");
    EXPECT_EQ(code_of({"alerts"}), "UNAUTHORIZED");  // served since issue 6: regulators only
    EXPECT_EQ(code_of({"candles"}, false), "UNKNOWN_CHANNEL");
    EXPECT_EQ(code_of({"book:gpu1.nowhere.20300101T00.1h"}), "UNKNOWN_INSTRUMENT");
    EXPECT_EQ(code_of({"book:gpu1.east1.20000101T00.1h"}), "UNKNOWN_INSTRUMENT");  // not listed
    // All or nothing: a good channel beside a bad one is not subscribed either.
    EXPECT_EQ(code_of({"book:" + symbol, "candles"}, false), "UNKNOWN_CHANNEL");
    const auto pong = ask(*c, json{{"op", "ping"}});
    ASSERT_TRUE(pong);
    EXPECT_EQ((*pong)["type"], "pong");

    // At most 64 subscriptions per connection.
    std::vector<std::string> channels;
    for (const json& i : ex->get("/v1/instruments").json()) {
        channels.push_back("trades:" + i["symbol"].get<std::string>());
    }
    ASSERT_GT(channels.size(), 64u);
    channels.resize(65);
    EXPECT_EQ(code_of(channels, false), "BAD_REQUEST");  // more than 64 names in one op
    const std::string extra = channels.back();
    channels.pop_back();
    EXPECT_EQ(code_of(channels), "subscribed");
    for (int i = 0; i < 64; ++i) {
        ASSERT_TRUE(wait(*c, [](const json& m) { return m.contains("channel"); }));
    }
    EXPECT_EQ(code_of({extra}), "TOO_MANY_SUBSCRIPTIONS");
    EXPECT_EQ(code_of({channels.front()}), "subscribed");  // again: a fresh snapshot, no slot
    const auto again = wait(*c, [](const json& m) { return m.contains("channel"); });
    ASSERT_TRUE(again);
    EXPECT_EQ((*again)["type"], "snapshot");
    EXPECT_EQ((*again)["seq"], 1);
}

TEST_F(StreamLimits, MessageOver64KiBClosesWith1009) {
    auto c = open();
    std::string ok = R"({"op":"ping","req_id":"big"})";
    ok.insert(ok.size() - 1, std::string(65536 - ok.size(), ' '));
    ASSERT_EQ(ok.size(), 65536u);
    ASSERT_TRUE(c->send(ok));
    const auto pong = next(*c);
    ASSERT_TRUE(pong);
    EXPECT_EQ((*pong)["type"], "pong");
    std::string too_big = ok;
    too_big.insert(too_big.size() - 1, " ");
    c->send(too_big);
    ws_event ev;
    do {
        ev = c->receive(5s);
    } while (ev.what == ws_event::kind::message);
    EXPECT_EQ(ev.what, ws_event::kind::closed) << ev.error;
    EXPECT_EQ(ev.close_code, 1009u);
    auto d = open();
    EXPECT_TRUE(ask(*d, json{{"op", "ping"}}));
}

TEST_F(StreamLimits, SlowConsumerIsClosedWhileAnotherIsServed) {
    ws_options small;
    small.receive_buffer = 4096;
    auto slow = open(small);
    auto fast = open();
    const std::string channel = "book:" + symbol;
    ASSERT_TRUE(subscribe(*slow, {channel}));  // the ack; the slow one reads nothing more
    ASSERT_TRUE(subscribe(*fast, {channel}));
    const auto snap = on_channel(*fast, channel);
    ASSERT_TRUE(snap);
    // Bursts the fast one keeps up with (its queue stays short); the slow one's fills up.
    constexpr int n = 4000;
    constexpr int burst = 200;
    int64_t seq = 1;
    const auto on_book = [&](const json& m) { return m.value("channel", "") == channel; };
    for (int sent = 0; sent < n; sent += burst) {
        flood(burst);
        while (seq < sent + burst + 1) {
            const auto m = fast->until(on_book, 10s);
            ASSERT_TRUE(m) << "at seq " << seq << ": " << fast->last_event().error;
            ASSERT_EQ((*m)["seq"].get<int64_t>(), seq + 1);
            seq = (*m)["seq"];
        }
    }
    // The slow consumer gets what was sent before it fell behind, then the close.
    int got = 0;
    ws_event ev;
    const auto until = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < until) {
        ev = slow->receive(5s);
        if (ev.what != ws_event::kind::message) break;
        if (ev.text.find("\"channel\"") != std::string::npos) ++got;
    }
    EXPECT_EQ(ev.what, ws_event::kind::closed) << ev.error;
    EXPECT_EQ(ev.close_code, 1008u);
    EXPECT_EQ(ev.close_reason, "slow consumer");
    EXPECT_LT(got, n + 1);
    // The other one is still served.
    const auto pong = ask(*fast, json{{"op", "ping"}});
    ASSERT_TRUE(pong);
    EXPECT_EQ((*pong)["type"], "pong");
}

TEST_F(StreamLimits, StreamConnectionsCountAgainstTheConnectionCap) {
    // The harness's own keep-alive connection is one of the 8 from this address.
    ex->get("/healthz");
    std::vector<std::unique_ptr<ws_client>> streams;
    for (int i = 0; i < 7; ++i) streams.push_back(open());
    EXPECT_THROW(open(), std::runtime_error);
    streams.back()->close();
    streams.pop_back();
    // The closed stream's slot comes back once its session has ended.
    std::unique_ptr<ws_client> again;
    for (int i = 0; i < 100 && !again; ++i) {
        try {
            again = open();
        } catch (const std::runtime_error&) {
            std::this_thread::sleep_for(20ms);
        }
    }
    ASSERT_TRUE(again);
    EXPECT_TRUE(ask(*again, json{{"op", "ping"}}));
}

TEST_F(StreamLimits, PlainGetOfTheStreamIs426AndOtherPathsDoNotUpgrade) {
    auto c = ex->connect();
    const http_result r = c->request("GET", "/v1/stream");
    EXPECT_EQ(r.status, 426u);
    EXPECT_EQ(r.code(), "UPGRADE_REQUIRED");
    ex->expect_schema(r, "error.json");
    ws_options o;
    o.target = "/v1/streams";
    try {
        ex->stream(o);
        ADD_FAILURE() << "upgraded on /v1/streams";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("HTTP 404"), std::string::npos) << e.what();
    }
}

TEST_F(StreamLimits, AStoppingServerClosesStreamsWith1001) {
    auto c = open();
    ASSERT_TRUE(ask(*c, json{{"op", "ping"}}));
    ex->stop();
    ws_event ev;
    do {
        ev = c->receive(5s);
    } while (ev.what == ws_event::kind::message);
    EXPECT_EQ(ev.what, ws_event::kind::closed) << ev.error;
    EXPECT_EQ(ev.close_code, 1001u);
    EXPECT_EQ(ev.close_reason, "server stopping");
    ex->start();  // and it serves again on the same data
    auto d = open();
    EXPECT_TRUE(ask(*d, json{{"op", "ping"}}));
}

class StreamPlain : public StreamTest {
protected:
    exchange_options options() override {
        exchange_options o;
        o.tls = false;
        return o;
    }
};

TEST_F(StreamPlain, WsWithoutTlsServesTheSameStream) {
    auto c = open();
    ASSERT_TRUE(subscribe(*c, {"book:" + symbol}));
    ASSERT_TRUE(on_channel(*c, "book:" + symbol));
    ASSERT_EQ(place(vendor, "sell", "12.00", 2).status, 201u);
    const auto u = on_channel(*c, "book:" + symbol);
    ASSERT_TRUE(u);
    EXPECT_EQ((*u)["asks"], json::parse(R"([["12.00",2]])"));
}

}  // namespace
}  // namespace cux::gateway::test
