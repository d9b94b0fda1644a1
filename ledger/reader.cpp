#include "ledger/reader.hpp"

#include <algorithm>
#include <utility>

#include "ledger/detail/varint.hpp"
#include "ledger/limits.hpp"

namespace cux::ledger {

namespace {

constexpr int64_t posting_transfers = 0;
constexpr int64_t posting_bought = 1;
constexpr int64_t posting_sold = 2;

constexpr const char* contract_columns =
    "id, contract, seq, ts, instrument, buyer, seller, buy_order, sell_order, aggressor, "
    "auction, origin_region, carrier, price, qty, compute, energy, network, buyer_fee, "
    "seller_fee, status, closed_seq, closed_ts";

ledger_error read_error(sqlite3* db, int rc, const char* what) {
    return ledger_error{error_code::io, detail::describe(db, rc, what)};
}

std::vector<int64_t> merge_unique(std::vector<int64_t> a, const std::vector<int64_t>& b,
                                  std::size_t max) {
    a.insert(a.end(), b.begin(), b.end());
    std::sort(a.begin(), a.end());
    a.erase(std::unique(a.begin(), a.end()), a.end());
    if (a.size() > max) a.resize(max);
    return a;
}

}  // namespace

contract_row contract_from(const detail::statement& s, int c) {
    contract_row r;
    r.trade = static_cast<uint64_t>(s.int64(c + 0));
    r.contract = static_cast<uint64_t>(s.int64(c + 1));
    r.seq = static_cast<uint64_t>(s.int64(c + 2));
    r.ts = s.int64(c + 3);
    r.instrument = static_cast<uint32_t>(s.int64(c + 4));
    r.buyer = static_cast<uint32_t>(s.int64(c + 5));
    r.seller = static_cast<uint32_t>(s.int64(c + 6));
    r.buy_order = static_cast<uint64_t>(s.int64(c + 7));
    r.sell_order = static_cast<uint64_t>(s.int64(c + 8));
    r.aggressor = s.int64(c + 9) == 0 ? engine::side::buy : engine::side::sell;
    r.auction = s.int64(c + 10) != 0;
    r.origin_region = static_cast<uint8_t>(s.int64(c + 11));
    r.carrier = static_cast<uint8_t>(s.int64(c + 12));
    r.price_fen = s.int64(c + 13);
    r.qty = s.int64(c + 14);
    r.compute_fen = s.int64(c + 15);
    r.energy_fen = s.int64(c + 16);
    r.network_fen = s.int64(c + 17);
    r.buyer_fee_fen = s.int64(c + 18);
    r.seller_fee_fen = s.int64(c + 19);
    r.status = static_cast<contract_state>(s.int64(c + 20));
    r.closed_seq = static_cast<uint64_t>(s.int64(c + 21));
    r.closed_ts = s.int64(c + 22);
    return r;
}

result<reader> reader::open(const std::string& path) {
    // Read-write without create, then query_only: a read-only handle could not create the
    // WAL index (-shm) when the writer is not running.
    auto c = detail::connection::open(path, false, false, "", 5'000);
    if (!c) return c.error();
    if (auto s = c.value().exec("PRAGMA query_only = 1"); !s) return s.error();
    auto has = c.value().query_int(
        "SELECT count(*) FROM sqlite_schema WHERE name IN ('ledger_state', 'transfers')");
    if (!has) return has.error();
    if (has.value() != 2) return ledger_error{error_code::schema, path + " is not a cux ledger"};
    return reader(std::move(c.value()));
}

reader::~reader() = default;

status reader::begin_read() { return db_.exec("BEGIN"); }
void reader::end_read() { (void)db_.exec("COMMIT"); }

result<ledger_position> reader::position() {
    auto s = db_.prepare(
        "SELECT last_seq, last_cmd_seq, last_ts, batches FROM ledger_state WHERE id = 1");
    if (!s) return s.error();
    const int rc = s.value().step();
    if (rc != SQLITE_ROW) return read_error(db_.get(), rc, "read ledger_state");
    ledger_position p;
    p.last_seq = static_cast<uint64_t>(s.value().int64(0));
    p.last_cmd_seq = static_cast<uint64_t>(s.value().int64(1));
    p.last_ts = s.value().int64(2);
    p.batches = static_cast<uint64_t>(s.value().int64(3));
    return p;
}

result<std::vector<account_row>> reader::accounts() {
    auto s = db_.prepare("SELECT id, owner, name, balance, updated_seq FROM accounts ORDER BY id");
    if (!s) return s.error();
    std::vector<account_row> out;
    int rc;
    while ((rc = s.value().step()) == SQLITE_ROW) {
        account_row a;
        a.id = s.value().int64(0);
        a.kind = kind_of(a.id);
        a.owner = s.value().int64(1);
        a.name = s.value().text(2);
        a.balance_fen = s.value().int64(3);
        a.updated_seq = static_cast<uint64_t>(s.value().int64(4));
        out.push_back(std::move(a));
    }
    if (rc != SQLITE_DONE) return read_error(db_.get(), rc, "read accounts");
    return out;
}

result<int64_t> reader::account_balance(account_id a) {
    auto s = db_.prepare("SELECT balance FROM accounts WHERE id = ?");
    if (!s) return s.error();
    s.value().bind(1, a);
    const int rc = s.value().step();
    if (rc == SQLITE_DONE) {
        return ledger_error{error_code::bad_request, "no account " + std::to_string(a)};
    }
    if (rc != SQLITE_ROW) return read_error(db_.get(), rc, "read balance");
    return s.value().int64(0);
}

result<participant_balance> reader::balance(engine::participant_id p, engine::money_fen held) {
    if (p.value() >= limits::participants_max) {
        return ledger_error{error_code::bad_request, "participant id out of range"};
    }
    if (auto s = begin_read(); !s) return s.error();
    auto avail = account_balance(available_account(p));
    auto escrow = account_balance(escrow_account(p));
    auto pos = position();
    end_read();
    if (!avail) return avail.error();
    if (!escrow) return escrow.error();
    if (!pos) return pos.error();
    participant_balance b;
    b.participant = p;
    b.ledger_available = engine::money_fen(avail.value());
    b.held_by_orders = held;
    b.available = b.ledger_available - held;
    b.escrow = engine::money_fen(escrow.value());
    b.seq = pos.value().last_seq;
    return b;
}

result<std::vector<int64_t>> reader::posted_ids(int64_t owner, std::initializer_list<int64_t> kinds,
                                                uint64_t after_seq, engine::utc_ns from,
                                                engine::utc_ns to, int64_t after_id) {
    // Enough ids for one page: the caller asks again after the last one it used.
    const std::size_t max = limits::read_rows_max;
    auto s = db_.prepare(
        "SELECT ids FROM postings WHERE owner = ?1 AND kind = ?2 AND last_seq >= ?3 "
        "AND last_ts >= ?4 AND first_ts < ?5 ORDER BY first_seq");
    auto pos = db_.prepare("SELECT posted_seq, posted_trade FROM ledger_state WHERE id = 1");
    if (!s) return s.error();
    if (!pos) return pos.error();
    if (const int rc = pos.value().step(); rc != SQLITE_ROW) {
        return read_error(db_.get(), rc, "read ledger_state");
    }
    const auto posted_seq = static_cast<uint64_t>(pos.value().int64(0));
    const int64_t posted_trade = pos.value().int64(1);
    std::vector<int64_t> all;
    for (const int64_t kind : kinds) {
        std::vector<int64_t> ids;
        s.value().bind(1, owner);
        s.value().bind(2, kind);
        s.value().bind(3, static_cast<int64_t>(after_seq));
        s.value().bind(4, from);
        s.value().bind(5, to);
        int rc = SQLITE_DONE;
        while (ids.size() < max && (rc = s.value().step()) == SQLITE_ROW) {
            const auto blob = s.value().blob(0);
            const unsigned char* p = blob.data();
            const unsigned char* const end = p + blob.size();
            uint64_t id = 0;
            while (p < end && ids.size() < max) {
                uint64_t delta = 0;
                if (!detail::get_varint(p, end, delta)) {
                    s.value().reset();
                    return ledger_error{error_code::io, "a posting list of participant " +
                                                            std::to_string(owner) + " is damaged"};
                }
                id += delta;
                if (static_cast<int64_t>(id) > after_id) ids.push_back(static_cast<int64_t>(id));
            }
        }
        s.value().reset();
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) return read_error(db_.get(), rc, "postings");
        // What the writer has committed but not listed yet: the tail past the lists' position.
        auto tail = posted_tail(owner, kind, posted_seq, posted_trade, after_id, max);
        if (!tail) return tail.error();
        ids.insert(ids.end(), tail.value().begin(), tail.value().end());
        all = merge_unique(std::move(all), ids, max);
    }
    return all;
}

result<std::vector<int64_t>> reader::posted_tail(int64_t owner, int64_t kind, uint64_t posted_seq,
                                                 int64_t posted_trade, int64_t after_id,
                                                 std::size_t max) {
    const bool transfers = kind == posting_transfers;
    auto s = db_.prepare(transfers ? "SELECT id, debit, credit FROM transfers WHERE id > ?"
                                   : "SELECT id, buyer, seller FROM contracts WHERE id > ?");
    if (!s) return s.error();
    const int64_t from =
        transfers ? transfer_id(posted_seq, static_cast<uint32_t>(limits::lines_per_event - 1))
                  : posted_trade;
    s.value().bind(1, std::max(from, after_id));
    const auto owns = [owner](account_id a) {
        return a >= participant_base && owner_of(a) == owner;
    };
    std::vector<int64_t> out;
    int rc = SQLITE_DONE;
    while (out.size() < max && (rc = s.value().step()) == SQLITE_ROW) {
        const int64_t a = s.value().int64(1), b = s.value().int64(2);
        const bool mine =
            transfers ? owns(a) || owns(b) : (kind == posting_bought ? a : b) == owner;
        if (mine) out.push_back(s.value().int64(0));
    }
    if (out.size() < max && rc != SQLITE_DONE) return read_error(db_.get(), rc, "tail");
    return out;
}

result<std::vector<statement_line>> reader::statement(engine::participant_id p, engine::utc_ns from,
                                                      engine::utc_ns to, std::size_t limit,
                                                      int64_t after_line) {
    if (p.value() >= limits::participants_max || from > to || limit == 0 || after_line < 0) {
        return ledger_error{error_code::bad_request, "bad participant, range, limit or cursor"};
    }
    limit = std::min(limit, limits::read_rows_max);
    const account_id mine[2] = {available_account(p), escrow_account(p)};
    if (auto s = begin_read(); !s) return s.error();
    std::vector<statement_line> out;
    auto fail = [this](ledger_error e) -> result<std::vector<statement_line>> {
        end_read();
        return e;
    };
    // A transfer's lines have ids from its own up to 3 more (escrow): start early enough to
    // see the rest of a transfer whose first lines were on the previous page.
    auto ids = posted_ids(p.value(), {posting_transfers}, event_seq_of(after_line), from, to,
                          after_line - 4);
    if (!ids) return fail(ids.error());
    auto t = db_.prepare("SELECT debit, credit, amount, kind, ref, ts FROM transfers WHERE id = ?");
    auto k = db_.prepare(
        "SELECT contract, compute, energy, network, buyer_fee, seller_fee FROM contracts "
        "WHERE id = ?");
    if (!t) return fail(t.error());
    if (!k) return fail(k.error());
    for (const int64_t id : ids.value()) {
        if (out.size() >= limit) break;
        t.value().bind(1, id);
        const int rc = t.value().step();
        if (rc != SQLITE_ROW) return fail(read_error(db_.get(), rc, "read transfer"));
        const account_id debit = t.value().int64(0);
        const account_id credit = t.value().int64(1);
        const int64_t amount = t.value().int64(2);
        const int64_t kind = t.value().int64(3);
        const int64_t ref = t.value().int64(4);
        const engine::utc_ns ts = t.value().int64(5);
        t.value().reset();
        if (ts < from || ts >= to || !valid_transfer_kind(kind)) continue;
        const auto tk = static_cast<transfer_kind>(kind);
        contract_lines amounts;
        uint64_t contract = 0;
        if (tk != transfer_kind::deposit && tk != transfer_kind::withdrawal) {
            k.value().bind(1, ref);
            const int krc = k.value().step();
            if (krc == SQLITE_ROW) {
                contract = static_cast<uint64_t>(k.value().int64(0));
                amounts.compute_fen = k.value().int64(1);
                amounts.energy_fen = k.value().int64(2);
                amounts.network_fen = k.value().int64(3);
                amounts.buyer_fee_fen = k.value().int64(4);
                amounts.seller_fee_fen = k.value().int64(5);
            }
            k.value().reset();
            if (krc != SQLITE_ROW &&
                (tk == transfer_kind::escrow || tk == transfer_kind::proceeds)) {
                return fail(ledger_error{error_code::io, "transfer " + std::to_string(id) +
                                                             " names trade " + std::to_string(ref) +
                                                             ", which has no contract"});
            }
        }
        const transfer_lines lines = lines_of(tk, amount, &amounts);
        for (uint32_t i = 0; i < lines.count; ++i) {
            const transfer_line& l = lines.line[i];
            const int64_t line_id = id + l.offset;
            if (line_id <= after_line) continue;
            // The lines of one movement on both of the participant's accounts stay together.
            if (out.size() >= limit) break;
            statement_line line;
            line.transfer = line_id;
            line.event_seq = event_seq_of(id);
            line.ts = ts;
            line.kind = l.kind;
            line.ref = ref;
            line.contract = contract;
            for (const account_id acct : mine) {
                if (acct != debit && acct != credit) continue;
                line.account = kind_of(acct);
                line.amount_fen = acct == credit ? l.amount_fen : -l.amount_fen;
                line.counterparty = acct == credit ? debit : credit;
                out.push_back(line);
            }
        }
    }
    end_read();
    return out;
}

result<std::vector<contract_row>> reader::fetch_contracts(const std::vector<int64_t>& trades,
                                                          const contract_query* filter,
                                                          const trade_query* range,
                                                          std::size_t limit) {
    auto s = db_.prepare(std::string("SELECT ") + contract_columns +
                         " FROM contract_status WHERE id = ?");
    if (!s) return s.error();
    std::vector<contract_row> out;
    for (const int64_t id : trades) {
        if (out.size() >= limit) break;
        s.value().bind(1, id);
        const int rc = s.value().step();
        if (rc == SQLITE_DONE) {
            s.value().reset();
            continue;
        }
        if (rc != SQLITE_ROW) return read_error(db_.get(), rc, "read contract");
        contract_row r = contract_from(s.value());
        s.value().reset();
        if (filter != nullptr && filter->status && r.status != *filter->status) continue;
        if (range != nullptr && (r.ts < range->from || r.ts >= range->to)) continue;
        out.push_back(r);
    }
    return out;
}

result<std::vector<contract_row>> reader::contracts(const contract_query& q) {
    if (q.limit == 0) return ledger_error{error_code::bad_request, "limit must be positive"};
    const std::size_t limit = std::min(q.limit, limits::read_rows_max);
    if (auto s = begin_read(); !s) return s.error();
    std::vector<contract_row> out;
    if (!q.participant) {
        std::string sql = std::string("SELECT ") + contract_columns +
                          " FROM contract_status WHERE id > ?1 AND (?2 < 0 OR status = ?2) "
                          "ORDER BY id LIMIT ?3";
        auto s = db_.prepare(sql);
        if (!s) {
            end_read();
            return s.error();
        }
        s.value().bind(1, static_cast<int64_t>(q.after_trade));
        s.value().bind(2, q.status ? static_cast<int64_t>(*q.status) : -1);
        s.value().bind(3, static_cast<int64_t>(limit));
        int rc;
        while ((rc = s.value().step()) == SQLITE_ROW) out.push_back(contract_from(s.value()));
        end_read();
        if (rc != SQLITE_DONE) return read_error(db_.get(), rc, "read contracts");
        return out;
    }
    std::initializer_list<int64_t> both = {posting_bought, posting_sold};
    std::initializer_list<int64_t> bought = {posting_bought};
    std::initializer_list<int64_t> sold = {posting_sold};
    const auto kinds = q.role == party::buyer ? bought : q.role == party::seller ? sold : both;
    int64_t after = static_cast<int64_t>(q.after_trade);
    while (out.size() < limit) {
        auto ids = posted_ids(q.participant->value(), kinds, 0, INT64_MIN, INT64_MAX, after);
        if (!ids) {
            end_read();
            return ids.error();
        }
        if (ids.value().empty()) break;
        auto rows = fetch_contracts(ids.value(), &q, nullptr, limit - out.size());
        if (!rows) {
            end_read();
            return rows.error();
        }
        out.insert(out.end(), rows.value().begin(), rows.value().end());
        after = ids.value().back();
    }
    end_read();
    return out;
}

result<std::vector<contract_row>> reader::trades(const trade_query& q) {
    if (q.limit == 0 || q.from > q.to) {
        return ledger_error{error_code::bad_request, "bad range or limit"};
    }
    const std::size_t limit = std::min(q.limit, limits::read_rows_max);
    if (auto s = begin_read(); !s) return s.error();
    std::vector<contract_row> out;
    if (q.participant) {
        int64_t after = static_cast<int64_t>(q.after_trade);
        while (out.size() < limit) {
            auto ids = posted_ids(q.participant->value(), {posting_bought, posting_sold}, 0, q.from,
                                  q.to, after);
            if (!ids) {
                end_read();
                return ids.error();
            }
            if (ids.value().empty()) break;
            auto rows = fetch_contracts(ids.value(), nullptr, &q, limit - out.size());
            if (!rows) {
                end_read();
                return rows.error();
            }
            out.insert(out.end(), rows.value().begin(), rows.value().end());
            after = ids.value().back();
        }
        end_read();
        return out;
    }
    // Trade ids are consecutive and their stamps never decrease: find the first trade at or
    // after `from` by bisection, then read forward.
    auto probe = db_.prepare("SELECT id, ts FROM contracts WHERE id >= ? ORDER BY id LIMIT 1");
    auto top = db_.query_int("SELECT max(id) FROM contracts");
    if (!probe || !top) {
        end_read();
        return probe ? top.error() : probe.error();
    }
    int64_t lo = static_cast<int64_t>(q.after_trade) + 1;
    int64_t hi = top.value() + 1;
    while (lo < hi) {
        const int64_t mid = lo + (hi - lo) / 2;
        probe.value().bind(1, mid);
        const int rc = probe.value().step();
        const bool before = rc == SQLITE_ROW && probe.value().int64(1) < q.from;
        const int64_t found = rc == SQLITE_ROW ? probe.value().int64(0) : hi;
        probe.value().reset();
        if (before) {
            lo = found + 1;
        } else {
            hi = mid;
        }
    }
    auto s = db_.prepare(std::string("SELECT ") + contract_columns +
                         " FROM contract_status WHERE id >= ?1 ORDER BY id");
    if (!s) {
        end_read();
        return s.error();
    }
    s.value().bind(1, lo);
    int rc = SQLITE_DONE;
    while (out.size() < limit && (rc = s.value().step()) == SQLITE_ROW) {
        contract_row r = contract_from(s.value());
        if (r.ts >= q.to) break;  // stamps never decrease: nothing later is in range
        out.push_back(r);
    }
    end_read();
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return read_error(db_.get(), rc, "read trades");
    return out;
}

result<std::optional<contract_row>> reader::contract_of_trade(uint64_t trade) {
    auto s = fetch_contracts({static_cast<int64_t>(trade)}, nullptr, nullptr, 1);
    if (!s) return s.error();
    if (s.value().empty()) return std::optional<contract_row>{};
    return std::optional<contract_row>{s.value()[0]};
}

}  // namespace cux::ledger
