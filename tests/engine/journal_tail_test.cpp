// Damaged journals (engine/journal.hpp): torn and zero-filled tails are reported and truncated,
// corruption anywhere else refuses; real files in a fresh /tmp directory.
#include "tests/engine/journal_harness.hpp"

namespace cux::engine {
namespace {

using namespace journal_testing;
namespace fs = std::filesystem;
namespace jf = journal_format;

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

}  // namespace
}  // namespace cux::engine
