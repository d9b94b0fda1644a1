#pragma once
// The demo market maker behind `cux maker`: keeps two-sided quotes in a few books so that they
// are never empty. Vendors quote asks and buyers bids, each in the books of its own region,
// `levels` price levels a side around the instrument's reference price (inside its band), in the
// nearest `books` hourly instruments of each chip that are pre_open or open. As instruments roll
// (close at gate closure, new ones list) quotes move to the new nearest books.
//
// Every cycle it reconciles against the server: its own open orders (client_order_id "mk-...";
// orders a person placed with the same key are never touched) are kept, re-sized or re-priced
// with a replace, cancelled, or placed. So it resumes after a restart, heals after a lost reply
// and never needs local state to be right.
//
// Rejections are expected (capacity sold out, funds short, a book that closed in between): each
// problem is logged as one line on stderr (the same line at most once a minute) and the cycle
// carries on. A vendor whose capacity runs short registers more for the next `capacity_hours`
// hours. Transport failures (the server restarting) are logged once and retried next cycle.
//
// Threads: run() on one thread; `stop` may be set from any (a signal handler).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "tools/client.hpp"

namespace cux::tools {

struct maker_account {
    std::string name;       // for log lines
    client_options client;  // its URL, key and TLS settings
    bool sells = false;     // a vendor quoting asks; else a buyer quoting bids
    std::string region;     // the hub whose books it quotes
};

struct maker_options {
    std::vector<maker_account> accounts;
    std::vector<std::string> chips{"h100", "910b"};
    std::vector<std::string> symbols;  // explicit books; empty: the nearest `books` per chip
    int books = 3;                     // hourly books per chip and region
    int levels = 2;                    // price levels per side
    int64_t qty = 4;                   // devices per level
    int64_t half_spread_bps = 100;     // first level's distance from the reference price
    int64_t capacity_hours = 72;       // how far ahead a vendor registers when it runs short
    std::chrono::milliseconds interval{2000};
    bool cancel_on_stop = true;
    bool verbose = false;  // one line per action
};

class maker {
public:
    explicit maker(maker_options o);
    ~maker();
    // Quotes until `stop` is set, then (cancel_on_stop) withdraws every quote. Returns 0, or 1
    // when it never reached the server.
    int run(const std::atomic<bool>& stop);

private:
    struct instrument;
    struct quote;
    struct account_state;

    bool load_reference();
    bool load_instruments(std::vector<instrument>& out);
    void reconcile(account_state& a, const std::vector<instrument>& books);
    void register_capacity(account_state& a, const instrument& in);
    void cancel_all(account_state& a);
    // Logs `text` unless the same line was logged in the last minute.
    void problem(const std::string& text);
    void note(const std::string& text);
    std::string next_client_id();

    maker_options o_;
    std::unique_ptr<http_client> public_;
    std::vector<std::unique_ptr<account_state>> accounts_;
    std::map<std::string, int64_t> tick_fen_;  // per chip
    std::map<std::string, std::chrono::steady_clock::time_point> logged_;
    uint64_t ids_ = 0;
    bool reachable_ = true;
};

// "12.34" -> 1234 fen (false when it is not a decimal with at most 2 places).
bool parse_fen(const std::string& text, int64_t& fen);

}  // namespace cux::tools
