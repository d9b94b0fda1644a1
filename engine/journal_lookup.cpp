#include "engine/journal_lookup.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "engine/crc32c.hpp"
#include "engine/journal.hpp"
#include "engine/journal_disk.hpp"

namespace cux::engine {

namespace jf = journal_format;
using namespace journal_disk;

journal_lookup::journal_lookup(std::string dir) : dir_(std::move(dir)) {}

journal_lookup::~journal_lookup() {
    if (fd_ >= 0) ::close(fd_);
}

bool journal_lookup::list(std::string& error) {
    DIR* d = ::opendir(dir_.c_str());
    if (d == nullptr) {
        error = errno_text("opendir", dir_, errno);
        return false;
    }
    firsts_.clear();
    while (const dirent* e = ::readdir(d)) {
        uint64_t seq = 0;
        if (parse_segment_name(e->d_name, seq)) firsts_.push_back(seq);
    }
    ::closedir(d);
    std::sort(firsts_.begin(), firsts_.end());
    return true;
}

bool journal_lookup::open_for(uint64_t seq, std::string& error) {
    if (fd_ >= 0 && seq >= fd_first_ && seq < fd_end_) return true;
    // Past the segments listed so far (or a newer one appeared): list again.
    if (!list(error)) return false;
    const auto it = std::upper_bound(firsts_.begin(), firsts_.end(), seq);
    if (it == firsts_.begin()) {
        error = "journal " + dir_ + " has no segment holding command " + std::to_string(seq);
        return false;
    }
    const uint64_t first = *(it - 1);
    const uint64_t end = it == firsts_.end() ? UINT64_MAX : *it;
    if (fd_ >= 0 && first == fd_first_) {
        fd_end_ = end;
        return true;
    }
    if (fd_ >= 0) ::close(fd_);
    const std::string path = dir_ + "/" + segment_name(first);
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
        error = errno_text("open", path, errno);
        return false;
    }
    fd_first_ = first;
    fd_end_ = end;
    return true;
}

bool journal_lookup::read(uint64_t seq, command& out, std::string& error) {
    if (seq == 0) {
        error = "command seqs start at 1";
        return false;
    }
    unsigned char rec[jf::record_bytes];
    // Twice at most: past the end of the open segment, a newer segment may hold it.
    for (int attempt = 0;; ++attempt) {
        if (!open_for(seq, error)) return false;
        const uint64_t off = jf::header_bytes + (seq - fd_first_) * jf::record_bytes;
        const ssize_t n = ::pread(fd_, rec, sizeof rec, static_cast<off_t>(off));
        if (n == static_cast<ssize_t>(sizeof rec)) break;
        const std::string path = dir_ + "/" + segment_name(fd_first_);
        if (n < 0) {
            error = errno_text("pread", path, errno);
            return false;
        }
        fd_end_ = fd_first_;  // list the directory again
        if (attempt == 1) {
            error = "command " + std::to_string(seq) + " is not in " + path + " (short read)";
            return false;
        }
    }
    if (get_u32(rec) != jf::payload_bytes ||
        get_u32(rec + 4) != crc32c(rec + jf::frame_bytes, jf::payload_bytes)) {
        error = "command " + std::to_string(seq) + " in " + dir_ + " fails its length or crc check";
        return false;
    }
    std::memcpy(static_cast<void*>(&out), rec + jf::frame_bytes, sizeof out);
    if (out.seq != seq) {
        error = "journal record at the place of command " + std::to_string(seq) + " holds seq " +
                std::to_string(out.seq);
        return false;
    }
    return true;
}

}  // namespace cux::engine
