#include "gateway/market_stats.hpp"

#include <algorithm>
#include <mutex>

#include "gateway/limits.hpp"

namespace cux::gateway {

using namespace cux::engine;
namespace md = ledger::md;

namespace {

void add_to(std::deque<md::bar>& series, md::interval iv, const md::tape_trade& t) {
    const utc_ns start = md::bar_start(t.ts, iv);
    if (series.empty() || series.back().start != start) {
        if (series.size() >= limits::stream_snapshot_bars) series.pop_front();
        md::bar b;
        b.start = start;
        series.push_back(b);
    }
    series.back().add(t.price_fen, t.qty, t.compute_fen);
}

}  // namespace

void market_stats::expire(utc_ns now) {
    while (!rolling_.empty() && !md::in_rolling_window(rolling_.front().ts, now)) {
        rolling_.pop_front();
        ++changes_;
    }
}

void market_stats::apply(const event& e) {
    if (e.type != event_type::trade && e.type != event_type::instrument_status &&
        e.type != event_type::command_done) {
        return;
    }
    std::unique_lock lock(mu_);
    as_of_ = std::max(as_of_, e.ts);
    seq_ = e.event_seq;
    if (e.type == event_type::trade) {
        const md::tape_trade r = md::tape_trade_of(e);
        series& s = bars_[r.instrument];
        add_to(s.m1, md::interval::m1, r);
        add_to(s.h1, md::interval::h1, r);
        if (rolling_.size() >= limits::rolling_trades_max) {
            rolling_.pop_front();
            ++dropped_;
        }
        rolling_.push_back(r);
        ++changes_;
    } else if (e.type == event_type::instrument_status &&
               e.body.status.status == instrument_status::settled) {
        // Delivered: its bars are history now (GET /v1/bars reads them from the store).
        bars_.erase(e.body.status.instrument.value());
    }
    expire(as_of_);
}

std::vector<md::bar> market_stats::bars(uint32_t instrument, md::interval iv, std::size_t n) const {
    std::shared_lock lock(mu_);
    std::vector<md::bar> out;
    const auto it = bars_.find(instrument);
    if (it == bars_.end()) return out;
    const auto& s = iv == md::interval::m1 ? it->second.m1 : it->second.h1;
    const std::size_t skip = s.size() > n ? s.size() - n : 0;
    out.assign(s.begin() + static_cast<std::ptrdiff_t>(skip), s.end());
    return out;
}

md::bar market_stats::bar_at(uint32_t instrument, md::interval iv, utc_ns start) const {
    std::shared_lock lock(mu_);
    const auto it = bars_.find(instrument);
    if (it != bars_.end()) {
        const auto& s = iv == md::interval::m1 ? it->second.m1 : it->second.h1;
        for (auto b = s.rbegin(); b != s.rend(); ++b) {
            if (b->start == start) return *b;
        }
    }
    md::bar none;
    none.start = start;
    return none;
}

rolling_index market_stats::index(const md::index_filter& f) const {
    std::vector<md::tape_trade> trades;
    rolling_index r;
    {
        std::shared_lock lock(mu_);
        trades.assign(rolling_.begin(), rolling_.end());
        r.as_of = as_of_;
        r.seq = seq_;
    }
    // The window as of the last event: trades that fell out since are no longer counted.
    std::erase_if(trades,
                  [&](const md::tape_trade& t) { return !md::in_rolling_window(t.ts, r.as_of); });
    r.set = md::compute_index(market_, trades, f);
    return r;
}

utc_ns market_stats::as_of() const {
    std::shared_lock lock(mu_);
    return as_of_;
}

uint64_t market_stats::rolling_changes() const {
    std::shared_lock lock(mu_);
    return changes_;
}

uint64_t market_stats::trades_dropped() const {
    std::shared_lock lock(mu_);
    return dropped_;
}

}  // namespace cux::gateway
