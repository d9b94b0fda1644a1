#pragma once
// Compile-time limits of the ledger. Runtime options (ledger/writer.hpp) are checked against
// these when a writer is built; past a limit the ledger refuses, it never grows without bound.

#include <cstddef>
#include <cstdint>

#include "engine/limits.hpp"

namespace cux::ledger::limits {

// Lines (transfers) one engine event may create: ids are event_seq * 8 + line.
constexpr uint64_t lines_per_event = 8;
// Engine events staged in memory before a batch must commit, and the default.
constexpr std::size_t batch_events_max = std::size_t{1} << 18;
constexpr std::size_t batch_events_default = std::size_t{1} << 14;
// Time a batch may stay open while events keep arriving (group commit by time), default.
constexpr uint32_t batch_ms_default = 50;
// Rows per multi-row INSERT (bound parameters stay far below SQLite's 32766).
constexpr std::size_t rows_per_insert = 16;
// Rows one read call returns at most.
constexpr std::size_t read_rows_max = 10'000;

// Accounts are numbered by formula (ledger/accounts.hpp); the highest participant id the
// engine can hand out bounds the mirror the writer keeps in memory.
constexpr std::size_t participants_max = engine::limits::participants_max;
constexpr std::size_t carriers_max = engine::limits::carriers_max;

static_assert(batch_events_default <= batch_events_max);
static_assert(rows_per_insert * 23 < 32766, "contract rows have 23 columns");

}  // namespace cux::ledger::limits
