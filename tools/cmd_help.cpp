// `cux help`: the usage text on stdout.

#include <cstdio>

#include "tools/commands.hpp"

namespace cux::tools {

int cmd_help(int /*argc*/, char** /*argv*/) {
    print_usage(stdout);
    return 0;
}

}  // namespace cux::tools
