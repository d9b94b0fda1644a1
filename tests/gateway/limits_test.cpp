// Limits with the statuses the API promises, each followed by proof that the server still
// serves: per-key rate limit (429 + Retry-After), head over 8 KiB (431), body over 64 KiB (413),
// malformed HTTP (400), slowloris and silent connections cut off at their deadline while others
// are served, idle keep-alive connections closed, connections per IP capped.

#include <gtest/gtest.h>

#include <thread>

#include "tests/gateway/support/harness.hpp"

namespace cux::gateway::test {
namespace {

using steady = std::chrono::steady_clock;

class Limits : public GatewayTest {
protected:
    exchange_options options() override {
        exchange_options o;
        o.tweak = [](server_options& s) {
            s.rate_per_key = 5;
            s.burst_per_key = 5;
            s.handshake_timeout = 800ms;
            s.request_timeout = 800ms;
            s.idle_timeout = 1200ms;
            s.connections_per_ip_max = 6;
        };
        return o;
    }

    void expect_serving() {
        auto c = ex->connect();
        EXPECT_EQ(c->request("GET", "/healthz").status, 200u);
    }
};

TEST_F(Limits, RateLimitPerKeyAnswers429WithRetryAfter) {
    const credentials a = ex->add_participant("a", {"buyer"});
    const credentials b = ex->add_participant("b", {"buyer"});
    int ok = 0;
    http_result limited;
    for (int i = 0; i < 8; ++i) {
        const http_result r = ex->call(a, "GET", "/v1/account");
        if (r.status == 200) {
            ++ok;
        } else {
            limited = r;
        }
    }
    EXPECT_GE(ok, 5);
    EXPECT_LE(ok, 6);  // the bucket refills 5 per second while the loop runs
    EXPECT_EQ(limited.status, 429u);
    EXPECT_EQ(limited.code(), "RATE_LIMITED");
    ASSERT_TRUE(limited.headers.count("retry-after"));
    EXPECT_GE(std::stoi(limited.headers["retry-after"]), 1);
    EXPECT_EQ(ex->call(b, "GET", "/v1/account").status, 200u);  // another key is not limited
    EXPECT_EQ(ex->get("/v1/reference").status, 200u);           // nor is public data
    std::this_thread::sleep_for(1100ms);
    EXPECT_EQ(ex->call(a, "GET", "/v1/account").status, 200u);  // refilled
}

TEST_F(Limits, OversizeHeadIs431) {
    auto c = ex->connect();
    const http_result r =
        c->request("GET", "/healthz", "", {{"X-Padding", std::string(9000, 'x')}});
    EXPECT_EQ(r.status, 431u);
    EXPECT_EQ(r.code(), "HEADERS_TOO_LARGE");
    EXPECT_EQ(r.headers.at("connection"), "close");
    ex->expect_schema(r, "error.json");
    EXPECT_TRUE(c->wait_closed(2s));
    // Just under the limit is fine.
    auto d = ex->connect();
    EXPECT_EQ(d->request("GET", "/healthz", "", {{"X-Padding", std::string(7000, 'x')}}).status,
              200u);
    expect_serving();
}

TEST_F(Limits, OversizeBodyIs413) {
    const credentials a = ex->add_participant("a", {"buyer"});
    const std::string body(70 * 1024, ' ');
    auto c = ex->connect();
    const http_result r =
        c->request("POST", "/v1/orders", body, test_exchange::sign(a, "POST", "/v1/orders", body));
    EXPECT_EQ(r.status, 413u);
    EXPECT_EQ(r.code(), "PAYLOAD_TOO_LARGE");
    ex->expect_schema(r, "error.json");
    // A chunked body that grows past the limit too.
    auto d = ex->connect();
    std::string head = "POST /v1/orders HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    d->send_raw(head);
    const std::string chunk = "8000\r\n" + std::string(0x8000, ' ') + "\r\n";
    bool sent = true;
    for (int i = 0; i < 3 && sent; ++i) sent = d->try_send_raw(chunk);
    const http_result chunked = d->read_response();
    EXPECT_EQ(chunked.status, 413u);
    expect_serving();
}

TEST_F(Limits, MalformedHttpIs400AndTheServerGoesOn) {
    auto c = ex->connect();
    c->send_raw("THIS IS NOT HTTP\r\n\r\n");
    const http_result r = c->read_response();
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(r.code(), "BAD_REQUEST");
    ex->expect_schema(r, "error.json");
    EXPECT_TRUE(c->wait_closed(2s));
    expect_serving();
}

TEST_F(Limits, SlowlorisIsCutOffWhileOthersAreServed) {
    auto slow = ex->connect();
    const auto started = steady::now();
    std::atomic<bool> cut{false};
    std::thread dribble([&] {
        const std::string head = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ";
        slow->send_raw(head);
        for (int i = 0; i < 60; ++i) {
            if (!slow->try_send_raw("a")) {
                cut = true;
                return;
            }
            std::this_thread::sleep_for(50ms);
        }
    });
    // Meanwhile, other clients are served promptly.
    for (int i = 0; i < 5; ++i) {
        const auto t0 = steady::now();
        expect_serving();
        EXPECT_LT(steady::now() - t0, 500ms);
        std::this_thread::sleep_for(50ms);
    }
    dribble.join();
    const auto lasted = steady::now() - started;
    EXPECT_TRUE(cut.load());
    EXPECT_LT(lasted, 2500ms);  // the request deadline is 800 ms
}

TEST_F(Limits, SilentConnectionsAreClosed) {
    // No TLS handshake at all: closed at the handshake timeout.
    connection silent(ex->port(), transport::tcp_only);
    const auto t0 = steady::now();
    EXPECT_TRUE(silent.wait_closed(3s));
    EXPECT_LT(steady::now() - t0, 2000ms);
    // A keep-alive connection with no next request: closed at the idle timeout.
    auto idle = ex->connect();
    EXPECT_EQ(idle->request("GET", "/healthz").status, 200u);
    const auto t1 = steady::now();
    EXPECT_TRUE(idle->wait_closed(4s));
    EXPECT_GT(steady::now() - t1, 900ms);
    expect_serving();
}

TEST_F(Limits, ConnectionsPerAddressAreCapped) {
    std::vector<std::unique_ptr<connection>> held;
    for (int i = 0; i < 6; ++i) held.push_back(ex->connect());
    // The seventh is closed at once: its handshake fails.
    EXPECT_THROW(ex->connect(2s), std::runtime_error);
    held.pop_back();
    std::this_thread::sleep_for(50ms);  // the server notices the close
    bool served = false;
    for (int attempt = 0; attempt < 20 && !served; ++attempt) {
        try {
            auto c = ex->connect();
            served = c->request("GET", "/healthz").status == 200;
        } catch (const std::runtime_error&) {
            std::this_thread::sleep_for(50ms);
        }
    }
    EXPECT_TRUE(served);
}

class Paused : public GatewayTest {
protected:
    exchange_options options() override {
        exchange_options o;
        o.tweak = [](server_options& s) {
            s.order_gate = [] { return std::string("the ledger is 9000 events behind"); };
        };
        return o;
    }
};

TEST_F(Paused, OrdersWaitWhileTheLedgerGateIsShut) {
    ex->open_market();
    const credentials buyer = ex->add_participant("buyer-a", {"buyer"});
    ex->deposit(buyer, "100.00");  // money and admin go on
    const http_result r =
        ex->call(buyer, "POST", "/v1/orders", order_body(ex->open_symbol(), "buy", "1.00", 1));
    EXPECT_EQ(r.status, 503u);
    EXPECT_EQ(r.code(), "UNAVAILABLE");
    EXPECT_NE(r.json()["error"]["message"].get<std::string>().find("9000 events behind"),
              std::string::npos);
    EXPECT_EQ(r.headers.at("retry-after"), "1");
}

}  // namespace
}  // namespace cux::gateway::test
