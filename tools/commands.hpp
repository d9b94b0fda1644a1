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

}  // namespace cux::tools
