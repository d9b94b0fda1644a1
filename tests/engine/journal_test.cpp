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
