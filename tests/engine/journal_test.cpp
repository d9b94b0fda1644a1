// Tests of engine/journal.hpp on real files in a fresh /tmp directory, with real fdatasync:
// names, round trips, segments, durability and write failures. Damaged tails:
// journal_tail_test.cpp.
#include "tests/engine/journal_harness.hpp"

namespace cux::engine {
namespace {

using namespace journal_testing;
namespace fs = std::filesystem;
namespace jf = journal_format;

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
