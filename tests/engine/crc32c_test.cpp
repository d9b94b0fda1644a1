// Tests of engine/crc32c.hpp: known vectors (RFC 3720 B.4), chaining, hardware == software.
#include "engine/crc32c.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

namespace cux::engine {
namespace {

TEST(Crc32c, KnownVectors) {
    EXPECT_EQ(crc32c("123456789", 9), 0xE3069283u);
    EXPECT_EQ(crc32c_sw("123456789", 9), 0xE3069283u);
    EXPECT_EQ(crc32c("", 0), 0u);

    unsigned char buf[32];
    std::memset(buf, 0, sizeof buf);
    EXPECT_EQ(crc32c(buf, 32), 0x8A9136AAu);
    std::memset(buf, 0xFF, sizeof buf);
    EXPECT_EQ(crc32c(buf, 32), 0x62A8AB43u);
    for (int i = 0; i < 32; ++i) buf[i] = static_cast<unsigned char>(i);
    EXPECT_EQ(crc32c(buf, 32), 0x46DD794Eu);
    EXPECT_EQ(crc32c_sw(buf, 32), 0x46DD794Eu);
    for (int i = 0; i < 32; ++i) buf[i] = static_cast<unsigned char>(31 - i);
    EXPECT_EQ(crc32c(buf, 32), 0x113FDB5Cu);
}

TEST(Crc32c, ChainingEqualsOneShot) {
    const char* s = "The quick brown fox jumps over the lazy dog";
    const std::size_t n = std::strlen(s);
    const uint32_t whole = crc32c(s, n);
    for (std::size_t cut = 0; cut <= n; ++cut) {
        EXPECT_EQ(crc32c(s + cut, n - cut, crc32c(s, cut)), whole) << cut;
        EXPECT_EQ(crc32c_sw(s + cut, n - cut, crc32c_sw(s, cut)), whole) << cut;
    }
}

TEST(Crc32c, HardwareAndSoftwareAgreeOnEveryLengthAndAlignment) {
    std::mt19937_64 rng(42);
    std::vector<unsigned char> data(4096 + 16);
    for (auto& b : data) b = static_cast<unsigned char>(rng());
    for (std::size_t offset = 0; offset < 8; ++offset) {
        for (std::size_t len = 0; len < 300; ++len) {
            ASSERT_EQ(crc32c(data.data() + offset, len), crc32c_sw(data.data() + offset, len))
                << "offset " << offset << " len " << len;
        }
    }
    EXPECT_EQ(crc32c(data.data(), 4096), crc32c_sw(data.data(), 4096));
    RecordProperty("hardware", crc32c_hw_available() ? "sse4.2" : "none");
}

}  // namespace
}  // namespace cux::engine
