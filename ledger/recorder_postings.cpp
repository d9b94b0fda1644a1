// The recorder's posting lists (schemas/ledger.sql "postings"): listing each transfer and trade
// under the participants it concerns, and listing again, after a restart, what was committed
// after the last flush. The lists are written by recorder::write_batch().

#include "ledger/recorder.hpp"

namespace cux::ledger {

void recorder::post(int64_t owner, int64_t kind, int64_t id, uint64_t seq, int64_t ts) {
    const auto key = static_cast<std::size_t>(owner * 4 + kind);
    uint32_t& slot = posting_slot_[key];
    if (slot == 0) {
        if (postings_used_ == postings_.size()) postings_.emplace_back();
        posting& p = postings_[postings_used_++];
        slot = static_cast<uint32_t>(postings_used_);
        p.key = static_cast<int64_t>(key);
        p.ids.clear();
        p.first_seq = seq;
        p.first_ts = ts;
    }
    posting& p = postings_[slot - 1];
    p.ids.push_back(id);
    p.last_seq = seq;
    p.last_ts = ts;
    ++posting_ids_;
}

// A transfer shows on the statement of each participant whose account it touches (once when
// it moves money between two of them); carriers and the bank have no statements.
void recorder::post_transfer(int64_t id, account_id debit, account_id credit, int64_t ts) {
    const uint64_t seq = event_seq_of(id);
    const bool debit_owned = debit >= participant_base;
    const bool credit_owned = credit >= participant_base;
    if (debit_owned) post(owner_of(debit), posting_transfers, id, seq, ts);
    if (credit_owned && !(debit_owned && owner_of(debit) == owner_of(credit))) {
        post(owner_of(credit), posting_transfers, id, seq, ts);
    }
}

// After a restart: the transfers and trades committed after the last posting flush are listed
// again from the tables (a scan of the tail, bounded by the flush interval).
status recorder::relist_unposted() {
    auto t = db_.prepare("SELECT id, debit, credit, ts FROM transfers WHERE id > ? ORDER BY id");
    auto k =
        db_.prepare("SELECT id, buyer, seller, seq, ts FROM contracts WHERE id > ? ORDER BY id");
    if (!t) return t.error();
    if (!k) return k.error();
    t.value().bind(1, transfer_id(posted_seq_, static_cast<uint32_t>(limits::lines_per_event - 1)));
    int rc;
    while ((rc = t.value().step()) == SQLITE_ROW) {
        post_transfer(t.value().int64(0), t.value().int64(1), t.value().int64(2),
                      t.value().int64(3));
    }
    if (rc != SQLITE_DONE) {
        return ledger_error{error_code::io, detail::describe(db_.get(), rc, "list transfers")};
    }
    k.value().bind(1, posted_trade_);
    while ((rc = k.value().step()) == SQLITE_ROW) {
        const int64_t trade = k.value().int64(0);
        const auto seq = static_cast<uint64_t>(k.value().int64(3));
        post(k.value().int64(1), posting_bought, trade, seq, k.value().int64(4));
        post(k.value().int64(2), posting_sold, trade, seq, k.value().int64(4));
        last_trade_ = trade;
    }
    if (rc != SQLITE_DONE) {
        return ledger_error{error_code::io, detail::describe(db_.get(), rc, "list trades")};
    }
    return ok_status();
}

}  // namespace cux::ledger
