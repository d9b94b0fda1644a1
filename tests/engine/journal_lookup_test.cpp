// engine/journal_lookup.hpp: commands read by seq from a journal of several segments, also from
// a segment created after the lookup first listed the directory; missing and damaged records
// are errors, never wrong commands.

#include "engine/journal_lookup.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/engine/journal_harness.hpp"

namespace cux::engine::journal_testing {
namespace {

TEST(JournalLookup, ReadsEveryCommandBySeqAcrossSegmentsAndNewOnes) {
    temp_dir d;
    journal_options o = options(d.journal());
    o.segment_bytes_max = jf::header_bytes + 3 * jf::record_bytes;  // 3 records a segment
    append_range(o, 1, 7);
    journal_lookup look(d.journal());
    command c;
    std::string error;
    for (uint64_t s : {5, 1, 7, 2, 3, 6, 4}) {
        ASSERT_TRUE(look.read(s, c, error)) << s << ": " << error;
        EXPECT_TRUE(same(c, make_cmd(s))) << s;
    }
    EXPECT_FALSE(look.read(8, c, error));
    EXPECT_NE(error.find("command 8"), std::string::npos) << error;
    EXPECT_FALSE(look.read(0, c, error));
    // The journal grows (into new segments): the same lookup finds the new commands.
    append_range(o, 8, 5);
    for (uint64_t s = 1; s <= 12; ++s) {
        ASSERT_TRUE(look.read(s, c, error)) << s << ": " << error;
        EXPECT_TRUE(same(c, make_cmd(s))) << s;
    }
}

TEST(JournalLookup, ADamagedRecordIsAnErrorNotACommand) {
    temp_dir d;
    const journal_options o = options(d.journal());
    append_range(o, 1, 3);
    const std::string seg = d.journal() + "/" + segment_name(1);
    const int fd = ::open(seg.c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    const unsigned char x = 0x5a;
    // A byte inside the payload of command 2.
    ASSERT_EQ(::pwrite(fd, &x, 1, jf::header_bytes + jf::record_bytes + jf::frame_bytes + 40), 1);
    ::close(fd);
    journal_lookup look(d.journal());
    command c;
    std::string error;
    EXPECT_TRUE(look.read(1, c, error)) << error;
    EXPECT_FALSE(look.read(2, c, error));
    EXPECT_NE(error.find("crc"), std::string::npos) << error;
    EXPECT_TRUE(look.read(3, c, error)) << error;
    journal_lookup nowhere(d.path + "/missing");
    EXPECT_FALSE(nowhere.read(1, c, error));
}

}  // namespace
}  // namespace cux::engine::journal_testing
