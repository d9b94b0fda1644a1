// The audit store (ledger/audit_writer.hpp, audit_reader.hpp) on a live pipeline with a real
// journal: every command (its full body, read back from the journal) and every event, in seq
// order, byte for byte; the surveillance alerts; exactly-once resume across restarts; a rebuild
// from the journal alone.

#include "ledger/audit_writer.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "engine/journal.hpp"
#include "ledger/audit_reader.hpp"
#include "tests/ledger/live_harness.hpp"

namespace cux::ledger::test {
namespace {

constexpr uint8_t h100 = 0;
constexpr uint8_t yrd = 0;

// A live exchange with an audit writer beside its ledger writer, wired as `cux serve` does.
class audited {
public:
    explicit audited(const std::string& dir) : lx(dir) {
        audit_options o;
        o.path = dir + "/audit.db";
        o.journal_dir = journal_dir(dir);
        o.wait_durable = lx.dur.fn();
        o.batch_rows = 16;  // small batches: a command's events span several
        o.on_alerts = [this](const std::vector<alert>& a) {
            published.insert(published.end(), a.begin(), a.end());
        };
        auto w = audit_writer::open(lx.p.events(), o);
        EXPECT_TRUE(w.ok()) << (w.ok() ? "" : w.error().message);
        if (w.ok()) audit = std::move(w.value());
        audit->start();
        lx.start();
    }
    ~audited() { stop(); }
    void stop() {
        lx.p.stop();
        if (audit) audit->join();
        lx.stop();
    }
    bool caught_up() {
        if (!lx.caught_up()) return false;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (audit->recorded_event_seq() < lx.p.events().published()) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        return true;
    }

    live_exchange lx;
    std::unique_ptr<audit_writer> audit;
    std::vector<alert> published;  // writer thread; read after stop()
};

command grouped(const char* name, uint8_t roles, uint32_t group) {
    command c = create_cmd(name, roles);
    c.body.create.group = group;
    return c;
}

// Participants 1 admin, 2 vendor (group 5), 3 buyer (group 5), 4 buyer; capacity; the books
// open; a wash trade (2 -> 3), a clean trade (2 -> 4), a refused withdrawal.
void first_run(audited& a) {
    live_exchange& lx = a.lx;
    lx.submit(create_cmd("admin", role_admin));
    lx.submit(grouped("vendor", role_vendor, 5));
    lx.submit(grouped("buyer", role_buyer, 5));
    lx.submit(create_cmd("other", role_buyer));
    lx.submit(deposit_cmd(participant_id(3), 10'000'000));
    lx.submit(deposit_cmd(participant_id(4), 10'000'000));
    lx.submit(capacity_cmd(participant_id(2), h100, yrd, 100, h0, h0 + 24));
    lx.set_time(t0 + 61 * ns_per_s);
    lx.submit(tick_cmd());
    const instrument_id i1 = engine::test::hourly(h100, yrd, 1);
    lx.submit(engine::test::harness::order_cmd(participant_id(2), i1, side::sell, 1200, 10));
    lx.submit(engine::test::harness::order_cmd(participant_id(3), i1, side::buy, 1200, 3));
    lx.submit(engine::test::harness::order_cmd(participant_id(4), i1, side::buy, 1200, 2));
    lx.submit(withdraw_cmd(participant_id(4), 999'999'999));
    ASSERT_TRUE(a.caught_up());
}

std::vector<audit_entry> all_rows(const std::string& dir) {
    auto r = audit_reader::open(dir + "/audit.db");
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    if (!r.ok()) return {};
    auto rows = r.value().rows(1, audit_rows_max);
    EXPECT_TRUE(rows.ok());
    return rows.ok() ? rows.value() : std::vector<audit_entry>{};
}

std::vector<alert> all_alerts(const std::string& dir) {
    auto r = audit_reader::open(dir + "/audit.db");
    if (!r.ok()) return {};
    auto a = r.value().alerts(1, audit_rows_max, std::nullopt);
    return a.ok() ? a.value() : std::vector<alert>{};
}

// The journal's commands, and the events a fresh exchange derives from them.
void expected(const std::string& dir, std::vector<command>& cmds, std::vector<event>& evs) {
    exchange ex(engine::test::small_market(), engine::test::small_config());
    engine::test::event_log log;
    journal_reader jr(journal_dir(dir));
    command c;
    while (jr.next(c)) {
        cmds.push_back(c);
        ex.apply(c, log);
    }
    evs = log.events;
}

// The trail is the journal's commands, each followed by its events, byte for byte.
void expect_trail(const std::string& dir) {
    std::vector<command> cmds;
    std::vector<event> evs;
    expected(dir, cmds, evs);
    const auto rows = all_rows(dir);
    ASSERT_EQ(rows.size(), cmds.size() + evs.size());
    std::size_t ci = 0;
    std::size_t ei = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const audit_entry& r = rows[i];
        ASSERT_EQ(r.row, i + 1);
        if (r.is_command()) {
            ASSERT_LT(ci, cmds.size());
            EXPECT_EQ(std::memcmp(&r.cmd, &cmds[ci], sizeof r.cmd), 0) << "command " << r.seq;
            EXPECT_EQ(r.seq, cmds[ci].seq);
            EXPECT_EQ(r.participant, cmds[ci].actor.value());
            ++ci;
        } else {
            ASSERT_LT(ei, evs.size());
            // The routing token is not part of the derivation (no sessions here, so equal).
            EXPECT_EQ(std::memcmp(&r.ev, &evs[ei], sizeof r.ev), 0) << "event " << r.event_seq;
            EXPECT_EQ(r.event_seq, evs[ei].event_seq);
            EXPECT_EQ(r.seq, evs[ei].cmd_seq);
            ASSERT_GT(ci, 0u);
            EXPECT_EQ(r.seq, cmds[ci - 1].seq) << "an event follows its own command's row";
            ++ei;
        }
    }
}

TEST(AuditWriter, RecordsEveryCommandAndEventWithTheAlertsAndResumesExactlyOnce) {
    temp_dir dir;
    std::vector<alert> first_alerts;
    {
        audited a(dir.path);
        first_run(a);
        a.stop();
        EXPECT_FALSE(a.audit->failed()) << a.audit->failure().message;
        first_alerts = a.published;
    }
    expect_trail(dir.path);
    const auto rows = all_rows(dir.path);
    // The refused withdrawal's row carries its reason, and so does its `rejected` event.
    const audit_entry& last_cmd = *std::find_if(rows.rbegin(), rows.rend(), [](const auto& r) {
        return r.is_command() && r.cmd.type == command_type::withdraw;
    });
    EXPECT_EQ(last_cmd.reason, reject_reason::insufficient_funds);
    auto alerts = all_alerts(dir.path);
    ASSERT_EQ(alerts.size(), 1u);  // the wash trade between the group's members; 3 of 100 held
    EXPECT_EQ(alerts[0].kind, alert_kind::wash_trade);
    ASSERT_EQ(first_alerts.size(), 1u);
    EXPECT_EQ(std::memcmp(&first_alerts[0], &alerts[0], sizeof(alert)), 0);

    // Restart: the replay goes past everything recorded; nothing is recorded twice, and the
    // alerts derived again are published (for the stream) but not stored again.
    {
        audited a(dir.path);
        EXPECT_EQ(a.audit->position_at_open().rows, rows.size());
        EXPECT_EQ(a.audit->position_at_open().alerts, 1u);
        ASSERT_TRUE(a.caught_up());
        EXPECT_EQ(all_rows(dir.path).size(), rows.size());
        // More commands: another wash trade is alert 2.
        const instrument_id i1 = engine::test::hourly(h100, yrd, 1);
        a.lx.submit(engine::test::harness::order_cmd(participant_id(3), i1, side::buy, 1200, 1));
        ASSERT_TRUE(a.caught_up());
        a.stop();
        EXPECT_FALSE(a.audit->failed()) << a.audit->failure().message;
        ASSERT_EQ(a.published.size(), 2u);
        EXPECT_EQ(a.published[0].seq, 1u);
        EXPECT_EQ(a.published[1].seq, 2u);
    }
    expect_trail(dir.path);
    alerts = all_alerts(dir.path);
    ASSERT_EQ(alerts.size(), 2u);
    EXPECT_EQ(alerts[1].seq, 2u);
    EXPECT_EQ(alerts[1].kind, alert_kind::wash_trade);
}

TEST(AuditWriter, ADeletedStoreIsRebuiltFromTheJournalIdentically) {
    temp_dir dir;
    {
        audited a(dir.path);
        first_run(a);
    }
    const auto before = all_rows(dir.path);
    const auto alerts_before = all_alerts(dir.path);
    for (const char* f : {"/audit.db", "/audit.db-wal", "/audit.db-shm"}) {
        std::filesystem::remove(dir.path + f);
    }
    {
        audited a(dir.path);
        EXPECT_EQ(a.audit->position_at_open().rows, 0u);
        ASSERT_TRUE(a.caught_up());
    }
    const auto after = all_rows(dir.path);
    ASSERT_EQ(after.size(), before.size());
    for (std::size_t i = 0; i < after.size(); ++i) {
        EXPECT_EQ(after[i].row, before[i].row);
        EXPECT_EQ(after[i].is_command()
                      ? std::memcmp(&after[i].cmd, &before[i].cmd, sizeof(command))
                      : std::memcmp(&after[i].ev, &before[i].ev, sizeof(event)),
                  0)
            << "row " << after[i].row;
    }
    const auto alerts_after = all_alerts(dir.path);
    ASSERT_EQ(alerts_after.size(), alerts_before.size());
    EXPECT_EQ(
        std::memcmp(alerts_after.data(), alerts_before.data(), alerts_after.size() * sizeof(alert)),
        0);
}

TEST(AuditReader, TimeRangesAndSeqsFindTheirRows) {
    temp_dir dir;
    {
        audited a(dir.path);
        first_run(a);
    }
    auto r = audit_reader::open(dir.path + "/audit.db");
    ASSERT_TRUE(r.ok());
    auto pos = r.value().position();
    ASSERT_TRUE(pos.ok());
    EXPECT_EQ(pos.value().last_cmd_seq, 12u);
    // Command 8 (the tick at t0 + 61 s) starts its rows; everything before is at t0.
    auto row9 = r.value().row_of_seq(8);
    ASSERT_TRUE(row9.ok() && row9.value().has_value());
    auto early = r.value().rows_in_time(t0, t0 + ns_per_s, 1, audit_rows_max);
    ASSERT_TRUE(early.ok());
    EXPECT_EQ(early.value().size(), *row9.value() - 1);
    auto late = r.value().rows_in_time(t0 + 61 * ns_per_s, INT64_MAX, 1, 5);
    ASSERT_TRUE(late.ok());
    ASSERT_EQ(late.value().size(), 5u);
    EXPECT_EQ(late.value()[0].row, *row9.value());
    EXPECT_TRUE(late.value()[0].is_command());
    auto none = r.value().row_of_seq(13);
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none.value().has_value());
}

// A bare ring and a writer whose commands come from a stub: the order gate and a dead store.
class bare_ring {
public:
    explicit bare_ring(const std::string& dir, bool journal_ok = true) : ring(64) {
        audit_options o;
        o.path = dir + "/audit.db";
        o.lag_events_max = 8;
        o.command_at = [journal_ok](uint64_t seq, command& out, std::string& error) {
            if (!journal_ok) {
                error = "no such command";
                return false;
            }
            out = tick_cmd();
            out.seq = seq;
            out.ts = t0;
            return true;
        };
        auto w = audit_writer::open(ring, o);
        EXPECT_TRUE(w.ok()) << (w.ok() ? "" : w.error().message);
        if (w.ok()) audit = std::move(w.value());
    }
    // One command's events: `n` - 1 balance changes and its command_done.
    void publish_command(uint64_t cmd_seq, int n) {
        for (int i = 0; i < n; ++i) {
            event* e = ring.claim();
            ASSERT_NE(e, nullptr);
            *e = event{};
            e->event_seq = ++event_seq;
            e->cmd_seq = cmd_seq;
            e->ts = t0;
            e->type = i + 1 == n ? event_type::command_done : event_type::balance_changed;
            ring.commit();
        }
    }
    bool wait(const std::function<bool()>& f) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!f()) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return true;
    }

    spmc_ring<event> ring;
    std::unique_ptr<audit_writer> audit;
    uint64_t event_seq = 0;
};

TEST(AuditWriter, TheOrderGateShutsWhileTheStoreLagsAndReopensWhenItCatchesUp) {
    temp_dir dir;
    bare_ring b(dir.path);
    b.publish_command(1, 5);
    EXPECT_TRUE(b.audit->order_gate().open);  // 5 behind, within the bound of 8
    b.publish_command(2, 5);
    const order_gate_state g = b.audit->order_gate();
    EXPECT_FALSE(g.open);
    EXPECT_EQ(g.lag_events, 10u);
    EXPECT_NE(g.reason.find("audit store is 10 events behind"), std::string::npos) << g.reason;
    b.audit->start();
    ASSERT_TRUE(b.wait([&] { return b.audit->recorded_event_seq() == 10; }));
    ASSERT_TRUE(b.wait([&] { return b.audit->order_gate().open; }));
    EXPECT_EQ(b.audit->recorded_cmd_seq(), 2u);
    b.ring.close();
    b.audit->join();
    EXPECT_EQ(all_rows(dir.path).size(), 12u);  // two command rows, ten event rows
}

TEST(AuditWriter, AStoreThatFailedShutsTheGateAndNeverBlocksTheEngine) {
    temp_dir dir;
    bare_ring b(dir.path, false);  // the journal cannot give the commands
    b.audit->start();
    b.publish_command(1, 3);
    ASSERT_TRUE(b.wait([&] { return b.audit->failed(); }));
    EXPECT_NE(b.audit->failure().message.find("cannot read command 1"), std::string::npos)
        << b.audit->failure().message;
    EXPECT_FALSE(b.audit->order_gate().open);
    EXPECT_NE(b.audit->order_gate().reason.find("audit store has stopped"), std::string::npos);
    // Many ring capacities more: the producer never waits for the dead store for long.
    for (uint64_t c = 2; c < 100; ++c) b.publish_command(c, 5);
    b.ring.close();
    b.audit->join();
    EXPECT_TRUE(all_rows(dir.path).empty());
}

}  // namespace
}  // namespace cux::ledger::test
