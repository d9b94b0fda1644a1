// Opening a ledger: another market's or another schema version's ledger is refused, and a file
// that is not a ledger is not read.

#include <gtest/gtest.h>

#include "ledger/detail/sqlite.hpp"
#include "ledger/reader.hpp"
#include "ledger/recorder.hpp"
#include "tests/ledger/ledger_harness.hpp"

namespace cux::ledger::test {
namespace {

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
