// Contracts: each trade creates one, holding the buyer's delivered cost in escrow. At the end
// of the window's delivery grace every open contract of the instrument settles: the seller is
// paid compute + energy less its fee, the exchange (participant 0) both fees, and the network
// share leaves the engine's books for the carrier (the ledger keeps carriers' accounts). A
// seller that cannot deliver fails the contract before then: the buyer gets everything back
// and the devices sold become free again.

#include "engine/exchange.hpp"

namespace cux::engine {

void exchange::contract_event(event_type t, uint32_t ks) {
    const contract& k = contracts_[ks];
    event& e = begin_event(t, participant_id(0));
    contract_body_ev& b = e.body.contract;
    b.id = contracts_.id_of(ks);
    b.trade = k.trade;
    b.instrument = instruments_[k.instrument].id;
    b.buyer = k.buyer;
    b.seller = k.seller;
    b.origin_region = k.origin_region;
    b.carrier = k.carrier;
    b.price = k.price;
    b.qty = k.qty;
    b.compute = k.compute;
    b.energy = k.energy;
    b.network = k.network;
    b.buyer_fee = k.buyer_fee;
    b.seller_fee = k.seller_fee;
    send_event();
}

void exchange::settle_contracts(instrument_state& in) {
    uint32_t ks = in.contract_head;
    while (ks != nil_slot) {
        contract& k = contracts_[ks];
        const uint32_t next = k.next;
        if (k.status == contract_status::open) {
            participant_state& buyer = participants_[k.buyer.value()];
            participant_state& seller = participants_[k.seller.value()];
            participant_state& house = participants_[0];
            const money_fen cost = k.cost();
            const money_fen proceeds = k.compute + k.energy - k.seller_fee;
            const money_fen fees = k.buyer_fee + k.seller_fee;
            CUX_ASSERT(buyer.escrow >= cost && proceeds.value() >= 0);
            buyer.escrow -= cost;
            seller.available += proceeds;
            house.available += fees;
            mark_dirty(k.buyer, money_fen(0));
            mark_dirty(k.seller, proceeds);
            if (fees.value() != 0) mark_dirty(participant_id(0), fees);
            k.status = contract_status::settled;
            contract_event(event_type::contract_settled, ks);
        }
        contracts_.release(ks);
        ks = next;
    }
    in.contract_head = in.contract_tail = nil_slot;
}

void exchange::on_fail_contract(const command& c) {
    const uint32_t ks = contracts_.find(c.body.contract.id);
    // Only the seller (or the exchange's admin) may fail a contract; to anyone else it does
    // not exist.
    if (ks == nil_slot || (c.actor.value() != 0 && contracts_[ks].seller != c.actor)) {
        return reject(reject_reason::unknown_contract);
    }
    contract& k = contracts_[ks];
    if (k.status != contract_status::open) return reject(reject_reason::contract_not_open);
    const instrument_state& in = instruments_[k.instrument];
    participant_state& buyer = participants_[k.buyer.value()];
    const money_fen cost = k.cost();
    CUX_ASSERT(buyer.escrow >= cost);
    buyer.escrow -= cost;
    buyer.available += cost;
    mark_dirty(k.buyer, cost);
    // The devices sold are free again for the hours still in the capacity table.
    if (capacity_row* row = find_row(k.seller, in.key.chip, in.key.region)) {
        for (epoch_hour h = in.key.start_hour; h < in.key.start_hour + in.hours; ++h) {
            capacity_hour& e =
                row->hours[static_cast<std::size_t>(h & (limits::capacity_ring_hours - 1))];
            if (e.hour == h) {
                CUX_ASSERT(e.sold >= k.qty.value());
                e.sold -= k.qty.value();
            }
        }
    }
    k.status = contract_status::failed;
    contract_event(event_type::contract_failed, ks);
}

const contract* exchange::find_contract(contract_id id) const {
    const uint32_t s = contracts_.find(id);
    return s == nil_slot ? nullptr : &contracts_[s];
}

}  // namespace cux::engine
