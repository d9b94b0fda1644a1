#include "engine/journal_disk.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

#include "engine/crc32c.hpp"
#include "engine/journal.hpp"

namespace cux::engine::journal_disk {

namespace jf = journal_format;

// The on-disk format is little-endian; we write host order, so the host must be.
static_assert(std::endian::native == std::endian::little);

std::string errno_text(const char* op, const std::string& path, int err) {
    std::string s = op;
    s += ' ';
    s += path;
    s += ": ";
    s += std::strerror(err);
    return s;
}

void put_u32(unsigned char* p, uint32_t v) { std::memcpy(p, &v, 4); }
void put_u64(unsigned char* p, uint64_t v) { std::memcpy(p, &v, 8); }
uint32_t get_u32(const unsigned char* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}
uint64_t get_u64(const unsigned char* p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}

void encode_header(unsigned char* h, uint64_t first_seq) {
    std::memset(h, 0, jf::header_bytes);
    std::memcpy(h, jf::magic, 4);
    put_u32(h + 4, jf::version);
    put_u32(h + 8, jf::header_bytes);
    put_u32(h + 12, jf::payload_bytes);
    put_u64(h + 16, first_seq);
    put_u32(h + 28, crc32c(h, 28));
}

void encode_record(unsigned char* r, const command& c) {
    put_u32(r, jf::payload_bytes);
    put_u32(r + 4, crc32c(&c, jf::payload_bytes));
    std::memcpy(r + jf::frame_bytes, &c, jf::payload_bytes);
}

bool parse_segment_name(const char* name, uint64_t& seq) {
    const std::string_view n(name);
    if (n.size() != jf::segment_name_digits + jf::segment_suffix.size()) return false;
    if (n.substr(jf::segment_name_digits) != jf::segment_suffix) return false;
    uint64_t v = 0;
    for (std::size_t i = 0; i < jf::segment_name_digits; ++i) {
        const char ch = n[i];
        if (ch < '0' || ch > '9') return false;
        const auto d = static_cast<uint64_t>(ch - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    seq = v;
    return true;
}

bool fsync_dir(const std::string& dir, std::string& error) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        error = errno_text("open", dir, errno);
        return false;
    }
    const bool ok = ::fsync(fd) == 0;
    if (!ok) error = errno_text("fsync", dir, errno);
    ::close(fd);
    return ok;
}

bool make_dirs(const std::string& dir, std::string& error) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) return true;
        error = dir + ": not a directory";
        return false;
    }
    const auto slash = dir.find_last_of('/');
    // "a" -> ".", "/a" -> "/", "a/b" -> "a".
    const std::string parent = slash == std::string::npos ? std::string(".")
                               : slash == 0               ? std::string("/")
                                                          : dir.substr(0, slash);
    if (parent != dir && !make_dirs(parent, error)) return false;
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
        error = errno_text("mkdir", dir, errno);
        return false;
    }
    return fsync_dir(parent, error);
}

bool trailing_zero_run(int fd, const std::string& path, uint64_t from, uint64_t& zero_from,
                       uint64_t& file_bytes, std::string& error) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        error = errno_text("fstat", path, errno);
        return false;
    }
    file_bytes = static_cast<uint64_t>(st.st_size);
    zero_from = from;
    std::vector<unsigned char> chunk(std::size_t{1} << 16);
    uint64_t off = from;
    while (off < file_bytes) {
        const auto want =
            static_cast<std::size_t>(std::min<uint64_t>(chunk.size(), file_bytes - off));
        const ssize_t r = ::pread(fd, chunk.data(), want, static_cast<off_t>(off));
        if (r < 0) {
            if (errno == EINTR) continue;
            error = errno_text("read", path, errno);
            return false;
        }
        if (r == 0) break;  // shrank under us: what is there was read
        const auto n = static_cast<std::size_t>(r);
        for (std::size_t i = n; i-- > 0;) {
            if (chunk[i] != 0) {
                zero_from = off + i + 1;
                break;
            }
        }
        off += n;
    }
    return true;
}

bool all_zero(const unsigned char* p, std::size_t n) {
    return std::all_of(p, p + n, [](unsigned char b) { return b == 0; });
}

}  // namespace cux::engine::journal_disk
