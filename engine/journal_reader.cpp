// The journal's read side: the sequential reader that yields whole records and classifies a
// damaged tail (torn, zero-filled, corrupt), the scan before replay, and the torn-tail repair.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "engine/crc32c.hpp"
#include "engine/journal.hpp"
#include "engine/journal_disk.hpp"

namespace cux::engine {
namespace {

namespace jf = journal_format;
using namespace journal_disk;

constexpr std::size_t read_buffer_bytes = std::size_t{1} << 20;

}  // namespace

// ---------------------------------------------------------------------------------------------
// journal_reader

journal_reader::journal_reader(std::string dir) : buf_(read_buffer_bytes) {
    result_.dir = std::move(dir);
    DIR* d = ::opendir(result_.dir.c_str());
    if (d == nullptr) {
        if (errno != ENOENT) {
            damage(tail_status::io_error, 0, errno_text("opendir", result_.dir, errno));
        } else {
            done_ = true;  // no journal yet: empty and clean
        }
        return;
    }
    while (const dirent* e = ::readdir(d)) {
        uint64_t seq = 0;
        if (parse_segment_name(e->d_name, seq)) {
            segments_.push_back({seq, result_.dir + "/" + e->d_name});
        }
    }
    ::closedir(d);
    std::sort(segments_.begin(), segments_.end(),
              [](const segment_file& a, const segment_file& b) { return a.name_seq < b.name_seq; });
}

journal_reader::~journal_reader() { close_segment(); }

void journal_reader::close_segment() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

bool journal_reader::damage(tail_status s, uint64_t offset, std::string what, uint64_t tail) {
    result_.status = s;
    if (seg_index_ < segments_.size()) result_.file = segments_[seg_index_].path;
    result_.offset = offset;
    result_.tail_bytes = tail;
    result_.what = std::move(what);
    done_ = true;
    close_segment();
    return false;
}

std::size_t journal_reader::fill(std::size_t want) {
    if (buf_len_ - buf_pos_ >= want || eof_) return std::min(want, buf_len_ - buf_pos_);
    std::memmove(buf_.data(), buf_.data() + buf_pos_, buf_len_ - buf_pos_);
    buf_len_ -= buf_pos_;
    buf_pos_ = 0;
    while (buf_len_ < want) {
        const ssize_t r = ::read(fd_, buf_.data() + buf_len_, buf_.size() - buf_len_);
        if (r < 0) {
            if (errno == EINTR) continue;
            damage(tail_status::io_error, file_off_,
                   errno_text("read", segments_[seg_index_].path, errno));
            return 0;
        }
        if (r == 0) {
            eof_ = true;
            break;
        }
        buf_len_ += static_cast<std::size_t>(r);
    }
    return std::min(want, buf_len_);
}

void journal_reader::consume(std::size_t n) {
    buf_pos_ += n;
    file_off_ += n;
    result_.bytes += n;
}

bool journal_reader::open_segment() {
    const segment_file& seg = segments_[seg_index_];
    const bool last = seg_index_ + 1 == segments_.size();
    fd_ = ::open(seg.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return damage(tail_status::io_error, 0, errno_text("open", seg.path, errno));
    ++result_.segments;
    buf_pos_ = buf_len_ = 0;
    file_off_ = 0;
    eof_ = false;
    if (expected_seq_ == 0) expected_seq_ = seg.name_seq;
    result_.next_seq = expected_seq_;
    result_.last_segment = seg.path;
    result_.last_segment_good_bytes = 0;

    const std::size_t have = fill(jf::header_bytes);
    if (done_) return false;
    if (have < jf::header_bytes) {
        if (last) {
            return damage(tail_status::torn, 0, "incomplete segment header", have);
        }
        return damage(tail_status::corrupt, 0,
                      "incomplete header in a segment that is not the last");
    }
    const unsigned char* h = buf_.data() + buf_pos_;
    const bool magic_ok = std::memcmp(h, jf::magic, 4) == 0;
    const bool crc_ok = get_u32(h + 28) == crc32c(h, 28);
    if (last && (!magic_ok || !crc_ok)) {
        // A power cut after the segment was created can leave its header (and whatever follows)
        // as zeros: the header was never synced, so nothing in this segment was ever durable.
        // Torn when the zeros reach into the header and every byte before them is the header
        // the writer would have written.
        uint64_t zero_from = 0;
        uint64_t file_bytes = 0;
        std::string err;
        if (!trailing_zero_run(fd_, seg.path, 0, zero_from, file_bytes, err)) {
            return damage(tail_status::io_error, 0, std::move(err));
        }
        unsigned char expect[jf::header_bytes];
        encode_header(expect, seg.name_seq);
        if (zero_from < jf::header_bytes &&
            std::memcmp(h, expect, static_cast<std::size_t>(zero_from)) == 0) {
            return damage(tail_status::torn, 0,
                          "zero-filled segment header (" + std::to_string(file_bytes) +
                              " bytes from byte " + std::to_string(zero_from) + " are zero)",
                          file_bytes);
        }
    }
    if (!magic_ok) {
        return damage(tail_status::corrupt, 0,
                      all_zero(h, 4) ? "bad magic (zero bytes)" : "bad magic");
    }
    if (!crc_ok) return damage(tail_status::corrupt, 0, "segment header crc mismatch");
    if (get_u32(h + 4) != jf::version) {
        return damage(tail_status::corrupt, 0,
                      "unsupported format version " + std::to_string(get_u32(h + 4)));
    }
    if (get_u32(h + 8) != jf::header_bytes || get_u32(h + 12) != jf::payload_bytes) {
        return damage(tail_status::corrupt, 0,
                      "record size " + std::to_string(get_u32(h + 12)) + ", expected " +
                          std::to_string(jf::payload_bytes));
    }
    const uint64_t first = get_u64(h + 16);
    if (first != seg.name_seq) {
        return damage(tail_status::corrupt, 0,
                      "header first seq " + std::to_string(first) + " does not match the name");
    }
    if (first != expected_seq_) {
        return damage(tail_status::corrupt, 0,
                      "seq gap: segment starts at " + std::to_string(first) + ", expected " +
                          std::to_string(expected_seq_));
    }
    consume(jf::header_bytes);
    result_.last_segment_good_bytes = file_off_;
    return true;
}

bool journal_reader::next(command& out) {
    while (!done_) {
        if (fd_ < 0) {
            if (seg_index_ == segments_.size()) {
                done_ = true;
                return false;
            }
            if (!open_segment()) return false;
            continue;
        }
        const bool last = seg_index_ + 1 == segments_.size();
        const uint64_t at = file_off_;
        const std::size_t have = fill(jf::record_bytes);
        if (done_) return false;
        if (have == 0) {  // a clean end of this segment
            close_segment();
            ++seg_index_;
            continue;
        }
        const unsigned char* r = buf_.data() + buf_pos_;
        const bool length_ok = have < jf::frame_bytes || get_u32(r) == jf::payload_bytes;
        const bool complete = have == jf::record_bytes;
        if (!length_ok || !complete ||
            get_u32(r + 4) != crc32c(r + jf::frame_bytes, jf::payload_bytes)) {
            return record_damage(at, have, last);
        }
        command c;
        std::memcpy(&c, r + jf::frame_bytes, jf::payload_bytes);
        if (c.seq != expected_seq_) {
            return damage(tail_status::corrupt, at,
                          "seq gap: record seq " + std::to_string(c.seq) + ", expected " +
                              std::to_string(expected_seq_));
        }
        if (result_.records != 0 && c.ts < result_.last_ts) {
            return damage(tail_status::corrupt, at, "record time goes backwards");
        }
        consume(jf::record_bytes);
        if (result_.records == 0) result_.first_seq = c.seq;
        ++result_.records;
        result_.last_seq = c.seq;
        result_.last_ts = c.ts;
        result_.next_seq = ++expected_seq_;
        result_.last_segment_good_bytes = file_off_;
        out = c;
        return true;
    }
    return false;
}

bool journal_reader::record_damage(uint64_t at, std::size_t have, bool last) {
    const unsigned char* r = buf_.data() + buf_pos_;
    const bool length_ok = have < jf::frame_bytes || get_u32(r) == jf::payload_bytes;
    const bool zero_frame = all_zero(r, std::min<std::size_t>(have, jf::frame_bytes));
    const bool complete = have == jf::record_bytes;
    if (!last) {
        // Every segment but the last was synced before the next one was created: damage here is
        // never a crash during a write.
        if (zero_frame) {
            return damage(tail_status::corrupt, at,
                          "zero bytes where a record should start, in a segment that is not the "
                          "last");
        }
        if (!length_ok) {
            return damage(tail_status::corrupt, at,
                          "bad record length " + std::to_string(get_u32(r)));
        }
        if (!complete) {
            return damage(tail_status::corrupt, at,
                          "incomplete record in a segment that is not the last");
        }
        return damage(tail_status::corrupt, at, "record crc mismatch");
    }

    // The last segment: a crash during a write leaves an incomplete final record, and a power
    // cut can leave the unsynced end of the file as zeros (the size reached the disk, the data
    // did not). Neither was ever durable, so neither was acknowledged.
    uint64_t zero_from = 0;
    uint64_t file_bytes = 0;
    std::string err;
    if (!trailing_zero_run(fd_, segments_[seg_index_].path, at, zero_from, file_bytes, err)) {
        return damage(tail_status::io_error, at, std::move(err));
    }
    const uint64_t tail = file_bytes - at;
    if (zero_from == at) {
        return damage(tail_status::torn, at,
                      "zero-filled tail of " + std::to_string(tail) + " bytes", tail);
    }
    if (!complete && length_ok) {
        return damage(tail_status::torn, at, "incomplete final record", tail);
    }
    // Zeros from inside this record to the end of the file: the record was written in part (the
    // blocks after its first bytes never reached the disk). Its bytes before the zeros must agree
    // with a record's length field. A complete final record whose zeros start in its payload is
    // not taken as torn: that is also what a damaged durable record whose payload happens to end
    // in zeros looks like, so it stays corrupt (refuse, let an operator look).
    const uint64_t written = zero_from - at;
    if (written < jf::record_bytes) {
        unsigned char length[4];
        put_u32(length, jf::payload_bytes);
        const bool prefix_ok =
            std::memcmp(r, length, static_cast<std::size_t>(std::min<uint64_t>(written, 4))) == 0;
        if (prefix_ok && (written <= jf::frame_bytes || file_bytes != at + jf::record_bytes)) {
            return damage(tail_status::torn, at,
                          "final record written in part (" + std::to_string(written) +
                              " bytes), then zero-filled to the end (" + std::to_string(tail) +
                              " bytes)",
                          tail);
        }
    }
    if (zero_frame) {
        return damage(tail_status::corrupt, at,
                      "zero bytes where a record should start, followed by non-zero data (the "
                      "last at byte " +
                          std::to_string(zero_from - 1) + ")");
    }
    if (!length_ok) {
        return damage(tail_status::corrupt, at, "bad record length " + std::to_string(get_u32(r)));
    }
    return damage(tail_status::corrupt, at, "record crc mismatch");
}

scan_result scan_journal(const std::string& dir) {
    journal_reader r(dir);
    command c;
    while (r.next(c)) {
    }
    return r.result();
}

bool truncate_torn_tail(scan_result& scan, std::string& error) {
    CUX_ASSERT(scan.status == tail_status::torn && !scan.last_segment.empty());
    if (scan.truncated) return true;
    if (scan.last_segment_good_bytes < jf::header_bytes) {
        // Not even a whole header: the segment holds nothing. Remove it; the writer recreates it.
        if (::unlink(scan.last_segment.c_str()) != 0) {
            error = errno_text("unlink", scan.last_segment, errno);
            return false;
        }
        if (!fsync_dir(scan.dir, error)) return false;
        scan.last_segment.clear();
        scan.last_segment_good_bytes = 0;
    } else {
        const int fd = ::open(scan.last_segment.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
            error = errno_text("open", scan.last_segment, errno);
            return false;
        }
        bool ok = ::ftruncate(fd, static_cast<off_t>(scan.last_segment_good_bytes)) == 0;
        if (!ok) error = errno_text("ftruncate", scan.last_segment, errno);
        if (ok && ::fsync(fd) != 0) {
            ok = false;
            error = errno_text("fsync", scan.last_segment, errno);
        }
        ::close(fd);
        if (!ok) return false;
    }
    scan.truncated = true;
    return true;
}

scan_result recover(const std::string& dir) {
    scan_result scan = scan_journal(dir);
    if (scan.status == tail_status::torn) {
        std::string error;
        if (!truncate_torn_tail(scan, error)) {
            scan.status = tail_status::io_error;
            scan.what = "truncating the torn tail failed: " + error;
        }
    }
    return scan;
}

}  // namespace cux::engine
