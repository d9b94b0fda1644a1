#include "engine/journal.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <utility>

#include "engine/crc32c.hpp"

namespace cux::engine {
namespace {

namespace jf = journal_format;

// The on-disk format is little-endian; we write host order, so the host must be.
static_assert(std::endian::native == std::endian::little);

constexpr std::size_t read_buffer_bytes = std::size_t{1} << 20;
// Group commit: after the first batch, keep writing what is queued for up to this many batches
// before the one fdatasync, so a burst shares one sync without delaying it unboundedly.
constexpr int batches_per_sync_max = 16;

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

// Header: magic[4] version u32 header_bytes u32 payload_bytes u32 first_seq u64 reserved u32
// crc32c-of-the-first-28-bytes u32.
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

// Parses "<20 digits>.cuxj"; false for anything else (stray files are ignored).
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

// mkdir -p; fsyncs each parent whose entry it created.
bool make_dirs(const std::string& dir, std::string& error) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) return true;
        error = dir + ": not a directory";
        return false;
    }
    const auto slash = dir.find_last_of('/');
    std::string parent = slash == std::string::npos ? "." : dir.substr(0, slash);
    if (parent.empty()) parent = "/";
    if (parent != dir && !make_dirs(parent, error)) return false;
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
        error = errno_text("mkdir", dir, errno);
        return false;
    }
    return fsync_dir(parent, error);
}

// Where the run of zero bytes that ends the file starts: the smallest offset >= `from` from
// which every byte to the end is zero (the file size when the last byte is not zero). Reads the
// file from `from` to its end with pread, so it does not disturb a sequential reader's offset.
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

}  // namespace

std::string journal_dir(std::string_view data_dir) {
    std::string s(data_dir);
    if (s.empty() || s.back() != '/') s += '/';
    s += "journal";
    return s;
}

std::string segment_name(uint64_t first_seq) {
    char name[jf::segment_name_digits + 1];
    for (std::size_t i = jf::segment_name_digits; i-- > 0;) {
        name[i] = static_cast<char>('0' + first_seq % 10);
        first_seq /= 10;
    }
    name[jf::segment_name_digits] = '\0';
    return std::string(name) + std::string(jf::segment_suffix);
}

const char* tail_status_name(tail_status s) {
    switch (s) {
        case tail_status::clean:
            return "clean";
        case tail_status::torn:
            return "torn";
        case tail_status::corrupt:
            return "corrupt";
        case tail_status::io_error:
            return "io_error";
    }
    return "unknown";
}

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

// ---------------------------------------------------------------------------------------------
// journal_writer

journal_writer::journal_writer(journal_options opts)
    : opts_(std::move(opts)), ring_(opts_.ring_capacity) {
    CUX_ASSERT(opts_.batch_max > 0);
    CUX_ASSERT(opts_.segment_bytes_max >= jf::header_bytes + jf::record_bytes);
    if (!opts_.io.write) {
        opts_.io.write = [](int fd, const void* p, std::size_t n) { return ::write(fd, p, n); };
    }
    if (!opts_.io.fdatasync) {
        opts_.io.fdatasync = [](int fd) { return ::fdatasync(fd); };
    }
    batch_.resize(opts_.batch_max);
    buf_.resize(opts_.batch_max * jf::record_bytes);
}

journal_writer::~journal_writer() { stop(); }

std::string journal_writer::error() const {
    if (!failed()) return {};
    return error_;
}

journal_counters journal_writer::counters() const {
    journal_counters c;
    c.records = records_.load(std::memory_order_relaxed);
    c.batches = batches_.load(std::memory_order_relaxed);
    c.fsyncs = fsyncs_.load(std::memory_order_relaxed);
    c.bytes = bytes_.load(std::memory_order_relaxed);
    c.segments_created = segments_created_.load(std::memory_order_relaxed);
    return c;
}

void journal_writer::fail(std::string what) {
    if (failed()) return;
    error_ = std::move(what);
    failed_.store(true, std::memory_order_release);
    ring_.close();
    durable_.notify_all();
}

bool journal_writer::open(const scan_result& scan) {
    CUX_ASSERT(!opened_);
    opened_ = true;
    if (scan.status == tail_status::corrupt || scan.status == tail_status::io_error) {
        fail(std::string("refusing to append to a ") + tail_status_name(scan.status) +
             " journal: " + scan.file + " at " + std::to_string(scan.offset) + ": " + scan.what);
        return false;
    }
    if (scan.status == tail_status::torn && !scan.truncated) {
        fail("refusing to append after a torn tail that was not truncated: " + scan.file);
        return false;
    }
    std::string err;
    if (!make_dirs(opts_.dir, err)) {
        fail(err);
        return false;
    }
    dir_fd_ = ::open(opts_.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd_ < 0) {
        fail(errno_text("open", opts_.dir, errno));
        return false;
    }
    next_seq_ = scan.next_seq;
    durable_seq_.store(scan.next_seq - 1, std::memory_order_release);
    written_seq_.store(scan.next_seq - 1, std::memory_order_release);
    if (!scan.last_segment.empty()) {
        segment_path_ = scan.last_segment;
        fd_ = ::open(segment_path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
        if (fd_ < 0) {
            fail(errno_text("open", segment_path_, errno));
            return false;
        }
        struct stat st {};
        if (::fstat(fd_, &st) != 0) {
            fail(errno_text("fstat", segment_path_, errno));
            return false;
        }
        if (static_cast<uint64_t>(st.st_size) != scan.last_segment_good_bytes) {
            fail(segment_path_ + ": size " + std::to_string(st.st_size) +
                 " differs from the scanned end " + std::to_string(scan.last_segment_good_bytes));
            return false;
        }
        file_bytes_ = scan.last_segment_good_bytes;
        segment_records_ = (file_bytes_ - jf::header_bytes) / jf::record_bytes;
    } else if (!create_segment(next_seq_)) {
        return false;
    }
    thread_ = std::thread([this] { run(); });
    return true;
}

bool journal_writer::append(const command& c) {
    CUX_ASSERT(opened_);
    if (failed()) return false;
    CUX_ASSERT(c.seq == next_seq_);
    if (!ring_.push(c)) return false;  // closed: stopped or failed
    ++next_seq_;
    return true;
}

bool journal_writer::wait_durable(uint64_t seq) const {
    if (durable_seq() >= seq) return true;
    detail::spin_then_park(durable_, [&] {
        return durable_seq() >= seq || failed() || stopped_.load(std::memory_order_acquire);
    });
    return durable_seq() >= seq;
}

void journal_writer::stop() {
    ring_.close();
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
    if (dir_fd_ >= 0) ::close(dir_fd_);
    fd_ = dir_fd_ = -1;
    stopped_.store(true, std::memory_order_release);
    durable_.notify_all();
}

bool journal_writer::write_all(const void* data, std::size_t bytes) {
    const auto* p = static_cast<const unsigned char*>(data);
    while (bytes > 0) {
        const ssize_t r = opts_.io.write(fd_, p, bytes);
        if (r < 0) {
            if (errno == EINTR) continue;
            fail(errno_text("write", segment_path_, errno));
            return false;
        }
        if (r == 0) {
            fail("write " + segment_path_ + ": wrote nothing");
            return false;
        }
        p += r;
        bytes -= static_cast<std::size_t>(r);
        file_bytes_ += static_cast<uint64_t>(r);
        bytes_.fetch_add(static_cast<uint64_t>(r), std::memory_order_relaxed);
    }
    return true;
}

bool journal_writer::sync_file() {
    if (opts_.sync == sync_mode::none) return true;
    if (opts_.io.fdatasync(fd_) != 0) {
        fail(errno_text("fdatasync", segment_path_, errno));
        return false;
    }
    fsyncs_.fetch_add(1, std::memory_order_relaxed);
    return true;
}

bool journal_writer::create_segment(uint64_t first_seq) {
    segment_path_ = opts_.dir + "/" + segment_name(first_seq);
    fd_ = ::open(segment_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) {
        fail(errno_text("create", segment_path_, errno));
        return false;
    }
    file_bytes_ = 0;
    segment_records_ = 0;
    unsigned char h[jf::header_bytes];
    encode_header(h, first_seq);
    if (!write_all(h, sizeof h) || !sync_file()) return false;
    // The new name must survive a crash too.
    if (opts_.sync != sync_mode::none && ::fsync(dir_fd_) != 0) {
        fail(errno_text("fsync", opts_.dir, errno));
        return false;
    }
    segments_created_.fetch_add(1, std::memory_order_relaxed);
    return true;
}

bool journal_writer::write_records(const command* cmds, std::size_t n) {
    std::size_t i = 0;
    while (i < n) {
        if (segment_records_ != 0 && file_bytes_ + jf::record_bytes > opts_.segment_bytes_max) {
            // Roll over: what this segment holds must be synced before anything is announced.
            if (!sync_file()) return false;
            ::close(fd_);
            fd_ = -1;
            if (!create_segment(cmds[i].seq)) return false;
        }
        const uint64_t room =
            std::max<uint64_t>(1, (opts_.segment_bytes_max - file_bytes_) / jf::record_bytes);
        const auto k = static_cast<std::size_t>(std::min<uint64_t>(room, n - i));
        for (std::size_t j = 0; j < k; ++j) {
            encode_record(buf_.data() + j * jf::record_bytes, cmds[i + j]);
        }
        if (!write_all(buf_.data(), k * jf::record_bytes)) return false;
        segment_records_ += k;
        i += k;
        records_.fetch_add(k, std::memory_order_relaxed);
        batches_.fetch_add(1, std::memory_order_relaxed);
        written_seq_.store(cmds[i - 1].seq, std::memory_order_release);
    }
    return true;
}

void journal_writer::run() {
    for (;;) {
        std::size_t n = ring_.pop_batch_wait(batch_.data(), batch_.size());
        if (n == 0) break;  // closed and drained (or failed)
        if (failed()) break;
        bool ok = write_records(batch_.data(), n);
        for (int b = 1; ok && b < batches_per_sync_max; ++b) {
            n = ring_.pop_batch(batch_.data(), batch_.size());
            if (n == 0) break;
            ok = write_records(batch_.data(), n);
        }
        if (!ok || !sync_file()) break;
        durable_seq_.store(written_seq_.load(std::memory_order_relaxed), std::memory_order_release);
        durable_.notify_all();
    }
}

}  // namespace cux::engine
