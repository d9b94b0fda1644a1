// `cux watch CHANNEL...`: the live stream (API.md "Stream"), one line per message on stdout.
// Channels: book:SYMBOL, trades:SYMBOL, bars:SYMBOL:1m, index (public), orders, fills (private:
// the stream is authenticated first), alerts (regulator).
//
// Every channel message carries a per-channel seq increasing by 1; a gap is reported on stderr
// and the channel re-subscribed for a fresh snapshot, as API.md asks of a client. Heartbeats are
// shown only with --json or --heartbeats. Stops after --count messages, after --for-ms, or on
// SIGINT/SIGTERM (exit 0); a stream the server closed or that failed exits 1.

#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>

#include "tools/cli.hpp"
#include "tools/commands.hpp"

namespace cux::tools {

namespace {

constexpr const char* watch_synopsis =
    "cux watch CHANNEL... [--count N] [--for-ms N] [--heartbeats] [--json]\n"
    "  CHANNEL: book:SYMBOL trades:SYMBOL bars:SYMBOL:1m index orders fills alerts";

std::atomic<bool> stop_requested{false};

void on_stop_signal(int) { stop_requested.store(true); }

bool is_private(const std::string& channel) {
    return channel == "orders" || channel == "fills" || channel == "alerts";
}

bool is_heartbeat(const nlohmann::json& m) {
    const std::string type = cell(m, "type");
    const std::string op = cell(m, "op");
    return type == "heartbeat" || op == "heartbeat" || type == "pong" || op == "pong" ||
           cell(m, "channel") == "heartbeat";
}

// `CHANNEL TYPE #SEQ {the other fields}` for a channel message, the JSON itself otherwise.
std::string human_line(const nlohmann::json& m) {
    if (!m.is_object() || !m.contains("channel")) return m.dump();
    nlohmann::json rest = m;
    std::string line = cell(m, "channel");
    rest.erase("channel");
    if (m.contains("type")) {
        line += " " + cell(m, "type");
        rest.erase("type");
    }
    if (m.contains("seq")) {
        line += " #" + cell(m, "seq");
        rest.erase("seq");
    }
    if (!rest.empty()) line += " " + rest.dump();
    return line;
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
                http_reply r;
                r.body = *text;
                print_api_error(r);
            }
            const bool beat = is_heartbeat(m);
            if (!beat || heartbeats) {
                // --json: the server's text as sent, unless it spans lines.
                const bool one_line = text->find('\n') == std::string::npos;
                const std::string line = !json ? human_line(m) : one_line ? *text : m.dump();
                std::fprintf(stdout, "%s\n", line.c_str());
                std::fflush(stdout);
                if (!beat) ++shown;
            }
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
