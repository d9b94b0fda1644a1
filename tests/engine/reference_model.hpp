#pragma once
// A deliberately naive reference model of the exchange, for the seeded randomized test
// (tests/engine/random_test.cpp), which applies every command to both and compares the events.
//
// It re-implements the exchange's observable behaviour from the spec: DESIGN.md sections 2-4,
// the header comments of engine/exchange.hpp (the order of events of one command), command.hpp,
// event.hpp, book.hpp (the auction's tie-breaks) and the money formulas at the top of
// engine/exchange_orders.cpp. It shares no code with the engine's book, order pool, instrument
// table or exchange: only the pure functions of engine/market.hpp and engine/symbol.hpp and the
// command and event structs. Its structures are chosen to be obviously right, not fast: resting
// orders in one std::vector per instrument found by linear scans and sorted by (price, arrival)
// when priority matters, capacity per (vendor, chip, region, hour) in a std::map, the listing
// calendar as "the next N windows whose gate closure is ahead" recomputed on every command, and
// call auctions by brute force over every price of the band.
//
// Where the spec is silent the model takes the engine's documented or evident choice:
//  - balance_changed.delta_available is the net change of `available` over the command;
//  - a market order is accepted with tif ioc whatever tif it named (its remainder never rests);
//  - self-trade prevention applies to continuous matching only, not to call auctions;
//  - matching reports a book_level for every level it visits, even one left unchanged because
//    cancel_newest stopped at an own order at its head;
//  - a replace that keeps price and quantity changes nothing and emits no book_level;
//  - participant names are compared as all 32 bytes, and not against participant 0's.
//
// Order ids are the model's own (1, 2, 3, ... in acceptance order); the test keeps a bijection
// between them and the engine's ids. Thread: one. Aborts (CUX_ASSERT) only on a broken model;
// a broken money rule (a fill costing more than its hold released) is reported by
// check_invariants().
//
// The class is declared here; its member functions are defined by responsibility in the files
// included at the end, as the engine splits engine/exchange*.cpp: reference_model_state.hpp
// (apply, events, invariants), _accounts (participants, money, capacity), _book (the book,
// matching and fills), _orders (place, cancel, replace), _clock (listing, lifecycle, auctions)
// and _contracts (settlement, failure). Include this header only.

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "engine/command.hpp"
#include "engine/event.hpp"
#include "engine/limits.hpp"
#include "engine/market.hpp"
#include "engine/symbol.hpp"
#include "engine/types.hpp"

namespace cux::engine::test {

// The sizes of the exchange_config the engine under test runs with.
struct model_config {
    std::size_t orders_max = 0;
    std::size_t contracts_max = 0;
    std::size_t participants_max = 0;
    std::size_t capacity_rows_max = 0;
    int64_t open_orders_per_participant_max = 0;
    int64_t open_orders_per_book_max = 0;
};

// Whether orders may rest and be placed: pre_open and closing (call phases) and open.
inline bool tradeable(instrument_status s) {
    return s == instrument_status::pre_open || s == instrument_status::open ||
           s == instrument_status::closing;
}

class reference_model {
public:
    struct person {
        bool exists = false;
        uint8_t roles = 0;
        char name[limits::participant_name_bytes] = {};
        int64_t available = 0;
        int64_t held = 0;
        int64_t escrow = 0;
        int64_t open_orders = 0;
    };

    struct morder {
        uint64_t id = 0;
        participant_id owner;
        side sd = side::buy;
        time_in_force tif = time_in_force::gtc;
        stp_mode stp = stp_mode::cancel_newest;
        uint8_t post_only = 0;
        uint8_t origin = origin_none;
        int64_t price = 0;  // limit, or the collar price of a market order
        int64_t remaining = 0;
        int64_t filled = 0;
        int64_t hold = 0;          // buys: what is held for the open quantity now
        int64_t network_left = 0;  // buys: network cost not yet charged to a fill
        uint64_t arrival = 0;      // time priority: when it last entered the book
    };

    // A trade's obligation until its instrument settles. The model's contract id is the trade
    // id; the test binds it to the engine's pool id.
    struct mcontract {
        uint64_t id = 0;
        participant_id buyer;
        participant_id seller;
        uint8_t origin = 0;
        uint8_t carrier = 0;
        contract_status status = contract_status::open;
        int64_t price = 0;
        int64_t qty = 0;
        int64_t compute = 0;
        int64_t energy = 0;
        int64_t network = 0;
        int64_t buyer_fee = 0;
        int64_t seller_fee = 0;
        [[nodiscard]] int64_t cost() const { return compute + energy + network + buyer_fee; }
    };

    struct minst {
        instrument_id id;
        instrument_key key;
        instrument_status status = instrument_status::pre_open;
        int64_t hours = 0;
        utc_ns open_ts = 0;
        utc_ns closing_ts = 0;
        utc_ns gate_ts = 0;
        utc_ns start_ts = 0;
        utc_ns end_ts = 0;
        int64_t tick = 1;
        int64_t reference = 0;
        int64_t band_low = 0;
        int64_t band_high = 0;
        int64_t last_trade = 0;
        int64_t settlement = 0;
        settlement_method settlement_by = settlement_method::none;
        int64_t late_pq = 0;  // price x qty of trades in the 15 minutes before gate closure
        int64_t late_q = 0;
        int64_t energy_units = 0;          // one device over the whole window, 1e-7 fen
        std::vector<morder> orders;        // resting orders of both sides, in no particular order
        std::vector<mcontract> contracts;  // in trade order, until the instrument settles
    };

    struct cap_hour {
        int64_t registered = 0;
        int64_t committed = 0;  // reserved by open sells
        int64_t sold = 0;
    };
    // (vendor, chip, region, hour)
    using cap_key = std::tuple<uint32_t, int, int, epoch_hour>;

    reference_model(const market_config& m, const model_config& c)
        : m_(m), c_(c), people_(c.participants_max + 1) {
        people_[0].exists = true;
        people_[0].roles = role_admin;
        std::memcpy(people_[0].name, "exchange", 8);
    }

    // Applies one stamped command and appends its events to out.
    void apply(const command& c, std::vector<event>& out);

    // The model's own invariants: "" when fine.
    [[nodiscard]] std::string check_invariants() const;

    // ---- queries for the command generator ----------------------------------------------

    [[nodiscard]] utc_ns now() const { return now_; }
    [[nodiscard]] const std::map<uint32_t, minst>& instruments() const { return instruments_; }
    [[nodiscard]] const person* participant(participant_id p) const {
        return p.value() < people_.size() && people_[p.value()].exists ? &people_[p.value()]
                                                                       : nullptr;
    }
    [[nodiscard]] uint32_t participants_created() const { return next_participant_ - 1; }
    // The earliest time after now at which a listing or a lifecycle step is due.
    [[nodiscard]] utc_ns next_due() const {
        const utc_ns gate = m_.calendar.gate_closure_s * ns_per_s;
        utc_ns next = (floor_div(now_ + gate, ns_per_hour) + 1) * ns_per_hour - gate;
        for (const auto& [id, in] : instruments_) next = std::min(next, due_at(in));
        return next;
    }
    template <class F>
    void for_each_order(F&& f) const {
        for (const auto& [id, in] : instruments_) {
            for (const morder& o : in.orders) f(in, o);
        }
    }
    [[nodiscard]] cap_hour capacity_at(participant_id p, std::size_t chip, std::size_t region,
                                       epoch_hour hour) const {
        const auto it = capacity_.find(
            cap_key{p.value(), static_cast<int>(chip), static_cast<int>(region), hour});
        return it == capacity_.end() ? cap_hour{} : it->second;
    }
    [[nodiscard]] int64_t settlement_of(std::size_t chip, std::size_t region) const {
        const auto it = last_settlement_.find({chip, region});
        return it == last_settlement_.end() ? 0 : it->second;
    }

private:
    __extension__ using int128 = __int128;

    static int64_t floor_div(int64_t a, int64_t b) {
        const int64_t q = a / b;
        return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
    }

    // ---- events (reference_model_state.hpp) ---------------------------------------------
    event& emit(event_type t, participant_id p);
    void reject(reject_reason r, order_id ref = order_id(0));
    void touch(participant_id p);
    void emit_status(const minst& in);

    // ---- the book, naively, and matching (reference_model_book.hpp) ---------------------
    void emit_level(const minst& in, side sd, int64_t price);
    static std::optional<int64_t> best(const minst& in, side sd);
    static std::vector<uint64_t> level_ids(const minst& in, side sd, int64_t price);
    static std::size_t best_index(const minst& in, side sd);
    static std::size_t index_of(const minst& in, uint64_t id);
    static bool crosses(const minst& in, side sd, int64_t limit);
    void rest(minst& in, morder o);
    void end_order(minst& in, morder& o, done_reason why);
    void fill(minst& in, morder& b, morder& s, side aggressor, bool auction, int64_t price,
              int64_t q);
    int64_t fillable(const minst& in, const morder& o) const;
    bool match(minst& in, morder& o);
    void finish_incoming(minst& in, morder& o, bool stp_cancelled);

    // ---- order commands (reference_model_orders.hpp) ------------------------------------
    [[nodiscard]] int64_t hold_of(const minst& in, int64_t price, int64_t remaining, int64_t filled,
                                  int64_t network_left) const;
    void on_place(const command& c);
    std::pair<minst*, std::size_t> find_own(uint64_t id, participant_id owner);
    void on_cancel(const command& c);
    void on_replace(const command& c);

    // ---- participants, money and capacity (reference_model_accounts.hpp) ----------------
    bool reserve(participant_id p, const minst& in, int64_t qty);
    void release(participant_id p, const minst& in, int64_t qty, bool sold);
    person* actor_of(const command& c);
    void on_create(const command& c);
    void on_deposit(const command& c);
    void on_withdraw(const command& c);
    void on_capacity(const command& c);

    // ---- the clock (reference_model_clock.hpp) ------------------------------------------
    [[nodiscard]] utc_ns due_at(const minst& in) const;
    void advance_clock();
    void list_window(epoch_hour start, tenor t);
    void list(const instrument_key& k);
    void step(uint32_t id);
    [[nodiscard]] utc_ns settle_ts(const minst& in) const;
    void expire_all(minst& in);
    void auction(minst& in, auction_kind kind);

    // ---- contracts (reference_model_contracts.hpp) --------------------------------------
    void contract_event(event_type t, const minst& in, const mcontract& k);
    void settle(minst& in);
    void on_fail(const command& c);

    market_config m_;
    model_config c_;
    std::vector<person> people_;
    std::vector<int64_t> available_before_ = std::vector<int64_t>(people_.size(), 0);
    uint32_t next_participant_ = 1;
    std::map<uint32_t, minst> instruments_;        // by instrument id: iteration is id order
    std::set<std::pair<int, epoch_hour>> listed_;  // (tenor, window start) ever listed
    std::map<std::pair<std::size_t, std::size_t>, int64_t> last_settlement_;
    std::map<cap_key, cap_hour> capacity_;
    std::set<std::tuple<uint32_t, int, int>> capacity_rows_;
    int64_t committed_total_ = 0;
    std::vector<participant_id> dirty_;
    std::string errors_;
    utc_ns now_ = 0;
    uint64_t event_seq_ = 0;
    uint64_t next_trade_ = 1;
    uint64_t next_order_ = 1;
    uint64_t arrival_ = 0;
    const command* cur_ = nullptr;
    std::vector<event>* out_ = nullptr;
};

}  // namespace cux::engine::test

#include "tests/engine/reference_model_accounts.hpp"
#include "tests/engine/reference_model_book.hpp"
#include "tests/engine/reference_model_clock.hpp"
#include "tests/engine/reference_model_contracts.hpp"
#include "tests/engine/reference_model_orders.hpp"
#include "tests/engine/reference_model_state.hpp"
