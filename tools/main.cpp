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
    {"bench", cmd_bench,
     "engine --scenario hot|deep [--path core|full] [--journal] [--ops N] ... | "
     "ledger [--trades N] [--data DIR] ... | jobs [--jobs N] [--seed S] | "
     "gateway [--connections N] [--seconds S] [--rate R] [--insecure-http] [--echo] ...",
     "engine throughput and latency; ledger settlement trades/s and commit latency; job "
     "routing latency; order entry over the stream end to end (figures, not a test)"},
    {"ledger", cmd_ledger, "verify --data DIR [--no-replay]",
     "prove a data directory's ledger: zero sum, escrow, contract lines, engine replay"},
    {"demo", cmd_demo, "[--market FILE] [--at RFC3339]",
     "a short scripted market on the engine: books, delivered costs, trades"},
    {"market", cmd_market, "check [FILE | --market FILE]",
     "load a market file, check every rule, print a summary"},
    {"serve", cmd_serve, "--data DIR [--market FILE] [--tick-ms N]",
     "run the exchange on a data directory (replays its journal first)"},
    // Client verbs: --url/--key/--secret, CUX_URL/CUX_KEY/CUX_SECRET or --config FILE
    // ({"url","key","secret"}); --cacert FILE or --insecure; --json prints the server's JSON.
    {"order", cmd_order, "place|cancel|replace|list|show ...",
     "place, cancel, replace and list your orders (`cux order` for details)"},
    {"job", cmd_job, "submit (--chips C,... | --min-tflops N) (--qty N | --pflops X) --start H ...",
     "a job order: the exchange buys it where it is cheapest delivered (`cux job` for details)"},
    {"fills", cmd_fills, "[--symbol SYMBOL]", "your fills, newest first"},
    {"book", cmd_book, "SYMBOL [--depth N]", "an instrument's order book"},
    {"trades", cmd_trades, "SYMBOL [--limit N]", "an instrument's trade tape"},
    {"bars", cmd_bars, "SYMBOL [--interval 1m|1h] [--from T] [--to T]",
     "an instrument's OHLCV bars with VWAP"},
    {"index", cmd_index, "[--chip C] [--region R] [--window HOUR]",
     "SCU price indices per PFLOPS-hour: national, east/west and spread, regions, chips, CPU"},
    {"settlements", cmd_settlements, "[--date YYYY-MM-DD]",
     "official settlement prices and how each was set"},
    {"instruments", cmd_instruments, "[--chip C] [--region R] [--status S]",
     "the listed instruments with their status, reference price and band"},
    {"account", cmd_account, "", "your balances: available, held by orders, escrow"},
    {"statement", cmd_statement, "[--from T] [--to T]", "your ledger lines"},
    {"contracts", cmd_contracts, "[--role R] [--status S] | fail ID",
     "your contracts; a seller reports non-delivery with `fail`"},
    {"capacity", cmd_capacity, "add CHIP REGION DEVICES [--from HOUR] [--hours N] | list",
     "register a vendor's devices for every hour of a range"},
    {"withdraw", cmd_withdraw, "AMOUNT", "withdraw available funds"},
    {"admin", cmd_admin, "participant add NAME --roles R[,R] [--write FILE] | deposit ID AMOUNT",
     "create participants and deposit funds (admin key)"},
    {"watch", cmd_watch, "CHANNEL... [--count N]",
     "the live stream, one line per message (book:S trades:S orders fills ...)"},
    {"audit", cmd_audit, "[--from-seq N | --cursor ROW] [--limit N] [--all] | csv [--from T] ...",
     "the audit trail: every command and event (regulator)"},
    {"alerts", cmd_alerts, "[--from-seq N] [--limit N] [--kind K]",
     "surveillance alerts with their evidence (regulator)"},
    {"sim", cmd_sim,
     "[--agents N] [--rate R] [--seconds S] [--seed X] --config ADMIN | --plan N [--seed X]",
     "a simulated market: vendors and enterprises trading and submitting jobs, then a summary"},
    {"maker", cmd_maker, "--config FILE [--symbols ...] [--interval-ms N]",
     "a demo market maker keeping two-sided quotes in a few books"},
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
    std::fprintf(out,
                 "\nClient verbs (order ... maker) reach a server with --url URL --key KEY "
                 "--secret SECRET\n(or CUX_URL, CUX_KEY, CUX_SECRET), or --config FILE "
                 "({\"url\",\"key\",\"secret\"},\ne.g. DIR/admin.credentials). --cacert FILE "
                 "(CUX_CACERT) verifies a self-signed server,\n--insecure skips that; --json "
                 "prints the server's JSON. Exit codes: 0 ok, 1 refused or\nunreachable "
                 "(error: CODE: message on stderr), 2 bad usage.\n");
}

}  // namespace cux::tools

int main(int argc, char** argv) {
    using namespace cux::tools;
    if (argc < 2) {
        print_usage(stderr);
        return 2;
    }
    hoist_client_options(argc, argv);
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
