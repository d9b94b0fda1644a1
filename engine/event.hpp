#pragma once
// Events: the engine's only output. Fixed-size, trivially copyable. The same command stream
// always yields the same events, byte for byte (event_seq included).

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "engine/command.hpp"
#include "engine/reject.hpp"
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
    uint8_t pad[3];
    price_fen reference;
    price_fen band_low;
    price_fen band_high;
    price_fen settlement;  // set on closed: closing auction price, else last trade, else 0
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
    } body;
};

static_assert(std::is_trivially_copyable_v<event>);
static_assert(sizeof(event) <= 192);

// Where the engine writes events. Implementations: a vector (tests), the SPMC ring (serve).
class event_sink {
public:
    virtual void on_event(const event& e) = 0;

protected:
    ~event_sink() = default;
};

}  // namespace cux::engine
