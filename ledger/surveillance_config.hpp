#pragma once
// Thresholds and bounds of market surveillance (ledger/surveillance.hpp). The README's
// "Surveillance" section explains each; changing one changes which alerts a replay derives,
// so they are compile-time constants, not run-time options.

#include <cstddef>
#include <cstdint>

#include "engine/types.hpp"

namespace cux::ledger::surveillance_config {

// ---- wash trades: a trade whose buyer and seller are one participant (self-trade prevention
// does not apply in call auctions) or two participants of one group (create_participant's
// `group`). Every such trade of at least this many devices raises an alert.
constexpr int64_t wash_qty_min = 1;

// ---- layering / spoofing: a participant places large orders on one side of a book, cancels
// them soon after placing them, and trades on the other side of that book.
// "Large": at least this many devices open when it was cancelled.
constexpr int64_t layering_order_qty_min = 10;
// "Soon": cancelled by its owner within this long of its acceptance.
constexpr engine::utc_ns layering_cancel_within_ns = 10 * engine::ns_per_s;
// "Repeatedly": at least this many such cancels on one side within the window before a trade
// of the same participant on the other side of the same book.
constexpr std::size_t layering_cancels_min = 3;
constexpr engine::utc_ns layering_window_ns = 60 * engine::ns_per_s;

// ---- capacity hoarding: a buyer holds (bought, net of failed contracts) at least this share
// of a window's supply (devices registered by all vendors for that chip, region and hour),
// in basis points, and the supply is at least supply_min devices. One alert per buyer and
// window hour.
constexpr int64_t hoarding_share_bp_min = 5000;
constexpr int64_t hoarding_supply_min = 10;

// ---- bounds: evidence kept per alert (each list), large orders tracked at once (new ones past
// it are not tracked until some end), quick cancels remembered per participant and book,
// books x participants with quick cancels, window-hours with supply or holdings tracked (past
// hours are dropped as the clock moves; new entries past the bound are not tracked).
constexpr std::size_t evidence_max = 16;
constexpr std::size_t tracked_orders_max = std::size_t{1} << 16;
constexpr std::size_t quick_cancels_per_book_max = 64;
constexpr std::size_t layering_books_max = std::size_t{1} << 14;
constexpr std::size_t window_hours_max = std::size_t{1} << 18;

static_assert(layering_cancels_min >= 1 && layering_cancels_min <= evidence_max - 1);
static_assert(layering_cancels_min <= quick_cancels_per_book_max);
static_assert(hoarding_share_bp_min > 0 && hoarding_share_bp_min <= 10000);

}  // namespace cux::ledger::surveillance_config
