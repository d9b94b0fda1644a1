#pragma once
// Test harness for the exchange: a small hand-written market, a sequencer that stamps commands,
// and an event log. Every number in the market is chosen so tests can compute costs by hand.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "engine/exchange.hpp"
#include "engine/symbol.hpp"

namespace cux::engine::test {

// 2026-12-01T00:00:00Z.
constexpr utc_ns t0 = int64_t{1796083200} * ns_per_s;
constexpr epoch_hour h0 = 1796083200 / 3600;

// Two chips (h100: 1200 fen typical, 700 W; x86: 12 fen, 5 W), two regions (yrd east, PUE 1.30,
// flat 0.692 CNY/kWh; nx west, PUE 1.15, flat 0.393 CNY/kWh), one carrier, network yrd<->nx
// 0.048 CNY/GB. Fees maker 2 bps, taker 5 bps. Calendar: 2 hourly slots and 1 daily window.
inline market_config small_market() {
    market_config m;
    chip_spec h100;
    h100.id = "h100";
    h100.name_en = "NVIDIA H100";
    h100.name_zh = "英伟达 H100";
    h100.kind = chip_kind::gpu;
    h100.dense_gflops = 989000;
    h100.memory_gb = 80;
    h100.power_w = 700;
    h100.typical_price = price_fen(1200);
    h100.tick = price_fen(1);
    chip_spec x86;
    x86.id = "x86";
    x86.name_en = "x86 vCPU";
    x86.name_zh = "x86 虚拟CPU";
    x86.kind = chip_kind::cpu;
    x86.dense_gflops = 40;
    x86.memory_gb = 4;
    x86.power_w = 5;
    x86.typical_price = price_fen(12);
    x86.tick = price_fen(1);
    m.chips = {h100, x86};
    region_spec yrd;
    yrd.id = "yrd";
    yrd.name_en = "Yangtze River Delta";
    yrd.name_zh = "长三角枢纽";
    yrd.west = false;
    yrd.pue_milli = 1300;
    yrd.tariff_mcny_kwh.fill(692);
    yrd.carbon_g_kwh = 594;
    yrd.green_share_milli = 290;
    region_spec nx;
    nx.id = "nx";
    nx.name_en = "Ningxia";
    nx.name_zh = "宁夏枢纽";
    nx.west = true;
    nx.pue_milli = 1150;
    nx.tariff_mcny_kwh.fill(393);
    nx.carbon_g_kwh = 642;
    nx.green_share_milli = 230;
    m.regions = {yrd, nx};
    m.carriers = {"backbone"};
    m.links.resize(4);
    m.links[0] = link_spec{1000, 0, 0};
    m.links[1] = link_spec{38600, 48, 0};
    m.links[2] = link_spec{38600, 48, 0};
    m.links[3] = link_spec{1000, 0, 0};
    m.maker_fee_bps = 2;
    m.taker_fee_bps = 5;
    m.band_bps = 5000;
    m.market_collar_bps = 1000;
    m.calendar.hourly_slots = 2;
    m.calendar.daily_windows = 1;
    return m;
}

inline exchange_config small_config() {
    exchange_config c;
    c.orders_max = 4096;
    c.instruments_max = 256;
    c.participants_max = 64;
    c.capacity_rows_max = 64;
    c.open_orders_per_participant_max = 1000;
    c.check_every_command = true;
    return c;
}

struct event_log final : event_sink {
    std::vector<event> events;
    void on_event(const event& e) override { events.push_back(e); }
};

// Drives an exchange like the sequencer would: stamps seq and time, keeps every event.
class harness {
public:
    explicit harness(const market_config& m = small_market(),
                     const exchange_config& c = small_config())
        : ex(m, c) {}

    exchange ex;
    event_log log;
    std::vector<command> journal;  // every command applied, as stamped
    utc_ns now = t0;
    std::size_t mark = 0;  // first event of the last command

    // Applies a command at the current time; returns its events.
    std::vector<event> run(command c) {
        c.seq = ex.last_seq() + 1;
        c.ts = now;
        journal.push_back(c);
        mark = log.events.size();
        ex.apply(c, log);
        EXPECT_EQ(ex.check_invariants(), "") << "after command " << c.seq;
        return {log.events.begin() + static_cast<std::ptrdiff_t>(mark), log.events.end()};
    }

    std::vector<event> tick_at(utc_ns t) {
        now = t;
        command c;
        c.type = command_type::tick;
        return run(c);
    }

    participant_id add(const char* name, uint8_t roles) {
        command c;
        c.type = command_type::create_participant;
        c.actor = participant_id(0);
        c.body.create.roles = roles;
        std::memcpy(c.body.create.name, name,
                    std::min(std::strlen(name), sizeof c.body.create.name - 1));
        for (const event& e : run(c)) {
            if (e.type == event_type::participant_created) return e.body.created.participant;
        }
        return participant_id(0);
    }

    std::vector<event> deposit(participant_id p, int64_t fen) {
        command c;
        c.type = command_type::deposit;
        c.actor = participant_id(0);
        c.body.money.target = p;
        c.body.money.amount = money_fen(fen);
        return run(c);
    }

    std::vector<event> capacity(participant_id p, uint8_t chip, uint8_t region, int64_t devices,
                                epoch_hour from, epoch_hour to) {
        command c;
        c.type = command_type::register_capacity;
        c.actor = p;
        c.body.capacity.chip = chip;
        c.body.capacity.region = region;
        c.body.capacity.devices = qty_devices(devices);
        c.body.capacity.from_hour = from;
        c.body.capacity.to_hour = to;
        return run(c);
    }

    static command order_cmd(participant_id p, instrument_id inst, side sd, int64_t price,
                             int64_t qty, time_in_force tif = time_in_force::gtc) {
        command c;
        c.type = command_type::place_order;
        c.actor = p;
        c.body.place.instrument = inst;
        c.body.place.sd = sd;
        c.body.place.type = order_type::limit;
        c.body.place.tif = tif;
        c.body.place.stp = stp_mode::cancel_newest;
        c.body.place.post_only = 0;
        c.body.place.origin_region = origin_none;
        c.body.place.price = price_fen(price);
        c.body.place.qty = qty_devices(qty);
        c.body.place.data_gb = 0;
        return c;
    }

    std::vector<event> place(participant_id p, instrument_id inst, side sd, int64_t price,
                             int64_t qty, time_in_force tif = time_in_force::gtc) {
        return run(order_cmd(p, inst, sd, price, qty, tif));
    }

    std::vector<event> cancel(participant_id p, order_id id) {
        command c;
        c.type = command_type::cancel_order;
        c.actor = p;
        c.body.cancel.id = id;
        return run(c);
    }

    std::vector<event> replace(participant_id p, order_id id, int64_t price, int64_t qty) {
        command c;
        c.type = command_type::replace_order;
        c.actor = p;
        c.body.replace.id = id;
        c.body.replace.price = price_fen(price);
        c.body.replace.qty = qty_devices(qty);
        return run(c);
    }
};

// A contract's seller (or admin, participant 0) reports non-delivery.
inline command fail_cmd(participant_id actor, contract_id id) {
    command c;
    c.type = command_type::fail_contract;
    c.actor = actor;
    c.body.contract.id = id;
    return c;
}

// Helpers over an event list.
inline std::vector<event> of_type(const std::vector<event>& evs, event_type t) {
    std::vector<event> out;
    for (const event& e : evs) {
        if (e.type == t) out.push_back(e);
    }
    return out;
}

inline reject_reason rejection(const std::vector<event>& evs) {
    for (const event& e : evs) {
        if (e.type == event_type::rejected) return e.body.rejected.reason;
    }
    return reject_reason::none;
}

inline order_id accepted_id(const std::vector<event>& evs) {
    for (const event& e : evs) {
        if (e.type == event_type::order_accepted) return e.body.accepted.id;
    }
    return order_id(0);
}

// The hourly instrument of (chip, region) starting `hours_after_t0` hours after t0.
inline instrument_id hourly(uint8_t chip, uint8_t region, int64_t hours_after_t0) {
    return pack(instrument_key{chip, region, tenor::hour, h0 + hours_after_t0});
}
// The daily instrument of (chip, region) for the CST day starting at 16:00 UTC on Dec 1.
inline instrument_id daily(uint8_t chip, uint8_t region) {
    return pack(instrument_key{chip, region, tenor::day, h0 + 16});
}

}  // namespace cux::engine::test
