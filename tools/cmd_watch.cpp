// `cux watch CHANNEL...`: the live stream (API.md "Stream"), one line per message on stdout.
// Channels: book:SYMBOL, trades:SYMBOL, bars:SYMBOL:1m|1h, index (public), orders, fills
// (private: the stream is authenticated first), alerts (regulators only, authenticated too).
//
// Every channel message carries a per-channel seq increasing by 1; a gap is reported on stderr
// and the channel re-subscribed for a fresh snapshot, as API.md asks of a client. Heartbeats are
// shown only with --json or --heartbeats, the server's acknowledgements (authenticated,
// subscribed, ...) only with --json. Stops after --count channel messages (snapshots included),
// after --for-ms, or on SIGINT/SIGTERM (exit 0); an error reply (a refused auth or channel), a
// stream the server closed or one that failed exits 1.

#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <string>

#include "tools/cli.hpp"
#include "tools/commands.hpp"

namespace cux::tools {

namespace {

constexpr const char* watch_synopsis =
    "cux watch CHANNEL... [--count N] [--for-ms N] [--heartbeats] [--json]\n"
    "  CHANNEL: book:SYMBOL trades:SYMBOL bars:SYMBOL:1m|1h index orders fills alerts (regulator)";

std::atomic<bool> stop_requested{false};

void on_stop_signal(int) { stop_requested.store(true); }

bool is_private(const std::string& channel) {
    return channel == "orders" || channel == "fills" || channel == "alerts";
}

bool is_heartbeat(const nlohmann::json& m) {
    const std::string type = cell(m, "type");
    return type == "heartbeat" || type == "pong";
}

// "12.30x5 12.20x1" (a level's qty 0: gone).
std::string levels_text(const nlohmann::json& levels) {
    std::string s;
    for (const auto& l : levels) {
        if (!l.is_array() || l.size() != 2) continue;
        if (!s.empty()) s += " ";
        s += cell(l[0]) + "x" + cell(l[1]);
    }
    return s.empty() ? "-" : s;
}

// The members of a channel message after its channel, type and seq, readably; nullopt for a
// shape this client does not know (then it prints them as JSON).
std::optional<std::string> body_text(const std::string& channel, const nlohmann::json& m) {
    std::string s;
    const auto join = [&s](const std::string& part) { s += (s.empty() ? "" : ", ") + part; };
    if (channel.starts_with("book:") && m.contains("bids") && m.contains("asks")) {
        return "bids " + levels_text(m["bids"]) + " | asks " + levels_text(m["asks"]);
    }
    if (channel.starts_with("trades:") && m.contains("trades") && m["trades"].is_array()) {
        for (const auto& t : m["trades"]) {
            join(cell(t, "side") + " " + cell(t, "qty") + " @ " + cell(t, "price"));
        }
        return s.empty() ? "no trades" : s;
    }
    if (channel == "orders" && m.contains("orders") && m["orders"].is_array()) {
        for (const auto& o : m["orders"]) {
            join("order " + cell(o, "order_id") + " " + cell(o, "side") + " " + cell(o, "qty") +
                 " @ " + cell(o, "price") + " " + cell(o, "status") + " (" + cell(o, "filled_qty") +
                 " filled)");
        }
        return s.empty() ? "no open orders" : s;
    }
    if (channel == "fills" && m.contains("fills") && m["fills"].is_array()) {
        for (const auto& f : m["fills"]) {
            join(cell(f, "side") + " " + cell(f, "qty") + " @ " + cell(f, "price") + " " +
                 cell(f, "liquidity") + " (order " + cell(f, "order_id") + ")");
        }
        return s.empty() ? "no fills" : s;
    }
    if (channel == "alerts" && m.contains("alerts") && m["alerts"].is_array()) {
        for (const auto& x : m["alerts"]) {
            join("#" + cell(x, "seq") + " " + cell(x, "kind") + ": " + cell(x, "message"));
        }
        return s.empty() ? "no alerts" : s;
    }
    if (channel.starts_with("bars:") && m.contains("bars") && m["bars"].is_array()) {
        for (const auto& b : m["bars"]) {
            join(cell(b, "start") + " O " + cell(b, "open") + " H " + cell(b, "high") + " L " +
                 cell(b, "low") + " C " + cell(b, "close") + " V " + cell(b, "volume") + " vwap " +
                 cell(b, "vwap"));
        }
        return s.empty() ? "no bars" : s;
    }
    if (channel == "index" && m.contains("scu") && m["scu"].is_object()) {
        const auto price = [](const nlohmann::json& v) {
            return v.is_object() && v.contains("price") && v["price"].is_string()
                       ? v["price"].get<std::string>()
                       : std::string("-");
        };
        const nlohmann::json& scu = m["scu"];
        const nlohmann::json spread = scu.value("east_west_spread", nlohmann::json());
        return "national " + price(scu.value("national", nlohmann::json())) + " east " +
               price(scu.value("east", nlohmann::json())) + " west " +
               price(scu.value("west", nlohmann::json())) + " spread " +
               (spread.is_string() ? spread.get<std::string>() : std::string("-")) +
               " per PFLOPS-hour";
    }
    return std::nullopt;
}

// `CHANNEL TYPE #SEQ what it says` for a channel message, the JSON itself otherwise.
std::string human_line(const nlohmann::json& m) {
    if (!m.is_object() || !m.contains("channel")) return m.dump();
    const std::string channel = cell(m, "channel");
    std::string line = channel + " " + cell(m, "type") + " #" + cell(m, "seq");
    if (const auto text = body_text(channel, m)) return line + " " + *text;
    nlohmann::json rest = m;
    for (const char* k : {"channel", "type", "seq"}) rest.erase(k);
    return rest.empty() ? line : line + " " + rest.dump();
}

void subscribe(stream_client& s, const char* op, const std::vector<std::string>& channels) {
    const nlohmann::json m = {{"op", op}, {"channels", channels}};
    s.send(m.dump());
}

}  // namespace

int cmd_watch(int argc, char** argv) {
    return run_verb(watch_synopsis, [&] {
        const parsed_args a = parse_args(
            argc, argv, 1, {{"--count", true}, {"--for-ms", true}, {"--heartbeats", false}});
        if (a.positional.empty()) throw usage_error("name at least one CHANNEL");
        bool need_key = false;
        for (const std::string& c : a.positional) need_key = need_key || is_private(c);
        const int64_t count_max = a.get_int("--count", 1, INT64_MAX).value_or(0);
        const auto run_for_ms = a.get_int("--for-ms", 1, INT64_MAX);
        const bool json = a.has("--json");
        const bool heartbeats = json || a.has("--heartbeats");

        struct sigaction sa {};
        sa.sa_handler = on_stop_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, nullptr);
        sigaction(SIGTERM, &sa, nullptr);

        stream_client s(resolve_client_options(a, need_key));
        s.connect();
        if (need_key) s.send(s.auth_message());
        subscribe(s, "subscribe", a.positional);

        const auto start = std::chrono::steady_clock::now();
        std::map<std::string, int64_t> last_seq;  // per channel
        int64_t shown = 0;
        while (!stop_requested.load()) {
            if (count_max > 0 && shown >= count_max) break;
            auto wait = std::chrono::milliseconds(200);
            if (run_for_ms) {
                const auto left = start + std::chrono::milliseconds(*run_for_ms) -
                                  std::chrono::steady_clock::now();
                if (left <= std::chrono::milliseconds(0)) break;
                wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(left));
            }
            const std::optional<std::string> text = s.receive(wait);
            if (!text) continue;
            const auto m = nlohmann::json::parse(*text, nullptr, false);
            if (m.is_discarded()) {
                std::fprintf(stderr, "warning: a stream message is not JSON: %.200s\n",
                             text->c_str());
                continue;
            }
            if (m.is_object() && m.contains("error")) {
                // Only auth and (un)subscribe are sent: the watch cannot be what was asked.
                http_reply r;
                r.body = *text;
                print_api_error(r);
                s.close();
                return 1;
            }
            const bool beat = is_heartbeat(m);
            const bool on_channel = m.is_object() && m.contains("channel");
            if (json ? (!beat || heartbeats) : (on_channel || (beat && heartbeats))) {
                // --json: the server's text as sent, unless it spans lines.
                const bool one_line = text->find('\n') == std::string::npos;
                const std::string line = !json ? human_line(m) : one_line ? *text : m.dump();
                std::fprintf(stdout, "%s\n", line.c_str());
                std::fflush(stdout);
            }
            if (on_channel) ++shown;
            // Gap detection per channel: a snapshot starts over, an update follows by 1.
            if (!m.is_object() || !m.contains("channel") || !m.contains("seq") ||
                !m.at("seq").is_number_integer()) {
                continue;
            }
            const std::string channel = cell(m, "channel");
            const int64_t seq = m.at("seq").get<int64_t>();
            const auto it = last_seq.find(channel);
            if (cell(m, "type") != "snapshot" && it != last_seq.end() && seq != it->second + 1) {
                std::fprintf(stderr,
                             "warning: %s: seq %lld after %lld, messages lost; re-subscribing\n",
                             channel.c_str(), static_cast<long long>(seq),
                             static_cast<long long>(it->second));
                last_seq.erase(it);
                subscribe(s, "unsubscribe", {channel});
                subscribe(s, "subscribe", {channel});
                continue;
            }
            last_seq[channel] = seq;
        }
        s.close();
        return 0;
    });
}

}  // namespace cux::tools
