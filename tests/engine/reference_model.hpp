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
    void apply(const command& c, std::vector<event>& out) {
        cur_ = &c;
        out_ = &out;
        now_ = c.ts;
        dirty_.clear();
        for (std::size_t p = 0; p < people_.size(); ++p) {
            available_before_[p] = people_[p].available;
        }
        advance_clock();
        switch (c.type) {
            case command_type::place_order:
                on_place(c);
                break;
            case command_type::cancel_order:
                on_cancel(c);
                break;
            case command_type::replace_order:
                on_replace(c);
                break;
            case command_type::deposit:
                on_deposit(c);
                break;
            case command_type::withdraw:
                on_withdraw(c);
                break;
            case command_type::register_capacity:
                on_capacity(c);
                break;
            case command_type::create_participant:
                on_create(c);
                break;
            case command_type::tick:
                if (c.actor.value() != 0) reject(reject_reason::forbidden);
                break;
            case command_type::fail_contract:
                on_fail(c);
                break;
            case command_type::none:
            default:
                reject(reject_reason::invalid_order);
                break;
        }
        for (const participant_id p : dirty_) {
            const person& ps = people_[p.value()];
            event& e = emit(event_type::balance_changed, p);
            e.body.balance.participant = p;
            e.body.balance.available = money_fen(ps.available);
            e.body.balance.held = money_fen(ps.held);
            e.body.balance.escrow = money_fen(ps.escrow);
            e.body.balance.delta_available = money_fen(ps.available - available_before_[p.value()]);
        }
        emit(event_type::command_done, c.actor);
        cur_ = nullptr;
        out_ = nullptr;
    }

    // The model's own invariants: "" when fine.
    [[nodiscard]] std::string check_invariants() const {
        std::ostringstream bad;
        bad << errors_;
        std::vector<int64_t> held(people_.size(), 0);
        std::vector<int64_t> open(people_.size(), 0);
        std::map<std::tuple<uint32_t, int, int, epoch_hour>, int64_t> committed;
        std::size_t live = 0;
        for (const auto& [id, in] : instruments_) {
            const bool trading = in.status == instrument_status::pre_open ||
                                 in.status == instrument_status::open ||
                                 in.status == instrument_status::closing;
            if (!trading && !in.orders.empty())
                bad << "orders rest in a closed book " << id << "; ";
            for (const morder& o : in.orders) {
                ++live;
                ++open[o.owner.value()];
                if (o.remaining <= 0) bad << "order " << o.id << " rests with no quantity; ";
                if (o.sd == side::buy) {
                    held[o.owner.value()] += o.hold;
                    if (o.hold != hold_of(in, o.price, o.remaining, o.filled, o.network_left)) {
                        bad << "order " << o.id << " hold is off; ";
                    }
                } else {
                    for (epoch_hour h = in.key.start_hour; h < in.key.start_hour + in.hours; ++h) {
                        committed[{o.owner.value(), in.key.chip, in.key.region, h}] += o.remaining;
                    }
                }
            }
            if (in.status == instrument_status::open) {
                const auto bb = best(in, side::buy);
                const auto ba = best(in, side::sell);
                if (bb && ba && *bb >= *ba) bad << "instrument " << id << " crossed while open; ";
            }
        }
        if (live > c_.orders_max) bad << "more orders than the pool holds; ";
        for (std::size_t p = 0; p < people_.size(); ++p) {
            const person& ps = people_[p];
            if (ps.available < 0 || ps.held < 0 || ps.escrow < 0) {
                bad << "participant " << p << " has a negative balance; ";
            }
            if (ps.held != held[p]) {
                bad << "participant " << p << " held " << ps.held << " != open buys " << held[p]
                    << "; ";
            }
            if (ps.open_orders != open[p]) bad << "participant " << p << " open orders; ";
        }
        // Every key with open sells must carry exactly their committed quantity, and the
        // committed total over all keys must equal theirs (so no other key commits anything).
        int64_t sells_total = 0;
        for (const auto& [k, q] : committed) {
            sells_total += q;
            const auto it = capacity_.find(k);
            const int64_t have = it == capacity_.end() ? 0 : it->second.committed;
            if (have != q) {
                bad << "capacity of " << std::get<0>(k) << " at hour " << std::get<3>(k)
                    << " committed " << have << " != open sells " << q << "; ";
            }
            if (it != capacity_.end() &&
                it->second.committed + it->second.sold > it->second.registered) {
                bad << "capacity of " << std::get<0>(k) << " oversold; ";
            }
        }
        if (sells_total != committed_total_) {
            bad << "committed total " << committed_total_ << " != open sells " << sells_total
                << "; ";
        }
        return bad.str();
    }

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
    static bool tradeable(instrument_status s) {
        return s == instrument_status::pre_open || s == instrument_status::open ||
               s == instrument_status::closing;
    }

    // ---- events -------------------------------------------------------------------------

    event& emit(event_type t, participant_id p) {
        event e{};
        e.event_seq = ++event_seq_;
        e.cmd_seq = cur_->seq;
        e.ts = cur_->ts;
        e.token = cur_->token;
        e.participant = p;
        e.type = t;
        e.command = cur_->type;
        out_->push_back(e);
        return out_->back();
    }

    void reject(reject_reason r, order_id ref = order_id(0)) {
        event& e = emit(event_type::rejected, cur_->actor);
        e.body.rejected.command = cur_->type;
        e.body.rejected.reason = r;
        e.body.rejected.order = ref;
    }

    void touch(participant_id p) {
        if (std::find(dirty_.begin(), dirty_.end(), p) == dirty_.end()) dirty_.push_back(p);
    }

    void emit_status(const minst& in) {
        event& e = emit(event_type::instrument_status, participant_id(0));
        e.body.status.instrument = in.id;
        e.body.status.status = in.status;
        e.body.status.reference = price_fen(in.reference);
        e.body.status.band_low = price_fen(in.band_low);
        e.body.status.band_high = price_fen(in.band_high);
        e.body.status.settlement = price_fen(in.settlement);
    }

    // The level's totals after a change, by a scan of the book.
    void emit_level(const minst& in, side sd, int64_t price) {
        int64_t qty = 0;
        int64_t count = 0;
        for (const morder& o : in.orders) {
            if (o.sd == sd && o.price == price) {
                qty += o.remaining;
                ++count;
            }
        }
        event& e = emit(event_type::book_level, participant_id(0));
        e.body.level.instrument = in.id;
        e.body.level.sd = sd;
        e.body.level.price = price_fen(price);
        e.body.level.qty = qty_devices(qty);
        e.body.level.orders = count;
    }

    // ---- the book, naively --------------------------------------------------------------

    static std::optional<int64_t> best(const minst& in, side sd) {
        std::optional<int64_t> b;
        for (const morder& o : in.orders) {
            if (o.sd != sd) continue;
            if (!b || (sd == side::buy ? o.price > *b : o.price < *b)) b = o.price;
        }
        return b;
    }

    // Ids of the orders at one level in time priority.
    static std::vector<uint64_t> level_ids(const minst& in, side sd, int64_t price) {
        std::vector<const morder*> at;
        for (const morder& o : in.orders) {
            if (o.sd == sd && o.price == price) at.push_back(&o);
        }
        std::sort(at.begin(), at.end(),
                  [](const morder* a, const morder* b) { return a->arrival < b->arrival; });
        std::vector<uint64_t> ids;
        for (const morder* o : at) ids.push_back(o->id);
        return ids;
    }

    // The side's first order in price-time priority.
    static std::size_t best_index(const minst& in, side sd) {
        std::size_t bi = in.orders.size();
        for (std::size_t i = 0; i < in.orders.size(); ++i) {
            const morder& o = in.orders[i];
            if (o.sd != sd) continue;
            if (bi == in.orders.size()) {
                bi = i;
                continue;
            }
            const morder& b = in.orders[bi];
            const bool better_price = sd == side::buy ? o.price > b.price : o.price < b.price;
            if (better_price || (o.price == b.price && o.arrival < b.arrival)) bi = i;
        }
        return bi;
    }

    static std::size_t index_of(const minst& in, uint64_t id) {
        for (std::size_t i = 0; i < in.orders.size(); ++i) {
            if (in.orders[i].id == id) return i;
        }
        CUX_ASSERT(false);
        return 0;
    }

    static bool crosses(const minst& in, side sd, int64_t limit) {
        const auto b = best(in, opposite(sd));
        if (!b) return false;
        return sd == side::buy ? *b <= limit : *b >= limit;
    }

    void rest(minst& in, morder o) {
        o.arrival = ++arrival_;
        const side sd = o.sd;
        const int64_t price = o.price;
        in.orders.push_back(o);
        emit_level(in, sd, price);
    }

    // ---- money and capacity -------------------------------------------------------------

    // hold = L*r*H + energy(f+r) - energy(f) + network_left + fee(L*r*H, max(maker, taker)).
    [[nodiscard]] int64_t hold_of(const minst& in, int64_t price, int64_t remaining, int64_t filled,
                                  int64_t network_left) const {
        const int64_t compute = price * remaining * in.hours;
        const int64_t energy =
            energy_fen(in.energy_units, filled + remaining) - energy_fen(in.energy_units, filled);
        const int64_t fee = fee_fen(compute, std::max(m_.maker_fee_bps, m_.taker_fee_bps));
        return compute + energy + network_left + fee;
    }

    bool reserve(participant_id p, const minst& in, int64_t qty) {
        for (epoch_hour h = in.key.start_hour; h < in.key.start_hour + in.hours; ++h) {
            const auto it = capacity_.find(cap_key{p.value(), in.key.chip, in.key.region, h});
            if (it == capacity_.end()) return false;
            const cap_hour& c = it->second;
            if (c.registered - c.committed - c.sold < qty) return false;
        }
        for (epoch_hour h = in.key.start_hour; h < in.key.start_hour + in.hours; ++h) {
            capacity_[cap_key{p.value(), in.key.chip, in.key.region, h}].committed += qty;
        }
        committed_total_ += qty * in.hours;
        return true;
    }

    void release(participant_id p, const minst& in, int64_t qty, bool sold) {
        for (epoch_hour h = in.key.start_hour; h < in.key.start_hour + in.hours; ++h) {
            cap_hour& c = capacity_[cap_key{p.value(), in.key.chip, in.key.region, h}];
            if (c.committed < qty) errors_ += "capacity released below zero; ";
            c.committed -= qty;
            if (sold) c.sold += qty;
        }
        committed_total_ -= qty * in.hours;
    }

    // An order leaves the book or ends unfilled: what it still holds goes back.
    void end_order(minst& in, morder& o, done_reason why) {
        person& ps = people_[o.owner.value()];
        if (o.sd == side::buy) {
            ps.held -= o.hold;
            ps.available += o.hold;
            if (o.hold != 0) touch(o.owner);
            o.hold = 0;
        } else if (o.remaining > 0) {
            release(o.owner, in, o.remaining, false);
        }
        --ps.open_orders;
        event& e = emit(event_type::order_done, o.owner);
        e.body.done.id = order_id(o.id);
        e.body.done.instrument = in.id;
        e.body.done.reason = why;
        e.body.done.sd = o.sd;
        e.body.done.filled = qty_devices(o.filled);
        e.body.done.remaining = qty_devices(why == done_reason::filled ? 0 : o.remaining);
    }

    // One fill between a buy and a sell at price: the buyer's cost moves from held to escrow
    // (the rest of the released hold back to available), the seller's capacity is sold.
    void fill(minst& in, morder& b, morder& s, side aggressor, bool auction, int64_t price,
              int64_t q) {
        const int64_t compute = price * q * in.hours;
        const int64_t energy =
            energy_fen(in.energy_units, b.filled + q) - energy_fen(in.energy_units, b.filled);
        const int64_t network =
            q == b.remaining
                ? b.network_left
                : static_cast<int64_t>(static_cast<int128>(b.network_left) * q / b.remaining);
        const bool buyer_takes = !auction && aggressor == side::buy;
        const bool seller_takes = !auction && aggressor == side::sell;
        const int64_t buyer_fee =
            fee_fen(compute, buyer_takes ? m_.taker_fee_bps : m_.maker_fee_bps);
        const int64_t seller_fee =
            fee_fen(compute, seller_takes ? m_.taker_fee_bps : m_.maker_fee_bps);
        const int64_t cost = compute + energy + network + buyer_fee;

        b.network_left -= network;
        b.remaining -= q;
        b.filled += q;
        s.remaining -= q;
        s.filled += q;
        const int64_t after = hold_of(in, b.price, b.remaining, b.filled, b.network_left);
        const int64_t released = b.hold - after;
        if (released < cost) errors_ += "a fill costs more than its hold released; ";
        b.hold = after;
        person& buyer = people_[b.owner.value()];
        buyer.held -= released;
        buyer.available += released - cost;
        buyer.escrow += cost;
        touch(b.owner);
        release(s.owner, in, q, true);
        in.last_trade = price;

        mcontract k;
        k.id = next_trade_;
        k.buyer = b.owner;
        k.seller = s.owner;
        k.origin = b.origin == origin_none ? in.key.region : b.origin;
        k.carrier = static_cast<uint8_t>(m_.link(k.origin, in.key.region).carrier);
        k.price = price;
        k.qty = q;
        k.compute = compute;
        k.energy = energy;
        k.network = network;
        k.buyer_fee = buyer_fee;
        k.seller_fee = seller_fee;
        in.contracts.push_back(k);

        event& e = emit(event_type::trade, participant_id(0));
        trade_body& t = e.body.trade;
        t.id = trade_id(next_trade_++);
        t.instrument = in.id;
        t.aggressor = auction ? side::buy : aggressor;
        t.auction = auction ? 1 : 0;
        t.origin_region = k.origin;
        t.carrier = k.carrier;
        t.contract = contract_id(k.id);
        t.buy_order = order_id(b.id);
        t.sell_order = order_id(s.id);
        t.buyer = b.owner;
        t.seller = s.owner;
        t.price = price_fen(price);
        t.qty = qty_devices(q);
        t.compute = money_fen(compute);
        t.energy = money_fen(energy);
        t.network = money_fen(network);
        t.buyer_fee = money_fen(buyer_fee);
        t.seller_fee = money_fen(seller_fee);
    }

    // ---- continuous matching ------------------------------------------------------------

    // How much of the incoming order would fill now, walking the other side as match() does
    // (an own order stops it, unless cancel_oldest would cancel that order out of the way).
    int64_t fillable(const minst& in, const morder& o) const {
        std::vector<const morder*> other;
        for (const morder& r : in.orders) {
            if (r.sd != o.sd && (o.sd == side::buy ? r.price <= o.price : r.price >= o.price)) {
                other.push_back(&r);
            }
        }
        std::sort(other.begin(), other.end(), [&](const morder* a, const morder* b) {
            if (a->price != b->price)
                return o.sd == side::buy ? a->price < b->price : a->price > b->price;
            return a->arrival < b->arrival;
        });
        int64_t total = 0;
        for (const morder* r : other) {
            if (r->owner == o.owner) {
                if (o.stp == stp_mode::cancel_oldest) continue;
                return total;
            }
            total += r->remaining;
            if (total >= o.remaining) return o.remaining;
        }
        return total;
    }

    // Matches the incoming order (not in the book) level by level; true when self-trade
    // prevention cancelled the incoming order's remainder.
    bool match(minst& in, morder& o) {
        const side osd = opposite(o.sd);
        bool stp_cancelled = false;
        while (o.remaining > 0) {
            const auto p = best(in, osd);
            if (!p || (o.sd == side::buy ? *p > o.price : *p < o.price)) break;
            bool stop = false;
            for (const uint64_t rid : level_ids(in, osd, *p)) {
                if (o.remaining == 0) break;
                const std::size_t i = index_of(in, rid);
                morder& r = in.orders[i];
                if (r.owner == o.owner) {
                    if (o.stp == stp_mode::cancel_newest) {
                        stp_cancelled = stop = true;
                        break;
                    }
                    morder gone = r;
                    in.orders.erase(in.orders.begin() + static_cast<std::ptrdiff_t>(i));
                    end_order(in, gone, done_reason::self_trade);
                    if (o.stp == stp_mode::cancel_both) {
                        stp_cancelled = stop = true;
                        break;
                    }
                    continue;
                }
                const int64_t q = std::min(o.remaining, r.remaining);
                if (o.sd == side::buy) {
                    fill(in, o, r, side::buy, false, *p, q);
                } else {
                    fill(in, r, o, side::sell, false, *p, q);
                }
                if (r.remaining == 0) {
                    morder gone = r;
                    in.orders.erase(in.orders.begin() + static_cast<std::ptrdiff_t>(i));
                    end_order(in, gone, done_reason::filled);
                }
            }
            emit_level(in, osd, *p);
            if (stop) break;
        }
        return stp_cancelled;
    }

    void finish_incoming(minst& in, morder& o, bool stp_cancelled) {
        if (o.remaining == 0) {
            end_order(in, o, done_reason::filled);
        } else if (stp_cancelled) {
            end_order(in, o, done_reason::self_trade);
        } else if (o.tif != time_in_force::gtc) {
            end_order(in, o, done_reason::unfilled);
        } else {
            rest(in, o);
        }
    }

    // ---- commands -----------------------------------------------------------------------

    person* actor_of(const command& c) {
        if (c.actor.value() == 0 || c.actor.value() >= people_.size()) return nullptr;
        person& p = people_[c.actor.value()];
        return p.exists ? &p : nullptr;
    }

    void on_create(const command& c) {
        if (c.actor.value() >= people_.size() || !people_[c.actor.value()].exists) {
            return reject(reject_reason::unknown_participant);
        }
        if ((people_[c.actor.value()].roles & role_admin) == 0) {
            return reject(reject_reason::forbidden);
        }
        const auto& b = c.body.create;
        const int all = role_admin | role_vendor | role_buyer | role_regulator;
        const bool regulator = (b.roles & role_regulator) != 0;
        const bool trader = (b.roles & (role_vendor | role_buyer)) != 0;
        if (b.roles == 0 || (b.roles & ~all) != 0 || (regulator && trader)) {
            return reject(reject_reason::invalid_order);
        }
        if (b.name[0] == 0) return reject(reject_reason::invalid_order);
        for (uint32_t p = 0; p < next_participant_; ++p) {
            if (std::strncmp(people_[p].name, b.name, sizeof b.name) == 0) {
                return reject(reject_reason::duplicate_participant);
            }
        }
        if (next_participant_ >= people_.size()) {
            return reject(reject_reason::participant_table_full);
        }
        const participant_id id(next_participant_++);
        person& ps = people_[id.value()];
        ps.exists = true;
        ps.roles = b.roles;
        std::memcpy(ps.name, b.name, strnlen(b.name, sizeof b.name));
        event& e = emit(event_type::participant_created, id);
        e.body.created.participant = id;
        e.body.created.roles = b.roles;
        std::memcpy(e.body.created.name, ps.name, sizeof e.body.created.name);
    }

    void on_deposit(const command& c) {
        if (c.actor.value() >= people_.size() || !people_[c.actor.value()].exists) {
            return reject(reject_reason::unknown_participant);
        }
        if ((people_[c.actor.value()].roles & role_admin) == 0) {
            return reject(reject_reason::forbidden);
        }
        const participant_id target = c.body.money.target;
        if (target.value() == 0 || target.value() >= people_.size() ||
            !people_[target.value()].exists) {
            return reject(reject_reason::unknown_participant);
        }
        person& ps = people_[target.value()];
        const int64_t amount = c.body.money.amount.value();
        if (amount <= 0 || amount > limits::amount_fen_max ||
            ps.available + amount > limits::amount_fen_max * 1000) {
            return reject(reject_reason::invalid_amount);
        }
        ps.available += amount;
        touch(target);
    }

    void on_withdraw(const command& c) {
        person* ps = actor_of(c);
        if (ps == nullptr) return reject(reject_reason::unknown_participant);
        const int64_t amount = c.body.money.amount.value();
        if (amount <= 0 || amount > limits::amount_fen_max) {
            return reject(reject_reason::invalid_amount);
        }
        if (ps->available < amount) return reject(reject_reason::insufficient_funds);
        ps->available -= amount;
        touch(c.actor);
    }

    void on_capacity(const command& c) {
        person* ps = actor_of(c);
        if (ps == nullptr) return reject(reject_reason::unknown_participant);
        if ((ps->roles & role_vendor) == 0) return reject(reject_reason::forbidden);
        const auto& b = c.body.capacity;
        if (b.chip >= m_.chips.size()) return reject(reject_reason::unknown_chip);
        if (b.region >= m_.regions.size()) return reject(reject_reason::unknown_region);
        if (b.devices.value() <= 0 || b.devices.value() > limits::qty_per_order_max * 100) {
            return reject(reject_reason::invalid_qty);
        }
        const epoch_hour now_hour = floor_div(now_, ns_per_hour);
        if (b.from_hour >= b.to_hour || b.from_hour < now_hour ||
            b.to_hour > now_hour + limits::capacity_ring_hours) {
            return reject(reject_reason::invalid_capacity);
        }
        const auto row = std::make_tuple(c.actor.value(), int{b.chip}, int{b.region});
        if (capacity_rows_.count(row) == 0) {
            if (capacity_rows_.size() >= c_.capacity_rows_max) {
                return reject(reject_reason::capacity_table_full);
            }
            capacity_rows_.insert(row);
        }
        for (epoch_hour h = b.from_hour; h < b.to_hour; ++h) {
            capacity_[cap_key{c.actor.value(), b.chip, b.region, h}].registered +=
                b.devices.value();
        }
        event& e = emit(event_type::capacity_changed, c.actor);
        e.body.capacity.participant = c.actor;
        e.body.capacity.chip = b.chip;
        e.body.capacity.region = b.region;
        e.body.capacity.from_hour = b.from_hour;
        e.body.capacity.to_hour = b.to_hour;
        e.body.capacity.registered_delta = b.devices;
    }

    void on_place(const command& c) {
        const place_order_body& b = c.body.place;
        person* ps = actor_of(c);
        if (ps == nullptr) return reject(reject_reason::unknown_participant);
        const bool enums_ok = (b.sd == side::buy || b.sd == side::sell) &&
                              (b.type == order_type::limit || b.type == order_type::market) &&
                              static_cast<uint8_t>(b.tif) <= 2 &&
                              static_cast<uint8_t>(b.stp) <= 2 && b.post_only <= 1;
        if (!enums_ok) return reject(reject_reason::invalid_order);
        if ((ps->roles & (b.sd == side::buy ? role_buyer : role_vendor)) == 0) {
            return reject(reject_reason::forbidden);
        }
        const auto it = instruments_.find(b.instrument.value());
        if (it == instruments_.end()) return reject(reject_reason::unknown_instrument);
        minst& in = it->second;
        if (!tradeable(in.status)) return reject(reject_reason::market_closed);
        const bool call = in.status != instrument_status::open;
        const bool market = b.type == order_type::market;
        if (b.post_only != 0 && (market || b.tif != time_in_force::gtc)) {
            return reject(reject_reason::invalid_order);
        }
        if (call && (market || b.tif != time_in_force::gtc)) {
            return reject(reject_reason::not_allowed_in_phase);
        }
        if (b.qty.value() <= 0 || b.qty.value() > limits::qty_per_order_max) {
            return reject(reject_reason::invalid_qty);
        }
        int64_t limit = b.price.value();
        if (market) {
            // At most the collar away from the touch, rounded towards it, never out of band.
            const auto touch_price = best(in, opposite(b.sd));
            if (!touch_price) return reject(reject_reason::no_liquidity);
            const int64_t t = *touch_price;
            if (b.sd == side::buy) {
                const int64_t raw = t * (10000 + m_.market_collar_bps) / 10000;
                limit = std::min(raw / in.tick * in.tick, in.band_high);
            } else {
                const int64_t raw = (t * (10000 - m_.market_collar_bps) + 9999) / 10000;
                limit = std::max((raw + in.tick - 1) / in.tick * in.tick, in.band_low);
            }
        } else {
            if (limit <= 0 || limit % in.tick != 0) return reject(reject_reason::invalid_price);
            if (limit < in.band_low || limit > in.band_high) {
                return reject(reject_reason::price_out_of_band);
            }
        }
        int64_t network = 0;
        uint8_t origin = origin_none;
        if (b.sd == side::buy) {
            if (b.origin_region != origin_none && b.origin_region >= m_.regions.size()) {
                return reject(reject_reason::unknown_region);
            }
            if (b.data_gb < 0 || b.data_gb > limits::data_gb_max) {
                return reject(reject_reason::invalid_data_volume);
            }
            origin = b.origin_region;
            if (origin != origin_none) network = network_fen(m_, origin, in.key.region, b.data_gb);
        } else if (b.data_gb != 0 || b.origin_region != origin_none) {
            return reject(reject_reason::invalid_data_volume);
        }
        if (ps->open_orders >= c_.open_orders_per_participant_max) {
            return reject(reject_reason::open_order_limit);
        }
        if (static_cast<int64_t>(in.orders.size()) >= c_.open_orders_per_book_max) {
            return reject(reject_reason::book_order_limit);
        }
        if (b.post_only != 0 && !call && crosses(in, b.sd, limit)) {
            return reject(reject_reason::post_only_would_cross);
        }
        std::size_t live = 0;
        std::size_t contracts = 0;
        for (const auto& [id, other] : instruments_) {
            live += other.orders.size();
            contracts += other.contracts.size();
        }
        if (c_.contracts_max - contracts < live + 1) {
            return reject(reject_reason::contract_table_full);
        }
        if (live >= c_.orders_max) return reject(reject_reason::order_pool_full);

        morder o;
        o.owner = c.actor;
        o.sd = b.sd;
        o.tif = market && b.tif == time_in_force::gtc ? time_in_force::ioc : b.tif;
        o.stp = b.stp;
        o.post_only = b.post_only;
        o.origin = origin;
        o.price = limit;
        o.remaining = b.qty.value();
        o.network_left = network;
        if (b.sd == side::buy) {
            const int64_t hold = hold_of(in, limit, o.remaining, 0, network);
            if (ps->available < hold) return reject(reject_reason::insufficient_funds);
            o.hold = hold;
            ps->available -= hold;
            ps->held += hold;
            touch(c.actor);
        } else if (!reserve(c.actor, in, o.remaining)) {
            return reject(reject_reason::insufficient_capacity);
        }
        o.id = next_order_++;
        ++ps->open_orders;

        event& e = emit(event_type::order_accepted, c.actor);
        e.body.accepted.id = order_id(o.id);
        e.body.accepted.instrument = in.id;
        e.body.accepted.sd = b.sd;
        e.body.accepted.type = b.type;
        e.body.accepted.tif = o.tif;
        e.body.accepted.post_only = b.post_only;
        e.body.accepted.price = price_fen(limit);
        e.body.accepted.qty = b.qty;
        e.body.accepted.hold = money_fen(o.hold);
        std::memcpy(e.body.accepted.client_order_id, b.client_order_id,
                    sizeof e.body.accepted.client_order_id);

        if (call) return rest(in, o);
        if (o.tif == time_in_force::fok && fillable(in, o) < o.remaining) {
            return end_order(in, o, done_reason::unfilled);
        }
        const bool stp = match(in, o);
        finish_incoming(in, o, stp);
    }

    // The instrument and index of a live order of `owner`, or nullptr.
    std::pair<minst*, std::size_t> find_own(uint64_t id, participant_id owner) {
        for (auto& [iid, in] : instruments_) {
            for (std::size_t i = 0; i < in.orders.size(); ++i) {
                if (in.orders[i].id == id) {
                    if (in.orders[i].owner != owner) return {nullptr, 0};
                    return {&in, i};
                }
            }
        }
        return {nullptr, 0};
    }

    void on_cancel(const command& c) {
        const order_id id = c.body.cancel.id;
        const auto [in, i] = find_own(id.value(), c.actor);
        if (in == nullptr) return reject(reject_reason::unknown_order, id);
        morder o = in->orders[i];
        in->orders.erase(in->orders.begin() + static_cast<std::ptrdiff_t>(i));
        emit_level(*in, o.sd, o.price);
        end_order(*in, o, done_reason::cancelled);
    }

    void on_replace(const command& c) {
        const replace_order_body& b = c.body.replace;
        const auto [inp, i] = find_own(b.id.value(), c.actor);
        if (inp == nullptr) return reject(reject_reason::unknown_order, b.id);
        minst& in = *inp;
        person& ps = people_[c.actor.value()];
        const int64_t price = b.price.value();
        const int64_t qty = b.qty.value();
        if (price <= 0 || price % in.tick != 0) {
            return reject(reject_reason::invalid_price, b.id);
        }
        if (price < in.band_low || price > in.band_high) {
            return reject(reject_reason::price_out_of_band, b.id);
        }
        if (qty <= 0 || qty > limits::qty_per_order_max) {
            return reject(reject_reason::invalid_qty, b.id);
        }
        const bool call = in.status != instrument_status::open;
        morder o = in.orders[i];
        const bool keep = price == o.price && qty <= o.remaining;
        const int64_t new_hold =
            o.sd == side::buy ? hold_of(in, price, qty, o.filled, o.network_left) : 0;
        if (!keep) {
            if (o.post_only != 0 && !call && crosses(in, o.sd, price)) {
                return reject(reject_reason::post_only_would_cross, b.id);
            }
            if (o.sd == side::buy && new_hold > o.hold + ps.available) {
                return reject(reject_reason::insufficient_funds, b.id);
            }
            if (o.sd == side::sell && qty > o.remaining &&
                !reserve(o.owner, in, qty - o.remaining)) {
                return reject(reject_reason::insufficient_capacity, b.id);
            }
        }
        if (o.sd == side::buy && new_hold != o.hold) {
            ps.available += o.hold - new_hold;
            ps.held += new_hold - o.hold;
            o.hold = new_hold;
            touch(o.owner);
        }
        if (o.sd == side::sell && qty < o.remaining) {
            release(o.owner, in, o.remaining - qty, false);
        }
        const bool level_changed = !keep || qty < o.remaining;
        const int64_t old_price = o.price;
        o.price = price;
        o.remaining = qty;
        if (keep) {
            in.orders[i] = o;  // same place in time priority
        } else {
            in.orders.erase(in.orders.begin() + static_cast<std::ptrdiff_t>(i));
        }
        if (level_changed) emit_level(in, o.sd, old_price);
        event& e = emit(event_type::order_replaced, o.owner);
        e.body.replaced.id = b.id;
        e.body.replaced.instrument = in.id;
        e.body.replaced.kept_priority = keep ? 1 : 0;
        e.body.replaced.price = b.price;
        e.body.replaced.qty = b.qty;
        e.body.replaced.hold = money_fen(o.hold);
        if (keep) return;
        if (call) return rest(in, o);
        const bool stp = match(in, o);
        finish_incoming(in, o, stp);
    }

    // ---- the clock ----------------------------------------------------------------------

    [[nodiscard]] utc_ns due_at(const minst& in) const {
        switch (in.status) {
            case instrument_status::pre_open:
                return in.open_ts;
            case instrument_status::open:
                return in.closing_ts;
            case instrument_status::closing:
                return in.gate_ts;
            case instrument_status::closed:
                return in.start_ts;
            case instrument_status::delivering:
                return settle_ts(in);
            case instrument_status::settled:
                return settle_ts(in) + m_.calendar.retention_s * ns_per_s;
        }
        return in.end_ts;
    }

    void advance_clock() {
        const calendar_spec& cal = m_.calendar;
        const utc_ns gate = cal.gate_closure_s * ns_per_s;
        const int64_t off = ((cal.utc_offset_hours % 24) + 24) % 24;
        // The calendar: the next hourly_slots hour windows and the next daily_windows local
        // days whose gate closure is still ahead, each listed once.
        std::vector<epoch_hour> hourly;
        std::vector<epoch_hour> daily;
        for (epoch_hour h = floor_div(now_, ns_per_hour);
             static_cast<int64_t>(hourly.size()) < cal.hourly_slots; ++h) {
            if (h * ns_per_hour - gate > now_) hourly.push_back(h);
        }
        for (epoch_hour h = floor_div(now_, ns_per_hour);
             static_cast<int64_t>(daily.size()) < cal.daily_windows; ++h) {
            if ((h + off) % 24 == 0 && h * ns_per_hour - gate > now_) daily.push_back(h);
        }
        for (const epoch_hour h : hourly) {
            if (listed_.insert({0, h}).second) list_window(h, tenor::hour);
        }
        for (const epoch_hour d : daily) {
            if (listed_.insert({1, d}).second) list_window(d, tenor::day);
        }
        std::vector<uint32_t> due;
        for (const auto& [id, in] : instruments_) {
            if (due_at(in) <= now_) due.push_back(id);
        }
        for (const uint32_t id : due) step(id);
    }

    void list_window(epoch_hour start, tenor t) {
        for (std::size_t chip = 0; chip < m_.chips.size(); ++chip) {
            for (std::size_t region = 0; region < m_.regions.size(); ++region) {
                list(instrument_key{static_cast<uint8_t>(chip), static_cast<uint8_t>(region), t,
                                    start});
            }
        }
    }

    void list(const instrument_key& k) {
        const calendar_spec& cal = m_.calendar;
        minst in;
        in.key = k;
        in.id = pack(k);
        in.hours = tenor_hours(k.ten);
        in.open_ts = now_ + cal.pre_open_s * ns_per_s;
        in.start_ts = k.start_hour * ns_per_hour;
        in.end_ts = in.start_ts + in.hours * ns_per_hour;
        in.gate_ts = in.start_ts - cal.gate_closure_s * ns_per_s;
        in.closing_ts = in.gate_ts - cal.closing_call_s * ns_per_s;
        in.tick = m_.chips[k.chip].tick.value();
        int64_t ref = settlement_of(k.chip, k.region);
        if (ref <= 0) ref = m_.chips[k.chip].typical_price.value();
        ref = std::max(std::min(ref / in.tick * in.tick, limits::price_fen_max / 2), in.tick);
        in.reference = ref;
        // The band: reference +- band_bps, rounded inwards to the tick, at least one tick.
        const int64_t lo_raw = (ref * (10000 - m_.band_bps) + 9999) / 10000;
        in.band_low = std::max((lo_raw + in.tick - 1) / in.tick * in.tick, in.tick);
        const int64_t hi_raw = ref * (10000 + m_.band_bps) / 10000;
        in.band_high = std::max(hi_raw / in.tick * in.tick, in.band_low);
        in.energy_units = energy_units_device_window(m_, k.chip, k.region, k.start_hour, in.hours);
        CUX_ASSERT(instruments_.count(in.id.value()) == 0);
        const minst& added = instruments_.emplace(in.id.value(), std::move(in)).first->second;
        emit_status(added);
    }

    void step(uint32_t id) {
        minst& in = instruments_.at(id);
        const utc_ns retention = m_.calendar.retention_s * ns_per_s;
        while (true) {
            switch (in.status) {
                case instrument_status::pre_open:
                    if (now_ < in.open_ts) return;
                    if (now_ < in.closing_ts) {
                        auction(in, auction_kind::opening);
                        in.status = instrument_status::open;
                    } else {
                        // Listed too late for continuous trading: straight to the closing call.
                        in.status = instrument_status::closing;
                    }
                    break;
                case instrument_status::open:
                    if (now_ < in.closing_ts) return;
                    in.status = instrument_status::closing;
                    break;
                case instrument_status::closing:
                    if (now_ < in.gate_ts) return;
                    auction(in, auction_kind::closing);
                    expire_all(in);
                    in.status = instrument_status::closed;
                    break;
                case instrument_status::closed:
                    if (now_ < in.start_ts) return;
                    in.status = instrument_status::delivering;
                    break;
                case instrument_status::delivering:
                    if (now_ < settle_ts(in)) return;
                    settle(in);
                    in.status = instrument_status::settled;
                    break;
                case instrument_status::settled:
                    if (now_ < settle_ts(in) + retention) return;
                    CUX_ASSERT(in.orders.empty());
                    instruments_.erase(id);
                    return;
            }
            emit_status(in);
        }
    }

    [[nodiscard]] utc_ns settle_ts(const minst& in) const {
        return in.end_ts + m_.calendar.delivery_grace_s * ns_per_s;
    }

    void contract_event(event_type t, const minst& in, const mcontract& k) {
        event& e = emit(t, participant_id(0));
        contract_body_ev& b = e.body.contract;
        b.id = contract_id(k.id);
        b.trade = trade_id(k.id);
        b.instrument = in.id;
        b.buyer = k.buyer;
        b.seller = k.seller;
        b.origin_region = k.origin;
        b.carrier = k.carrier;
        b.price = price_fen(k.price);
        b.qty = qty_devices(k.qty);
        b.compute = money_fen(k.compute);
        b.energy = money_fen(k.energy);
        b.network = money_fen(k.network);
        b.buyer_fee = money_fen(k.buyer_fee);
        b.seller_fee = money_fen(k.seller_fee);
    }

    // End of the delivery grace: open contracts pay the seller and the exchange.
    void settle(minst& in) {
        for (mcontract& k : in.contracts) {
            if (k.status != contract_status::open) continue;
            people_[k.buyer.value()].escrow -= k.cost();
            people_[k.seller.value()].available += k.compute + k.energy - k.seller_fee;
            people_[0].available += k.buyer_fee + k.seller_fee;
            touch(k.buyer);
            touch(k.seller);
            if (k.buyer_fee + k.seller_fee != 0) touch(participant_id(0));
            k.status = contract_status::settled;
            contract_event(event_type::contract_settled, in, k);
        }
        in.contracts.clear();
    }

    void on_fail(const command& c) {
        for (auto& [iid, in] : instruments_) {
            for (mcontract& k : in.contracts) {
                if (k.id != c.body.contract.id.value()) continue;
                if (c.actor.value() != 0 && k.seller != c.actor) {
                    return reject(reject_reason::unknown_contract);
                }
                if (k.status != contract_status::open) {
                    return reject(reject_reason::contract_not_open);
                }
                people_[k.buyer.value()].escrow -= k.cost();
                people_[k.buyer.value()].available += k.cost();
                touch(k.buyer);
                for (epoch_hour h = in.key.start_hour; h < in.key.start_hour + in.hours; ++h) {
                    const auto it =
                        capacity_.find({k.seller.value(), in.key.chip, in.key.region, h});
                    if (it != capacity_.end()) it->second.sold -= k.qty;
                }
                k.status = contract_status::failed;
                contract_event(event_type::contract_failed, in, k);
                return;
            }
        }
        reject(reject_reason::unknown_contract);
    }

    // Gate closure: every resting order expires, bids best-first then asks, level by level.
    void expire_all(minst& in) {
        for (const side sd : {side::buy, side::sell}) {
            while (const auto p = best(in, sd)) {
                for (const uint64_t oid : level_ids(in, sd, *p)) {
                    const std::size_t i = index_of(in, oid);
                    morder o = in.orders[i];
                    in.orders.erase(in.orders.begin() + static_cast<std::ptrdiff_t>(i));
                    end_order(in, o, done_reason::expired);
                }
                emit_level(in, sd, *p);
            }
        }
    }

    // Uniform-price call auction: over every price of the band, maximise volume, then minimise
    // |imbalance|, then the distance to the reference, then the lower price. Allocation in
    // price-time priority; both sides pay the maker fee.
    void auction(minst& in, auction_kind kind) {
        int64_t best_p = 0;
        int64_t best_vol = 0;
        int64_t best_imb = 0;
        for (int64_t p = in.band_low; p <= in.band_high; p += in.tick) {
            int64_t buy = 0;
            int64_t sell = 0;
            for (const morder& o : in.orders) {
                if (o.sd == side::buy && o.price >= p) buy += o.remaining;
                if (o.sd == side::sell && o.price <= p) sell += o.remaining;
            }
            const int64_t vol = std::min(buy, sell);
            const int64_t imb = buy - sell;
            if (vol == 0) continue;
            const bool better = vol > best_vol ||
                                (vol == best_vol &&
                                 (std::abs(imb) < std::abs(best_imb) ||
                                  (std::abs(imb) == std::abs(best_imb) &&
                                   std::abs(p - in.reference) < std::abs(best_p - in.reference))));
            if (better) {
                best_p = p;
                best_vol = vol;
                best_imb = imb;
            }
        }
        int64_t left = best_vol;
        while (left > 0) {
            const std::size_t bi = best_index(in, side::buy);
            const std::size_t ai = best_index(in, side::sell);
            CUX_ASSERT(bi < in.orders.size() && ai < in.orders.size());
            morder& b = in.orders[bi];
            morder& a = in.orders[ai];
            const uint64_t bid_id = b.id;
            const uint64_t ask_id = a.id;
            const int64_t bid_price = b.price;
            const int64_t ask_price = a.price;
            const int64_t q = std::min({b.remaining, a.remaining, left});
            fill(in, b, a, side::buy, true, best_p, q);
            left -= q;
            const bool bid_done = b.remaining == 0;
            const bool ask_done = a.remaining == 0;
            if (bid_done) {
                const std::size_t i = index_of(in, bid_id);
                morder gone = in.orders[i];
                in.orders.erase(in.orders.begin() + static_cast<std::ptrdiff_t>(i));
                end_order(in, gone, done_reason::filled);
            }
            if (ask_done) {
                const std::size_t i = index_of(in, ask_id);
                morder gone = in.orders[i];
                in.orders.erase(in.orders.begin() + static_cast<std::ptrdiff_t>(i));
                end_order(in, gone, done_reason::filled);
            }
            // A level is reported when it is finished with: emptied, or the auction is over.
            const auto level_empty = [&](side sd, int64_t price) {
                return std::none_of(in.orders.begin(), in.orders.end(), [&](const morder& o) {
                    return o.sd == sd && o.price == price;
                });
            };
            if (level_empty(side::buy, bid_price) || left == 0) {
                emit_level(in, side::buy, bid_price);
            }
            if (level_empty(side::sell, ask_price) || left == 0) {
                emit_level(in, side::sell, ask_price);
            }
        }
        if (kind == auction_kind::closing) {
            // The official settlement price: the closing auction's, else the last trade's.
            in.settlement = best_vol > 0 ? best_p : in.last_trade;
            if (in.settlement > 0) last_settlement_[{in.key.chip, in.key.region}] = in.settlement;
        }
        event& e = emit(event_type::auction_result, participant_id(0));
        e.body.auction.instrument = in.id;
        e.body.auction.kind = kind;
        e.body.auction.price = price_fen(best_vol > 0 ? best_p : 0);
        e.body.auction.volume = qty_devices(best_vol);
        e.body.auction.imbalance = qty_devices(best_vol > 0 ? best_imb : 0);
    }

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
