// Job routing reads every hourly book of every candidate (up to chips x regions x hours of
// them, e.g. 128 x 24 = 3072 for a day on the default market) from memory the engine thread
// has not touched lately: one book costs several dependent cache misses (its instrument, the
// level slot of the best ask, the level, each order). Read one by one, the misses add up; so
// these sweeps run in lockstep (book::start_fill / step_fill): each round advances every
// unfinished sweep by one load and prefetches the next, and a round waits for roughly one miss
// instead of one per book. The fills and their sums are exactly for_each_fill's.

#include <array>

#include "engine/exchange.hpp"

namespace cux::engine {

// The instrument slot of every candidate x hour still standing, prefetching each instrument.
void exchange::locate_job_books(const job_terms& t, std::size_t n) {
    const auto hours = static_cast<std::size_t>(t.hours);
    for (std::size_t i = 0; i < n; ++i) {
        const job_candidate& k = job_candidates_[i];
        if (k.exclusion != job_exclusion::none) continue;
        for (std::size_t h = 0; h < hours; ++h) {
            const instrument_key key{k.chip, k.region, tenor::hour,
                                     int64_t{t.b.start_hour} + static_cast<int64_t>(h)};
            const uint32_t s = instruments_.find(pack(key));
            job_hour& jh = job_hours_[i * hours + h];
            jh.slot = s;
            jh.bk = nullptr;
            if (s != nil_slot) {
                __builtin_prefetch(&instruments_[s].status);
                __builtin_prefetch(&instruments_[s].energy_units);
                __builtin_prefetch(&instruments_[s].bk);
            }
        }
    }
}

// Sweeps the asks of every hour of each candidate with want > 0 for that many devices (an hour
// whose book is not trading continuously gets slot nil_slot and no fills). The sweeps run in a
// window of job_sweep_window at a time: each round steps every sweep in the window once, and a
// finished sweep makes room for the next. A window (rather than all sweeps at once) keeps what
// the prefetches bring in the first-level cache until it is used, and about as many misses in
// flight as the core can track.
void exchange::sweep_job_books(const job_terms& t, std::size_t n) {
    constexpr std::size_t window = 24;
    const auto hours = static_cast<std::size_t>(t.hours);
    const int64_t taker_bps = market_.taker_fee_bps;
    std::size_t pending = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (job_candidates_[i].want == 0) continue;
        for (std::size_t h = 0; h < hours; ++h) {
            const std::size_t at = i * hours + h;
            job_hour& jh = job_hours_[at];
            jh.compute = 0;
            jh.fees = 0;
            jh.cursor = fill_cursor{};
            jh.cursor.stage = fill_cursor::done;
            if (jh.slot != nil_slot) job_active_[pending++] = static_cast<uint32_t>(at);
        }
    }
    // Starts the next pending sweep that has anything to do; false when none is left.
    std::size_t next = 0;
    const auto start_next = [&](uint32_t& out) {
        while (next < pending) {
            const uint32_t at = job_active_[next++];
            if (next + window < pending) {
                __builtin_prefetch(&instruments_[job_hours_[job_active_[next + window]].slot].bk);
            }
            job_hour& jh = job_hours_[at];
            const instrument_state& in = instruments_[jh.slot];
            if (in.status != instrument_status::open) {
                jh.slot = nil_slot;
                continue;
            }
            jh.bk = &in.bk;
            jh.bk->start_fill(jh.cursor, side::buy, job_candidates_[at / hours].want);
            if (jh.cursor.stage != fill_cursor::done) {
                out = at;
                return true;
            }
        }
        return false;
    };
    std::array<uint32_t, window> live{};
    std::size_t in_flight = 0;
    while (in_flight < window && start_next(live[in_flight])) ++in_flight;
    while (in_flight > 0) {
        for (std::size_t w = 0; w < in_flight;) {
            job_hour& jh = job_hours_[live[w]];
            const bool more = jh.bk->step_fill(jh.cursor, orders_, levels_, side::buy, t.buyer,
                                               [&](price_fen p, int64_t q) {
                                                   const int64_t notional = p.value() * q;
                                                   jh.compute += notional;
                                                   jh.fees += fee_fen(notional, taker_bps);
                                               });
            if (more) {
                ++w;
            } else if (!start_next(live[w])) {
                live[w] = live[--in_flight];
            }
        }
    }
}

}  // namespace cux::engine
