#pragma once
// Operating errors of the ledger are values (STYLE.md "Errors"): result<T> holds a T or a
// ledger_error with a stable code and one line of text for the log.

#include <string>
#include <utility>
#include <variant>

#include "engine/types.hpp"

namespace cux::ledger {

enum class error_code : uint8_t {
    none = 0,
    // The database could not be opened, read or written (bad path, permissions, not a ledger).
    io = 1,
    // A write or sync failed while committing: the transaction may or may not be on disk.
    // The writer stops for good; a restart re-reads ledger_state.last_seq.
    outcome_unknown = 2,
    // The ledger and the engine disagree (a balance, a missing account, a gap in the event
    // seqs): the writer stops rather than record something it cannot reconcile.
    diverged = 3,
    // The engine's journal failed before the events were durable: not recorded.
    journal_failed = 4,
    // A caller asked for something that is not there or not allowed (bad range, unknown id).
    bad_request = 5,
    // The ledger's schema is newer or otherwise not this build's.
    schema = 6,
};
[[nodiscard]] const char* error_code_name(error_code c);

struct ledger_error {
    error_code code = error_code::none;
    std::string message;
};

template <class T>
class [[nodiscard]] result {
public:
    result(T v) : v_(std::move(v)) {}             // NOLINT: implicit by design, like std::expected
    result(ledger_error e) : v_(std::move(e)) {}  // NOLINT

    [[nodiscard]] bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    [[nodiscard]] const T& value() const& {
        CUX_ASSERT(ok());
        return std::get<0>(v_);
    }
    [[nodiscard]] T& value() & {
        CUX_ASSERT(ok());
        return std::get<0>(v_);
    }
    [[nodiscard]] T&& value() && {
        CUX_ASSERT(ok());
        return std::get<0>(std::move(v_));
    }
    [[nodiscard]] const ledger_error& error() const {
        CUX_ASSERT(!ok());
        return std::get<1>(v_);
    }
    const T& operator*() const& { return value(); }
    const T* operator->() const { return &value(); }

private:
    std::variant<T, ledger_error> v_;
};

// For calls that return nothing but may fail.
struct done {};
using status = result<done>;
inline status ok_status() { return done{}; }

}  // namespace cux::ledger
