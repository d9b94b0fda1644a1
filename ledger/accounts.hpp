#pragma once
// The chart of accounts and the kinds of line. Account ids are fixed by formula (see
// schemas/ledger.sql) so the writer never looks one up; line kinds have stable numbers that
// the schema's line_kinds table names.

#include <cstdint>
#include <string>

#include "engine/types.hpp"
#include "ledger/limits.hpp"

namespace cux::ledger {

using account_id = int64_t;

inline constexpr account_id bank_account = 1;
inline constexpr account_id carrier_base = 16;
inline constexpr account_id participant_base = 1024;
// The exchange's fee account is participant 0's available account.
inline constexpr account_id fee_account = participant_base;

[[nodiscard]] constexpr account_id carrier_account(uint32_t carrier) {
    return carrier_base + carrier;
}
[[nodiscard]] constexpr account_id available_account(engine::participant_id p) {
    return participant_base + 2 * static_cast<account_id>(p.value());
}
[[nodiscard]] constexpr account_id escrow_account(engine::participant_id p) {
    return participant_base + 2 * static_cast<account_id>(p.value()) + 1;
}
// One past the highest account id.
inline constexpr account_id accounts_end =
    participant_base + 2 * static_cast<account_id>(limits::participants_max);
static_assert(carrier_base + static_cast<account_id>(limits::carriers_max) <= participant_base);

enum class account_kind : uint8_t { bank = 0, carrier = 1, fees = 2, available = 3, escrow = 4 };
[[nodiscard]] const char* account_kind_name(account_kind k);
// The kind of an id by its formula, and its owner (participant or carrier index).
[[nodiscard]] account_kind kind_of(account_id a);
[[nodiscard]] int64_t owner_of(account_id a);

// Kinds of line (transfers.kind). Stable numbers: they are stored.
enum class line_kind : uint8_t {
    deposit = 1,
    withdrawal = 2,
    compute = 3,
    energy = 4,
    network = 5,
    fee = 6,
    refund = 7,
};
[[nodiscard]] const char* line_kind_name(line_kind k);
// False for a number that names no kind.
[[nodiscard]] bool valid_line_kind(int64_t v);

enum class contract_state : uint8_t { open = 0, settled = 1, failed = 2 };
[[nodiscard]] const char* contract_state_name(contract_state s);

// Transfer ids: event_seq * 8 + line.
[[nodiscard]] constexpr int64_t transfer_id(uint64_t event_seq, uint32_t line) {
    return static_cast<int64_t>(event_seq * limits::lines_per_event + line);
}
[[nodiscard]] constexpr uint64_t event_seq_of(int64_t transfer) {
    return static_cast<uint64_t>(transfer) / limits::lines_per_event;
}

}  // namespace cux::ledger
