#include "tools/maker.hpp"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine/types.hpp"
#include "tools/api_call.hpp"
#include "tools/cli.hpp"
#include "tools/format.hpp"

namespace cux::tools {

namespace {

using json = nlohmann::json;
using steady = std::chrono::steady_clock;

constexpr const char* client_id_prefix = "mk-";
constexpr auto repeat_after = std::chrono::minutes(1);
constexpr int64_t capacity_horizon_hours = 1000;  // below the engine's 1024-hour ring

}  // namespace

bool parse_fen(const std::string& text, int64_t& fen) {
    const std::size_t dot = text.find('.');
    const std::string whole = text.substr(0, dot);
    std::string frac = dot == std::string::npos ? "" : text.substr(dot + 1);
    if (whole.empty() || whole.size() > 15 || frac.size() > 2 ||
        whole.find_first_not_of("0123456789") != std::string::npos ||
        frac.find_first_not_of("0123456789") != std::string::npos) {
        return false;
    }
    frac.resize(2, '0');
    fen = std::stoll(whole) * 100 + std::stoll(frac);
    return true;
}

struct maker::instrument {
    std::string symbol;
    std::string chip;
    std::string region;
    int64_t window_end_hour = 0;
    int64_t ref_fen = 0;
    int64_t low_fen = 0;
    int64_t high_fen = 0;
};

struct maker::quote {
    std::string order_id;
    int64_t price_fen = 0;
    int64_t remaining = 0;
};

struct maker::account_state {
    maker_account cfg;
    std::unique_ptr<http_client> http;
    std::set<std::string> topped_up;  // chips whose capacity grew this cycle
};

maker::maker(maker_options o) : o_(std::move(o)) {
    CUX_ASSERT(!o_.accounts.empty());
    client_options pub = o_.accounts.front().client;
    pub.key.clear();
    pub.secret.clear();
    public_ = std::make_unique<http_client>(pub);
    for (const maker_account& a : o_.accounts) {
        auto s = std::make_unique<account_state>();
        s->cfg = a;
        s->http = std::make_unique<http_client>(a.client);
        accounts_.push_back(std::move(s));
    }
}

maker::~maker() = default;

void maker::problem(const std::string& text) {
    const auto now = steady::now();
    const auto it = logged_.find(text);
    if (it != logged_.end() && now - it->second < repeat_after) return;
    logged_[text] = now;
    std::fprintf(stderr, "maker: %s\n", text.c_str());
}

void maker::note(const std::string& text) {
    if (o_.verbose) std::fprintf(stderr, "maker: %s\n", text.c_str());
}

std::string maker::next_client_id() {
    // Unique across restarts: the start time in ms plus a counter, base 36, <= 32 characters.
    static const uint64_t epoch = static_cast<uint64_t>(unix_ms());
    auto base36 = [](uint64_t v) {
        std::string s;
        do {
            s.insert(s.begin(), "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36]);
            v /= 36;
        } while (v != 0);
        return s;
    };
    return client_id_prefix + base36(epoch) + "-" + base36(++ids_);
}

bool maker::load_reference() {
    const api_outcome r = call_api(*public_, "GET", "/v1/reference", {}, false);
    if (!r.ok) {
        problem("cannot read /v1/reference: " + r.what());
        return false;
    }
    if (!r.body.is_object() || !r.body.contains("chips") || !r.body.at("chips").is_array()) {
        problem("/v1/reference has no chips");
        return false;
    }
    for (const auto& c : r.body.at("chips")) {
        int64_t tick = 0;
        if (parse_fen(cell(c, "tick"), tick) && tick > 0) tick_fen_[cell(c, "id")] = tick;
    }
    for (const std::string& chip : o_.chips) {
        if (!tick_fen_.contains(chip)) problem("the market has no chip " + chip);
    }
    return !tick_fen_.empty();
}

bool maker::load_instruments(std::vector<instrument>& out) {
    // The (chip, region) lists to read: the explicit symbols', else chips x accounts' regions.
    std::set<std::pair<std::string, std::string>> pairs;
    if (!o_.symbols.empty()) {
        for (const std::string& s : o_.symbols) {
            const std::size_t a = s.find('.');
            const std::size_t b = a == std::string::npos ? a : s.find('.', a + 1);
            if (b == std::string::npos) {
                problem("not a symbol: " + s);
                continue;
            }
            pairs.emplace(s.substr(0, a), s.substr(a + 1, b - a - 1));
        }
    } else {
        for (const std::string& chip : o_.chips) {
            for (const auto& a : accounts_) pairs.emplace(chip, a->cfg.region);
        }
    }
    for (const auto& [chip, region] : pairs) {
        const api_outcome r =
            call_api(*public_, "GET",
                     "/v1/instruments" + query({{"chip", chip}, {"region", region}}), {}, false);
        if (!r.ok) {
            problem("cannot list " + chip + " instruments in " + region + ": " + r.what());
            if (r.code == "UNREACHABLE") return false;
            continue;
        }
        int taken = 0;
        for (const auto& x : r.body) {
            const std::string symbol = cell(x, "symbol");
            const std::string status = cell(x, "status");
            const bool wanted = o_.symbols.empty() ? symbol.ends_with(".1h") && taken < o_.books
                                                   : std::find(o_.symbols.begin(), o_.symbols.end(),
                                                               symbol) != o_.symbols.end();
            if (!wanted || (status != "pre_open" && status != "open")) continue;
            instrument in;
            in.symbol = symbol;
            in.chip = chip;
            in.region = region;
            in.window_end_hour = epoch_hour_of(cell(x, "window_end"));
            if (!parse_fen(cell(x, "reference_price"), in.ref_fen) ||
                !parse_fen(cell(x, "band_low"), in.low_fen) ||
                !parse_fen(cell(x, "band_high"), in.high_fen) || in.window_end_hour < 0) {
                problem("cannot read instrument " + symbol);
                continue;
            }
            out.push_back(in);
            ++taken;
        }
    }
    return true;
}

void maker::register_capacity(account_state& a, const instrument& in) {
    if (!a.topped_up.insert(in.chip).second) return;  // once per chip and cycle
    const int64_t now_hour = unix_ms() / 3'600'000;
    const int64_t to = std::min(now_hour + capacity_horizon_hours,
                                std::max(now_hour + o_.capacity_hours, in.window_end_hour));
    const int64_t devices = o_.qty * o_.levels;
    const json body = {{"chip", in.chip},
                       {"region", in.region},
                       {"devices", devices},
                       {"from", hour_text(now_hour)},
                       {"to", hour_text(to)}};
    const api_outcome r = call_api(*a.http, "POST", "/v1/capacity", body.dump());
    if (!r.ok) {
        problem(a.cfg.name + ": register " + in.chip + " capacity in " + in.region + ": " +
                r.what());
        return;
    }
    note(a.cfg.name + ": registered " + std::to_string(devices) + " more " + in.chip + " in " +
         in.region + " until " + hour_text(to));
}

void maker::reconcile(account_state& a, const std::vector<instrument>& books) {
    const char* side = a.cfg.sells ? "sell" : "buy";
    const api_outcome open = call_api(*a.http, "GET", "/v1/orders?status=open&limit=1000");
    if (!open.ok) {
        problem(a.cfg.name + ": list open orders: " + open.what());
        return;
    }
    // Its own quotes by symbol; orders placed by hand with the same key are left alone.
    std::map<std::string, std::vector<quote>> mine;
    for (const auto& o : open.body) {
        if (!cell(o, "client_order_id").starts_with(client_id_prefix) || cell(o, "side") != side) {
            continue;
        }
        quote q;
        q.order_id = cell(o, "order_id");
        if (!parse_fen(cell(o, "price"), q.price_fen)) continue;
        if (!o.contains("remaining_qty") || !o.at("remaining_qty").is_number_integer()) continue;
        q.remaining = o.at("remaining_qty").get<int64_t>();
        mine[cell(o, "symbol")].push_back(q);
    }
    auto failed = [&](const std::string& what, const api_outcome& r) {
        problem(a.cfg.name + ": " + what + ": " + r.what());
        return r.code == "UNREACHABLE" || r.code == "RATE_LIMITED";  // stop this cycle
    };
    auto cancel = [&](const std::string& symbol, const quote& q) {
        const api_outcome r = call_api(*a.http, "DELETE", "/v1/orders/" + q.order_id);
        if (!r.ok && r.code != "NOT_FOUND") return failed("cancel " + symbol + " " + q.order_id, r);
        note(a.cfg.name + ": cancelled " + symbol + " " + q.order_id);
        return false;
    };
    std::set<std::string> quoted;
    for (const instrument& in : books) {
        if (in.region != a.cfg.region) continue;
        quoted.insert(in.symbol);
        const int64_t tick = tick_fen_.contains(in.chip) ? tick_fen_[in.chip] : 1;
        const int64_t half = std::max(tick, in.ref_fen * o_.half_spread_bps / 10'000);
        std::vector<int64_t> want;
        for (int k = 1; k <= o_.levels; ++k) {
            int64_t p = a.cfg.sells ? ceil_to(in.ref_fen + half * k, tick)
                                    : floor_to(in.ref_fen - half * k, tick);
            if (!want.empty() && p == want.back()) p += a.cfg.sells ? tick : -tick;
            if (p <= 0 || p < in.low_fen || p > in.high_fen) break;
            want.push_back(p);
        }
        std::vector<quote>& have = mine[in.symbol];
        std::vector<int64_t> missing;
        for (const int64_t p : want) {
            const auto it = std::find_if(have.begin(), have.end(),
                                         [&](const quote& q) { return q.price_fen == p; });
            if (it == have.end()) {
                missing.push_back(p);
                continue;
            }
            const quote q = *it;
            have.erase(it);
            if (q.remaining >= o_.qty) continue;
            // Partly filled: top it up (a larger quantity goes to the back of the queue).
            const json body = {{"qty", o_.qty}};
            const api_outcome r =
                call_api(*a.http, "PATCH", "/v1/orders/" + q.order_id, body.dump());
            if (r.ok) {
                note(a.cfg.name + ": topped up " + in.symbol + " " + q.order_id);
                continue;
            }
            if (r.code == "INSUFFICIENT_CAPACITY") register_capacity(a, in);
            if (failed("top up " + in.symbol + " " + q.order_id, r)) return;
        }
        for (const int64_t p : missing) {
            api_outcome r;
            std::string what;
            if (!have.empty()) {
                // Move a spare quote rather than cancel one and place another.
                const quote q = have.back();
                have.pop_back();
                const json body = {{"price", yuan(p)}, {"qty", o_.qty}};
                what = "move " + in.symbol + " " + q.order_id + " to " + yuan(p);
                r = call_api(*a.http, "PATCH", "/v1/orders/" + q.order_id, body.dump());
            } else {
                const json body = {{"symbol", in.symbol},
                                   {"side", side},
                                   {"price", yuan(p)},
                                   {"qty", o_.qty},
                                   {"client_order_id", next_client_id()}};
                what = std::string("place ") + side + " " + in.symbol + " " +
                       std::to_string(o_.qty) + " @ " + yuan(p);
                r = call_api(*a.http, "POST", "/v1/orders", body.dump());
            }
            if (r.ok) {
                note(a.cfg.name + ": " + what);
                continue;
            }
            if (r.code == "INSUFFICIENT_CAPACITY") register_capacity(a, in);
            if (failed(what, r)) return;
        }
        for (const quote& q : have) {
            if (cancel(in.symbol, q)) return;
        }
        have.clear();
    }
    // Books that rolled out of the set (closed, or no longer the nearest).
    for (const auto& [symbol, quotes] : mine) {
        if (quoted.contains(symbol)) continue;
        for (const quote& q : quotes) {
            if (cancel(symbol, q)) return;
        }
    }
}

void maker::cancel_all(account_state& a) {
    const api_outcome open = call_api(*a.http, "GET", "/v1/orders?status=open&limit=1000");
    if (!open.ok) {
        problem(a.cfg.name + ": cannot withdraw quotes: " + open.what());
        return;
    }
    int n = 0;
    for (const auto& o : open.body) {
        if (!cell(o, "client_order_id").starts_with(client_id_prefix)) continue;
        const api_outcome r = call_api(*a.http, "DELETE", "/v1/orders/" + cell(o, "order_id"));
        if (r.ok) {
            ++n;
        } else if (r.code != "NOT_FOUND") {
            problem(a.cfg.name + ": cancel " + cell(o, "order_id") + ": " + r.what());
            if (r.code == "UNREACHABLE") return;
        }
    }
    note(a.cfg.name + ": withdrew " + std::to_string(n) + " quotes");
}

int maker::run(const std::atomic<bool>& stop) {
    bool ever_reached = false;
    while (!stop.load()) {
        const auto next = steady::now() + o_.interval;
        std::vector<instrument> books;
        if ((!tick_fen_.empty() || load_reference()) && load_instruments(books)) {
            if (!reachable_) std::fprintf(stderr, "maker: the server answers again\n");
            reachable_ = ever_reached = true;
            if (books.empty()) problem("no pre_open or open books to quote yet");
            for (auto& a : accounts_) {
                if (stop.load()) break;
                a->topped_up.clear();
                reconcile(*a, books);
            }
        } else {
            reachable_ = false;
        }
        while (!stop.load() && steady::now() < next) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
    if (o_.cancel_on_stop && ever_reached) {
        for (auto& a : accounts_) cancel_all(*a);
    }
    return ever_reached ? 0 : 1;
}

}  // namespace cux::tools
