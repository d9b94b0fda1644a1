#include "engine/crc32c.hpp"

#include <array>
#include <bit>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace cux::engine {
namespace {

constexpr uint32_t poly_reflected = 0x82F63B78u;

// tables[k][b]: the CRC of byte b followed by k zero bytes (slicing-by-8).
using crc_tables = std::array<std::array<uint32_t, 256>, 8>;

constexpr crc_tables make_tables() {
    crc_tables t{};
    for (uint32_t b = 0; b < 256; ++b) {
        uint32_t c = b;
        for (int i = 0; i < 8; ++i) c = (c & 1u) != 0 ? (c >> 1) ^ poly_reflected : c >> 1;
        t[0][b] = c;
    }
    for (std::size_t k = 1; k < 8; ++k) {
        for (std::size_t b = 0; b < 256; ++b) {
            const uint32_t prev = t[k - 1][b];
            t[k][b] = (prev >> 8) ^ t[0][prev & 0xFFu];
        }
    }
    return t;
}

constexpr crc_tables tables = make_tables();
static_assert(tables[0][0x80] == poly_reflected);  // 0x80 shifts out after 8 steps

uint32_t sw_update(uint32_t c, const unsigned char* p, std::size_t n) {
    while (n >= 8) {
        uint64_t w;
        std::memcpy(&w, p, 8);
        w ^= c;  // little-endian: the low 4 bytes fold the running CRC in
        c = tables[7][w & 0xFFu] ^ tables[6][(w >> 8) & 0xFFu] ^ tables[5][(w >> 16) & 0xFFu] ^
            tables[4][(w >> 24) & 0xFFu] ^ tables[3][(w >> 32) & 0xFFu] ^
            tables[2][(w >> 40) & 0xFFu] ^ tables[1][(w >> 48) & 0xFFu] ^ tables[0][w >> 56];
        p += 8;
        n -= 8;
    }
    while (n-- != 0) c = (c >> 8) ^ tables[0][(c ^ *p++) & 0xFFu];
    return c;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t hw_update(uint32_t c, const unsigned char* p,
                                                     std::size_t n) {
    uint64_t c64 = c;
    while (n >= 8) {
        uint64_t w;
        std::memcpy(&w, p, 8);
        c64 = _mm_crc32_u64(c64, w);
        p += 8;
        n -= 8;
    }
    auto c32 = static_cast<uint32_t>(c64);
    while (n-- != 0) c32 = _mm_crc32_u8(c32, *p++);
    return c32;
}

bool detect_hw() {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") != 0;
}
#endif

}  // namespace

// sw_update folds the CRC into the low bytes of a 64-bit load.
static_assert(std::endian::native == std::endian::little);

uint32_t crc32c_sw(const void* data, std::size_t bytes, uint32_t crc) {
    return ~sw_update(~crc, static_cast<const unsigned char*>(data), bytes);
}

bool crc32c_hw_available() {
#if defined(__x86_64__)
    static const bool hw = detect_hw();
    return hw;
#else
    return false;
#endif
}

uint32_t crc32c(const void* data, std::size_t bytes, uint32_t crc) {
    const auto* p = static_cast<const unsigned char*>(data);
#if defined(__x86_64__)
    if (crc32c_hw_available()) return ~hw_update(~crc, p, bytes);
#endif
    return ~sw_update(~crc, p, bytes);
}

}  // namespace cux::engine
