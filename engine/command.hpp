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

struct create_participant_body {
    uint8_t roles;  // role_bits
    uint8_t pad[7];
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
    } body;
};

static_assert(std::is_trivially_copyable_v<command>);
static_assert(sizeof(command) == 112, "commands are journaled as fixed 112-byte records");

}  // namespace cux::engine
