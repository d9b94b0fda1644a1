// The regulator's view over real sockets (TLS): the audit trail (GET /v1/audit, /v1/audit.csv)
// and the surveillance alerts (GET /v1/alerts, the `alerts` channel). The trail's commands,
// re-encoded from their JSON fields alone and applied to a fresh engine, give the engine's
// state hash at every seq; the routes and the channel refuse everyone but regulators, and
// regulators cannot trade; the store resumes exactly once when the server restarts.

#include <gtest/gtest.h>

#include <cstring>

#include "engine/exchange.hpp"
#include "engine/journal.hpp"
#include "engine/symbol.hpp"
#include "gateway/money.hpp"
#include "tests/gateway/support/stream_fixture.hpp"

namespace cux::gateway::test {
namespace {

using namespace cux::engine;

class Regulator : public StreamTest {
protected:
    void SetUp() override {
        StreamTest::SetUp();
        regulator = ex->add_participant("watcher", {"regulator"});
    }

    credentials add_grouped(const std::string& name, const std::vector<std::string>& roles,
                            const std::string& group) {
        const json body = {{"name", name}, {"roles", roles}, {"group", group}};
        const http_result r = ex->call(ex->admin(), "POST", "/v1/admin/participants", body.dump());
        EXPECT_EQ(r.status, 201u) << r.body;
        ex->expect_schema_json(body, "participant_request.json");
        const auto j = r.json();
        return credentials{j.value("key", ""), j.value("secret", ""),
                           j.value("participant_id", "")};
    }

    // Every row of the trail, paged through with `page` rows at a time.
    std::vector<json> trail(std::size_t page) {
        EXPECT_TRUE(ex->wait_audit());
        std::vector<json> rows;
        uint64_t cursor = 1;
        for (int pages = 0; pages < 10000; ++pages) {
            const http_result r = ex->call(
                regulator, "GET",
                "/v1/audit?cursor=" + std::to_string(cursor) + "&limit=" + std::to_string(page));
            EXPECT_EQ(r.status, 200u) << r.body;
            if (r.status != 200) break;
            ex->expect_schema(r, "audit.json");
            const json j = r.json();
            for (const json& row : j["rows"]) rows.push_back(row);
            EXPECT_LE(j["rows"].size(), page);
            cursor = j["next_cursor"].get<uint64_t>();
            if (!j["more"].get<bool>()) break;
        }
        return rows;
    }

    json alerts(const std::string& query = "") {
        EXPECT_TRUE(ex->wait_audit());
        const http_result r = ex->call(regulator, "GET", "/v1/alerts" + query);
        EXPECT_EQ(r.status, 200u) << r.body;
        ex->expect_schema(r, "alerts.json");
        return r.json()["alerts"];
    }

    credentials regulator;
};

// ---- re-encoding a command from its audit row's fields alone ---------------------------------

struct discard final : event_sink {
    void on_event(const event&) override {}
};

int64_t fen(const json& v) {
    std::string s = v.get<std::string>();
    const bool neg = !s.empty() && s[0] == '-';
    if (neg) s.erase(0, 1);
    int64_t out = 0;
    EXPECT_EQ(parse_fen(s, INT64_MAX, out), decimal_error::none) << s;
    return neg ? -out : out;
}
utc_ns at(const json& v) {
    const auto t = parse_rfc3339(v.get<std::string>());
    EXPECT_TRUE(t.has_value()) << v;
    return t.value_or(0);
}
uint64_t num(const json& v) { return std::stoull(v.get<std::string>()); }
uint8_t region_of(const market_config& m, const json& v) {
    return v.is_null() ? origin_none : static_cast<uint8_t>(m.region_index(v.get<std::string>()));
}
template <class E>
E pick(const json& v, std::initializer_list<const char*> names) {
    uint8_t i = 0;
    for (const char* n : names) {
        if (v == n) return static_cast<E>(i);
        ++i;
    }
    ADD_FAILURE() << "unexpected " << v;
    return static_cast<E>(0);
}
void copy_text(char* dst, std::size_t n, const json& v) {
    if (v.is_null()) return;
    const std::string s = v.get<std::string>();
    ASSERT_LT(s.size(), n + 1);
    std::memcpy(dst, s.data(), s.size());
}

command command_of(const market_config& m, const json& row) {
    command c;
    const json& f = row["fields"];
    const std::string type = row["type"];
    c.seq = row["seq"].get<uint64_t>();
    c.ts = at(row["time"]);
    c.actor = participant_id(static_cast<uint32_t>(num(row["participant_id"])));
    if (type == "place_order") {
        c.type = command_type::place_order;
        place_order_body& b = c.body.place;
        b.instrument = pack(*parse_symbol(m, f["symbol"].get<std::string>()));
        b.sd = pick<side>(f["side"], {"buy", "sell"});
        b.type = pick<order_type>(f["type"], {"limit", "market"});
        b.tif = pick<time_in_force>(f["tif"], {"gtc", "ioc", "fok"});
        b.stp = pick<stp_mode>(f["stp"], {"cancel_newest", "cancel_oldest", "cancel_both"});
        b.post_only = f["post_only"].get<bool>() ? 1 : 0;
        b.origin_region = region_of(m, f["origin_region"]);
        b.price = price_fen(fen(f["price"]));
        b.qty = qty_devices(f["qty"].get<int64_t>());
        b.data_gb = f["data_gb"].get<int64_t>();
        copy_text(b.client_order_id, sizeof b.client_order_id, f["client_order_id"]);
    } else if (type == "cancel_order") {
        c.type = command_type::cancel_order;
        c.body.cancel.id = order_id(num(f["order_id"]));
    } else if (type == "replace_order") {
        c.type = command_type::replace_order;
        c.body.replace.id = order_id(num(f["order_id"]));
        c.body.replace.price = price_fen(fen(f["price"]));
        c.body.replace.qty = qty_devices(f["qty"].get<int64_t>());
    } else if (type == "deposit" || type == "withdraw") {
        c.type = type == "deposit" ? command_type::deposit : command_type::withdraw;
        c.body.money.target = participant_id(static_cast<uint32_t>(num(f["target_id"])));
        c.body.money.amount = money_fen(fen(f["amount"]));
    } else if (type == "register_capacity") {
        c.type = command_type::register_capacity;
        c.body.capacity.chip = static_cast<uint8_t>(m.chip_index(f["chip"].get<std::string>()));
        c.body.capacity.region = region_of(m, f["region"]);
        c.body.capacity.devices = qty_devices(f["devices"].get<int64_t>());
        c.body.capacity.from_hour = at(f["from"]) / ns_per_hour;
        c.body.capacity.to_hour = at(f["to"]) / ns_per_hour;
    } else if (type == "create_participant") {
        c.type = command_type::create_participant;
        for (const json& r : f["roles"]) {
            c.body.create.roles =
                static_cast<uint8_t>(c.body.create.roles | (r == "admin"    ? role_admin
                                                            : r == "vendor" ? role_vendor
                                                            : r == "buyer"  ? role_buyer
                                                                            : role_regulator));
        }
        c.body.create.group = f["group"].is_null() ? 0 : static_cast<uint32_t>(num(f["group"]));
        copy_text(c.body.create.name, sizeof c.body.create.name, f["name"]);
    } else if (type == "tick") {
        c.type = command_type::tick;
    } else if (type == "fail_contract") {
        c.type = command_type::fail_contract;
        c.body.contract.id = contract_id(num(f["contract_id"]));
    } else if (type == "place_job") {
        c.type = command_type::place_job;
        job_body& b = c.body.job;
        for (const json& x : f["chips"]) b.chips |= 1u << m.chip_index(x.get<std::string>());
        for (const json& x : f["regions"]) b.regions |= 1u << m.region_index(x.get<std::string>());
        b.start_hour = static_cast<uint32_t>(at(f["start"]) / ns_per_hour);
        b.hours = f["hours"].get<uint8_t>();
        b.size = f["size"].get<int32_t>();
        b.data_gb = f["data_gb"].get<uint32_t>();
        b.max_price_fen = static_cast<int32_t>(fen(f["max_price"]));
        b.min_dense_gflops = f["min_dense_gflops"].get<uint32_t>();
        b.max_rtt_us = f["max_rtt_us"].get<uint32_t>();
        b.min_memory_gb = f["min_memory_gb"].get<uint16_t>();
        b.min_green_milli = f["min_green_milli"].get<uint16_t>();
        b.origin_region = region_of(m, f["origin_region"]);
        b.tif = pick<time_in_force>(f["tif"], {"gtc", "ioc", "fok"});
        b.flags = static_cast<uint8_t>((f["split"].get<bool>() ? job_flag_split : 0) |
                                       (f["dry_run"].get<bool>() ? job_flag_dry_run : 0) |
                                       (f["pflops"].get<bool>() ? job_flag_pflops : 0));
        copy_text(b.client_order_id, sizeof b.client_order_id, f["client_order_id"]);
    } else {
        ADD_FAILURE() << "unknown command type " << type;
    }
    return c;
}

// ---- the audit trail ----------------------------------------------------------------------------

TEST_F(Regulator, ReplayingTheTrailsCommandsReconstructsTheEngineStateAtEverySeq) {
    // A market's worth of commands: resting orders, a replace, cancels, trades, a refused
    // order, a job, a withdrawal.
    ASSERT_EQ(place(vendor, "sell", "12.00", 4).status, 201u);
    const http_result rest = place(vendor, "sell", "12.50", 3, R"("client_order_id":"v-1")");
    ASSERT_EQ(rest.status, 201u);
    const std::string rest_id = rest.json()["order_id"];
    ASSERT_EQ(
        ex->call(vendor, "PATCH", "/v1/orders/" + rest_id, R"({"price":"12.40","qty":2})").status,
        200u);
    ASSERT_EQ(place(buyer, "buy", "12.00", 2, R"("origin_region":"east1","data_gb":10)").status,
              201u);
    const http_result bid = place(buyer, "buy", "11.00", 1, R"("tif":"gtc","post_only":true)");
    ASSERT_EQ(bid.status, 201u);
    ASSERT_EQ(
        ex->call(buyer, "DELETE", "/v1/orders/" + bid.json()["order_id"].get<std::string>()).status,
        200u);
    EXPECT_EQ(place(buyer, "buy", "99.00", 1).code(), "PRICE_OUT_OF_BAND");
    EXPECT_EQ(ex->call(buyer, "POST", "/v1/withdrawals", R"({"amount":"1.50"})").status, 200u);
    // A job order (a dry run: a route report, no trade) for the symbol's hour.
    const auto key = parse_symbol(ex->market(), symbol);
    ASSERT_TRUE(key.has_value());
    const json job = {{"chips", {"gpu1"}},
                      {"qty", 1},
                      {"start", format_rfc3339(key->start_hour * ns_per_hour)},
                      {"hours", 1},
                      {"origin_region", "east1"},
                      {"data_gb", 5},
                      {"tif", "ioc"},
                      {"dry_run", true},
                      {"max_delivered_price", "40.00"}};
    const http_result quoted = ex->call(buyer, "POST", "/v1/jobs", job.dump());
    EXPECT_LT(quoted.status, 300u) << quoted.body;
    ex->advance(std::chrono::seconds(5));

    const std::vector<json> rows = trail(7);  // small pages: commands split across pages
    ASSERT_FALSE(rows.empty());
    const market_config& m = ex->market();
    exchange from_trail(m, exchange_config{});
    exchange from_journal(m, exchange_config{});
    discard sink;
    journal_reader journal(journal_dir(ex->dir()));
    uint64_t commands = 0;
    bool refused_seen = false;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const json& row = rows[i];
        ASSERT_EQ(row["row"].get<uint64_t>(), i + 1) << "gapless rows";
        if (row["kind"] != "command") {
            EXPECT_EQ(row["seq"], rows[i - 1]["seq"]) << "events follow their command";
            continue;
        }
        refused_seen = refused_seen || row["reject_reason"] == "PRICE_OUT_OF_BAND";
        const command c = command_of(m, row);
        command j;
        ASSERT_TRUE(journal.next(j)) << "the trail has more commands than the journal";
        // Everything but the gateway's routing token comes back from the fields.
        command j_untokened = j;
        j_untokened.token = route_token{};
        EXPECT_EQ(std::memcmp(&c, &j_untokened, sizeof c), 0)
            << "command " << c.seq << " re-encoded from " << row.dump();
        from_trail.apply(c, sink);
        from_journal.apply(j, sink);
        ASSERT_EQ(from_trail.state_hash(), from_journal.state_hash())
            << "state differs after command " << c.seq;
        ++commands;
    }
    EXPECT_TRUE(refused_seen);
    command extra;
    EXPECT_FALSE(journal.next(extra)) << "the journal has commands the trail lacks";
    EXPECT_EQ(commands, ex->pipeline().last_seq());
    // And the engine serving the market (idle now: the tests tick by hand) agrees.
    EXPECT_EQ(from_trail.state_hash(), ex->engine_state().state_hash());

    // from_seq starts at a command's own row.
    const uint64_t seq = commands - 3;
    const http_result r =
        ex->call(regulator, "GET", "/v1/audit?from_seq=" + std::to_string(seq) + "&limit=1");
    ASSERT_EQ(r.status, 200u) << r.body;
    ASSERT_EQ(r.json()["rows"].size(), 1u);
    EXPECT_EQ(r.json()["rows"][0]["kind"], "command");
    EXPECT_EQ(r.json()["rows"][0]["seq"], seq);
    EXPECT_TRUE(r.json()["more"].get<bool>());
    EXPECT_EQ(r.json()["recorded_seq"], commands);
}

TEST_F(Regulator, PagesAreCheckedAndTheCsvExportHasAHeaderAndATimeRange) {
    ASSERT_EQ(place(vendor, "sell", "12.00", 4).status, 201u);
    ex->advance(std::chrono::seconds(5));
    ASSERT_EQ(place(buyer, "buy", "12.00", 1).status, 201u);
    const std::vector<json> rows = trail(1000);

    for (const char* bad :
         {"/v1/audit?limit=0", "/v1/audit?limit=1001", "/v1/audit?from_seq=0",
          "/v1/audit?from_seq=1&cursor=1", "/v1/audit?colour=red", "/v1/audit.csv?from=yesterday",
          "/v1/alerts?kind=fraud", "/v1/alerts?from_seq=x"}) {
        const http_result r = ex->call(regulator, "GET", bad);
        EXPECT_EQ(r.status, 400u) << bad << " " << r.body;
    }
    // An empty page past the end says where to poll next.
    const http_result end = ex->call(
        regulator, "GET", "/v1/audit?cursor=" + std::to_string(rows.size() + 1) + "&limit=5");
    ASSERT_EQ(end.status, 200u);
    EXPECT_TRUE(end.json()["rows"].empty());
    EXPECT_EQ(end.json()["next_cursor"], rows.size() + 1);
    EXPECT_FALSE(end.json()["more"].get<bool>());

    // The whole trail as CSV: a header, then one line per row, the same rows.
    const http_result all = ex->call(regulator, "GET", "/v1/audit.csv");
    ASSERT_EQ(all.status, 200u) << all.body;
    EXPECT_EQ(all.headers.at("content-type"), "text/csv; charset=utf-8");
    std::vector<std::string> lines;
    for (std::size_t at = 0; at < all.body.size();) {
        const std::size_t end_of = all.body.find("\r\n", at);
        ASSERT_NE(end_of, std::string::npos) << "lines end in CRLF";
        lines.push_back(all.body.substr(at, end_of - at));
        at = end_of + 2;
    }
    ASSERT_EQ(lines.size(), rows.size() + 1);
    EXPECT_EQ(lines[0],
              "row,seq,event_seq,time,kind,type,participant_id,reject_reason,symbol,order_id,"
              "side,price,qty,fields");
    // A command line: its fields column is the row's JSON fields, quoted.
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const std::string& line = lines[i + 1];
        EXPECT_TRUE(line.starts_with(std::to_string(i + 1) + "," + rows[i]["seq"].dump() + ","))
            << line;
        const std::size_t q = line.find(",\"{");
        const std::string fields_csv =
            q == std::string::npos ? "" : line.substr(q + 2, line.size() - q - 3);
        std::string unquoted;
        for (std::size_t k = 0; k < fields_csv.size(); ++k) {
            unquoted.push_back(fields_csv[k]);
            if (fields_csv[k] == '"') ++k;  // "" -> "
        }
        if (!rows[i]["fields"].empty()) {
            EXPECT_EQ(json::parse(unquoted, nullptr, false), rows[i]["fields"]) << line;
        }
        if (rows[i]["type"] == "place_order") {
            const json& f = rows[i]["fields"];
            EXPECT_NE(line.find("," + f["symbol"].get<std::string>() + ",,"), std::string::npos);
            EXPECT_NE(line.find("," + f["side"].get<std::string>() + "," +
                                f["price"].get<std::string>() + "," + f["qty"].dump() + ","),
                      std::string::npos)
                << line;
        }
    }
    // A time range: [from, to) of the command stamps; here from the advance on.
    const std::string from = rows.back()["time"];
    const http_result part = ex->call(regulator, "GET", "/v1/audit.csv?from=" + from);
    ASSERT_EQ(part.status, 200u);
    std::size_t expected = 0;
    for (const json& row : rows) expected += row["time"] == from ? 1 : 0;
    std::size_t got = 0;
    for (const char ch : part.body) got += ch == '\n' ? 1 : 0;
    EXPECT_EQ(got, expected + 1);
    const http_result none =
        ex->call(regulator, "GET", "/v1/audit.csv?to=" + rows[0]["time"].get<std::string>());
    ASSERT_EQ(none.status, 200u);
    EXPECT_EQ(none.body.find("\r\n") + 2, none.body.size()) << "the header alone";
    // limit and cursor page the export too.
    const http_result two = ex->call(regulator, "GET", "/v1/audit.csv?cursor=3&limit=2");
    ASSERT_EQ(two.status, 200u);
    EXPECT_TRUE(two.body.find("\r\n3,") != std::string::npos);
    EXPECT_TRUE(two.body.find("\r\n4,") != std::string::npos);
    EXPECT_TRUE(two.body.find("\r\n5,") == std::string::npos);
}

// ---- who may look, and that regulators cannot trade ---------------------------------------------

TEST_F(Regulator, EveryRegulatorRouteAndTheAlertsChannelRefuseEveryoneElse) {
    const credentials both = ex->add_participant("both", {"vendor", "buyer"});
    for (const char* route : {"/v1/audit", "/v1/audit.csv", "/v1/alerts",
                              "/v1/audit?from_seq=1&limit=5", "/v1/alerts?kind=layering"}) {
        for (const credentials* who :
             std::vector<const credentials*>{&vendor, &buyer, &both, &ex->admin()}) {
            const http_result r = ex->call(*who, "GET", route);
            EXPECT_EQ(r.status, 403u) << route << " as " << who->participant_id;
            EXPECT_EQ(r.code(), "FORBIDDEN");
        }
        const http_result anon = ex->get(route);
        EXPECT_EQ(anon.status, 401u) << route;
        EXPECT_EQ(anon.code(), "UNAUTHORIZED");
        EXPECT_EQ(ex->call(regulator, "GET", route).status, 200u) << route;
    }
    // The stream: before auth 401, non-regulators 403, regulators get the snapshot.
    {
        auto c = open();
        const auto r = subscribe(*c, {"alerts"});
        ASSERT_TRUE(r.has_value());
        EXPECT_EQ((*r)["type"], "error");
        EXPECT_EQ((*r)["status"], 401);
    }
    for (const credentials* who : std::vector<const credentials*>{&vendor, &buyer, &ex->admin()}) {
        auto c = open();
        ASSERT_TRUE(c->auth(who->key, who->secret).has_value());
        const auto r = subscribe(*c, {"alerts", "book:" + symbol});
        ASSERT_TRUE(r.has_value());
        EXPECT_EQ((*r)["type"], "error");
        EXPECT_EQ((*r)["status"], 403);
        EXPECT_EQ((*r)["error"]["code"], "FORBIDDEN");
    }
    auto c = open();
    ASSERT_TRUE(c->auth(regulator.key, regulator.secret).has_value());
    const auto ok = subscribe(*c, {"alerts"});
    ASSERT_TRUE(ok.has_value());
    EXPECT_EQ((*ok)["type"], "subscribed");
    const auto snap = on_channel(*c, "alerts");
    ASSERT_TRUE(snap.has_value());
    EXPECT_EQ((*snap)["type"], "snapshot");
    EXPECT_TRUE((*snap)["alerts"].empty());
}

TEST_F(Regulator, RegulatorsCannotTrade) {
    const std::string job = R"({"chips":["gpu1"],"qty":1,"start":"2030-12-01T08:00:00Z","hours":1,)"
                            R"("origin_region":"east1","tif":"ioc"})";
    const std::vector<std::pair<std::string, std::string>> calls = {
        {"POST /v1/orders", order_body(symbol, "buy", "12.00", 1)},
        {"POST /v1/orders", order_body(symbol, "sell", "12.00", 1)},
        {"GET /v1/orders", ""},
        {"DELETE /v1/orders/1", ""},
        {"PATCH /v1/orders/1", R"({"qty":1})"},
        {"GET /v1/fills", ""},
        {"POST /v1/jobs", job},
        {"POST /v1/capacity",
         R"({"chip":"gpu1","region":"east1","devices":1,"from":"2030-01-01T00:00:00Z","to":"2030-01-01T01:00:00Z"})"},
        {"POST /v1/withdrawals", R"({"amount":"1.00"})"},
        {"POST /v1/admin/deposits", R"({"participant_id":"2","amount":"1.00"})"},
    };
    for (const auto& [what, body] : calls) {
        const std::size_t sp = what.find(' ');
        const http_result r = ex->call(regulator, what.substr(0, sp), what.substr(sp + 1), body);
        EXPECT_EQ(r.status, 403u) << what << " " << r.body;
    }
    // Nor over the stream.
    auto c = open();
    ASSERT_TRUE(c->auth(regulator.key, regulator.secret).has_value());
    json order = json::parse(order_body(symbol, "buy", "12.00", 1));
    order["op"] = "order";
    order["req_id"] = "r-1";
    const auto r = ask(*c, order);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ((*r)["status"], 403);
    // And no participant is both a regulator and a trader.
    const http_result mixed = ex->call(ex->admin(), "POST", "/v1/admin/participants",
                                       R"({"name":"rb","roles":["regulator","buyer"]})");
    EXPECT_EQ(mixed.status, 400u);
}

TEST_F(Regulator, AParticipantsGroupIsADecimalIdAsTheSchemaSays) {
    const std::vector<std::pair<json, bool>> cases = {
        {"42", true},  {"999999999", true}, {"0", false}, {"1000000000", false},
        {"x1", false}, {42, false},         {"", false},  {nullptr, false}};
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const auto& [group, ok] = cases[i];
        const json body = {
            {"name", "g-" + std::to_string(i)}, {"roles", {"buyer"}}, {"group", group}};
        const http_result r = ex->call(ex->admin(), "POST", "/v1/admin/participants", body.dump());
        EXPECT_EQ(r.status, ok ? 201u : 400u) << body.dump() << " " << r.body;
        if (ok) {
            ex->expect_schema_json(body, "participant_request.json");
        } else {
            ex->expect_schema_refused(body, "participant_request.json");
            EXPECT_EQ(r.json()["error"]["field"], "group");
        }
    }
}

// ---- alerts
// ---------------------------------------------------------------------------------------

TEST_F(Regulator, AlertsAreStoredServedAndPushedWithTheirEvidence) {
    // The regulator watches from the start.
    auto c = open();
    ASSERT_TRUE(c->auth(regulator.key, regulator.secret).has_value());
    ASSERT_TRUE(subscribe(*c, {"alerts"}).has_value());
    ASSERT_TRUE(on_channel(*c, "alerts").has_value());

    // Clean: a trade between unlinked participants, 2 of the window's 10 devices.
    ASSERT_EQ(place(vendor, "sell", "12.00", 2).status, 201u);
    ASSERT_EQ(place(buyer, "buy", "12.00", 2).status, 201u);
    EXPECT_TRUE(alerts().empty());

    // A wash trade: two participants of one group (admin-declared, one beneficial owner).
    const credentials a = add_grouped("owner-a", {"vendor"}, "42");
    const credentials b = add_grouped("owner-b", {"buyer"}, "42");
    ex->deposit(b, "1000.00");
    ex->register_capacity(a, symbol, 2);
    const http_result sell = place(a, "sell", "12.10", 1);
    ASSERT_EQ(sell.status, 201u);
    const http_result buy = place(b, "buy", "12.10", 1);
    ASSERT_EQ(buy.status, 201u);
    ASSERT_EQ(buy.json()["fills"].size(), 1u);

    json list = alerts();
    ASSERT_EQ(list.size(), 1u);
    const json& w = list[0];
    EXPECT_EQ(w["seq"], 1);
    EXPECT_EQ(w["kind"], "wash_trade");
    EXPECT_EQ(w["symbol"], symbol);
    EXPECT_EQ(w["participant_ids"], json::array({b.participant_id, a.participant_id}));
    EXPECT_EQ(w["evidence"]["order_ids"],
              json::array({buy.json()["order_id"], sell.json()["order_id"]}));
    EXPECT_EQ(w["evidence"]["trade_ids"], json::array({buy.json()["fills"][0]["trade_id"]}));
    EXPECT_EQ(w["cmd_seq"], buy.json()["seq"]);
    EXPECT_EQ(w["metrics"]["group"], 42);

    // Capacity hoarding: the buyer takes half of the window's 12 registered devices.
    ASSERT_EQ(place(vendor, "sell", "12.00", 4).status, 201u);
    ASSERT_EQ(place(buyer, "buy", "12.00", 4).status, 201u);
    list = alerts();
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[1]["kind"], "capacity_hoarding");
    EXPECT_EQ(list[1]["participant_ids"], json::array({buyer.participant_id}));
    EXPECT_EQ(list[1]["metrics"]["held"], 6);
    EXPECT_EQ(list[1]["metrics"]["supply"], 12);
    EXPECT_EQ(list[1]["metrics"]["share_bp"], 5000);

    // Filters and pages.
    EXPECT_EQ(alerts("?kind=capacity_hoarding").size(), 1u);
    EXPECT_EQ(alerts("?kind=layering").size(), 0u);
    const http_result page = ex->call(regulator, "GET", "/v1/alerts?limit=1");
    ASSERT_EQ(page.status, 200u);
    EXPECT_EQ(page.json()["alerts"].size(), 1u);
    EXPECT_TRUE(page.json()["more"].get<bool>());
    EXPECT_EQ(page.json()["next_seq"], 2);
    EXPECT_EQ(alerts("?from_seq=2")[0]["seq"], 2);

    // Both were pushed on the channel, as stored.
    std::vector<json> pushed;
    while (pushed.size() < 2) {
        const auto m = on_channel(*c, "alerts");
        ASSERT_TRUE(m.has_value()) << "alerts not pushed";
        EXPECT_EQ((*m)["type"], "update");
        for (const json& x : (*m)["alerts"]) pushed.push_back(x);
    }
    EXPECT_EQ(pushed[0], list[0]);
    EXPECT_EQ(pushed[1], list[1]);
    // A new subscriber's snapshot holds them, newest first.
    auto d = open();
    ASSERT_TRUE(d->auth(regulator.key, regulator.secret).has_value());
    ASSERT_TRUE(subscribe(*d, {"alerts"}).has_value());
    const auto snap = on_channel(*d, "alerts");
    ASSERT_TRUE(snap.has_value());
    EXPECT_EQ((*snap)["alerts"], json::array({list[1], list[0]}));
}

TEST_F(Regulator, LayeringIsRaisedThroughTheApiOnlyOnceEnoughLargeOrdersWereCancelled) {
    const credentials spoofer = ex->add_participant("spoofer", {"vendor", "buyer"});
    ex->deposit(spoofer, "10000.00");
    ex->register_capacity(spoofer, symbol, 100);
    ASSERT_EQ(place(vendor, "sell", "12.00", 4).status, 201u);
    // Large asks far from the touch, each cancelled at once; then a buy on the other side.
    const auto place_and_cancel = [&] {
        const http_result r = place(spoofer, "sell", "15.00", 20);
        ASSERT_EQ(r.status, 201u) << r.body;
        const std::string id = r.json()["order_id"];
        ASSERT_EQ(ex->call(spoofer, "DELETE", "/v1/orders/" + id).status, 200u);
    };
    place_and_cancel();
    place_and_cancel();
    ASSERT_EQ(place(spoofer, "buy", "12.00", 1).status, 201u);  // two cancels: not enough
    EXPECT_TRUE(alerts("?kind=layering").empty());
    place_and_cancel();
    place_and_cancel();
    place_and_cancel();
    const http_result buy = place(spoofer, "buy", "12.00", 1);
    ASSERT_EQ(buy.status, 201u);
    const json list = alerts("?kind=layering");
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0]["participant_ids"], json::array({spoofer.participant_id}));
    EXPECT_EQ(list[0]["cmd_seq"], buy.json()["seq"]);
    EXPECT_EQ(list[0]["metrics"]["cancelled_orders"], 5);  // the two earlier ones are in the window
    EXPECT_EQ(list[0]["metrics"]["cancelled_qty"], 100);
    EXPECT_EQ(list[0]["evidence"]["order_ids"].back(), buy.json()["order_id"]);
}

TEST_F(Regulator, ARestartedServerResumesTheStoreExactlyOnce) {
    const credentials a = add_grouped("owner-a", {"vendor"}, "7");
    const credentials b = add_grouped("owner-b", {"buyer"}, "7");
    ex->deposit(b, "1000.00");
    ex->register_capacity(a, symbol, 20);
    ASSERT_EQ(place(a, "sell", "12.00", 3).status, 201u);
    ASSERT_EQ(place(b, "buy", "12.00", 1).status, 201u);  // wash trade: alert 1
    const std::vector<json> before = trail(1000);
    const json alerts_before = alerts();
    ASSERT_EQ(alerts_before.size(), 1u);

    ex->stop();
    ex->start();
    const std::vector<json> after = trail(1000);
    // The restart's own commands (none: the admin exists) add nothing; the replay re-derived
    // every row and alert and stored none twice.
    ASSERT_EQ(after.size(), before.size());
    for (std::size_t i = 0; i < after.size(); ++i) EXPECT_EQ(after[i], before[i]);
    EXPECT_EQ(alerts(), alerts_before);

    // The stream's snapshot after a restart still holds the alert.
    auto c = open();
    ASSERT_TRUE(c->auth(regulator.key, regulator.secret).has_value());
    ASSERT_TRUE(subscribe(*c, {"alerts"}).has_value());
    const auto snap = on_channel(*c, "alerts");
    ASSERT_TRUE(snap.has_value());
    EXPECT_EQ((*snap)["alerts"], alerts_before);

    // New commands continue the rows and the alert numbers.
    ASSERT_EQ(place(b, "buy", "12.00", 1).status, 201u);  // another wash trade: alert 2
    const std::vector<json> more = trail(1000);
    ASSERT_GT(more.size(), after.size());
    EXPECT_EQ(more[after.size()]["row"], after.size() + 1);
    EXPECT_EQ(more[after.size()]["kind"], "command");
    const json now = alerts();
    ASSERT_EQ(now.size(), 2u);
    EXPECT_EQ(now[1]["seq"], 2);
}

}  // namespace
}  // namespace cux::gateway::test
