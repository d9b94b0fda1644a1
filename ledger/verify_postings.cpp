// The `postings` check of ledger/verify.hpp.

#include <map>
#include <utility>

#include "ledger/detail/checks.hpp"
#include "ledger/detail/varint.hpp"

namespace cux::ledger::detail {

// The posting lists hold exactly what the tables call for up to their position: per owner and
// kind, the same number of ids with the same sum (the tail past the position is read from the
// tables, so it needs no check).
std::optional<verify_check> check_postings(detail::connection& db, std::size_t details_max,
                                           ledger_error& err) {
    check_builder b("postings", details_max);
    int64_t posted_seq = 0, posted_trade = 0;
    if (!each_row(
            db, "SELECT posted_seq, posted_trade FROM ledger_state WHERE id = 1",
            [&](const detail::statement& s) {
                posted_seq = s.int64(0);
                posted_trade = s.int64(1);
            },
            err)) {
        return std::nullopt;
    }
    struct tally {
        uint64_t n = 0, sum = 0;
        bool operator==(const tally&) const = default;
    };
    std::map<std::pair<int64_t, int64_t>, tally> want, got;
    const auto add = [](tally& t, int64_t id) {
        ++t.n;
        t.sum += static_cast<uint64_t>(id);
    };
    const int64_t last_id = transfer_id(static_cast<uint64_t>(posted_seq),
                                        static_cast<uint32_t>(limits::lines_per_event - 1));
    if (!each_row(
            db, "SELECT id, debit, credit FROM transfers WHERE id <= " + std::to_string(last_id),
            [&](const detail::statement& s) {
                const account_id d = s.int64(1), c = s.int64(2);
                const bool dp = d >= participant_base, cp = c >= participant_base;
                if (dp) add(want[{owner_of(d), 0}], s.int64(0));
                if (cp && !(dp && owner_of(d) == owner_of(c)))
                    add(want[{owner_of(c), 0}], s.int64(0));
            },
            err) ||
        !each_row(
            db,
            "SELECT id, buyer, seller FROM contracts WHERE id <= " + std::to_string(posted_trade),
            [&](const detail::statement& s) {
                add(want[{s.int64(1), 1}], s.int64(0));
                add(want[{s.int64(2), 2}], s.int64(0));
            },
            err) ||
        !each_row(
            db, "SELECT owner, kind, ids FROM postings",
            [&](const detail::statement& s) {
                const auto blob = s.blob(2);
                const unsigned char* p = blob.data();
                const unsigned char* const end = p + blob.size();
                tally& t = got[{s.int64(0), s.int64(1)}];
                uint64_t id = 0, delta = 0;
                while (p < end && detail::get_varint(p, end, delta))
                    add(t, static_cast<int64_t>(id += delta));
                if (p != end) {
                    b.violation("a posting list of participant " + std::to_string(s.int64(0)) +
                                " is damaged");
                }
            },
            err)) {
        return std::nullopt;
    }
    std::map<std::pair<int64_t, int64_t>, std::pair<tally, tally>> both;
    for (const auto& [k, t] : want) both[k].first = t;
    for (const auto& [k, t] : got) both[k].second = t;
    static constexpr const char* kinds[] = {"transfers", "trades bought", "trades sold"};
    for (const auto& [k, wg] : both) {
        if (wg.first == wg.second) continue;
        b.violation("participant " + std::to_string(k.first) + ": its posting list of " +
                    (k.second >= 0 && k.second <= 2 ? kinds[k.second] : "?") + " holds " +
                    std::to_string(wg.second.n) + " ids, the tables call for " +
                    std::to_string(wg.first.n));
    }
    return b.done(std::to_string(both.size()) + " lists up to event " + std::to_string(posted_seq));
}

}  // namespace cux::ledger::detail
