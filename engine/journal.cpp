#include "engine/journal.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "engine/crc32c.hpp"
#include "engine/journal_disk.hpp"

namespace cux::engine {
namespace {

namespace jf = journal_format;
using namespace journal_disk;

// Group commit: after the first batch, keep writing what is queued for up to this many batches
// before the one fdatasync, so a burst shares one sync without delaying it unboundedly.
constexpr int batches_per_sync_max = 16;

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
