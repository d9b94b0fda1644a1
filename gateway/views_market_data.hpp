#pragma once
// JSON views of market data (issue 6): bars, settlements and SCU indices, as described by
// schemas/api/{bars,settlements,index,index_history,stream_bars,stream_index}.json. Prices of
// devices in fen -> "12.30"; index prices in 0.0001 CNY -> "12.1335"; units in thousandths ->
// "1.978". Any thread, no state.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/market.hpp"
#include "ledger/market_data_rules.hpp"
#include "ledger/market_data_store.hpp"

namespace cux::gateway {

nlohmann::json bar_json(const ledger::md::bar& b);
// {"symbol","interval","bars":[...]} (the stream's and GET /v1/bars' shared members).
nlohmann::json bars_body(const std::string& symbol, ledger::md::interval iv,
                         const std::vector<ledger::md::bar>& bars);
nlohmann::json settlement_json(const engine::market_config& m, const ledger::settlement_row& s);
// {"window_start","window_end","scu":{...},"cpu":{...}}.
nlohmann::json index_body(const engine::market_config& m, const ledger::md::index_set& s,
                          engine::utc_ns window_start, engine::utc_ns window_end);
// A price per unit or null.
nlohmann::json unit_price_json(const std::optional<int64_t>& p);
// "2026-11-29" for a day number since 1970-01-01; false from parse on anything else.
std::string format_day(int64_t day);
bool parse_day(std::string_view text, int64_t& day);

}  // namespace cux::gateway
