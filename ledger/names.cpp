// Names of the ledger's enums: stable strings for logs, the CLI and the gateway's JSON.

#include "ledger/accounts.hpp"
#include "ledger/result.hpp"

namespace cux::ledger {

const char* account_kind_name(account_kind k) {
    switch (k) {
        case account_kind::bank:
            return "bank";
        case account_kind::carrier:
            return "carrier";
        case account_kind::fees:
            return "fees";
        case account_kind::available:
            return "available";
        case account_kind::escrow:
            return "escrow";
    }
    return "?";
}

account_kind kind_of(account_id a) {
    if (a == bank_account) return account_kind::bank;
    if (a == fee_account) return account_kind::fees;
    if (a >= carrier_base && a < participant_base) return account_kind::carrier;
    return (a - participant_base) % 2 == 0 ? account_kind::available : account_kind::escrow;
}

int64_t owner_of(account_id a) {
    if (a == bank_account) return 0;
    if (a >= carrier_base && a < participant_base) return a - carrier_base;
    return (a - participant_base) / 2;
}

const char* line_kind_name(line_kind k) {
    switch (k) {
        case line_kind::deposit:
            return "deposit";
        case line_kind::withdrawal:
            return "withdrawal";
        case line_kind::compute:
            return "compute";
        case line_kind::energy:
            return "energy";
        case line_kind::network:
            return "network";
        case line_kind::fee:
            return "fee";
        case line_kind::refund:
            return "refund";
    }
    return "?";
}

bool valid_line_kind(int64_t v) { return v >= 1 && v <= 7; }

const char* transfer_kind_name(transfer_kind k) {
    switch (k) {
        case transfer_kind::deposit:
            return "deposit";
        case transfer_kind::withdrawal:
            return "withdrawal";
        case transfer_kind::network:
            return "network";
        case transfer_kind::fee:
            return "fee";
        case transfer_kind::refund:
            return "refund";
        case transfer_kind::escrow:
            return "escrow";
        case transfer_kind::proceeds:
            return "proceeds";
    }
    return "?";
}

bool valid_transfer_kind(int64_t v) { return v == 1 || v == 2 || (v >= 5 && v <= 9); }

transfer_lines lines_of(transfer_kind k, int64_t amount, const contract_lines* c) {
    transfer_lines out;
    const auto add = [&out](line_kind kind, int64_t fen, uint32_t offset) {
        if (fen != 0) out.line[out.count++] = transfer_line{kind, fen, offset};
    };
    switch (k) {
        case transfer_kind::escrow:
            CUX_ASSERT(c != nullptr);
            add(line_kind::compute, c->compute_fen, 0);
            add(line_kind::energy, c->energy_fen, 1);
            add(line_kind::network, c->network_fen, 2);
            add(line_kind::fee, c->buyer_fee_fen, 3);
            break;
        case transfer_kind::proceeds:
            CUX_ASSERT(c != nullptr);
            add(line_kind::compute, c->compute_fen, 0);
            add(line_kind::energy, c->energy_fen, 1);
            break;
        default:
            add(static_cast<line_kind>(k), amount, 0);
            break;
    }
    return out;
}

const char* contract_state_name(contract_state s) {
    switch (s) {
        case contract_state::open:
            return "open";
        case contract_state::settled:
            return "settled";
        case contract_state::failed:
            return "failed";
    }
    return "?";
}

const char* error_code_name(error_code c) {
    switch (c) {
        case error_code::none:
            return "none";
        case error_code::io:
            return "io";
        case error_code::outcome_unknown:
            return "outcome_unknown";
        case error_code::diverged:
            return "diverged";
        case error_code::journal_failed:
            return "journal_failed";
        case error_code::bad_request:
            return "bad_request";
        case error_code::schema:
            return "schema";
    }
    return "?";
}

}  // namespace cux::ledger
