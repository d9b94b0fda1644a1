// Stable names of the engine's enumerations: API error codes for reject reasons and the
// lowercase snake_case names used in logs, JSON and the audit trail. Each switch lists every
// enumerator without a default, so -Wswitch (an error here) flags a new one left unnamed; the
// fallback after the switch only serves values that are not enumerators at all.

#include "engine/command.hpp"
#include "engine/event.hpp"
#include "engine/reject.hpp"
#include "engine/settlement.hpp"
#include "engine/types.hpp"

namespace cux::engine {

const char* reject_code(reject_reason r) {
    switch (r) {
        case reject_reason::none:
            return "OK";
        case reject_reason::unknown_instrument:
            return "UNKNOWN_INSTRUMENT";
        case reject_reason::market_closed:
            return "MARKET_CLOSED";
        case reject_reason::invalid_price:
            return "INVALID_PRICE";
        case reject_reason::price_out_of_band:
            return "PRICE_OUT_OF_BAND";
        case reject_reason::invalid_qty:
            return "INVALID_QTY";
        case reject_reason::invalid_order:
            return "BAD_REQUEST";
        case reject_reason::unknown_participant:
            return "UNAUTHORIZED";
        case reject_reason::forbidden:
            return "FORBIDDEN";
        case reject_reason::unknown_order:
            return "NOT_FOUND";
        case reject_reason::not_allowed_in_phase:
            return "NOT_ALLOWED_IN_PHASE";
        case reject_reason::unknown_region:
            return "UNKNOWN_REGION";
        case reject_reason::invalid_amount:
            return "INVALID_AMOUNT";
        case reject_reason::invalid_capacity:
            return "INVALID_CAPACITY";
        case reject_reason::unknown_chip:
            return "UNKNOWN_CHIP";
        case reject_reason::invalid_data_volume:
            return "INVALID_DATA_VOLUME";
        case reject_reason::duplicate_participant:
            return "DUPLICATE_PARTICIPANT";
        case reject_reason::unknown_contract:
            return "NOT_FOUND";
        case reject_reason::contract_not_open:
            return "CONTRACT_NOT_OPEN";
        case reject_reason::invalid_window:
            return "INVALID_WINDOW";
        case reject_reason::invalid_constraint:
            return "INVALID_CONSTRAINT";
        case reject_reason::insufficient_funds:
            return "INSUFFICIENT_FUNDS";
        case reject_reason::insufficient_capacity:
            return "INSUFFICIENT_CAPACITY";
        case reject_reason::open_order_limit:
            return "OPEN_ORDER_LIMIT";
        case reject_reason::capacity_table_full:
            return "CAPACITY_TABLE_FULL";
        case reject_reason::participant_table_full:
            return "PARTICIPANT_TABLE_FULL";
        case reject_reason::contract_table_full:
            return "CONTRACT_TABLE_FULL";
        case reject_reason::post_only_would_cross:
            return "POST_ONLY_WOULD_CROSS";
        case reject_reason::no_liquidity:
            return "NO_LIQUIDITY";
        case reject_reason::order_pool_full:
            return "ORDER_POOL_FULL";
        case reject_reason::book_order_limit:
            return "BOOK_ORDER_LIMIT";
        case reject_reason::no_route:
            return "NO_ROUTE";
    }
    return "INTERNAL_ERROR";
}

const char* status_name(instrument_status s) {
    switch (s) {
        case instrument_status::pre_open:
            return "pre_open";
        case instrument_status::open:
            return "open";
        case instrument_status::closing:
            return "closing";
        case instrument_status::closed:
            return "closed";
        case instrument_status::delivering:
            return "delivering";
        case instrument_status::settled:
            return "settled";
    }
    return "unknown";
}

const char* settlement_method_name(settlement_method m) {
    switch (m) {
        case settlement_method::none:
            return "none";
        case settlement_method::closing_auction:
            return "closing_auction";
        case settlement_method::vwap_15m:
            return "vwap_15m";
        case settlement_method::last_trade:
            return "last_trade";
    }
    return "unknown";
}

const char* command_name(command_type t) {
    switch (t) {
        case command_type::none:
            return "none";
        case command_type::place_order:
            return "place_order";
        case command_type::cancel_order:
            return "cancel_order";
        case command_type::replace_order:
            return "replace_order";
        case command_type::deposit:
            return "deposit";
        case command_type::withdraw:
            return "withdraw";
        case command_type::register_capacity:
            return "register_capacity";
        case command_type::create_participant:
            return "create_participant";
        case command_type::tick:
            return "tick";
        case command_type::fail_contract:
            return "fail_contract";
        case command_type::place_job:
            return "place_job";
    }
    return "unknown";
}

const char* event_name(event_type t) {
    switch (t) {
        case event_type::none:
            return "none";
        case event_type::rejected:
            return "rejected";
        case event_type::order_accepted:
            return "order_accepted";
        case event_type::trade:
            return "trade";
        case event_type::order_done:
            return "order_done";
        case event_type::order_replaced:
            return "order_replaced";
        case event_type::book_level:
            return "book_level";
        case event_type::auction_result:
            return "auction_result";
        case event_type::instrument_status:
            return "instrument_status";
        case event_type::balance_changed:
            return "balance_changed";
        case event_type::capacity_changed:
            return "capacity_changed";
        case event_type::participant_created:
            return "participant_created";
        case event_type::command_done:
            return "command_done";
        case event_type::contract_settled:
            return "contract_settled";
        case event_type::contract_failed:
            return "contract_failed";
        case event_type::job_candidate:
            return "job_candidate";
        case event_type::job_done:
            return "job_done";
    }
    return "unknown";
}

const char* job_exclusion_name(job_exclusion x) {
    switch (x) {
        case job_exclusion::none:
            return "eligible";
        case job_exclusion::tflops:
            return "tflops";
        case job_exclusion::memory:
            return "memory";
        case job_exclusion::too_many_devices:
            return "too_many_devices";
        case job_exclusion::region_not_allowed:
            return "region_not_allowed";
        case job_exclusion::latency:
            return "latency";
        case job_exclusion::green_share:
            return "green_share";
        case job_exclusion::not_trading:
            return "not_trading";
        case job_exclusion::no_liquidity:
            return "no_liquidity";
        case job_exclusion::over_max_price:
            return "over_max_price";
    }
    return "unknown";
}

const char* job_status_name(job_status s) {
    switch (s) {
        case job_status::filled:
            return "filled";
        case job_status::partial:
            return "partial";
        case job_status::unfilled:
            return "unfilled";
    }
    return "unknown";
}

const char* done_reason_name(done_reason r) {
    switch (r) {
        case done_reason::filled:
            return "filled";
        case done_reason::cancelled:
            return "cancelled";
        case done_reason::unfilled:
            return "unfilled";
        case done_reason::self_trade:
            return "self_trade";
        case done_reason::expired:
            return "expired";
        case done_reason::no_liquidity:
            return "no_liquidity";
    }
    return "unknown";
}

}  // namespace cux::engine
