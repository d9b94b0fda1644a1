#pragma once
// Market surveillance: deterministic detectors over the engine's event stream that raise
// alerts with their evidence (order ids, trade ids, command and event seqs). Pure: no I/O, no
// clock but the events' stamps, no randomness — the same events always raise the same alerts
// with the same numbers, so the audit store (ledger/audit_writer.hpp) re-derives them on every
// start by feeding it the whole replayed stream, and stores only those it does not have.
//
// Patterns (thresholds in ledger/surveillance_config.hpp, explained in the README):
//   wash_trade         a trade whose buyer and seller are one participant (possible in call
//                      auctions, where self-trade prevention does not apply) or two members of
//                      one group (create_participant's `group`: linked participants).
//                      metric: qty, group (0: one participant).
//   layering           a trade by a participant in a book where it cancelled, within the
//                      window before, at least layering_cancels_min large orders on the other
//                      side, each within layering_cancel_within_ns of placing it.
//                      metric: cancelled_orders, cancelled_qty, traded_qty, window_ms.
//   capacity_hoarding  a buyer's holdings in a window hour (chip x region x hour, bought net of
//                      failed contracts; a daily window counts in each of its hours) reach
//                      hoarding_share_bp_min of the devices vendors registered for it.
//                      metric: held, supply, share_bp, hours (window hours newly crossed by
//                      this trade; the alert names the one with the highest share).
//
// Thread: one (the audit writer's). Memory is bounded by surveillance_config (past a bound new
// things are not tracked; nothing grows without limit).

#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "engine/event.hpp"
#include "ledger/surveillance_config.hpp"

namespace cux::ledger {

enum class alert_kind : uint8_t { wash_trade = 1, layering = 2, capacity_hoarding = 3 };
[[nodiscard]] const char* alert_kind_name(alert_kind k);
[[nodiscard]] std::optional<alert_kind> parse_alert_kind(std::string_view s);
// The names of an alert kind's metrics, in order (up to alert::metrics_max; nullptr ends).
[[nodiscard]] const char* const* alert_metric_names(alert_kind k);

// One alert. Trivially copyable and zeroed (stored byte for byte in the audit store).
struct alert {
    static constexpr std::size_t evidence_max = surveillance_config::evidence_max;
    static constexpr std::size_t metrics_max = 4;

    alert() { std::memset(static_cast<void*>(this), 0, sizeof *this); }

    uint64_t seq;  // 1, 2, 3, ... in the order raised
    alert_kind kind;
    uint8_t participants;  // entries used in each list
    uint8_t orders;
    uint8_t trades;
    uint8_t seqs;
    uint8_t event_seqs;
    uint8_t pad[2];
    uint64_t cmd_seq;                  // the command whose event raised it
    uint64_t event_seq;                // the event that raised it
    engine::utc_ns ts;                 // that command's stamp
    engine::instrument_id instrument;  // the book; hoarding: the window hour's hourly book
    engine::participant_id participant[2];
    int64_t metric[metrics_max];
    uint64_t order_id[evidence_max];
    uint64_t trade_id[evidence_max];
    uint64_t cmd_seq_of[evidence_max];    // commands of the evidence (placements, cancels, trades)
    uint64_t event_seq_of[evidence_max];  // events of the evidence
};
static_assert(std::is_trivially_copyable_v<alert>);

class surveillance {
public:
    surveillance();

    // Every event, in event_seq order from the first; raised alerts are appended to `out`.
    void on_event(const engine::event& e, std::vector<alert>& out);
    [[nodiscard]] uint64_t raised() const { return next_seq_ - 1; }

private:
    struct tracked_order {
        engine::participant_id owner;
        engine::instrument_id instrument;
        engine::utc_ns accepted_ts = 0;
        uint64_t accepted_cmd_seq = 0;
    };
    struct quick_cancel {
        uint64_t order = 0;
        engine::side sd = engine::side::buy;
        engine::utc_ns ts = 0;
        int64_t qty = 0;
        uint64_t accepted_cmd_seq = 0;
        uint64_t cmd_seq = 0;
        uint64_t event_seq = 0;
    };
    struct holding {
        int64_t qty = 0;
        bool alerted = false;
        uint8_t n = 0;  // evidence entries
        uint64_t order[surveillance_config::evidence_max] = {};
        uint64_t trade[surveillance_config::evidence_max] = {};
        uint64_t cmd_seq[surveillance_config::evidence_max] = {};
        uint64_t event_seq[surveillance_config::evidence_max] = {};
    };

    void on_trade(const engine::event& e, std::vector<alert>& out);
    void on_order_done(const engine::event& e);
    void layering(const engine::event& e, engine::participant_id p, engine::side sd,
                  std::vector<alert>& out);
    void hoarding(const engine::event& e, std::vector<alert>& out);
    void add_supply(const engine::event& e);
    void prune(engine::utc_ns ts);
    alert& raise(const engine::event& e, alert_kind k, std::vector<alert>& out);

    uint64_t next_seq_ = 1;
    std::vector<uint32_t> group_;                         // by participant id
    std::unordered_map<uint64_t, tracked_order> orders_;  // large open orders by id
    // Quick cancels by (participant << 32 | instrument), oldest first.
    std::unordered_map<uint64_t, std::vector<quick_cancel>> cancels_;
    // Registered devices by window hour (hour << 16 | chip << 8 | region) and a buyer's
    // holdings in it (that << 16 | buyer).
    std::unordered_map<uint64_t, int64_t> supply_;
    std::unordered_map<uint64_t, holding> held_;
    engine::epoch_hour pruned_hour_ = 0;
};

}  // namespace cux::ledger
