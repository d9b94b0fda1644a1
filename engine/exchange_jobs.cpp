// Job orders: the scheduler (issue 5; DESIGN.md sections 2 and 4; the fields in command.hpp).
//
// One command prices every chip x region the job may run on, ranks the eligible ones by
// delivered cost and buys from the cheapest through ordinary trades; the single writer makes it
// atomic. It works in two phases:
//  1. Plan (reads only). Candidates are the accepted chips x every region. Hard constraints
//     exclude some at once (chip TFLOPS or memory, device count, residency, latency, green
//     share). Each other one is priced for every hour of the job: the asks an IOC buy of that
//     many devices would sweep in that hour's book (per resting order, as match() would trade,
//     stopping at the buyer's own first ask), the energy of those device-hours at that hour's
//     tariff, the taker fee per fill, and its share of the network cost (job_route.hpp). With
//     too little liquidity in some hour it is excluded (no_liquidity) or, with split, priced for
//     what every hour can give. Above max_price_fen per unit it is excluded (over_max_price).
//     The books are read in lockstep so that their cache misses overlap
//     (exchange_job_books.cpp). The rest are ranked by delivered cost per unit (ties: chip, then
//     region index) and taken in that order: without split the cheapest alone (it fills the whole
//     job); with split greedily until the job is covered, each part within the limit on its own.
//     fok + split that cannot cover everything, an empty ranking, funds that do not cover the
//     total, or a pool that could run out end the job here with nothing changed.
//  2. Execute (unless dry run). For each part, hour by hour, an internal IOC buy of its devices
//     holding exactly that hour's planned cost matches the book; on_trade() charges each fill
//     by the same rules as any trade and the hold must come out at exactly zero (asserted), so
//     the trades cost what the report says, fen for fen.
// Every number is an integer in fen; nothing allocates (scratch is sized at construction).

#include <algorithm>
#include <cstring>

#include "engine/exchange.hpp"

namespace cux::engine {

namespace {

bool tradeable(instrument_status s) {
    return s == instrument_status::pre_open || s == instrument_status::open ||
           s == instrument_status::closing;
}

instrument_id hour_instrument(uint8_t chip, uint8_t region, int64_t start_hour) {
    return pack(instrument_key{chip, region, tenor::hour, start_hour});
}

}  // namespace

reject_reason exchange::check_job(const command& c) const {
    const job_body& b = c.body.job;
    if (c.actor.value() == 0 || c.actor.value() >= participants_.size() ||
        !participants_[c.actor.value()].exists) {
        return reject_reason::unknown_participant;
    }
    if ((participants_[c.actor.value()].roles & role_buyer) == 0) return reject_reason::forbidden;
    if ((b.tif != time_in_force::ioc && b.tif != time_in_force::fok) ||
        (b.flags & ~job_flags_all) != 0) {
        return reject_reason::invalid_order;
    }
    const bool pflops = (b.flags & job_flag_pflops) != 0;
    if (b.size <= 0 || b.size > (pflops ? limits::job_mpflops_max : limits::qty_per_order_max)) {
        return reject_reason::invalid_qty;
    }
    if (b.hours == 0 || b.hours > limits::job_hours_max) return reject_reason::invalid_window;
    const std::size_t chips = market_.chips.size();
    const std::size_t regions = market_.regions.size();
    if (b.origin_region >= regions) return reject_reason::unknown_region;
    if (regions < 32 && (b.regions >> regions) != 0) return reject_reason::unknown_region;
    if (chips < 32 && (b.chips >> chips) != 0) return reject_reason::unknown_chip;
    if (b.data_gb > limits::data_gb_max) return reject_reason::invalid_data_volume;
    if (b.max_price_fen <= 0 || b.max_price_fen > limits::job_price_fen_max) {
        return reject_reason::invalid_price;
    }
    if (b.min_green_milli > 1000) return reject_reason::invalid_constraint;
    // Every hour of the span must be listed and trading continuously (the instruments of one
    // window share their lifecycle, so the first chip x region speaks for all).
    if (int64_t{b.start_hour} + b.hours - 1 > start_hour_max) return reject_reason::market_closed;
    for (int64_t h = 0; h < b.hours; ++h) {
        const uint32_t s = instruments_.find(hour_instrument(0, 0, int64_t{b.start_hour} + h));
        if (s == nil_slot) return reject_reason::market_closed;
        const instrument_status st = instruments_[s].status;
        if (st != instrument_status::open) {
            return tradeable(st) ? reject_reason::not_allowed_in_phase
                                 : reject_reason::market_closed;
        }
    }
    return reject_reason::none;
}

// Fills the scratch with the accepted chips x every region; hard constraints exclude at once.
std::size_t exchange::select_job_candidates(const job_terms& t) {
    const job_body& b = t.b;
    std::size_t n = 0;
    for (std::size_t c = 0; c < market_.chips.size(); ++c) {
        if (b.chips != 0 && ((b.chips >> c) & 1U) == 0) continue;
        const chip_spec& chip = market_.chips[c];
        const int64_t need = job_math::devices_for(t.pflops, t.units, chip.dense_gflops);
        for (std::size_t r = 0; r < market_.regions.size(); ++r) {
            job_candidate& k = job_candidates_[n];
            k = job_candidate{};
            k.index = static_cast<uint16_t>(n++);
            k.chip = static_cast<uint8_t>(c);
            k.region = static_cast<uint8_t>(r);
            k.need = need;
            const region_spec& reg = market_.regions[r];
            const int64_t rtt = market_.link(b.origin_region, r).rtt_us;
            if (chip.dense_gflops < int64_t{b.min_dense_gflops}) {
                k.exclusion = job_exclusion::tflops;
                k.detail = chip.dense_gflops;
            } else if (chip.memory_gb < int64_t{b.min_memory_gb}) {
                k.exclusion = job_exclusion::memory;
                k.detail = chip.memory_gb;
            } else if (need > limits::qty_per_order_max) {
                k.exclusion = job_exclusion::too_many_devices;
                k.detail = need;
            } else if (b.regions != 0 && ((b.regions >> r) & 1U) == 0) {
                k.exclusion = job_exclusion::region_not_allowed;
            } else if (b.max_rtt_us != 0 && rtt > int64_t{b.max_rtt_us}) {
                k.exclusion = job_exclusion::latency;
                k.detail = rtt;
            } else if (reg.green_share_milli < int64_t{b.min_green_milli}) {
                k.exclusion = job_exclusion::green_share;
                k.detail = reg.green_share_milli;
            }
        }
    }
    return n;
}

// Prices `devices` of candidate k over every hour, which must all give that many: compute and
// fees of the fills, energy (the network share is the caller's). For the one part of a split
// job that takes fewer devices than its candidate was priced for.
void exchange::price_job_part(const job_terms& t, const job_candidate& k, int64_t devices,
                              job_cost& cost) const {
    cost = job_cost{};
    const int64_t taker_bps = market_.taker_fee_bps;
    const job_hour* hours = &job_hours_[std::size_t{k.index} * static_cast<std::size_t>(t.hours)];
    for (int64_t h = 0; h < t.hours; ++h) {
        const instrument_state& in = instruments_[hours[h].slot];
        const int64_t got = in.bk.for_each_fill(orders_, levels_, side::buy, t.buyer, devices,
                                                [&](price_fen p, int64_t q) {
                                                    const int64_t notional = p.value() * q;
                                                    cost.compute += notional;
                                                    cost.fees += fee_fen(notional, taker_bps);
                                                });
        CUX_ASSERT(got == devices);  // fewer than the candidate got in every hour
        cost.energy += energy_fen(in.energy_units, devices);
    }
}

// How many devices candidate k can have in every hour of the job: its `need` when every hour
// gives that many, else with split the fewest any hour gives; 0 when it is excluded (an hour
// not trading continuously, or no liquidity: without split the first hour short of `need`,
// with split the first hour giving nothing). What an hour gives is read from the sweep of its
// asks for `need` (sweep_job_books) or, by_depth, from the total of its asks: the same number
// when the buyer has no ask of its own to stop at.
int64_t exchange::judge_job_hours(const job_terms& t, job_candidate& k, bool by_depth) {
    const job_hour* hours = &job_hours_[std::size_t{k.index} * static_cast<std::size_t>(t.hours)];
    int64_t fill = k.need;
    int64_t hour = -1;
    for (int64_t h = 0; h < t.hours; ++h) {
        const uint32_t s = hours[h].slot;
        if (s == nil_slot || instruments_[s].status != instrument_status::open) {
            k.exclusion = job_exclusion::not_trading;
            k.detail = h;
            return 0;
        }
        const int64_t got = by_depth ? std::min(k.need, instruments_[s].bk.qty_total(side::sell))
                                     : hours[h].cursor.filled;
        if (got < fill) {
            fill = got;
            hour = h;
            if (!t.split || got == 0) break;
        }
    }
    if (fill < k.need && (!t.split || fill == 0)) {
        k.exclusion = job_exclusion::no_liquidity;
        k.detail = hour;
        return 0;
    }
    return fill;
}

// Prices k.devices from its sweeps (which asked for exactly that many and got them all): cost,
// covered units, network share, unit price; excluded when over the limit.
void exchange::finish_job_candidate(const job_terms& t, job_candidate& k) {
    const job_hour* hours = &job_hours_[std::size_t{k.index} * static_cast<std::size_t>(t.hours)];
    job_cost cost;
    for (int64_t h = 0; h < t.hours; ++h) {
        CUX_ASSERT(hours[h].slot != nil_slot && hours[h].cursor.filled == k.devices);
        cost.compute += hours[h].compute;
        cost.fees += hours[h].fees;
        cost.energy += energy_fen(instruments_[hours[h].slot].energy_units, k.devices);
    }
    const int64_t gflops = market_.chips[k.chip].dense_gflops;
    k.covered = job_math::covered(t.pflops, k.devices, gflops, t.units);
    k.network_all = network_fen(market_, t.b.origin_region, k.region, t.b.data_gb);
    cost.network = job_math::network_share(k.network_all, k.covered, t.units);
    k.cost = cost;
    k.unit_price = job_math::unit_price(t.pflops, cost.total(), k.covered, t.hours);
    if (!job_math::within_limit(t.pflops, cost.total(), k.covered, t.hours, t.b.max_price_fen)) {
        k.exclusion = job_exclusion::over_max_price;
        k.detail = k.unit_price;
    }
}

// Ranks the eligible candidates among the first n by delivered cost per unit; returns how many.
std::size_t exchange::rank_job_candidates(std::size_t n) {
    std::size_t m = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (job_candidates_[i].exclusion == job_exclusion::none) {
            job_rank_[m++] = static_cast<uint16_t>(i);
        }
    }
    const auto first = job_rank_.begin();
    std::sort(first, first + static_cast<std::ptrdiff_t>(m), [this](uint16_t a, uint16_t b) {
        const job_candidate& x = job_candidates_[a];
        const job_candidate& y = job_candidates_[b];
        if (job_math::cheaper(x.cost.total(), x.covered, y.cost.total(), y.covered)) return true;
        if (job_math::cheaper(y.cost.total(), y.covered, x.cost.total(), x.covered)) return false;
        return a < b;  // chip-major index: chip, then region
    });
    for (std::size_t i = 0; i < m; ++i)
        job_candidates_[job_rank_[i]].rank = static_cast<uint16_t>(i + 1);
    return m;
}

// Takes `devices` of candidate k when `left` units of the job remain; false (nothing taken)
// when that part alone would be above the limit.
bool exchange::take_job_part(const job_terms& t, job_candidate& k, int64_t devices, int64_t left) {
    const int64_t gflops = market_.chips[k.chip].dense_gflops;
    const int64_t covered = job_math::covered(t.pflops, devices, gflops, left);
    job_cost cost = k.cost;
    if (devices != k.devices || covered != k.covered) {
        price_job_part(t, k, devices, cost);
        cost.network = job_math::network_share(k.network_all, covered, t.units);
        if (!job_math::within_limit(t.pflops, cost.total(), covered, t.hours, t.b.max_price_fen)) {
            return false;
        }
    }
    k.taken = devices;
    k.taken_covered = covered;
    k.taken_cost = cost;
    return true;
}

void exchange::job_candidate_event(const job_terms& t, const job_candidate& k) {
    event& e = begin_event(event_type::job_candidate, t.buyer);
    job_candidate_body& j = e.body.candidate;
    j.job = cur_->seq;
    j.chip = k.chip;
    j.region = k.region;
    j.exclusion = k.exclusion;
    j.rank = k.rank;
    j.detail = k.detail;
    j.need = qty_devices(k.need);
    j.devices = qty_devices(k.devices);
    j.compute = money_fen(k.cost.compute);
    j.energy = money_fen(k.cost.energy);
    j.network = money_fen(k.cost.network);
    j.fees = money_fen(k.cost.fees);
    j.unit_price_fen = k.unit_price;
    j.taken = qty_devices(k.taken);
    j.taken_cost = money_fen(k.taken_cost.total());
    send_event();
}

// Buys hour h of candidate k's part: an internal IOC buy holding exactly the planned cost.
void exchange::execute_job_hour(const job_terms& t, const job_candidate& k, int64_t h) {
    const uint32_t s = job_hours_[std::size_t{k.index} * static_cast<std::size_t>(t.hours) +
                                  static_cast<std::size_t>(h)]
                           .slot;
    CUX_ASSERT(s != nil_slot);
    instrument_state& in = instruments_[s];
    int64_t compute = 0;
    int64_t fees = 0;
    const int64_t got = in.bk.for_each_fill(
        orders_, levels_, side::buy, t.buyer, k.taken, [&](price_fen p, int64_t q) {
            compute += p.value() * q;
            fees += fee_fen(p.value() * q, market_.taker_fee_bps);
        });
    CUX_ASSERT(got == k.taken);
    const int64_t network = job_math::hour_share(k.taken_cost.network, h, t.hours);
    const money_fen cost(compute + fees + energy_fen(in.energy_units, k.taken) + network);

    const uint32_t slot = orders_.allocate();
    CUX_ASSERT(slot != nil_slot);  // checked before anything was bought
    order& o = orders_[slot];
    o.next = o.prev = nil_slot;
    o.instrument = s;
    o.owner = t.buyer;
    o.sd = side::buy;
    o.tif = time_in_force::ioc;
    o.stp = stp_mode::cancel_newest;
    o.post_only = 0;
    o.origin_region = t.b.origin_region;
    o.job = 1;
    std::memset(o.pad, 0, sizeof o.pad);
    o.price = in.band_high;
    o.remaining = qty_devices(k.taken);
    o.filled = qty_devices(0);
    o.network_left = money_fen(network);
    o.hold = cost;
    participant_state& ps = participants_[t.buyer.value()];
    ps.available -= cost;
    ps.held += cost;
    mark_dirty(t.buyer, money_fen(0) - cost);
    cur_slot_ = s;
    const match_result r = in.bk.match(orders_, levels_, slot, in.band_high, *this);
    // The plan said these fills exist and what they cost: nothing may be left over.
    CUX_ASSERT(!r.incoming_stp_cancelled && o.remaining.value() == 0 && o.hold.value() == 0 &&
               o.network_left.value() == 0);
    orders_.release(slot);
}

void exchange::on_job(const command& c) {
    const reject_reason bad = check_job(c);
    if (bad != reject_reason::none) return reject(bad);
    const job_body& b = c.body.job;
    job_terms t{b, c.actor};
    t.split = (b.flags & job_flag_split) != 0;
    t.dry_run = (b.flags & job_flag_dry_run) != 0;
    t.pflops = (b.flags & job_flag_pflops) != 0;
    t.units = job_math::units_of(t.pflops, b.size);
    t.hours = b.hours;

    // 1. Plan.
    const std::size_t n = select_job_candidates(t);
    locate_job_books(t, n);
    // A buyer that cannot sell has no asks to stop at: what each hour can give is the total of
    // its asks, so each candidate is swept once, for exactly what it will be priced for. A
    // buyer that also sells is swept for all it needs first, then (split) for what it can get.
    const bool may_sell = (participants_[c.actor.value()].roles & role_vendor) != 0;
    for (std::size_t i = 0; i < n; ++i) {
        job_candidate& k = job_candidates_[i];
        k.want = 0;
        if (k.exclusion != job_exclusion::none) continue;
        k.want = may_sell ? k.need : judge_job_hours(t, k, true);
    }
    sweep_job_books(t, n);
    bool again = false;
    for (std::size_t i = 0; i < n; ++i) {
        job_candidate& k = job_candidates_[i];
        if (k.want == 0) continue;
        if (may_sell) {
            const int64_t fill = judge_job_hours(t, k, false);
            if (fill < k.want) {
                k.want = fill;  // 0: excluded; else (split) swept again for that many
                again = again || fill != 0;
                continue;
            }
        }
        k.devices = k.want;
        k.want = 0;
        finish_job_candidate(t, k);
    }
    if (again) {  // split: the candidates short in some hour, for what every hour can give
        sweep_job_books(t, n);
        for (std::size_t i = 0; i < n; ++i) {
            job_candidate& k = job_candidates_[i];
            if (k.want == 0) continue;
            k.devices = k.want;
            k.want = 0;
            finish_job_candidate(t, k);
        }
    }
    const std::size_t ranked = rank_job_candidates(n);
    int64_t left = t.units;
    for (std::size_t i = 0; i < ranked && left > 0; ++i) {
        job_candidate& k = job_candidates_[job_rank_[i]];
        const int64_t gflops = market_.chips[k.chip].dense_gflops;
        const int64_t want = std::min(k.devices, job_math::devices_for(t.pflops, left, gflops));
        if (take_job_part(t, k, want, left)) left -= k.taken_covered;
        if (!t.split) break;  // the cheapest fills the whole job (it was priced for all of it)
    }
    job_cost total;
    int64_t devices = 0;
    int64_t hour_orders = 0;
    for (std::size_t i = 0; i < ranked; ++i) {
        const job_candidate& k = job_candidates_[job_rank_[i]];
        if (k.taken == 0) continue;
        total.compute += k.taken_cost.compute;
        total.energy += k.taken_cost.energy;
        total.network += k.taken_cost.network;
        total.fees += k.taken_cost.fees;
        devices += k.taken;
        hour_orders += t.hours;
    }
    reject_reason why = reject_reason::none;
    if (devices == 0 || (left > 0 && b.tif == time_in_force::fok)) {
        why = reject_reason::no_route;
    } else if (participants_[c.actor.value()].available.value() < total.total()) {
        why = reject_reason::insufficient_funds;
    } else if (orders_.live() >= orders_.capacity()) {
        why = reject_reason::order_pool_full;
    } else if (static_cast<int64_t>(contracts_.free()) <
               static_cast<int64_t>(orders_.live()) + hour_orders) {
        // Every hour's buy may become contracts like a new order (contract_pool.hpp).
        why = reject_reason::contract_table_full;
    }
    if (why != reject_reason::none) {
        for (std::size_t i = 0; i < ranked; ++i) {
            job_candidate& k = job_candidates_[job_rank_[i]];
            k.taken = 0;
            k.taken_covered = 0;
            k.taken_cost = job_cost{};
        }
        total = job_cost{};
        devices = 0;
        left = t.units;
    }

    // The report: eligible candidates in rank order, then the excluded ones.
    for (std::size_t i = 0; i < ranked; ++i) job_candidate_event(t, job_candidates_[job_rank_[i]]);
    for (std::size_t i = 0; i < n; ++i) {
        if (job_candidates_[i].exclusion != job_exclusion::none) {
            job_candidate_event(t, job_candidates_[i]);
        }
    }

    // 2. Execute.
    if (why == reject_reason::none && !t.dry_run) {
        job_traded_ = job_cost{};
        for (std::size_t i = 0; i < ranked; ++i) {
            const job_candidate& k = job_candidates_[job_rank_[i]];
            if (k.taken == 0) continue;
            for (int64_t h = 0; h < t.hours; ++h) execute_job_hour(t, k, h);
        }
        CUX_ASSERT(job_traded_ == total);
    }

    event& e = begin_event(event_type::job_done, c.actor);
    job_done_body& d = e.body.job;
    d.job = c.seq;
    d.status = why != reject_reason::none ? job_status::unfilled
               : left > 0                 ? job_status::partial
                                          : job_status::filled;
    d.tif = b.tif;
    d.flags = b.flags;
    d.reason = why;
    d.eligible = static_cast<uint16_t>(ranked);
    d.devices = qty_devices(devices);
    d.size = b.size;
    d.covered = t.pflops ? (t.units - left) / 1000 : t.units - left;
    d.compute = money_fen(total.compute);
    d.energy = money_fen(total.energy);
    d.network = money_fen(total.network);
    d.fees = money_fen(total.fees);
    std::memcpy(d.client_order_id, b.client_order_id, sizeof d.client_order_id);
    send_event();
}

}  // namespace cux::engine
