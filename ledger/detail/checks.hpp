#pragma once
// Helpers of the ledger's checks (ledger/verify.cpp and the checks in files of their own): a
// check's report under construction, a streaming query, and the checks that live apart.
// Thread: the caller's; a connection belongs to it for the call.

#include <optional>
#include <string>
#include <utility>

#include "ledger/detail/sqlite.hpp"
#include "ledger/verify.hpp"

namespace cux::ledger::detail {

class check_builder {
public:
    check_builder(std::string name, std::size_t details_max) : max_(details_max) {
        c_.name = std::move(name);
    }
    void violation(std::string what) {
        c_.ok = false;
        if (c_.details.size() < max_) c_.details.push_back(std::move(what));
        ++c_.violations;
    }
    verify_check done(std::string summary) {
        c_.summary = std::move(summary);
        return std::move(c_);
    }

private:
    verify_check c_;
    std::size_t max_;
};

inline std::string fen(int64_t v) { return std::to_string(v) + " fen"; }

// Runs `sql`, calling row(statement) for each row. False (and `err`) on a read error.
template <class F>
bool each_row(detail::connection& db, const std::string& sql, F&& row, ledger_error& err) {
    auto s = db.prepare(sql);
    if (!s) {
        err = s.error();
        return false;
    }
    int rc;
    while ((rc = s.value().step()) == SQLITE_ROW) row(s.value());
    if (rc != SQLITE_DONE) {
        err = ledger_error{error_code::io, detail::describe(db.get(), rc, "verify")};
        return false;
    }
    return true;
}

// The `postings` check (ledger/verify_postings.cpp): nullopt (and `err`) on a read error.
[[nodiscard]] std::optional<verify_check> check_postings(connection& db, std::size_t details_max,
                                                         ledger_error& err);

}  // namespace cux::ledger::detail
