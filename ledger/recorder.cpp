// The recorder: events -> staged rows (apply) -> one transaction per batch (commit). What each
// event records is described in schemas/ledger.sql; the cross-check against the engine's
// balance events in ledger/recorder.hpp.

#include "ledger/recorder.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace cux::ledger {

using engine::event;
using engine::event_type;
using engine::participant_id;

namespace {

// A multi-row INSERT: "<head> (?,..,?<tail>), (...), ..." with `columns` parameters per row.
std::string multi_insert(const char* head, int columns, const char* tail, std::size_t rows) {
    std::string row = "(";
    for (int i = 0; i < columns; ++i) row += i == 0 ? "?" : ",?";
    row += tail;
    row += ")";
    std::string sql = head;
    for (std::size_t r = 0; r < rows; ++r) {
        sql += r == 0 ? " " : ",";
        sql += row;
    }
    return sql;
}

void put_le64(std::vector<unsigned char>& out, int64_t v) {
    auto u = static_cast<uint64_t>(v);
    for (int i = 0; i < 8; ++i) {
        out.push_back(static_cast<unsigned char>(u & 0xff));
        u >>= 8;
    }
}

constexpr int64_t posting_transfers = 0;
constexpr int64_t posting_bought = 1;
constexpr int64_t posting_sold = 2;

}  // namespace

const char* sqlite_library_version() { return sqlite3_libversion(); }

result<std::unique_ptr<recorder>> recorder::open(const recorder_options& o) {
    std::unique_ptr<recorder> r(new recorder());
    const status s = r->init(o);
    if (!s) return s.error();
    return r;
}

recorder::~recorder() {
    // Statements first, then the connection (its destructor closes it).
    transfer_many_ = {};
    transfer_one_ = {};
    contract_many_ = {};
    contract_one_ = {};
    close_ = {};
    participant_ = {};
    account_ = {};
    add_balance_ = {};
    posting_ = {};
    state_ = {};
    begin_ = {};
    commit_ = {};
    rollback_ = {};
}

status recorder::init(const recorder_options& o) {
    if (o.carriers.size() > limits::carriers_max) {
        return ledger_error{error_code::bad_request, "more carriers than the ledger supports"};
    }
    carriers_ = o.carriers;
    auto c = detail::connection::open(o.path, true, false, o.vfs, 10'000);
    if (!c) return c.error();
    db_ = std::move(c.value());

    // WAL: readers never block the writer. synchronous=FULL: a commit is on disk (the WAL is
    // synced) before COMMIT returns. The page cache holds a batch's pages comfortably.
    {
        auto mode = db_.prepare("PRAGMA journal_mode=WAL");
        if (!mode) return mode.error();
        if (mode.value().step() != SQLITE_ROW || mode.value().text(0) != "wal") {
            return ledger_error{error_code::io, o.path + ": cannot switch to WAL journal mode"};
        }
    }
    if (auto s = db_.exec("PRAGMA synchronous=FULL; PRAGMA cache_size=-65536; "
                          "PRAGMA temp_store=MEMORY; PRAGMA journal_size_limit=67108864;");
        !s) {
        return s;
    }
    auto has_state =
        db_.query_int("SELECT count(*) FROM sqlite_schema WHERE name = 'ledger_state'");
    if (!has_state) return has_state.error();
    auto version = has_state.value() == 0
                       ? result<int64_t>(int64_t{0})
                       : db_.query_int("SELECT schema_version FROM ledger_state WHERE id = 1");
    if (!version) return version.error();
    if (version.value() > detail::schema_version) {
        return ledger_error{error_code::schema, o.path + " has ledger schema version " +
                                                    std::to_string(version.value()) +
                                                    ", newer than this build's"};
    }
    if (auto s = db_.exec("BEGIN IMMEDIATE"); !s) return s;
    if (auto s = db_.exec(detail::schema_sql(), error_code::schema); !s) {
        (void)db_.exec("ROLLBACK");
        return s;
    }
    for (std::size_t i = 0; i < carriers_.size(); ++i) {
        auto ins = db_.prepare(
            "INSERT OR IGNORE INTO accounts (id, kind, owner, name) VALUES (?, 'carrier', ?, ?)");
        if (!ins) return ins.error();
        const account_id a = carrier_account(static_cast<uint32_t>(i));
        ins.value().bind(1, a);
        ins.value().bind(2, static_cast<int64_t>(i));
        ins.value().bind(3, carriers_[i]);
        if (const int rc = ins.value().run(); rc != SQLITE_DONE) {
            (void)db_.exec("ROLLBACK");
            return ledger_error{error_code::io, detail::describe(db_.get(), rc, "add carrier")};
        }
        auto name = db_.prepare("SELECT name FROM accounts WHERE id = ?");
        if (!name) return name.error();
        name.value().bind(1, a);
        if (name.value().step() != SQLITE_ROW || name.value().text(0) != carriers_[i]) {
            (void)db_.exec("ROLLBACK");
            return ledger_error{error_code::schema,
                                o.path + ": carrier " + std::to_string(i) + " is not '" +
                                    carriers_[i] + "' in this ledger (another market's ledger?)"};
        }
    }
    if (auto s = db_.exec("COMMIT"); !s) return s;

    // The mirror of every balance, and which accounts exist.
    balance_.assign(static_cast<std::size_t>(accounts_end), 0);
    exists_.assign(static_cast<std::size_t>(accounts_end), 0);
    delta_.assign(static_cast<std::size_t>(accounts_end), 0);
    touched_flag_.assign(static_cast<std::size_t>(accounts_end), 0);
    {
        auto q = db_.prepare("SELECT id, balance FROM accounts");
        if (!q) return q.error();
        int rc;
        while ((rc = q.value().step()) == SQLITE_ROW) {
            const int64_t id = q.value().int64(0);
            if (id <= 0 || id >= accounts_end) {
                return ledger_error{error_code::schema,
                                    "account id " + std::to_string(id) + " out of range"};
            }
            balance_[static_cast<std::size_t>(id)] = q.value().int64(1);
            exists_[static_cast<std::size_t>(id)] = 1;
        }
        if (rc != SQLITE_DONE) {
            return ledger_error{error_code::io, detail::describe(db_.get(), rc, "load accounts")};
        }
    }

    // The position: ledger_state.last_seq, unless the rows show later events (a stale state
    // row would otherwise make the next events apply twice).
    auto last = db_.query_int("SELECT last_seq FROM ledger_state WHERE id = 1");
    auto last_cmd = db_.query_int("SELECT last_cmd_seq FROM ledger_state WHERE id = 1");
    auto last_ts = db_.query_int("SELECT last_ts FROM ledger_state WHERE id = 1");
    auto max_transfer = db_.query_int("SELECT max(id) FROM transfers");
    auto max_contract = db_.query_int("SELECT seq FROM contracts ORDER BY id DESC LIMIT 1");
    auto max_participant = db_.query_int("SELECT max(created_seq) FROM participants");
    for (const auto* q :
         {&last, &last_cmd, &last_ts, &max_transfer, &max_contract, &max_participant}) {
        if (!*q) return q->error();
    }
    db_seq_ = static_cast<uint64_t>(last.value());
    const uint64_t rows_seq =
        std::max({event_seq_of(max_transfer.value()), static_cast<uint64_t>(max_contract.value()),
                  static_cast<uint64_t>(max_participant.value())});
    committed_seq_ = std::max(db_seq_, rows_seq);
    stale_state_events_ = committed_seq_ - db_seq_;
    staged_seq_ = committed_seq_;
    staged_cmd_seq_ = static_cast<uint64_t>(last_cmd.value());
    staged_ts_ = last_ts.value();
    return prepare_statements();
}

status recorder::prepare_statements() {
    const auto prep = [this](detail::statement& into, const std::string& sql) -> status {
        auto s = db_.prepare(sql);
        if (!s) return s.error();
        into = std::move(s.value());
        return ok_status();
    };
    const std::size_t n = limits::rows_per_insert;
    const char* contract_head = "INSERT OR IGNORE INTO contracts VALUES";
    for (auto [into, sql] : std::initializer_list<std::pair<detail::statement*, std::string>>{
             {&transfer_many_, multi_insert("INSERT INTO transfers VALUES", 7, "", n)},
             {&transfer_one_, multi_insert("INSERT INTO transfers VALUES", 7, "", 1)},
             {&contract_many_, multi_insert(contract_head, contract_columns, ",0,0,0", n)},
             {&contract_one_, multi_insert(contract_head, contract_columns, ",0,0,0", 1)},
             {&close_,
              "UPDATE contracts SET status = ?2, closed_seq = ?3, closed_ts = ?4 "
              "WHERE id = ?1 AND status = 0"},
             {&participant_, "INSERT OR IGNORE INTO participants VALUES (?, ?, ?, ?, ?)"},
             {&account_,
              "INSERT OR IGNORE INTO accounts (id, kind, owner, name) VALUES (?, ?, ?, ?)"},
             {&add_balance_,
              "UPDATE accounts SET balance = balance + ?2, updated_seq = ?3 WHERE id = ?1"},
             {&posting_, "INSERT INTO postings VALUES (?, ?, ?, ?, ?, ?, ?)"},
             {&state_,
              "UPDATE ledger_state SET last_seq = ?1, last_cmd_seq = ?2, last_ts = ?3, "
              "batches = batches + ?4 WHERE id = 1"},
             {&begin_, "BEGIN IMMEDIATE"},
             {&commit_, "COMMIT"},
             {&rollback_, "ROLLBACK"},
         }) {
        if (auto s = prep(*into, sql); !s) return s;
    }
    return ok_status();
}

// ---- staging --------------------------------------------------------------------------------

status recorder::fail(error_code c, std::string message) {
    if (!failed()) failure_ = ledger_error{c, std::move(message)};
    return failure_;
}

status recorder::diverged(const event& e, const std::string& what) {
    return fail(error_code::diverged, "ledger diverged from the engine at event " +
                                          std::to_string(e.event_seq) + " (" +
                                          engine::event_name(e.type) + ", command " +
                                          std::to_string(e.cmd_seq) + "): " + what);
}

bool recorder::exists(account_id a) const {
    return a > 0 && a < accounts_end && exists_[static_cast<std::size_t>(a)] != 0;
}

int64_t recorder::balance(account_id a) const {
    return a > 0 && a < accounts_end ? balance_[static_cast<std::size_t>(a)] : 0;
}

void recorder::post(int64_t owner, int64_t kind, int64_t id, const event& e) {
    const int64_t key = owner * 4 + kind;
    posting& p = postings_[key];
    if (p.ids.empty()) {
        posted_.push_back(key);
        p.first_seq = e.event_seq;
        p.first_ts = e.ts;
    }
    p.ids.push_back(id);
    p.last_seq = e.event_seq;
    p.last_ts = e.ts;
}

void recorder::stage_transfer(const event& e, uint32_t line, account_id debit, account_id credit,
                              int64_t amount, line_kind kind, int64_t ref) {
    if (amount == 0) return;
    const int64_t id = transfer_id(e.event_seq, line);
    transfers_.push_back(
        transfer_row{id, debit, credit, amount, static_cast<int64_t>(kind), ref, e.ts});
    for (const account_id a : {debit, credit}) {
        const auto i = static_cast<std::size_t>(a);
        if (touched_flag_[i] == 0) {
            touched_flag_[i] = 1;
            touched_.push_back(a);
        }
        post(a, posting_transfers, id, e);
    }
    balance_[static_cast<std::size_t>(debit)] -= amount;
    balance_[static_cast<std::size_t>(credit)] += amount;
    delta_[static_cast<std::size_t>(debit)] -= amount;
    delta_[static_cast<std::size_t>(credit)] += amount;
    ++counters_.transfers;
    effects_ = true;
}

status recorder::apply(const event& e) {
    if (failed()) return failure_;
    if (e.event_seq <= staged_seq_) {
        ++counters_.skipped;
        return ok_status();
    }
    if (e.event_seq != staged_seq_ + 1) {
        return diverged(e, "gap: the ledger is at event " + std::to_string(staged_seq_) +
                               " and the next event is " + std::to_string(e.event_seq));
    }
    staged_seq_ = e.event_seq;
    staged_cmd_seq_ = e.cmd_seq;
    staged_ts_ = e.ts;
    ++staged_events_;
    ++counters_.events;
    switch (e.type) {
        case event_type::participant_created:
            return on_participant(e);
        case event_type::trade:
            return on_trade(e);
        case event_type::contract_settled:
            return on_contract_closed(e, true);
        case event_type::contract_failed:
            return on_contract_closed(e, false);
        case event_type::balance_changed:
            return on_balance(e);
        default:
            return ok_status();  // no money moves
    }
}

status recorder::on_participant(const event& e) {
    const auto& b = e.body.created;
    const participant_id p = b.participant;
    if (p.value() == 0 || p.value() >= limits::participants_max) {
        return diverged(e, "participant id " + std::to_string(p.value()) + " out of range");
    }
    const std::string name(b.name, strnlen(b.name, sizeof b.name));
    participants_.push_back(
        participant_row{p.value(), b.roles, static_cast<int64_t>(e.event_seq), e.ts, name});
    exists_[static_cast<std::size_t>(available_account(p))] = 1;
    exists_[static_cast<std::size_t>(escrow_account(p))] = 1;
    effects_ = true;
    return ok_status();
}

status recorder::on_trade(const event& e) {
    const auto& t = e.body.trade;
    const account_id avail = available_account(t.buyer);
    const account_id escrow = escrow_account(t.buyer);
    if (t.buyer.value() >= limits::participants_max || !exists(avail) ||
        t.seller.value() >= limits::participants_max || !exists(available_account(t.seller))) {
        return diverged(e, "trade " + std::to_string(t.id.value()) + " names an unknown party");
    }
    if (t.carrier >= carriers_.size()) {
        return diverged(e, "carrier " + std::to_string(t.carrier) + " is not in the market");
    }
    if (t.compute.value() < 0 || t.energy.value() < 0 || t.network.value() < 0 ||
        t.buyer_fee.value() < 0 || t.seller_fee.value() < 0 ||
        t.seller_fee.value() > t.compute.value() + t.energy.value()) {
        return diverged(e, "trade " + std::to_string(t.id.value()) + " has impossible amounts");
    }
    const auto trade = static_cast<int64_t>(t.id.value());
    contracts_.push_back(contract_row{{
        trade,
        static_cast<int64_t>(t.contract.value()),
        static_cast<int64_t>(e.event_seq),
        e.ts,
        t.instrument.value(),
        t.buyer.value(),
        t.seller.value(),
        static_cast<int64_t>(t.buy_order.value()),
        static_cast<int64_t>(t.sell_order.value()),
        static_cast<int64_t>(t.aggressor),
        t.auction,
        t.origin_region,
        t.carrier,
        t.price.value(),
        t.qty.value(),
        t.compute.value(),
        t.energy.value(),
        t.network.value(),
        t.buyer_fee.value(),
        t.seller_fee.value(),
    }});
    stage_transfer(e, 0, avail, escrow, t.compute.value(), line_kind::compute, trade);
    stage_transfer(e, 1, avail, escrow, t.energy.value(), line_kind::energy, trade);
    stage_transfer(e, 2, avail, escrow, t.network.value(), line_kind::network, trade);
    stage_transfer(e, 3, avail, escrow, t.buyer_fee.value(), line_kind::fee, trade);
    post(t.buyer.value(), posting_bought, trade, e);
    post(t.seller.value(), posting_sold, trade, e);
    ++counters_.contracts_opened;
    effects_ = true;
    return ok_status();
}

status recorder::on_contract_closed(const event& e, bool settled) {
    const auto& k = e.body.contract;
    const account_id escrow = escrow_account(k.buyer);
    const account_id buyer_avail = available_account(k.buyer);
    const account_id seller_avail = available_account(k.seller);
    if (k.buyer.value() >= limits::participants_max || !exists(escrow) ||
        k.seller.value() >= limits::participants_max || !exists(seller_avail) ||
        k.carrier >= carriers_.size()) {
        return diverged(e, "contract of trade " + std::to_string(k.trade.value()) +
                               " names an unknown party or carrier");
    }
    const int64_t cost =
        k.compute.value() + k.energy.value() + k.network.value() + k.buyer_fee.value();
    if (balance(escrow) < cost) {
        return diverged(e, "the buyer's escrow " + std::to_string(balance(escrow)) +
                               " does not cover the contract's cost " + std::to_string(cost));
    }
    const auto trade = static_cast<int64_t>(k.trade.value());
    if (settled) {
        stage_transfer(e, 0, escrow, seller_avail, k.compute.value(), line_kind::compute, trade);
        stage_transfer(e, 1, escrow, seller_avail, k.energy.value(), line_kind::energy, trade);
        stage_transfer(e, 2, escrow, carrier_account(k.carrier), k.network.value(),
                       line_kind::network, trade);
        stage_transfer(e, 3, escrow, fee_account, k.buyer_fee.value(), line_kind::fee, trade);
        stage_transfer(e, 4, seller_avail, fee_account, k.seller_fee.value(), line_kind::fee,
                       trade);
        ++counters_.contracts_settled;
    } else {
        stage_transfer(e, 0, escrow, buyer_avail, cost, line_kind::refund, trade);
        ++counters_.contracts_failed;
    }
    closes_.push_back(close_row{
        trade, static_cast<int64_t>(settled ? contract_state::settled : contract_state::failed),
        static_cast<int64_t>(e.event_seq), e.ts});
    effects_ = true;
    return ok_status();
}

status recorder::on_balance(const event& e) {
    const auto& b = e.body.balance;
    const participant_id p = b.participant;
    if (p.value() >= limits::participants_max || !exists(available_account(p))) {
        return diverged(e, "balance of unknown participant " + std::to_string(p.value()));
    }
    const account_id avail = available_account(p);
    // Holds move money between the engine's available and held, never out of the ledger's
    // available: the ledger's available is the engine's available + held.
    const int64_t engine_total = b.available.value() + b.held.value();
    const int64_t residual = engine_total - balance(avail);
    if (residual != 0) {
        const bool deposit = e.command == engine::command_type::deposit && residual > 0;
        const bool withdrawal = e.command == engine::command_type::withdraw && residual < 0;
        if (p.value() == 0 || (!deposit && !withdrawal)) {
            return diverged(e, "participant " + std::to_string(p.value()) +
                                   ": engine available + held " + std::to_string(engine_total) +
                                   ", ledger available " + std::to_string(balance(avail)));
        }
        const auto ref = static_cast<int64_t>(e.cmd_seq);
        if (deposit) {
            stage_transfer(e, 0, bank_account, avail, residual, line_kind::deposit, ref);
            ++counters_.deposits;
        } else {
            stage_transfer(e, 0, avail, bank_account, -residual, line_kind::withdrawal, ref);
            ++counters_.withdrawals;
        }
    }
    if (b.escrow.value() != balance(escrow_account(p))) {
        return diverged(e, "participant " + std::to_string(p.value()) + ": engine escrow " +
                               std::to_string(b.escrow.value()) + ", ledger escrow " +
                               std::to_string(balance(escrow_account(p))));
    }
    return ok_status();
}

// ---- committing -----------------------------------------------------------------------------

status recorder::step_done(detail::statement& s, const char* what) {
    const int rc = s.run();
    if (rc == SQLITE_DONE) return ok_status();
    return fail(detail::write_error_code(rc), detail::describe(db_.get(), rc, what));
}

status recorder::commit(bool force) {
    if (failed()) return failure_;
    if (!effects_ && (!force || staged_seq_ == db_seq_)) {
        committed_seq_ = staged_seq_;
        clear_staging();
        return ok_status();
    }
    if (const int rc = begin_.run(); rc != SQLITE_DONE) {
        return fail(detail::write_error_code(rc), detail::describe(db_.get(), rc, "BEGIN"));
    }
    if (status s = write_batch(); !s) {
        (void)rollback_.run();
        return s;
    }
    const int rc = commit_.run();
    if (rc != SQLITE_DONE) {
        // The WAL frames may or may not be on disk: never guess which.
        (void)rollback_.run();
        return fail(error_code::outcome_unknown,
                    "outcome unknown: " +
                        detail::describe(db_.get(), rc,
                                         "COMMIT of events up to " + std::to_string(staged_seq_)) +
                        "; the ledger stopped, restart to re-read its position");
    }
    if (effects_) ++counters_.transactions;
    db_seq_ = staged_seq_;
    committed_seq_ = staged_seq_;
    clear_staging();
    return ok_status();
}

status recorder::write_batch() {
    const auto seq = static_cast<int64_t>(staged_seq_);
    for (const participant_row& p : participants_) {
        participant_.bind(1, p.id);
        participant_.bind(2, p.name);
        participant_.bind(3, p.roles);
        participant_.bind(4, p.seq);
        participant_.bind(5, p.ts);
        if (auto s = step_done(participant_, "insert participant"); !s) return s;
        const participant_id pid(static_cast<uint32_t>(p.id));
        for (const bool esc : {false, true}) {
            account_.bind(1, esc ? escrow_account(pid) : available_account(pid));
            account_.bind(2, esc ? "escrow" : "available");
            account_.bind(3, p.id);
            account_.bind(4, p.name + (esc ? " escrow" : " available"));
            if (auto s = step_done(account_, "insert account"); !s) return s;
        }
    }
    const std::size_t n = limits::rows_per_insert;
    {
        std::size_t i = 0;
        for (; i + n <= contracts_.size(); i += n) {
            int k = 1;
            for (std::size_t r = i; r < i + n; ++r) {
                for (const int64_t v : contracts_[r].v) contract_many_.bind(k++, v);
            }
            if (auto s = step_done(contract_many_, "insert contracts"); !s) return s;
        }
        for (; i < contracts_.size(); ++i) {
            int k = 1;
            for (const int64_t v : contracts_[i].v) contract_one_.bind(k++, v);
            if (auto s = step_done(contract_one_, "insert contract"); !s) return s;
        }
    }
    for (const close_row& c : closes_) {
        close_.bind(1, c.trade);
        close_.bind(2, c.status);
        close_.bind(3, c.seq);
        close_.bind(4, c.ts);
        if (auto s = step_done(close_, "close contract"); !s) return s;
        if (sqlite3_changes(db_.get()) != 1) {
            return fail(error_code::diverged, "ledger diverged from the engine at event " +
                                                  std::to_string(c.seq) + ": the contract of " +
                                                  "trade " + std::to_string(c.trade) +
                                                  " is not open in the ledger");
        }
    }
    {
        const auto bind_row = [](detail::statement& st, int k, const transfer_row& t) {
            st.bind(k, t.id);
            st.bind(k + 1, t.debit);
            st.bind(k + 2, t.credit);
            st.bind(k + 3, t.amount);
            st.bind(k + 4, t.kind);
            st.bind(k + 5, t.ref);
            st.bind(k + 6, t.ts);
        };
        std::size_t i = 0;
        for (; i + n <= transfers_.size(); i += n) {
            for (std::size_t r = 0; r < n; ++r) {
                bind_row(transfer_many_, static_cast<int>(r * 7 + 1), transfers_[i + r]);
            }
            if (auto s = step_done(transfer_many_, "insert transfers"); !s) return s;
        }
        for (; i < transfers_.size(); ++i) {
            bind_row(transfer_one_, 1, transfers_[i]);
            if (auto s = step_done(transfer_one_, "insert transfer"); !s) return s;
        }
    }
    for (const account_id a : touched_) {
        const int64_t d = delta_[static_cast<std::size_t>(a)];
        if (d == 0) continue;
        add_balance_.bind(1, a);
        add_balance_.bind(2, d);
        add_balance_.bind(3, seq);
        if (auto s = step_done(add_balance_, "update balance"); !s) return s;
        if (sqlite3_changes(db_.get()) != 1) {
            return fail(error_code::diverged, "account " + std::to_string(a) + " is missing");
        }
    }
    for (const int64_t key : posted_) {
        const posting& p = postings_[key];
        blob_.clear();
        for (const int64_t id : p.ids) put_le64(blob_, id);
        posting_.bind(1, key / 4);
        posting_.bind(2, key % 4);
        posting_.bind(3, static_cast<int64_t>(p.first_seq));
        posting_.bind(4, static_cast<int64_t>(p.last_seq));
        posting_.bind(5, p.first_ts);
        posting_.bind(6, p.last_ts);
        posting_.bind_blob(7, blob_);
        if (auto s = step_done(posting_, "insert posting"); !s) return s;
    }
    state_.bind(1, seq);
    state_.bind(2, static_cast<int64_t>(staged_cmd_seq_));
    state_.bind(3, staged_ts_);
    state_.bind(4, effects_ ? 1 : 0);
    return step_done(state_, "update ledger_state");
}

void recorder::clear_staging() {
    for (const account_id a : touched_) {
        delta_[static_cast<std::size_t>(a)] = 0;
        touched_flag_[static_cast<std::size_t>(a)] = 0;
    }
    touched_.clear();
    transfers_.clear();
    contracts_.clear();
    closes_.clear();
    participants_.clear();
    for (const int64_t key : posted_) postings_[key].ids.clear();
    posted_.clear();
    staged_events_ = 0;
    effects_ = false;
}

}  // namespace cux::ledger
