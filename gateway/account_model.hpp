#pragma once
// The private read model, built only from events: participants and their roles, balances
// (available, held by orders, escrow: balance_changed), orders (order_accepted / trade /
// order_done / order_replaced), fills, contracts (trade / contract_settled / contract_failed),
// registered capacity (capacity_changed), and the results of orders and jobs placed with a
// client_order_id, for idempotent retries.
//
// Threads: as market_model: the event consumer writes under write_lock(); request threads read
// through the functions below (shared lock inside) and get copies. The engine thread never
// touches it.
// Limits (gateway/limits.hpp): every open order plus the last done_orders_per_participant done
// ones; fills_per_participant fills; open contracts plus contracts_per_participant closed ones;
// capacity_rows_per_participant rows; idempotency_results_max client_order_id results of
// orders overall, and as many of jobs within job_results_bytes_max. Older entries are
// forgotten, oldest first.

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/event.hpp"
#include "gateway/outcome.hpp"

namespace cux::gateway {

struct participant_row {
    engine::participant_id id;
    uint8_t roles = 0;
    std::string name;
};

struct balance_row {
    int64_t available_fen = 0;
    int64_t held_fen = 0;
    int64_t escrow_fen = 0;
};

struct order_row {
    engine::order_id id;
    uint64_t seq = 0;  // the seq of the command that placed it: the list order and cursor
    engine::instrument_id instrument;
    engine::side sd = engine::side::buy;
    engine::order_type type = engine::order_type::limit;
    engine::time_in_force tif = engine::time_in_force::gtc;
    bool post_only = false;
    int64_t price_fen = 0;
    int64_t qty = 0;  // filled + open
    int64_t remaining = 0;
    int64_t filled = 0;
    int64_t notional_fen = 0;  // sum of price x qty over fills
    bool done = false;
    engine::done_reason reason = engine::done_reason::filled;
    engine::utc_ns created_ts = 0;
    engine::utc_ns updated_ts = 0;
    std::string client_order_id;
};

struct fill_row {
    uint64_t trade_id = 0;
    uint64_t seq = 0;  // the trade event's seq
    engine::order_id order;
    engine::instrument_id instrument;
    engine::side sd = engine::side::buy;
    bool taker = false;
    int64_t price_fen = 0;
    int64_t qty = 0;
    int64_t fee_fen = 0;
    uint64_t contract_id = 0;
    engine::utc_ns ts = 0;
};

enum class contract_state : uint8_t { open = 0, settled = 1, failed = 2 };

struct contract_row {
    uint64_t id = 0;
    uint64_t trade_id = 0;
    uint64_t seq = 0;  // the trade event's seq
    engine::instrument_id instrument;
    engine::participant_id buyer;
    engine::participant_id seller;
    int64_t price_fen = 0;
    int64_t qty = 0;
    int64_t compute_fen = 0;
    int64_t energy_fen = 0;
    int64_t network_fen = 0;
    int64_t buyer_fee_fen = 0;
    int64_t seller_fee_fen = 0;
    contract_state state = contract_state::open;
    engine::utc_ns created_ts = 0;
    engine::utc_ns updated_ts = 0;
};

struct capacity_row {
    uint64_t seq = 0;
    uint8_t chip = 0;
    uint8_t region = 0;
    int64_t devices = 0;
    engine::epoch_hour from_hour = 0;
    engine::epoch_hour to_hour = 0;
};

class account_model {
public:
    account_model();

    // ---- the consumer thread ----
    [[nodiscard]] std::unique_lock<std::shared_mutex> write_lock() { return std::unique_lock(mu_); }
    // Under write_lock().
    void apply(const engine::event& e);
    // Under write_lock(): remembers the outcome of an order or job placed with client_order_id.
    void record_result(engine::participant_id p, std::string_view client_order_id,
                       std::shared_ptr<const command_outcome> out);
    // Under write_lock(), held by the caller (the consumer): order() without taking the lock.
    [[nodiscard]] std::optional<order_row> order_while_writing(engine::participant_id p,
                                                               engine::order_id id) const;
    // The fill of one side of a trade event, as fills() lists it (no state).
    static fill_row fill_of(const engine::event& trade, engine::side sd);

    // ---- any thread ----
    [[nodiscard]] std::optional<participant_row> participant(engine::participant_id p) const;
    // The lowest-numbered participant (not 0, the exchange) with the admin role.
    [[nodiscard]] std::optional<participant_row> first_admin() const;
    [[nodiscard]] balance_row balance(engine::participant_id p) const;
    [[nodiscard]] std::optional<order_row> order(engine::participant_id p,
                                                 engine::order_id id) const;
    // Newest first, seq < cursor (0: from the newest); open_only skips done orders;
    // instrument 0 means any.
    [[nodiscard]] std::vector<order_row> orders(engine::participant_id p, bool open_only,
                                                engine::instrument_id instrument, std::size_t limit,
                                                uint64_t cursor) const;
    [[nodiscard]] std::vector<fill_row> fills(engine::participant_id p,
                                              engine::instrument_id instrument, std::size_t limit,
                                              uint64_t cursor) const;
    // role: 0 any, 1 as buyer, 2 as seller; state: nullopt any.
    [[nodiscard]] std::vector<contract_row> contracts(engine::participant_id p, int role,
                                                      std::optional<contract_state> state,
                                                      std::size_t limit, uint64_t cursor) const;
    [[nodiscard]] std::optional<contract_row> contract(engine::participant_id p, uint64_t id) const;
    [[nodiscard]] std::vector<capacity_row> capacity(engine::participant_id p,
                                                     std::size_t limit) const;
    // The remembered outcome of (p, client_order_id), or nullptr.
    [[nodiscard]] std::shared_ptr<const command_outcome> result(
        engine::participant_id p, std::string_view client_order_id) const;

private:
    struct account {
        participant_row info;
        balance_row balance;
        std::map<uint64_t, order_row> orders;                 // by seq
        std::unordered_map<uint64_t, uint64_t> order_seq;     // order id -> seq
        std::deque<uint64_t> done_orders;                     // seqs, oldest done first
        std::deque<fill_row> fills;                           // oldest first
        std::map<uint64_t, contract_row> contracts;           // by seq
        std::unordered_map<uint64_t, uint64_t> contract_seq;  // contract id -> seq
        std::deque<uint64_t> closed_contracts;
        std::deque<capacity_row> capacity;
    };

    account* find(engine::participant_id p);
    const account* find(engine::participant_id p) const;
    account& get(engine::participant_id p);
    order_row* find_order(account& a, engine::order_id id);
    void on_trade(const engine::event& e);
    void on_order_done(const engine::event& e);
    void on_contract_closed(const engine::event& e, contract_state s);
    void add_fill(account& a, const engine::event& e, engine::order_id order, engine::side sd);
    static std::string result_key(engine::participant_id p, std::string_view coid);

    mutable std::shared_mutex mu_;
    std::vector<std::unique_ptr<account>> accounts_;  // by participant id
    std::unordered_map<std::string, std::shared_ptr<const command_outcome>> results_;
    std::deque<std::string> result_order_;  // orders' results, oldest first
    // Jobs' results, oldest first, with the bytes of their events.
    std::deque<std::pair<std::string, std::size_t>> job_result_order_;
    std::size_t job_result_bytes_ = 0;
};

}  // namespace cux::gateway
