#pragma once
// The ledger's read API (for the gateway and the CLI): balances, statements, contracts and
// trades. (API keys have their own store: ledger/keys.hpp.) Each reader has its own read-only
// connection; in WAL mode reads never block the writer and see the last committed batch (a
// multi-query call reads one snapshot).
//
// Thread: a reader belongs to one thread at a time (open one per thread that reads).
// Limits: every list returns at most min(limit, limits::read_rows_max) rows; pass the last id
//   returned as `after` to page on.
// Errors: `io` when the database cannot be read; `bad_request` for a bad range or limit.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/types.hpp"
#include "ledger/accounts.hpp"
#include "ledger/detail/sqlite.hpp"
#include "ledger/result.hpp"

namespace cux::ledger {

struct ledger_position {
    uint64_t last_seq = 0;  // last engine event applied
    uint64_t last_cmd_seq = 0;
    engine::utc_ns last_ts = 0;
    uint64_t batches = 0;
};

struct account_row {
    account_id id = 0;
    account_kind kind = account_kind::bank;
    int64_t owner = 0;  // participant id, or carrier index
    std::string name;
    int64_t balance_fen = 0;
    uint64_t updated_seq = 0;
};

struct participant_balance {
    engine::participant_id participant;
    // Spendable: the ledger's available less what the engine holds for open buy orders.
    engine::money_fen available{0};
    engine::money_fen held_by_orders{0};  // as the caller passed it (the engine's)
    engine::money_fen escrow{0};
    engine::money_fen ledger_available{0};  // available + held, as recorded
    uint64_t seq = 0;                       // the ledger's position these figures are at
};

// One line of a participant's statement: one line of a transfer as seen from one of its
// accounts. A transfer of several lines (a trade's escrow: compute, energy, network, fee; a
// settlement's proceeds: compute, energy) takes its lines' amounts from the contract.
struct statement_line {
    // The line's id: its transfer's id plus the line's index within the transfer (a transfer
    // reserves an id per line), event_seq * 8 + line. The cursor for the next page.
    int64_t transfer = 0;
    uint64_t event_seq = 0;
    engine::utc_ns ts = 0;
    line_kind kind = line_kind::deposit;
    int64_t ref = 0;        // trade id (contract lines) or command seq (deposit, withdrawal)
    uint64_t contract = 0;  // engine contract id of a contract line, else 0
    account_kind account = account_kind::available;  // which of the participant's accounts
    int64_t amount_fen = 0;                          // + into that account, - out of it
    account_id counterparty = 0;
};

struct contract_row {
    uint64_t trade = 0;
    uint64_t contract = 0;
    uint64_t seq = 0;
    engine::utc_ns ts = 0;
    uint32_t instrument = 0;
    uint32_t buyer = 0;
    uint32_t seller = 0;
    uint64_t buy_order = 0;
    uint64_t sell_order = 0;
    engine::side aggressor = engine::side::buy;
    bool auction = false;
    uint8_t origin_region = 0;
    uint8_t carrier = 0;
    int64_t price_fen = 0;
    int64_t qty = 0;
    int64_t compute_fen = 0;
    int64_t energy_fen = 0;
    int64_t network_fen = 0;
    int64_t buyer_fee_fen = 0;
    int64_t seller_fee_fen = 0;
    contract_state status = contract_state::open;
    uint64_t closed_seq = 0;
    engine::utc_ns closed_ts = 0;
    // What the buyer paid into escrow.
    [[nodiscard]] int64_t cost_fen() const {
        return compute_fen + energy_fen + network_fen + buyer_fee_fen;
    }
};

enum class party : uint8_t { buyer = 0, seller = 1, either = 2 };

struct contract_query {
    std::optional<engine::participant_id> participant;  // empty: everyone's (admin, regulator)
    party role = party::either;
    std::optional<contract_state> status;
    uint64_t after_trade = 0;  // page on: trades with a larger id
    std::size_t limit = 100;
};

struct trade_query {
    std::optional<engine::participant_id> participant;  // empty: every trade
    engine::utc_ns from = 0;                            // ts >= from
    engine::utc_ns to = INT64_MAX;                      // ts < to
    uint64_t after_trade = 0;
    std::size_t limit = 100;
};

class reader {
public:
    // Opens `path` read-only (the writer must have created it). `io` when it cannot.
    [[nodiscard]] static result<reader> open(const std::string& path);
    reader(reader&&) noexcept = default;
    reader& operator=(reader&&) noexcept = default;
    ~reader();

    [[nodiscard]] result<ledger_position> position();
    [[nodiscard]] result<std::vector<account_row>> accounts();
    [[nodiscard]] result<int64_t> account_balance(account_id a);
    // `held` is the engine's held-by-orders for the participant, read from its snapshot.
    [[nodiscard]] result<participant_balance> balance(engine::participant_id p,
                                                      engine::money_fen held);
    // Lines with from <= ts < to on the participant's accounts (available, escrow; for the
    // exchange, participant 0, its fee account), in line-id order, after `after_line` (the
    // last statement_line::transfer of the previous page). A line that moves money between two
    // of the participant's accounts is two statement lines, never split across pages, so a
    // page holds at most limit + 1 lines.
    [[nodiscard]] result<std::vector<statement_line>> statement(engine::participant_id p,
                                                                engine::utc_ns from,
                                                                engine::utc_ns to,
                                                                std::size_t limit,
                                                                int64_t after_line = 0);
    [[nodiscard]] result<std::vector<contract_row>> contracts(const contract_query& q);
    [[nodiscard]] result<std::vector<contract_row>> trades(const trade_query& q);
    [[nodiscard]] result<std::optional<contract_row>> contract_of_trade(uint64_t trade);

private:
    explicit reader(detail::connection db) : db_(std::move(db)) {}
    status begin_read();
    void end_read();
    // Trade ids listed in posting rows of (owner, kind in kinds), ascending, > after.
    result<std::vector<int64_t>> posted_ids(int64_t owner, std::initializer_list<int64_t> kinds,
                                            uint64_t after_seq, engine::utc_ns from,
                                            engine::utc_ns to, int64_t after_id);
    // Ids newer than the posting lists' position (ledger_state.posted_seq, posted_trade) of
    // the owner's kind, > after_id, ascending: found by a scan of the tail of the table.
    result<std::vector<int64_t>> posted_tail(int64_t owner, int64_t kind, uint64_t posted_seq,
                                             int64_t posted_trade, int64_t after_id,
                                             std::size_t max);
    result<std::vector<contract_row>> fetch_contracts(const std::vector<int64_t>& trades,
                                                      const contract_query* filter,
                                                      const trade_query* range, std::size_t limit);

    detail::connection db_;
};

// Reads one contract row from a statement whose columns are those of the contracts table.
[[nodiscard]] contract_row contract_from(const detail::statement& s, int first_col = 0);

}  // namespace cux::ledger
