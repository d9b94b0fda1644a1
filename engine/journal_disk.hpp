#pragma once
// Internal to the journal (engine/journal.cpp, engine/journal_reader.cpp): the on-disk encoding
// and the small POSIX helpers both halves use. Not part of the engine's interface.

#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/command.hpp"

namespace cux::engine::journal_disk {

// "OP PATH: strerror(err)".
std::string errno_text(const char* op, const std::string& path, int err);

void put_u32(unsigned char* p, uint32_t v);
void put_u64(unsigned char* p, uint64_t v);
uint32_t get_u32(const unsigned char* p);
uint64_t get_u64(const unsigned char* p);

// Header: magic[4] version u32 header_bytes u32 payload_bytes u32 first_seq u64 reserved u32
// crc32c-of-the-first-28-bytes u32.
void encode_header(unsigned char* h, uint64_t first_seq);
// Frame (payload length u32, crc32c of the payload u32) then the command's bytes.
void encode_record(unsigned char* r, const command& c);
// Parses "<20 digits>.cuxj"; false for anything else (stray files are ignored).
bool parse_segment_name(const char* name, uint64_t& seq);
bool fsync_dir(const std::string& dir, std::string& error);
// mkdir -p; fsyncs each parent whose entry it created.
bool make_dirs(const std::string& dir, std::string& error);
// Where the run of zero bytes that ends the file starts: the smallest offset >= `from` from
// which every byte to the end is zero (the file size when the last byte is not zero). Reads the
// file from `from` to its end with pread, so it does not disturb a sequential reader's offset.
bool trailing_zero_run(int fd, const std::string& path, uint64_t from, uint64_t& zero_from,
                       uint64_t& file_bytes, std::string& error);
bool all_zero(const unsigned char* p, std::size_t n);

}  // namespace cux::engine::journal_disk
