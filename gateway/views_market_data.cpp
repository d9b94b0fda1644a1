#include "gateway/views_market_data.hpp"

#include <chrono>
#include <cstdio>

#include "engine/symbol.hpp"
#include "gateway/money.hpp"

namespace cux::gateway {

using nlohmann::json;
using namespace cux::engine;
namespace md = ledger::md;

json bar_json(const md::bar& b) {
    return {{"start", format_rfc3339(b.start)},
            {"open", format_fen(b.open)},
            {"high", format_fen(b.high)},
            {"low", format_fen(b.low)},
            {"close", format_fen(b.close)},
            {"volume", b.volume},
            {"trades", b.trades},
            {"vwap", format_fen(md::vwap_fen(b.notional, b.volume))},
            {"turnover", format_fen(b.turnover)}};
}

json bars_body(const std::string& symbol, md::interval iv, const std::vector<md::bar>& bars) {
    json a = json::array();
    for (const md::bar& b : bars) a.push_back(bar_json(b));
    return {{"symbol", symbol}, {"interval", md::interval_name(iv)}, {"bars", std::move(a)}};
}

json unit_price_json(const std::optional<int64_t>& p) {
    return p ? json(format_ten_thousandths(*p)) : json(nullptr);
}

json settlement_json(const market_config& m, const ledger::settlement_row& s) {
    const instrument_key k = unpack(instrument_id(s.instrument));
    return {{"symbol", format_symbol(m, k)},
            {"chip", m.chips[k.chip].id},
            {"region", m.regions[k.region].id},
            {"tenor", k.ten == tenor::hour ? "1h" : "1d"},
            {"window_start", format_rfc3339(s.window_start)},
            {"gate_closure", format_rfc3339(s.gate_closure)},
            {"price", s.price_fen > 0 ? json(format_fen(s.price_fen)) : json(nullptr)},
            {"method", settlement_method_name(s.method)},
            {"auction_volume", s.auction_volume},
            {"volume", s.volume},
            {"trades", s.trades},
            {"vwap",
             s.volume > 0 ? json(format_fen(md::vwap_fen(s.notional, s.volume))) : json(nullptr)},
            {"seq", s.seq}};
}

namespace {

json value_json(const md::index_value& v) {
    return {{"price", unit_price_json(v.price)},
            {"trades", v.trades},
            {"excluded", v.excluded},
            {"units", format_milli(v.units_milli)}};
}

}  // namespace

json index_body(const market_config& m, const md::index_set& s, utc_ns window_start,
                utc_ns window_end) {
    json regions = json::array();
    json cpu_regions = json::array();
    for (std::size_t r = 0; r < m.regions.size(); ++r) {
        for (auto [list, v] :
             {std::pair{&regions, &s.regions[r]}, std::pair{&cpu_regions, &s.cpu_regions[r]}}) {
            json j = value_json(*v);
            j["region"] = m.regions[r].id;
            j["side"] = m.regions[r].west ? "west" : "east";
            list->push_back(std::move(j));
        }
    }
    json chips = json::array();
    json cpu_chips = json::array();
    for (std::size_t c = 0; c < m.chips.size(); ++c) {
        const bool cpu = m.chips[c].kind == chip_kind::cpu;
        json j = value_json(cpu ? s.cpu_chips[c] : s.chips[c]);
        j["chip"] = m.chips[c].id;
        (cpu ? cpu_chips : chips).push_back(std::move(j));
    }
    // The heat map: every chip x region with trades.
    json cells = json::array();
    for (std::size_t i = 0; i < s.cells.size(); ++i) {
        if (s.cells[i].trades == 0 && s.cells[i].excluded == 0) continue;
        const chip_spec& chip = m.chips[i / m.regions.size()];
        json j = value_json(s.cells[i]);
        j["chip"] = chip.id;
        j["region"] = m.regions[i % m.regions.size()].id;
        j["unit"] = chip.kind == chip_kind::cpu ? "vCPU-hour" : "PFLOPS-hour";
        cells.push_back(std::move(j));
    }
    return {{"window_start", format_rfc3339(window_start)},
            {"cells", std::move(cells)},
            {"window_end", format_rfc3339(window_end)},
            {"scu",
             {{"unit", "PFLOPS-hour"},
              {"national", value_json(s.national)},
              {"east", value_json(s.east)},
              {"west", value_json(s.west)},
              {"east_west_spread", unit_price_json(s.east_west_spread)},
              {"regions", std::move(regions)},
              {"chips", std::move(chips)}}},
            {"cpu",
             {{"unit", "vCPU-hour"},
              {"national", value_json(s.cpu)},
              {"regions", std::move(cpu_regions)},
              {"chips", std::move(cpu_chips)}}}};
}

std::string format_day(int64_t day) {
    const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day}}};
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    return buf;
}

bool parse_day(std::string_view text, int64_t& day) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
    int v[3] = {0, 0, 0};
    const std::size_t at[3][2] = {{0, 4}, {5, 2}, {8, 2}};
    for (int i = 0; i < 3; ++i) {
        for (std::size_t j = at[i][0]; j < at[i][0] + at[i][1]; ++j) {
            if (text[j] < '0' || text[j] > '9') return false;
            v[i] = v[i] * 10 + (text[j] - '0');
        }
    }
    const std::chrono::year_month_day ymd{std::chrono::year{v[0]},
                                          std::chrono::month{static_cast<unsigned>(v[1])},
                                          std::chrono::day{static_cast<unsigned>(v[2])}};
    if (!ymd.ok() || v[0] < 1970) return false;
    day = std::chrono::sys_days{ymd}.time_since_epoch().count();
    return true;
}

}  // namespace cux::gateway
