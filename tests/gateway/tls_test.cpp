// TLS and first start: the generated certificate verifies for localhost, only TLS 1.2/1.3 with
// AEAD ciphers are spoken, the key and credentials files are private, and --insecure-http serves
// the same API over plain HTTP.

#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "tests/gateway/support/harness.hpp"

namespace cux::gateway::test {
namespace {

using Tls = GatewayTest;

unsigned mode_of(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return 0;
    return st.st_mode & 0777;
}

TEST_F(Tls, FirstStartWritesPrivateKeyAndCredentials) {
    EXPECT_EQ(mode_of(ex->dir() + "/key.pem"), 0600u);
    EXPECT_NE(mode_of(ex->dir() + "/cert.pem"), 0u);
    EXPECT_EQ(mode_of(ex->dir() + "/admin.credentials"), 0600u);
    EXPECT_EQ(mode_of(ex->dir() + "/cux.db"), 0600u);
    std::ifstream in(ex->dir() + "/admin.credentials");
    std::ostringstream s;
    s << in.rdbuf();
    const auto creds = nlohmann::json::parse(s.str());
    EXPECT_EQ(creds["url"], "https://127.0.0.1:" + std::to_string(ex->port()));
    ex->expect_schema_json(creds, "admin_credentials.json");
    // The admin's key works and the admin is participant 1.
    const http_result r = ex->call(ex->admin(), "GET", "/v1/account");
    EXPECT_EQ(r.status, 200u) << r.body;
}

TEST_F(Tls, OnlyTls12And13WithAeadCiphers) {
    tls_client_options v12;
    v12.ca_file = ex->dir() + "/cert.pem";  // verifies the chain and the name localhost
    v12.min_version = TLS1_2_VERSION;
    v12.max_version = TLS1_2_VERSION;
    connection c12(ex->port(), transport::tls, v12);
    EXPECT_EQ(c12.tls_version(), "TLSv1.2");
    EXPECT_NE(c12.tls_cipher().find("GCM"), std::string::npos) << c12.tls_cipher();
    EXPECT_EQ(c12.request("GET", "/healthz").status, 200u);

    tls_client_options v13 = v12;
    v13.min_version = TLS1_3_VERSION;
    v13.max_version = TLS1_3_VERSION;
    connection c13(ex->port(), transport::tls, v13);
    EXPECT_EQ(c13.tls_version(), "TLSv1.3");
    EXPECT_EQ(c13.request("GET", "/healthz").status, 200u);

    tls_client_options cbc = v12;
    cbc.ciphers = "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384:AES128-SHA";
    EXPECT_THROW(connection(ex->port(), transport::tls, cbc), std::runtime_error);

    tls_client_options old;
    old.max_version = TLS1_1_VERSION;
    EXPECT_THROW(connection(ex->port(), transport::tls, old), std::runtime_error);

    connection plain(ex->port(), transport::plain);  // plain HTTP to a TLS port
    EXPECT_THROW(plain.request("GET", "/healthz"), std::runtime_error);
    EXPECT_EQ(ex->get("/healthz").status, 200u);
}

class Insecure : public GatewayTest {
protected:
    exchange_options options() override {
        exchange_options o;
        o.tls = false;
        return o;
    }
};

TEST_F(Insecure, PlainHttpServesTheSameApi) {
    EXPECT_EQ(ex->get("/healthz").status, 200u);
    const credentials buyer = ex->add_participant("buyer-a", {"buyer"});
    ex->deposit(buyer, "1.00");
    const http_result r = ex->call(buyer, "GET", "/v1/account");
    ASSERT_EQ(r.status, 200u);
    EXPECT_EQ(r.json()["available"], "1.00");
    std::ifstream in(ex->dir() + "/admin.credentials");
    std::ostringstream s;
    s << in.rdbuf();
    EXPECT_EQ(nlohmann::json::parse(s.str())["url"],
              "http://127.0.0.1:" + std::to_string(ex->port()));
}

}  // namespace
}  // namespace cux::gateway::test
