// `cux <verb> [args...]`: dispatches to one verb function. Start-up errors thrown by a verb end
// the process here with one line on stderr and exit code 1; an unknown verb is a usage error (2).

#include <cstdio>
#include <exception>
#include <span>
#include <string_view>

#include "tools/commands.hpp"

namespace cux::tools {

namespace {

// One entry per verb, in the order `cux help` lists them. The engine's verbs (demo, serve, bench)
// are added here by their authors, each with its own tools/cmd_<verb>.cpp.
constexpr verb verb_table[] = {
    {"bench", cmd_bench, "engine --scenario hot|deep [--path core|full] [--journal] [--ops N] ...",
     "matching-engine throughput and per-operation latency (prints figures; not a test)"},
    {"demo", cmd_demo, "[--market FILE] [--at RFC3339]",
     "a short scripted market on the engine: books, delivered costs, trades"},
    {"market", cmd_market, "check [FILE | --market FILE]",
     "load a market file, check every rule, print a summary"},
    {"serve", cmd_serve, "--data DIR [--market FILE] [--tick-ms N]",
     "run the exchange on a data directory (replays its journal first)"},
    {"help", cmd_help, "", "show this help"},
};

}  // namespace

std::span<const verb> verbs() { return verb_table; }

void print_usage(std::FILE* out) {
    std::fprintf(out, "usage: cux <verb> [args...]\n\nverbs:\n");
    for (const verb& v : verbs()) {
        const std::string_view args = v.args;
        std::fprintf(out, "  %s%s%s\n      %s\n", v.name, args.empty() ? "" : " ", v.args,
                     v.summary);
    }
}

}  // namespace cux::tools

int main(int argc, char** argv) {
    using namespace cux::tools;
    if (argc < 2) {
        print_usage(stderr);
        return 2;
    }
    const std::string_view name = argv[1];
    for (const verb& v : verbs()) {
        if (name != v.name) continue;
        try {
            return v.run(argc - 1, argv + 1);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "cux: %s\n", e.what());
            return 1;
        }
    }
    std::fprintf(stderr, "cux: unknown verb '%.*s'\n", static_cast<int>(name.size()), name.data());
    print_usage(stderr);
    return 2;
}
