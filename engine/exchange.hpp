#pragma once
// The exchange: the deterministic state machine over the command stream. It owns the listed
// instruments and their books, participants' balances, vendors' capacity, and the clock-driven
// lifecycle (listing, opening auction, continuous trading, closing call, closing auction, gate
// closure, delivery). Same commands in, same events out, byte for byte.
//
// Thread: one (the engine thread). apply() never blocks, never does I/O and never allocates on
// the order path (place/cancel/replace/job); listing instruments and registering a new vendor
// capacity row allocate (clock and admin paths). Operating errors are `rejected` events with a
// reject_reason; broken invariants abort (CUX_ASSERT).
//
// Time: only command stamps. Every command first brings the market's clock up to its stamp,
// so phases change exactly when the first command at or after the due time is applied.
//
// Order of the events of one command (part of the contract; the reference model mirrors it):
//  1. Clock, when the stamp reaches a due time: listings first (instrument_status pre_open;
//     hourly windows by start, then daily; chips in market order, regions in market order
//     within a window), then every instrument whose lifecycle step is due, in instrument id
//     order, each running all its due steps: opening auction (trades, order_done of orders
//     that filled, book_level of each level finished, then auction_result), status open;
//     status closing; closing auction (as above, auction_result), expiry of every resting order
//     (order_done expired per order and a book_level per level, bids best-first then asks),
//     status closed (with its settlement price); status delivering; at the end of the
//     delivery grace contract_settled for each open contract in trade order, then status
//     settled; delisting (no event).
//  2. The command's own events: `rejected` alone, or for an order: order_accepted, then while
//     matching, per resting order met: a trade (and order_done filled when it is used up) or
//     order_done self_trade under cancel_oldest/cancel_both; a book_level after each level
//     swept; then the incoming order's order_done, or the book_level of it resting. Cancel:
//     book_level, order_done cancelled. Replace: book_level (removed or reduced),
//     order_replaced, then matching and resting as for a new order. Fail contract:
//     contract_failed. Job (exchange_jobs.cpp): `rejected` alone when malformed, else one
//     job_candidate per chip x region it was priced on (eligible in rank order, then the
//     excluded in chip-major order), then for each candidate bought from, in rank order, hour
//     by hour: its trades as for an incoming IOC buy (trade, order_done of resting orders used
//     up, book_level per level swept; the job's own per-hour order is never announced), then
//     job_done.
//  3. balance_changed, one per participant whose balance moved during the command, in the
//     order of their first change.
//  4. command_done.

#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/book.hpp"
#include "engine/command.hpp"
#include "engine/contract_pool.hpp"
#include "engine/event.hpp"
#include "engine/instrument_table.hpp"
#include "engine/job_route.hpp"
#include "engine/market.hpp"
#include "engine/order_pool.hpp"

namespace cux::engine {

struct exchange_config {
    std::size_t orders_max = std::size_t{1} << 21;
    // Contracts from trades awaiting delivery (88 bytes each, touched only when used).
    std::size_t contracts_max = std::size_t{1} << 22;
    std::size_t instruments_max = 16384;
    std::size_t participants_max = 4096;
    std::size_t capacity_rows_max = 4096;
    int64_t open_orders_per_participant_max = 100000;
    int64_t open_orders_per_book_max = 1'000'000;
    // Run check_invariants() after every command and abort on a violation (tests; O(n)).
    bool check_every_command = false;
};

struct participant_state {
    bool exists = false;
    uint8_t roles = 0;
    char name[limits::participant_name_bytes] = {};
    money_fen available{0};
    money_fen held{0};    // by open buy orders
    money_fen escrow{0};  // bought, not yet settled
    int64_t open_orders = 0;
    uint64_t dirty_mark = 0;       // the command seq that last changed the balance
    money_fen delta_available{0};  // change of `available` within that command
};

struct capacity_hour {
    epoch_hour hour = -1;  // which hour this ring entry holds; other hours read as empty
    int64_t registered = 0;
    int64_t committed = 0;  // reserved by open sell orders
    int64_t sold = 0;
};

struct capacity_row {
    participant_id owner;
    uint8_t chip = 0;
    uint8_t region = 0;
    std::vector<capacity_hour> hours;  // ring of limits::capacity_ring_hours
};

class exchange final : private book_listener {
public:
    exchange(const market_config& market, const exchange_config& config);

    // Applies one stamped command (seq strictly increasing, ts non-decreasing) and writes its
    // events to out, ending with command_done.
    void apply(const command& c, event_sink& out);

    // A hash of the whole state (participants, instruments, books in priority order, capacity,
    // counters). Equal hashes after replay prove the same state.
    [[nodiscard]] uint64_t state_hash() const;
    // The same hash without the counters every command advances (last seq, event seq, clock):
    // equal before and after a command that left no trace (a refused or dry-run job).
    [[nodiscard]] uint64_t content_hash() const;
    // O(n) consistency checks: held funds equal the worst case of open buys, committed capacity
    // equals open sells per hour, no negative balance, book totals match orders. "" when fine.
    [[nodiscard]] std::string check_invariants() const;

    // Inspection (tests, snapshots for the gateway).
    [[nodiscard]] const market_config& market() const { return market_; }
    [[nodiscard]] const participant_state* participant(participant_id p) const;
    [[nodiscard]] const instrument_state* instrument(instrument_id id) const;
    [[nodiscard]] const order* find_order(order_id id) const;
    [[nodiscard]] capacity_hour capacity(participant_id p, std::size_t chip, std::size_t region,
                                         epoch_hour hour) const;
    [[nodiscard]] std::size_t live_instruments() const { return instruments_.live(); }
    [[nodiscard]] std::size_t live_orders() const { return orders_.live(); }
    [[nodiscard]] std::size_t live_contracts() const { return contracts_.live(); }
    // A contract awaiting delivery (open or failed), or nullptr once settled or unknown.
    [[nodiscard]] const contract* find_contract(contract_id id) const;
    [[nodiscard]] uint64_t last_seq() const { return last_seq_; }
    [[nodiscard]] utc_ns now() const { return now_; }
    [[nodiscard]] price_fen last_settlement(std::size_t chip, std::size_t region) const {
        return last_settlement_[chip * market_.regions.size() + region];
    }
    // Visits every live instrument (in slot order).
    template <class F>
    void for_each_instrument(F&& f) const {
        for (std::size_t s = 0; s < instruments_.capacity(); ++s)
            if (instruments_[static_cast<uint32_t>(s)].live)
                f(instruments_[static_cast<uint32_t>(s)]);
    }
    // Levels of one side of a book, best first: f(price, qty, orders).
    template <class F>
    void for_each_level(const instrument_state& in, side sd, F&& f) const {
        in.bk.for_each_level(levels_, sd, f);
    }

private:
    // Command handlers.
    void on_place(const command& c);
    void on_cancel(const command& c);
    void on_replace(const command& c);
    void on_deposit(const command& c);
    void on_withdraw(const command& c);
    void on_register_capacity(const command& c);
    void on_create_participant(const command& c);
    void on_fail_contract(const command& c);
    void on_job(const command& c);

    // Clock: listing and lifecycle (exchange_clock.cpp).
    void advance_clock(utc_ns ts);
    void list_window(epoch_hour start, tenor t, utc_ns ts);
    void list_instrument(const instrument_key& k, utc_ns ts);
    void step_instrument(uint32_t slot, utc_ns ts);
    void run_auction(uint32_t slot, auction_kind kind);
    void settle_contracts(instrument_state& in);
    void contract_event(event_type t, uint32_t k);

    // Orders and risk (exchange_orders.cpp).
    [[nodiscard]] money_fen hold_for(const instrument_state& in, const order& o) const;
    bool reserve_capacity(participant_id p, const instrument_state& in, int64_t qty);
    void release_capacity(participant_id p, const instrument_state& in, int64_t qty, bool sold);
    capacity_row* find_row(participant_id p, std::size_t chip, std::size_t region);
    const capacity_row* find_row(participant_id p, std::size_t chip, std::size_t region) const;
    void finish_incoming(uint32_t slot, bool stp_cancelled);
    void settle_order_end(uint32_t slot, done_reason why);
    void mark_dirty(participant_id p, money_fen delta_available);

    // Jobs (exchange_jobs.cpp).
    // What a job asks, as the routing code reads it.
    struct job_terms {
        const job_body& b;
        participant_id buyer;
        bool split = false;
        bool dry_run = false;
        bool pflops = false;
        int64_t units = 0;  // the job's size in its units (devices, or GFLOPS)
        int64_t hours = 0;
    };
    [[nodiscard]] reject_reason check_job(const command& c) const;
    struct job_hour {
        uint32_t slot = nil_slot;  // the hourly book, nil_slot when not trading continuously
        const book* bk = nullptr;
        fill_cursor cursor;  // the last sweep (cursor.filled: devices it got)
        int64_t compute = 0;
        int64_t fees = 0;
    };
    std::size_t select_job_candidates(const job_terms& t);
    void locate_job_books(const job_terms& t, std::size_t n);
    void sweep_job_books(const job_terms& t, std::size_t n);
    void price_job_part(const job_terms& t, const job_candidate& k, int64_t devices,
                        job_cost& cost) const;
    int64_t judge_job_hours(const job_terms& t, job_candidate& k, bool by_depth);
    void finish_job_candidate(const job_terms& t, job_candidate& k);
    std::size_t rank_job_candidates(std::size_t n);
    bool take_job_part(const job_terms& t, job_candidate& k, int64_t devices, int64_t left);
    void job_candidate_event(const job_terms& t, const job_candidate& k);
    void execute_job_hour(const job_terms& t, const job_candidate& k, int64_t hour);
    [[nodiscard]] uint64_t hash_state(bool counters) const;

    // book_listener
    void on_trade(uint32_t incoming, uint32_t resting, price_fen price, qty_devices qty,
                  bool auction) override;
    void on_resting_done(uint32_t resting, done_reason why) override;
    void on_level(side sd, price_fen price, qty_devices qty, int64_t orders) override;

    // Events.
    event& begin_event(event_type t, participant_id p);
    void send_event();
    void reject(reject_reason r, order_id ref = order_id(0));

    market_config market_;
    exchange_config config_;
    order_pool orders_;
    contract_pool contracts_;
    level_pool levels_;
    instrument_table instruments_;
    std::vector<participant_state> participants_;
    uint32_t next_participant_ = 1;
    std::vector<capacity_row> capacity_rows_;
    std::unordered_map<uint64_t, uint32_t> capacity_index_;
    std::vector<price_fen> last_settlement_;  // chip x region
    std::vector<participant_id> dirty_;
    std::vector<uint32_t> due_;  // instrument slots whose lifecycle step is due
    // Job routing scratch: one candidate per chip x region, and their ranking.
    std::vector<job_candidate> job_candidates_;
    std::vector<uint16_t> job_rank_;
    std::vector<job_hour> job_hours_;   // candidate x hour (exchange_job_books.cpp)
    std::vector<uint32_t> job_active_;  // sweeps still stepping
    job_cost job_traded_;               // what the current job's trades cost the buyer so far

    // Clock state.
    utc_ns now_ = 0;
    utc_ns next_due_ = INT64_MIN;
    epoch_hour next_hourly_ = 0;  // first hourly window start not yet listed
    epoch_hour next_daily_ = 0;   // first daily window start not yet listed

    // Counters (part of the state: they make ids deterministic).
    uint64_t last_seq_ = 0;
    uint64_t event_seq_ = 0;
    uint64_t next_trade_ = 1;

    // The command being applied and where its events go.
    const command* cur_ = nullptr;
    event_sink* out_ = nullptr;
    event scratch_{};
    uint32_t cur_slot_ = 0;  // the instrument slot of the order command being applied
};

}  // namespace cux::engine
