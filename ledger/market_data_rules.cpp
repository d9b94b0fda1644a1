#include "ledger/market_data_rules.hpp"

#include <algorithm>
#include <limits>

namespace cux::ledger::md {

using engine::int128;

tape_trade tape_trade_of(const engine::event& e) {
    CUX_ASSERT(e.type == engine::event_type::trade);
    const engine::trade_body& t = e.body.trade;
    tape_trade r;
    r.seq = e.event_seq;
    r.ts = e.ts;
    r.trade_id = t.id.value();
    r.instrument = t.instrument.value();
    r.price_fen = t.price.value();
    r.qty = t.qty.value();
    r.compute_fen = t.compute.value();
    r.aggressor = t.aggressor;
    r.auction = t.auction != 0;
    return r;
}

void bar::add(int64_t price, int64_t qty, int64_t compute) {
    if (trades == 0) {
        open = high = low = price;
    } else {
        high = std::max(high, price);
        low = std::min(low, price);
    }
    close = price;
    volume += qty;
    ++trades;
    notional += price * qty;
    turnover += compute;
}

void bar::merge_later(const bar& b) {
    if (b.trades == 0) return;
    if (trades == 0) {
        *this = b;
        return;
    }
    high = std::max(high, b.high);
    low = std::min(low, b.low);
    close = b.close;
    volume += b.volume;
    trades += b.trades;
    notional += b.notional;
    turnover += b.turnover;
}

int64_t vwap_fen(int64_t notional, int64_t qty) {
    if (qty <= 0) return 0;
    return static_cast<int64_t>((static_cast<int128>(notional) * 2 + qty) / (int128{2} * qty));
}

namespace {

struct acc {
    int128 value = 0;  // fen
    int128 units = 0;  // GFLOPS-hours (GPU/NPU) or vCPU-hours (CPU)
    int64_t trades = 0;
    int64_t excluded = 0;
};

index_value finish(const acc& a, bool cpu) {
    index_value v;
    v.trades = a.trades;
    v.excluded = a.excluded;
    if (a.trades > 0 && a.units > 0) {
        // GPU/NPU: fen / (GFLOPS-hours / 1e6) per PFLOPS-hour, x 100 for 0.01 fen; CPU: x 100.
        const int128 scale = cpu ? 100 : 100'000'000;
        const int128 p = (a.value * scale * 2 + a.units) / (a.units * 2);
        CUX_ASSERT(p <= std::numeric_limits<int64_t>::max());
        v.price = static_cast<int64_t>(p);
    }
    const int128 milli = cpu ? a.units * 1000 : (a.units + 500) / 1000;
    CUX_ASSERT(milli <= std::numeric_limits<int64_t>::max());
    v.units_milli = static_cast<int64_t>(milli);
    return v;
}

struct row {
    const tape_trade* t;
    engine::instrument_key k;
    int64_t hours;
    bool out;
};

// Marks outliers within one chip x region group (rows [b, e), any order).
void mark_outliers(std::vector<row>& rows, std::size_t b, std::size_t e) {
    if (static_cast<int64_t>(e - b) < outlier_min_trades) return;
    std::sort(rows.begin() + static_cast<std::ptrdiff_t>(b),
              rows.begin() + static_cast<std::ptrdiff_t>(e),
              [](const row& x, const row& y) { return x.t->price_fen < y.t->price_fen; });
    int128 total = 0;
    for (std::size_t i = b; i < e; ++i) total += int128{rows[i].t->qty} * rows[i].hours;
    // The lower weighted median: the first price at which half the device-hours are reached.
    int128 cum = 0;
    int64_t median = rows[b].t->price_fen;
    for (std::size_t i = b; i < e; ++i) {
        cum += int128{rows[i].t->qty} * rows[i].hours;
        if (cum * 2 >= total) {
            median = rows[i].t->price_fen;
            break;
        }
    }
    for (std::size_t i = b; i < e; ++i) {
        const int128 p = int128{rows[i].t->price_fen} * 100;
        rows[i].out = p < int128{median} * (100 - outlier_band_pct) ||
                      p > int128{median} * (100 + outlier_band_pct);
    }
}

}  // namespace

index_set compute_index(const engine::market_config& m, std::span<const tape_trade> trades,
                        const index_filter& f) {
    const std::size_t nc = m.chips.size();
    const std::size_t nr = m.regions.size();
    std::vector<row> rows;
    rows.reserve(trades.size());
    for (const tape_trade& t : trades) {
        const engine::instrument_key k = engine::unpack(engine::instrument_id(t.instrument));
        if (k.chip >= nc || k.region >= nr || t.qty <= 0) continue;
        if (f.chip >= 0 && k.chip != f.chip) continue;
        if (f.region >= 0 && k.region != f.region) continue;
        rows.push_back(row{&t, k, engine::tenor_hours(k.ten), false});
    }
    // Group by chip x region (then by price within each group, for the median).
    std::sort(rows.begin(), rows.end(), [](const row& x, const row& y) {
        return x.k.chip != y.k.chip ? x.k.chip < y.k.chip : x.k.region < y.k.region;
    });
    for (std::size_t b = 0; b < rows.size();) {
        std::size_t e = b;
        while (e < rows.size() && rows[e].k.chip == rows[b].k.chip &&
               rows[e].k.region == rows[b].k.region) {
            ++e;
        }
        mark_outliers(rows, b, e);
        b = e;
    }

    acc national, east, west, cpu;
    std::vector<acc> regions(nr), chips(nc), cpu_regions(nr), cells(nc * nr);
    for (const row& r : rows) {
        const engine::chip_spec& chip = m.chips[r.k.chip];
        const bool is_cpu = chip.kind == engine::chip_kind::cpu;
        const bool west_side = m.regions[r.k.region].west;
        acc* targets[5] = {nullptr, nullptr, nullptr, nullptr,
                           &cells[std::size_t{r.k.chip} * nr + r.k.region]};
        if (is_cpu) {
            targets[0] = &cpu;
            targets[1] = &cpu_regions[r.k.region];
            targets[2] = &chips[r.k.chip];
        } else {
            targets[0] = &national;
            targets[1] = west_side ? &west : &east;
            targets[2] = &regions[r.k.region];
            targets[3] = &chips[r.k.chip];
        }
        const int128 device_hours = int128{r.t->qty} * r.hours;
        const int128 units = is_cpu ? device_hours : device_hours * chip.dense_gflops;
        for (acc* a : targets) {
            if (a == nullptr) continue;
            if (r.out) {
                ++a->excluded;
                continue;
            }
            a->value += r.t->compute_fen;
            a->units += units;
            ++a->trades;
        }
    }

    index_set s;
    s.national = finish(national, false);
    s.east = finish(east, false);
    s.west = finish(west, false);
    if (s.east.price && s.west.price) s.east_west_spread = *s.east.price - *s.west.price;
    s.cpu = finish(cpu, true);
    s.regions.resize(nr);
    s.cpu_regions.resize(nr);
    for (std::size_t r = 0; r < nr; ++r) {
        s.regions[r] = finish(regions[r], false);
        s.cpu_regions[r] = finish(cpu_regions[r], true);
    }
    s.cells.resize(nc * nr);
    for (std::size_t i = 0; i < nc * nr; ++i) {
        s.cells[i] = finish(cells[i], m.chips[i / nr].kind == engine::chip_kind::cpu);
    }
    s.chips.resize(nc);
    s.cpu_chips.resize(nc);
    for (std::size_t c = 0; c < nc; ++c) {
        if (m.chips[c].kind == engine::chip_kind::cpu) {
            s.cpu_chips[c] = finish(chips[c], true);
        } else {
            s.chips[c] = finish(chips[c], false);
        }
    }
    return s;
}

}  // namespace cux::ledger::md
