#pragma once
// Strong value types shared by every module: money, prices, quantities, ids and time.
// All are trivially copyable integers underneath; no floating point is ever used for money.

#include <compare>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <type_traits>

// CUX_ASSERT stays on in every build: a broken invariant aborts with file:line.
#define CUX_ASSERT(cond)                                                                  \
    do {                                                                                  \
        if (!(cond)) [[unlikely]] {                                                       \
            std::fprintf(stderr, "cux: assertion failed: %s at %s:%d\n", #cond, __FILE__, \
                         __LINE__);                                                       \
            std::abort();                                                                 \
        }                                                                                 \
    } while (0)

// CUX_DASSERT is for O(n) checks (walk a book, re-sum balances): on in Debug and in tests.
#if defined(NDEBUG) && !defined(CUX_DEBUG_ASSERTS)
#define CUX_DASSERT(cond) \
    do {                  \
    } while (0)
#else
#define CUX_DASSERT(cond) CUX_ASSERT(cond)
#endif

namespace cux::engine {

// A strong integer: a price cannot be passed where a quantity is expected.
template <class Tag, class Rep>
struct strong {
    Rep v{};
    constexpr strong() = default;
    constexpr explicit strong(Rep x) : v(x) {}
    [[nodiscard]] constexpr Rep value() const { return v; }
    friend constexpr auto operator<=>(const strong&, const strong&) = default;
};

// Additive strong types (money, quantities): + and - within the same type only.
template <class Tag, class Rep>
struct additive : strong<Tag, Rep> {
    using strong<Tag, Rep>::strong;
    constexpr additive& operator+=(additive o) {
        this->v += o.v;
        return *this;
    }
    constexpr additive& operator-=(additive o) {
        this->v -= o.v;
        return *this;
    }
    friend constexpr additive operator+(additive a, additive b) { return additive(a.v + b.v); }
    friend constexpr additive operator-(additive a, additive b) { return additive(a.v - b.v); }
    friend constexpr auto operator<=>(const additive&, const additive&) = default;
};

struct money_tag {};
struct price_tag {};
struct qty_tag {};
struct participant_tag {};
struct order_tag {};
struct instrument_tag {};
struct trade_tag {};
struct contract_tag {};

// An amount of money in fen (0.01 CNY).
using money_fen = additive<money_tag, int64_t>;
// A price in fen per device-hour.
using price_fen = strong<price_tag, int64_t>;
// A number of devices (accelerator cards or vCPUs) for a whole window.
using qty_devices = additive<qty_tag, int64_t>;

using participant_id = strong<participant_tag, uint32_t>;
using order_id = strong<order_tag, uint64_t>;
using instrument_id = strong<instrument_tag, uint32_t>;
using trade_id = strong<trade_tag, uint64_t>;
// A contract: what one trade obliges (delivery, payment). slot | generation << 32, like orders.
using contract_id = strong<contract_tag, uint64_t>;

// Time: nanoseconds since the Unix epoch, UTC. Enters the engine only through command stamps.
using utc_ns = int64_t;
constexpr utc_ns ns_per_s = 1'000'000'000;
constexpr utc_ns ns_per_min = 60 * ns_per_s;
constexpr utc_ns ns_per_hour = 3600 * ns_per_s;
constexpr utc_ns ns_per_day = 24 * ns_per_hour;

// Hours since the Unix epoch (UTC), used to index capacity and tariffs.
using epoch_hour = int64_t;

enum class side : uint8_t { buy = 0, sell = 1 };
constexpr side opposite(side s) { return s == side::buy ? side::sell : side::buy; }

enum class order_type : uint8_t { limit = 0, market = 1 };
enum class time_in_force : uint8_t { gtc = 0, ioc = 1, fok = 2 };
// Self-trade prevention: which order is cancelled when a participant would trade with itself.
enum class stp_mode : uint8_t { cancel_newest = 0, cancel_oldest = 1, cancel_both = 2 };

enum class tenor : uint8_t { hour = 0, day = 1 };
constexpr int64_t tenor_hours(tenor t) { return t == tenor::hour ? 1 : 24; }

enum class instrument_status : uint8_t {
    pre_open = 0,
    open = 1,
    closing = 2,
    closed = 3,
    delivering = 4,
    settled = 5,
};
const char* status_name(instrument_status s);

// Participant roles, a bit set.
enum role_bits : uint8_t {
    role_admin = 1,
    role_vendor = 2,
    role_buyer = 4,
    role_regulator = 8,
};

// 128-bit intermediates for products that are then divided back into 64 bits.
__extension__ using int128 = __int128;

// Checked arithmetic: false on overflow (the engine rejects rather than wraps).
inline bool mul_ok(int64_t a, int64_t b, int64_t& out) {
    return !__builtin_mul_overflow(a, b, &out);
}
inline bool add_ok(int64_t a, int64_t b, int64_t& out) {
    return !__builtin_add_overflow(a, b, &out);
}

static_assert(std::is_trivially_copyable_v<money_fen>);
static_assert(std::is_trivially_copyable_v<price_fen>);
static_assert(sizeof(money_fen) == 8 && sizeof(order_id) == 8 && sizeof(participant_id) == 4);

}  // namespace cux::engine
