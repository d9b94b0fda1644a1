#include "tools/bench_machine.hpp"

#include <sys/vfs.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace cux::tools::bench {

std::string cpu_model() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("model name", 0) == 0) {
            const auto colon = line.find(':');
            if (colon != std::string::npos) {
                const auto start = line.find_first_not_of(' ', colon + 1);
                return start == std::string::npos ? "" : line.substr(start);
            }
        }
    }
    return "unknown";
}

std::string load_average() {
    std::ifstream in("/proc/loadavg");
    std::string a, b, c;
    if (!(in >> a >> b >> c)) return "?";
    return a + " " + b + " " + c;
}

std::string fs_type(const std::string& dir) {
    struct statfs s {};
    if (statfs(dir.c_str(), &s) != 0) return "?";
    switch (static_cast<unsigned long>(s.f_type)) {
        case 0xEF53UL:
            return "ext4";
        case 0x01021994UL:
            return "tmpfs";
        case 0x58465342UL:
            return "xfs";
        case 0x9123683EUL:
            return "btrfs";
        case 0x794C7630UL:
            return "overlayfs";
        default: {
            char buf[32];
            std::snprintf(buf, sizeof buf, "fs 0x%lx", static_cast<unsigned long>(s.f_type));
            return buf;
        }
    }
}

const char* build_flavour() {
#if defined(__OPTIMIZE__) && defined(NDEBUG)
    return "optimized, NDEBUG";
#elif defined(__OPTIMIZE__)
    return "optimized, CUX_DASSERT on";
#else
    return "NOT optimized";
#endif
}

std::string machine_summary() {
    return std::to_string(sysconf(_SC_NPROCESSORS_ONLN)) + " cpus online, " + cpu_model() +
           "; g++ " + __VERSION__ + ", " + build_flavour();
}

}  // namespace cux::tools::bench
