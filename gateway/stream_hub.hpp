#pragma once
// Market data and private updates for the stream (DESIGN.md §3 "market data"): who is
// subscribed to which channel, the snapshot a subscription starts with, and the messages the
// event consumer publishes after each batch of events.
//
// Messages, each {"channel","type":"snapshot"|"update","seq",...} (stream_protocol.hpp), one
// update per command and channel, with the same members as the channel's snapshot:
//   book:<symbol>    {"symbol","event_seq","bids":[["12.30",5],...],"asks":[...]}: the snapshot
//                    holds up to limits::stream_snapshot_levels levels a side, best first; an
//                    update holds each level the command changed with its new total (0: gone).
//                    event_seq is the event seq of the book's last change (as GET /v1/book's seq).
//   trades:<symbol>  {"symbol","trades":[...]}: the tape's items (GET /v1/trades, no identities);
//                    the snapshot holds the newest limits::stream_snapshot_trades, newest first,
//                    an update the command's trades in the order they happened.
//   orders           {"orders":[...]}: GET /v1/orders items; the snapshot holds the open orders
//                    (newest first, at most limits::stream_snapshot_orders), an update the state
//                    after the command of every order of the participant it touched.
//   fills            {"fills":[...]}: GET /v1/fills items; the snapshot the newest
//                    limits::stream_snapshot_fills, newest first, an update the command's fills.
//   bars:<symbol>:1m|1h  {"symbol","interval","bars":[...]}: GET /v1/bars items; the snapshot
//                    the newest limits::stream_snapshot_bars oldest first, an update each bar
//                    the command's trades changed, with its totals so far.
//   index            the members of GET /v1/index (rolling, unfiltered) but basis/chip/region/
//                    seq; an update at the end of a command once its trades changed (one traded
//                    or aged out of the rolling hour) and a second of engine time passed since
//                    the last update (a tick ends commands every 250 ms, so a change shows within
//                    about a second). Computed once per update.
//   alerts           {"alerts":[...]}: surveillance alerts (schemas/api/alert.json), regulator
//                    only; the snapshot the newest limits::stream_snapshot_alerts, newest first,
//                    an update the alerts the audit writer committed in one batch, oldest
//                    first. Published by publish_alerts() from the audit writer's thread (not
//                    the event consumer): alerts are derived from committed audit batches.
// Each update is serialized once and shared by every subscriber (stream_text); a connection
// numbers each channel's messages itself (snapshot 1, then +1 per message), so seq is gapless
// per connection and channel. Nothing is published before the journal holds the batch, and
// nothing from a batch the journal failed to make durable.
//
// Consistency: the consumer holds lock() while it applies a batch to the read models and
// publishes it; subscribe() takes the same lock to read the snapshot and register. So a batch is
// either in the snapshot or delivered after it, never both, never neither.
// Threads: subscribe()/unsubscribe() from sessions (any I/O thread); lock(), on_event() and
// publish() from the consumer thread only. The lock blocks only subscribers, never a REST reader
// or the engine; the order path (submission) takes no lock here.
// Limits: channels exist only while subscribed; a connection holds at most
// limits::stream_subscriptions_max subscriptions (its session enforces it).

#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/event.hpp"
#include "engine/market.hpp"
#include "gateway/account_model.hpp"
#include "gateway/api_error.hpp"
#include "gateway/market_model.hpp"
#include "gateway/market_stats.hpp"
#include "gateway/stream_text.hpp"
#include "ledger/surveillance.hpp"

namespace cux::gateway {

class stream_hub {
public:
    stream_hub(const engine::market_config& m, const market_model& market,
               const account_model& accounts);

    // ---- sessions ----
    // Registers `who` (slot, token) on channel k and sets `snapshot` (seq spliced by the
    // session). False and `err` when the instrument is not listed (404 UNKNOWN_INSTRUMENT).
    bool subscribe(const std::shared_ptr<stream_subscriber>& who, uint32_t slot, uint64_t token,
                   const channel_key& k, shared_text& snapshot, api_error& err);
    void unsubscribe(const stream_subscriber* who, uint32_t slot, const channel_key& k);
    // False when a book or trades channel names an instrument that is not listed now.
    [[nodiscard]] bool listed(const channel_key& k) const;

    // ---- the consumer thread ----
    [[nodiscard]] std::unique_lock<std::mutex> lock() { return std::unique_lock(mu_); }
    // Under lock() and the read models' write locks, after the models applied `e`.
    void on_event(const engine::event& e);
    // Under lock(), once the models' write locks are released: serializes the batch's messages
    // and delivers them; durable = false drops them.
    void publish(bool durable);
    // True while a command whose events were collected has not ended (its events span two
    // batches): the consumer keeps lock() until it ends, so that no snapshot splits it.
    [[nodiscard]] bool mid_command() const { return !command_.empty(); }

    // ---- the audit writer's thread ----
    // Remembers the alerts (the newest stream_snapshot_alerts) and sends them to the alerts
    // channel's subscribers as one update. Takes lock() itself.
    void publish_alerts(const std::vector<ledger::alert>& alerts);

private:
    struct sub_ref {
        std::weak_ptr<stream_subscriber> who;
        const stream_subscriber* id = nullptr;
        uint32_t slot = 0;
        uint64_t token = 0;
    };
    struct channel {
        std::string name;
        std::vector<sub_ref> subs;
    };
    // One channel's changes within one command.
    struct pending {
        channel_key key;
        uint64_t event_seq = 0;
        std::vector<level_row> bids;
        std::vector<level_row> asks;
        std::vector<trade_row> trades;
        std::vector<engine::order_id> order_ids;
        std::vector<order_row> orders;
        std::vector<fill_row> fills;
        std::vector<engine::utc_ns> bar_starts;  // bars: the bars the command's trades touched
        std::vector<ledger::md::bar> bars;
        std::shared_ptr<const rolling_index> index;
    };

    [[nodiscard]] bool wanted(channel_kind kind, uint32_t id) const;
    pending& touch(channel_kind kind, uint32_t id);
    void end_command(engine::utc_ns ts);
    void deliver(channel& c, const shared_text& m);
    void on_level(const engine::event& e);
    void on_order(engine::participant_id p, engine::order_id id);

    const engine::market_config& market_;
    const market_model& market_data_;
    const account_model& accounts_;
    std::mutex mu_;
    std::unordered_map<uint64_t, channel> channels_;  // by channel_key::packed()
    // The consumer's, under mu_.
    std::vector<pending> command_;  // the current command's channels
    std::vector<pending> batch_;    // completed commands' channels, in order
    uint64_t index_changes_ = 0;    // market_stats::rolling_changes() at the last index update
    engine::utc_ns index_sent_ts_ = 0;
    std::deque<ledger::alert> recent_alerts_;  // oldest first, under mu_
};

}  // namespace cux::gateway
