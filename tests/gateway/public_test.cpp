// Public routes over TLS: health, reference data, instruments, books and the tape, and the
// answers to requests that name no route.

#include <gtest/gtest.h>

#include "tests/gateway/support/harness.hpp"

namespace cux::gateway::test {
namespace {

using Public = GatewayTest;

TEST_F(Public, HealthzAnswersWithTheAppliedSeq) {
    const http_result r = ex->get("/healthz");
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.json()["status"], "ok");
    EXPECT_GE(r.json()["seq"].get<uint64_t>(), 1u);  // at least the admin's creation
    EXPECT_EQ(r.headers.at("content-type"), "application/json");
    ex->expect_schema(r, "health.json");
}

TEST_F(Public, ReferenceDescribesTheMarket) {
    const http_result r = ex->get("/v1/reference");
    ASSERT_EQ(r.status, 200u);
    const auto j = r.json();
    EXPECT_EQ(j["chips"].size(), 2u);
    EXPECT_EQ(j["chips"][0]["id"], "gpu1");
    EXPECT_EQ(j["chips"][0]["typical_price"], "12.00");
    EXPECT_EQ(j["regions"].size(), 2u);
    EXPECT_EQ(j["network"]["links"].size(), 4u);
    EXPECT_EQ(j["fees"]["taker_bps"], 5);
    ex->expect_schema(r, "reference.json");
}

TEST_F(Public, InstrumentsAreListedAndFiltered) {
    const http_result all = ex->get("/v1/instruments");
    ASSERT_EQ(all.status, 200u);
    // 48 hourly and 14 daily windows of 2 chips x 2 regions.
    EXPECT_EQ(all.json().size(), (48u + 14u) * 4u);
    ex->expect_schema(all, "instruments.json");
    const http_result pre = ex->get("/v1/instruments?chip=cpu1&region=west1&status=pre_open");
    ASSERT_EQ(pre.status, 200u);
    EXPECT_EQ(pre.json().size(), 48u + 14u);
    for (const auto& i : pre.json()) {
        EXPECT_EQ(i["chip"], "cpu1");
        EXPECT_EQ(i["region"], "west1");
        EXPECT_EQ(i["status"], "pre_open");
    }
    EXPECT_TRUE(ex->get("/v1/instruments?status=open").json().empty());
    ex->open_market();
    const http_result open = ex->get("/v1/instruments?status=open");
    EXPECT_EQ(open.json().size(), 48u * 4u + 14u * 4u);
    ex->expect_schema(open, "instruments.json");
}

TEST_F(Public, InstrumentQueriesAreStrict) {
    EXPECT_EQ(ex->get("/v1/instruments?chip=h999").code(), "UNKNOWN_CHIP");
    EXPECT_EQ(ex->get("/v1/instruments?region=mars").code(), "UNKNOWN_REGION");
    EXPECT_EQ(ex->get("/v1/instruments?status=sleeping").code(), "BAD_REQUEST");
    const http_result unknown = ex->get("/v1/instruments?colour=red");
    EXPECT_EQ(unknown.status, 400u);
    EXPECT_EQ(unknown.code(), "UNKNOWN_FIELD");
    EXPECT_EQ(unknown.json()["error"]["field"], "colour");
    EXPECT_EQ(ex->get("/v1/instruments?chip=gpu1&chip=cpu1").code(), "BAD_REQUEST");
}

TEST_F(Public, EmptyBookAndTapeOfAListedInstrument) {
    ex->open_market();
    const std::string symbol = ex->open_symbol();
    const http_result b = ex->get("/v1/book/" + symbol);
    ASSERT_EQ(b.status, 200u) << b.body;
    EXPECT_EQ(b.json()["symbol"], symbol);
    EXPECT_TRUE(b.json()["bids"].empty());
    EXPECT_TRUE(b.json()["asks"].empty());
    ex->expect_schema(b, "book.json");
    const http_result t = ex->get("/v1/trades/" + symbol + "?limit=10");
    ASSERT_EQ(t.status, 200u);
    EXPECT_TRUE(t.json().empty());
    ex->expect_schema(t, "trades.json");
}

TEST_F(Public, UnknownInstrumentsAndBadParameters) {
    EXPECT_EQ(ex->get("/v1/book/gpu1.east1.20000101T00.1h").code(), "UNKNOWN_INSTRUMENT");
    EXPECT_EQ(ex->get("/v1/book/nonsense").status, 404u);
    EXPECT_EQ(ex->get("/v1/trades/nonsense").code(), "UNKNOWN_INSTRUMENT");
    ex->open_market();
    const std::string symbol = ex->open_symbol();
    EXPECT_EQ(ex->get("/v1/book/" + symbol + "?depth=0").code(), "BAD_REQUEST");
    EXPECT_EQ(ex->get("/v1/book/" + symbol + "?depth=abc").code(), "BAD_REQUEST");
    EXPECT_EQ(ex->get("/v1/book/" + symbol + "?depth=501").code(), "BAD_REQUEST");
    EXPECT_EQ(ex->get("/v1/trades/" + symbol + "?limit=-1").code(), "BAD_REQUEST");
}

TEST_F(Public, UnknownRoutesAndMethods) {
    const http_result r = ex->get("/v1/nothing");
    EXPECT_EQ(r.status, 404u);
    EXPECT_EQ(r.code(), "NO_ROUTE");
    EXPECT_EQ(ex->get("/v1/jobs").status, 405u);  // POST /v1/jobs only
    // The stream's path exists; a plain GET on it (no WebSocket upgrade) is told so.
    const http_result plain = ex->get("/v1/stream");
    EXPECT_EQ(plain.status, 426u);
    EXPECT_EQ(plain.code(), "UPGRADE_REQUIRED");
    const http_result m = ex->call(ex->admin(), "DELETE", "/v1/instruments");
    EXPECT_EQ(m.status, 405u);
    EXPECT_EQ(m.code(), "NO_ROUTE");
    EXPECT_EQ(ex->get("//v1/book").code(), "BAD_REQUEST");
    EXPECT_EQ(ex->get("/v1/book/%zz").code(), "BAD_REQUEST");
    // A GET with a body is refused, and the server keeps serving.
    auto c = ex->connect();
    EXPECT_EQ(c->request("GET", "/v1/reference", "{}").code(), "BAD_REQUEST");
    EXPECT_EQ(ex->get("/healthz").status, 200u);
}

}  // namespace
}  // namespace cux::gateway::test
