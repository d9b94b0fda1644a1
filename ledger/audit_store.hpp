#pragma once
// The audit store (DIR/audit.db): the regulator's audit trail and the surveillance alerts, a
// SQLite file of its own beside the ledger, derived from the journal and the engine's events
// and rebuildable from them (delete it and start: the replay fills it again).
//
//   audit        one row per command and per event, in seq order: a command's row (its full
//                body, read from the journal), then its events (event_seq order). `row` is a
//                gapless ordinal from 1; `event_seq` NULL marks a command row; `body` holds the
//                engine::command (112 bytes) or engine::event exactly as the engine had it.
//   alerts       the surveillance alerts (ledger/surveillance.hpp), `body` an alert struct.
//   audit_state  one row: the last event and command recorded, rows and alerts so far — in the
//                same transaction as the rows, so the writer resumes exactly once.
//
// Durability: WAL with synchronous=NORMAL. A committed batch survives a crash of the process at
// once and a power cut from the next WAL sync (a checkpoint) on; whatever a power cut takes is
// re-derived from the journal at the next start, since audit_state moves with the rows. Nothing
// is recorded before the journal has it on disk (the writer waits for its durable seq).
// A file of another schema version is refused (nothing migrates it; delete it to rebuild).

#include <cstdint>

#include "engine/command.hpp"
#include "engine/event.hpp"
#include "engine/reject.hpp"
#include "ledger/surveillance.hpp"

namespace cux::ledger {

inline constexpr int64_t audit_schema_version = 1;

// The schema, run on every open (IF NOT EXISTS).
inline constexpr const char* audit_schema_sql = R"sql(
CREATE TABLE IF NOT EXISTS audit_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_event_seq INTEGER NOT NULL,
    last_cmd_seq INTEGER NOT NULL,
    rows INTEGER NOT NULL,
    alerts INTEGER NOT NULL
);
INSERT OR IGNORE INTO audit_state VALUES (1, 0, 0, 0, 0);
CREATE TABLE IF NOT EXISTS audit (
    row INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL,
    event_seq INTEGER,
    ts INTEGER NOT NULL,
    type INTEGER NOT NULL,
    participant INTEGER NOT NULL,
    reason INTEGER NOT NULL,
    body BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_seq ON audit (seq, row);
CREATE INDEX IF NOT EXISTS audit_by_ts ON audit (ts, row);
CREATE TABLE IF NOT EXISTS alerts (
    seq INTEGER PRIMARY KEY,
    kind INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    cmd_seq INTEGER NOT NULL,
    event_seq INTEGER NOT NULL,
    body BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_by_kind ON alerts (kind, seq);
)sql";

// One row of the trail as read back.
struct audit_entry {
    uint64_t row = 0;
    uint64_t seq = 0;        // the command's
    uint64_t event_seq = 0;  // 0: the command row
    engine::utc_ns ts = 0;
    uint32_t participant = 0;  // a command's actor, an event's owner (0: public)
    engine::reject_reason reason = engine::reject_reason::none;
    engine::command cmd;  // the command row's body
    engine::event ev;     // an event row's body
    [[nodiscard]] bool is_command() const { return event_seq == 0; }
};

struct audit_position {
    uint64_t last_event_seq = 0;
    uint64_t last_cmd_seq = 0;
    uint64_t rows = 0;
    uint64_t alerts = 0;
};

}  // namespace cux::ledger
