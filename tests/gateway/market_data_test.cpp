// Market data routes and channels of issue 6 over a real TLS server: GET /v1/bars, /v1/index
// (rolling and per settled window), /v1/index/history and /v1/settlements, their stable 400
// codes, history that survives a restart (DIR/marketdata.db), and the bars:<symbol>:1m|1h and
// index stream channels with their snapshots and gapless updates. Every body is checked against
// its schema in schemas/api/. gpu1 is 989 TFLOPS dense: 12.00 per device-hour is 12.1335 per
// PFLOPS-hour (12 / 0.989 = 12.13346...).

#include <gtest/gtest.h>

#include <thread>

#include "engine/symbol.hpp"
#include "gateway/views_market_data.hpp"
#include "tests/gateway/support/stream_fixture.hpp"

namespace cux::gateway::test {
namespace {

class MarketData : public StreamTest {
protected:
    // One trade of 2 devices at 12.00 in the fixture's instrument.
    void trade() {
        ASSERT_EQ(place(vendor, "sell", "12.00", 2).status, 201u);
        const http_result b = place(buyer, "buy", "12.00", 2);
        ASSERT_EQ(b.status, 201u) << b.body;
        ASSERT_EQ(b.json()["status"], "filled");
    }
    // GET until `ok` accepts the 200 body (the recorder commits in batches) or 5 s pass.
    http_result poll(const std::string& target, const std::function<bool(const json&)>& ok) {
        http_result r;
        for (int i = 0; i < 250; ++i) {
            r = ex->get(target);
            if (r.status == 200 && ok(r.json())) return r;
            std::this_thread::sleep_for(20ms);
        }
        ADD_FAILURE() << target << " never became ready: " << r.status << " " << r.body;
        return r;
    }
    json instrument_row() {
        for (const auto& i : ex->get("/v1/instruments?chip=gpu1&region=east1").json()) {
            if (i["symbol"] == symbol) return i;
        }
        ADD_FAILURE() << "no row for " << symbol;
        return json::object();
    }
    // The market-local (CST) date of the fixture's window start.
    std::string local_date() {
        const auto start =
            engine::parse_rfc3339(instrument_row()["window_start"].get<std::string>());
        return format_day((*start + 8 * engine::ns_per_hour) / (24 * engine::ns_per_hour));
    }
};

TEST_F(MarketData, BarsIndexAndSettlementOfATrade) {
    const std::string window_start = instrument_row()["window_start"];
    trade();
    const http_result m1 = poll("/v1/bars/" + symbol + "?interval=1m",
                                [](const json& j) { return j["bars"].size() == 1; });
    const json m1_body = m1.json();  // json() parses anew: keep the value, not a reference
    const json& bar = m1_body["bars"][0];
    EXPECT_EQ(m1.json()["symbol"], symbol);
    EXPECT_EQ(m1.json()["interval"], "1m");
    EXPECT_EQ(m1.json()["truncated"], false);
    EXPECT_EQ(bar["open"], "12.00");
    EXPECT_EQ(bar["high"], "12.00");
    EXPECT_EQ(bar["low"], "12.00");
    EXPECT_EQ(bar["close"], "12.00");
    EXPECT_EQ(bar["volume"], 2);
    EXPECT_EQ(bar["trades"], 1);
    EXPECT_EQ(bar["vwap"], "12.00");
    EXPECT_EQ(bar["turnover"], "24.00");
    ex->expect_schema(m1, "bars.json");
    const http_result h1 = ex->get("/v1/bars/" + symbol + "?interval=1h&limit=10");
    ASSERT_EQ(h1.status, 200u);
    ASSERT_EQ(h1.json()["bars"].size(), 1u);
    EXPECT_EQ(h1.json()["bars"][0]["volume"], 2);
    ex->expect_schema(h1, "bars.json");
    // A range that holds nothing.
    const http_result none =
        ex->get("/v1/bars/" + symbol + "?from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z");
    ASSERT_EQ(none.status, 200u);
    EXPECT_TRUE(none.json()["bars"].empty());

    const http_result idx = ex->get("/v1/index");
    ASSERT_EQ(idx.status, 200u) << idx.body;
    const json idx_body = idx.json();
    const json& scu = idx_body["scu"];
    EXPECT_EQ(idx.json()["basis"], "rolling");
    EXPECT_EQ(scu["unit"], "PFLOPS-hour");
    EXPECT_EQ(scu["national"]["price"], "12.1335");
    EXPECT_EQ(scu["national"]["trades"], 1);
    EXPECT_EQ(scu["national"]["units"], "1.978");
    EXPECT_EQ(scu["east"]["price"], "12.1335");
    EXPECT_TRUE(scu["west"]["price"].is_null());
    EXPECT_TRUE(scu["east_west_spread"].is_null());
    EXPECT_TRUE(idx.json()["cpu"]["national"]["price"].is_null());
    ASSERT_EQ(idx.json()["cells"].size(), 1u);  // only the pair that traded
    EXPECT_EQ(idx.json()["cells"][0]["chip"], "gpu1");
    EXPECT_EQ(idx.json()["cells"][0]["region"], "east1");
    EXPECT_EQ(idx.json()["cells"][0]["price"], "12.1335");
    ex->expect_schema(idx, "index.json");
    const http_result cpu = ex->get("/v1/index?chip=cpu1&region=east1");
    ASSERT_EQ(cpu.status, 200u);
    EXPECT_TRUE(cpu.json()["scu"]["national"]["price"].is_null());
    EXPECT_EQ(cpu.json()["chip"], "cpu1");
    ex->expect_schema(cpu, "index.json");

    // Past gate closure the instrument has its official settlement price.
    ex->advance(2h);  // past the window's gate closure (it may be up to 2 h ahead)
    const std::string date = local_date();
    const http_result s = poll("/v1/settlements?date=" + date, [&](const json& j) {
        for (const auto& row : j["settlements"]) {
            if (row["symbol"] == symbol) return true;
        }
        return false;
    });
    ex->expect_schema(s, "settlements.json");
    const json s_body = s.json();
    EXPECT_EQ(s_body["date"], date);
    for (const auto& row : s_body["settlements"]) {
        if (row["symbol"] != symbol) continue;
        EXPECT_EQ(row["price"], "12.00");
        // One trade: the VWAP of the last 15 minutes if it was that late, else the last trade.
        EXPECT_TRUE(row["method"] == "vwap_15m" || row["method"] == "last_trade") << row;
        EXPECT_EQ(row["volume"], 2);
        EXPECT_EQ(row["trades"], 1);
        EXPECT_EQ(row["vwap"], "12.00");
        EXPECT_EQ(row["auction_volume"], 0);
        EXPECT_EQ(row["window_start"], window_start);
    }
    // Instruments that never traded close with no price.
    bool saw_none = false;
    for (const auto& row : s_body["settlements"]) {
        if (row["method"] == "none") {
            saw_none = true;
            EXPECT_TRUE(row["price"].is_null());
        }
    }
    EXPECT_TRUE(saw_none);

    const http_result w = ex->get("/v1/index?window=" + window_start);
    ASSERT_EQ(w.status, 200u) << w.body;
    EXPECT_EQ(w.json()["basis"], "window");
    EXPECT_EQ(w.json()["window_start"], window_start);
    EXPECT_EQ(w.json()["scu"]["national"]["price"], "12.1335");
    ex->expect_schema(w, "index.json");
    // A day without trades has no windows.
    const http_result hist =
        ex->get("/v1/index/history?from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z");
    ASSERT_EQ(hist.status, 200u);
    EXPECT_TRUE(hist.json()["windows"].empty());
    ex->expect_schema(hist, "index_history.json");
}

TEST_F(MarketData, IndexHistoryListsSettledHours) {
    const std::string window_start = instrument_row()["window_start"];
    trade();
    poll("/v1/bars/" + symbol, [](const json& j) { return !j["bars"].empty(); });
    const auto start = engine::parse_rfc3339(window_start);
    const std::string to = engine::format_rfc3339(*start + engine::ns_per_hour);
    const http_result h = ex->get("/v1/index/history?from=" + window_start + "&to=" + to);
    ASSERT_EQ(h.status, 200u) << h.body;
    ASSERT_EQ(h.json()["windows"].size(), 1u);
    const json h_body = h.json();
    const json& row = h_body["windows"][0];
    EXPECT_EQ(row["window_start"], window_start);
    EXPECT_EQ(row["national"], "12.1335");
    EXPECT_EQ(row["east"], "12.1335");
    EXPECT_TRUE(row["west"].is_null());
    EXPECT_TRUE(row["east_west_spread"].is_null());
    EXPECT_TRUE(row["cpu"].is_null());
    EXPECT_EQ(row["trades"], 1);
    ex->expect_schema(h, "index_history.json");
}

TEST_F(MarketData, BadParametersAreStable400s) {
    const auto code = [&](const std::string& target) {
        const http_result r = ex->get(target);
        return std::to_string(r.status) + " " + r.code() + " " +
               (r.json()["error"]["field"].is_null()
                    ? std::string("-")
                    : r.json()["error"]["field"].get<std::string>());
    };
    EXPECT_EQ(code("/v1/bars/" + symbol + "?interval=5m"), "400 BAD_REQUEST interval");
    EXPECT_EQ(code("/v1/bars/" + symbol + "?from=yesterday"), "400 BAD_REQUEST from");
    EXPECT_EQ(code("/v1/bars/" + symbol + "?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z"),
              "400 BAD_REQUEST from");
    EXPECT_EQ(code("/v1/bars/" + symbol + "?limit=0"), "400 BAD_REQUEST limit");
    EXPECT_EQ(code("/v1/bars/" + symbol + "?limit=5001"), "400 BAD_REQUEST limit");
    EXPECT_EQ(code("/v1/bars/" + symbol + "?colour=red"), "400 UNKNOWN_FIELD colour");
    EXPECT_EQ(code("/v1/bars/gpu1.nowhere.20300101T00.1h"), "404 UNKNOWN_INSTRUMENT symbol");
    EXPECT_EQ(code("/v1/index?chip=h999"), "400 UNKNOWN_CHIP chip");
    EXPECT_EQ(code("/v1/index?region=mars"), "400 UNKNOWN_REGION region");
    EXPECT_EQ(code("/v1/index?window=2030-01-01T00:30:00Z"), "400 BAD_REQUEST window");
    EXPECT_EQ(code("/v1/index?window=soon"), "400 BAD_REQUEST window");
    EXPECT_EQ(code("/v1/index?colour=red"), "400 UNKNOWN_FIELD colour");
    EXPECT_EQ(code("/v1/index/history?to=2030-01-01T00:00:00Z"), "400 BAD_REQUEST from");
    EXPECT_EQ(code("/v1/index/history?from=2030-01-01T00:00:00Z&to=2030-03-01T00:00:00Z"),
              "400 BAD_REQUEST to");  // more than 744 hours
    EXPECT_EQ(code("/v1/settlements?date=2026-13-01"), "400 BAD_REQUEST date");
    EXPECT_EQ(code("/v1/settlements?date=yesterday"), "400 BAD_REQUEST date");
    EXPECT_EQ(code("/v1/settlements?day=2026-11-29"), "400 UNKNOWN_FIELD day");
    // A day without settlements is an empty list, not an error.
    const http_result empty = ex->get("/v1/settlements?date=2001-01-01");
    ASSERT_EQ(empty.status, 200u);
    EXPECT_TRUE(empty.json()["settlements"].empty());
    ex->expect_schema(empty, "settlements.json");
}

TEST_F(MarketData, HistorySurvivesARestartExactlyOnce) {
    const std::string window_start = instrument_row()["window_start"];
    trade();
    poll("/v1/bars/" + symbol, [](const json& j) { return !j["bars"].empty(); });
    ex->advance(2h);  // past the window's gate closure: a settlement row
    const std::string date = local_date();
    poll("/v1/settlements?date=" + date, [&](const json& j) {
        for (const auto& row : j["settlements"]) {
            if (row["symbol"] == symbol) return true;
        }
        return false;
    });
    ex->stop();
    ex->start();  // replays the whole journal through every consumer
    const http_result bars = ex->get("/v1/bars/" + symbol + "?interval=1h");
    ASSERT_EQ(bars.status, 200u) << bars.body;
    ASSERT_EQ(bars.json()["bars"].size(), 1u);
    EXPECT_EQ(bars.json()["bars"][0]["volume"], 2);  // not 4: recorded once
    EXPECT_EQ(bars.json()["bars"][0]["trades"], 1);
    const http_result s = ex->get("/v1/settlements?date=" + date);
    int rows = 0;
    const json s_body = s.json();
    for (const auto& row : s_body["settlements"]) {
        if (row["symbol"] != symbol) continue;
        ++rows;
        EXPECT_EQ(row["price"], "12.00");
        EXPECT_EQ(row["volume"], 2);
    }
    EXPECT_EQ(rows, 1);
    const http_result w = ex->get("/v1/index?window=" + window_start);
    ASSERT_EQ(w.status, 200u);
    EXPECT_EQ(w.json()["scu"]["national"]["price"], "12.1335");
    EXPECT_EQ(w.json()["scu"]["national"]["trades"], 1);

    // Delivered, settled and delisted: the book is gone, the tape is still there.
    ex->advance(3h);
    EXPECT_EQ(ex->get("/v1/book/" + symbol).status, 404u);
    const http_result tape = ex->get("/v1/trades/" + symbol);
    ASSERT_EQ(tape.status, 200u) << tape.body;
    ASSERT_EQ(tape.json().size(), 1u);
    EXPECT_EQ(tape.json()[0]["price"], "12.00");
    EXPECT_EQ(tape.json()[0]["qty"], 2);
    ex->expect_schema(tape, "trades.json");
}

TEST_F(MarketData, BarsAndIndexChannelsStreamSnapshotThenUpdates) {
    auto c = open();
    const std::string m1 = "bars:" + symbol + ":1m";
    const std::string h1 = "bars:" + symbol + ":1h";
    const auto ack = subscribe(*c, {m1, h1, "index"});
    ASSERT_TRUE(ack);
    ASSERT_EQ((*ack)["type"], "subscribed") << ack->dump();
    for (const std::string& ch : {m1, h1}) {
        const auto snap = on_channel(*c, ch);
        ASSERT_TRUE(snap);
        EXPECT_EQ((*snap)["type"], "snapshot");
        EXPECT_EQ((*snap)["seq"], 1);
        EXPECT_EQ((*snap)["symbol"], symbol);
        EXPECT_TRUE((*snap)["bars"].empty());
    }
    const auto isnap = on_channel(*c, "index");
    ASSERT_TRUE(isnap);
    EXPECT_EQ((*isnap)["seq"], 1);
    EXPECT_TRUE((*isnap)["scu"]["national"]["price"].is_null());

    trade();
    const auto up = on_channel(*c, m1);
    ASSERT_TRUE(up);
    EXPECT_EQ((*up)["type"], "update");
    EXPECT_EQ((*up)["seq"], 2);
    ASSERT_EQ((*up)["bars"].size(), 1u);
    EXPECT_EQ((*up)["bars"][0]["close"], "12.00");
    EXPECT_EQ((*up)["bars"][0]["volume"], 2);
    const auto iup = on_channel(*c, "index");
    ASSERT_TRUE(iup);
    EXPECT_EQ((*iup)["type"], "update");
    EXPECT_EQ((*iup)["seq"], 2);
    EXPECT_EQ((*iup)["scu"]["national"]["price"], "12.1335");

    // A second trade in the same minute: the same bar with its new totals, seq + 1.
    ASSERT_EQ(place(vendor, "sell", "12.50", 1).status, 201u);
    ASSERT_EQ(place(buyer, "buy", "12.50", 1).status, 201u);
    const auto up2 = on_channel(*c, h1);
    ASSERT_TRUE(up2);
    EXPECT_EQ((*up2)["seq"], 3);
    ASSERT_EQ((*up2)["bars"].size(), 1u);
    EXPECT_EQ((*up2)["bars"][0]["high"], "12.50");
    EXPECT_EQ((*up2)["bars"][0]["volume"], 3);
    // (2 x 12.00 + 12.50) / 3 = 12.1666 -> 12.17.
    EXPECT_EQ((*up2)["bars"][0]["vwap"], "12.17");

    // A late subscriber's snapshot holds the bar.
    auto late = open();
    ASSERT_TRUE(subscribe(*late, {m1}));
    const auto lsnap = on_channel(*late, m1);
    ASSERT_TRUE(lsnap);
    ASSERT_EQ((*lsnap)["bars"].size(), 1u);
    EXPECT_EQ((*lsnap)["bars"][0]["volume"], 3);

    // An hour later the trades have left the rolling window: an update says so (no price).
    ex->advance(61min);
    const auto aged = wait(*c, [](const json& m) {
        return m.value("channel", "") == "index" && m["scu"]["national"]["price"].is_null();
    });
    ASSERT_TRUE(aged);
    EXPECT_EQ((*aged)["type"], "update");
    EXPECT_EQ((*aged)["scu"]["national"]["trades"], 0);
}

TEST(MarketDataSchemas, RefuseWhatTheServerNeverSends) {
    auto with = [](json j, const char* at, const json& v) {
        j[json::json_pointer(at)] = v;
        return j;
    };
    const json bar = json::parse(
        R"({"start":"2030-01-01T08:00:00Z","open":"12.00","high":"12.50","low":"11.90",
            "close":"12.10","volume":3,"trades":2,"vwap":"12.03","turnover":"36.10"})");
    const json bars = {{"symbol", "gpu1.east1.20300101T08.1h"},
                       {"interval", "1m"},
                       {"bars", json::array({bar})},
                       {"truncated", false}};
    json stream = bars;
    stream.erase("truncated");
    stream["channel"] = "bars:gpu1.east1.20300101T08.1h:1m";
    stream["type"] = "update";
    stream["seq"] = 2;
    const json settlement = json::parse(
        R"({"date":"2030-01-01","settlements":[{"symbol":"gpu1.east1.20300101T08.1h",
            "chip":"gpu1","region":"east1","tenor":"1h","window_start":"2030-01-01T08:00:00Z",
            "gate_closure":"2030-01-01T07:45:00Z","price":null,"method":"none",
            "auction_volume":0,"volume":0,"trades":0,"vwap":null,"seq":7}]})");
    const json history = json::parse(
        R"({"windows":[{"window_start":"2030-01-01T08:00:00Z","national":"12.1335",
            "east":"12.1335","west":null,"east_west_spread":null,"cpu":null,"trades":1}]})");
    const std::vector<schema_check> checks = {
        {"bars.json", bars, true},
        {"bars.json", with(bars, "/bars/0/vwap", "12.034"), false},
        {"bars.json", with(bars, "/interval", "5m"), false},
        {"bars.json", with(bars, "/bars/0/colour", "red"), false},
        {"stream_bars.json", stream, true},
        {"stream_bars.json", with(stream, "/seq", 0), false},
        {"stream_bars.json", with(stream, "/truncated", false), false},
        {"settlements.json", settlement, true},
        {"settlements.json", with(settlement, "/settlements/0/method", "guess"), false},
        {"settlements.json", with(settlement, "/date", "2030-1-1"), false},
        {"index_history.json", history, true},
        {"index_history.json", with(history, "/windows/0/east_west_spread", "-1.0112"), true},
        // Index prices have exactly 4 decimals (money's 2 would lose a small chip's SCU price).
        {"index_history.json", with(history, "/windows/0/national", "12.13"), false},
    };
    EXPECT_EQ(run_schema_checks(checks), "");
}

}  // namespace
}  // namespace cux::gateway::test
