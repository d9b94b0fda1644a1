#pragma once
// API keys at rest: the `api_keys` table of DIR/cux.db (schemas/ledger.sql owns its definition).
// The gateway loads every valid key at start-up into its in-memory table and adds one row per
// key it issues. Secrets are stored as the 32 random bytes they are (the gateway hands them to
// clients as 64 lowercase hex characters): the server needs them to check HMAC signatures, so
// the constructor makes the database file (and its -wal and -shm files) mode 0600. A key's
// roles are not stored here: they are its participant's, from its participant_created event.
//
// Threads: any; calls are serialized by an internal mutex (keys are issued on the admin path
// only, never per order). Its own SQLite connection, separate from the ledger writer's; SQLite's
// busy timeout (5 s) covers the ledger's write transactions.
// Errors: the constructor and load_all() throw std::runtime_error (start-up); insert() returns
// false with a message (the caller answers 500).
//
// When the ledger writer has not created the table yet, the constructor creates it with the same
// definition as schemas/ledger.sql (CREATE TABLE IF NOT EXISTS on both sides):
//   api_keys(key_id TEXT PRIMARY KEY, participant INTEGER NOT NULL, secret BLOB NOT NULL,
//            created_ts INTEGER NOT NULL, revoked_ts INTEGER) WITHOUT ROWID

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace cux::ledger {

struct key_record {
    std::string key_id;  // "ck_" + 16 lowercase hex characters
    uint32_t participant = 0;
    std::string secret;      // the 32 secret bytes
    int64_t created_ts = 0;  // ns since the Unix epoch (UTC)
};

class key_store {
public:
    // Opens (creating when missing) the database at db_path and the api_keys table.
    explicit key_store(const std::string& db_path);
    ~key_store();
    key_store(const key_store&) = delete;
    key_store& operator=(const key_store&) = delete;

    // Every key not revoked, ordered by key id.
    [[nodiscard]] std::vector<key_record> load_all();

    // Adds one key; false (and `error`) when SQLite refuses it, e.g. a duplicate key_id.
    bool insert(const key_record& row, std::string& error);

private:
    std::mutex mu_;
    sqlite3* db_ = nullptr;
    sqlite3_stmt* insert_ = nullptr;
};

}  // namespace cux::ledger
