#pragma once
// What the stream (/v1/stream) hands to a connection: immutable message text, shared by every
// subscriber of a channel (DESIGN.md §3: serialized once per market-data message), with a place
// where each connection splices in its own per-channel seq. A connection writes the text as
// three buffers (text before the splice, its seq digits, text after), so a subscriber costs a
// reference count and a few digits, never a JSON dump.
//
//   {"channel":"book:gpu1.east1.20300101T08.1h","type":"update","seq":  |7|  ,"asks":[...],...}
//   `------------------------------ before seq_at -----------------------'    `--- after ---'
//
// Channels are named by a channel_key: the kind and the instrument (book, trades) or the
// participant (orders, fills). Any thread; no state beyond the immutable text.

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace cux::gateway {

enum class channel_kind : uint8_t {
    book = 0,
    trades = 1,
    orders = 2,
    fills = 3,
    bars_1m = 4,  // id: the instrument
    bars_1h = 5,
    index = 6,   // id 0
    alerts = 7,  // id 0
};

struct channel_key {
    channel_kind kind = channel_kind::book;
    uint32_t id = 0;  // instrument id (book, trades, bars) or participant id (orders, fills)

    [[nodiscard]] uint64_t packed() const {
        return uint64_t{static_cast<uint8_t>(kind)} << 32 | id;
    }
    [[nodiscard]] bool is_private() const {
        return kind == channel_kind::orders || kind == channel_kind::fills;
    }
    // Needs an authenticated regulator (one channel for all of them, id 0).
    [[nodiscard]] bool is_regulator_only() const { return kind == channel_kind::alerts; }
    friend bool operator==(const channel_key&, const channel_key&) = default;
};

struct stream_text {
    std::string text;
    std::size_t seq_at = 0;  // where the seq goes; npos: a message without a seq

    static constexpr std::size_t no_seq = static_cast<std::size_t>(-1);
    [[nodiscard]] bool has_seq() const { return seq_at != no_seq; }
};

using shared_text = std::shared_ptr<const stream_text>;

// A message without a seq (replies, errors, heartbeats).
inline shared_text plain_text(std::string text) {
    return std::make_shared<const stream_text>(stream_text{std::move(text), stream_text::no_seq});
}

// Decimal digits of a seq, kept inline in each queued message.
struct seq_digits {
    char buf[20] = {};
    uint8_t len = 0;

    explicit seq_digits(uint64_t v = 0) {
        const auto r = std::to_chars(buf, buf + sizeof buf, v);
        len = static_cast<uint8_t>(r.ptr - buf);
    }
    [[nodiscard]] std::string_view view() const { return {buf, len}; }
};

// The whole message a connection writes (for tests and for a connection that needs one string).
inline std::string spliced(const stream_text& t, uint64_t seq) {
    if (!t.has_seq()) return t.text;
    const seq_digits d(seq);
    std::string s;
    s.reserve(t.text.size() + d.len);
    s.append(t.text, 0, t.seq_at);
    s.append(d.view());
    s.append(t.text, t.seq_at, std::string::npos);
    return s;
}

// Where the hub sends a subscribed channel's messages: a stream connection. deliver() is called
// by the event consumer thread; an implementation posts to its own executor and returns at once.
// `slot` is the connection's subscription slot, `token` the subscription it was made for (a
// message for a slot since unsubscribed or subscribed again carries an old token: dropped).
class stream_subscriber {
public:
    virtual void deliver(uint32_t slot, uint64_t token, shared_text message) = 0;

protected:
    ~stream_subscriber() = default;
};

}  // namespace cux::gateway
