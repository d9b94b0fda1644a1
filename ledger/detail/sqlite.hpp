#pragma once
// Thin RAII wrappers over the SQLite C API for the ledger's own use: a connection, a prepared
// statement, and the error text of a failed call. Nothing here throws; every call that can
// fail returns a status/result carrying SQLite's code and message.
//
// Thread: a connection and its statements belong to one thread at a time (opened NOMUTEX).

#include <sqlite3.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "ledger/detail/rows.hpp"
#include "ledger/result.hpp"

namespace cux::ledger::detail {

// "what: SQLITE_IOERR_FSYNC (disk I/O error)" style text for a failed call.
[[nodiscard]] std::string describe(sqlite3* db, int rc, std::string_view what);
// The code a failed write maps to: a failed write or sync leaves the outcome unknown.
[[nodiscard]] error_code write_error_code(int rc);

class statement {
public:
    statement() = default;
    statement(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
    ~statement() { sqlite3_finalize(s_); }
    statement(statement&& o) noexcept : db_(o.db_), s_(o.s_) { o.s_ = nullptr; }
    statement& operator=(statement&& o) noexcept {
        if (this != &o) {
            sqlite3_finalize(s_);
            db_ = o.db_;
            s_ = o.s_;
            o.s_ = nullptr;
        }
        return *this;
    }
    statement(const statement&) = delete;
    statement& operator=(const statement&) = delete;

    [[nodiscard]] bool valid() const { return s_ != nullptr; }
    void bind(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }
    void bind_null(int i) { sqlite3_bind_null(s_, i); }
    void bind(int i, std::string_view text) {
        sqlite3_bind_text(s_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    }
    void bind_blob(int i, std::span<const unsigned char> bytes) {
        sqlite3_bind_blob(s_, i, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
    }
    // The argument of cux_rows(?i) (ledger/detail/rows.hpp); `rows` must outlive the step.
    void bind_rows(int i, const row_set* rows) {
        sqlite3_bind_pointer(s_, i, const_cast<row_set*>(rows), row_set_pointer_type, nullptr);
    }
    // SQLITE_ROW, SQLITE_DONE or an error code.
    int step() { return sqlite3_step(s_); }
    void reset() {
        sqlite3_reset(s_);
        sqlite3_clear_bindings(s_);
    }
    // Runs a statement that returns no rows and resets it. rc of the step (SQLITE_DONE: ok).
    int run() {
        const int rc = sqlite3_step(s_);
        sqlite3_reset(s_);
        return rc;
    }
    [[nodiscard]] int64_t int64(int col) const { return sqlite3_column_int64(s_, col); }
    [[nodiscard]] bool is_null(int col) const {
        return sqlite3_column_type(s_, col) == SQLITE_NULL;
    }
    [[nodiscard]] std::string text(int col) const;
    [[nodiscard]] std::span<const unsigned char> blob(int col) const;

private:
    sqlite3* db_ = nullptr;
    sqlite3_stmt* s_ = nullptr;
};

class connection {
public:
    connection() = default;
    ~connection();
    connection(connection&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
    connection& operator=(connection&& o) noexcept;
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    // Opens (creating when `create`) with SQLITE_OPEN_NOMUTEX, extended result codes on, and a
    // busy timeout. `vfs` empty: SQLite's default.
    [[nodiscard]] static result<connection> open(const std::string& path, bool create,
                                                 bool read_only, const std::string& vfs,
                                                 int busy_timeout_ms);

    [[nodiscard]] sqlite3* get() const { return db_; }
    // Runs one or more statements that return no rows.
    [[nodiscard]] status exec(const std::string& sql, error_code on_error = error_code::io);
    [[nodiscard]] result<statement> prepare(const std::string& sql);
    // The single integer a query returns (e.g. PRAGMA user_version); `fallback` when no row.
    [[nodiscard]] result<int64_t> query_int(const std::string& sql, int64_t fallback = 0);
    void close();

private:
    explicit connection(sqlite3* db) : db_(db) {}
    sqlite3* db_ = nullptr;
};

// Creates `path` with mode 0600 when it does not exist, and makes it (and SQLite's -wal and
// -shm files beside it, which SQLite creates with the database's mode) 0600 when it does: the
// ledger file also holds the gateway's API-key secrets. `io` when it cannot.
[[nodiscard]] status make_private(const std::string& path);

// The ledger's schema (schemas/ledger.sql, compiled in).
[[nodiscard]] const char* schema_sql();
// Version 2: transfers carry a contract's lines once (escrow, proceeds), closes are rows of
// their own. Version 3: posting lists are flushed every few batches (ledger_state.posted_seq,
// posted_trade). An older file is refused (nothing migrates it).
inline constexpr int64_t schema_version = 3;

}  // namespace cux::ledger::detail
