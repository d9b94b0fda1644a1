// cux_rows: an eponymous-only virtual table over a row_set (see ledger/detail/rows.hpp). The
// shape follows SQLite's own carray extension: a hidden column takes the pointer argument.

#include "ledger/detail/rows.hpp"

#include <cstring>
#include <string>

namespace cux::ledger::detail {

namespace {

constexpr int source_column = row_columns_max;  // the hidden argument column

struct rows_cursor {
    sqlite3_vtab_cursor base;  // first: SQLite casts between the two
    const row_set* set;
    std::size_t row;
};

int rows_connect(sqlite3* db, void*, int, const char* const*, sqlite3_vtab** out, char**) {
    std::string sql = "CREATE TABLE x(";
    for (int i = 0; i < row_columns_max; ++i) sql += "c" + std::to_string(i) + " INTEGER, ";
    sql += "src HIDDEN)";
    if (const int rc = sqlite3_declare_vtab(db, sql.c_str()); rc != SQLITE_OK) return rc;
    auto* tab = static_cast<sqlite3_vtab*>(sqlite3_malloc(sizeof(sqlite3_vtab)));
    if (tab == nullptr) return SQLITE_NOMEM;
    std::memset(tab, 0, sizeof *tab);
    *out = tab;
    return SQLITE_OK;
}

int rows_disconnect(sqlite3_vtab* tab) {
    sqlite3_free(tab);
    return SQLITE_OK;
}

int rows_open(sqlite3_vtab*, sqlite3_vtab_cursor** out) {
    auto* c = static_cast<rows_cursor*>(sqlite3_malloc(sizeof(rows_cursor)));
    if (c == nullptr) return SQLITE_NOMEM;
    std::memset(c, 0, sizeof *c);
    *out = &c->base;
    return SQLITE_OK;
}

int rows_close(sqlite3_vtab_cursor* cur) {
    sqlite3_free(cur);
    return SQLITE_OK;
}

int rows_filter(sqlite3_vtab_cursor* cur, int idx, const char*, int argc, sqlite3_value** argv) {
    auto* c = reinterpret_cast<rows_cursor*>(cur);
    c->row = 0;
    c->set = nullptr;
    if (idx == 1 && argc == 1) {
        c->set = static_cast<const row_set*>(sqlite3_value_pointer(argv[0], row_set_pointer_type));
    }
    return SQLITE_OK;
}

int rows_next(sqlite3_vtab_cursor* cur) {
    ++reinterpret_cast<rows_cursor*>(cur)->row;
    return SQLITE_OK;
}

int rows_eof(sqlite3_vtab_cursor* cur) {
    const auto* c = reinterpret_cast<rows_cursor*>(cur);
    return c->set == nullptr || c->row >= c->set->rows ? 1 : 0;
}

int rows_column(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int col) {
    const auto* c = reinterpret_cast<rows_cursor*>(cur);
    if (col < c->set->columns) {
        sqlite3_result_int64(ctx, c->set->data[c->row * static_cast<std::size_t>(c->set->columns) +
                                               static_cast<std::size_t>(col)]);
    } else {
        sqlite3_result_null(ctx);
    }
    return SQLITE_OK;
}

int rows_rowid(sqlite3_vtab_cursor* cur, sqlite3_int64* out) {
    *out = static_cast<sqlite3_int64>(reinterpret_cast<rows_cursor*>(cur)->row);
    return SQLITE_OK;
}

// Only plans that pass the argument (src = ?) are usable.
int rows_best_index(sqlite3_vtab*, sqlite3_index_info* info) {
    for (int i = 0; i < info->nConstraint; ++i) {
        const auto& k = info->aConstraint[i];
        if (k.iColumn == source_column && k.op == SQLITE_INDEX_CONSTRAINT_EQ) {
            if (k.usable == 0) return SQLITE_CONSTRAINT;
            info->aConstraintUsage[i].argvIndex = 1;
            info->aConstraintUsage[i].omit = 1;
            info->idxNum = 1;
            info->estimatedCost = 1;
            info->estimatedRows = 1000;
            return SQLITE_OK;
        }
    }
    return SQLITE_CONSTRAINT;
}

sqlite3_module rows_module = {
    /* iVersion */ 0,
    /* xCreate: eponymous only */ nullptr,
    rows_connect,
    rows_best_index,
    rows_disconnect,
    /* xDestroy */ nullptr,
    rows_open,
    rows_close,
    rows_filter,
    rows_next,
    rows_eof,
    rows_column,
    rows_rowid,
    /* xUpdate, xBegin, xSync, xCommit, xRollback, xFindFunction, xRename, xSavepoint,
       xRelease, xRollbackTo, xShadowName */
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
};

}  // namespace

int register_rows(sqlite3* db) {
    return sqlite3_create_module_v2(db, "cux_rows", &rows_module, nullptr, nullptr);
}

}  // namespace cux::ledger::detail
