// The ledger's checks (see ledger/verify.hpp). The SQL checks run in one read transaction so
// they see one consistent snapshot even while a writer commits; the engine check replays the
// journal through a fresh exchange and compares balances at the ledger's last event.

#include "ledger/verify.hpp"

#include <map>
#include <memory>
#include <tuple>
#include <utility>

#include "engine/journal.hpp"
#include "ledger/detail/checks.hpp"
#include "ledger/detail/sqlite.hpp"

namespace cux::ledger {

using detail::check_builder;
using detail::check_postings;
using detail::each_row;
using detail::fen;

namespace {

using engine::event;
using engine::event_type;

using transfer_key = std::tuple<int64_t, int64_t, int64_t>;  // kind, debit, credit

// The transfers a contract must have, by (kind, debit, credit); zero amounts are never
// recorded. Its escrow transfer is the sum of its lines (compute, energy, network, buyer fee).
std::map<transfer_key, int64_t> expected_transfers(const contract_row& c) {
    const engine::participant_id b(c.buyer), s(c.seller);
    const account_id avail = available_account(b), escrow = escrow_account(b);
    const account_id seller = available_account(s);
    std::map<transfer_key, int64_t> m;
    const auto add = [&m](transfer_kind k, account_id d, account_id cr, int64_t amount) {
        if (amount != 0) m[{static_cast<int64_t>(k), d, cr}] += amount;
    };
    add(transfer_kind::escrow, avail, escrow, c.cost_fen());
    if (c.status == contract_state::settled) {
        add(transfer_kind::proceeds, escrow, seller, c.compute_fen + c.energy_fen);
        add(transfer_kind::network, escrow, carrier_account(c.carrier), c.network_fen);
        add(transfer_kind::fee, escrow, fee_account, c.buyer_fee_fen);
        add(transfer_kind::fee, seller, fee_account, c.seller_fee_fen);
    } else if (c.status == contract_state::failed) {
        add(transfer_kind::refund, escrow, avail, c.cost_fen());
    }
    return m;
}

// Replays engine events up to the ledger's last event and keeps each participant's balances
// as the ledger must have them at that event: (available + held, escrow).
class replay_sink final : public engine::event_sink {
public:
    explicit replay_sink(uint64_t stop) : stop_(stop) {}

    void on_event(const event& e) override {
        seen_ = e.event_seq;
        if (e.event_seq > stop_) return;
        switch (e.type) {
            case event_type::trade: {
                const auto& t = e.body.trade;
                const int64_t cost =
                    t.compute.value() + t.energy.value() + t.network.value() + t.buyer_fee.value();
                add(t.buyer.value(), -cost, cost);
                break;
            }
            case event_type::contract_settled:
            case event_type::contract_failed: {
                const auto& k = e.body.contract;
                const int64_t cost =
                    k.compute.value() + k.energy.value() + k.network.value() + k.buyer_fee.value();
                if (e.type == event_type::contract_failed) {
                    add(k.buyer.value(), cost, -cost);
                } else {
                    add(k.buyer.value(), 0, -cost);
                    add(k.seller.value(),
                        k.compute.value() + k.energy.value() - k.seller_fee.value(), 0);
                    add(0, k.buyer_fee.value() + k.seller_fee.value(), 0);
                }
                break;
            }
            case event_type::balance_changed: {
                const auto& b = e.body.balance;
                auto& s = state(b.participant.value());
                s.total = b.available.value() + b.held.value();
                s.escrow = b.escrow.value();
                s.pending_total = s.pending_escrow = 0;
                s.final_in_command = true;
                touched_.push_back(b.participant.value());
                break;
            }
            case event_type::command_done:
                for (const uint32_t p : touched_) {
                    auto& s = state(p);
                    s.total += s.pending_total;
                    s.escrow += s.pending_escrow;
                    s.pending_total = s.pending_escrow = 0;
                    s.final_in_command = false;
                }
                touched_.clear();
                break;
            default:
                break;
        }
    }

    struct balances {
        int64_t total = 0, escrow = 0;
        int64_t pending_total = 0, pending_escrow = 0;  // seen in the current command only
        bool final_in_command = false;
    };
    [[nodiscard]] uint64_t seen() const { return seen_; }
    [[nodiscard]] const std::map<uint32_t, balances>& all() const { return by_participant_; }

private:
    balances& state(uint32_t p) { return by_participant_[p]; }
    void add(uint32_t p, int64_t total, int64_t escrow) {
        auto& s = state(p);
        if (s.final_in_command) return;  // its balance_changed already said where it ended
        s.pending_total += total;
        s.pending_escrow += escrow;
        touched_.push_back(p);
    }

    uint64_t stop_;
    uint64_t seen_ = 0;
    std::map<uint32_t, balances> by_participant_;
    std::vector<uint32_t> touched_;
};

verify_check engine_replay(const verify_options& o, const ledger_position& pos,
                           const std::map<uint32_t, std::pair<int64_t, int64_t>>& ledger) {
    check_builder b("engine_replay", o.details_max);
    if (o.journal_dir.empty() || o.market == nullptr) {
        verify_check c = b.done("skipped: no journal or market given");
        c.skipped = true;
        return c;
    }
    auto ex = std::make_unique<engine::exchange>(*o.market, o.exchange);
    replay_sink sink(pos.last_seq);
    engine::journal_reader journal(o.journal_dir);
    engine::command c;
    uint64_t commands = 0;
    while (sink.seen() < pos.last_seq && journal.next(c)) {
        if (c.seq != ex->last_seq() + 1) {
            b.violation("the journal starts at command " + std::to_string(c.seq) +
                        ", not 1: cannot replay from an empty engine");
            return b.done("journal " + o.journal_dir);
        }
        ex->apply(c, sink);
        ++commands;
    }
    if (sink.seen() < pos.last_seq) {
        const engine::scan_result& r = journal.result();
        b.violation("the ledger is at event " + std::to_string(pos.last_seq) +
                    " but the journal ends at event " + std::to_string(sink.seen()) + " (command " +
                    std::to_string(ex->last_seq()) + ", journal " +
                    engine::tail_status_name(r.status) + (r.what.empty() ? "" : ": ") + r.what +
                    "): the ledger recorded events the engine no longer has");
        return b.done(std::to_string(commands) + " commands replayed");
    }
    // Participants known to either side.
    std::map<uint32_t, std::pair<int64_t, int64_t>> engine_side;
    for (const auto& [p, s] : sink.all()) {
        engine_side[p] = {s.total + s.pending_total, s.escrow + s.pending_escrow};
    }
    std::size_t compared = 0;
    auto compare = [&](uint32_t p, std::pair<int64_t, int64_t> eng,
                       std::pair<int64_t, int64_t> led) {
        ++compared;
        if (eng.first != led.first) {
            b.violation("participant " + std::to_string(p) + ": engine available + held " +
                        fen(eng.first) + ", ledger available " + fen(led.first));
        }
        if (eng.second != led.second) {
            b.violation("participant " + std::to_string(p) + ": engine escrow " + fen(eng.second) +
                        ", ledger escrow " + fen(led.second));
        }
    };
    for (const auto& [p, led] : ledger) {
        const auto it = engine_side.find(p);
        compare(p, it == engine_side.end() ? std::pair<int64_t, int64_t>{0, 0} : it->second, led);
    }
    for (const auto& [p, eng] : engine_side) {
        if (ledger.find(p) == ledger.end()) compare(p, eng, {0, 0});
    }
    return b.done(std::to_string(commands) + " commands replayed to event " +
                  std::to_string(pos.last_seq) + ", " + std::to_string(compared) +
                  " participants compared");
}

}  // namespace

result<verify_report> verify(const verify_options& o) {
    auto opened = reader::open(o.db_path);  // checks that it is a ledger
    if (!opened) return opened.error();
    auto conn = detail::connection::open(o.db_path, false, false, "", 5'000);
    if (!conn) return conn.error();
    detail::connection& db = conn.value();
    if (auto s = db.exec("PRAGMA query_only = 1; BEGIN"); !s) return s.error();
    verify_report rep;
    ledger_error err;
    const std::size_t dm = o.details_max;

    if (!each_row(
            db, "SELECT last_seq, last_cmd_seq, last_ts, batches FROM ledger_state WHERE id = 1",
            [&](const detail::statement& s) {
                rep.position.last_seq = static_cast<uint64_t>(s.int64(0));
                rep.position.last_cmd_seq = static_cast<uint64_t>(s.int64(1));
                rep.position.last_ts = s.int64(2);
                rep.position.batches = static_cast<uint64_t>(s.int64(3));
            },
            err)) {
        return err;
    }

    // Balances by account, and the participants' (available, escrow) for the engine check.
    std::map<account_id, int64_t> balances;
    std::map<uint32_t, std::pair<int64_t, int64_t>> participants;
    if (!each_row(
            db, "SELECT id, balance FROM accounts",
            [&](const detail::statement& s) { balances[s.int64(0)] = s.int64(1); }, err)) {
        return err;
    }
    for (const auto& [id, bal] : balances) {
        const account_kind k = kind_of(id);
        if (k != account_kind::available && k != account_kind::fees && k != account_kind::escrow) {
            continue;
        }
        auto& p = participants[static_cast<uint32_t>(owner_of(id))];
        (k == account_kind::escrow ? p.second : p.first) = bal;
    }

    {
        check_builder b("zero_sum", dm);
        int64_t sum = 0;
        for (const auto& [id, bal] : balances) sum += bal;
        if (sum != 0) b.violation("the balances add up to " + fen(sum) + ", not 0");
        rep.checks.push_back(b.done(std::to_string(balances.size()) + " accounts"));
    }
    {
        check_builder b("balances_match_lines", dm);
        std::map<account_id, int64_t> net;
        uint64_t transfers = 0;
        if (!each_row(
                db, "SELECT debit, credit, amount FROM transfers",
                [&](const detail::statement& s) {
                    net[s.int64(0)] -= s.int64(2);
                    net[s.int64(1)] += s.int64(2);
                    ++transfers;
                },
                err)) {
            return err;
        }
        for (const auto& [id, n] : net) {
            const auto it = balances.find(id);
            if (it == balances.end()) {
                b.violation("transfers move money through account " + std::to_string(id) +
                            ", which does not exist");
            } else if (it->second != n) {
                b.violation("account " + std::to_string(id) + " holds " + fen(it->second) +
                            " but its lines net " + fen(n));
            }
        }
        for (const auto& [id, bal] : balances) {
            if (bal != 0 && net.find(id) == net.end()) {
                b.violation("account " + std::to_string(id) + " holds " + fen(bal) +
                            " without any line");
            }
        }
        rep.checks.push_back(b.done(std::to_string(transfers) + " transfers"));
    }
    {
        check_builder b("no_negative_balance", dm);
        for (const auto& [id, bal] : balances) {
            if (id != bank_account && bal < 0) {
                b.violation(std::string(account_kind_name(kind_of(id))) + " account " +
                            std::to_string(id) + " (owner " + std::to_string(owner_of(id)) +
                            ") is " + fen(bal));
            }
        }
        rep.checks.push_back(b.done("every account but the bank"));
    }

    // One pass over the contracts (in trade order) merged with the transfers' lines grouped
    // by the trade they reference (same order).
    std::map<uint32_t, int64_t> open_cost;
    std::map<int64_t, int64_t> carrier_due;
    int64_t fees_due = 0;
    {
        check_builder b("contract_lines", dm);
        auto lines = db.prepare(
            "SELECT ref, kind, debit, credit, sum(amount) FROM transfers WHERE kind >= 3 "
            "GROUP BY ref, kind, debit, credit ORDER BY ref");
        if (!lines) return lines.error();
        int lrc = lines.value().step();
        uint64_t contracts = 0;
        const auto take_lines_before = [&](int64_t ref) {
            // Lines whose trade has no contract row.
            while (lrc == SQLITE_ROW && lines.value().int64(0) < ref) {
                b.violation("lines reference trade " + std::to_string(lines.value().int64(0)) +
                            ", which has no contract");
                lrc = lines.value().step();
            }
        };
        const bool rows_ok = each_row(
            db,
            "SELECT id, contract, seq, ts, instrument, buyer, seller, buy_order, sell_order, "
            "aggressor, auction, origin_region, carrier, price, qty, compute, energy, network, "
            "buyer_fee, seller_fee, status, closed_seq, closed_ts FROM contract_status "
            "ORDER BY id",
            [&](const detail::statement& s) {
                const contract_row c = contract_from(s);
                ++contracts;
                const auto trade = static_cast<int64_t>(c.trade);
                take_lines_before(trade);
                std::map<transfer_key, int64_t> actual;
                while (lrc == SQLITE_ROW && lines.value().int64(0) == trade) {
                    actual[{lines.value().int64(1), lines.value().int64(2),
                            lines.value().int64(3)}] += lines.value().int64(4);
                    lrc = lines.value().step();
                }
                const auto expected = expected_transfers(c);
                if (actual != expected) {
                    int64_t paid_in = 0;
                    const account_id escrow = escrow_account(engine::participant_id(c.buyer));
                    for (const auto& [k, v] : actual) {
                        if (std::get<2>(k) == escrow) paid_in += v;
                    }
                    b.violation("contract of trade " + std::to_string(trade) + " (" +
                                contract_state_name(c.status) + "): its " +
                                std::to_string(actual.size()) + " transfers are not the " +
                                std::to_string(expected.size()) + " its lines call for; buyer " +
                                "paid in " + fen(paid_in) + ", its lines cost " +
                                fen(c.cost_fen()));
                }
                if (c.status == contract_state::open) open_cost[c.buyer] += c.cost_fen();
                if (c.status == contract_state::settled) {
                    carrier_due[c.carrier] += c.network_fen;
                    fees_due += c.buyer_fee_fen + c.seller_fee_fen;
                }
            },
            err);
        if (!rows_ok) return err;
        take_lines_before(INT64_MAX);
        if (lrc != SQLITE_DONE) {
            return ledger_error{error_code::io, detail::describe(db.get(), lrc, "read lines")};
        }
        if (!each_row(
                db,
                "SELECT k.id FROM contract_closes AS k LEFT JOIN contracts AS c ON c.id = k.id "
                "WHERE c.id IS NULL",
                [&](const detail::statement& s) {
                    b.violation("trade " + std::to_string(s.int64(0)) +
                                " is closed but has no contract");
                },
                err)) {
            return err;
        }
        rep.checks.push_back(b.done(std::to_string(contracts) + " contracts"));
    }
    {
        check_builder b("escrow_matches_open", dm);
        for (const auto& [p, bal] : participants) {
            const auto it = open_cost.find(p);
            const int64_t due = it == open_cost.end() ? 0 : it->second;
            if (bal.second != due) {
                b.violation("participant " + std::to_string(p) + ": escrow " + fen(bal.second) +
                            ", open contracts cost " + fen(due));
            }
        }
        for (const auto& [p, due] : open_cost) {
            if (participants.find(p) == participants.end()) {
                b.violation("participant " + std::to_string(p) + " has open contracts (" +
                            fen(due) + ") but no escrow account");
            }
        }
        rep.checks.push_back(b.done(std::to_string(participants.size()) + " participants"));
    }
    {
        check_builder b("payees", dm);
        std::size_t carriers = 0;
        for (const auto& [id, bal] : balances) {
            if (kind_of(id) != account_kind::carrier) continue;
            ++carriers;
            const auto it = carrier_due.find(owner_of(id));
            const int64_t due = it == carrier_due.end() ? 0 : it->second;
            if (bal != due) {
                b.violation("carrier " + std::to_string(owner_of(id)) + " holds " + fen(bal) +
                            ", its settled contracts' network is " + fen(due));
            }
        }
        const auto fees = balances.find(fee_account);
        const int64_t fee_bal = fees == balances.end() ? 0 : fees->second;
        if (fee_bal != fees_due) {
            b.violation("the fee account holds " + fen(fee_bal) + ", settled contracts' fees are " +
                        fen(fees_due));
        }
        rep.checks.push_back(b.done(std::to_string(carriers) + " carriers and the fee account"));
    }
    if (auto c = check_postings(db, dm, err); c) {
        rep.checks.push_back(std::move(*c));
    } else {
        return err;
    }
    (void)db.exec("COMMIT");
    rep.checks.push_back(engine_replay(o, rep.position, participants));
    return rep;
}

}  // namespace cux::ledger
