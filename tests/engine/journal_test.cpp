// Tests of engine/journal.hpp on real files in a fresh /tmp directory, with real fdatasync.
#include "engine/journal.hpp"

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

namespace cux::engine {
namespace {

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
command make_cmd(uint64_t seq, uint64_t salt = 0) {
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

bool same(const command& a, const command& b) { return std::memcmp(&a, &b, sizeof a) == 0; }

journal_options options(const std::string& dir) {
    journal_options o;
    o.dir = dir;
    o.ring_capacity = 1024;
    return o;
}

// Appends seqs [first, first+count) after recovering `dir`; waits until durable.
void append_range(const journal_options& o, uint64_t first, uint64_t count, uint64_t salt = 0) {
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
read_back read_all(const std::string& dir) {
    read_back rb;
    journal_reader r(dir);
    command c;
    while (r.next(c)) rb.cmds.push_back(c);
    rb.result = r.result();
    return rb;
}

std::string segment_path(const std::string& dir, uint64_t first) {
    return dir + "/" + segment_name(first);
}
uint64_t record_offset(uint64_t index) { return jf::header_bytes + index * jf::record_bytes; }

void truncate_file(const std::string& path, uint64_t size) {
    ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(size)), 0) << std::strerror(errno);
}
void patch_file(const std::string& path, uint64_t offset, const void* data, std::size_t n) {
    const int fd = ::open(path.c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::pwrite(fd, data, n, static_cast<off_t>(offset)), static_cast<ssize_t>(n));
    ::close(fd);
}
void flip_byte(const std::string& path, uint64_t offset) {
    const int fd = ::open(path.c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    unsigned char b = 0;
    ASSERT_EQ(::pread(fd, &b, 1, static_cast<off_t>(offset)), 1);
    b ^= 0x5A;
    ASSERT_EQ(::pwrite(fd, &b, 1, static_cast<off_t>(offset)), 1);
    ::close(fd);
}

TEST(Journal, NamesAndDirectory) {
    EXPECT_EQ(segment_name(1), "00000000000000000001.cuxj");
    EXPECT_EQ(segment_name(12345678901234567890ull), "12345678901234567890.cuxj");
    EXPECT_EQ(journal_dir("/var/cux"), "/var/cux/journal");
    EXPECT_EQ(journal_dir("/var/cux/"), "/var/cux/journal");
    EXPECT_EQ(jf::record_bytes, 120u);
}

TEST(Journal, MissingDirectoryReadsAsEmptyAndClean) {
    temp_dir t;
    const scan_result s = scan_journal(t.journal());
    EXPECT_EQ(s.status, tail_status::clean);
    EXPECT_EQ(s.records, 0u);
    EXPECT_EQ(s.next_seq, 1u);
    EXPECT_TRUE(s.last_segment.empty());
}

TEST(Journal, WriteThenReadBackIdentical) {
    temp_dir t;
    constexpr uint64_t n = 1000;
    {
        journal_writer w(options(t.journal()));
        ASSERT_TRUE(w.open(recover(t.journal()))) << w.error();
        for (uint64_t s = 1; s <= n; ++s) ASSERT_TRUE(w.append(make_cmd(s)));
        ASSERT_TRUE(w.wait_durable(n));
        EXPECT_EQ(w.durable_seq(), n);
        w.stop();
        const journal_counters c = w.counters();
        EXPECT_EQ(c.records, n);
        EXPECT_GE(c.fsyncs, 2u);  // the new segment's header, then at least one group
        EXPECT_EQ(c.segments_created, 1u);
        EXPECT_EQ(c.bytes, jf::header_bytes + n * jf::record_bytes);
    }
    const read_back rb = read_all(t.journal());
    EXPECT_EQ(rb.result.status, tail_status::clean) << rb.result.what;
    ASSERT_EQ(rb.cmds.size(), n);
    for (uint64_t s = 1; s <= n; ++s) EXPECT_TRUE(same(rb.cmds[s - 1], make_cmd(s))) << s;
    EXPECT_EQ(rb.result.first_seq, 1u);
    EXPECT_EQ(rb.result.last_seq, n);
    EXPECT_EQ(rb.result.next_seq, n + 1);
    EXPECT_EQ(rb.result.segments, 1u);
    EXPECT_EQ(rb.result.bytes, jf::header_bytes + n * jf::record_bytes);
    EXPECT_EQ(fs::file_size(segment_path(t.journal(), 1)), jf::header_bytes + n * jf::record_bytes);
}

TEST(Journal, StopWritesEverythingAppended) {
    temp_dir t;
    journal_options o = options(t.journal());
    o.sync = sync_mode::none;
    {
        journal_writer w(o);
        ASSERT_TRUE(w.open(recover(o.dir)));
        for (uint64_t s = 1; s <= 5000; ++s) ASSERT_TRUE(w.append(make_cmd(s)));
        w.stop();  // no wait_durable: stop must drain the queue
        EXPECT_EQ(w.durable_seq(), 5000u);
        EXPECT_EQ(w.counters().fsyncs, 0u);
        EXPECT_FALSE(w.append(make_cmd(5001)));  // stopped
    }
    EXPECT_EQ(read_all(o.dir).cmds.size(), 5000u);
}

TEST(Journal, SegmentRolloverAndReopen) {
    temp_dir t;
    journal_options o = options(t.journal());
    o.segment_bytes_max = jf::header_bytes + 10 * jf::record_bytes;  // 10 records per segment
    append_range(o, 1, 95);
    for (uint64_t first = 1; first <= 91; first += 10) {
        const uint64_t records = first == 91 ? 5 : 10;
        EXPECT_EQ(fs::file_size(segment_path(o.dir, first)),
                  jf::header_bytes + records * jf::record_bytes)
            << first;
    }
    read_back rb = read_all(o.dir);
    EXPECT_EQ(rb.result.status, tail_status::clean) << rb.result.what;
    EXPECT_EQ(rb.result.segments, 10u);
    ASSERT_EQ(rb.cmds.size(), 95u);
    for (uint64_t s = 1; s <= 95; ++s) ASSERT_TRUE(same(rb.cmds[s - 1], make_cmd(s))) << s;

    // Reopen: the last segment fills up to 10, then a new one starts at 101.
    append_range(o, 96, 6);
    EXPECT_EQ(fs::file_size(segment_path(o.dir, 91)), jf::header_bytes + 10 * jf::record_bytes);
    EXPECT_EQ(fs::file_size(segment_path(o.dir, 101)), jf::header_bytes + 1 * jf::record_bytes);
    rb = read_all(o.dir);
    EXPECT_EQ(rb.result.status, tail_status::clean) << rb.result.what;
    EXPECT_EQ(rb.cmds.size(), 101u);
    EXPECT_EQ(rb.result.last_seq, 101u);
}

TEST(Journal, TornTailIsReportedNeverYieldedAndTruncatedOnRecover) {
    const std::vector<uint64_t> cuts = {1, 4, 7, 8, 9, 60, 119};
    for (const uint64_t cut : cuts) {
        SCOPED_TRACE("bytes of the 10th record kept: " + std::to_string(cut));
        temp_dir t;
        const journal_options o = options(t.journal());
        append_range(o, 1, 10);
        const std::string seg = segment_path(o.dir, 1);
        truncate_file(seg, record_offset(9) + cut);

        const read_back rb = read_all(o.dir);
        EXPECT_EQ(rb.result.status, tail_status::torn);
        EXPECT_EQ(rb.result.file, seg);
        EXPECT_EQ(rb.result.offset, record_offset(9));
        EXPECT_EQ(rb.result.tail_bytes, cut);
        ASSERT_EQ(rb.cmds.size(), 9u);  // the torn 10th is never yielded
        EXPECT_TRUE(same(rb.cmds[8], make_cmd(9)));
        EXPECT_EQ(rb.result.next_seq, 10u);

        // A writer refuses a torn scan that was not truncated.
        {
            journal_writer w(o);
            EXPECT_FALSE(w.open(rb.result));
            EXPECT_NE(w.error().find("torn"), std::string::npos) << w.error();
        }

        const scan_result rec = recover(o.dir);
        EXPECT_EQ(rec.status, tail_status::torn);
        EXPECT_TRUE(rec.truncated);
        EXPECT_EQ(fs::file_size(seg), record_offset(9));

        append_range(o, 10, 5, /*salt=*/99);  // continues cleanly after the last good record
        const read_back after = read_all(o.dir);
        EXPECT_EQ(after.result.status, tail_status::clean) << after.result.what;
        ASSERT_EQ(after.cmds.size(), 14u);
        EXPECT_TRUE(same(after.cmds[8], make_cmd(9)));
        EXPECT_TRUE(same(after.cmds[9], make_cmd(10, 99)));
    }
}

TEST(Journal, TruncationAtARecordBoundaryIsClean) {
    temp_dir t;
    const journal_options o = options(t.journal());
    append_range(o, 1, 10);
    truncate_file(segment_path(o.dir, 1), record_offset(9));
    const read_back rb = read_all(o.dir);
    EXPECT_EQ(rb.result.status, tail_status::clean);
    EXPECT_EQ(rb.cmds.size(), 9u);
}

TEST(Journal, TornSegmentHeaderIsRemovedAndRecreated) {
    temp_dir t;
    journal_options o = options(t.journal());
    o.segment_bytes_max = jf::header_bytes + 10 * jf::record_bytes;
    append_range(o, 1, 25);  // segments 1, 11, 21
    const std::string last = segment_path(o.dir, 21);
    truncate_file(last, 20);  // a crash while the new segment's header was written

    const read_back rb = read_all(o.dir);
    EXPECT_EQ(rb.result.status, tail_status::torn);
    EXPECT_EQ(rb.result.file, last);
    EXPECT_EQ(rb.result.offset, 0u);
    EXPECT_EQ(rb.result.tail_bytes, 20u);
    EXPECT_EQ(rb.cmds.size(), 20u);

    const scan_result rec = recover(o.dir);
    EXPECT_TRUE(rec.truncated);
    EXPECT_FALSE(fs::exists(last));
    append_range(o, 21, 3);
    const read_back after = read_all(o.dir);
    EXPECT_EQ(after.result.status, tail_status::clean) << after.result.what;
    EXPECT_EQ(after.cmds.size(), 23u);
}

TEST(Journal, FlippedByteInTheMiddleIsCorrupt) {
    temp_dir t;
    const journal_options o = options(t.journal());
    append_range(o, 1, 10);
    const std::string seg = segment_path(o.dir, 1);
    flip_byte(seg, record_offset(4) + jf::frame_bytes + 30);  // inside record 5's payload

    const read_back rb = read_all(o.dir);
    EXPECT_EQ(rb.result.status, tail_status::corrupt);
    EXPECT_EQ(rb.result.file, seg);
    EXPECT_EQ(rb.result.offset, record_offset(4));
    EXPECT_NE(rb.result.what.find("crc"), std::string::npos) << rb.result.what;
    EXPECT_EQ(rb.cmds.size(), 4u);  // nothing from the damaged record on

    // recover() leaves a corrupt journal alone, and a writer refuses it.
    const auto size = fs::file_size(seg);
    const scan_result rec = recover(o.dir);
    EXPECT_EQ(rec.status, tail_status::corrupt);
    EXPECT_EQ(fs::file_size(seg), size);
    journal_writer w(o);
    EXPECT_FALSE(w.open(rec));
    EXPECT_TRUE(w.failed());
    EXPECT_NE(w.error().find("corrupt"), std::string::npos) << w.error();
    EXPECT_FALSE(w.append(make_cmd(11)));
}

TEST(Journal, DamagedFinalRecordOfFullLengthIsCorruptNotTorn) {
    temp_dir t;
    const journal_options o = options(t.journal());
    append_range(o, 1, 10);
    flip_byte(segment_path(o.dir, 1), record_offset(9) + jf::frame_bytes + 100);
    const read_back rb = read_all(o.dir);
    EXPECT_EQ(rb.result.status, tail_status::corrupt);
    EXPECT_EQ(rb.cmds.size(), 9u);
}

TEST(Journal, BadRecordLengthIsCorrupt) {
    temp_dir t;
    const journal_options o = options(t.journal());
    append_range(o, 1, 10);
    const uint32_t len = 4096;
    patch_file(segment_path(o.dir, 1), record_offset(6), &len, sizeof len);
    const read_back rb = read_all(o.dir);
    EXPECT_EQ(rb.result.status, tail_status::corrupt);
    EXPECT_EQ(rb.result.offset, record_offset(6));
    EXPECT_NE(rb.result.what.find("length"), std::string::npos) << rb.result.what;
    EXPECT_EQ(rb.cmds.size(), 6u);
}

TEST(Journal, BadMagicIsCorrupt) {
    temp_dir t;
    const journal_options o = options(t.journal());
    append_range(o, 1, 3);
    patch_file(segment_path(o.dir, 1), 0, "XUXJ", 4);
    const read_back rb = read_all(o.dir);
    EXPECT_EQ(rb.result.status, tail_status::corrupt);
    EXPECT_NE(rb.result.what.find("magic"), std::string::npos) << rb.result.what;
    EXPECT_TRUE(rb.cmds.empty());
}

TEST(Journal, SeqGapInsideASegmentIsCorrupt) {
    temp_dir t;
    const journal_options o = options(t.journal());
    append_range(o, 1, 10);
    // Replace record 6 with a well-formed record carrying seq 7 (valid crc, wrong seq).
    const command bad = make_cmd(7);
    unsigned char rec[jf::record_bytes];
    const uint32_t len = jf::payload_bytes;
    const uint32_t crc = crc32c(&bad, sizeof bad);
    std::memcpy(rec, &len, 4);
    std::memcpy(rec + 4, &crc, 4);
    std::memcpy(rec + 8, &bad, sizeof bad);
    patch_file(segment_path(o.dir, 1), record_offset(5), rec, sizeof rec);

    const read_back rb = read_all(o.dir);
    EXPECT_EQ(rb.result.status, tail_status::corrupt);
    EXPECT_EQ(rb.result.offset, record_offset(5));
    EXPECT_NE(rb.result.what.find("seq gap"), std::string::npos) << rb.result.what;
    EXPECT_EQ(rb.cmds.size(), 5u);
}

TEST(Journal, MissingMiddleSegmentIsCorrupt) {
    temp_dir t;
    journal_options o = options(t.journal());
    o.segment_bytes_max = jf::header_bytes + 10 * jf::record_bytes;
    append_range(o, 1, 30);
    fs::remove(segment_path(o.dir, 11));
    const read_back rb = read_all(o.dir);
    EXPECT_EQ(rb.result.status, tail_status::corrupt);
    EXPECT_EQ(rb.result.file, segment_path(o.dir, 21));
    EXPECT_NE(rb.result.what.find("seq gap"), std::string::npos) << rb.result.what;
    EXPECT_EQ(rb.cmds.size(), 10u);
}

TEST(Journal, IncompleteRecordInAnEarlierSegmentIsCorrupt) {
    temp_dir t;
    journal_options o = options(t.journal());
    o.segment_bytes_max = jf::header_bytes + 10 * jf::record_bytes;
    append_range(o, 1, 15);
    truncate_file(segment_path(o.dir, 1), record_offset(9) + 50);  // damage followed by more data
    const read_back rb = read_all(o.dir);
    EXPECT_EQ(rb.result.status, tail_status::corrupt);
    EXPECT_EQ(rb.result.offset, record_offset(9));
    EXPECT_EQ(rb.cmds.size(), 9u);
}

// --- Zero-filled tails: a power cut can keep a file's new size but not its new data --------------

uint64_t file_size(const std::string& path) { return static_cast<uint64_t>(fs::file_size(path)); }

// Cuts `path` to `keep` bytes, then extends it with zeros to `total` bytes: exactly what a file
// system leaves when the size reached the disk and the data after `keep` did not.
void zero_from(const std::string& path, uint64_t keep, uint64_t total) {
    truncate_file(path, keep);
    truncate_file(path, total);
}

void append_bytes(const std::string& path, const std::vector<unsigned char>& bytes) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    ::close(fd);
}

// After recover(): the journal continues at `next` with fresh records, and reads back as the
// `kept` original records followed by them, clean.
void expect_appending_continues(const journal_options& o, uint64_t kept) {
    append_range(o, kept + 1, 5, /*salt=*/77);
    const read_back after = read_all(o.dir);
    EXPECT_EQ(after.result.status, tail_status::clean) << after.result.what;
    ASSERT_EQ(after.cmds.size(), kept + 5);
    for (uint64_t s = 1; s <= kept; ++s) EXPECT_TRUE(same(after.cmds[s - 1], make_cmd(s))) << s;
    for (uint64_t s = kept + 1; s <= kept + 5; ++s) {
        EXPECT_TRUE(same(after.cmds[s - 1], make_cmd(s, 77))) << s;
    }
}

TEST(Journal, ZeroFilledTailInTheLastSegmentIsTornAndTruncated) {
    // 1 byte, part of a record's frame, a whole frame, a record less one, a record, a record and
    // a bit, and many KiB.
    const std::vector<uint64_t> lengths = {1, 5, 8, 119, 120, 121, 3 * 120, (64 << 10) + 7};
    for (const uint64_t zeros : lengths) {
        SCOPED_TRACE("zero bytes after the last record: " + std::to_string(zeros));
        temp_dir t;
        const journal_options o = options(t.journal());
        append_range(o, 1, 10);
        const std::string seg = segment_path(o.dir, 1);
        zero_from(seg, record_offset(10), record_offset(10) + zeros);

        const read_back rb = read_all(o.dir);
        EXPECT_EQ(rb.result.status, tail_status::torn) << rb.result.what;
        EXPECT_EQ(rb.result.file, seg);
        EXPECT_EQ(rb.result.offset, record_offset(10));
        EXPECT_EQ(rb.result.tail_bytes, zeros);
        EXPECT_NE(rb.result.what.find("zero"), std::string::npos) << rb.result.what;
        ASSERT_EQ(rb.cmds.size(), 10u);  // the zeros are never yielded as a record
        for (uint64_t s = 1; s <= 10; ++s) EXPECT_TRUE(same(rb.cmds[s - 1], make_cmd(s))) << s;
        EXPECT_EQ(rb.result.next_seq, 11u);

        const scan_result rec = recover(o.dir);
        EXPECT_EQ(rec.status, tail_status::torn);
        EXPECT_TRUE(rec.truncated);
        EXPECT_EQ(file_size(seg), record_offset(10));
        expect_appending_continues(o, 10);
    }
}

TEST(Journal, ZeroFilledSegmentHeaderIsTornAndTheSegmentRecreated) {
    struct shape {
        uint64_t header_kept;  // bytes of the real header before the zeros
        uint64_t total;        // file size
    };
    // All zeros: 1 byte, part of a header, a header, a header and many KiB; the header written
    // in part, then zeros.
    const std::vector<shape> shapes = {{0, 1},  {0, 20},    {0, 32},       {0, 32 + 8192},
                                       {4, 32}, {12, 4096}, {28, 32 + 120}};
    for (const shape& sh : shapes) {
        SCOPED_TRACE("header bytes kept " + std::to_string(sh.header_kept) + ", file size " +
                     std::to_string(sh.total));
        temp_dir t;
        journal_options o = options(t.journal());
        o.segment_bytes_max = jf::header_bytes + 10 * jf::record_bytes;
        append_range(o, 1, 25);  // segments 1, 11, 21
        const std::string last = segment_path(o.dir, 21);
        zero_from(last, sh.header_kept, sh.total);

        const read_back rb = read_all(o.dir);
        EXPECT_EQ(rb.result.status, tail_status::torn) << rb.result.what;
        EXPECT_EQ(rb.result.file, last);
        EXPECT_EQ(rb.result.offset, 0u);
        EXPECT_EQ(rb.result.tail_bytes, sh.total);
        EXPECT_EQ(rb.cmds.size(), 20u);
        EXPECT_EQ(rb.result.next_seq, 21u);

        const scan_result rec = recover(o.dir);
        EXPECT_TRUE(rec.truncated);
        EXPECT_FALSE(fs::exists(last));
        expect_appending_continues(o, 20);
    }
}

TEST(Journal, FinalRecordWrittenInPartThenZerosIsTorn) {
    struct shape {
        uint64_t kept;        // bytes of the 10th record before the zeros
        uint64_t zeros_past;  // zero bytes after the 10th record's end
    };
    const std::vector<shape> shapes = {
        {1, 0},    {4, 0},    {8, 0},  // the zeros reach the frame: never a durable record
        {1, 4096}, {8, 4096}, {60, 4096}, {119, 1},  // zeros run past the record
    };
    for (const shape& sh : shapes) {
        SCOPED_TRACE("kept " + std::to_string(sh.kept) + ", zeros past the record " +
                     std::to_string(sh.zeros_past));
        temp_dir t;
        const journal_options o = options(t.journal());
        append_range(o, 1, 10);
        const std::string seg = segment_path(o.dir, 1);
        zero_from(seg, record_offset(9) + sh.kept, record_offset(10) + sh.zeros_past);

        const read_back rb = read_all(o.dir);
        EXPECT_EQ(rb.result.status, tail_status::torn) << rb.result.what;
        EXPECT_EQ(rb.result.offset, record_offset(9));
        EXPECT_EQ(rb.result.tail_bytes, jf::record_bytes + sh.zeros_past);
        ASSERT_EQ(rb.cmds.size(), 9u);

        const scan_result rec = recover(o.dir);
        EXPECT_TRUE(rec.truncated);
        EXPECT_EQ(file_size(seg), record_offset(9));
        expect_appending_continues(o, 9);
    }
}

TEST(Journal, CompleteFinalRecordEndingInZerosIsCorrupt) {
    // The file ends exactly at the end of a full record whose payload ends in zeros: a torn write
    // or a damaged durable record whose payload happened to end in zeros. Refuse.
    temp_dir t;
    const journal_options o = options(t.journal());
    append_range(o, 1, 10);
    const std::string seg = segment_path(o.dir, 1);
    zero_from(seg, record_offset(9) + 60, record_offset(10));
    const read_back rb = read_all(o.dir);
    EXPECT_EQ(rb.result.status, tail_status::corrupt) << rb.result.what;
    EXPECT_EQ(rb.result.offset, record_offset(9));
    EXPECT_EQ(rb.cmds.size(), 9u);
    const scan_result rec = recover(o.dir);
    EXPECT_EQ(rec.status, tail_status::corrupt);
    EXPECT_EQ(file_size(seg), record_offset(10));
}

TEST(Journal, ZerosFollowedByDataAreCorrupt) {
    {
        SCOPED_TRACE("zeros after the last record, then garbage");
        temp_dir t;
        const journal_options o = options(t.journal());
        append_range(o, 1, 10);
        const std::string seg = segment_path(o.dir, 1);
        zero_from(seg, record_offset(10), record_offset(10) + 200);
        append_bytes(seg, std::vector<unsigned char>(50, 0xA5));
        const uint64_t size = file_size(seg);

        const read_back rb = read_all(o.dir);
        EXPECT_EQ(rb.result.status, tail_status::corrupt) << rb.result.what;
        EXPECT_EQ(rb.result.offset, record_offset(10));
        EXPECT_NE(rb.result.what.find("zero"), std::string::npos) << rb.result.what;
        EXPECT_EQ(rb.cmds.size(), 10u);
        EXPECT_EQ(recover(o.dir).status, tail_status::corrupt);
        EXPECT_EQ(file_size(seg), size);  // left untouched
    }
    {
        SCOPED_TRACE("a zeroed record followed by good records");
        temp_dir t;
        const journal_options o = options(t.journal());
        append_range(o, 1, 10);
        const std::string seg = segment_path(o.dir, 1);
        const std::vector<unsigned char> zeros(jf::record_bytes, 0);
        patch_file(seg, record_offset(4), zeros.data(), zeros.size());

        const read_back rb = read_all(o.dir);
        EXPECT_EQ(rb.result.status, tail_status::corrupt) << rb.result.what;
        EXPECT_EQ(rb.result.offset, record_offset(4));
        EXPECT_EQ(rb.cmds.size(), 4u);
        EXPECT_EQ(recover(o.dir).status, tail_status::corrupt);
        EXPECT_EQ(file_size(seg), record_offset(10));
    }
    {
        SCOPED_TRACE("a final record with a wrong length, then zeros");
        temp_dir t;
        const journal_options o = options(t.journal());
        append_range(o, 1, 10);
        const std::string seg = segment_path(o.dir, 1);
        zero_from(seg, record_offset(9), record_offset(10) + 4096);
        const unsigned char bad_length = 0x71;
        patch_file(seg, record_offset(9), &bad_length, 1);

        const read_back rb = read_all(o.dir);
        EXPECT_EQ(rb.result.status, tail_status::corrupt) << rb.result.what;
        EXPECT_EQ(rb.result.offset, record_offset(9));
        EXPECT_EQ(rb.cmds.size(), 9u);
    }
    {
        SCOPED_TRACE("a zero header followed by data");
        temp_dir t;
        journal_options o = options(t.journal());
        o.segment_bytes_max = jf::header_bytes + 10 * jf::record_bytes;
        append_range(o, 1, 25);
        const std::string last = segment_path(o.dir, 21);
        const std::vector<unsigned char> zeros(jf::header_bytes, 0);
        patch_file(last, 0, zeros.data(), zeros.size());

        const read_back rb = read_all(o.dir);
        EXPECT_EQ(rb.result.status, tail_status::corrupt) << rb.result.what;
        EXPECT_EQ(rb.result.file, last);
        EXPECT_EQ(rb.result.offset, 0u);
        EXPECT_EQ(rb.cmds.size(), 20u);
        EXPECT_EQ(recover(o.dir).status, tail_status::corrupt);
        EXPECT_TRUE(fs::exists(last));
    }
}

TEST(Journal, ZerosInASegmentThatIsNotTheLastAreCorrupt) {
    {
        SCOPED_TRACE("a zero tail after the records of the first segment");
        temp_dir t;
        journal_options o = options(t.journal());
        o.segment_bytes_max = jf::header_bytes + 10 * jf::record_bytes;
        append_range(o, 1, 15);  // segments 1 (10 records) and 11 (5)
        const std::string first = segment_path(o.dir, 1);
        zero_from(first, record_offset(10), record_offset(10) + 4096);

        const read_back rb = read_all(o.dir);
        EXPECT_EQ(rb.result.status, tail_status::corrupt) << rb.result.what;
        EXPECT_EQ(rb.result.file, first);
        EXPECT_EQ(rb.result.offset, record_offset(10));
        EXPECT_NE(rb.result.what.find("not the last"), std::string::npos) << rb.result.what;
        EXPECT_EQ(rb.cmds.size(), 10u);
        EXPECT_EQ(recover(o.dir).status, tail_status::corrupt);
        EXPECT_EQ(file_size(first), record_offset(10) + 4096);
    }
    {
        SCOPED_TRACE("the first segment's last record zeroed in place");
        temp_dir t;
        journal_options o = options(t.journal());
        o.segment_bytes_max = jf::header_bytes + 10 * jf::record_bytes;
        append_range(o, 1, 15);
        const std::string first = segment_path(o.dir, 1);
        zero_from(first, record_offset(9), record_offset(10));

        const read_back rb = read_all(o.dir);
        EXPECT_EQ(rb.result.status, tail_status::corrupt) << rb.result.what;
        EXPECT_EQ(rb.result.offset, record_offset(9));
        EXPECT_EQ(rb.cmds.size(), 9u);
        EXPECT_EQ(recover(o.dir).status, tail_status::corrupt);
    }
    {
        SCOPED_TRACE("a zeroed header in the middle segment");
        temp_dir t;
        journal_options o = options(t.journal());
        o.segment_bytes_max = jf::header_bytes + 10 * jf::record_bytes;
        append_range(o, 1, 25);
        const std::string middle = segment_path(o.dir, 11);
        zero_from(middle, 0, file_size(middle));

        const read_back rb = read_all(o.dir);
        EXPECT_EQ(rb.result.status, tail_status::corrupt) << rb.result.what;
        EXPECT_EQ(rb.result.file, middle);
        EXPECT_EQ(rb.cmds.size(), 10u);
    }
}

TEST(Journal, DurableSeqAdvancesOnlyAfterFdatasync) {
    temp_dir t;
    journal_options o = options(t.journal());
    std::atomic<journal_writer*> writer{nullptr};
    std::atomic<uint64_t> synced_seq{0};  // written_seq as of the last fdatasync that returned
    std::atomic<uint64_t> syncs{0};
    std::atomic<uint64_t> violations{0};
    o.io.fdatasync = [&](int fd) {
        journal_writer* w = writer.load();
        // Before this sync returns, nothing written since the last one may be called durable.
        if (w != nullptr && w->durable_seq() > synced_seq.load()) ++violations;
        const int rc = ::fdatasync(fd);
        if (w != nullptr) synced_seq.store(w->written_seq());
        ++syncs;
        return rc;
    };
    journal_writer w(o);
    writer = &w;
    ASSERT_TRUE(w.open(recover(o.dir)));

    std::atomic<bool> stop_watch{false};
    std::thread watcher([&] {
        while (!stop_watch.load()) {
            const uint64_t d = w.durable_seq();  // read durable first, then what was synced
            if (d > synced_seq.load()) ++violations;
            std::this_thread::yield();  // 2 cores: leave room for the writer
        }
    });
    constexpr uint64_t n = 3000;
    for (uint64_t s = 1; s <= n; ++s) {
        ASSERT_TRUE(w.append(make_cmd(s)));
        if (s % 100 == 0) {
            ASSERT_TRUE(w.wait_durable(s));
            EXPECT_GE(synced_seq.load(), s);
        }
    }
    ASSERT_TRUE(w.wait_durable(n));
    stop_watch = true;
    watcher.join();
    w.stop();
    EXPECT_EQ(violations.load(), 0u);
    EXPECT_GE(syncs.load(), 31u);  // header + at least one per wait
    EXPECT_EQ(w.counters().fsyncs, syncs.load());
}

TEST(Journal, WriteFailureIsStickyAndAppendRefuses) {
    temp_dir t;
    journal_options o = options(t.journal());
    const int dev_full = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
    ASSERT_GE(dev_full, 0);
    std::atomic<bool> armed{false};
    // Once armed, every write goes to /dev/full: the kernel answers ENOSPC.
    o.io.write = [&](int fd, const void* p, std::size_t n) {
        return ::write(armed.load() ? dev_full : fd, p, n);
    };
    journal_writer w(o);
    ASSERT_TRUE(w.open(recover(o.dir)));
    for (uint64_t s = 1; s <= 5; ++s) ASSERT_TRUE(w.append(make_cmd(s)));
    ASSERT_TRUE(w.wait_durable(5));

    armed = true;
    ASSERT_TRUE(w.append(make_cmd(6)));  // queued; the write fails in the writer thread
    EXPECT_FALSE(w.wait_durable(6));     // outcome unknown: never reported durable
    EXPECT_TRUE(w.failed());
    EXPECT_NE(w.error().find("No space left"), std::string::npos) << w.error();
    EXPECT_EQ(w.durable_seq(), 5u);

    armed = false;  // even if the disk recovers, the writer never retries
    EXPECT_FALSE(w.append(make_cmd(7)));
    EXPECT_FALSE(w.wait_durable(7));
    EXPECT_TRUE(w.failed());
    w.stop();
    ::close(dev_full);

    // The durable prefix is intact.
    const read_back rb = read_all(o.dir);
    EXPECT_EQ(rb.result.status, tail_status::clean) << rb.result.what;
    EXPECT_EQ(rb.cmds.size(), 5u);
}

TEST(Journal, FdatasyncFailureIsSticky) {
    temp_dir t;
    journal_options o = options(t.journal());
    std::atomic<bool> armed{false};
    o.io.fdatasync = [&](int fd) {
        if (armed.load()) {
            errno = EIO;
            return -1;
        }
        return ::fdatasync(fd);
    };
    journal_writer w(o);
    ASSERT_TRUE(w.open(recover(o.dir)));
    ASSERT_TRUE(w.append(make_cmd(1)));
    ASSERT_TRUE(w.wait_durable(1));
    armed = true;
    ASSERT_TRUE(w.append(make_cmd(2)));
    EXPECT_FALSE(w.wait_durable(2));
    EXPECT_TRUE(w.failed());
    EXPECT_NE(w.error().find("fdatasync"), std::string::npos) << w.error();
    EXPECT_EQ(w.durable_seq(), 1u);
    armed = false;
    EXPECT_FALSE(w.append(make_cmd(3)));
}

TEST(Journal, OpenFailureOnAnUnusableDirectory) {
    temp_dir t;
    const std::string file = t.path + "/not-a-dir";
    {
        std::FILE* f = std::fopen(file.c_str(), "w");
        ASSERT_NE(f, nullptr);
        std::fclose(f);
    }
    journal_writer w(options(file + "/journal"));
    EXPECT_FALSE(w.open(recover(file + "/journal")));
    EXPECT_TRUE(w.failed());
    EXPECT_FALSE(w.error().empty());
    EXPECT_FALSE(w.append(make_cmd(1)));
    EXPECT_FALSE(w.wait_durable(1));
}

TEST(Journal, AppendOutOfSeqAborts) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    temp_dir t;
    EXPECT_DEATH(
        {
            journal_writer w(options(t.journal()));
            const bool opened = w.open(recover(t.journal()));
            // The abort skips destructors: remove the directory first so nothing is left.
            std::error_code ec;
            fs::remove_all(t.path, ec);
            if (opened) (void)w.append(make_cmd(2));
        },
        "assertion failed");
}

}  // namespace
}  // namespace cux::engine
