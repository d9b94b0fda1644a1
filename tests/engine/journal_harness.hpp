#pragma once
// Shared by the journal's tests (journal_test.cpp, journal_tail_test.cpp): a temporary directory,
// deterministic commands, and helpers that write, read back and damage journal files.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "engine/crc32c.hpp"
#include "engine/journal.hpp"

namespace cux::engine::journal_testing {

namespace fs = std::filesystem;
namespace jf = journal_format;

// A fresh directory under /tmp, removed at the end of the test.
struct temp_dir {
    std::string path;
    temp_dir() {
        char tmpl[] = "/tmp/cux-journal-test-XXXXXX";
        const char* p = ::mkdtemp(tmpl);
        if (p == nullptr) std::abort();
        path = p;
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    [[nodiscard]] std::string journal() const { return journal_dir(path); }
};

// A stamped command whose every byte depends on seq (and `salt`), so mix-ups show.
inline command make_cmd(uint64_t seq, uint64_t salt = 0) {
    command c{};
    c.type = command_type::place_order;
    c.actor = participant_id{static_cast<uint32_t>(seq % 7 + 1)};
    c.seq = seq;
    c.ts = static_cast<utc_ns>(1'700'000'000'000'000'000 + seq * 1000);
    c.token.session = static_cast<uint32_t>(seq * 3);
    c.token.request = seq * 7 + salt;
    c.body.place.instrument = instrument_id{static_cast<uint32_t>(seq)};
    c.body.place.price = price_fen{static_cast<int64_t>(seq * 11 + salt)};
    c.body.place.qty = qty_devices{static_cast<int64_t>(seq % 100 + 1)};
    std::memset(c.body.place.client_order_id, static_cast<int>('a' + seq % 26),
                sizeof c.body.place.client_order_id);
    return c;
}

inline bool same(const command& a, const command& b) { return std::memcmp(&a, &b, sizeof a) == 0; }

inline journal_options options(const std::string& dir) {
    journal_options o;
    o.dir = dir;
    o.ring_capacity = 1024;
    return o;
}

// Appends seqs [first, first+count) after recovering `dir`; waits until durable.
inline void append_range(const journal_options& o, uint64_t first, uint64_t count,
                         uint64_t salt = 0) {
    const scan_result scan = recover(o.dir);
    ASSERT_NE(scan.status, tail_status::corrupt) << scan.what;
    ASSERT_EQ(scan.next_seq, first);
    journal_writer w(o);
    ASSERT_TRUE(w.open(scan)) << w.error();
    for (uint64_t s = first; s < first + count; ++s) ASSERT_TRUE(w.append(make_cmd(s, salt)));
    ASSERT_TRUE(w.wait_durable(first + count - 1));
    w.stop();
    ASSERT_FALSE(w.failed()) << w.error();
}

struct read_back {
    std::vector<command> cmds;
    scan_result result;
};
inline read_back read_all(const std::string& dir) {
    read_back rb;
    journal_reader r(dir);
    command c;
    while (r.next(c)) rb.cmds.push_back(c);
    rb.result = r.result();
    return rb;
}

inline std::string segment_path(const std::string& dir, uint64_t first) {
    return dir + "/" + segment_name(first);
}
inline uint64_t record_offset(uint64_t index) {
    return jf::header_bytes + index * jf::record_bytes;
}

inline void truncate_file(const std::string& path, uint64_t size) {
    ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(size)), 0) << std::strerror(errno);
}
inline void patch_file(const std::string& path, uint64_t offset, const void* data, std::size_t n) {
    const int fd = ::open(path.c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::pwrite(fd, data, n, static_cast<off_t>(offset)), static_cast<ssize_t>(n));
    ::close(fd);
}
inline void flip_byte(const std::string& path, uint64_t offset) {
    const int fd = ::open(path.c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    unsigned char b = 0;
    ASSERT_EQ(::pread(fd, &b, 1, static_cast<off_t>(offset)), 1);
    b ^= 0x5A;
    ASSERT_EQ(::pwrite(fd, &b, 1, static_cast<off_t>(offset)), 1);
    ::close(fd);
}

}  // namespace cux::engine::journal_testing
