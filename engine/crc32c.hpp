#pragma once
// CRC-32C (Castagnoli, polynomial 0x1EDC6F41, reflected 0x82F63B78), as used by iSCSI, ext4 and
// the command journal's record checksums.
//
// Threads: every function is pure and safe from any thread.
// Speed: on x86-64 CPUs with SSE4.2 the crc32 instruction is used (picked once, at first call);
//   otherwise a slicing-by-8 table. Both give identical results (tested).
// Errors: none. Known vector: crc32c("123456789") == 0xE3069283.

#include <cstddef>
#include <cstdint>

namespace cux::engine {

// CRC-32C of `bytes` bytes at `data`, continuing from a previous result `crc` (0 to start):
// crc32c(ab) == crc32c(b, crc32c(a)).
[[nodiscard]] uint32_t crc32c(const void* data, std::size_t bytes, uint32_t crc = 0);

// The portable table-driven implementation (exposed for tests and benchmarks).
[[nodiscard]] uint32_t crc32c_sw(const void* data, std::size_t bytes, uint32_t crc = 0);

// True when crc32c() uses the hardware instruction on this machine.
[[nodiscard]] bool crc32c_hw_available();

}  // namespace cux::engine
