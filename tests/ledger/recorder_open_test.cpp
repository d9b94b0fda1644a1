// Opening a ledger: the file is the owner's only (it holds API-key secrets), another market's
// or another schema version's ledger is refused, and a file that is not a ledger is not read.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "ledger/detail/sqlite.hpp"
#include "ledger/reader.hpp"
#include "ledger/recorder.hpp"
#include "tests/ledger/ledger_harness.hpp"

namespace cux::ledger::test {
namespace {

TEST(LedgerOpen, CreatesTheFileForItsOwnerOnly) {
    temp_dir dir;
    const mode_t old = ::umask(022);  // the usual umask would leave it world-readable
    auto r = recorder::open(options_for(dir.db(), engine::test::small_market()));
    ::umask(old);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(mode_of(dir.db()), 0600U);
    // SQLite gives its WAL and shared-memory files the database's mode.
    EXPECT_EQ(mode_of(dir.db() + "-wal"), 0600U);
    EXPECT_EQ(mode_of(dir.db() + "-shm"), 0600U);
}

TEST(LedgerOpen, MakesAnExistingFileItsOwnersOnly) {
    temp_dir dir;
    {
        auto r = recorder::open(options_for(dir.db(), engine::test::small_market()));
        ASSERT_TRUE(r.ok()) << r.error().message;
    }
    ASSERT_EQ(::chmod(dir.db().c_str(), 0644), 0);
    auto r = recorder::open(options_for(dir.db(), engine::test::small_market()));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(mode_of(dir.db()), 0600U);
}

TEST(LedgerOpen, WritesInWalModeWithFullSync) {
    temp_dir dir;
    auto r = recorder::open(options_for(dir.db(), engine::test::small_market()));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r.value()->settings(), "journal_mode=wal synchronous=FULL page_size=4096");
}

TEST(LedgerOpen, RefusesAnOlderSchemaVersion) {
    temp_dir dir;
    {
        auto r = recorder::open(options_for(dir.db(), engine::test::small_market()));
        ASSERT_TRUE(r.ok()) << r.error().message;
    }
    {
        auto db = detail::connection::open(dir.db(), false, false, "", 1000);
        ASSERT_TRUE(db.ok());
        ASSERT_TRUE(db.value().exec("UPDATE ledger_state SET schema_version = 1").ok());
    }
    auto r = recorder::open(options_for(dir.db(), engine::test::small_market()));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, error_code::schema);
    EXPECT_NE(r.error().message.find("version 1"), std::string::npos) << r.error().message;
}

TEST(LedgerOpen, RefusesAnotherMarketsLedger) {
    temp_dir dir;
    market_config m = engine::test::small_market();
    {
        auto r = recorder::open(options_for(dir.db(), m));
        ASSERT_TRUE(r.ok()) << r.error().message;
    }
    m.carriers[0] = "another";
    auto r = recorder::open(options_for(dir.db(), m));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, error_code::schema);
}

TEST(LedgerOpen, ReaderRefusesAFileThatIsNotALedger) {
    temp_dir dir;
    EXPECT_FALSE(reader::open(dir.path + "/missing.db").ok());
    {
        auto db = detail::connection::open(dir.db(), true, false, "", 1000);
        ASSERT_TRUE(db.ok());
        ASSERT_TRUE(db.value().exec("CREATE TABLE t (x)").ok());
    }
    auto r = reader::open(dir.db());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, error_code::schema);
}

}  // namespace
}  // namespace cux::ledger::test
