#include "ledger/detail/sqlite.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cux::ledger::detail {

std::string describe(sqlite3* db, int rc, std::string_view what) {
    std::string s(what);
    s += ": ";
    s += sqlite3_errstr(rc);
    s += " (code " + std::to_string(rc) + ")";
    if (db != nullptr && sqlite3_errcode(db) == rc) {
        const char* msg = sqlite3_errmsg(db);
        if (msg != nullptr && std::string_view(msg) != sqlite3_errstr(rc)) {
            s += ": ";
            s += msg;
        }
    }
    return s;
}

error_code write_error_code(int rc) {
    switch (rc & 0xff) {
        case SQLITE_CONSTRAINT:
        case SQLITE_MISMATCH:
        case SQLITE_RANGE:
        case SQLITE_ERROR:
            return error_code::diverged;
        default:
            // I/O, full disk, corruption, locking, out of memory...: whatever the statement
            // wrote may or may not have reached the disk.
            return error_code::outcome_unknown;
    }
}

status make_private(const std::string& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        ::close(fd);
        return ok_status();
    }
    if (errno != EEXIST) {
        return ledger_error{error_code::io, "cannot create " + path + ": " + std::strerror(errno)};
    }
    for (const char* suffix : {"", "-wal", "-shm"}) {
        const std::string f = path + suffix;
        struct stat st {};
        if (::stat(f.c_str(), &st) != 0) continue;  // -wal and -shm come and go
        if ((st.st_mode & 0777) != 0600 && ::chmod(f.c_str(), 0600) != 0) {
            return ledger_error{error_code::io, "cannot make " + f + " private (mode 0600): " +
                                                    std::strerror(errno)};
        }
    }
    return ok_status();
}

std::string statement::text(int col) const {
    const unsigned char* p = sqlite3_column_text(s_, col);
    const int n = sqlite3_column_bytes(s_, col);
    return p == nullptr
               ? std::string()
               : std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
}

std::span<const unsigned char> statement::blob(int col) const {
    const void* p = sqlite3_column_blob(s_, col);
    const int n = sqlite3_column_bytes(s_, col);
    if (p == nullptr || n <= 0) return {};
    return {static_cast<const unsigned char*>(p), static_cast<std::size_t>(n)};
}

connection::~connection() { close(); }

connection& connection::operator=(connection&& o) noexcept {
    if (this != &o) {
        close();
        db_ = o.db_;
        o.db_ = nullptr;
    }
    return *this;
}

void connection::close() {
    if (db_ != nullptr) {
        // v2: statements still alive keep the handle until they are finalized.
        sqlite3_close_v2(db_);
        db_ = nullptr;
    }
}

result<connection> connection::open(const std::string& path, bool create, bool read_only,
                                    const std::string& vfs, int busy_timeout_ms) {
    int flags = SQLITE_OPEN_NOMUTEX;
    flags |= read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (create && !read_only) flags |= SQLITE_OPEN_CREATE;
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &db, flags, vfs.empty() ? nullptr : vfs.c_str());
    if (rc != SQLITE_OK) {
        std::string msg = describe(db, rc, "cannot open " + path);
        sqlite3_close_v2(db);
        return ledger_error{error_code::io, std::move(msg)};
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, busy_timeout_ms);
    return connection(db);
}

status connection::exec(const std::string& sql, error_code on_error) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    if (rc == SQLITE_OK) return ok_status();
    std::string msg = std::string(sqlite3_errstr(rc)) + " (code " + std::to_string(rc) + ")";
    if (err != nullptr) {
        msg += ": ";
        msg += err;
        sqlite3_free(err);
    }
    const std::string head = sql.substr(0, sql.find_first_of("\n;"));
    return ledger_error{on_error, head + ": " + msg};
}

result<statement> connection::prepare(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &s, nullptr);
    if (rc != SQLITE_OK) {
        return ledger_error{error_code::io, describe(db_, rc, "prepare " + sql.substr(0, 60))};
    }
    return statement(db_, s);
}

result<int64_t> connection::query_int(const std::string& sql, int64_t fallback) {
    auto st = prepare(sql);
    if (!st) return st.error();
    const int rc = st.value().step();
    if (rc == SQLITE_ROW) return st.value().is_null(0) ? fallback : st.value().int64(0);
    if (rc == SQLITE_DONE) return fallback;
    return ledger_error{error_code::io, describe(db_, rc, sql)};
}

}  // namespace cux::ledger::detail
