#include "gateway/views_regulator.hpp"

#include <cstring>

#include "engine/symbol.hpp"
#include "gateway/money.hpp"
#include "gateway/views.hpp"

namespace cux::gateway {

using namespace cux::engine;

namespace {

std::string id(uint64_t v) { return std::to_string(v); }

std::string symbol(const market_config& m, instrument_id i) {
    const instrument_key k = unpack(i);
    if (k.chip >= m.chips.size() || k.region >= m.regions.size()) return "?" + id(i.value());
    return format_symbol(m, k);
}

json chip(const market_config& m, std::size_t c) {
    return c < m.chips.size() ? json(m.chips[c].id) : json(nullptr);
}
json region(const market_config& m, std::size_t r) {
    return r < m.regions.size() ? json(m.regions[r].id) : json(nullptr);
}
json carrier(const market_config& m, std::size_t c) {
    return c < m.carriers.size() ? json(m.carriers[c]) : json(nullptr);
}
const char* side_name(side s) { return s == side::buy ? "buy" : "sell"; }
const char* tif_name(time_in_force t) {
    return t == time_in_force::gtc ? "gtc" : t == time_in_force::ioc ? "ioc" : "fok";
}
const char* stp_name(stp_mode s) {
    return s == stp_mode::cancel_newest   ? "cancel_newest"
           : s == stp_mode::cancel_oldest ? "cancel_oldest"
                                          : "cancel_both";
}
json text(const char* buf, std::size_t n) {
    const std::size_t len = strnlen(buf, n);
    return len == 0 ? json(nullptr) : json(std::string(buf, len));
}
std::string hour(epoch_hour h) { return format_rfc3339(h * ns_per_hour); }
json bits(const std::vector<std::string>& ids, uint32_t mask) {
    json a = json::array();
    for (std::size_t i = 0; i < ids.size() && i < 32; ++i) {
        if ((mask >> i) & 1u) a.push_back(ids[i]);
    }
    return a;
}

json contract_fields(const market_config& m, const contract_body_ev& k) {
    return {{"contract_id", id(k.id.value())},
            {"trade_id", id(k.trade.value())},
            {"symbol", symbol(m, k.instrument)},
            {"buyer_id", id(k.buyer.value())},
            {"seller_id", id(k.seller.value())},
            {"origin_region", region(m, k.origin_region)},
            {"carrier", carrier(m, k.carrier)},
            {"price", format_fen(k.price.value())},
            {"qty", k.qty.value()},
            {"compute", format_fen(k.compute.value())},
            {"energy", format_fen(k.energy.value())},
            {"network", format_fen(k.network.value())},
            {"buyer_fee", format_fen(k.buyer_fee.value())},
            {"seller_fee", format_fen(k.seller_fee.value())}};
}

// A CSV field, quoted when it must be (RFC 4180).
std::string csv(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string q = "\"";
    for (const char c : s) {
        if (c == '"') q.push_back('"');
        q.push_back(c);
    }
    q.push_back('"');
    return q;
}

std::string csv_value(const json& j) {
    if (j.is_null()) return "";
    if (j.is_string()) return csv(j.get<std::string>());
    return csv(j.dump());
}

}  // namespace

json command_fields_json(const market_config& m, const command& c) {
    switch (c.type) {
        case command_type::place_order: {
            const place_order_body& b = c.body.place;
            return {{"symbol", symbol(m, b.instrument)},
                    {"side", side_name(b.sd)},
                    {"type", b.type == order_type::limit ? "limit" : "market"},
                    {"tif", tif_name(b.tif)},
                    {"stp", stp_name(b.stp)},
                    {"post_only", b.post_only != 0},
                    {"price", format_fen(b.price.value())},
                    {"qty", b.qty.value()},
                    {"origin_region",
                     b.origin_region == origin_none ? json(nullptr) : region(m, b.origin_region)},
                    {"data_gb", b.data_gb},
                    {"client_order_id", text(b.client_order_id, sizeof b.client_order_id)}};
        }
        case command_type::cancel_order:
            return {{"order_id", id(c.body.cancel.id.value())}};
        case command_type::replace_order:
            return {{"order_id", id(c.body.replace.id.value())},
                    {"price", format_fen(c.body.replace.price.value())},
                    {"qty", c.body.replace.qty.value()}};
        case command_type::deposit:
        case command_type::withdraw:
            return {{"target_id", id(c.body.money.target.value())},
                    {"amount", format_fen(c.body.money.amount.value())}};
        case command_type::register_capacity: {
            const capacity_body& b = c.body.capacity;
            return {{"chip", chip(m, b.chip)},
                    {"region", region(m, b.region)},
                    {"devices", b.devices.value()},
                    {"from", hour(b.from_hour)},
                    {"to", hour(b.to_hour)}};
        }
        case command_type::create_participant: {
            const create_participant_body& b = c.body.create;
            return {{"name", std::string(b.name, strnlen(b.name, sizeof b.name))},
                    {"roles", roles_json(b.roles)},
                    {"group", b.group == 0 ? json(nullptr) : json(id(b.group))}};
        }
        case command_type::fail_contract:
            return {{"contract_id", id(c.body.contract.id.value())}};
        case command_type::place_job: {
            const job_body& b = c.body.job;
            std::vector<std::string> chips;
            std::vector<std::string> regions;
            for (const chip_spec& s : m.chips) chips.push_back(s.id);
            for (const region_spec& s : m.regions) regions.push_back(s.id);
            return {{"chips", bits(chips, b.chips)},
                    {"regions", bits(regions, b.regions)},
                    {"start", hour(b.start_hour)},
                    {"hours", b.hours},
                    {"size", b.size},
                    {"pflops", (b.flags & job_flag_pflops) != 0},
                    {"data_gb", b.data_gb},
                    {"max_price", format_fen(b.max_price_fen)},
                    {"min_dense_gflops", b.min_dense_gflops},
                    {"max_rtt_us", b.max_rtt_us},
                    {"min_memory_gb", b.min_memory_gb},
                    {"min_green_milli", b.min_green_milli},
                    {"origin_region", region(m, b.origin_region)},
                    {"tif", tif_name(b.tif)},
                    {"split", (b.flags & job_flag_split) != 0},
                    {"dry_run", (b.flags & job_flag_dry_run) != 0},
                    {"client_order_id", text(b.client_order_id, sizeof b.client_order_id)}};
        }
        case command_type::tick:
        case command_type::none:
            break;
    }
    return json::object();
}

json event_fields_json(const market_config& m, const event& e) {
    switch (e.type) {
        case event_type::rejected:
            return {{"command", command_name(e.body.rejected.command)},
                    {"reason", reject_code(e.body.rejected.reason)},
                    {"reason_number", static_cast<int>(e.body.rejected.reason)},
                    {"order_id", e.body.rejected.order.value() == 0
                                     ? json(nullptr)
                                     : json(id(e.body.rejected.order.value()))}};
        case event_type::order_accepted: {
            const order_accepted_body& b = e.body.accepted;
            return {{"order_id", id(b.id.value())},
                    {"symbol", symbol(m, b.instrument)},
                    {"side", side_name(b.sd)},
                    {"type", b.type == order_type::limit ? "limit" : "market"},
                    {"tif", tif_name(b.tif)},
                    {"post_only", b.post_only != 0},
                    {"price", format_fen(b.price.value())},
                    {"qty", b.qty.value()},
                    {"hold", format_fen(b.hold.value())},
                    {"client_order_id", text(b.client_order_id, sizeof b.client_order_id)}};
        }
        case event_type::trade: {
            const trade_body& t = e.body.trade;
            return {{"trade_id", id(t.id.value())},
                    {"symbol", symbol(m, t.instrument)},
                    {"aggressor", side_name(t.aggressor)},
                    {"auction", t.auction != 0},
                    {"buyer_id", id(t.buyer.value())},
                    {"seller_id", id(t.seller.value())},
                    {"buy_order_id", id(t.buy_order.value())},
                    {"sell_order_id", id(t.sell_order.value())},
                    {"price", format_fen(t.price.value())},
                    {"qty", t.qty.value()},
                    {"contract_id", id(t.contract.value())},
                    {"compute", format_fen(t.compute.value())},
                    {"energy", format_fen(t.energy.value())},
                    {"network", format_fen(t.network.value())},
                    {"buyer_fee", format_fen(t.buyer_fee.value())},
                    {"seller_fee", format_fen(t.seller_fee.value())},
                    {"origin_region", region(m, t.origin_region)},
                    {"carrier", carrier(m, t.carrier)}};
        }
        case event_type::order_done: {
            const order_done_body& b = e.body.done;
            return {{"order_id", id(b.id.value())},         {"symbol", symbol(m, b.instrument)},
                    {"reason", done_reason_name(b.reason)}, {"side", side_name(b.sd)},
                    {"filled", b.filled.value()},           {"remaining", b.remaining.value()}};
        }
        case event_type::order_replaced: {
            const order_replaced_body& b = e.body.replaced;
            return {{"order_id", id(b.id.value())},
                    {"symbol", symbol(m, b.instrument)},
                    {"kept_priority", b.kept_priority != 0},
                    {"price", format_fen(b.price.value())},
                    {"qty", b.qty.value()},
                    {"hold", format_fen(b.hold.value())}};
        }
        case event_type::book_level: {
            const book_level_body& b = e.body.level;
            return {{"symbol", symbol(m, b.instrument)},
                    {"side", side_name(b.sd)},
                    {"price", format_fen(b.price.value())},
                    {"qty", b.qty.value()},
                    {"orders", b.orders}};
        }
        case event_type::auction_result: {
            const auction_result_body& b = e.body.auction;
            return {{"symbol", symbol(m, b.instrument)},
                    {"kind", b.kind == auction_kind::opening ? "opening" : "closing"},
                    {"price", format_fen(b.price.value())},
                    {"volume", b.volume.value()},
                    {"imbalance", b.imbalance.value()}};
        }
        case event_type::instrument_status: {
            const instrument_status_body& b = e.body.status;
            return {{"symbol", symbol(m, b.instrument)},
                    {"status", status_name(b.status)},
                    {"reference", format_fen(b.reference.value())},
                    {"band_low", format_fen(b.band_low.value())},
                    {"band_high", format_fen(b.band_high.value())},
                    {"settlement", format_fen(b.settlement.value())}};
        }
        case event_type::balance_changed: {
            const balance_changed_body& b = e.body.balance;
            return {{"participant_id", id(b.participant.value())},
                    {"available", format_fen(b.available.value())},
                    {"held", format_fen(b.held.value())},
                    {"escrow", format_fen(b.escrow.value())},
                    {"delta_available", format_fen(b.delta_available.value())}};
        }
        case event_type::capacity_changed: {
            const capacity_changed_body& b = e.body.capacity;
            return {{"participant_id", id(b.participant.value())},
                    {"chip", chip(m, b.chip)},
                    {"region", region(m, b.region)},
                    {"from", hour(b.from_hour)},
                    {"to", hour(b.to_hour)},
                    {"registered_delta", b.registered_delta.value()}};
        }
        case event_type::participant_created: {
            const participant_created_body& b = e.body.created;
            return {{"participant_id", id(b.participant.value())},
                    {"roles", roles_json(b.roles)},
                    {"name", std::string(b.name, strnlen(b.name, sizeof b.name))},
                    {"group", b.group == 0 ? json(nullptr) : json(id(b.group))}};
        }
        case event_type::contract_settled:
        case event_type::contract_failed:
            return contract_fields(m, e.body.contract);
        case event_type::job_candidate: {
            const job_candidate_body& b = e.body.candidate;
            return {{"job", b.job},
                    {"chip", chip(m, b.chip)},
                    {"region", region(m, b.region)},
                    {"exclusion", job_exclusion_name(b.exclusion)},
                    {"rank", b.rank},
                    {"detail", b.detail},
                    {"need", b.need.value()},
                    {"devices", b.devices.value()},
                    {"compute", format_fen(b.compute.value())},
                    {"energy", format_fen(b.energy.value())},
                    {"network", format_fen(b.network.value())},
                    {"fees", format_fen(b.fees.value())},
                    {"unit_price", format_fen(b.unit_price_fen)},
                    {"taken", b.taken.value()},
                    {"taken_cost", format_fen(b.taken_cost.value())}};
        }
        case event_type::job_done: {
            const job_done_body& b = e.body.job;
            return {{"job", b.job},
                    {"status", job_status_name(b.status)},
                    {"tif", tif_name(b.tif)},
                    {"flags", b.flags},
                    {"reason",
                     b.reason == reject_reason::none ? json(nullptr) : json(reject_code(b.reason))},
                    {"eligible", b.eligible},
                    {"devices", b.devices.value()},
                    {"size", b.size},
                    {"covered", b.covered},
                    {"compute", format_fen(b.compute.value())},
                    {"energy", format_fen(b.energy.value())},
                    {"network", format_fen(b.network.value())},
                    {"fees", format_fen(b.fees.value())},
                    {"client_order_id", text(b.client_order_id, sizeof b.client_order_id)}};
        }
        case event_type::command_done:
        case event_type::none:
            break;
    }
    return json::object();
}

json audit_row_json(const market_config& m, const ledger::audit_entry& a) {
    const bool cmd = a.is_command();
    json participant = json(nullptr);
    if (cmd || a.participant != 0) participant = id(a.participant);
    return {{"row", a.row},
            {"seq", a.seq},
            {"event_seq", cmd ? json(nullptr) : json(a.event_seq)},
            {"time", format_rfc3339(a.ts)},
            {"kind", cmd ? "command" : "event"},
            {"type", cmd ? command_name(a.cmd.type) : event_name(a.ev.type)},
            {"participant_id", participant},
            {"reject_reason",
             a.reason == reject_reason::none ? json(nullptr) : json(reject_code(a.reason))},
            {"fields", cmd ? command_fields_json(m, a.cmd) : event_fields_json(m, a.ev)}};
}

json alert_json(const market_config& m, const ledger::alert& a) {
    json participants = json::array();
    for (uint8_t i = 0; i < a.participants; ++i)
        participants.push_back(id(a.participant[i].value()));
    const auto ids = [](const uint64_t* v, uint8_t n) {
        json out = json::array();
        for (uint8_t i = 0; i < n; ++i) out.push_back(id(v[i]));
        return out;
    };
    const auto nums = [](const uint64_t* v, uint8_t n) {
        json out = json::array();
        for (uint8_t i = 0; i < n; ++i) out.push_back(v[i]);
        return out;
    };
    json metrics = json::object();
    const char* const* names = ledger::alert_metric_names(a.kind);
    for (std::size_t i = 0; i < ledger::alert::metrics_max && names[i] != nullptr; ++i) {
        metrics[names[i]] = a.metric[i];
    }
    const std::string sym = symbol(m, a.instrument);
    std::string message;
    switch (a.kind) {
        case ledger::alert_kind::wash_trade:
            message = a.participants > 1
                          ? "wash trade: participants " + id(a.participant[0].value()) + " and " +
                                id(a.participant[1].value()) + " (group " + id(a.metric[1]) +
                                ") traded " + std::to_string(a.metric[0]) + " with each other in " +
                                sym
                          : "wash trade: participant " + id(a.participant[0].value()) + " traded " +
                                std::to_string(a.metric[0]) + " with itself in " + sym;
            break;
        case ledger::alert_kind::layering:
            message = "layering: participant " + id(a.participant[0].value()) + " cancelled " +
                      std::to_string(a.metric[0]) + " large orders (" +
                      std::to_string(a.metric[1]) +
                      " devices) soon after placing them and traded " +
                      std::to_string(a.metric[2]) + " on the other side of " + sym;
            break;
        case ledger::alert_kind::capacity_hoarding:
            message = "capacity hoarding: participant " + id(a.participant[0].value()) + " holds " +
                      std::to_string(a.metric[0]) + " of the " + std::to_string(a.metric[1]) +
                      " devices registered for " + sym + " (" + std::to_string(a.metric[2] / 100) +
                      "." + std::to_string(a.metric[2] % 100 / 10) +
                      std::to_string(a.metric[2] % 10) + "%)";
            break;
    }
    return {{"seq", a.seq},
            {"kind", ledger::alert_kind_name(a.kind)},
            {"time", format_rfc3339(a.ts)},
            {"cmd_seq", a.cmd_seq},
            {"event_seq", a.event_seq},
            {"participant_ids", participants},
            {"symbol", sym},
            {"message", message},
            {"evidence",
             {{"order_ids", ids(a.order_id, a.orders)},
              {"trade_ids", ids(a.trade_id, a.trades)},
              {"seqs", nums(a.cmd_seq_of, a.seqs)},
              {"event_seqs", nums(a.event_seq_of, a.event_seqs)}}},
            {"metrics", metrics}};
}

const char* const audit_csv_header =
    "row,seq,event_seq,time,kind,type,participant_id,reject_reason,symbol,order_id,side,price,"
    "qty,fields\r\n";

std::string audit_csv_line(const json& row) {
    const json& f = row["fields"];
    const auto field = [&](const char* k) {
        const auto it = f.find(k);
        return it == f.end() ? std::string() : csv_value(*it);
    };
    std::string line;
    for (const char* k :
         {"row", "seq", "event_seq", "time", "kind", "type", "participant_id", "reject_reason"}) {
        line += csv_value(row[k]);
        line.push_back(',');
    }
    for (const char* k : {"symbol", "order_id", "side", "price", "qty"}) {
        line += field(k);
        line.push_back(',');
    }
    line += csv(f.dump());
    line += "\r\n";
    return line;
}

}  // namespace cux::gateway
