// Job orders over the API (POST /v1/jobs): a job routed to the cheapest delivered candidate and
// bought from a vendor's asks, with its fills and route report; dry runs that change nothing;
// every refusal with its code; roles; idempotent client_order_id retries (across a restart
// too); unfilled jobs with the reason of every excluded candidate. The small test market has
// gpu1 (989 TFLOPS, 80 GB) and cpu1 (0.04 TFLOPS, 4 GB) in east1 (green 0.30) and west1 (green
// 0.23), 38.6 ms apart, moving data at 0.048 CNY/GB over the carrier "backbone".

#include <gtest/gtest.h>

#include "engine/symbol.hpp"
#include "tests/gateway/support/harness.hpp"

namespace cux::gateway::test {
namespace {

using nlohmann::json;

class Jobs : public GatewayTest {
protected:
    void SetUp() override {
        GatewayTest::SetUp();
        ex->open_market();
        // The job starts an hour after the first open window, so that none of its hours can
        // reach its closing call while the test runs.
        const auto first = engine::parse_symbol(ex->market(), ex->open_symbol());
        ASSERT_TRUE(first.has_value());
        start_hour = first->start_hour + 1;
        east = ex->add_participant("vendor-east", {"vendor"});
        west = ex->add_participant("vendor-west", {"vendor"});
        buyer = ex->add_participant("buyer-a", {"buyer"});
        ex->deposit(buyer, "10000.00");
    }

    std::string symbol(const std::string& chip, const std::string& region, int hour) const {
        engine::instrument_key k;
        k.chip = static_cast<uint8_t>(ex->market().chip_index(chip));
        k.region = static_cast<uint8_t>(ex->market().region_index(region));
        k.start_hour = start_hour + hour;
        return engine::format_symbol(ex->market(), k);
    }

    std::string start() const { return engine::format_rfc3339(start_hour * engine::ns_per_hour); }

    // A vendor's capacity and ask in gpu1 of `region` for each of the job's first `hours`.
    void asks(const credentials& vendor, const std::string& region, const std::string& price,
              int qty, int hours = 2) {
        for (int h = 0; h < hours; ++h) {
            const std::string s = symbol("gpu1", region, h);
            ex->register_capacity(vendor, s, qty);
            const http_result r =
                ex->call(vendor, "POST", "/v1/orders", order_body(s, "sell", price, qty));
            ASSERT_EQ(r.status, 201u) << r.body;
        }
    }

    // A job of 4 gpu1 (or cpu1) for 2 hours from east1, and its response (schema-checked).
    json job_body(const json& extra = json::object()) const {
        json j = {{"chips", json::array({"gpu1", "cpu1"})},
                  {"qty", 4},
                  {"start", start()},
                  {"hours", 2},
                  {"origin_region", "east1"},
                  {"data_gb", 10},
                  {"max_delivered_price", "40.00"},
                  {"tif", "fok"}};
        for (const auto& [k, v] : extra.items()) {
            if (v.is_null()) {
                j.erase(k);
            } else {
                j[k] = v;
            }
        }
        return j;
    }
    http_result job(const json& body, const credentials* who = nullptr) {
        const http_result r = ex->call(who ? *who : buyer, "POST", "/v1/jobs", body.dump());
        if (r.status == 200 || r.status == 201) {
            ex->expect_schema_json(body, "job_request.json");
            ex->expect_schema(r, "job_response.json");
        }
        return r;
    }

    static const json& candidate(const json& report, const std::string& chip,
                                 const std::string& region) {
        for (const json& c : report["route"]) {
            if (c["chip"] == chip && c["region"] == region) return c;
        }
        static const json none;
        ADD_FAILURE() << "no candidate " << chip << "/" << region;
        return none;
    }

    json book(const std::string& s) { return ex->get("/v1/book/" + s).json(); }

    int64_t start_hour = 0;
    credentials east, west, buyer;
};

int64_t fen(const json& money) {
    const std::string s = money.get<std::string>();
    const std::size_t dot = s.find('.');
    return std::stoll(s.substr(0, dot)) * 100 + std::stoll(s.substr(dot + 1));
}

TEST_F(Jobs, FokJobFillsFromTheCheapestDeliveredCandidate) {
    asks(east, "east1", "12.00", 4);
    asks(west, "west1", "11.00", 4);
    // Little data: the western ask is cheaper even with the transfer, so the job goes west.
    const http_result r = job(job_body({{"client_order_id", "job-1"}}));
    ASSERT_EQ(r.status, 201u) << r.body;
    const json j = r.json();
    EXPECT_EQ(j["status"], "filled");
    EXPECT_EQ(j["client_order_id"], "job-1");
    EXPECT_EQ(j["dry_run"], false);
    EXPECT_TRUE(j["reason"].is_null());
    EXPECT_EQ(j["unit"], "device_hour");
    EXPECT_EQ(j["start"], start());
    EXPECT_EQ(j["hours"], 2);
    EXPECT_EQ(j["devices"], 4);
    EXPECT_EQ(j["covered"], 4);

    // One fill per hour, from the western vendor's asks, each a contract with its network line
    // (10 GB x 0.048 CNY = 0.48, spread over the two hours) to the carrier.
    ASSERT_EQ(j["fills"].size(), 2u) << r.body;
    int64_t paid = 0;
    for (int h = 0; h < 2; ++h) {
        const json& f = j["fills"][static_cast<std::size_t>(h)];
        EXPECT_EQ(f["symbol"], symbol("gpu1", "west1", h));
        EXPECT_EQ(f["price"], "11.00");
        EXPECT_EQ(f["qty"], 4);
        EXPECT_EQ(f["compute"], "44.00");
        EXPECT_EQ(f["network"], "0.24");
        EXPECT_EQ(f["fee"], "0.02");  // 5 bps of 44.00, rounded down
        EXPECT_EQ(f["carrier"], "backbone");
        paid += fen(f["compute"]) + fen(f["energy"]) + fen(f["network"]) + fen(f["fee"]);
    }
    EXPECT_EQ(j["totals"]["compute"], "88.00");
    EXPECT_EQ(j["totals"]["network"], "0.48");
    EXPECT_EQ(j["totals"]["fees"], "0.04");
    EXPECT_EQ(fen(j["totals"]["delivered"]), paid);

    // The route report: both gpu1 regions priced and ranked, cpu1 without asks excluded.
    ASSERT_EQ(j["route"].size(), 4u);
    const json& w = j["route"][0];
    EXPECT_EQ(w["chip"], "gpu1");
    EXPECT_EQ(w["region"], "west1");
    EXPECT_EQ(w["symbol"], symbol("gpu1", "west1", 0));
    EXPECT_EQ(w["eligible"], true);
    EXPECT_EQ(w["rank"], 1);
    EXPECT_TRUE(w["reason"].is_null());
    EXPECT_EQ(w["need"], 4);
    EXPECT_EQ(w["devices"], 4);
    EXPECT_EQ(w["taken"], 4);
    EXPECT_EQ(w["ask"], "11.00");
    EXPECT_EQ(w["network"], "0.06");  // 0.48 over 8 device-hours
    EXPECT_EQ(w["total"], j["totals"]["delivered"]);
    EXPECT_EQ(w["taken_cost"], j["totals"]["delivered"]);
    const json& e = j["route"][1];
    EXPECT_EQ(e["region"], "east1");
    EXPECT_EQ(e["rank"], 2);
    EXPECT_EQ(e["taken"], 0);
    EXPECT_EQ(e["ask"], "12.00");
    EXPECT_EQ(e["network"], "0.00");
    EXPECT_GT(fen(e["delivered"]), fen(w["delivered"]));
    for (const char* region : {"east1", "west1"}) {
        const json& c = candidate(j, "cpu1", region);
        EXPECT_EQ(c["eligible"], false);
        EXPECT_TRUE(c["rank"].is_null());
        EXPECT_EQ(c["exclusion"], "no_liquidity");
        EXPECT_EQ(c["reason"], "no liquidity for hour 1 of 2 (" + start() + ")");
        EXPECT_TRUE(c["delivered"].is_null());
    }

    // The western asks are gone, the eastern ones untouched; the buyer's escrow holds it all.
    EXPECT_TRUE(book(symbol("gpu1", "west1", 0))["asks"].empty());
    EXPECT_TRUE(book(symbol("gpu1", "west1", 1))["asks"].empty());
    EXPECT_EQ(book(symbol("gpu1", "east1", 1))["asks"], json::parse(R"([["12.00",4]])"));
    const json account = ex->call(buyer, "GET", "/v1/account").json();
    EXPECT_EQ(account["escrow"], j["totals"]["delivered"]);
    const http_result contracts = ex->call(buyer, "GET", "/v1/contracts?role=buyer");
    ASSERT_EQ(contracts.json().size(), 2u);
    for (const json& c : contracts.json()) EXPECT_EQ(c["network"], "0.24");
    ex->expect_schema(contracts, "contracts.json");
    const http_result fills = ex->call(buyer, "GET", "/v1/fills");
    ASSERT_EQ(fills.json().size(), 2u);
    ex->expect_schema(fills, "fills.json");
}

TEST_F(Jobs, DataHeavyJobStaysEastAndDryRunChangesNothing) {
    asks(east, "east1", "12.00", 4);
    asks(west, "west1", "11.00", 4);
    const json before_east = book(symbol("gpu1", "east1", 0));
    const json before_west = book(symbol("gpu1", "west1", 0));
    const json before_account = ex->call(buyer, "GET", "/v1/account").json();
    // 2000 GB cost 96 CNY to move west: the eastern hub wins; a dry run only says so.
    const http_result r = job(job_body({{"data_gb", 2000}, {"dry_run", true}}));
    ASSERT_EQ(r.status, 200u) << r.body;
    const json j = r.json();
    EXPECT_EQ(j["status"], "filled");  // would fill
    EXPECT_EQ(j["dry_run"], true);
    EXPECT_TRUE(j["fills"].empty());
    EXPECT_EQ(j["devices"], 4);
    EXPECT_EQ(j["route"][0]["region"], "east1");
    EXPECT_EQ(j["route"][0]["taken"], 4);
    EXPECT_EQ(j["route"][1]["region"], "west1");
    EXPECT_EQ(j["route"][1]["network"], "12.00");  // 96.00 over 8 device-hours
    EXPECT_EQ(j["totals"]["network"], "0.00");
    EXPECT_EQ(j["totals"]["compute"], "96.00");
    EXPECT_EQ(book(symbol("gpu1", "east1", 0)), before_east);
    EXPECT_EQ(book(symbol("gpu1", "west1", 0)), before_west);
    EXPECT_EQ(ex->call(buyer, "GET", "/v1/account").json(), before_account);
    EXPECT_TRUE(ex->call(buyer, "GET", "/v1/fills").json().empty());
    EXPECT_TRUE(ex->call(buyer, "GET", "/v1/contracts").json().empty());

    // The same job for real buys in the east.
    const http_result real = job(job_body({{"data_gb", 2000}}));
    ASSERT_EQ(real.status, 201u) << real.body;
    EXPECT_EQ(real.json()["totals"], j["totals"]);
    EXPECT_EQ(real.json()["fills"][0]["symbol"], symbol("gpu1", "east1", 0));
    EXPECT_TRUE(book(symbol("gpu1", "east1", 0))["asks"].empty());
}

TEST_F(Jobs, ComputeSizedJobIsPricedPerPflopsHour) {
    asks(east, "east1", "12.00", 4);
    // 1.978 PFLOPS is two gpu1 (0.989 each); the limit is per PFLOPS-hour.
    const http_result r =
        job(job_body({{"qty", nullptr}, {"pflops", 1.978}, {"max_delivered_price", "20.00"}}));
    ASSERT_EQ(r.status, 201u) << r.body;
    const json j = r.json();
    EXPECT_EQ(j["unit"], "pflops_hour");
    EXPECT_EQ(j["devices"], 2);
    EXPECT_DOUBLE_EQ(j["covered"].get<double>(), 1.978);
    const json& c = candidate(j, "gpu1", "east1");
    EXPECT_EQ(c["need"], 2);
    EXPECT_EQ(c["ask"], "12.13");  // 2 x 12.00 per device-hour over 1.978 PFLOPS
    EXPECT_EQ(candidate(j, "cpu1", "east1")["need"], 49450);  // 1978 TFLOPS / 0.04
    EXPECT_EQ(book(symbol("gpu1", "east1", 0))["asks"], json::parse(R"([["12.00",2]])"));
}

TEST_F(Jobs, UnfilledJobsReportWhyEachCandidateWasExcluded) {
    asks(east, "east1", "12.00", 4, 1);  // the job's first hour only
    asks(west, "west1", "11.00", 4);
    const http_result r = job(job_body({{"chips", nullptr},
                                        {"min_memory_gb", 16},
                                        {"max_rtt_ms", 30},
                                        {"client_order_id", "u-1"}}));
    ASSERT_EQ(r.status, 200u) << r.body;
    json j = r.json();
    EXPECT_EQ(j["status"], "unfilled");
    EXPECT_EQ(j["reason"]["code"], "NO_ROUTE");
    EXPECT_TRUE(j["fills"].empty());
    EXPECT_EQ(j["devices"], 0);
    EXPECT_EQ(j["totals"]["delivered"], "0.00");
    EXPECT_EQ(candidate(j, "gpu1", "east1")["reason"],
              "no liquidity for hour 2 of 2 (" +
                  engine::format_rfc3339((start_hour + 1) * engine::ns_per_hour) + ")");
    EXPECT_EQ(candidate(j, "gpu1", "west1")["reason"], "latency 38.6 ms > 30 ms");
    EXPECT_EQ(candidate(j, "gpu1", "west1")["exclusion"], "latency");
    EXPECT_EQ(candidate(j, "cpu1", "east1")["reason"], "memory 4 GB < 16 GB");
    EXPECT_EQ(candidate(j, "cpu1", "west1")["reason"], "memory 4 GB < 16 GB");

    // Residency, green share, compute and the price limit.
    j = job(job_body({{"chips", nullptr},
                      {"min_tflops", 100},
                      {"allowed_regions", json::array({"west1"})},
                      {"min_green_share", 0.5}}))
            .json();
    EXPECT_EQ(candidate(j, "gpu1", "east1")["reason"], "region not allowed");
    EXPECT_EQ(candidate(j, "gpu1", "west1")["reason"], "green 0.23 < 0.50");
    EXPECT_EQ(candidate(j, "cpu1", "west1")["reason"], "tflops 0.04 < 100");
    j = job(job_body({{"chips", json::array({"gpu1"})},
                      {"allowed_regions", json::array({"west1"})},
                      {"max_delivered_price", "1.00"}}))
            .json();
    const json& w = candidate(j, "gpu1", "west1");
    EXPECT_EQ(w["exclusion"], "over_max_price");
    EXPECT_EQ(w["reason"], "delivered " + w["delivered"].get<std::string>() + " > 1.00");
    EXPECT_EQ(j["reason"]["code"], "NO_ROUTE");

    // A buyer without the funds gets the report and INSUFFICIENT_FUNDS; nothing is bought.
    const credentials poor = ex->add_participant("buyer-poor", {"buyer"});
    const http_result p = job(job_body(), &poor);
    ASSERT_EQ(p.status, 200u) << p.body;
    EXPECT_EQ(p.json()["status"], "unfilled");
    EXPECT_EQ(p.json()["reason"]["code"], "INSUFFICIENT_FUNDS");
    EXPECT_EQ(candidate(p.json(), "gpu1", "west1")["rank"], 1);
    EXPECT_EQ(candidate(p.json(), "gpu1", "west1")["taken"], 0);
    EXPECT_EQ(book(symbol("gpu1", "west1", 0))["asks"], json::parse(R"([["11.00",4]])"));

    // ioc + split takes what it can: the first hour's east asks cannot make both hours.
    const http_result s = job(job_body({{"split", true}, {"tif", "ioc"}, {"qty", 6}}));
    ASSERT_EQ(s.status, 201u) << s.body;
    EXPECT_EQ(s.json()["status"], "partially_filled");
    EXPECT_EQ(s.json()["devices"], 4);
    EXPECT_EQ(s.json()["covered"], 4);
}

TEST_F(Jobs, BadInputIsRefusedWithItsCode) {
    struct bad {
        json change;  // applied to a good job; null values remove the key
        const char* code;
        const char* field;
        bool schema_refuses = true;  // false: only the server knows (ids, decimals' places)
    };
    const std::vector<bad> cases = {
        {{{"colour", "red"}}, "UNKNOWN_FIELD", "colour"},
        {{{"chips", json::array()}}, "BAD_REQUEST", "chips"},
        {{{"chips", json::array({"gpu1", "gpu1"})}}, "BAD_REQUEST", "chips"},
        {{{"chips", json::array({"h100"})}}, "UNKNOWN_CHIP", "chips", false},
        {{{"chips", nullptr}}, "BAD_REQUEST", "chips"},
        {{{"min_tflops", 0.0005}}, "INVALID_CONSTRAINT", "min_tflops", false},
        {{{"min_memory_gb", -1}}, "INVALID_CONSTRAINT", "min_memory_gb"},
        {{{"qty", 0}}, "INVALID_QTY", "qty"},
        {{{"qty", "4"}}, "BAD_REQUEST", "qty"},
        {{{"qty", nullptr}}, "BAD_REQUEST", "qty"},
        {{{"pflops", 1}}, "BAD_REQUEST", "pflops"},
        {{{"qty", nullptr}, {"pflops", 1.0001}}, "INVALID_QTY", "pflops", false},
        {{{"start", "2030-12-01T08:15:00Z"}}, "INVALID_WINDOW", "start"},
        {{{"start", "2030-12-01 08:00"}}, "INVALID_WINDOW", "start"},
        {{{"hours", 49}}, "INVALID_WINDOW", "hours"},
        {{{"hours", 0}}, "INVALID_WINDOW", "hours"},
        {{{"origin_region", "mars"}}, "UNKNOWN_REGION", "origin_region", false},
        {{{"origin_region", nullptr}}, "BAD_REQUEST", "origin_region"},
        {{{"data_gb", -5}}, "INVALID_DATA_VOLUME", "data_gb"},
        {{{"max_rtt_ms", 0}}, "INVALID_CONSTRAINT", "max_rtt_ms"},
        {{{"allowed_regions", json::array({"mars"})}}, "UNKNOWN_REGION", "allowed_regions", false},
        {{{"min_green_share", 1.01}}, "INVALID_CONSTRAINT", "min_green_share"},
        {{{"min_green_share", 0.5555}}, "INVALID_CONSTRAINT", "min_green_share", false},
        {{{"max_delivered_price", "40.005"}}, "INVALID_PRICE", "max_delivered_price"},
        {{{"max_delivered_price", 40}}, "BAD_REQUEST", "max_delivered_price"},
        {{{"max_delivered_price", "0.00"}}, "INVALID_PRICE", "max_delivered_price", false},
        {{{"split", "no"}}, "BAD_REQUEST", "split"},
        {{{"tif", "gtc"}}, "BAD_REQUEST", "tif"},
        {{{"dry_run", nullptr}, {"client_order_id", "no spaces"}},
         "BAD_REQUEST",
         "client_order_id"},
    };
    for (const bad& c : cases) {
        const json body = job_body(c.change);
        const http_result r = job(body);
        EXPECT_EQ(r.status, 400u) << body.dump() << ": " << r.body;
        EXPECT_EQ(r.code(), c.code) << body.dump() << ": " << r.body;
        if (r.json().contains("error")) {
            EXPECT_EQ(r.json()["error"]["field"], c.field) << body.dump();
        }
        if (c.schema_refuses) ex->expect_schema_refused(body, "job_request.json");
    }
    // Malformed JSON, a duplicate key, a query string, an empty body.
    for (const std::string& text : {std::string(R"({"qty":1,"qty":2})"), std::string("{"),
                                    std::string("[]"), std::string()}) {
        const http_result r = ex->call(buyer, "POST", "/v1/jobs", text);
        EXPECT_EQ(r.status, 400u) << text;
        EXPECT_EQ(r.code(), "BAD_REQUEST") << text;
    }
    EXPECT_EQ(ex->call(buyer, "POST", "/v1/jobs?x=1", job_body().dump()).code(), "UNKNOWN_FIELD");
    // Well-formed, but its hours are not all trading: the engine's refusal.
    const http_result past = job(job_body({{"start", "2020-01-01T00:00:00Z"}}));
    EXPECT_EQ(past.status, 409u) << past.body;
    EXPECT_EQ(past.code(), "MARKET_CLOSED");
    EXPECT_EQ(past.json()["error"]["field"], "start");
    const http_result beyond = job(job_body({{"hours", 48}}));  // past the listed windows
    EXPECT_EQ(beyond.status, 409u) << beyond.body;
    EXPECT_EQ(beyond.code(), "MARKET_CLOSED");
}

TEST_F(Jobs, OnlyBuyersSubmitJobs) {
    const credentials regulator = ex->add_participant("regulator-a", {"regulator"});
    for (const credentials* who :
         std::initializer_list<const credentials*>{&east, &regulator, &ex->admin()}) {
        const http_result r = job(job_body(), who);
        EXPECT_EQ(r.status, 403u) << r.body;
        EXPECT_EQ(r.code(), "FORBIDDEN");
    }
    const credentials both = ex->add_participant("both-a", {"vendor", "buyer"});
    const http_result r = job(job_body({{"dry_run", true}}), &both);
    EXPECT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(ex->get("/v1/jobs").status, 405u);  // POST only
}

TEST_F(Jobs, ClientOrderIdRetryReturnsTheOriginalResult) {
    asks(west, "west1", "11.00", 8);
    const json body = job_body({{"client_order_id", "job-7"}});
    const http_result first = job(body);
    ASSERT_EQ(first.status, 201u) << first.body;
    // Again on another connection: the same answer, nothing bought twice.
    auto other = ex->connect();
    const std::string text = body.dump();
    const http_result again = other->request("POST", "/v1/jobs", text,
                                             test_exchange::sign(buyer, "POST", "/v1/jobs", text));
    EXPECT_EQ(again.status, 201u);
    EXPECT_EQ(again.body, first.body);
    EXPECT_EQ(book(symbol("gpu1", "west1", 0))["asks"], json::parse(R"([["11.00",4]])"));
    EXPECT_EQ(ex->call(buyer, "GET", "/v1/contracts").json().size(), 2u);
    // An order may not take a job's client_order_id, nor a job an order's.
    const http_result order = ex->call(
        buyer, "POST", "/v1/orders",
        order_body(symbol("gpu1", "west1", 0), "buy", "11.00", 1, R"("client_order_id":"job-7")"));
    EXPECT_EQ(order.status, 409u) << order.body;
    EXPECT_EQ(order.code(), "DUPLICATE_CLIENT_ID");
    ASSERT_EQ(ex->call(buyer, "POST", "/v1/orders",
                       order_body(symbol("gpu1", "west1", 0), "buy", "10.00", 1,
                                  R"("client_order_id":"ord-1")"))
                  .status,
              201u);
    const http_result taken = job(job_body({{"client_order_id", "ord-1"}}));
    EXPECT_EQ(taken.status, 409u) << taken.body;
    EXPECT_EQ(taken.code(), "DUPLICATE_CLIENT_ID");
    // A job that bought nothing is remembered as well.
    const http_result none = job(job_body({{"client_order_id", "job-8"}, {"qty", 9}}));
    ASSERT_EQ(none.status, 200u) << none.body;
    asks(east, "east1", "12.00", 9);
    EXPECT_EQ(job(job_body({{"client_order_id", "job-8"}, {"qty", 9}})).body, none.body);

    // After a restart the results come back from the journal.
    ex->stop();
    ex->start();
    const http_result replayed = job(body);
    EXPECT_EQ(replayed.status, 201u);
    EXPECT_EQ(replayed.body, first.body);
    EXPECT_EQ(ex->call(buyer, "GET", "/v1/contracts").json().size(), 2u);
}

}  // namespace
}  // namespace cux::gateway::test
