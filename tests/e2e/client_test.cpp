// End-to-end tests of the `cux` client verbs against a real `cux serve`
// (tests/e2e/cli_harness.hpp).

#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/cli_harness.hpp"

namespace cux::e2e {
namespace {

TEST_F(ClientCli, VendorAndBuyerTradeAndSeeItInTheirStatements) {
    const std::string vendor_id = add_participant("vendor1", "vendor");
    const std::string buyer_id = add_participant("buyer1", "buyer");
    ASSERT_FALSE(vendor_id.empty());
    ASSERT_FALSE(buyer_id.empty());
    const std::string vendor = data_ + "/vendor1.json";
    const std::string buyer = data_ + "/buyer1.json";

    result r = cux({"admin", "deposit", buyer_id, "1000.00", "--config", admin_});
    ASSERT_EQ(r.code, 0) << r;
    EXPECT_NE(r.out.find("1000.00 CNY available"), std::string::npos) << r;

    const std::string symbol = open_symbol();
    ASSERT_FALSE(symbol.empty());
    r = cux({"capacity", "add", "gpu1", "east1", "10", "--hours", "48", "--config", vendor});
    ASSERT_EQ(r.code, 0) << r;
    EXPECT_NE(r.out.find("registered 10 x gpu1 in east1"), std::string::npos) << r;

    // The vendor's ask rests; the buyer's bid crosses it. Client options may precede the verb.
    r = cux({"--config", vendor, "order", "place", "sell", symbol, "4", "12.00"});
    ASSERT_EQ(r.code, 0) << r;
    EXPECT_NE(r.out.find(" open: 0 filled"), std::string::npos) << r;
    r = cux({"order", "place", "buy", symbol, "3", "12.50", "--origin", "east1", "--data-gb", "10",
             "--client-id", "job-1", "--json", "--config", buyer});
    ASSERT_EQ(r.code, 0) << r;
    EXPECT_NE(r.out.find(R"("status":"filled")"), std::string::npos) << r;
    const std::string order_id = capture(r.out, R"re("order_id":"(\d+)")re");
    ASSERT_FALSE(order_id.empty()) << r;

    r = cux({"order", "show", order_id, "--config", buyer});
    ASSERT_EQ(r.code, 0) << r;
    EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(filled_qty:\s+3\n)"))) << r;
    EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(avg_price:\s+12\.00\n)"))) << r;
    EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(status:\s+filled\n)"))) << r;

    r = cux({"book", symbol, "--config", buyer});
    ASSERT_EQ(r.code, 0) << r;
    EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(12\.00\s+1\n)"))) << r;  // 1 left
    r = cux({"trades", symbol, "--url", url_, "--cacert", data_ + "/cert.pem"});
    ASSERT_EQ(r.code, 0) << r;
    EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(buy\s+12\.00\s+3)"))) << r;
    r = cux({"order", "list", "--config", vendor});
    ASSERT_EQ(r.code, 0) << r;
    EXPECT_NE(r.out.find("partially_filled"), std::string::npos) << r;

    // The statement is the ledger's, written a moment after the trade: poll briefly.
    const auto until = clock_type::now() + deadline;
    do {
        r = cux({"statement", "--config", buyer});
        ASSERT_EQ(r.code, 0) << r;
        if (r.out.find("compute") != std::string::npos) break;
        std::this_thread::sleep_for(100ms);
    } while (clock_type::now() < until);
    EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(deposit\s+available\s+1000\.00)"))) << r;
    EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(compute\s+available\s+-36\.00)"))) << r;
    EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(compute\s+escrow\s+36\.00)"))) << r;

    r = cux({"contracts", "--config", vendor});
    ASSERT_EQ(r.code, 0) << r;
    EXPECT_TRUE(std::regex_search(r.out, std::regex(symbol + R"(\s+seller\s+12\.00\s+3)"))) << r;
    r = cux({"account", "--json", "--config", buyer});
    ASSERT_EQ(r.code, 0) << r;
    EXPECT_NE(r.out.find(R"("currency":"CNY")"), std::string::npos) << r;
    EXPECT_EQ(capture(r.out, R"re("held_by_orders":"([0-9.]+)")re"), "0.00") << r;

    // A bid the buyer cannot fund: the server's code on stderr, exit 1.
    r = cux({"order", "place", "buy", symbol, "1000", "17.00", "--config", buyer});
    EXPECT_EQ(r.code, 1) << r;
    EXPECT_NE(r.err.find("error: INSUFFICIENT_FUNDS: "), std::string::npos) << r;
    // A buyer may not sell.
    r = cux({"order", "place", "sell", symbol, "1", "12.00", "--config", buyer});
    EXPECT_EQ(r.code, 1) << r;
    EXPECT_NE(r.err.find("error: FORBIDDEN: "), std::string::npos) << r;
    // Cancel the vendor's rest, then a second cancel finds nothing.
    const std::string ask_id = capture(cux({"order", "list", "--json", "--config", vendor}).out,
                                       R"re("order_id":"(\d+)")re");
    ASSERT_FALSE(ask_id.empty());
    r = cux({"order", "cancel", ask_id, "--config", vendor});
    EXPECT_EQ(r.code, 0) << r;
    EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(status:\s+cancelled)"))) << r;
    r = cux({"order", "cancel", ask_id, "--config", vendor});
    EXPECT_EQ(r.code, 1) << r;
    EXPECT_NE(r.err.find("error: NOT_FOUND: "), std::string::npos) << r;
}

TEST_F(ClientCli, UsageErrorsExitTwoAndServerErrorsExitOne) {
    const std::string buyer_id = add_participant("buyer2", "buyer");
    const std::string buyer = data_ + "/buyer2.json";
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
             {"order", "place", "buy", "gpu1.east1.20300101T00.1h", "many", "12.00"},
             {"order", "place", "hold", "gpu1.east1.20300101T00.1h", "1", "12.00"},
             {"order", "place", "buy", "gpu1.east1.20300101T00.1h", "1"},
             {"order", "frobnicate"},
             {"order", "show", "not-an-id"},
             {"book"},
             {"account", "--no-such-option"},
             {"capacity", "add", "gpu1", "east1", "4", "--from", "tomorrow"},
             {"admin", "deposit", buyer_id},
         }) {
        std::vector<std::string> with_config = args;
        with_config.insert(with_config.end(), {"--config", buyer});
        const result r = cux(with_config);
        EXPECT_EQ(r.code, 2) << args[0] << " " << (args.size() > 1 ? args[1] : "") << "\n" << r;
        EXPECT_NE(r.err.find("usage: "), std::string::npos) << r;
    }
    // No server configured at all: a usage error too.
    result r = cux({"account"});
    EXPECT_EQ(r.code, 2) << r;
    EXPECT_NE(r.err.find("no server URL"), std::string::npos) << r;

    // The server refuses: its code and message, exit 1.
    r = cux({"admin", "deposit", buyer_id, "1.234", "--config", admin_});
    EXPECT_EQ(r.code, 1) << r;
    EXPECT_NE(r.err.find("error: INVALID_AMOUNT: "), std::string::npos) << r;
    r = cux({"admin", "participant", "add", "buyer2", "--roles", "buyer", "--config", admin_});
    EXPECT_EQ(r.code, 1) << r;
    EXPECT_NE(r.err.find("error: DUPLICATE_PARTICIPANT: "), std::string::npos) << r;
    r = cux({"admin", "deposit", buyer_id, "5.00", "--config", buyer});  // not an admin
    EXPECT_EQ(r.code, 1) << r;
    EXPECT_NE(r.err.find("error: FORBIDDEN: "), std::string::npos) << r;
    r = cux({"book", "gpu1.nowhere.20300101T00.1h", "--config", buyer});
    EXPECT_EQ(r.code, 1) << r;
    EXPECT_NE(r.err.find("error: UNKNOWN_INSTRUMENT: "), std::string::npos) << r;

    // Credentials from the environment; a wrong secret is refused by the server.
    const std::string key = capture(read_text(buyer), R"re("key":\s*"([^"]+)")re");
    const std::string secret = capture(read_text(buyer), R"re("secret":\s*"([^"]+)")re");
    const std::string cacert = data_ + "/cert.pem";
    r = cux({"account"},
            {{"CUX_URL", url_}, {"CUX_KEY", key}, {"CUX_SECRET", secret}, {"CUX_CACERT", cacert}});
    EXPECT_EQ(r.code, 0) << r;
    EXPECT_NE(r.out.find("available:"), std::string::npos) << r;
    r = cux({"account", "--secret", std::string(64, '0')},
            {{"CUX_URL", url_}, {"CUX_KEY", key}, {"CUX_SECRET", secret}, {"CUX_CACERT", cacert}});
    EXPECT_EQ(r.code, 1) << r;
    EXPECT_NE(r.err.find("error: UNAUTHORIZED: "), std::string::npos) << r;

    // The self-signed certificate is refused unless the client is told about it.
    r = cux({"instruments", "--url", url_});
    EXPECT_EQ(r.code, 1) << r;
    EXPECT_NE(r.err.find("certificate verify failed"), std::string::npos) << r;
    r = cux({"instruments", "--chip", "cpu1", "--url", url_, "--insecure"});
    EXPECT_EQ(r.code, 0) << r;
    EXPECT_NE(r.err.find("warning: --insecure"), std::string::npos) << r;
}

TEST_F(ClientCli, MakerQuotesBothSidesAndWithdrawsOnStop) {
    add_participant("maker-vendor", "vendor");
    const std::string buyer_id = add_participant("maker-buyer", "buyer");
    result r = cux({"admin", "deposit", buyer_id, "10000.00", "--config", admin_});
    ASSERT_EQ(r.code, 0) << r;
    ASSERT_FALSE(open_symbol().empty());
    // No capacity registered: the maker registers what it needs after the first refusal.
    write_text(data_ + "/maker.json", R"({"accounts": [
        {"name": "v", "credentials": "maker-vendor.json", "side": "sell", "region": "east1"},
        {"name": "b", "credentials": "maker-buyer.json", "side": "buy", "region": "east1"}]})");
    child maker({"maker", "--config", data_ + "/maker.json", "--chips", "gpu1", "--books", "1",
                 "--interval-ms", "200"},
                env_);
    // Two levels a side around the 12.00 reference: 11.88 / 11.76 bid, 12.12 / 12.24 ask, in
    // the nearest book. A level refused for capacity is placed a cycle later: poll.
    const std::regex first(R"(4\s+11\.88\s+12\.12\s+4)");
    const std::regex second(R"(4\s+11\.76\s+12\.24\s+4)");
    std::string symbol;
    const auto until = clock_type::now() + deadline;
    while (clock_type::now() < until) {
        symbol =
            capture(cux({"order", "list", "--json", "--config", data_ + "/maker-vendor.json"}).out,
                    R"re("symbol":"([^"]+)")re");
        r = cux({"book", symbol.empty() ? "none" : symbol, "--config", admin_});
        if (std::regex_search(r.out, first) && std::regex_search(r.out, second)) break;
        std::this_thread::sleep_for(100ms);
    }
    ASSERT_FALSE(symbol.empty()) << "the maker placed no quotes\n" << maker.output();
    EXPECT_TRUE(std::regex_search(r.out, first) && std::regex_search(r.out, second))
        << r << maker.output();

    maker.send(SIGTERM);
    EXPECT_EQ(maker.finish(), 0) << maker.output();
    r = cux({"book", symbol, "--config", admin_});
    EXPECT_NE(r.out.find("the book is empty"), std::string::npos) << r << maker.output();
}

}  // namespace
}  // namespace cux::e2e
