#pragma once
// The command journal: every stamped command, in seq order, on disk before its outcome leaves
// the process (DESIGN.md §3 "Durability").
//
// Layout: DIR/journal/ holds segment files named by the seq of their first record,
//   "00000000000000000001.cuxj" (20 digits). A segment starts with a 32-byte header (magic
//   "CUXJ", format version, header size, payload size, first seq, crc32c of the header) followed
//   by records: u32 length (== 112) + u32 crc32c(payload) + payload (the raw bytes of a stamped
//   engine::command). Little-endian. A new segment starts once the next record would pass
//   segment_bytes_max.
//
// journal_writer — threads: append() from ONE thread (the engine thread); durable_seq(),
//   wait_durable(), counters() and error() from any thread; a background thread owns the files.
//   append() queues into an mpsc_ring and only blocks when it is full (backpressure). The writer
//   thread writes whatever is queued with one write() per batch, then one fdatasync (group
//   commit), then publishes durable_seq and wakes waiters.
//   Errors: any open/write/fdatasync error makes the writer FAILED, for good ("outcome unknown":
//   it never retries and never assumes the data is or is not on disk). append() then returns
//   false, wait_durable() returns false for every seq not already durable, error() says why.
//
// journal_reader — one thread. Yields every good command in seq order and stops at the first
//   damage. The final scan_result says `clean`, `torn`, `corrupt` or `io_error` (the disk could
//   not be read). Damaged records are never yielded.
//   `torn` is damage that only a crash during an unsynced write can leave, and only at the end of
//   the LAST segment (every earlier one was synced before its successor was created), so its
//   bytes were never durable and never acknowledged:
//     - an incomplete final record (its length field intact as far as it goes), or an
//       incomplete segment header;
//     - a zero-filled tail: after a power cut a file system can keep a file's new size but not
//       its new data, which then reads as zeros. Zeros from a record boundary (or from inside the
//       segment header) to the end of the file are torn, whatever their length. So is a final
//       record whose first bytes were written (agreeing with the length field / header) and
//       whose rest, through the end of the file, is zeros — unless that record is complete and
//       the file ends exactly at its end with its zeros starting in the payload, which is also
//       what a damaged durable record looks like (corrupt: refuse, let an operator look).
//   `corrupt` is everything else: a bad magic/header, bad length, crc mismatch, seq gap, time
//   going backwards, zeros followed by non-zero bytes, and any damage (zeros included) in a
//   segment that is not the last.
//
// Start-up policy (what `cux serve` does, through pipeline::replay): corrupt or io_error -> log
//   the file, offset and reason and refuse to start; torn -> log the offset and byte count,
//   truncate the tail (truncate_torn_tail) and continue appending after the last good record.
//
// Limits: records are fixed 120 bytes on disk; segment_bytes_max >= header + one record;
//   ring_capacity and batch_max are powers of two / positive (CUX_ASSERT at construction).

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "engine/command.hpp"
#include "engine/ring.hpp"

namespace cux::engine {

namespace journal_format {
inline constexpr char magic[4] = {'C', 'U', 'X', 'J'};
inline constexpr uint32_t version = 1;
inline constexpr uint32_t header_bytes = 32;
inline constexpr uint32_t frame_bytes = 8;  // u32 length + u32 crc32c
inline constexpr uint32_t payload_bytes = sizeof(command);
inline constexpr uint32_t record_bytes = frame_bytes + payload_bytes;
inline constexpr std::string_view segment_suffix = ".cuxj";
inline constexpr std::size_t segment_name_digits = 20;
static_assert(payload_bytes == 112);
}  // namespace journal_format

enum class sync_mode : uint8_t {
    fdatasync = 0,  // durable: fdatasync after every group of writes
    none = 1,       // benchmarks and tests that say so: durable_seq means "written", not "synced"
};

// System calls the writer makes, replaceable by tests to inject failures. Empty = the real one.
struct journal_io {
    std::function<ssize_t(int fd, const void* data, std::size_t bytes)> write;
    std::function<int(int fd)> fdatasync;
};

struct journal_options {
    std::string dir;  // the journal directory itself, usually journal_dir(data_dir)
    uint64_t segment_bytes_max = uint64_t{256} << 20;
    sync_mode sync = sync_mode::fdatasync;
    std::size_t ring_capacity = std::size_t{1} << 14;  // commands queued for the writer
    std::size_t batch_max = 4096;                      // records per write()
    journal_io io;
};

// data_dir + "/journal".
[[nodiscard]] std::string journal_dir(std::string_view data_dir);
// "00000000000000000001.cuxj" for 1.
[[nodiscard]] std::string segment_name(uint64_t first_seq);

enum class tail_status : uint8_t { clean = 0, torn = 1, corrupt = 2, io_error = 3 };
[[nodiscard]] const char* tail_status_name(tail_status s);

// What a read of the journal found. Filled as the reader goes; final once next() returns false.
struct scan_result {
    tail_status status = tail_status::clean;
    std::string dir;
    uint64_t segments = 0;   // segment files opened
    uint64_t records = 0;    // good records yielded
    uint64_t bytes = 0;      // bytes of good data read (headers and records)
    uint64_t first_seq = 0;  // of the first good record; 0 when none
    uint64_t last_seq = 0;   // of the last good record; 0 when none
    utc_ns last_ts = 0;      // of the last good record
    uint64_t next_seq = 1;   // the seq the next appended record must carry

    // Damage (torn / corrupt / io_error): where and what.
    std::string file;         // path of the damaged segment
    uint64_t offset = 0;      // byte offset of the damaged record (or header) in `file`
    uint64_t tail_bytes = 0;  // torn: bytes present from `offset` to the end of the file
    std::string what;         // one line for the log

    // Where appends continue: the last segment and the end of its last good record. Empty when
    // there is no usable segment (the writer then creates one named next_seq).
    std::string last_segment;
    uint64_t last_segment_good_bytes = 0;
    bool truncated = false;  // set by truncate_torn_tail()
};

// Reads a journal directory from the start. A missing directory reads as an empty, clean journal.
class journal_reader {
public:
    explicit journal_reader(std::string dir);
    ~journal_reader();
    journal_reader(const journal_reader&) = delete;
    journal_reader& operator=(const journal_reader&) = delete;

    // The next good command, in seq order. False at the end or at the first damage; then
    // result() is final.
    [[nodiscard]] bool next(command& out);
    [[nodiscard]] const scan_result& result() const { return result_; }

private:
    struct segment_file {
        uint64_t name_seq;
        std::string path;
    };
    bool open_segment();
    void close_segment();
    std::size_t fill(std::size_t want);  // ensures `want` buffered bytes; returns how many
    void consume(std::size_t n);
    bool damage(tail_status s, uint64_t offset, std::string what, uint64_t tail = 0);
    // Classifies a record at `at` that is incomplete, has a bad length or a bad crc (`have` of
    // its bytes buffered): torn or corrupt, by the zero-tail rule above.
    bool record_damage(uint64_t at, std::size_t have, bool last);

    std::vector<segment_file> segments_;
    std::size_t seg_index_ = 0;
    int fd_ = -1;
    bool done_ = false;
    bool eof_ = false;
    std::vector<unsigned char> buf_;
    std::size_t buf_pos_ = 0;
    std::size_t buf_len_ = 0;
    uint64_t file_off_ = 0;  // file offset of buf_[buf_pos_]
    uint64_t expected_seq_ = 0;
    scan_result result_;
};

// Reads the whole journal without yielding anything.
[[nodiscard]] scan_result scan_journal(const std::string& dir);

// For a torn scan: cuts the last segment back to its last good record (or deletes it when not
// even its header is complete), syncs, and sets scan.truncated. False (and `error`) on failure.
[[nodiscard]] bool truncate_torn_tail(scan_result& scan, std::string& error);

// scan_journal + truncate_torn_tail when torn. A corrupt or io_error journal is left untouched;
// the caller decides (cux serve refuses to start). A failed truncation reports io_error.
[[nodiscard]] scan_result recover(const std::string& dir);

struct journal_counters {
    uint64_t records = 0;  // appended and written
    uint64_t batches = 0;  // write() calls for records
    uint64_t fsyncs = 0;
    uint64_t bytes = 0;
    uint64_t segments_created = 0;
};

class journal_writer {
public:
    explicit journal_writer(journal_options opts);
    ~journal_writer();  // stop()
    journal_writer(const journal_writer&) = delete;
    journal_writer& operator=(const journal_writer&) = delete;

    // Opens for append after `scan` (from a reader over the same directory, or recover()) and
    // starts the writer thread. Refuses (false, error()) a corrupt / io_error scan and a torn
    // one that was not truncated. Creates the directory when missing. Call once.
    [[nodiscard]] bool open(const scan_result& scan);

    // Appending thread only. `c.seq` must be the next seq (CUX_ASSERT). Blocks only while the
    // queue is full. False once failed or stopped: the command is NOT journaled.
    [[nodiscard]] bool append(const command& c);

    // Highest seq known to be on disk (fdatasync returned) — or written, with sync_mode::none.
    [[nodiscard]] uint64_t durable_seq() const {
        return durable_seq_.load(std::memory_order_acquire);
    }
    // Parks until durable_seq() >= seq: true. False when the writer failed or stopped first.
    [[nodiscard]] bool wait_durable(uint64_t seq) const;

    // Highest seq handed to write() (not necessarily synced). For tests and diagnostics.
    [[nodiscard]] uint64_t written_seq() const {
        return written_seq_.load(std::memory_order_acquire);
    }

    // Writes and syncs everything appended so far, stops the thread. Idempotent.
    void stop();

    [[nodiscard]] bool failed() const { return failed_.load(std::memory_order_acquire); }
    // Why it failed; empty when it did not.
    [[nodiscard]] std::string error() const;
    [[nodiscard]] journal_counters counters() const;

private:
    void run();
    bool write_records(const command* cmds, std::size_t n);
    bool create_segment(uint64_t first_seq);
    bool sync_file();
    bool write_all(const void* data, std::size_t bytes);
    void fail(std::string what);

    journal_options opts_;
    mpsc_ring<command> ring_;
    std::vector<command> batch_;
    std::vector<unsigned char> buf_;
    std::thread thread_;
    bool opened_ = false;
    uint64_t next_seq_ = 1;  // appending thread only

    // Writer thread only (after open()).
    int fd_ = -1;
    int dir_fd_ = -1;
    uint64_t file_bytes_ = 0;
    uint64_t segment_records_ = 0;
    std::string segment_path_;

    std::string error_;  // written once, before failed_ is set
    std::atomic<bool> failed_{false};
    std::atomic<bool> stopped_{false};
    alignas(cache_line_bytes) std::atomic<uint64_t> durable_seq_{0};
    std::atomic<uint64_t> written_seq_{0};
    mutable detail::event_count durable_;
    std::atomic<uint64_t> records_{0};
    std::atomic<uint64_t> batches_{0};
    std::atomic<uint64_t> fsyncs_{0};
    std::atomic<uint64_t> bytes_{0};
    std::atomic<uint64_t> segments_created_{0};
};

}  // namespace cux::engine
