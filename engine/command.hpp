#pragma once
// Commands: the engine's only input. Fixed-size, trivially copyable; journaled byte for byte.
// The sequencer stamps `seq` and `ts`; everything else comes from the gateway (or a test).
// Participant 0 is the exchange itself (clock ticks); participant 1 is the first admin.

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "engine/limits.hpp"
#include "engine/types.hpp"

namespace cux::engine {

enum class command_type : uint8_t {
    none = 0,
    place_order = 1,
    cancel_order = 2,
    replace_order = 3,
    deposit = 4,             // admin credits body.money.target from the bank
    withdraw = 5,            // a participant moves available funds out
    register_capacity = 6,   // a vendor adds devices for a range of hours
    create_participant = 7,  // admin creates a participant with roles
    tick = 8,                // the clock: drives listing, auctions, gate closure, expiry
    fail_contract = 9,       // the seller (or admin) reports it cannot deliver: refund the buyer
    place_job = 10,          // a buyer's job order: the engine routes it (body.job, see job_body)
};
const char* command_name(command_type t);

// Where the response goes: opaque to the engine, echoed on every event the command causes.
struct route_token {
    uint32_t session = 0;
    uint32_t reserved = 0;
    uint64_t request = 0;
};

struct place_order_body {
    instrument_id instrument;
    side sd;
    order_type type;
    time_in_force tif;
    stp_mode stp;
    uint8_t post_only;
    uint8_t origin_region;  // buys: where the job's data lives (network cost); 0xff = same
    uint8_t pad[2];
    price_fen price;  // limit price; ignored for market orders
    qty_devices qty;
    int64_t data_gb;  // buys: volume to move from origin_region to the instrument's region
    char client_order_id[limits::client_order_id_bytes];
};
constexpr uint8_t origin_none = 0xff;

struct cancel_order_body {
    order_id id;
};

// Replace: qty is the new open (remaining) quantity. Same price and qty down keeps priority;
// a price change or qty up loses it (and may trade like a new order).
struct replace_order_body {
    order_id id;
    price_fen price;
    qty_devices qty;
};

struct money_body {
    participant_id target;  // deposit: who is credited; withdraw: ignored (the actor)
    uint32_t pad;
    money_fen amount;
};

// Adds `devices` of (chip, region) for every hour in [from_hour, to_hour).
struct capacity_body {
    uint8_t chip;
    uint8_t region;
    uint8_t pad[6];
    qty_devices devices;
    epoch_hour from_hour;
    epoch_hour to_hour;
};

// Fail: the contract's seller (or admin) reports non-delivery before it settles.
struct contract_body {
    contract_id id;
};

// A job order (the scheduler, DESIGN.md sections 2 and 4; issue 5). The buyer describes a job
// and the engine buys it, in this one command, from the chip x region where it is cheapest
// delivered (compute at the asks it sweeps + energy at each hour's tariff + moving data_gb from
// origin_region + fees), within the hard constraints. Field by field (API.md POST /v1/jobs):
//   chips             acceptable chip classes, bit i = market_config::chips[i]; 0 = any chip
//                     that meets min_dense_gflops and min_memory_gb. Bits past the market's
//                     chips: unknown_chip.
//   regions           allowed regions (data residency), bit i = market_config::regions[i];
//                     0 = every region. Bits past the market's regions: unknown_region.
//   start_hour        the first hourly window, hours since the Unix epoch (UTC); the job buys
//                     the hourly instruments start_hour .. start_hour + hours - 1.
//   size              devices per hour (1..limits::qty_per_order_max), or, with job_flag_pflops,
//                     the compute the job needs in milli-PFLOPS (1..limits::job_mpflops_max;
//                     API "pflops": 4.0 -> 4000): a candidate then needs
//                     ceil(size x 1000 / chip dense_gflops) devices. Else invalid_qty.
//   data_gb           data to move from origin_region to where the job runs (0..data_gb_max,
//                     else invalid_data_volume); its network cost is spread over the job's
//                     device-hours and paid to the route's carrier, like a buy's.
//   max_price_fen     the highest delivered price accepted, fen per device-hour, or per
//                     PFLOPS-hour of the job's compute with job_flag_pflops
//                     (1..limits::job_price_fen_max, else invalid_price).
//   min_dense_gflops  per device, dense FP16 GFLOPS (API min_tflops x 1000); 0 = no minimum.
//   max_rtt_us        round trip from origin_region to the candidate's region, microseconds
//                     (API max_rtt_ms x 1000); 0 = no limit.
//   min_memory_gb     per device; 0 = no minimum.
//   min_green_milli   the region's green-power share x 1000 (0..1000, else invalid_constraint).
//   hours             1..limits::job_hours_max (else invalid_window); every hour must be listed
//                     and in continuous trading (else market_closed / not_allowed_in_phase).
//   origin_region     where the job's data lives; required (unknown_region).
//   tif               ioc or fok (else invalid_order). Without job_flag_split both mean: the
//                     whole job on one candidate or nothing. With split, ioc fills what it can
//                     over several candidates in cost order, fok all of it or nothing.
//   flags             job_flag_* (unknown bits: invalid_order).
//   client_order_id   echoed in job_done, as an order's in order_accepted.
// A job fills through ordinary trades (one contract each, network line to the carrier of
// origin_region -> region); it never rests, so it holds nothing after the command. Its events
// (event.hpp; order in exchange.hpp): one job_candidate per accepted chip x region (at most
// limits::job_candidates_max), its trades with their order_done/book_level events, job_done.
// The trades' buy_order is the job's internal order for that hour, never announced and never
// open afterwards: a job's fills are the trade events of its command (cmd_seq) whose buyer is
// the actor. A malformed job gets `rejected` alone; one that cannot be bought (no route, funds,
// pools) still gets its report, with the reason in job_done.
struct job_body {
    uint32_t chips;
    uint32_t regions;
    uint32_t start_hour;
    int32_t size;
    uint32_t data_gb;
    int32_t max_price_fen;
    uint32_t min_dense_gflops;
    uint32_t max_rtt_us;
    uint16_t min_memory_gb;
    uint16_t min_green_milli;
    uint8_t hours;
    uint8_t origin_region;
    time_in_force tif;
    uint8_t flags;
    char client_order_id[limits::client_order_id_bytes];
};
constexpr uint8_t job_flag_split = 1;    // may spread its devices over several candidates
constexpr uint8_t job_flag_dry_run = 2;  // quote only: the route report, no state change
constexpr uint8_t job_flag_pflops = 4;   // size is milli-PFLOPS, max_price_fen per PFLOPS-hour
constexpr uint8_t job_flags_all = job_flag_split | job_flag_dry_run | job_flag_pflops;
static_assert(sizeof(job_body) == 72, "a job fits the command body");

struct create_participant_body {
    uint8_t roles;  // role_bits
    uint8_t pad[3];
    // Linked participants (one beneficial owner) share a group id; 0 = none. The engine only
    // echoes it in participant_created (surveillance reads it there: wash trades between
    // members of one group). Journals written before it existed hold 0 here.
    uint32_t group;
    char name[limits::participant_name_bytes];
};

struct command {
    // All bytes zero, padding and unused union bytes included, so that journaled records and
    // replays are byte-for-byte reproducible.
    command() { std::memset(static_cast<void*>(this), 0, sizeof *this); }

    command_type type;
    uint8_t pad[3];
    participant_id actor;
    uint64_t seq;  // stamped by the sequencer, strictly increasing from 1
    utc_ns ts;     // stamped by the sequencer, non-decreasing
    route_token token;
    union body_t {
        body_t() {}  // the enclosing constructor zeroes every byte
        place_order_body place;
        cancel_order_body cancel;
        replace_order_body replace;
        money_body money;
        capacity_body capacity;
        create_participant_body create;
        contract_body contract;
        job_body job;
    } body;
};

static_assert(std::is_trivially_copyable_v<command>);
static_assert(sizeof(command) == 112, "commands are journaled as fixed 112-byte records");

}  // namespace cux::engine
