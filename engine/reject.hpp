#pragma once
// Stable reject reasons. Numbers never change once released: 1xx validation, 2xx risk,
// 3xx matching. Each maps 1:1 to an API error code (reject_code()).

#include <cstdint>

namespace cux::engine {

enum class reject_reason : uint16_t {
    none = 0,
    // 1xx validation
    unknown_instrument = 101,
    market_closed = 102,
    invalid_price = 103,      // not positive or not a multiple of the tick
    price_out_of_band = 104,  // outside the instrument's band around its reference price
    invalid_qty = 105,        // not positive or above the per-order maximum
    invalid_order = 106,      // bad side/type/tif/stp combination or enum value
    unknown_participant = 107,
    forbidden = 108,             // the participant's roles do not allow this command
    unknown_order = 109,         // no such open order of this participant
    not_allowed_in_phase = 110,  // e.g. IOC/FOK/market during a call phase
    unknown_region = 111,
    invalid_amount = 112,
    invalid_capacity = 113,  // bad chip/region/hour range or beyond the capacity horizon
    unknown_chip = 114,
    invalid_data_volume = 115,
    duplicate_participant = 116,
    unknown_contract = 117,    // no such contract, or not the actor's to fail
    contract_not_open = 118,   // already settled or failed
    invalid_window = 119,      // a job's hours are 0 or above limits::job_hours_max
    invalid_constraint = 120,  // a job's constraint is out of range (green share above 1)
    // 2xx risk
    insufficient_funds = 201,
    insufficient_capacity = 202,
    open_order_limit = 203,  // participant's open-order limit reached
    // 204 is retired: price x qty x hours cannot overflow within the engine's limits.
    capacity_table_full = 205,
    participant_table_full = 206,
    contract_table_full = 207,  // every open order must be able to become a contract
    // 3xx matching
    post_only_would_cross = 301,
    no_liquidity = 302,  // market order with nothing to trade against
    order_pool_full = 303,
    book_order_limit = 304,  // open orders per book limit reached
    no_route = 305,          // no candidate can fill the job within its constraints and limit
};

// The API error code for a reason, e.g. "INSUFFICIENT_FUNDS". Never null.
const char* reject_code(reject_reason r);

}  // namespace cux::engine
