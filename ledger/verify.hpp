#pragma once
// Proves the ledger (issue 3 "Proving it"): runs every check and reports each violation by
// name. The checks:
//   zero_sum               the balances of all accounts add up to 0
//   balances_match_lines   each account's balance is its credits less its debits
//   no_negative_balance    no available, escrow, fee or carrier account is below 0
//   escrow_matches_open    each participant's escrow is the cost of its open contracts
//   contract_lines         each contract's escrow transfer is its lines' sum (compute, energy,
//                          network, buyer fee: what the buyer paid); a settled one paid each
//                          payee exactly its lines (proceeds = compute + energy to the seller,
//                          network to its carrier, both fees to the exchange), a failed one
//                          refunded the whole cost, an open one paid nothing out; every close
//                          belongs to a contract
//   payees                 each carrier holds the network of its settled contracts, the fee
//                          account the fees of settled contracts
//   postings               each participant's posting lists (what statements and contract
//                          lists read) hold exactly its transfers and trades up to their
//                          position
//   engine_replay          (with a journal) the engine's balances, replayed from the journal
//                          through a fresh exchange up to the ledger's last event, equal the
//                          ledger's: available == available + held, escrow == escrow
//
// Thread: the caller's. Reads through its own connection (a running writer is not disturbed;
//   the checks read one snapshot). Memory: O(participants + carriers); the SQL checks stream.
// Errors: `io` / `schema` when the ledger cannot be read; a journal that cannot be read is an
//   engine_replay violation, not an error.

#include <cstdint>
#include <string>
#include <vector>

#include "engine/exchange.hpp"
#include "engine/market.hpp"
#include "ledger/reader.hpp"
#include "ledger/result.hpp"

namespace cux::ledger {

struct verify_options {
    std::string db_path;
    // The engine comparison: the journal directory and the market (and exchange config) it
    // was written under. Empty journal_dir or no market: the check is skipped.
    std::string journal_dir;
    const engine::market_config* market = nullptr;
    engine::exchange_config exchange;
    std::size_t details_max = 10;  // violations listed per check (the rest are counted)
};

struct verify_check {
    std::string name;
    bool ok = true;
    bool skipped = false;
    std::string summary;               // what was checked, e.g. "1234 accounts"
    std::vector<std::string> details;  // the first violations, one line each
    uint64_t violations = 0;
};

struct verify_report {
    ledger_position position;
    std::vector<verify_check> checks;
    [[nodiscard]] bool ok() const {
        for (const verify_check& c : checks) {
            if (!c.ok) return false;
        }
        return true;
    }
};

[[nodiscard]] result<verify_report> verify(const verify_options& o);

}  // namespace cux::ledger
