#pragma once
// Test helpers for the ledger: a temporary directory, an exchange (tests/engine/harness.hpp)
// whose events are recorded by a ledger recorder on a real SQLite file, and a way to write the
// exchange's commands as a real journal so that verify can replay them.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/journal.hpp"
#include "ledger/reader.hpp"
#include "ledger/recorder.hpp"
#include "ledger/verify.hpp"
#include "tests/engine/harness.hpp"

namespace cux::ledger::test {

using namespace cux::engine;
using engine::test::h0;
using engine::test::t0;

struct temp_dir {
    std::string path;
    temp_dir() {
        char tmpl[] = "/tmp/cux-ledger-test-XXXXXX";
        const char* p = ::mkdtemp(tmpl);
        if (p == nullptr) std::abort();
        path = p;
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    [[nodiscard]] std::string db() const { return path + "/cux.db"; }
    [[nodiscard]] std::string journal() const { return journal_dir(path); }
};

// A file's permission bits (0 when it does not exist).
inline unsigned mode_of(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return 0;
    return st.st_mode & 0777U;
}

inline recorder_options options_for(const std::string& db, const market_config& m,
                                    const std::string& vfs = "") {
    recorder_options o;
    o.path = db;
    o.carriers = m.carriers;
    o.vfs = vfs;
    return o;
}

// Writes `commands` (already stamped) as a fresh journal in `dir` (fsynced).
inline void write_journal(const std::string& dir, const std::vector<command>& commands) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    journal_options o;
    o.dir = dir;
    journal_writer w(o);
    ASSERT_TRUE(w.open(scan_journal(dir))) << w.error();
    for (const command& c : commands) ASSERT_TRUE(w.append(c));
    w.stop();
    ASSERT_FALSE(w.failed()) << w.error();
}

// An exchange whose every event goes to a recorder; commit() after each step by default.
class ledger_harness {
public:
    explicit ledger_harness(const market_config& m = engine::test::small_market(),
                            const exchange_config& c = engine::test::small_config())
        : h(m, c) {
        reopen();
    }

    engine::test::harness h;
    temp_dir dir;
    std::unique_ptr<recorder> rec;
    std::size_t fed = 0;  // events of h.log already given to the recorder
    bool autocommit = true;
    uint32_t posting_flush_batches = limits::posting_flush_batches_default;  // for reopen()

    void reopen() {
        rec.reset();
        recorder_options o = options_for(dir.db(), h.ex.market());
        o.posting_flush_batches = posting_flush_batches;
        auto r = recorder::open(o);
        ASSERT_TRUE(r.ok()) << r.error().message;
        rec = std::move(r.value());
    }

    // Gives the recorder every event not yet given; commits when autocommit.
    void sync() {
        for (; fed < h.log.events.size(); ++fed) {
            const status s = rec->apply(h.log.events[fed]);
            ASSERT_TRUE(s.ok()) << s.error().message;
        }
        if (autocommit) {
            const status s = rec->commit();
            ASSERT_TRUE(s.ok()) << s.error().message;
        }
    }

    participant_id add(const char* name, uint8_t roles) {
        const participant_id p = h.add(name, roles);
        sync();
        return p;
    }
    std::vector<event> run(const command& c) {
        auto evs = h.run(c);
        sync();
        return evs;
    }
    std::vector<event> deposit(participant_id p, int64_t fen) {
        auto evs = h.deposit(p, fen);
        sync();
        return evs;
    }
    std::vector<event> tick_at(utc_ns t) {
        auto evs = h.tick_at(t);
        sync();
        return evs;
    }

    [[nodiscard]] reader read() const {
        auto r = reader::open(dir.db());
        EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
        return std::move(r.value());
    }

    // Every check, with the engine replayed from a journal of the commands so far.
    [[nodiscard]] verify_report verify_all() {
        write_journal(dir.journal(), h.journal);
        verify_options o;
        o.db_path = dir.db();
        o.journal_dir = dir.journal();
        o.market = &h.ex.market();
        o.exchange = engine::test::small_config();
        auto r = verify(o);
        EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
        return r.ok() ? r.value() : verify_report{};
    }

    // The recorder's balances equal the engine's for every participant.
    void expect_mirrors_engine() const {
        for (uint32_t p = 0; p <= 64; ++p) {
            const participant_state* ps = h.ex.participant(participant_id(p));
            if (ps == nullptr) continue;
            EXPECT_EQ(rec->balance(available_account(participant_id(p))),
                      (ps->available + ps->held).value())
                << "participant " << p;
            EXPECT_EQ(rec->balance(escrow_account(participant_id(p))), ps->escrow.value())
                << "participant " << p;
        }
    }
};

// A report's failures, one per line (for assertion messages).
inline std::string describe(const verify_report& r) {
    std::string s;
    for (const verify_check& c : r.checks) {
        s += c.name + (c.ok ? " ok" : " VIOLATED") + ": " + c.summary + "\n";
        for (const std::string& d : c.details) s += "    " + d + "\n";
    }
    return s;
}

inline const verify_check* find_check(const verify_report& r, const std::string& name) {
    for (const verify_check& c : r.checks) {
        if (c.name == name) return &c;
    }
    return nullptr;
}

}  // namespace cux::ledger::test
