// The API-key store in the ledger file: the file is its owner's only from the moment it exists,
// whoever creates it first, and keys round-trip.

#include "ledger/keys.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/ledger/ledger_harness.hpp"

namespace cux::ledger::test {
namespace {

TEST(LedgerKeys, TheStoreCreatesTheFileForItsOwnerOnlyAndKeepsKeys) {
    temp_dir dir;
    const mode_t old = ::umask(022);
    {
        key_store store(dir.db());
        key_record k;
        k.key_id = "ck_0123456789abcdef";
        k.participant = 7;
        k.secret = std::string(32, '\x5a');
        k.created_ts = 42;
        std::string error;
        ASSERT_TRUE(store.insert(k, error)) << error;
        std::string again_error;
        EXPECT_FALSE(store.insert(k, again_error));  // a key id is unique
    }
    ::umask(old);
    EXPECT_EQ(mode_of(dir.db()), 0600U);
    // The ledger opens the same file afterwards and keeps the keys.
    auto r = recorder::open(options_for(dir.db(), engine::test::small_market()));
    ASSERT_TRUE(r.ok()) << r.error().message;
    key_store store(dir.db());
    const auto keys = store.load_all();
    ASSERT_EQ(keys.size(), 1U);
    EXPECT_EQ(keys[0].participant, 7U);
    EXPECT_EQ(keys[0].secret, std::string(32, '\x5a'));
    EXPECT_EQ(mode_of(dir.db()), 0600U);
}

}  // namespace
}  // namespace cux::ledger::test
