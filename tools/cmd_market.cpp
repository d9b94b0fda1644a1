// `cux market check [FILE | --market FILE]`: loads a market file with the same loader the server
// uses, so an operator can check a replacement file before starting with it. Prints a summary;
// a bad file ends with the loader's one-line error (via main) and exit code 1.

#include <cstdio>
#include <string>
#include <string_view>

#include "engine/market.hpp"
#include "gateway/market_file.hpp"
#include "tools/commands.hpp"

#ifndef CUX_SOURCE_DIR
#error "CUX_SOURCE_DIR must name the source tree (set by CMakeLists.txt)"
#endif

namespace cux::tools {

namespace {

int usage() {
    std::fprintf(stderr, "usage: cux market check [FILE | --market FILE]\n");
    return 2;
}

std::string fen_text(int64_t fen) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lld.%02lld", static_cast<long long>(fen / 100),
                  static_cast<long long>(fen % 100));
    return buf;
}

void print_summary(const std::string& path, const engine::market_config& m) {
    std::printf("market file %s: ok\n", path.c_str());
    std::printf("  chips    %zu:", m.chips.size());
    for (const auto& c : m.chips) std::printf(" %s", c.id.c_str());
    std::printf("\n  regions  %zu:", m.regions.size());
    for (const auto& r : m.regions) std::printf(" %s(%s)", r.id.c_str(), r.west ? "w" : "e");
    std::printf("\n  links    %zu (%zu x %zu), carriers %zu\n", m.links.size(), m.regions.size(),
                m.regions.size(), m.carriers.size());
    std::printf("  fees     maker %lld bps, taker %lld bps; band %lld bps, collar %lld bps\n",
                static_cast<long long>(m.maker_fee_bps), static_cast<long long>(m.taker_fee_bps),
                static_cast<long long>(m.band_bps), static_cast<long long>(m.market_collar_bps));
    std::printf("  calendar %lld hourly slots, %lld daily windows, UTC%+lld\n",
                static_cast<long long>(m.calendar.hourly_slots),
                static_cast<long long>(m.calendar.daily_windows),
                static_cast<long long>(m.calendar.utc_offset_hours));
    const auto& first = m.chips.front();
    std::printf("  e.g.     %s typical %s CNY per device-hour\n", first.id.c_str(),
                fen_text(first.typical_price.value()).c_str());
}

}  // namespace

std::string default_market_path() { return CUX_SOURCE_DIR "/schemas/market.default.json"; }

int cmd_market(int argc, char** argv) {
    if (argc < 2 || std::string_view(argv[1]) != "check") return usage();
    std::string path;
    for (int i = 2; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--market" && i + 1 < argc && path.empty()) {
            path = argv[++i];
        } else if (!arg.empty() && arg[0] != '-' && path.empty()) {
            path = arg;
        } else {
            return usage();
        }
    }
    if (path.empty()) path = default_market_path();
    print_summary(path, gateway::load_market_file(path));
    return 0;
}

}  // namespace cux::tools
