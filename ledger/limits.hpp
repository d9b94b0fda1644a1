#pragma once
// Compile-time limits of the ledger. Runtime options (ledger/writer.hpp) are checked against
// these when a writer is built; past a limit the ledger refuses, it never grows without bound.

#include <cstddef>
#include <cstdint>

#include "engine/limits.hpp"

namespace cux::ledger::limits {

// Line ids one engine event may take: ids are event_seq * 8 + line (a settlement takes 5).
constexpr uint64_t lines_per_event = 8;
// Engine events staged in memory before a batch must commit, and the default.
constexpr std::size_t batch_events_max = std::size_t{1} << 18;
constexpr std::size_t batch_events_default = std::size_t{1} << 14;
// Time a batch may stay open while events keep arriving (group commit by time), default.
constexpr uint32_t batch_ms_default = 50;
// WAL pages (frames) after which the writer asks its checkpointer to copy the WAL back, after
// which the writer checkpoints itself so that the WAL restarts (defaults, ledger/writer.hpp),
// and past which the writer stops: checkpoints are failing or a reader holds a snapshot that
// old, and the WAL must not grow without bound (1 GiB at 4 KiB pages).
constexpr uint32_t checkpoint_pages_default = 1024;
constexpr uint32_t wal_restart_pages_default = 16384;
constexpr uint32_t wal_pages_max = uint32_t{1} << 18;
// The writer flushes its posting lists (schemas/ledger.sql "postings") every this many batches
// with effects, or sooner once they hold this many ids; readers scan what is newer, so these
// bound a read's extra work as well as the writer's memory.
constexpr uint32_t posting_flush_batches_default = 8;
constexpr std::size_t posting_flush_ids_default = std::size_t{1} << 17;
// Rows one read call returns at most.
constexpr std::size_t read_rows_max = 10'000;

// Accounts are numbered by formula (ledger/accounts.hpp); the highest participant id the
// engine can hand out bounds the mirror the writer keeps in memory.
constexpr std::size_t participants_max = engine::limits::participants_max;
constexpr std::size_t carriers_max = engine::limits::carriers_max;

static_assert(batch_events_default <= batch_events_max);
static_assert(checkpoint_pages_default < wal_restart_pages_default);
static_assert(wal_restart_pages_default < wal_pages_max);

}  // namespace cux::ledger::limits
