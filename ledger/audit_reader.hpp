#pragma once
// Reads the audit store (ledger/audit_store.hpp) for the gateway's regulator routes and tests:
// rows of the trail by row or seq or time, the alerts, and the store's position. Its own
// connection (query_only); in WAL mode it never blocks the audit writer and sees its last
// committed batch.
//
// Thread: one at a time (open one per request, as statements do with the ledger).
// Limits: every list returns at most min(limit, audit_rows_max) rows.
// Errors: `io` when the file cannot be read (not created yet: the server has not started its
//   audit writer), `schema` when it is not an audit store of this version.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ledger/audit_store.hpp"
#include "ledger/detail/sqlite.hpp"
#include "ledger/result.hpp"

namespace cux::ledger {

inline constexpr std::size_t audit_rows_max = 100'000;

class audit_reader {
public:
    [[nodiscard]] static result<audit_reader> open(const std::string& path);
    audit_reader(audit_reader&&) noexcept = default;
    audit_reader& operator=(audit_reader&&) noexcept = default;
    ~audit_reader();

    [[nodiscard]] result<audit_position> position();
    // Rows from `from_row` on, in order.
    [[nodiscard]] result<std::vector<audit_entry>> rows(uint64_t from_row, std::size_t limit);
    // The row of command `seq` (or of the first command after it); nullopt when none yet.
    [[nodiscard]] result<std::optional<uint64_t>> row_of_seq(uint64_t seq);
    // Rows whose stamp is in [from_ts, to_ts), from `from_row` on, in order.
    [[nodiscard]] result<std::vector<audit_entry>> rows_in_time(engine::utc_ns from_ts,
                                                                engine::utc_ns to_ts,
                                                                uint64_t from_row,
                                                                std::size_t limit);
    // Alerts from alert seq `from_seq` on, of one kind or all.
    [[nodiscard]] result<std::vector<alert>> alerts(uint64_t from_seq, std::size_t limit,
                                                    std::optional<alert_kind> kind);

private:
    explicit audit_reader(detail::connection db) : db_(std::move(db)) {}
    result<std::vector<audit_entry>> read_rows(detail::statement& s, std::size_t limit);

    detail::connection db_;
};

}  // namespace cux::ledger
