#pragma once
// Printing for the seeded randomized test (random_test.cpp): one command or event on one line,
// engine order ids annotated with the model ids they map to, for the report of a difference.

#include <cstddef>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "engine/command.hpp"
#include "engine/event.hpp"
#include "engine/market.hpp"
#include "engine/symbol.hpp"
#include "tests/engine/random_compare.hpp"

namespace cux::engine::test {

inline std::string symbol_of(const market_config& m, instrument_id id) {
    const instrument_key k = unpack(id);
    std::string s = k.chip < m.chips.size() && k.region < m.regions.size() ? format_symbol(m, k)
                                                                           : std::string("?");
    return s + "#" + std::to_string(id.value());
}

inline std::string text_of(const char* p, std::size_t n) { return std::string(p, strnlen(p, n)); }

inline const char* side_name(side s) {
    return s == side::buy ? "buy" : s == side::sell ? "sell" : "side?";
}

// One event on one line; engine order ids are annotated with the model id they map to.
inline std::string describe(const event& e, const market_config& m, const id_map* ids) {
    std::ostringstream s;
    const auto oid = [&](order_id id) {
        std::string t = std::to_string(id.value());
        if (ids != nullptr) {
            const auto mapped = ids->model_of(id.value());
            t += mapped ? "(m" + std::to_string(*mapped) + ")" : "(m?)";
        }
        return t;
    };
    s << "#" << e.event_seq << " cmd=" << e.cmd_seq << " ts=" << e.ts << " tok=" << e.token.session
      << "/" << e.token.reserved << "/" << e.token.request << " p=" << e.participant.value() << " "
      << event_name(e.type) << "<" << command_name(e.command) << "> ";
    switch (e.type) {
        case event_type::rejected: {
            const auto& b = e.body.rejected;
            s << command_name(b.command) << " " << reject_code(b.reason) << "("
              << static_cast<int>(b.reason) << ") order=" << oid(b.order);
            break;
        }
        case event_type::order_accepted: {
            const auto& b = e.body.accepted;
            s << "id=" << oid(b.id) << " " << symbol_of(m, b.instrument) << " " << side_name(b.sd)
              << " type=" << static_cast<int>(b.type) << " tif=" << static_cast<int>(b.tif)
              << " post_only=" << int{b.post_only} << " price=" << b.price.value()
              << " qty=" << b.qty.value() << " hold=" << b.hold.value() << " coid='"
              << text_of(b.client_order_id, sizeof b.client_order_id) << "'";
            break;
        }
        case event_type::trade: {
            const auto& b = e.body.trade;
            s << "id=" << b.id.value() << " " << symbol_of(m, b.instrument)
              << " aggressor=" << side_name(b.aggressor) << " auction=" << int{b.auction}
              << " origin=" << int{b.origin_region} << " buy=" << oid(b.buy_order)
              << " sell=" << oid(b.sell_order) << " buyer=" << b.buyer.value()
              << " seller=" << b.seller.value() << " price=" << b.price.value()
              << " qty=" << b.qty.value() << " compute=" << b.compute.value()
              << " energy=" << b.energy.value() << " network=" << b.network.value()
              << " buyer_fee=" << b.buyer_fee.value() << " seller_fee=" << b.seller_fee.value();
            break;
        }
        case event_type::order_done: {
            const auto& b = e.body.done;
            s << "id=" << oid(b.id) << " " << symbol_of(m, b.instrument) << " "
              << done_reason_name(b.reason) << " " << side_name(b.sd)
              << " filled=" << b.filled.value() << " remaining=" << b.remaining.value();
            break;
        }
        case event_type::order_replaced: {
            const auto& b = e.body.replaced;
            s << "id=" << oid(b.id) << " " << symbol_of(m, b.instrument)
              << " kept=" << int{b.kept_priority} << " price=" << b.price.value()
              << " qty=" << b.qty.value() << " hold=" << b.hold.value();
            break;
        }
        case event_type::book_level: {
            const auto& b = e.body.level;
            s << symbol_of(m, b.instrument) << " " << side_name(b.sd)
              << " price=" << b.price.value() << " qty=" << b.qty.value() << " orders=" << b.orders;
            break;
        }
        case event_type::auction_result: {
            const auto& b = e.body.auction;
            s << symbol_of(m, b.instrument)
              << (b.kind == auction_kind::opening ? " opening" : " closing")
              << " price=" << b.price.value() << " volume=" << b.volume.value()
              << " imbalance=" << b.imbalance.value();
            break;
        }
        case event_type::instrument_status: {
            const auto& b = e.body.status;
            s << symbol_of(m, b.instrument) << " " << status_name(b.status)
              << " ref=" << b.reference.value() << " band=[" << b.band_low.value() << ","
              << b.band_high.value() << "] settlement=" << b.settlement.value();
            break;
        }
        case event_type::balance_changed: {
            const auto& b = e.body.balance;
            s << "participant=" << b.participant.value() << " available=" << b.available.value()
              << " held=" << b.held.value() << " escrow=" << b.escrow.value()
              << " delta_available=" << b.delta_available.value();
            break;
        }
        case event_type::capacity_changed: {
            const auto& b = e.body.capacity;
            s << "participant=" << b.participant.value() << " chip=" << int{b.chip}
              << " region=" << int{b.region} << " hours=[" << b.from_hour << "," << b.to_hour
              << ") delta=" << b.registered_delta.value();
            break;
        }
        case event_type::participant_created: {
            const auto& b = e.body.created;
            s << "participant=" << b.participant.value() << " roles=" << int{b.roles} << " name='"
              << text_of(b.name, sizeof b.name) << "'";
            break;
        }
        case event_type::command_done:
        case event_type::none:
        default:
            break;
    }
    return s.str();
}

inline std::string describe(const command& c, const market_config& m) {
    std::ostringstream s;
    s << "seq=" << c.seq << " ts=" << c.ts << " (" << format_rfc3339(c.ts) << ") "
      << command_name(c.type) << "(" << static_cast<int>(c.type) << ") actor=" << c.actor.value()
      << " ";
    switch (c.type) {
        case command_type::place_order: {
            const auto& b = c.body.place;
            s << symbol_of(m, b.instrument) << " sd=" << static_cast<int>(b.sd)
              << " type=" << static_cast<int>(b.type) << " tif=" << static_cast<int>(b.tif)
              << " stp=" << static_cast<int>(b.stp) << " post_only=" << int{b.post_only}
              << " origin=" << int{b.origin_region} << " price=" << b.price.value()
              << " qty=" << b.qty.value() << " data_gb=" << b.data_gb;
            break;
        }
        case command_type::cancel_order:
            s << "id=" << c.body.cancel.id.value();
            break;
        case command_type::replace_order:
            s << "id=" << c.body.replace.id.value() << " price=" << c.body.replace.price.value()
              << " qty=" << c.body.replace.qty.value();
            break;
        case command_type::deposit:
        case command_type::withdraw:
            s << "target=" << c.body.money.target.value()
              << " amount=" << c.body.money.amount.value();
            break;
        case command_type::register_capacity: {
            const auto& b = c.body.capacity;
            s << "chip=" << int{b.chip} << " region=" << int{b.region}
              << " devices=" << b.devices.value() << " hours=[" << b.from_hour << "," << b.to_hour
              << ")";
            break;
        }
        case command_type::create_participant:
            s << "roles=" << int{c.body.create.roles} << " name='"
              << text_of(c.body.create.name, sizeof c.body.create.name) << "'";
            break;
        case command_type::tick:
        case command_type::none:
        default:
            break;
    }
    return s.str();
}

// The events one per line, the one at `mark` flagged.
inline std::string dump(const std::vector<event>& evs, const market_config& m, const id_map* ids,
                        std::size_t mark) {
    std::ostringstream s;
    for (std::size_t i = 0; i < evs.size(); ++i) {
        s << (i == mark ? " >> " : "    ") << describe(evs[i], m, ids) << "\n";
    }
    return s.str();
}

}  // namespace cux::engine::test
