#include "ledger/keys.hpp"

#include <sqlite3.h>

#include <stdexcept>

#include "ledger/detail/sqlite.hpp"

namespace cux::ledger {

namespace {

// Must stay identical to the definition in schemas/ledger.sql.
constexpr const char* create_sql =
    "CREATE TABLE IF NOT EXISTS api_keys ("
    " key_id TEXT PRIMARY KEY,"
    " participant INTEGER NOT NULL,"
    " secret BLOB NOT NULL,"
    " created_ts INTEGER NOT NULL,"
    " revoked_ts INTEGER"
    ") WITHOUT ROWID";

std::string sqlite_error(sqlite3* db, const std::string& what) {
    return what + ": " + (db != nullptr ? sqlite3_errmsg(db) : "out of memory");
}

}  // namespace

key_store::key_store(const std::string& db_path) {
    // The file holds HMAC secrets: owner only from the moment it exists (SQLite's WAL and
    // shared-memory files take the database's mode when they are created).
    if (auto p = detail::make_private(db_path); !p) throw std::runtime_error(p.error().message);
    const int rc = sqlite3_open_v2(
        db_path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
        nullptr);
    if (rc != SQLITE_OK) {
        const std::string msg = sqlite_error(db_, "cannot open " + db_path);
        sqlite3_close(db_);
        db_ = nullptr;
        throw std::runtime_error(msg);
    }
    sqlite3_busy_timeout(db_, 5000);
    char* err = nullptr;
    if (sqlite3_exec(db_, create_sql, nullptr, nullptr, &err) != SQLITE_OK) {
        const std::string msg = std::string("cannot create api_keys in ") + db_path + ": " +
                                (err != nullptr ? err : "?");
        sqlite3_free(err);
        sqlite3_close(db_);
        db_ = nullptr;
        throw std::runtime_error(msg);
    }
    if (sqlite3_prepare_v2(db_,
                           "INSERT INTO api_keys (key_id, participant, secret, created_ts) "
                           "VALUES (?1, ?2, ?3, ?4)",
                           -1, &insert_, nullptr) != SQLITE_OK) {
        const std::string msg = sqlite_error(db_, "cannot prepare the api_keys insert");
        sqlite3_close(db_);
        db_ = nullptr;
        throw std::runtime_error(msg);
    }
}

key_store::~key_store() {
    sqlite3_finalize(insert_);
    sqlite3_close(db_);
}

std::vector<key_record> key_store::load_all() {
    std::lock_guard lock(mu_);
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_,
                           "SELECT key_id, participant, secret, created_ts FROM api_keys "
                           "WHERE revoked_ts IS NULL ORDER BY key_id",
                           -1, &st, nullptr) != SQLITE_OK) {
        throw std::runtime_error(sqlite_error(db_, "cannot read api_keys"));
    }
    std::vector<key_record> rows;
    int rc = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        key_record r;
        const auto* id = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
        const auto* secret = static_cast<const char*>(sqlite3_column_blob(st, 2));
        r.key_id = id != nullptr ? id : "";
        r.participant = static_cast<uint32_t>(sqlite3_column_int64(st, 1));
        r.secret.assign(secret != nullptr ? secret : "",
                        static_cast<std::size_t>(sqlite3_column_bytes(st, 2)));
        r.created_ts = sqlite3_column_int64(st, 3);
        rows.push_back(std::move(r));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) throw std::runtime_error(sqlite_error(db_, "cannot read api_keys"));
    return rows;
}

bool key_store::insert(const key_record& row, std::string& error) {
    std::lock_guard lock(mu_);
    sqlite3_reset(insert_);
    sqlite3_clear_bindings(insert_);
    sqlite3_bind_text(insert_, 1, row.key_id.data(), static_cast<int>(row.key_id.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_int64(insert_, 2, row.participant);
    sqlite3_bind_blob(insert_, 3, row.secret.data(), static_cast<int>(row.secret.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_int64(insert_, 4, row.created_ts);
    const int rc = sqlite3_step(insert_);
    sqlite3_reset(insert_);
    if (rc != SQLITE_DONE) {
        error = sqlite_error(db_, "cannot store API key " + row.key_id);
        return false;
    }
    return true;
}

}  // namespace cux::ledger
