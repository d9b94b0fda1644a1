// The recorder's commit: everything staged by apply() goes to SQLite in one transaction, each
// table with one INSERT ... SELECT over the staged rows (ledger/detail/rows.hpp), then the
// balances once per account, the posting lists once per participant, and the position.

#include <utility>

#include "ledger/detail/varint.hpp"
#include "ledger/recorder.hpp"

namespace cux::ledger {

static_assert(recorder_row_columns_max <= detail::row_columns_max);

status recorder::step_done(detail::statement& s, const char* what) {
    const int rc = s.run();
    if (rc == SQLITE_DONE) return ok_status();
    return fail(detail::write_error_code(rc), detail::describe(db_.get(), rc, what));
}

status recorder::write_rows(detail::statement& s, const std::vector<int64_t>& rows, int columns,
                            const char* what) {
    if (rows.empty()) return ok_status();
    const detail::row_set set{rows.data(), rows.size() / static_cast<std::size_t>(columns),
                              columns};
    s.bind_rows(1, &set);
    const status st = step_done(s, what);
    s.bind_null(1);  // the row set lives on this stack frame only
    if (!st) return st;
    if (static_cast<std::size_t>(sqlite3_changes64(db_.get())) != set.rows) {
        return fail(error_code::diverged,
                    std::string("ledger diverged from the engine: ") + what + " wrote " +
                        std::to_string(sqlite3_changes64(db_.get())) + " rows of " +
                        std::to_string(set.rows) +
                        " (a settlement or failure of a contract the ledger does not hold)");
    }
    return ok_status();
}

status recorder::commit(bool force) {
    if (failed()) return failure_;
    if (!effects_ && (!force || (staged_seq_ == db_seq_ && posting_ids_ == 0))) {
        committed_seq_ = staged_seq_;
        clear_staging();
        return ok_status();
    }
    if (const int rc = begin_.run(); rc != SQLITE_DONE) {
        return fail(detail::write_error_code(rc), detail::describe(db_.get(), rc, "BEGIN"));
    }
    // The posting lists go out every few batches: each owner's row lands on a page of its own.
    const bool postings = posting_ids_ != 0 && (force || posting_ids_ >= posting_flush_ids_ ||
                                                batches_since_flush_ + 1 >= posting_flush_batches_);
    if (status s = write_batch(postings); !s) {
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
    if (postings || posting_ids_ == 0) {  // as write_batch() wrote it
        posted_seq_ = staged_seq_;
        posted_trade_ = last_trade_;
        clear_postings();
    } else if (effects_) {
        ++batches_since_flush_;
    }
    clear_staging();
    return ok_status();
}

status recorder::write_batch(bool postings) {
    const auto seq = static_cast<int64_t>(staged_seq_);
    for (const participant_row& p : participants_) {
        participant_.bind(1, p.id);
        participant_.bind(2, p.name);
        participant_.bind(3, p.roles);
        participant_.bind(4, p.seq);
        participant_.bind(5, p.ts);
        if (auto s = step_done(participant_, "insert participant"); !s) return s;
        const engine::participant_id pid(static_cast<uint32_t>(p.id));
        for (const bool esc : {false, true}) {
            account_.bind(1, esc ? escrow_account(pid) : available_account(pid));
            account_.bind(2, esc ? "escrow" : "available");
            account_.bind(3, p.id);
            account_.bind(4, p.name + (esc ? " escrow" : " available"));
            if (auto s = step_done(account_, "insert account"); !s) return s;
        }
    }
    // Contracts before their closes (a contract may open and fail in one batch).
    if (auto s = write_rows(contracts_in_, contracts_, contract_columns, "insert contracts"); !s) {
        return s;
    }
    if (auto s = write_rows(closes_in_, closes_, close_columns, "close contracts"); !s) return s;
    if (auto s = write_rows(transfers_in_, transfers_, transfer_columns, "insert transfers"); !s) {
        return s;
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
    for (std::size_t i = 0; postings && i < postings_used_; ++i) {
        const posting& p = postings_[i];
        blob_.clear();
        int64_t prev = 0;
        for (const int64_t id : p.ids) {
            detail::put_varint(blob_, static_cast<uint64_t>(id - prev));
            prev = id;
        }
        posting_.bind(1, p.key / 4);
        posting_.bind(2, p.key % 4);
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
    // Without a flush the position of the lists stays where the last flush left it (and when
    // there is nothing to list, they are complete up to here).
    const bool complete = postings || posting_ids_ == 0;
    state_.bind(5, static_cast<int64_t>(complete ? staged_seq_ : posted_seq_));
    state_.bind(6, complete ? last_trade_ : posted_trade_);
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
    staged_events_ = 0;
    effects_ = false;
}

void recorder::clear_postings() {
    for (std::size_t i = 0; i < postings_used_; ++i) {
        posting_slot_[static_cast<std::size_t>(postings_[i].key)] = 0;
    }
    postings_used_ = 0;
    posting_ids_ = 0;
    batches_since_flush_ = 0;
}

}  // namespace cux::ledger
