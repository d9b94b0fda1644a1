#pragma once
// The reference model (reference_model.hpp): contracts settle or fail, as
// engine/exchange_contracts.cpp.

#include <cstdint>

#include "tests/engine/reference_model.hpp"

namespace cux::engine::test {

inline void reference_model::contract_event(event_type t, const minst& in, const mcontract& k) {
    event& e = emit(t, participant_id(0));
    contract_body_ev& b = e.body.contract;
    b.id = contract_id(k.id);
    b.trade = trade_id(k.id);
    b.instrument = in.id;
    b.buyer = k.buyer;
    b.seller = k.seller;
    b.origin_region = k.origin;
    b.carrier = k.carrier;
    b.price = price_fen(k.price);
    b.qty = qty_devices(k.qty);
    b.compute = money_fen(k.compute);
    b.energy = money_fen(k.energy);
    b.network = money_fen(k.network);
    b.buyer_fee = money_fen(k.buyer_fee);
    b.seller_fee = money_fen(k.seller_fee);
}

// End of the delivery grace: open contracts pay the seller and the exchange.
inline void reference_model::settle(minst& in) {
    for (mcontract& k : in.contracts) {
        if (k.status != contract_status::open) continue;
        people_[k.buyer.value()].escrow -= k.cost();
        people_[k.seller.value()].available += k.compute + k.energy - k.seller_fee;
        people_[0].available += k.buyer_fee + k.seller_fee;
        touch(k.buyer);
        touch(k.seller);
        if (k.buyer_fee + k.seller_fee != 0) touch(participant_id(0));
        k.status = contract_status::settled;
        contract_event(event_type::contract_settled, in, k);
    }
    in.contracts.clear();
}

inline void reference_model::on_fail(const command& c) {
    for (auto& [iid, in] : instruments_) {
        for (mcontract& k : in.contracts) {
            if (k.id != c.body.contract.id.value()) continue;
            if (c.actor.value() != 0 && k.seller != c.actor) {
                return reject(reject_reason::unknown_contract);
            }
            if (k.status != contract_status::open) {
                return reject(reject_reason::contract_not_open);
            }
            people_[k.buyer.value()].escrow -= k.cost();
            people_[k.buyer.value()].available += k.cost();
            touch(k.buyer);
            for (epoch_hour h = in.key.start_hour; h < in.key.start_hour + in.hours; ++h) {
                const auto it = capacity_.find({k.seller.value(), in.key.chip, in.key.region, h});
                if (it != capacity_.end()) it->second.sold -= k.qty;
            }
            k.status = contract_status::failed;
            contract_event(event_type::contract_failed, in, k);
            return;
        }
    }
    reject(reject_reason::unknown_contract);
}

}  // namespace cux::engine::test
