#pragma once
// Unsigned LEB128 varints, the encoding of the posting lists' ids (schemas/ledger.sql
// "postings"): 7 bits a byte, low bits first, the high bit set on every byte but the last.

#include <cstdint>
#include <vector>

namespace cux::ledger::detail {

inline void put_varint(std::vector<unsigned char>& out, uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<unsigned char>(v | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<unsigned char>(v));
}

// Reads one varint at p (< end) and moves p past it; false when the bytes end inside it or it
// is longer than 64 bits.
inline bool get_varint(const unsigned char*& p, const unsigned char* end, uint64_t& out) {
    uint64_t v = 0;
    for (int shift = 0; p < end && shift < 64; shift += 7) {
        const unsigned char b = *p++;
        v |= static_cast<uint64_t>(b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
            out = v;
            return true;
        }
    }
    return false;
}

}  // namespace cux::ledger::detail
