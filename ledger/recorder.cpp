// The recorder: opening a ledger and staging events as rows (apply). What each event records
// is described in schemas/ledger.sql; the cross-check against the engine's balance events in
// ledger/recorder.hpp. Committing the staged rows is in recorder_write.cpp.

#include "ledger/recorder.hpp"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <utility>

namespace cux::ledger {

using engine::event;
using engine::event_type;
using engine::participant_id;

const char* sqlite_library_version() { return sqlite3_libversion(); }

result<std::unique_ptr<recorder>> recorder::open(const recorder_options& o) {
    std::unique_ptr<recorder> r(new recorder());
    const status s = r->init(o);
    if (!s) return s.error();
    return r;
}

recorder::~recorder() {
    // Statements first, then the connection (its destructor closes it).
    if (db_.get() != nullptr) sqlite3_wal_hook(db_.get(), nullptr, nullptr);
    transfers_in_ = {};
    contracts_in_ = {};
    closes_in_ = {};
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
    // SQLite keeps process-wide memory statistics behind a global mutex taken on every
    // allocation (the Debian build has no lookaside, so that is often). Nothing here reads them.
    // Only possible before SQLite initializes; afterwards the call is refused, harmlessly.
    static std::once_flag no_memstatus;
    std::call_once(no_memstatus, [] { (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
    if (o.carriers.size() > limits::carriers_max) {
        return ledger_error{error_code::bad_request, "more carriers than the ledger supports"};
    }
    carriers_ = o.carriers;
    if (auto s = detail::make_private(o.path); !s) return s;
    auto c = detail::connection::open(o.path, true, false, o.vfs, 10'000);
    if (!c) return c.error();
    db_ = std::move(c.value());
    if (const int rc = detail::register_rows(db_.get()); rc != SQLITE_OK) {
        return ledger_error{error_code::io, detail::describe(db_.get(), rc, "register cux_rows")};
    }

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
    {
        auto sync = db_.query_int("PRAGMA synchronous");
        auto page = db_.query_int("PRAGMA page_size");
        if (!sync) return sync.error();
        if (!page) return page.error();
        static constexpr const char* sync_names[] = {"OFF", "NORMAL", "FULL", "EXTRA"};
        const int64_t v = sync.value();
        settings_ = std::string("journal_mode=wal synchronous=") +
                    (v >= 0 && v <= 3 ? sync_names[v] : "?") +
                    " page_size=" + std::to_string(page.value());
        if (v != 2) return ledger_error{error_code::io, o.path + ": synchronous is not FULL"};
    }
    // The hook replaces SQLite's own autocheckpoint (sqlite3_wal_autocheckpoint is a hook too):
    // it counts the WAL's frames and checkpoints past the threshold, as SQLite's would.
    autocheckpoint_pages_ = o.autocheckpoint_pages;
    sqlite3_wal_hook(db_.get(), &recorder::on_wal_commit, this);
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
    if (version.value() != 0 && version.value() < detail::schema_version) {
        return ledger_error{error_code::schema,
                            o.path + " has ledger schema version " +
                                std::to_string(version.value()) + "; this build writes version " +
                                std::to_string(detail::schema_version) +
                                " and cannot convert it (start from a fresh data directory)"};
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
    // (Every close writes a transfer too: compute is never 0, so closes need no scan here.)
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
    posting_slot_.assign(limits::participants_max * 4, 0);
    posting_flush_batches_ = std::max<uint32_t>(1, o.posting_flush_batches);
    posting_flush_ids_ = std::max<std::size_t>(1, o.posting_flush_ids);
    {
        auto posted = db_.query_int("SELECT posted_seq FROM ledger_state WHERE id = 1");
        auto trade = db_.query_int("SELECT posted_trade FROM ledger_state WHERE id = 1");
        auto top = db_.query_int("SELECT max(id) FROM contracts");
        if (!posted) return posted.error();
        if (!trade) return trade.error();
        if (!top) return top.error();
        posted_seq_ = static_cast<uint64_t>(posted.value());
        posted_trade_ = trade.value();
        last_trade_ = std::max(top.value(), posted_trade_);
    }
    if (auto s = prepare_statements(); !s) return s;
    return relist_unposted();
}

int recorder::on_wal_commit(void* self, sqlite3* db, const char* name, int frames) {
    auto* r = static_cast<recorder*>(self);
    r->wal_frames_ = frames;
    if (r->autocheckpoint_pages_ != 0 && frames >= static_cast<int>(r->autocheckpoint_pages_)) {
        // Unlike SQLite's default hook, a failure is not ignored: it loses nothing committed
        // (the WAL still holds the frames), but the disk failed a write or a sync.
        const int rc =
            sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY && r->checkpoint_error_.empty()) {
            r->checkpoint_error_ = detail::describe(db, rc, "checkpoint");
        }
    }
    return SQLITE_OK;
}

status recorder::prepare_statements() {
    const auto prep = [this](detail::statement& into, const std::string& sql) -> status {
        auto s = db_.prepare(sql);
        if (!s) return s.error();
        into = std::move(s.value());
        return ok_status();
    };
    const auto select_rows = [](int columns) {
        std::string sql = " SELECT ";
        for (int i = 0; i < columns; ++i) sql += (i == 0 ? "c" : ", c") + std::to_string(i);
        return sql + " FROM cux_rows(?1)";
    };
    // OR FAIL, not the default ABORT: a batch is one transaction that is rolled back whole on
    // any error, so no statement needs a statement journal of its own to undo itself.
    for (auto [into, sql] : std::initializer_list<std::pair<detail::statement*, std::string>>{
             {&transfers_in_, "INSERT OR FAIL INTO transfers" + select_rows(transfer_columns)},
             {&contracts_in_, "INSERT OR FAIL INTO contracts" + select_rows(contract_columns)},
             // A close is recorded only against a contract the ledger holds (a second close of
             // one is refused by the key): fewer rows than staged means the engine closed a
             // contract the ledger never opened. (Comparing the amounts too would read every
             // contract row back, a third of the close's cost; verify compares them.)
             {&closes_in_,
              "INSERT OR FAIL INTO contract_closes SELECT r.c0, r.c1, r.c2, r.c3 "
              "FROM cux_rows(?1) AS r CROSS JOIN contracts AS c ON c.id = r.c0"},
             {&participant_, "INSERT OR IGNORE INTO participants VALUES (?, ?, ?, ?, ?)"},
             {&account_,
              "INSERT OR IGNORE INTO accounts (id, kind, owner, name) VALUES (?, ?, ?, ?)"},
             {&add_balance_,
              "UPDATE accounts SET balance = balance + ?2, updated_seq = ?3 WHERE id = ?1"},
             {&posting_, "INSERT OR FAIL INTO postings VALUES (?, ?, ?, ?, ?, ?, ?)"},
             {&state_,
              "UPDATE ledger_state SET last_seq = ?1, last_cmd_seq = ?2, last_ts = ?3, "
              "batches = batches + ?4, posted_seq = ?5, posted_trade = ?6 WHERE id = 1"},
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

void recorder::stage_transfer(const event& e, uint32_t line, account_id debit, account_id credit,
                              int64_t amount, transfer_kind kind, int64_t ref) {
    if (amount == 0) return;
    const int64_t id = transfer_id(e.event_seq, line);
    const int64_t row[transfer_columns] = {id,  debit, credit, amount, static_cast<int64_t>(kind),
                                           ref, e.ts};
    transfers_.insert(transfers_.end(), row, row + transfer_columns);
    for (const account_id a : {debit, credit}) {
        const auto i = static_cast<std::size_t>(a);
        if (touched_flag_[i] == 0) {
            touched_flag_[i] = 1;
            touched_.push_back(a);
        }
    }
    post_transfer(id, debit, credit, e.ts);
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
    const int64_t row[contract_columns] = {
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
    };
    contracts_.insert(contracts_.end(), row, row + contract_columns);
    // One transfer carries the whole cost; its lines (0..3) are the contract's columns.
    const int64_t cost =
        t.compute.value() + t.energy.value() + t.network.value() + t.buyer_fee.value();
    stage_transfer(e, 0, avail, escrow, cost, transfer_kind::escrow, trade);
    post(t.buyer.value(), posting_bought, trade, e.event_seq, e.ts);
    post(t.seller.value(), posting_sold, trade, e.event_seq, e.ts);
    last_trade_ = trade;
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
        // Line ids: proceeds 0 (compute) and 1 (energy), network 2, buyer fee 3, seller fee 4.
        stage_transfer(e, 0, escrow, seller_avail, k.compute.value() + k.energy.value(),
                       transfer_kind::proceeds, trade);
        stage_transfer(e, 2, escrow, carrier_account(k.carrier), k.network.value(),
                       transfer_kind::network, trade);
        stage_transfer(e, 3, escrow, fee_account, k.buyer_fee.value(), transfer_kind::fee, trade);
        stage_transfer(e, 4, seller_avail, fee_account, k.seller_fee.value(), transfer_kind::fee,
                       trade);
        ++counters_.contracts_settled;
    } else {
        stage_transfer(e, 0, escrow, buyer_avail, cost, transfer_kind::refund, trade);
        ++counters_.contracts_failed;
    }
    const int64_t row[close_columns] = {
        trade,
        static_cast<int64_t>(settled ? contract_state::settled : contract_state::failed),
        static_cast<int64_t>(e.event_seq),
        e.ts,
    };
    closes_.insert(closes_.end(), row, row + close_columns);
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
            stage_transfer(e, 0, bank_account, avail, residual, transfer_kind::deposit, ref);
            ++counters_.deposits;
        } else {
            stage_transfer(e, 0, avail, bank_account, -residual, transfer_kind::withdrawal, ref);
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

}  // namespace cux::ledger
