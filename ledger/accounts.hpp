#pragma once
// The chart of accounts, the kinds of line and of transfer, and how a transfer splits into the
// lines statements show. Account ids are fixed by formula (see schemas/ledger.sql) so the
// writer never looks one up; kinds have stable numbers that the schema's tables name.

#include <array>
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

// Kinds of transfer (transfers.kind). Stable numbers: they are stored. A single-line transfer's
// kind is its line's; escrow and proceeds carry several lines of their contract (lines_of).
enum class transfer_kind : uint8_t {
    deposit = 1,
    withdrawal = 2,
    network = 5,
    fee = 6,
    refund = 7,
    escrow = 8,    // a trade's cost into escrow: compute, energy, network, buyer fee
    proceeds = 9,  // escrow to the seller at settlement: compute, energy
};
[[nodiscard]] const char* transfer_kind_name(transfer_kind k);
[[nodiscard]] bool valid_transfer_kind(int64_t v);

// A contract's lines, as its row holds them.
struct contract_lines {
    int64_t compute_fen = 0;
    int64_t energy_fen = 0;
    int64_t network_fen = 0;
    int64_t buyer_fee_fen = 0;
    int64_t seller_fee_fen = 0;
    // What the buyer pays into escrow.
    [[nodiscard]] int64_t cost_fen() const {
        return compute_fen + energy_fen + network_fen + buyer_fee_fen;
    }
};

// The lines of one transfer: its kind, amount and the offset of the line's id from the
// transfer's id (a transfer reserves one id per line). Zero-amount lines are left out.
struct transfer_line {
    line_kind kind = line_kind::deposit;
    int64_t amount_fen = 0;
    uint32_t offset = 0;
};
struct transfer_lines {
    std::array<transfer_line, 4> line{};
    uint32_t count = 0;
    // The sum of the lines (for a well-formed transfer: its amount).
    [[nodiscard]] int64_t sum_fen() const {
        int64_t s = 0;
        for (uint32_t i = 0; i < count; ++i) s += line[i].amount_fen;
        return s;
    }
};
// Lines reserved (ids taken) by a transfer of kind k.
[[nodiscard]] constexpr uint32_t lines_reserved(transfer_kind k) {
    return k == transfer_kind::escrow ? 4 : k == transfer_kind::proceeds ? 2 : 1;
}
// Splits a transfer into its lines: a single-line kind is one line of `amount`; escrow and
// proceeds take their lines from the contract (`c`, required for them).
[[nodiscard]] transfer_lines lines_of(transfer_kind k, int64_t amount, const contract_lines* c);

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
