#pragma once
// The official settlement price of an instrument (DESIGN.md §4, §7): ONE rule, applied by the
// engine at gate closure and carried on the `closed` instrument_status event (settlement and
// settlement_by); market data publishes it as it is, and it becomes the next listing's reference.
//
//   1. closing_auction: the closing auction crossed volume -> its uniform price;
//   2. vwap_15m: else the volume-weighted average price of the trades whose stamp lies in the
//      last settlement_vwap_ns before gate closure (continuous trading up to the closing call,
//      and an opening auction that happened that late), rounded half up to the tick;
//   3. last_trade: else the price of the last trade of the instrument's life;
//   4. none: else 0 (the instrument never traded).
// Why VWAP before last trade: one small trade just before the call should not set the price
// that a whole day of contracts and the next listing's band are measured against.
//
// Pure, deterministic, integer only. Sums that would overflow 64 bits mark the window as
// overflowed and the rule falls through to the last trade (never reached with the engine's
// limits in practice, but never undefined either).

#include <cstdint>

#include "engine/types.hpp"

namespace cux::engine {

enum class settlement_method : uint8_t {
    none = 0,
    closing_auction = 1,
    vwap_15m = 2,
    last_trade = 3,
};
[[nodiscard]] const char* settlement_method_name(settlement_method m);

inline constexpr int64_t settlement_vwap_ns = int64_t{15} * 60 * 1'000'000'000;

// Trades of one instrument in the VWAP window before gate closure.
struct settlement_window {
    int64_t notional = 0;  // sum of price_fen x qty
    int64_t qty = 0;       // sum of qty
    bool overflow = false;

    void add(price_fen price, qty_devices q) {
        int64_t pq = 0;
        if (overflow || !mul_ok(price.value(), q.value(), pq) || !add_ok(notional, pq, notional) ||
            !add_ok(qty, q.value(), qty)) {
            overflow = true;
        }
    }
};

struct settlement_outcome {
    price_fen price{0};
    settlement_method method = settlement_method::none;
};

// tick > 0. auction_volume 0 when the closing auction did not cross.
[[nodiscard]] inline settlement_outcome settlement_rule(price_fen auction_price,
                                                        qty_devices auction_volume,
                                                        const settlement_window& late,
                                                        price_fen last_trade, price_fen tick) {
    if (auction_volume.value() > 0) return {auction_price, settlement_method::closing_auction};
    int64_t step = 0;
    if (!late.overflow && late.qty > 0 && mul_ok(late.qty, tick.value(), step)) {
        // Half up to the nearest tick: (notional + step/2) / step ticks.
        int64_t num = 0;
        if (add_ok(late.notional, step / 2, num)) {
            return {price_fen(num / step * tick.value()), settlement_method::vwap_15m};
        }
    }
    if (last_trade.value() > 0) return {last_trade, settlement_method::last_trade};
    return {};
}

}  // namespace cux::engine
