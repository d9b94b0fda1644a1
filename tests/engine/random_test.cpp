// The seeded randomized test (STYLE.md "Tests"): a random command stream drives the engine and
// the deliberately naive reference model (reference_model.hpp) side by side, and every event of
// every command is compared field by field. Order ids differ by design (the engine's encode
// slot and generation), so the comparison keeps a bijection between the two, established at
// order_accepted and checked wherever else an order id appears. After every command both
// sides' invariants are checked too.
//
// On the first difference the test fails with the seed, the command index, the command and
// both event lists. Environment: CUX_RANDOM_SEED=<n>[,<n>...] runs those seeds instead of the
// default ones (1-4), CUX_RANDOM_COMMANDS=<n> sets the number of commands per seed. Each seed
// prints a summary (commands/s, market time, events, rejects and done reasons by kind). A seed
// names the same stream wherever the standard library is libstdc++ (the distributions of
// <random> are implementation-defined).
//
// The market is the harness's small one (tests/engine/harness.hpp) with a 5-fen h100 tick and a
// time-of-use tariff; the limits are small so that every reject reason the engine can emit is
// reached. The stream runs several days of market time: hour and day windows list, open, close,
// settle and delist, and their settlement prices become the next windows' references.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/exchange.hpp"
#include "engine/symbol.hpp"
#include "tests/engine/harness.hpp"
#include "tests/engine/reference_model.hpp"

namespace cux::engine::test {
namespace {

// 100k commands per seed take ~2 s in a release build. Debug and sanitizer builds run the same
// stream ten times shorter (~15 s per seed under ASan at -O0).
#ifdef NDEBUG
constexpr std::size_t default_commands = 100'000;
#else
constexpr std::size_t default_commands = 10'000;
#endif

// The harness's small market with a coarser h100 tick (so off-tick prices exist) and a
// time-of-use tariff in yrd (so each window's energy differs).
market_config random_market() {
    market_config m = small_market();
    m.chips[0].name_zh = "英伟达 H100";
    m.chips[1].name_zh = "x86 虚拟核";
    m.regions[0].name_zh = "长三角";
    m.regions[1].name_zh = "宁夏";
    m.chips[0].tick = price_fen(5);
    for (std::size_t h = 0; h < 24; ++h) {
        const bool valley = h < 8;
        const bool peak = (h >= 9 && h < 12) || (h >= 17 && h < 21);
        m.regions[0].tariff_mcny_kwh[h] = valley ? 310 : peak ? 1120 : 692;
    }
    return m;
}

// Small enough that the order and participant limits are reached now and then.
exchange_config random_config() {
    exchange_config c = small_config();
    c.orders_max = 100;
    c.contracts_max = 2000;
    c.participants_max = 40;
    c.instruments_max = 128;
    c.capacity_rows_max = 7;
    c.open_orders_per_participant_max = 40;
    c.open_orders_per_book_max = 25;
    // The test calls check_invariants() itself after every command, to report a violation
    // with the seed and the command rather than abort.
    c.check_every_command = false;
    return c;
}

model_config model_config_of(const exchange_config& c) {
    model_config m;
    m.orders_max = c.orders_max;
    m.contracts_max = c.contracts_max;
    m.participants_max = c.participants_max;
    m.capacity_rows_max = c.capacity_rows_max;
    m.open_orders_per_participant_max = c.open_orders_per_participant_max;
    m.open_orders_per_book_max = c.open_orders_per_book_max;
    return m;
}

struct vec_sink final : event_sink {
    std::vector<event> events;
    void on_event(const event& e) override { events.push_back(e); }
};

bool tradeable(instrument_status s) {
    return s == instrument_status::pre_open || s == instrument_status::open ||
           s == instrument_status::closing;
}

// ---- the order id bijection ------------------------------------------------------------------

class id_map {
public:
    id_map() { bind(0, 0); }
    // false when either id is already bound to another.
    bool bind(uint64_t engine_id, uint64_t model_id) {
        const auto e = e2m_.find(engine_id);
        const auto m = m2e_.find(model_id);
        if (e != e2m_.end() || m != m2e_.end()) {
            return e != e2m_.end() && m != m2e_.end() && e->second == model_id;
        }
        e2m_.emplace(engine_id, model_id);
        m2e_.emplace(model_id, engine_id);
        return true;
    }
    [[nodiscard]] std::optional<uint64_t> model_of(uint64_t engine_id) const {
        const auto it = e2m_.find(engine_id);
        return it == e2m_.end() ? std::nullopt : std::optional<uint64_t>(it->second);
    }
    [[nodiscard]] std::optional<uint64_t> engine_of(uint64_t model_id) const {
        const auto it = m2e_.find(model_id);
        return it == m2e_.end() ? std::nullopt : std::optional<uint64_t>(it->second);
    }

private:
    std::unordered_map<uint64_t, uint64_t> e2m_;
    std::unordered_map<uint64_t, uint64_t> m2e_;
};

// Ids that exist on neither side: the engine's name slots past any pool, the model's are past
// any count. Bound to each other so "unknown order" rejections compare.
constexpr int unknown_ids = 4;
uint64_t unknown_model_id(int k) { return (uint64_t{1} << 62) + static_cast<uint64_t>(k); }
uint64_t unknown_engine_id(int k) {
    return (uint64_t{0x7ffffff0U + static_cast<uint32_t>(k)} << 32) |
           (0xfffffff0U + static_cast<uint32_t>(k));
}

// ---- printing --------------------------------------------------------------------------------

std::string symbol_of(const market_config& m, instrument_id id) {
    const instrument_key k = unpack(id);
    std::string s = k.chip < m.chips.size() && k.region < m.regions.size() ? format_symbol(m, k)
                                                                           : std::string("?");
    return s + "#" + std::to_string(id.value());
}

std::string text_of(const char* p, std::size_t n) { return std::string(p, strnlen(p, n)); }

const char* side_name(side s) {
    return s == side::buy ? "buy" : s == side::sell ? "sell" : "side?";
}

// One event on one line; engine order ids are annotated with the model id they map to.
std::string describe(const event& e, const market_config& m, const id_map* ids) {
    std::ostringstream s;
    const auto oid = [&](order_id id) {
        std::string t = std::to_string(id.value());
        if (ids != nullptr) {
            const auto mapped = ids->model_of(id.value());
            t += mapped ? "(m" + std::to_string(*mapped) + ")" : "(m?)";
        }
        return t;
    };
    s << "#" << e.event_seq << " cmd=" << e.cmd_seq << " ts=" << e.ts << " tok=" << e.token.session
      << "/" << e.token.reserved << "/" << e.token.request << " p=" << e.participant.value() << " "
      << event_name(e.type) << "<" << command_name(e.command) << "> ";
    switch (e.type) {
        case event_type::rejected: {
            const auto& b = e.body.rejected;
            s << command_name(b.command) << " " << reject_code(b.reason) << "("
              << static_cast<int>(b.reason) << ") order=" << oid(b.order);
            break;
        }
        case event_type::order_accepted: {
            const auto& b = e.body.accepted;
            s << "id=" << oid(b.id) << " " << symbol_of(m, b.instrument) << " " << side_name(b.sd)
              << " type=" << static_cast<int>(b.type) << " tif=" << static_cast<int>(b.tif)
              << " post_only=" << int{b.post_only} << " price=" << b.price.value()
              << " qty=" << b.qty.value() << " hold=" << b.hold.value() << " coid='"
              << text_of(b.client_order_id, sizeof b.client_order_id) << "'";
            break;
        }
        case event_type::trade: {
            const auto& b = e.body.trade;
            s << "id=" << b.id.value() << " " << symbol_of(m, b.instrument)
              << " aggressor=" << side_name(b.aggressor) << " auction=" << int{b.auction}
              << " origin=" << int{b.origin_region} << " buy=" << oid(b.buy_order)
              << " sell=" << oid(b.sell_order) << " buyer=" << b.buyer.value()
              << " seller=" << b.seller.value() << " price=" << b.price.value()
              << " qty=" << b.qty.value() << " compute=" << b.compute.value()
              << " energy=" << b.energy.value() << " network=" << b.network.value()
              << " buyer_fee=" << b.buyer_fee.value() << " seller_fee=" << b.seller_fee.value();
            break;
        }
        case event_type::order_done: {
            const auto& b = e.body.done;
            s << "id=" << oid(b.id) << " " << symbol_of(m, b.instrument) << " "
              << done_reason_name(b.reason) << " " << side_name(b.sd)
              << " filled=" << b.filled.value() << " remaining=" << b.remaining.value();
            break;
        }
        case event_type::order_replaced: {
            const auto& b = e.body.replaced;
            s << "id=" << oid(b.id) << " " << symbol_of(m, b.instrument)
              << " kept=" << int{b.kept_priority} << " price=" << b.price.value()
              << " qty=" << b.qty.value() << " hold=" << b.hold.value();
            break;
        }
        case event_type::book_level: {
            const auto& b = e.body.level;
            s << symbol_of(m, b.instrument) << " " << side_name(b.sd)
              << " price=" << b.price.value() << " qty=" << b.qty.value() << " orders=" << b.orders;
            break;
        }
        case event_type::auction_result: {
            const auto& b = e.body.auction;
            s << symbol_of(m, b.instrument)
              << (b.kind == auction_kind::opening ? " opening" : " closing")
              << " price=" << b.price.value() << " volume=" << b.volume.value()
              << " imbalance=" << b.imbalance.value();
            break;
        }
        case event_type::instrument_status: {
            const auto& b = e.body.status;
            s << symbol_of(m, b.instrument) << " " << status_name(b.status)
              << " ref=" << b.reference.value() << " band=[" << b.band_low.value() << ","
              << b.band_high.value() << "] settlement=" << b.settlement.value();
            break;
        }
        case event_type::balance_changed: {
            const auto& b = e.body.balance;
            s << "participant=" << b.participant.value() << " available=" << b.available.value()
              << " held=" << b.held.value() << " escrow=" << b.escrow.value()
              << " delta_available=" << b.delta_available.value();
            break;
        }
        case event_type::capacity_changed: {
            const auto& b = e.body.capacity;
            s << "participant=" << b.participant.value() << " chip=" << int{b.chip}
              << " region=" << int{b.region} << " hours=[" << b.from_hour << "," << b.to_hour
              << ") delta=" << b.registered_delta.value();
            break;
        }
        case event_type::participant_created: {
            const auto& b = e.body.created;
            s << "participant=" << b.participant.value() << " roles=" << int{b.roles} << " name='"
              << text_of(b.name, sizeof b.name) << "'";
            break;
        }
        case event_type::command_done:
        case event_type::none:
        default:
            break;
    }
    return s.str();
}

std::string describe(const command& c, const market_config& m) {
    std::ostringstream s;
    s << "seq=" << c.seq << " ts=" << c.ts << " (" << format_rfc3339(c.ts) << ") "
      << command_name(c.type) << "(" << static_cast<int>(c.type) << ") actor=" << c.actor.value()
      << " ";
    switch (c.type) {
        case command_type::place_order: {
            const auto& b = c.body.place;
            s << symbol_of(m, b.instrument) << " sd=" << static_cast<int>(b.sd)
              << " type=" << static_cast<int>(b.type) << " tif=" << static_cast<int>(b.tif)
              << " stp=" << static_cast<int>(b.stp) << " post_only=" << int{b.post_only}
              << " origin=" << int{b.origin_region} << " price=" << b.price.value()
              << " qty=" << b.qty.value() << " data_gb=" << b.data_gb;
            break;
        }
        case command_type::cancel_order:
            s << "id=" << c.body.cancel.id.value();
            break;
        case command_type::replace_order:
            s << "id=" << c.body.replace.id.value() << " price=" << c.body.replace.price.value()
              << " qty=" << c.body.replace.qty.value();
            break;
        case command_type::deposit:
        case command_type::withdraw:
            s << "target=" << c.body.money.target.value()
              << " amount=" << c.body.money.amount.value();
            break;
        case command_type::register_capacity: {
            const auto& b = c.body.capacity;
            s << "chip=" << int{b.chip} << " region=" << int{b.region}
              << " devices=" << b.devices.value() << " hours=[" << b.from_hour << "," << b.to_hour
              << ")";
            break;
        }
        case command_type::create_participant:
            s << "roles=" << int{c.body.create.roles} << " name='"
              << text_of(c.body.create.name, sizeof c.body.create.name) << "'";
            break;
        case command_type::tick:
        case command_type::none:
        default:
            break;
    }
    return s.str();
}

// ---- comparing -------------------------------------------------------------------------------

// The first field in which the engine's event differs from the model's, or "".
class event_diff {
public:
    event_diff(id_map& ids, id_map& contracts) : ids_(ids), contracts_(contracts) {}

    std::string operator()(const event& e, const event& m) {
        why_.clear();
        num("event_seq", e.event_seq, m.event_seq);
        num("cmd_seq", e.cmd_seq, m.cmd_seq);
        num("ts", e.ts, m.ts);
        num("token.session", e.token.session, m.token.session);
        num("token.reserved", e.token.reserved, m.token.reserved);
        num("token.request", e.token.request, m.token.request);
        num("participant", e.participant.value(), m.participant.value());
        num("type", e.type, m.type);
        num("command", e.command, m.command);
        if (!why_.empty()) return why_;
        switch (e.type) {
            case event_type::rejected: {
                const auto& a = e.body.rejected;
                const auto& b = m.body.rejected;
                num("rejected.command", a.command, b.command);
                num("rejected.reason", a.reason, b.reason);
                ord("rejected.order", a.order, b.order);
                break;
            }
            case event_type::order_accepted: {
                const auto& a = e.body.accepted;
                const auto& b = m.body.accepted;
                if (!ids_.bind(a.id.value(), b.id.value())) {
                    why_ = "accepted.id: engine id " + std::to_string(a.id.value()) +
                           " or model id " + std::to_string(b.id.value()) + " is already bound";
                }
                num("accepted.instrument", a.instrument.value(), b.instrument.value());
                num("accepted.sd", a.sd, b.sd);
                num("accepted.type", a.type, b.type);
                num("accepted.tif", a.tif, b.tif);
                num("accepted.post_only", a.post_only, b.post_only);
                num("accepted.price", a.price.value(), b.price.value());
                num("accepted.qty", a.qty.value(), b.qty.value());
                num("accepted.hold", a.hold.value(), b.hold.value());
                if (why_.empty() && std::memcmp(a.client_order_id, b.client_order_id,
                                                sizeof a.client_order_id) != 0) {
                    why_ = "accepted.client_order_id";
                }
                break;
            }
            case event_type::trade: {
                const auto& a = e.body.trade;
                const auto& b = m.body.trade;
                num("trade.id", a.id.value(), b.id.value());
                num("trade.instrument", a.instrument.value(), b.instrument.value());
                num("trade.aggressor", a.aggressor, b.aggressor);
                num("trade.auction", a.auction, b.auction);
                num("trade.origin_region", a.origin_region, b.origin_region);
                num("trade.carrier", a.carrier, b.carrier);
                if (why_.empty() && !contracts_.bind(a.contract.value(), b.contract.value())) {
                    why_ = "trade.contract: engine id " + std::to_string(a.contract.value()) +
                           " or model id " + std::to_string(b.contract.value()) +
                           " is already bound";
                }
                ord("trade.buy_order", a.buy_order, b.buy_order);
                ord("trade.sell_order", a.sell_order, b.sell_order);
                num("trade.buyer", a.buyer.value(), b.buyer.value());
                num("trade.seller", a.seller.value(), b.seller.value());
                num("trade.price", a.price.value(), b.price.value());
                num("trade.qty", a.qty.value(), b.qty.value());
                num("trade.compute", a.compute.value(), b.compute.value());
                num("trade.energy", a.energy.value(), b.energy.value());
                num("trade.network", a.network.value(), b.network.value());
                num("trade.buyer_fee", a.buyer_fee.value(), b.buyer_fee.value());
                num("trade.seller_fee", a.seller_fee.value(), b.seller_fee.value());
                break;
            }
            case event_type::order_done: {
                const auto& a = e.body.done;
                const auto& b = m.body.done;
                ord("done.id", a.id, b.id);
                num("done.instrument", a.instrument.value(), b.instrument.value());
                num("done.reason", a.reason, b.reason);
                num("done.sd", a.sd, b.sd);
                num("done.filled", a.filled.value(), b.filled.value());
                num("done.remaining", a.remaining.value(), b.remaining.value());
                break;
            }
            case event_type::order_replaced: {
                const auto& a = e.body.replaced;
                const auto& b = m.body.replaced;
                ord("replaced.id", a.id, b.id);
                num("replaced.instrument", a.instrument.value(), b.instrument.value());
                num("replaced.kept_priority", a.kept_priority, b.kept_priority);
                num("replaced.price", a.price.value(), b.price.value());
                num("replaced.qty", a.qty.value(), b.qty.value());
                num("replaced.hold", a.hold.value(), b.hold.value());
                break;
            }
            case event_type::book_level: {
                const auto& a = e.body.level;
                const auto& b = m.body.level;
                num("level.instrument", a.instrument.value(), b.instrument.value());
                num("level.sd", a.sd, b.sd);
                num("level.price", a.price.value(), b.price.value());
                num("level.qty", a.qty.value(), b.qty.value());
                num("level.orders", a.orders, b.orders);
                break;
            }
            case event_type::auction_result: {
                const auto& a = e.body.auction;
                const auto& b = m.body.auction;
                num("auction.instrument", a.instrument.value(), b.instrument.value());
                num("auction.kind", a.kind, b.kind);
                num("auction.price", a.price.value(), b.price.value());
                num("auction.volume", a.volume.value(), b.volume.value());
                num("auction.imbalance", a.imbalance.value(), b.imbalance.value());
                break;
            }
            case event_type::instrument_status: {
                const auto& a = e.body.status;
                const auto& b = m.body.status;
                num("status.instrument", a.instrument.value(), b.instrument.value());
                num("status.status", a.status, b.status);
                num("status.reference", a.reference.value(), b.reference.value());
                num("status.band_low", a.band_low.value(), b.band_low.value());
                num("status.band_high", a.band_high.value(), b.band_high.value());
                num("status.settlement", a.settlement.value(), b.settlement.value());
                break;
            }
            case event_type::balance_changed: {
                const auto& a = e.body.balance;
                const auto& b = m.body.balance;
                num("balance.participant", a.participant.value(), b.participant.value());
                num("balance.available", a.available.value(), b.available.value());
                num("balance.held", a.held.value(), b.held.value());
                num("balance.escrow", a.escrow.value(), b.escrow.value());
                num("balance.delta_available", a.delta_available.value(),
                    b.delta_available.value());
                break;
            }
            case event_type::capacity_changed: {
                const auto& a = e.body.capacity;
                const auto& b = m.body.capacity;
                num("capacity.participant", a.participant.value(), b.participant.value());
                num("capacity.chip", a.chip, b.chip);
                num("capacity.region", a.region, b.region);
                num("capacity.from_hour", a.from_hour, b.from_hour);
                num("capacity.to_hour", a.to_hour, b.to_hour);
                num("capacity.registered_delta", a.registered_delta.value(),
                    b.registered_delta.value());
                break;
            }
            case event_type::participant_created: {
                const auto& a = e.body.created;
                const auto& b = m.body.created;
                num("created.participant", a.participant.value(), b.participant.value());
                num("created.roles", a.roles, b.roles);
                if (why_.empty() && std::memcmp(a.name, b.name, sizeof a.name) != 0) {
                    why_ = "created.name";
                }
                break;
            }
            case event_type::contract_settled:
            case event_type::contract_failed: {
                const auto& a = e.body.contract;
                const auto& b = m.body.contract;
                if (why_.empty()) {
                    const auto mapped = contracts_.model_of(a.id.value());
                    if (!mapped || *mapped != b.id.value()) why_ = "contract.id";
                }
                num("contract.trade", a.trade.value(), b.trade.value());
                num("contract.instrument", a.instrument.value(), b.instrument.value());
                num("contract.buyer", a.buyer.value(), b.buyer.value());
                num("contract.seller", a.seller.value(), b.seller.value());
                num("contract.origin_region", a.origin_region, b.origin_region);
                num("contract.carrier", a.carrier, b.carrier);
                num("contract.price", a.price.value(), b.price.value());
                num("contract.qty", a.qty.value(), b.qty.value());
                num("contract.compute", a.compute.value(), b.compute.value());
                num("contract.energy", a.energy.value(), b.energy.value());
                num("contract.network", a.network.value(), b.network.value());
                num("contract.buyer_fee", a.buyer_fee.value(), b.buyer_fee.value());
                num("contract.seller_fee", a.seller_fee.value(), b.seller_fee.value());
                break;
            }
            case event_type::command_done:
            case event_type::none:
            default:
                break;
        }
        return why_;
    }

private:
    template <class T>
    void num(const char* name, T engine_value, T model_value) {
        if (!why_.empty() || engine_value == model_value) return;
        why_ = std::string(name) + ": engine " +
               std::to_string(static_cast<long long>(engine_value)) + " != model " +
               std::to_string(static_cast<long long>(model_value));
    }
    void ord(const char* name, order_id engine_value, order_id model_value) {
        if (!why_.empty()) return;
        const auto mapped = ids_.model_of(engine_value.value());
        if (mapped && *mapped == model_value.value()) return;
        why_ = std::string(name) + ": engine id " + std::to_string(engine_value.value()) +
               (mapped ? " maps to model id " + std::to_string(*mapped) : " is not bound") +
               ", model has " + std::to_string(model_value.value());
    }

    id_map& ids_;
    id_map& contracts_;
    std::string why_;
};

// ---- the random command stream ---------------------------------------------------------------

// Participants created by the scripted start of every run, in creation order.
constexpr participant_id p_admin(1);
constexpr participant_id p_buyer1(2);
constexpr participant_id p_buyer2(3);
constexpr participant_id p_vendor1(4);
constexpr participant_id p_vendor2(5);
constexpr participant_id p_both(6);
constexpr participant_id p_regulator(7);

// Generates commands in the model's id space, choosing what to do from the model's state
// (never the engine's). The caller stamps seq and ts (ts = now()).
class command_gen {
public:
    command_gen(uint64_t seed, const reference_model& model) : rng_(seed), model_(model) {
        // A random time of day, so runs start in different phases of the calendar.
        now_ = t0 + uni(0, 86'399) * ns_per_s;
        script();
    }

    [[nodiscard]] utc_ns now() const { return now_; }

    command next() {
        command c;
        if (!script_.empty()) {
            c = script_.front();
            script_.erase(script_.begin());
        } else {
            c = random_command();
        }
        c.token.session = static_cast<uint32_t>(uni(1, 8));
        c.token.reserved = static_cast<uint32_t>(uni(0, 1));
        c.token.request = ++requests_;
        return c;
    }

    // Learns from the model's events which orders ended (their ids become stale).
    void observe(const std::vector<event>& model_events) {
        for (const event& e : model_events) {
            if (e.type == event_type::contract_settled) {
                const std::pair<uint64_t, participant_id> gone{e.body.contract.id.value(),
                                                               e.body.contract.seller};
                if (settled_.size() < 256) {
                    settled_.push_back(gone);
                } else {
                    settled_[settled_next_++ % settled_.size()] = gone;
                }
            }
            if (e.type != event_type::order_done) continue;
            const std::pair<uint64_t, participant_id> gone{e.body.done.id.value(), e.participant};
            if (dead_.size() < 512) {
                dead_.push_back(gone);
            } else {
                dead_[dead_next_++ % dead_.size()] = gone;
            }
        }
    }

private:
    int64_t uni(int64_t lo, int64_t hi) {
        return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
    }
    bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
    template <class T>
    const T& pick(const std::vector<T>& v) {
        return v[static_cast<std::size_t>(uni(0, static_cast<int64_t>(v.size()) - 1))];
    }

    static command make(command_type t, participant_id actor) {
        command c;
        c.type = t;
        c.actor = actor;
        return c;
    }

    static command create(participant_id actor, uint8_t roles, const std::string& name) {
        command c = make(command_type::create_participant, actor);
        c.body.create.roles = roles;
        std::memcpy(c.body.create.name, name.data(),
                    std::min(name.size(), sizeof c.body.create.name));
        return c;
    }

    static command deposit(participant_id actor, participant_id target, int64_t fen) {
        command c = make(command_type::deposit, actor);
        c.body.money.target = target;
        c.body.money.amount = money_fen(fen);
        return c;
    }

    static command capacity(participant_id actor, int chip, int region, int64_t devices,
                            epoch_hour from, epoch_hour to) {
        command c = make(command_type::register_capacity, actor);
        c.body.capacity.chip = static_cast<uint8_t>(chip);
        c.body.capacity.region = static_cast<uint8_t>(region);
        c.body.capacity.devices = qty_devices(devices);
        c.body.capacity.from_hour = from;
        c.body.capacity.to_hour = to;
        return c;
    }

    [[nodiscard]] epoch_hour now_hour() const { return now_ / ns_per_hour; }

    // The start of every run: the cast, their money and capacity.
    void script() {
        script_.push_back(create(participant_id(0), role_admin, "admin"));
        script_.push_back(create(p_admin, role_buyer, "buyer1"));
        script_.push_back(create(p_admin, role_buyer, "buyer2"));
        script_.push_back(create(p_admin, role_vendor, "vendor1"));
        script_.push_back(create(p_admin, role_vendor, "vendor2"));
        script_.push_back(create(p_admin, role_buyer | role_vendor, "both"));
        script_.push_back(create(p_admin, role_regulator, "regulator"));
        for (const participant_id p : {p_buyer1, p_buyer2, p_both}) {
            script_.push_back(deposit(p_admin, p, 20'000'000));
        }
        for (const participant_id p : {p_vendor1, p_vendor2, p_both}) {
            for (int chip = 0; chip < 2; ++chip) {
                for (int region = 0; region < 2; ++region) {
                    // The capacity table is small (every check_invariants() walks each row's
                    // ring of 1024 hours): vendor2 and `both` start with one row each.
                    if (p == p_vendor2 && (chip != 1 || region != 0)) continue;
                    if (p == p_both && (chip != 0 || region != 1)) continue;
                    script_.push_back(capacity(p, chip, region, 150, now_hour(), now_hour() + 72));
                }
            }
        }
    }

    std::vector<participant_id> buyers() const { return {p_buyer1, p_buyer2, p_both}; }
    std::vector<participant_id> sellers() const { return {p_vendor1, p_vendor2, p_both}; }
    std::vector<participant_id> traders() const {
        return {p_buyer1, p_buyer2, p_vendor1, p_vendor2, p_both};
    }
    // Anyone, including participants that do not exist.
    participant_id anyone() {
        const int64_t r = uni(0, 9);
        if (r == 0) return participant_id(0);
        if (r == 1) return participant_id(static_cast<uint32_t>(uni(41, 70'000)));
        if (r == 2) return participant_id(0xffffffffU);
        const auto created = static_cast<int64_t>(model_.participants_created());
        return participant_id(static_cast<uint32_t>(uni(1, std::max<int64_t>(created, 7) + 2)));
    }

    command random_command() {
        // Most commands arrive at the same stamp as the one before; some a little later.
        if (chance(0.02)) now_ += uni(1, 10) * ns_per_s;
        if (burst_left_ > 0 || chance(0.001)) {
            if (auto c = burst()) return *c;
        }
        const int64_t r = uni(0, 999);
        if (r < 500) return place();
        if (r < 620) return cancel();
        if (r < 720) return replace();
        if (r < 780) return tick();
        if (r < 850) return money_in();
        if (r < 880) return money_out();
        if (r < 945) return register_capacity();
        if (r < 955) return new_participant();
        if (r < 958) {
            command c =
                make(static_cast<command_type>(uni(0, 1) == 0 ? 0 : uni(10, 255)), anyone());
            return c;
        }
        if (r < 972) return fail_contract();
        return place();
    }

    command tick() {
        command c = make(command_type::tick, chance(0.96) ? participant_id(0) : anyone());
        const int64_t r = uni(0, 9999);
        const utc_ns due = model_.next_due();
        const bool due_soon = due > now_ && due - now_ <= 15 * ns_per_min;
        if (r < 7200 || (r < 8800 && !due_soon)) {
            now_ += uni(1, 20) * ns_per_s;
        } else if (r < 8200) {
            now_ = due;  // exactly at a due time
        } else if (r < 8800) {
            now_ = std::max(now_, due - 1);  // one nanosecond before it
        } else if (r < 9992) {
            // the same stamp
        } else if (r < 9996) {
            now_ += uni(1, 3) * ns_per_hour + uni(0, 3599) * ns_per_s;  // a long gap
        } else {
            // A long gap landing minutes before a gate closure, so the first hour window is
            // listed after its closing call began (pre_open goes straight to closing).
            now_ = (now_hour() + uni(3, 5)) * ns_per_hour + uni(39 * 60, 44 * 60 + 59) * ns_per_s;
        }
        return c;
    }

    // ---- orders ----------------------------------------------------------------------------

    struct inst_pick {
        instrument_id id;
        const reference_model::minst* in = nullptr;  // null: not listed
    };

    inst_pick instrument() {
        std::vector<const reference_model::minst*> trading;
        std::vector<const reference_model::minst*> listed;
        for (const auto& [id, in] : model_.instruments()) {
            listed.push_back(&in);
            if (tradeable(in.status)) trading.push_back(&in);
        }
        const int64_t r = uni(0, 99);
        if (r < 93 && !trading.empty()) {
            const auto* in = pick(trading);
            return {in->id, in};
        }
        if (r < 97 && !listed.empty()) {
            const auto* in = pick(listed);
            return {in->id, in};
        }
        if (!delisted_.empty() && chance(0.5)) return {pick(delisted_), nullptr};
        // Not listed (yet): far ahead, or an id that packs no valid key.
        if (chance(0.5)) {
            return {pack(instrument_key{static_cast<uint8_t>(uni(0, 1)),
                                        static_cast<uint8_t>(uni(0, 1)), tenor::hour,
                                        now_hour() + uni(5, 300)}),
                    nullptr};
        }
        return {instrument_id(static_cast<uint32_t>(uni(0, 0xffffffffLL))), nullptr};
    }

    // Prices cluster near the reference so books cross often; some are out of band, off the
    // tick or not positive.
    int64_t price_for(const reference_model::minst* in) {
        if (in == nullptr) return uni(1, 3000);
        const int64_t tick = in->tick;
        const int64_t spread = std::max<int64_t>(3, in->reference * 4 / 100 / tick);
        const int64_t r = uni(0, 999);
        if (r < 880) return in->reference + tick * uni(-spread, spread);
        if (r < 930) return in->band_low + tick * uni(0, (in->band_high - in->band_low) / tick);
        if (r < 950) return in->band_high + tick * uni(1, 3);
        if (r < 970) return in->band_low - tick * uni(1, 3);
        if (r < 990 && tick > 1) return in->reference + uni(1, tick - 1);
        if (r < 995) return 0;
        return -tick * uni(1, 10);
    }

    int64_t qty() {
        const int64_t r = uni(0, 999);
        if (r < 975) return uni(1, 20);
        if (r < 982) return 0;
        if (r < 988) return -uni(1, 5);
        if (r < 994) return limits::qty_per_order_max + 1;
        return limits::qty_per_order_max;  // valid, and far more than anyone can afford
    }

    // A burst: one participant rests many passive orders in one book, so the per-book,
    // per-participant and pool limits are reached now and then.
    std::optional<command> burst() {
        if (burst_left_ == 0) {
            burst_left_ = uni(20, 45);
            burst_buy_ = chance(0.5);
            burst_inst_ = instrument().id;
            burst_actor_ = burst_buy_ ? pick(buyers()) : p_vendor1;
        }
        --burst_left_;
        const auto it = model_.instruments().find(burst_inst_.value());
        if (it == model_.instruments().end() || !tradeable(it->second.status)) {
            burst_left_ = 0;
            return std::nullopt;
        }
        const reference_model::minst& in = it->second;
        command c = make(command_type::place_order, burst_actor_);
        place_order_body& b = c.body.place;
        b.instrument = in.id;
        b.sd = burst_buy_ ? side::buy : side::sell;
        b.type = order_type::limit;
        b.tif = time_in_force::gtc;
        b.stp = stp_mode::cancel_newest;
        b.origin_region = origin_none;
        b.price = price_fen(burst_buy_ ? in.band_low + in.tick * uni(0, 4)
                                       : in.band_high - in.tick * uni(0, 4));
        b.qty = qty_devices(uni(1, 2));
        return c;
    }

    // vendor1 has capacity rows in every book, vendor2 and `both` in one each (see script()).
    participant_id seller_for(const reference_model::minst* in) {
        if (in != nullptr && chance(0.85)) {
            if (in->key.chip == 1 && in->key.region == 0 && chance(0.6)) return p_vendor2;
            if (in->key.chip == 0 && in->key.region == 1 && chance(0.6)) return p_both;
            return p_vendor1;
        }
        return pick(sellers());
    }

    command place() {
        const bool buy = chance(0.5);
        const inst_pick ip = instrument();
        participant_id actor = buy ? pick(buyers()) : seller_for(ip.in);
        if (chance(0.03)) actor = anyone();
        command c = make(command_type::place_order, actor);
        place_order_body& b = c.body.place;
        b.instrument = ip.id;
        b.sd = buy ? side::buy : side::sell;
        const bool call = ip.in != nullptr && ip.in->status != instrument_status::open;
        b.type = chance(call ? 0.02 : 0.08) ? order_type::market : order_type::limit;
        const int64_t t = uni(0, 99);
        b.tif = call && chance(0.9) ? time_in_force::gtc
                : t < 72            ? time_in_force::gtc
                : t < 86            ? time_in_force::ioc
                                    : time_in_force::fok;
        b.stp = static_cast<stp_mode>(uni(0, 2));
        b.post_only = chance(0.07) ? 1 : 0;
        b.origin_region = origin_none;
        b.data_gb = 0;
        if (buy) {
            const int64_t o = uni(0, 99);
            b.origin_region = o < 45   ? origin_none
                              : o < 97 ? static_cast<uint8_t>(uni(0, 1))
                                       : static_cast<uint8_t>(uni(2, 254));
            const int64_t d = uni(0, 99);
            b.data_gb = d < 30   ? 0
                        : d < 98 ? uni(1, 20'000)
                        : d < 99 ? -uni(1, 9)
                                 : limits::data_gb_max + 1;
        } else if (chance(0.01)) {
            b.origin_region = 0;
            b.data_gb = chance(0.5) ? 0 : 10;
        }
        b.price = price_fen(price_for(ip.in));
        b.qty = qty_devices(qty());
        if (chance(0.005)) {
            // One enum out of range.
            switch (uni(0, 4)) {
                case 0:
                    b.sd = static_cast<side>(uni(2, 255));
                    break;
                case 1:
                    b.type = static_cast<order_type>(uni(2, 255));
                    break;
                case 2:
                    b.tif = static_cast<time_in_force>(uni(3, 255));
                    break;
                case 3:
                    b.stp = static_cast<stp_mode>(uni(3, 255));
                    break;
                default:
                    b.post_only = static_cast<uint8_t>(uni(2, 255));
                    break;
            }
        }
        const auto len = static_cast<std::size_t>(uni(0, limits::client_order_id_bytes));
        for (std::size_t i = 0; i < len; ++i) {
            b.client_order_id[i] = static_cast<char>('a' + uni(0, 25));
        }
        return c;
    }

    struct live {
        uint64_t id;
        participant_id owner;
        const reference_model::minst* in;
        const reference_model::morder* o;
    };

    std::vector<live> live_orders() const {
        std::vector<live> v;
        model_.for_each_order(
            [&](const reference_model::minst& in, const reference_model::morder& o) {
                v.push_back({o.id, o.owner, &in, &o});
            });
        return v;
    }

    // Which order a cancel or replace names, and who sends it.
    struct named_order {
        uint64_t id = 0;
        participant_id actor;
        const live* l = nullptr;  // set when it names a live order of the actor
    };

    named_order order_target(const std::vector<live>& v) {
        const int64_t r = uni(0, 99);
        if (r < 78 && !v.empty()) {
            const live& l = pick(v);
            return {l.id, l.owner, &l};
        }
        if (r < 86 && !v.empty()) {
            const live& l = pick(v);
            participant_id other = pick(traders());
            if (other == l.owner) other = chance(0.5) ? p_regulator : participant_id(0);
            return {l.id, other, nullptr};
        }
        if (r < 94 && !dead_.empty()) {
            const auto& [id, owner] = pick(dead_);
            return {id, owner, nullptr};
        }
        return {unknown_model_id(static_cast<int>(uni(0, unknown_ids - 1))), pick(traders()),
                nullptr};
    }

    // A seller reporting non-delivery: mostly of its own open contracts, sometimes of someone
    // else's, of a failed or settled one, or of an id that never existed.
    command fail_contract() {
        std::vector<std::tuple<uint64_t, participant_id, bool>> known;  // id, seller, open
        for (const auto& [id, in] : model_.instruments()) {
            for (const auto& k : in.contracts) {
                known.emplace_back(k.id, k.seller, k.status == contract_status::open);
            }
        }
        const int64_t r = uni(0, 99);
        uint64_t id = unknown_model_id(static_cast<int>(uni(0, unknown_ids - 1)));
        participant_id actor = pick(traders());
        if (r < 80 && !known.empty()) {
            const auto& [kid, seller, open] = pick(known);
            id = kid;
            actor = r < 62 ? seller : r < 70 ? participant_id(0) : pick(traders());
        } else if (r < 90 && !settled_.empty()) {
            const auto& [kid, seller] = pick(settled_);
            id = kid;
            actor = seller;
        }
        command c = make(command_type::fail_contract, actor);
        c.body.contract.id = contract_id(id);
        return c;
    }

    command cancel() {
        const std::vector<live> v = live_orders();
        const named_order t = order_target(v);
        command c = make(command_type::cancel_order, t.actor);
        c.body.cancel.id = order_id(t.id);
        return c;
    }

    command replace() {
        const std::vector<live> v = live_orders();
        const named_order t = order_target(v);
        command c = make(command_type::replace_order, t.actor);
        replace_order_body& b = c.body.replace;
        b.id = order_id(t.id);
        if (t.l == nullptr) {
            b.price = price_fen(uni(1, 3000));
            b.qty = qty_devices(uni(1, 20));
            return c;
        }
        const reference_model::morder& o = *t.l->o;
        const int64_t r = uni(0, 99);
        if (r < 25) {  // same price, fewer: keeps priority
            b.price = price_fen(o.price);
            b.qty = qty_devices(uni(1, o.remaining));
        } else if (r < 33) {  // no change at all
            b.price = price_fen(o.price);
            b.qty = qty_devices(o.remaining);
        } else if (r < 43) {  // same price, more: loses priority
            b.price = price_fen(o.price);
            b.qty = qty_devices(o.remaining + uni(1, 10));
        } else if (r < 92) {
            b.price = price_fen(price_for(t.l->in));
            b.qty = qty_devices(uni(1, 20));
        } else {
            b.price = price_fen(price_for(t.l->in));
            b.qty = qty_devices(qty());
        }
        return c;
    }

    // ---- money, capacity, participants ---------------------------------------------------

    command money_in() {
        const participant_id actor =
            chance(0.92) ? (chance(0.8) ? p_admin : participant_id(0)) : anyone();
        const participant_id target = chance(0.85) ? pick(buyers()) : anyone();
        const int64_t r = uni(0, 999);
        int64_t amount = uni(100'000, 8'000'000);
        if (r < 30) {
            amount = 0;
        } else if (r < 60) {
            amount = -uni(1, 1000);
        } else if (r < 80) {
            amount = limits::amount_fen_max + uni(1, 1000);
        } else if (r < 85) {
            // The largest valid deposit, to someone who cannot trade with it.
            return deposit(actor, p_regulator, limits::amount_fen_max);
        }
        return deposit(actor, target, amount);
    }

    command money_out() {
        const participant_id actor = chance(0.8) ? pick(traders()) : anyone();
        command c = make(command_type::withdraw, actor);
        const auto* p = model_.participant(actor);
        const int64_t avail = p == nullptr ? 0 : p->available;
        const int64_t r = uni(0, 99);
        int64_t amount = uni(1, avail / 4 + 1);
        if (r < 30) {
            amount = avail + uni(1, 1000);
        } else if (r < 33) {
            amount = avail;  // all of it (0 is invalid)
        } else if (r < 38) {
            amount = r < 35 ? 0 : -uni(1, 100);
        } else if (r < 40) {
            amount = limits::amount_fen_max + 1;
        }
        c.body.money.target = participant_id(static_cast<uint32_t>(uni(0, 100)));
        c.body.money.amount = money_fen(amount);
        return c;
    }

    command register_capacity() {
        const int64_t who = uni(0, 9);
        const participant_id actor = who < 6 ? p_vendor1 : who < 9 ? pick(sellers()) : anyone();
        const int chip = chance(0.98) ? static_cast<int>(uni(0, 1)) : static_cast<int>(uni(2, 255));
        const int region =
            chance(0.98) ? static_cast<int>(uni(0, 1)) : static_cast<int>(uni(2, 255));
        int64_t devices = uni(1, 40);
        const int64_t d = uni(0, 99);
        if (d < 1) devices = 0;
        if (d == 1) devices = -uni(1, 5);
        if (d == 2) devices = limits::qty_per_order_max * 100 + 1;
        // Daily windows end at most ~50 hours ahead; registering further only costs time.
        epoch_hour from = now_hour() + uni(-1, 20);
        epoch_hour to = from + uni(1, 32);
        const int64_t r = uni(0, 99);
        if (r < 3) {
            // Up to the horizon exactly, with every device allowed (far from any window).
            from = now_hour() + limits::capacity_ring_hours - uni(1, 2);
            to = now_hour() + limits::capacity_ring_hours;
            if (r == 0) devices = limits::qty_per_order_max * 100;
        } else if (r < 5) {
            to = now_hour() + limits::capacity_ring_hours + uni(1, 3);  // beyond the horizon
        } else if (r < 7) {
            to = from - uni(0, 2);
        }
        return capacity(actor, chip, region, devices, from, to);
    }

    command new_participant() {
        const participant_id actor =
            chance(0.85) ? (chance(0.8) ? p_admin : participant_id(0)) : anyone();
        static constexpr uint8_t valid[] = {role_buyer,     role_vendor, role_buyer | role_vendor,
                                            role_regulator, role_admin,  role_admin | role_buyer};
        static constexpr uint8_t invalid[] = {0, role_regulator | role_buyer,
                                              role_regulator | role_vendor, 16, 0xff};
        const uint8_t roles = chance(0.85) ? valid[uni(0, 5)] : invalid[uni(0, 4)];
        std::string name;
        const int64_t r = uni(0, 99);
        if (r < 88) {
            name = "p" + std::to_string(uni(0, 59));
        } else if (r < 90) {
            static const char* const taken[] = {"admin", "buyer1", "regulator", "exchange"};
            name = taken[uni(0, 3)];
        } else if (r < 95) {
            name = "";
        } else {
            name = std::string(limits::participant_name_bytes, 'x');  // no terminating NUL
        }
        return create(actor, roles, name);
    }

public:
    // Remembers instruments that were delisted (for orders naming them).
    void delisted(instrument_id id) {
        if (delisted_.size() < 64) delisted_.push_back(id);
    }

private:
    std::mt19937_64 rng_;
    const reference_model& model_;
    utc_ns now_ = 0;
    uint64_t requests_ = 0;
    std::vector<command> script_;
    std::vector<std::pair<uint64_t, participant_id>> dead_;
    std::size_t dead_next_ = 0;
    std::vector<std::pair<uint64_t, participant_id>> settled_;  // contracts, by model id
    std::size_t settled_next_ = 0;
    std::vector<instrument_id> delisted_;
    int64_t burst_left_ = 0;
    bool burst_buy_ = false;
    instrument_id burst_inst_;
    participant_id burst_actor_;
};

// ---- the run ---------------------------------------------------------------------------------

struct run_stats {
    std::size_t commands = 0;
    std::size_t events = 0;
    std::map<event_type, std::size_t> by_type;
    std::map<reject_reason, std::size_t> rejects;
    std::map<done_reason, std::size_t> done;
    std::size_t auction_trades = 0;
    std::size_t settled = 0;
    std::size_t settlements_set = 0;
    std::size_t late_listings = 0;  // pre_open straight to closing
    std::size_t max_live_orders = 0;
    double seconds = 0;
    utc_ns market_time = 0;
};

// Hidden state the events do not show directly, compared now and then: every participant's
// balances, every live instrument (status, prices, book levels), every live order (through
// the id bijection) and the capacity of every vendor in every live instrument's hours.
std::string compare_state(const exchange& ex, const reference_model& model, const id_map& ids) {
    std::ostringstream bad;
    const auto& m = ex.market();
    for (uint32_t p = 0; p <= model.participants_created() + 1; ++p) {
        const participant_id id(p);
        const auto* mp = model.participant(id);
        const participant_state* ep = ex.participant(id);
        if ((mp == nullptr) != (ep == nullptr)) {
            bad << "participant " << p << " exists on one side only; ";
            continue;
        }
        if (mp == nullptr) continue;
        if (mp->roles != ep->roles || mp->available != ep->available.value() ||
            mp->held != ep->held.value() || mp->escrow != ep->escrow.value() ||
            mp->open_orders != ep->open_orders) {
            bad << "participant " << p << " state differs; ";
        }
    }
    if (ex.live_instruments() != model.instruments().size()) bad << "live instruments differ; ";
    std::size_t live_orders = 0;
    for (const auto& [iid, in] : model.instruments()) {
        live_orders += in.orders.size();
        const instrument_state* ei = ex.instrument(in.id);
        if (ei == nullptr) {
            bad << "instrument " << iid << " not live in the engine; ";
            continue;
        }
        if (ei->status != in.status || ei->reference.value() != in.reference ||
            ei->band_low.value() != in.band_low || ei->band_high.value() != in.band_high ||
            ei->settlement.value() != in.settlement || ei->last_trade.value() != in.last_trade ||
            ei->open_orders != static_cast<int64_t>(in.orders.size())) {
            bad << "instrument " << iid << " state differs; ";
        }
        for (const side sd : {side::buy, side::sell}) {
            std::map<int64_t, std::pair<int64_t, int64_t>> levels;  // price -> (qty, orders)
            for (const auto& o : in.orders) {
                if (o.sd != sd) continue;
                levels[o.price].first += o.remaining;
                ++levels[o.price].second;
            }
            std::vector<std::tuple<int64_t, int64_t, int64_t>> want;
            for (const auto& [price, qo] : levels) want.emplace_back(price, qo.first, qo.second);
            if (sd == side::buy) std::reverse(want.begin(), want.end());
            std::vector<std::tuple<int64_t, int64_t, int64_t>> have;
            ex.for_each_level(*ei, sd, [&](price_fen price, qty_devices q, int64_t n) {
                have.emplace_back(price.value(), q.value(), n);
            });
            if (want != have) bad << "instrument " << iid << " levels differ; ";
        }
        for (const auto& o : in.orders) {
            const auto eid = ids.engine_of(o.id);
            const order* eo = eid ? ex.find_order(order_id(*eid)) : nullptr;
            if (eo == nullptr || eo->owner != o.owner || eo->sd != o.sd ||
                eo->price.value() != o.price || eo->remaining.value() != o.remaining ||
                eo->filled.value() != o.filled || eo->hold.value() != o.hold ||
                eo->network_left.value() != o.network_left) {
                bad << "order " << o.id << " differs; ";
            }
        }
        // Hours already past may have been recycled by the engine's capacity ring (a
        // registration reaches 1023 hours ahead), so only trading instruments' are compared.
        const bool trading = tradeable(in.status);
        for (uint32_t p = 1; trading && p <= model.participants_created(); ++p) {
            for (epoch_hour h = in.key.start_hour; h < in.key.start_hour + in.hours; ++h) {
                const auto mc = model.capacity_at(participant_id(p), in.key.chip, in.key.region, h);
                const capacity_hour ec =
                    ex.capacity(participant_id(p), in.key.chip, in.key.region, h);
                if (mc.registered != ec.registered || mc.committed != ec.committed ||
                    mc.sold != ec.sold) {
                    bad << "capacity of " << p << " chip " << int{in.key.chip} << " region "
                        << int{in.key.region} << " at hour " << h << ": engine registered "
                        << ec.registered << " committed " << ec.committed << " sold " << ec.sold
                        << ", model " << mc.registered << "/" << mc.committed << "/" << mc.sold
                        << "; ";
                }
            }
        }
    }
    if (ex.live_orders() != live_orders) bad << "live orders differ; ";
    for (std::size_t c = 0; c < m.chips.size(); ++c) {
        for (std::size_t r = 0; r < m.regions.size(); ++r) {
            if (ex.last_settlement(c, r).value() != model.settlement_of(c, r)) {
                bad << "last settlement of " << c << "/" << r << " differs; ";
            }
        }
    }
    return bad.str();
}

std::string dump(const std::vector<event>& evs, const market_config& m, const id_map* ids,
                 std::size_t mark) {
    std::ostringstream s;
    for (std::size_t i = 0; i < evs.size(); ++i) {
        s << (i == mark ? " >> " : "    ") << describe(evs[i], m, ids) << "\n";
    }
    return s.str();
}

std::string run_commands(uint64_t seed, std::size_t n, run_stats& st);

// Runs one seed; returns "" or the description of the first failure.
std::string run_seed(uint64_t seed, std::size_t n, run_stats& st) {
    const auto t_begin = std::chrono::steady_clock::now();
    std::string failure = run_commands(seed, n, st);
    st.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_begin).count();
    return failure;
}

std::string run_commands(uint64_t seed, std::size_t n, run_stats& st) {
    const market_config market = random_market();
    const exchange_config config = random_config();
    exchange ex(market, config);
    reference_model model(market, model_config_of(config));
    command_gen gen(seed, model);
    id_map ids;
    for (int k = 0; k < unknown_ids; ++k) ids.bind(unknown_engine_id(k), unknown_model_id(k));
    id_map contract_ids;
    for (int k = 0; k < unknown_ids; ++k) {
        contract_ids.bind(unknown_engine_id(k), unknown_model_id(k));
    }
    event_diff diff(ids, contract_ids);
    vec_sink sink;
    std::vector<event> mev;
    std::map<uint32_t, instrument_status> listed;  // last status seen
    const utc_ns start = gen.now();

    for (std::size_t i = 0; i < n; ++i) {
        command mc = gen.next();
        mc.seq = i + 1;
        mc.ts = gen.now();
        command ec = mc;
        if (mc.type == command_type::cancel_order || mc.type == command_type::replace_order) {
            order_id& id =
                mc.type == command_type::cancel_order ? ec.body.cancel.id : ec.body.replace.id;
            const auto mapped = ids.engine_of(id.value());
            if (!mapped)
                return "the generator named model order " + std::to_string(id.value()) +
                       " that has no engine id";
            id = order_id(*mapped);
        }
        if (mc.type == command_type::fail_contract) {
            const auto mapped = contract_ids.engine_of(mc.body.contract.id.value());
            if (!mapped)
                return "the generator named model contract " +
                       std::to_string(mc.body.contract.id.value()) + " that has no engine id";
            ec.body.contract.id = contract_id(*mapped);
        }
        mev.clear();
        model.apply(mc, mev);
        sink.events.clear();
        ex.apply(ec, sink);
        const std::vector<event>& eev = sink.events;

        const auto fail = [&](const std::string& what, std::size_t at) {
            std::ostringstream s;
            s << "seed " << seed << ", command index " << i
              << " (reproduce with CUX_RANDOM_SEED=" << seed << " CUX_RANDOM_COMMANDS=" << i + 1
              << "): " << what << "\n"
              << "command (model ids): " << describe(mc, market) << "\n"
              << "command (engine ids): " << describe(ec, market) << "\n"
              << "engine events:\n"
              << dump(eev, market, &ids, at) << "model events:\n"
              << dump(mev, market, nullptr, at);
            return s.str();
        };
        const std::size_t common = std::min(eev.size(), mev.size());
        for (std::size_t k = 0; k < common; ++k) {
            const std::string why = diff(eev[k], mev[k]);
            if (!why.empty()) return fail("event " + std::to_string(k) + " differs: " + why, k);
        }
        if (eev.size() != mev.size()) {
            return fail("the engine emitted " + std::to_string(eev.size()) + " events, the model " +
                            std::to_string(mev.size()),
                        common);
        }
        if (const std::string bad = ex.check_invariants(); !bad.empty()) {
            return fail("engine invariants: " + bad, eev.size());
        }
        if (const std::string bad = model.check_invariants(); !bad.empty()) {
            return fail("model invariants: " + bad, eev.size());
        }
        std::size_t model_orders = 0;
        model.for_each_order([&](const auto&, const auto&) { ++model_orders; });
        if (ex.live_orders() != model_orders ||
            ex.live_instruments() != model.instruments().size()) {
            return fail("live order or instrument counts differ", eev.size());
        }
        if (i % 97 == 0) {
            if (const std::string bad = compare_state(ex, model, ids); !bad.empty()) {
                return fail("state differs: " + bad, eev.size());
            }
        }
        gen.observe(mev);

        ++st.commands;
        st.events += mev.size();
        for (const event& e : mev) {
            ++st.by_type[e.type];
            if (e.type == event_type::rejected) ++st.rejects[e.body.rejected.reason];
            if (e.type == event_type::order_done) ++st.done[e.body.done.reason];
            if (e.type == event_type::trade && e.body.trade.auction != 0) ++st.auction_trades;
            if (e.type == event_type::instrument_status) {
                const auto& b = e.body.status;
                const auto seen = listed.find(b.instrument.value());
                if (seen != listed.end() && seen->second == instrument_status::pre_open &&
                    b.status == instrument_status::closing) {
                    ++st.late_listings;
                }
                listed[b.instrument.value()] = b.status;
                if (b.status == instrument_status::settled) ++st.settled;
                if (b.status == instrument_status::closed && b.settlement.value() > 0) {
                    ++st.settlements_set;
                }
            }
        }
        // Instruments the model no longer lists were delisted by this command.
        if (mc.type == command_type::tick) {
            for (auto it = listed.begin(); it != listed.end();) {
                if (model.instruments().count(it->first) == 0) {
                    gen.delisted(instrument_id(it->first));
                    it = listed.erase(it);
                } else {
                    ++it;
                }
            }
        }
        st.max_live_orders = std::max(st.max_live_orders, ex.live_orders());
        st.market_time = gen.now() - start;
    }
    return {};
}

std::string summary(uint64_t seed, const run_stats& st) {
    std::ostringstream s;
    s << "[random] seed " << seed << ": " << st.commands << " commands, " << st.events
      << " events in " << st.seconds << " s ("
      << static_cast<long long>(static_cast<double>(st.commands) / std::max(st.seconds, 1e-9))
      << " commands/s), market time " << st.market_time / ns_per_hour << " h\n  events:";
    for (const auto& [t, n] : st.by_type) s << " " << event_name(t) << "=" << n;
    s << "\n  auction trades=" << st.auction_trades << " settled=" << st.settled
      << " closed with a settlement price=" << st.settlements_set
      << " listed too late to open=" << st.late_listings
      << " max live orders=" << st.max_live_orders << "\n  rejects:";
    for (const auto& [r, n] : st.rejects) s << " " << reject_code(r) << "=" << n;
    s << "\n  done:";
    for (const auto& [r, n] : st.done) s << " " << done_reason_name(r) << "=" << n;
    return s.str();
}

std::vector<uint64_t> seeds_to_run() {
    const char* env = std::getenv("CUX_RANDOM_SEED");
    if (env == nullptr || *env == 0) return {1, 2, 3, 4};
    std::vector<uint64_t> seeds;
    std::stringstream s(env);
    std::string part;
    while (std::getline(s, part, ',')) {
        if (!part.empty()) seeds.push_back(std::strtoull(part.c_str(), nullptr, 0));
    }
    return seeds.empty() ? std::vector<uint64_t>{1} : seeds;
}

std::size_t commands_per_seed() {
    const char* env = std::getenv("CUX_RANDOM_COMMANDS");
    if (env == nullptr || *env == 0) return default_commands;
    return static_cast<std::size_t>(std::strtoull(env, nullptr, 0));
}

class RandomModel : public ::testing::TestWithParam<uint64_t> {};

TEST_P(RandomModel, EngineMatchesModel) {
    const uint64_t seed = GetParam();
    run_stats st;
    const std::string failure = run_seed(seed, commands_per_seed(), st);
    std::printf("%s\n", summary(seed, st).c_str());
    EXPECT_TRUE(failure.empty()) << failure;
    // The stream must reach the whole lifecycle, or the comparison proves little.
    if (failure.empty() && commands_per_seed() >= 100'000) {
        EXPECT_GT(st.by_type[event_type::trade], 1000U);
        EXPECT_GT(st.auction_trades, 10U);
        EXPECT_GT(st.settled, 10U);
        EXPECT_GT(st.settlements_set, 10U);
    }
}

INSTANTIATE_TEST_SUITE_P(Seeds, RandomModel, ::testing::ValuesIn(seeds_to_run()),
                         [](const ::testing::TestParamInfo<uint64_t>& p) {
                             return "Seed" + std::to_string(p.param);
                         });

// The comparison itself must be able to fail: a changed field or a wrong order id is caught.
TEST(RandomModel, ComparisonCatchesDifferences) {
    id_map ids;
    id_map contract_ids;
    event_diff diff(ids, contract_ids);
    event a{};
    a.event_seq = 7;
    a.type = event_type::order_accepted;
    a.body.accepted.id = order_id(0x100000003ULL);
    event b = a;
    b.body.accepted.id = order_id(1);
    EXPECT_EQ(diff(a, b), "");  // binds engine 0x100000003 <-> model 1
    event t{};
    t.type = event_type::trade;
    t.body.trade.buy_order = order_id(0x100000003ULL);
    event u = t;
    u.body.trade.buy_order = order_id(1);
    EXPECT_EQ(diff(t, u), "");
    u.body.trade.buy_order = order_id(2);
    EXPECT_NE(diff(t, u), "");
    u.body.trade.buy_order = order_id(1);
    u.body.trade.energy = money_fen(1);
    EXPECT_NE(diff(t, u), "");
    event c = a;
    c.body.accepted.id = order_id(0x200000004ULL);
    event d = b;  // model id 1 again: already bound to another engine id
    EXPECT_NE(diff(c, d), "");
}

}  // namespace
}  // namespace cux::engine::test
