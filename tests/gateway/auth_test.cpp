// Authentication and authorization: signatures, the timestamp window, unknown keys, roles on
// every private route, and the privacy of another participant's orders.

#include <gtest/gtest.h>

#include "tests/gateway/support/harness.hpp"

namespace cux::gateway::test {
namespace {

class Auth : public GatewayTest {
protected:
    void SetUp() override {
        GatewayTest::SetUp();
        ex->open_market();
        symbol = ex->open_symbol();
        vendor = ex->add_participant("vendor-a", {"vendor"});
        buyer = ex->add_participant("buyer-a", {"buyer"});
        both = ex->add_participant("both-a", {"vendor", "buyer"});
        regulator = ex->add_participant("regulator-a", {"regulator"});
        ex->deposit(buyer, "1000.00");
        ex->deposit(both, "1000.00");
        ex->register_capacity(vendor, symbol, 5);
        ex->register_capacity(both, symbol, 5);
    }

    // A signed request with hand-made headers.
    http_result raw(const std::string& method, const std::string& target, const std::string& body,
                    const header_list& headers) {
        auto c = ex->connect();
        const http_result r = c->request(method, target, body, headers);
        if (r.status >= 400) ex->expect_schema(r, "error.json");
        return r;
    }

    void expect_401(const http_result& r, const std::string& field) {
        EXPECT_EQ(r.status, 401u) << r.body;
        EXPECT_EQ(r.code(), "UNAUTHORIZED") << r.body;
        EXPECT_EQ(r.json()["error"]["field"], field) << r.body;
    }

    std::string symbol;
    credentials vendor, buyer, both, regulator;
};

TEST_F(Auth, MissingHeadersAreUnauthorized) {
    expect_401(raw("GET", "/v1/account", "", {}), "CUX-KEY");
    expect_401(raw("GET", "/v1/account", "", {{"CUX-KEY", buyer.key}}), "CUX-TS");
    expect_401(raw("GET", "/v1/account", "",
                   {{"CUX-KEY", buyer.key}, {"CUX-TS", std::to_string(now_ms())}}),
               "CUX-SIGN");
    expect_401(raw("GET", "/v1/account", "",
                   {{"CUX-KEY", buyer.key}, {"CUX-TS", "soon"}, {"CUX-SIGN", "00"}}),
               "CUX-TS");
}

TEST_F(Auth, BadSignaturesAreUnauthorized) {
    const std::string body = order_body(symbol, "buy", "10.00", 1);
    // Signed with another secret.
    credentials forged = buyer;
    forged.secret = vendor.secret;
    expect_401(ex->call(forged, "POST", "/v1/orders", body), "CUX-SIGN");
    // Signed over another body, another path, another method.
    header_list h =
        test_exchange::sign(buyer, "POST", "/v1/orders", order_body(symbol, "buy", "10.00", 2));
    expect_401(raw("POST", "/v1/orders", body, h), "CUX-SIGN");
    h = test_exchange::sign(buyer, "GET", "/v1/orders?status=all", "");
    expect_401(raw("GET", "/v1/orders?status=open", "", h), "CUX-SIGN");
    h = test_exchange::sign(buyer, "GET", "/v1/account", "");
    expect_401(raw("POST", "/v1/withdrawals", R"({"amount":"1.00"})", h), "CUX-SIGN");
    // Upper-case hex is not the signature.
    h = test_exchange::sign(buyer, "GET", "/v1/account", "");
    for (char& ch : h[2].second)
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    expect_401(raw("GET", "/v1/account", "", h), "CUX-SIGN");
    // Nothing was placed.
    EXPECT_TRUE(ex->call(buyer, "GET", "/v1/orders?status=all").json().empty());
}

TEST_F(Auth, TimestampWindowIsFiveSeconds) {
    expect_401(ex->call(buyer, "GET", "/v1/account", "", -6000), "CUX-TS");
    expect_401(ex->call(buyer, "GET", "/v1/account", "", +6000), "CUX-TS");
    EXPECT_EQ(ex->call(buyer, "GET", "/v1/account", "", -4000).status, 200u);
    EXPECT_EQ(ex->call(buyer, "GET", "/v1/account", "", +4000).status, 200u);
}

TEST_F(Auth, UnknownKeyIsUnauthorized) {
    credentials ghost{"ck_0123456789abcdef", std::string(64, 'a'), "99"};
    expect_401(ex->call(ghost, "GET", "/v1/account"), "CUX-KEY");
}

TEST_F(Auth, RolesAreEnforcedOnEveryRoute) {
    auto expect_403 = [&](const http_result& r) {
        EXPECT_EQ(r.status, 403u) << r.body;
        EXPECT_EQ(r.code(), "FORBIDDEN") << r.body;
    };
    const std::string buy = order_body(symbol, "buy", "10.00", 1);
    const std::string sell = order_body(symbol, "sell", "14.00", 1);
    const credentials admin = ex->admin();
    expect_403(ex->call(buyer, "POST", "/v1/orders", sell));            // a buyer cannot sell
    expect_403(ex->call(vendor, "POST", "/v1/orders", buy));            // a vendor cannot buy
    EXPECT_EQ(ex->call(both, "POST", "/v1/orders", buy).status, 201u);  // unless it holds both
    EXPECT_EQ(ex->call(both, "POST", "/v1/orders", sell).status, 201u);
    for (const credentials* nobody :
         std::initializer_list<const credentials*>{&regulator, &admin}) {
        expect_403(ex->call(*nobody, "POST", "/v1/orders", buy));
        expect_403(ex->call(*nobody, "GET", "/v1/orders"));
        expect_403(ex->call(*nobody, "GET", "/v1/fills"));
        expect_403(ex->call(*nobody, "POST", "/v1/withdrawals", R"({"amount":"1.00"})"));
    }
    expect_403(ex->call(buyer, "POST", "/v1/capacity", "{}"));
    expect_403(ex->call(buyer, "GET", "/v1/capacity"));
    expect_403(ex->call(buyer, "POST", "/v1/contracts/1/fail"));
    expect_403(ex->call(regulator, "GET", "/v1/contracts"));
    // Only the admin creates participants and deposits.
    for (const credentials* who :
         std::initializer_list<const credentials*>{&vendor, &buyer, &regulator}) {
        expect_403(
            ex->call(*who, "POST", "/v1/admin/participants", R"({"name":"x","roles":["buyer"]})"));
        expect_403(
            ex->call(*who, "POST", "/v1/admin/deposits",
                     R"({"participant_id":")" + buyer.participant_id + R"(","amount":"1.00"})"));
    }
    // Everyone may see their own account.
    EXPECT_EQ(ex->call(regulator, "GET", "/v1/account").status, 200u);
}

TEST_F(Auth, AnotherParticipantsOrderIsNotFound) {
    const http_result mine =
        ex->call(buyer, "POST", "/v1/orders", order_body(symbol, "buy", "10.00", 1));
    ASSERT_EQ(mine.status, 201u);
    const std::string id = mine.json()["order_id"];
    for (const auto& [method, body] : std::vector<std::pair<std::string, std::string>>{
             {"GET", ""}, {"DELETE", ""}, {"PATCH", R"({"qty":1})"}}) {
        const http_result r = ex->call(both, method, "/v1/orders/" + id, body);
        EXPECT_EQ(r.status, 404u) << method << " " << r.body;
        EXPECT_EQ(r.code(), "NOT_FOUND");
    }
    EXPECT_TRUE(ex->call(both, "GET", "/v1/orders?status=all").json().empty());
    EXPECT_EQ(ex->call(buyer, "GET", "/v1/orders/" + id).status, 200u);  // still there
    EXPECT_EQ(ex->call(buyer, "GET", "/v1/orders/12345678901234567890123").code(), "NOT_FOUND");
}

TEST_F(Auth, ParticipantCreationIsChecked) {
    auto create = [&](const std::string& body) {
        return ex->call(ex->admin(), "POST", "/v1/admin/participants", body);
    };
    EXPECT_EQ(create(R"({"name":"r2","roles":["regulator","buyer"]})").code(), "BAD_REQUEST");
    EXPECT_EQ(create(R"({"name":"r2","roles":["king"]})").code(), "BAD_REQUEST");
    EXPECT_EQ(create(R"({"name":"r2","roles":[]})").code(), "BAD_REQUEST");
    EXPECT_EQ(create(R"({"name":"r2","roles":["buyer","buyer"]})").code(), "BAD_REQUEST");
    EXPECT_EQ(create(R"({"name":"","roles":["buyer"]})").code(), "BAD_REQUEST");
    EXPECT_EQ(create(R"({"name":"a-name-that-is-much-too-long-for-us","roles":["buyer"]})").code(),
              "BAD_REQUEST");
    EXPECT_EQ(create(R"({"name":"r2","roles":["buyer"],"email":"x"})").code(), "UNKNOWN_FIELD");
    const http_result dup = create(R"({"name":"buyer-a","roles":["buyer"]})");
    EXPECT_EQ(dup.status, 409u);
    EXPECT_EQ(dup.code(), "DUPLICATE_PARTICIPANT");
    // A new participant's key works at once.
    const credentials fresh = ex->add_participant("fresh", {"buyer"});
    EXPECT_EQ(ex->call(fresh, "GET", "/v1/account").status, 200u);
}

}  // namespace
}  // namespace cux::gateway::test
