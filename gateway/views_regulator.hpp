#pragma once
// JSON and CSV views of the audit trail and the surveillance alerts (the regulator's routes and
// the `alerts` stream channel; schemas/api/audit_row.json, alert.json). A command row's
// `fields` name every field of its body, so that a regulator can re-encode the commands and
// replay them into a fresh engine (tests/gateway/regulator_test.cpp does: the same state hash);
// the routing token is the gateway's, not the engine's, and is left out. Any thread, no state.

#include <nlohmann/json.hpp>
#include <string>

#include "engine/market.hpp"
#include "ledger/audit_store.hpp"
#include "ledger/surveillance.hpp"

namespace cux::gateway {

nlohmann::json command_fields_json(const engine::market_config& m, const engine::command& c);
nlohmann::json event_fields_json(const engine::market_config& m, const engine::event& e);
nlohmann::json audit_row_json(const engine::market_config& m, const ledger::audit_entry& a);
nlohmann::json alert_json(const engine::market_config& m, const ledger::alert& a);

// The CSV export: the header line and one line per row (RFC 4180, CRLF line ends).
extern const char* const audit_csv_header;
std::string audit_csv_line(const nlohmann::json& row);

}  // namespace cux::gateway
