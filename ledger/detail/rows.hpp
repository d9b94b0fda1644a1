#pragma once
// Staged rows as a table-valued function, so that the writer inserts a whole batch into a table
// with ONE statement: `INSERT INTO t SELECT c0, c1, ... FROM cux_rows(?1)`, where ?1 is bound
// to a row_set with statement::bind_rows(). Compared with a multi-row VALUES insert it binds
// nothing per row, keeps one B-tree cursor for the whole batch and needs no chunking.
//
// A row_set is a borrowed, read-only view of `rows` x `columns` int64 values, row-major. It
// must outlive the statement step that reads it (the writer builds it on its stack right before
// the step). cux_rows without its argument yields no rows, and a plan that would call it
// without one is refused.
//
// Thread: the module is registered per connection (register_rows) and used by that
// connection's thread only.

#include <sqlite3.h>

#include <cstddef>
#include <cstdint>

namespace cux::ledger::detail {

// Columns cux_rows can carry (c0 .. c23).
inline constexpr int row_columns_max = 24;

struct row_set {
    const int64_t* data = nullptr;
    std::size_t rows = 0;
    int columns = 0;
};

// The pointer type name sqlite3_bind_pointer / sqlite3_value_pointer agree on.
inline constexpr const char* row_set_pointer_type = "cux_row_set";

// Registers cux_rows on `db`; an SQLite result code (SQLITE_OK on success).
[[nodiscard]] int register_rows(sqlite3* db);

}  // namespace cux::ledger::detail
