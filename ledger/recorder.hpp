#pragma once
// The ledger's core: turns the engine's events into double-entry transfers and commits them to
// SQLite in batches (schemas/ledger.sql says what each event records). The writer thread
// (ledger/writer.hpp) drives one; tests drive one directly with an exchange's events.
//
// Thread: one at a time (the writer thread, or a test's). Owns the write connection.
// Order: apply() takes events in event-seq order. Events at or below the position are skipped
//   (already applied: re-applying is a no-op); any other jump is a gap and stops the recorder.
//   The position is ledger_state.last_seq, or further when the rows themselves show later
//   events (transfer ids are event_seq * 8 + line), so a stale last_seq never doubles anything.
// Batches: apply() only stages (memory); commit() writes everything staged in ONE transaction
//   with ledger_state.last_seq, then syncs (WAL, synchronous=FULL). Each table gets one
//   INSERT ... SELECT per batch (ledger/detail/rows.hpp); balances are written once per account
//   per batch, posting lists once per participant every few batches (with their position,
//   ledger_state.posted_seq; open() lists again what came after it).
// Cross-check: every balance_changed event carries the engine's balances; the recorder compares
//   them with its own (ledger available == engine available + held, escrow == escrow). The
//   difference is how deposits and withdrawals are recorded (the bank's side); anywhere else a
//   difference stops the recorder (`diverged`). A settlement or failure must name a contract
//   the ledger holds and has not closed (checked by the commit's SQL), and the buyer's escrow
//   must cover it.
// Errors: once apply() or commit() fails the recorder is failed for good (failure() says why)
//   and must be destroyed; nothing after that is written. A failed write or sync during
//   commit() is `outcome_unknown`: the transaction may or may not be on disk, and the next
//   open() re-reads the position instead of assuming either.
// Limits: events staged per batch are bounded by the caller (the writer commits at its batch
//   size); the posting lists held in memory by posting_flush_ids plus one batch; participant
//   ids below limits::participants_max, carriers as the market file names.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/event.hpp"
#include "ledger/accounts.hpp"
#include "ledger/detail/sqlite.hpp"
#include "ledger/result.hpp"

namespace cux::ledger {

struct recorder_options {
    std::string path;  // the SQLite file, e.g. DIR/cux.db (created 0600 if missing)
    std::vector<std::string> carriers;  // the market file's carriers, by index
    std::string vfs;                    // empty: SQLite's default (tests inject faults here)
    // WAL pages after which a commit checkpoints (SQLite's wal_autocheckpoint); 0: never, some
    // other connection does (ledger/writer.hpp's checkpointer).
    uint32_t autocheckpoint_pages = 1000;
    // Posting lists are written every posting_flush_batches commits with effects, or once they
    // hold posting_flush_ids ids, or on commit(true) (schemas/ledger.sql "postings").
    uint32_t posting_flush_batches = limits::posting_flush_batches_default;
    std::size_t posting_flush_ids = limits::posting_flush_ids_default;
};

struct recorder_counters {
    uint64_t events = 0;   // applied (staged and committed)
    uint64_t skipped = 0;  // at or below the position: already applied
    uint64_t transfers = 0;
    uint64_t contracts_opened = 0;
    uint64_t contracts_settled = 0;
    uint64_t contracts_failed = 0;
    uint64_t deposits = 0;
    uint64_t withdrawals = 0;
    uint64_t transactions = 0;  // commits that wrote something
};

// The widest staged row (a contract's), which cux_rows must carry.
inline constexpr int recorder_row_columns_max = 20;

// The SQLite library's version string (for benchmark and diagnostic output).
[[nodiscard]] const char* sqlite_library_version();

class recorder {
public:
    // Opens (creates) the database, applies the schema, checks the carriers against the
    // market's, loads the balances and finds the position. `io` or `schema` on failure.
    [[nodiscard]] static result<std::unique_ptr<recorder>> open(const recorder_options& o);
    ~recorder();
    recorder(const recorder&) = delete;
    recorder& operator=(const recorder&) = delete;

    // Stages one event. Already applied: skipped. A gap or a disagreement with the engine:
    // `diverged`, and the recorder is failed.
    status apply(const engine::event& e);

    // Writes everything staged in one transaction and syncs. With nothing to write it only
    // moves the in-memory position, unless `force` (then ledger_state is brought up to date and
    // the posting lists are written).
    status commit(bool force = false);

    // Last event seq whose effects are committed (every event up to it is accounted for).
    [[nodiscard]] uint64_t committed_seq() const { return committed_seq_; }
    // Last event seq staged (>= committed_seq()).
    [[nodiscard]] uint64_t staged_seq() const { return staged_seq_; }
    // The command of the last staged event: the writer waits until the engine's journal has it
    // on disk before commit(), so the ledger never records a command that may be lost.
    [[nodiscard]] uint64_t staged_cmd_seq() const { return staged_cmd_seq_; }
    [[nodiscard]] std::size_t staged_events() const { return staged_events_; }
    // Rows the staged events will write (transfers, contracts, closes, participants).
    [[nodiscard]] std::size_t staged_rows() const {
        return transfers_.size() / transfer_columns + contracts_.size() / contract_columns +
               closes_.size() / close_columns + participants_.size();
    }
    // True when the staged events have something to write.
    [[nodiscard]] bool has_effects() const { return effects_; }

    [[nodiscard]] bool failed() const { return failure_.code != error_code::none; }
    [[nodiscard]] const ledger_error& failure() const { return failure_; }

    // Balance of an account as the ledger has it, staged events included.
    [[nodiscard]] int64_t balance(account_id a) const;
    // How far ledger_state.last_seq was behind the rows when opened (0 normally).
    [[nodiscard]] uint64_t stale_state_events() const { return stale_state_events_; }
    [[nodiscard]] const recorder_counters& counters() const { return counters_; }
    // The write connection's settings as SQLite reports them back, e.g. "journal_mode=wal
    // synchronous=FULL page_size=4096" (what the benchmark prints and a test checks).
    [[nodiscard]] const std::string& settings() const { return settings_; }
    // Frames in the WAL after the last commit (what a checkpointer has to copy back).
    [[nodiscard]] int wal_frames() const { return wal_frames_; }
    // Why the commit's own checkpoint (autocheckpoint_pages) failed to write or sync the
    // database file; empty while none has. The commit itself is durable (it is in the WAL).
    [[nodiscard]] const std::string& checkpoint_error() const { return checkpoint_error_; }

private:
    // Kinds of posting list (postings.kind).
    static constexpr int64_t posting_transfers = 0;
    static constexpr int64_t posting_bought = 1;
    static constexpr int64_t posting_sold = 2;
    // Staged rows, flat and row-major in the column order of their table.
    static constexpr int transfer_columns = 7;
    static constexpr int contract_columns = recorder_row_columns_max;
    static constexpr int close_columns = 4;
    struct participant_row {
        int64_t id, roles, seq, ts;
        std::string name;
    };
    struct posting {
        int64_t key = 0;  // owner * 4 + kind
        std::vector<int64_t> ids;
        uint64_t first_seq = 0, last_seq = 0;
        int64_t first_ts = 0, last_ts = 0;
    };

    recorder() = default;
    status init(const recorder_options& o);
    status prepare_statements();
    // sqlite3_wal_hook: after each commit, with the WAL's frame count.
    static int on_wal_commit(void* self, sqlite3* db, const char* name, int frames);

    status fail(error_code c, std::string message);
    status diverged(const engine::event& e, const std::string& what);
    bool exists(account_id a) const;
    void stage_transfer(const engine::event& e, uint32_t line, account_id debit, account_id credit,
                        int64_t amount, transfer_kind kind, int64_t ref);
    void post(int64_t owner, int64_t kind, int64_t id, uint64_t seq, int64_t ts);
    void post_transfer(int64_t id, account_id debit, account_id credit, int64_t ts);
    status relist_unposted();

    status on_participant(const engine::event& e);
    status on_trade(const engine::event& e);
    status on_contract_closed(const engine::event& e, bool settled);
    status on_balance(const engine::event& e);

    // Writes the staged rows, and the posting lists when `postings` (then the position they
    // reach is posted_seq, posted_trade).
    status write_batch(bool postings);
    status write_rows(detail::statement& s, const std::vector<int64_t>& rows, int columns,
                      const char* what);
    status step_done(detail::statement& s, const char* what);
    void clear_staging();
    void clear_postings();

    detail::connection db_;
    detail::statement transfers_in_, contracts_in_, closes_in_;
    detail::statement participant_, account_, add_balance_, posting_, state_;
    detail::statement begin_, commit_, rollback_;

    std::vector<std::string> carriers_;
    std::vector<int64_t> balance_;       // by account id: committed + staged
    std::vector<uint8_t> exists_;        // by account id
    std::vector<int64_t> delta_;         // by account id: staged change
    std::vector<uint8_t> touched_flag_;  // by account id: in touched_
    std::vector<account_id> touched_;
    std::vector<int64_t> transfers_;
    std::vector<int64_t> contracts_;
    std::vector<int64_t> closes_;
    std::vector<participant_row> participants_;
    std::vector<uint32_t> posting_slot_;  // by owner * 4 + kind: index + 1 into postings_
    std::vector<posting> postings_;       // [0, postings_used_) listed since the last flush
    std::size_t postings_used_ = 0;
    std::size_t posting_ids_ = 0;  // ids in postings_
    uint32_t batches_since_flush_ = 0;
    uint32_t posting_flush_batches_ = 0;
    std::size_t posting_flush_ids_ = 0;
    uint64_t posted_seq_ = 0;  // ledger_state.posted_seq as written
    int64_t posted_trade_ = 0;
    int64_t last_trade_ = 0;  // the last trade listed (staged or committed)
    std::vector<unsigned char> blob_;

    uint64_t committed_seq_ = 0;
    uint64_t db_seq_ = 0;  // ledger_state.last_seq as written
    uint64_t staged_seq_ = 0;
    uint64_t staged_cmd_seq_ = 0;
    int64_t staged_ts_ = 0;
    std::size_t staged_events_ = 0;
    bool effects_ = false;
    uint64_t stale_state_events_ = 0;
    int wal_frames_ = 0;
    uint32_t autocheckpoint_pages_ = 0;
    std::string checkpoint_error_;
    std::string settings_;
    ledger_error failure_;
    recorder_counters counters_;
};

}  // namespace cux::ledger
