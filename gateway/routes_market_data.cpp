// Public market data of issue 6 (no key): OHLCV bars, official settlement prices and the SCU
// price indices (ledger/market_data_rules.hpp has the methodology). History is read from the
// market-data store (DIR/marketdata.db, a read-only connection per request, like statements
// from the ledger); the rolling index comes from the live model the stream also uses.
// Errors: 400 BAD_REQUEST / UNKNOWN_FIELD / UNKNOWN_CHIP / UNKNOWN_REGION with the field,
// 404 UNKNOWN_INSTRUMENT, 503 UNAVAILABLE when the store cannot be read.

#include <algorithm>
#include <nlohmann/json.hpp>
#include <span>

#include "engine/symbol.hpp"
#include "gateway/api.hpp"
#include "gateway/limits.hpp"
#include "gateway/views_market_data.hpp"
#include "ledger/market_data_store.hpp"

namespace cux::gateway {

using namespace cux::engine;
namespace md = ledger::md;

namespace {

// chip= and region= of the index routes; false and `err` for an unknown one.
bool index_filter_of(const target& t, const market_config& m, md::index_filter& f, api_error& err) {
    if (const auto chip = t.param("chip")) {
        f.chip = m.chip_index(std::string(*chip));
        if (f.chip < 0) {
            err = make_error(400, "UNKNOWN_CHIP", "no such chip", "chip");
            return false;
        }
    }
    if (const auto region = t.param("region")) {
        f.region = m.region_index(std::string(*region));
        if (f.region < 0) {
            err = make_error(400, "UNKNOWN_REGION", "no such region", "region");
            return false;
        }
    }
    return true;
}

api_error unavailable(const std::string& why) {
    return make_error(503, "UNAVAILABLE", "market data cannot be read: " + why);
}

}  // namespace

handled api::get_bars(const context& c, http_response& out) {
    api_error err;
    uint64_t limit = 0;
    utc_ns from = 0;
    utc_ns to = INT64_MAX;
    if (!c.tgt.only({"interval", "from", "to", "limit"}, err) ||
        !c.tgt.uint_param("limit", 1, limits::bars_limit_max, limits::bars_limit_default, limit,
                          err) ||
        !c.tgt.time_param("from", from, err) || !c.tgt.time_param("to", to, err)) {
        out = error(err);
        return handled::respond;
    }
    md::interval iv = md::interval::m1;
    if (const auto v = c.tgt.param("interval")) {
        if (*v == "1h") {
            iv = md::interval::h1;
        } else if (*v != "1m") {
            out = error(make_error(400, "BAD_REQUEST", "interval must be 1m or 1h", "interval"));
            return handled::respond;
        }
    }
    if (from > to) {
        out = error(make_error(400, "BAD_REQUEST", "from must not be after to", "from"));
        return handled::respond;
    }
    const std::string& symbol = c.tgt.segments[2];
    const auto id = instrument_of(symbol);
    if (!id) {
        out = error(make_error(404, "UNKNOWN_INSTRUMENT", "no such instrument", "symbol"));
        return handled::respond;
    }
    auto reader = ledger::md_reader::open(d_.market_data_db);
    if (!reader) {
        out = error(unavailable(reader.error().message));
        return handled::respond;
    }
    bool truncated = false;
    auto bars = reader.value().bars(id->value(), iv, from, to, limit, truncated);
    if (!bars) {
        out = error(unavailable(bars.error().message));
        return handled::respond;
    }
    nlohmann::json body = bars_body(symbol, iv, bars.value());
    body["truncated"] = truncated;
    out = json_response(200, body.dump());
    return handled::respond;
}

handled api::get_settlements(const context& c, http_response& out) {
    api_error err;
    if (!c.tgt.only({"date"}, err)) {
        out = error(err);
        return handled::respond;
    }
    const int64_t offset_ns = d_.market.calendar.utc_offset_hours * ns_per_hour;
    const int64_t day_ns = 24 * ns_per_hour;
    // Default: today in market local time.
    int64_t day = (d_.wall_ms() * 1'000'000 + offset_ns) / day_ns;
    if (const auto v = c.tgt.param("date")) {
        if (!parse_day(*v, day)) {
            out = error(make_error(400, "BAD_REQUEST", "date must be YYYY-MM-DD", "date"));
            return handled::respond;
        }
    }
    auto reader = ledger::md_reader::open(d_.market_data_db);
    if (!reader) {
        out = error(unavailable(reader.error().message));
        return handled::respond;
    }
    auto rows = reader.value().settlements(day);
    if (!rows) {
        out = error(unavailable(rows.error().message));
        return handled::respond;
    }
    nlohmann::json list = nlohmann::json::array();
    for (const ledger::settlement_row& s : rows.value()) {
        list.push_back(settlement_json(d_.market, s));
    }
    const nlohmann::json body = {{"date", format_day(day)}, {"settlements", std::move(list)}};
    out = json_response(200, body.dump());
    return handled::respond;
}

handled api::get_index(const context& c, http_response& out) {
    api_error err;
    md::index_filter f;
    utc_ns window = -1;
    if (!c.tgt.only({"chip", "region", "window"}, err) ||
        !index_filter_of(c.tgt, d_.market, f, err) || !c.tgt.time_param("window", window, err)) {
        out = error(err);
        return handled::respond;
    }
    const auto name_or_null = [](int i, const auto& list) {
        return i < 0 ? nlohmann::json(nullptr)
                     : nlohmann::json(list[static_cast<std::size_t>(i)].id);
    };
    nlohmann::json body;
    if (c.tgt.param("window")) {
        if (window % ns_per_hour != 0) {
            out =
                error(make_error(400, "BAD_REQUEST", "window must be a whole UTC hour", "window"));
            return handled::respond;
        }
        auto reader = ledger::md_reader::open(d_.market_data_db);
        if (!reader) {
            out = error(unavailable(reader.error().message));
            return handled::respond;
        }
        auto pos = reader.value().position();
        const int64_t hour = window / ns_per_hour;
        auto trades = reader.value().trades_of_windows(hour, hour + 1);
        if (!pos || !trades) {
            out = error(unavailable(!pos ? pos.error().message : trades.error().message));
            return handled::respond;
        }
        body = index_body(d_.market, md::compute_index(d_.market, trades.value(), f), window,
                          window + ns_per_hour);
        body["basis"] = "window";
        body["as_of"] = format_rfc3339(pos.value().last_ts);
        body["seq"] = pos.value().last_seq;
    } else {
        const rolling_index r = d_.market_data.stats().index(f);
        body = index_body(d_.market, r.set, std::max<utc_ns>(0, r.as_of - md::rolling_window_ns),
                          r.as_of);
        body["basis"] = "rolling";
        body["as_of"] = format_rfc3339(r.as_of);
        body["seq"] = r.seq;
    }
    body["chip"] = name_or_null(f.chip, d_.market.chips);
    body["region"] = name_or_null(f.region, d_.market.regions);
    out = json_response(200, body.dump());
    return handled::respond;
}

handled api::get_index_history(const context& c, http_response& out) {
    api_error err;
    md::index_filter f;
    utc_ns from = -1;
    utc_ns to = -1;
    if (!c.tgt.only({"chip", "region", "from", "to"}, err) ||
        !index_filter_of(c.tgt, d_.market, f, err) || !c.tgt.time_param("from", from, err) ||
        !c.tgt.time_param("to", to, err)) {
        out = error(err);
        return handled::respond;
    }
    if (!c.tgt.param("from") || !c.tgt.param("to")) {
        out = error(make_error(400, "BAD_REQUEST", "from and to are required",
                               c.tgt.param("from") ? "to" : "from"));
        return handled::respond;
    }
    const int64_t h0 = (from + ns_per_hour - 1) / ns_per_hour;  // the first whole hour >= from
    const int64_t h1 = (to + ns_per_hour - 1) / ns_per_hour;
    if (from < 0 || h1 < h0 || h1 - h0 > limits::index_history_hours_max) {
        out = error(make_error(400, "BAD_REQUEST",
                               "from..to must be an ordered range of at most " +
                                   std::to_string(limits::index_history_hours_max) + " hours",
                               "to"));
        return handled::respond;
    }
    auto reader = ledger::md_reader::open(d_.market_data_db);
    if (!reader) {
        out = error(unavailable(reader.error().message));
        return handled::respond;
    }
    auto trades = reader.value().trades_of_windows(h0, h1);
    if (!trades) {
        out = error(trades.error().code == ledger::error_code::bad_request
                        ? make_error(400, "BAD_REQUEST", trades.error().message, "to")
                        : unavailable(trades.error().message));
        return handled::respond;
    }
    // Group by delivery hour (the trades come in seq order), one index per hour.
    std::vector<md::tape_trade>& all = trades.value();
    std::stable_sort(all.begin(), all.end(), [](const md::tape_trade& a, const md::tape_trade& b) {
        return unpack(instrument_id(a.instrument)).start_hour <
               unpack(instrument_id(b.instrument)).start_hour;
    });
    nlohmann::json windows = nlohmann::json::array();
    for (std::size_t b = 0; b < all.size();) {
        const int64_t hour = unpack(instrument_id(all[b].instrument)).start_hour;
        std::size_t e = b;
        while (e < all.size() && unpack(instrument_id(all[e].instrument)).start_hour == hour) ++e;
        const md::index_set s =
            md::compute_index(d_.market, std::span<const md::tape_trade>(all.data() + b, e - b), f);
        windows.push_back({{"window_start", format_rfc3339(hour * ns_per_hour)},
                           {"national", unit_price_json(s.national.price)},
                           {"east", unit_price_json(s.east.price)},
                           {"west", unit_price_json(s.west.price)},
                           {"east_west_spread", unit_price_json(s.east_west_spread)},
                           {"cpu", unit_price_json(s.cpu.price)},
                           {"trades", s.national.trades + s.cpu.trades}});
        b = e;
    }
    const nlohmann::json body = {{"windows", std::move(windows)}};
    out = json_response(200, body.dump());
    return handled::respond;
}

}  // namespace cux::gateway
