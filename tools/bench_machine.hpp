#pragma once
// What the benchmarks print about the machine they ran on (`cux bench engine`, `cux bench
// gateway`): the CPU model, the load average (other work on the machine distorts every figure),
// the file system a data directory is on and how the binary was compiled. Any thread; reads
// /proc and statfs, never fails (unknown values print as "?" or "unknown").

#include <string>

namespace cux::tools::bench {

// "AMD EPYC 7B13" from /proc/cpuinfo's first "model name"; "unknown" when absent.
std::string cpu_model();
// The 1-, 5- and 15-minute load averages, "1.83 1.20 0.91"; "?" when unreadable.
std::string load_average();
// "ext4", "tmpfs", "xfs", "btrfs", "overlayfs" or "fs 0x...": the file system holding `dir`.
std::string fs_type(const std::string& dir);
// "optimized, NDEBUG", "optimized, CUX_DASSERT on" or "NOT optimized": how this binary was built.
const char* build_flavour();
// "2 cpus online, <cpu model>; g++ <version>, <build flavour>", the start of a `machine` line.
std::string machine_summary();

}  // namespace cux::tools::bench
