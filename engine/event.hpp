#pragma once
// Events: the engine's only output. Fixed-size, trivially copyable. The same command stream
// always yields the same events, byte for byte (event_seq included).

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "engine/command.hpp"
#include "engine/reject.hpp"
#include "engine/settlement.hpp"
#include "engine/types.hpp"

namespace cux::engine {

enum class event_type : uint8_t {
    none = 0,
    rejected = 1,  // the command was refused; nothing changed
    order_accepted = 2,
    trade = 3,
    order_done = 4,  // an order left the book (filled, cancelled, expired, ...)
    order_replaced = 5,
    book_level = 6,  // a price level's total after a change
    auction_result = 7,
    instrument_status = 8,  // listed, phase change, settlement price
    balance_changed = 9,
    capacity_changed = 10,
    participant_created = 11,
    command_done = 12,      // the last event of every command
    contract_settled = 13,  // delivered: the buyer's escrow pays the seller, carrier and exchange
    contract_failed = 14,   // the seller reported non-delivery: the buyer is refunded in full
    job_candidate = 15,     // one line of a job's route report (one per chip x region priced)
    job_done = 16,          // a job's outcome and totals, after its candidates and trades
};
const char* event_name(event_type t);

enum class done_reason : uint8_t {
    filled = 0,
    cancelled = 1,     // by its owner
    unfilled = 2,      // IOC / market remainder, or FOK that could not fill whole
    self_trade = 3,    // self-trade prevention
    expired = 4,       // gate closure
    no_liquidity = 5,  // market order with nothing on the other side
};
const char* done_reason_name(done_reason r);

// Why a job's candidate (chip x region) cannot take the job; `detail` in job_candidate_body
// carries the number behind the reason.
enum class job_exclusion : uint8_t {
    none = 0,                // eligible
    tflops = 1,              // detail: the chip's dense GFLOPS, below min_dense_gflops
    memory = 2,              // detail: the chip's memory GB, below min_memory_gb
    too_many_devices = 3,    // detail: devices the compute needs, above qty_per_order_max
    region_not_allowed = 4,  // detail: 0 (residency)
    latency = 5,             // detail: the route's round trip in microseconds, above max_rtt_us
    green_share = 6,         // detail: the region's green share x 1000, below min_green_milli
    not_trading = 7,         // detail: the hour (0-based within the job) whose book is not open
    no_liquidity = 8,        // detail: the first hour (0-based) whose asks cannot fill it
    over_max_price = 9,      // detail: the delivered price (per device- or PFLOPS-hour, rounded
                             // half up) above max_price_fen
};
const char* job_exclusion_name(job_exclusion x);

enum class job_status : uint8_t {
    filled = 0,    // the whole job traded (dry run: would trade)
    partial = 1,   // ioc + split: part of it traded
    unfilled = 2,  // nothing traded; job_done_body::reason says why
};
const char* job_status_name(job_status s);

struct rejected_body {
    command_type command;
    uint8_t pad;
    reject_reason reason;
    uint32_t pad2;
    order_id order;  // for cancel/replace: the order named
};

struct order_accepted_body {
    order_id id;
    instrument_id instrument;
    side sd;
    order_type type;
    time_in_force tif;
    uint8_t post_only;
    price_fen price;  // limit, or the collar price of a market order
    qty_devices qty;
    money_fen hold;  // funds held for a buy (worst-case delivered cost)
    char client_order_id[limits::client_order_id_bytes];
};

struct trade_body {
    trade_id id;
    instrument_id instrument;
    side aggressor;  // buy or sell; in an auction, the side is `buy` and auction = 1
    uint8_t auction;
    uint8_t origin_region;  // where the buyer's data comes from (the order's, or the region)
    uint8_t carrier;        // index into market_config::carriers: who is paid `network`
    contract_id contract;   // the contract this trade created
    order_id buy_order;
    order_id sell_order;
    participant_id buyer;
    participant_id seller;
    price_fen price;
    qty_devices qty;
    money_fen compute;     // price x qty x hours, payable to the seller
    money_fen energy;      // payable to the seller
    money_fen network;     // payable to the carrier
    money_fen buyer_fee;   // payable to the exchange by the buyer
    money_fen seller_fee;  // deducted from the seller's proceeds
};

struct order_done_body {
    order_id id;
    instrument_id instrument;
    done_reason reason;
    side sd;
    uint8_t pad[2];
    qty_devices filled;     // total filled over the order's life
    qty_devices remaining;  // what was left open when it ended
};

struct order_replaced_body {
    order_id id;
    instrument_id instrument;
    uint8_t kept_priority;
    uint8_t pad[3];
    price_fen price;
    qty_devices qty;  // new open quantity
    money_fen hold;
};

struct book_level_body {
    instrument_id instrument;
    side sd;
    uint8_t pad[3];
    price_fen price;
    qty_devices qty;  // total open quantity at this price (0: level gone)
    int64_t orders;
};

enum class auction_kind : uint8_t { opening = 0, closing = 1 };

struct auction_result_body {
    instrument_id instrument;
    auction_kind kind;
    uint8_t pad[3];
    price_fen price;  // 0 when nothing crossed
    qty_devices volume;
    qty_devices imbalance;  // buy minus sell at the price
};

struct instrument_status_body {
    instrument_id instrument;
    instrument_status status;
    settlement_method settlement_by;  // from closed on: how `settlement` was set
    uint8_t pad[2];
    price_fen reference;
    price_fen band_low;
    price_fen band_high;
    price_fen settlement;  // set on closed by engine/settlement.hpp's rule (0: none)
};

struct balance_changed_body {
    participant_id participant;
    uint32_t pad;
    money_fen available;
    money_fen held;    // by open buy orders
    money_fen escrow;  // bought and not yet settled
    money_fen delta_available;
};

struct capacity_changed_body {
    participant_id participant;
    uint8_t chip;
    uint8_t region;
    uint8_t pad[2];
    epoch_hour from_hour;
    epoch_hour to_hour;
    qty_devices registered_delta;
};

// A contract's terms, as created by its trade; on settle or fail. The buyer paid (into escrow)
// compute + energy + network + buyer_fee. On settle the seller receives compute + energy -
// seller_fee, the carrier network, the exchange buyer_fee + seller_fee. On fail the buyer gets
// it all back and the seller's capacity for the window is released.
struct contract_body_ev {
    contract_id id;
    trade_id trade;
    instrument_id instrument;
    participant_id buyer;
    participant_id seller;
    uint8_t origin_region;
    uint8_t carrier;
    uint8_t pad[2];
    price_fen price;
    qty_devices qty;
    money_fen compute;
    money_fen energy;
    money_fen network;
    money_fen buyer_fee;
    money_fen seller_fee;
};

struct participant_created_body {
    participant_id participant;
    uint8_t roles;
    uint8_t pad[3];
    char name[limits::participant_name_bytes];
    uint32_t group;  // as created (create_participant_body::group); 0 = none
};

// One candidate of a job: a chip class in a region, priced for `devices` devices over every
// hour of the job. The money fields are the exact delivered cost of those device-hours, in fen,
// summed over the hours: compute = the asks the job would sweep (price x qty per resting order,
// in priority order, stopping at the buyer's own first ask), energy = each hour's tariff in the
// region (an hourly instrument's energy rounding), network = the data's transfer cost from the
// origin (the part of it these devices carry: all of it when they cover the whole job), fees =
// the taker fee per fill (rounded down per fill, like a trade's). Zero when the candidate was
// excluded before pricing (tflops .. not_trading, no_liquidity without split).
// Without split `devices` is all the job needs (`need`); with split it may be fewer: what every
// hour can give. Eligible candidates are ranked by delivered cost per unit of the job (device-
// hour, or PFLOPS-hour with job_flag_pflops), ties by chip then region index; `rank` is 1 for
// the cheapest, 0 when excluded. `taken` devices of it were bought (dry run: would be) at
// `taken_cost` delivered; with split the last candidate used may give fewer than `devices`.
struct job_candidate_body {
    uint64_t job;  // the job's command seq (also job_done's `job`)
    uint8_t chip;
    uint8_t region;
    job_exclusion exclusion;
    uint8_t pad;
    uint16_t rank;
    uint16_t pad2;
    int64_t detail;
    qty_devices need;
    qty_devices devices;
    money_fen compute;
    money_fen energy;
    money_fen network;
    money_fen fees;
    int64_t unit_price_fen;  // (compute + energy + network + fees) per device- or PFLOPS-hour
    qty_devices taken;
    money_fen taken_cost;
};

// A job's outcome, after its job_candidate events (eligible ones in rank order, then the
// excluded in chip-major order) and its trades. The totals are what the buyer paid into escrow
// (dry run: would pay), summed over the trades; `covered` is the part of `size` bought, in the
// job's unit (devices, or milli-PFLOPS rounded down with job_flag_pflops). reason is none when
// something traded (or would), else no_route (no candidate can fill it within the constraints
// and limit; fok + split: not all of it) or insufficient_funds (the buyer's available funds do
// not cover the whole fill).
struct job_done_body {
    uint64_t job;
    job_status status;
    time_in_force tif;
    uint8_t flags;  // job_flag_* as submitted
    uint8_t pad;
    reject_reason reason;
    uint16_t eligible;    // candidates ranked
    qty_devices devices;  // devices bought, summed over candidates
    int64_t size;         // as submitted
    int64_t covered;
    money_fen compute;
    money_fen energy;
    money_fen network;
    money_fen fees;
    char client_order_id[limits::client_order_id_bytes];
};

struct event {
    // All bytes zero (see command): events compare byte for byte across replays.
    event() { std::memset(static_cast<void*>(this), 0, sizeof *this); }

    uint64_t event_seq;  // strictly increasing from 1 over the engine's life
    uint64_t cmd_seq;    // the command that caused it
    utc_ns ts;           // the command's stamp
    route_token token;
    participant_id participant;  // whose private event this is; 0 for public events
    event_type type;
    command_type command;
    uint16_t pad;
    union body_t {
        body_t() {}  // the enclosing constructor zeroes every byte
        rejected_body rejected;
        order_accepted_body accepted;
        trade_body trade;
        order_done_body done;
        order_replaced_body replaced;
        book_level_body level;
        auction_result_body auction;
        instrument_status_body status;
        balance_changed_body balance;
        capacity_changed_body capacity;
        participant_created_body created;
        contract_body_ev contract;
        job_candidate_body candidate;
        job_done_body job;
    } body;
};

static_assert(std::is_trivially_copyable_v<event>);
static_assert(sizeof(event) <= 192);
static_assert(sizeof(job_candidate_body) <= sizeof(trade_body) &&
                  sizeof(job_done_body) <= sizeof(trade_body),
              "job events do not grow the event");

// Where the engine writes events. Implementations: a vector (tests), the SPMC ring (serve).
class event_sink {
public:
    virtual void on_event(const event& e) = 0;

protected:
    ~event_sink() = default;
};

}  // namespace cux::engine
