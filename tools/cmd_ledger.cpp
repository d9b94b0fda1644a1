// `cux ledger verify --data DIR`: proves the ledger of a data directory (ledger/verify.hpp):
// zero sum, balances equal their lines, no negative balance, escrow equals the open contracts,
// every contract's lines add up to what its buyer paid, carriers and the fee account hold what
// settled contracts owe them, and the engine's balances replayed from DIR/journal (under
// DIR/market.json) equal the ledger's at its last event. Prints one line per check (and the
// first violations of each); exits 0 when all hold, 1 naming each violated check, 2 on usage.
// Safe while `cux serve` runs on DIR: it reads one snapshot on its own connection.

#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

#include "engine/journal.hpp"
#include "gateway/market_file.hpp"
#include "ledger/verify.hpp"
#include "tools/commands.hpp"
#include "tools/format.hpp"

namespace cux::tools {

namespace {

int usage() {
    std::fprintf(stderr,
                 "usage: cux ledger verify --data DIR [--no-replay]\n"
                 "  checks DIR/cux.db; the engine comparison replays DIR/journal under\n"
                 "  DIR/market.json (--no-replay skips it)\n");
    return 2;
}

}  // namespace

int cmd_ledger(int argc, char** argv) {
    if (argc < 2 || std::string_view(argv[1]) != "verify") return usage();
    std::string dir;
    bool replay = true;
    for (int i = 2; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--data" && i + 1 < argc) {
            dir = argv[++i];
        } else if (a == "--no-replay") {
            replay = false;
        } else {
            return usage();
        }
    }
    if (dir.empty()) return usage();
    const std::string db = dir + "/cux.db";
    if (!std::filesystem::exists(db)) {
        std::fprintf(stderr, "cux ledger: no ledger at %s\n", db.c_str());
        return 1;
    }
    ledger::verify_options o;
    o.db_path = db;
    engine::market_config market;
    if (replay) {
        const std::string market_file = dir + "/market.json";
        market = gateway::load_market_file(market_file);  // throws: main prints it, exit 1
        o.market = &market;
        o.journal_dir = engine::journal_dir(dir);
    }
    const auto r = ledger::verify(o);
    if (!r.ok()) {
        std::fprintf(stderr, "cux ledger: cannot verify %s: %s: %s\n", db.c_str(),
                     ledger::error_code_name(r.error().code), r.error().message.c_str());
        return 1;
    }
    const ledger::verify_report& rep = r.value();
    std::printf("ledger %s: event %llu (command %llu), %llu batches\n", db.c_str(),
                static_cast<unsigned long long>(rep.position.last_seq),
                static_cast<unsigned long long>(rep.position.last_cmd_seq),
                static_cast<unsigned long long>(rep.position.batches));
    std::string violated;
    for (const ledger::verify_check& c : rep.checks) {
        const char* verdict = c.skipped ? "skipped" : c.ok ? "ok" : "VIOLATED";
        std::printf("  %-22s %-8s %s\n", c.name.c_str(), verdict, c.summary.c_str());
        for (const std::string& d : c.details) std::printf("      %s\n", d.c_str());
        if (c.violations > c.details.size()) {
            std::printf("      ... and %llu more\n",
                        static_cast<unsigned long long>(c.violations - c.details.size()));
        }
        if (!c.ok) violated += (violated.empty() ? "" : ", ") + c.name;
    }
    if (!violated.empty()) {
        std::fprintf(stderr, "cux ledger: verify failed: %s\n", violated.c_str());
        return 1;
    }
    std::printf("ledger verified\n");
    return 0;
}

}  // namespace cux::tools
