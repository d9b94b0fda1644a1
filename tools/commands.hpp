#pragma once
// The `cux` binary's verbs. Each verb is `int cmd_<verb>(int argc, char** argv)` in its own file
// tools/cmd_<verb>.cpp, registered in the table in tools/main.cpp. argv[0] is the verb itself and
// argv[1..argc) its arguments. A verb returns the process exit code: 0 success, 1 failure, 2 bad
// usage. Start-up errors may be thrown as std::exception: main prints `cux: <what>` and exits 1.

#include <cstdio>
#include <span>
#include <string>

namespace cux::tools {

struct verb {
    const char* name;
    int (*run)(int argc, char** argv);
    const char* args;     // argument synopsis, e.g. "check [FILE]"
    const char* summary;  // one line for `cux help`
};

// The dispatch table (tools/main.cpp).
std::span<const verb> verbs();
// Writes the usage text, with one line per verb.
void print_usage(std::FILE* out);

// The market file used when none is given: schemas/market.default.json of the source tree the
// binary was built from.
std::string default_market_path();

int cmd_bench(int argc, char** argv);
int cmd_demo(int argc, char** argv);
int cmd_help(int argc, char** argv);
int cmd_serve(int argc, char** argv);
int cmd_market(int argc, char** argv);
int cmd_ledger(int argc, char** argv);

// Client verbs (issue 4): tools/cmd_order.cpp, cmd_marketdata.cpp, cmd_account.cpp,
// cmd_admin.cpp, cmd_watch.cpp, cmd_maker.cpp; the HTTPS client is tools/client.hpp.
// `cux --config FILE book X` -> `cux book --config FILE X`: the client's common options
// (tools/cli.hpp) may come before the verb; this moves the verb to argv[1] (tools/cli.cpp).
void hoist_client_options(int argc, char** argv);
int cmd_order(int argc, char** argv);
int cmd_job(int argc, char** argv);  // issue 5: tools/cmd_job.cpp
int cmd_fills(int argc, char** argv);
int cmd_book(int argc, char** argv);
int cmd_trades(int argc, char** argv);
int cmd_instruments(int argc, char** argv);
int cmd_bars(int argc, char** argv);  // issue 6: tools/cmd_bars.cpp
int cmd_index(int argc, char** argv);
int cmd_settlements(int argc, char** argv);
int cmd_account(int argc, char** argv);
int cmd_statement(int argc, char** argv);
int cmd_contracts(int argc, char** argv);
int cmd_capacity(int argc, char** argv);
int cmd_withdraw(int argc, char** argv);
int cmd_admin(int argc, char** argv);
int cmd_watch(int argc, char** argv);
// Regulator verbs (issue 6): tools/cmd_audit.cpp.
int cmd_audit(int argc, char** argv);
int cmd_alerts(int argc, char** argv);
int cmd_sim(int argc, char** argv);  // issue 6: tools/cmd_sim.cpp, tools/sim*.cpp
int cmd_maker(int argc, char** argv);

}  // namespace cux::tools
