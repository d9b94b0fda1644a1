// `cux maker --config FILE [--symbols S,...] [--interval-ms N] ...`: the demo market maker
// (tools/maker.hpp) on the accounts a maker file names. tools/run writes DIR/maker.json:
//
//   {"url": "https://127.0.0.1:8443",
//    "accounts": [{"name": "east-cloud", "credentials": "east-cloud.json",
//                  "side": "sell", "region": "yrd"}, ...]}
//
// "credentials" is a client config file ({"url","key","secret"}) relative to the maker file; an
// account may instead carry "key" and "secret" itself. The URL is the maker file's, else the
// first credentials file's. TLS as for every verb (--cacert, CUX_CACERT, the file's "cacert",
// else cert.pem beside the maker file). Stops cleanly on SIGINT/SIGTERM, withdrawing its quotes
// unless --keep-quotes.

#include <signal.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tools/cli.hpp"
#include "tools/commands.hpp"
#include "tools/maker.hpp"

namespace cux::tools {

namespace {

namespace fs = std::filesystem;

constexpr const char* maker_synopsis =
    "cux maker --config FILE [--symbols SYMBOL,...] [--chips h100,910b] [--books N]\n"
    "                 [--levels N] [--qty N] [--spread-bps N] [--interval-ms N] [--keep-quotes]\n"
    "                 [--verbose] [--cacert FILE | --insecure]";

std::atomic<bool> stop_requested{false};

void on_stop_signal(int) { stop_requested.store(true); }

nlohmann::json read_json(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw usage_error("cannot read " + path.string());
    std::ostringstream text;
    text << in.rdbuf();
    auto j = nlohmann::json::parse(text.str(), nullptr, false);
    if (!j.is_object()) throw usage_error(path.string() + " is not a JSON object");
    return j;
}

std::string text_field(const nlohmann::json& j, const char* key, const std::string& where) {
    if (!j.contains(key) || !j.at(key).is_string() || j.at(key).get<std::string>().empty()) {
        throw usage_error(where + ": \"" + key + "\" must be a non-empty string");
    }
    return j.at(key).get<std::string>();
}

std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream in(s);
    std::string item;
    while (std::getline(in, item, ',')) {
        if (!item.empty()) out.push_back(item);
    }
    if (out.empty()) throw usage_error("empty list \"" + s + "\"");
    return out;
}

maker_options load_maker_options(const parsed_args& a) {
    const auto config = a.get("--config");
    if (!config) throw usage_error("maker needs --config FILE");
    const fs::path file(*config);
    const fs::path dir = file.parent_path();
    const nlohmann::json j = read_json(file);
    if (!j.contains("accounts") || !j.at("accounts").is_array() || j.at("accounts").empty()) {
        throw usage_error(*config + ": \"accounts\" must be a non-empty list");
    }
    // TLS and timeouts as every verb resolves them, with the maker file's URL.
    std::string url = j.contains("url") ? text_field(j, "url", *config) : "";
    std::string cacert = a.get("--cacert").value_or("");
    if (cacert.empty()) {
        if (const char* e = std::getenv("CUX_CACERT"); e != nullptr) cacert = e;
    }
    if (cacert.empty() && j.contains("cacert")) {
        const fs::path c = text_field(j, "cacert", *config);
        cacert = c.is_absolute() ? c.string() : (dir / c).string();
    }
    if (cacert.empty() && fs::exists(dir / "cert.pem")) cacert = (dir / "cert.pem").string();

    maker_options o;
    for (const auto& x : j.at("accounts")) {
        const std::string where = *config + ": account";
        if (!x.is_object()) throw usage_error(where + " must be an object");
        maker_account acc;
        acc.name = text_field(x, "name", where);
        const std::string side = text_field(x, "side", where);
        if (side != "sell" && side != "buy")
            throw usage_error(where + ": side must be sell or buy");
        acc.sells = side == "sell";
        acc.region = text_field(x, "region", where);
        std::string acc_url = url;
        if (x.contains("credentials")) {
            const fs::path c = text_field(x, "credentials", where);
            const nlohmann::json creds = read_json(c.is_absolute() ? c : dir / c);
            acc.client.key = text_field(creds, "key", c.string());
            acc.client.secret = text_field(creds, "secret", c.string());
            if (acc_url.empty()) acc_url = text_field(creds, "url", c.string());
        } else {
            acc.client.key = text_field(x, "key", where);
            acc.client.secret = text_field(x, "secret", where);
        }
        if (a.get("--url")) acc_url = *a.get("--url");
        if (acc_url.empty()) throw usage_error(*config + ": no \"url\"");
        if (url.empty()) url = acc_url;
        server_url parsed;
        std::string error;
        if (!parse_server_url(acc_url, parsed, error)) throw usage_error(error);
        acc.client.url = acc_url;
        acc.client.cacert = cacert;
        acc.client.insecure = a.has("--insecure");
        if (const auto t = a.get_int("--timeout-ms", 1, 600'000)) {
            acc.client.timeout = std::chrono::milliseconds(*t);
        }
        o.accounts.push_back(std::move(acc));
    }
    if (a.has("--insecure")) {
        std::fprintf(stderr, "warning: --insecure: the server's certificate is not verified\n");
    }
    if (const auto v = a.get("--symbols")) o.symbols = split(*v);
    if (const auto v = a.get("--chips")) o.chips = split(*v);
    if (const auto v = a.get_int("--books", 1, 48)) o.books = static_cast<int>(*v);
    if (const auto v = a.get_int("--levels", 1, 10)) o.levels = static_cast<int>(*v);
    if (const auto v = a.get_int("--qty", 1, 10'000)) o.qty = *v;
    if (const auto v = a.get_int("--spread-bps", 1, 4'000)) o.half_spread_bps = *v;
    if (const auto v = a.get_int("--interval-ms", 100, 3'600'000)) {
        o.interval = std::chrono::milliseconds(*v);
    }
    o.cancel_on_stop = !a.has("--keep-quotes");
    o.verbose = a.has("--verbose");
    return o;
}

}  // namespace

int cmd_maker(int argc, char** argv) {
    return run_verb(maker_synopsis, [&] {
        const parsed_args a = parse_args(argc, argv, 1,
                                         {{"--symbols", true},
                                          {"--chips", true},
                                          {"--books", true},
                                          {"--levels", true},
                                          {"--qty", true},
                                          {"--spread-bps", true},
                                          {"--interval-ms", true},
                                          {"--keep-quotes", false},
                                          {"--verbose", false}});
        if (!a.positional.empty()) throw usage_error("maker takes no arguments");
        const maker_options o = load_maker_options(a);

        struct sigaction sa {};
        sa.sa_handler = on_stop_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, nullptr);
        sigaction(SIGTERM, &sa, nullptr);

        std::string books = o.symbols.empty() ? std::to_string(o.books) + " nearest hourly books"
                                              : std::to_string(o.symbols.size()) + " books";
        std::fprintf(stderr,
                     "maker: %zu accounts on %s, %s per chip and region, %d levels x %lld "
                     "devices a side, every %lld ms\n",
                     o.accounts.size(), o.accounts.front().client.url.c_str(), books.c_str(),
                     o.levels, static_cast<long long>(o.qty),
                     static_cast<long long>(o.interval.count()));
        maker m(o);
        const int rc = m.run(stop_requested);
        std::fprintf(stderr, "maker: stopped\n");
        return rc;
    });
}

}  // namespace cux::tools
