#include "tools/bench_gateway_flow.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstdio>

#include "engine/types.hpp"
#include "tools/client.hpp"

namespace cux::tools::bench::gw {

namespace {

constexpr std::size_t linear_buckets = 1024;
constexpr std::size_t sub_buckets = 512;  // per power of two above the linear part
constexpr std::size_t powers = 40;        // up to 2^50 ns, far beyond any reply
constexpr std::size_t buckets_total = linear_buckets + powers * sub_buckets;

// The unsigned integer right after `key` in `text` (from `from`); false when absent.
bool number_after(std::string_view text, std::string_view key, uint64_t& out,
                  std::size_t from = 0) {
    const std::size_t at = text.find(key, from);
    if (at == std::string_view::npos) return false;
    const char* b = text.data() + at + key.size();
    const char* e = text.data() + text.size();
    if (b < e && *b == '"') ++b;  // ids are strings
    const auto [end, ec] = std::from_chars(b, e, out);
    return ec == std::errc() && end != b;
}

// The string value right after `key` (which ends with the opening quote); empty when absent.
std::string_view string_after(std::string_view text, std::string_view key, std::size_t from = 0) {
    const std::size_t at = text.find(key, from);
    if (at == std::string_view::npos) return {};
    const std::size_t b = at + key.size();
    const std::size_t e = text.find('"', b);
    if (e == std::string_view::npos) return {};
    return text.substr(b, e - b);
}

void append_fen(std::string& out, int64_t fen) {
    char buf[32];
    const int n = std::snprintf(buf, sizeof buf, "%lld.%02lld", static_cast<long long>(fen / 100),
                                static_cast<long long>(fen % 100));
    out.append(buf, static_cast<std::size_t>(n));
}

void append_uint(std::string& out, uint64_t v) {
    char buf[24];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    CUX_ASSERT(ec == std::errc());
    out.append(buf, end);
}

}  // namespace

// ---- latency_histogram -----------------------------------------------------------------------

latency_histogram::latency_histogram() : buckets_(buckets_total, 0) {}

std::size_t latency_histogram::bucket_of(uint64_t ns) {
    if (ns < linear_buckets) return static_cast<std::size_t>(ns);
    // ns in [2^p, 2^(p+1)), p >= 10: 512 buckets of width 2^(p-9).
    const auto p = static_cast<std::size_t>(std::bit_width(ns) - 1);
    const std::size_t shift = p - 9;
    const std::size_t b = linear_buckets + (p - 10) * sub_buckets +
                          static_cast<std::size_t>((ns >> shift) - sub_buckets);
    return std::min(b, buckets_total - 1);
}

uint64_t latency_histogram::upper_of(std::size_t b) {
    if (b < linear_buckets) return b;
    const std::size_t p = (b - linear_buckets) / sub_buckets + 10;
    const std::size_t i = (b - linear_buckets) % sub_buckets;
    const std::size_t shift = p - 9;
    return ((uint64_t{sub_buckets} + i + 1) << shift) - 1;
}

void latency_histogram::add(int64_t ns) {
    const uint64_t v = ns < 0 ? 0 : static_cast<uint64_t>(ns);
    ++buckets_[bucket_of(v)];
    ++count_;
    max_ns_ = std::max(max_ns_, static_cast<int64_t>(v));
}

int64_t latency_histogram::quantile_ns(double q) const {
    if (count_ == 0) return 0;
    const auto rank = static_cast<uint64_t>(q * static_cast<double>(count_) + 0.999999);
    uint64_t seen = 0;
    for (std::size_t b = 0; b < buckets_.size(); ++b) {
        seen += buckets_[b];
        if (seen >= std::max<uint64_t>(rank, 1)) {
            return std::min(static_cast<int64_t>(upper_of(b)), max_ns_);
        }
    }
    return max_ns_;
}

// ---- flow ------------------------------------------------------------------------------------

flow::flow(flow_config c) : c_(std::move(c)), rng_(c_.seed * 0x9E3779B97F4A7C15ULL + 1) {
    CUX_ASSERT(c_.depth >= 1 && c_.depth <= flow_depth_max);
    CUX_ASSERT(c_.resting_max + c_.depth <= resting_ring);
    CUX_ASSERT(!c_.books.empty());
}

uint64_t flow::random() {
    // xorshift64*: fast, and good enough to pick prices and sizes.
    rng_ ^= rng_ >> 12;
    rng_ ^= rng_ << 25;
    rng_ ^= rng_ >> 27;
    return rng_ * 0x2545F4914F6CDD1DULL;
}

void flow::fail(std::string why) {
    if (failure_.empty()) failure_ = why.empty() ? "failed" : std::move(why);
    mode_ = flow_mode::idle;
}

void flow::add_due(int64_t due_ns) {
    if (due_tail_ - due_head_ >= due_max) {
        if (run_ != nullptr) ++run_->dropped_due;
        return;
    }
    due_[due_tail_++ & (due_max - 1)] = due_ns;
}

void flow::make_auth(std::string& out) {
    const std::string ts = std::to_string(unix_ms());
    out = R"({"op":"auth","key":")";
    out += c_.key;
    out += R"(","ts":)";
    out += ts;
    out += R"(,"sign":")";
    out += hmac_sha256_hex(c_.secret, ts + "GET/v1/stream");
    out += R"(","req_id":0})";
}

void flow::make_order(std::string& out, uint64_t req_id, order_kind k) {
    const book_spec& b = c_.books[random() % c_.books.size()];
    const uint64_t r = random();
    // Ticks through the reference price, towards the other side (negative: behind it).
    int64_t through = 0;
    switch (k) {
        case order_kind::ioc:
            through = ioc_through_ticks;
            break;
        case order_kind::touch:
            through = -static_cast<int64_t>(r % (touch_behind_ticks + 1));
            break;
        case order_kind::deep:
            through = -deep_behind_ticks - static_cast<int64_t>(r % deep_levels);
            break;
    }
    const int64_t price = b.reference_fen + (c_.sells ? -through : through) * b.tick_fen;
    const uint64_t qty = 1 + (r >> 16) % 4;
    out = R"({"op":"order","symbol":")";
    out += b.symbol;
    out += c_.sells ? R"(","side":"sell")" : R"(","side":"buy")";
    out += R"(,"type":"limit","price":")";
    append_fen(out, price);
    out += R"(","qty":)";
    append_uint(out, qty);
    out += k == order_kind::ioc ? R"(,"tif":"ioc")" : R"(,"tif":"gtc")";
    out += R"(,"client_order_id":"bench-)";
    append_uint(out, c_.index);
    out += '-';
    append_uint(out, next_coid_++);
    out += R"(","req_id":)";
    append_uint(out, req_id);
    out += '}';
}

void flow::make_cancel(std::string& out, uint64_t req_id, uint64_t order_id) {
    out = R"({"op":"cancel","order_id":")";
    append_uint(out, order_id);
    out += R"(","req_id":)";
    append_uint(out, req_id);
    out += '}';
}

bool flow::next(std::string& out, int64_t now_ns) {
    if (!failure_.empty()) return false;
    if (mode_ == flow_mode::auth) {
        if (auth_sent_) return false;
        auth_sent_ = true;
        make_auth(out);
        slots_[0] = slot{0, now_ns, 0, kind::auth, false, false, true};
        ++in_flight_;
        return true;
    }
    if (mode_ != flow_mode::closed && mode_ != flow_mode::rate) return false;
    if (in_flight_ >= c_.depth) return false;
    int64_t due_ns = 0;
    if (mode_ == flow_mode::rate) {
        if (due_head_ == due_tail_) return false;
        due_ns = due_[due_head_++ & (due_max - 1)];
    }
    slot* s = nullptr;
    for (slot& x : slots_) {
        if (!x.used) {
            s = &x;
            break;
        }
    }
    CUX_ASSERT(s != nullptr);
    const uint64_t req_id = next_req_++;
    *s = slot{req_id, now_ns, due_ns, kind::order, false, window_, true};
    // The mix: 20% cancels of the oldest deep order (deep orders instead while there are none,
    // cancels only once resting_max are known), 20% deep orders, 30% at the touch, 30% IOCs.
    const uint64_t pick = random() % 100;
    const std::size_t deep = resting_tail_ - resting_head_;
    if ((pick < 20 && deep > 0) || deep >= c_.resting_max) {
        s->k = kind::cancel;
        make_cancel(out, req_id, resting_[resting_head_++ & (resting_ring - 1)]);
    } else {
        const order_kind k = pick < 40   ? order_kind::deep
                             : pick < 70 ? order_kind::touch
                                         : order_kind::ioc;
        s->deep = k == order_kind::deep;
        make_order(out, req_id, k);
    }
    ++in_flight_;
    if (window_ && run_ != nullptr) {
        ++(s->k == kind::cancel ? run_->sent_cancels : run_->sent_orders);
        run_->bytes_sent += out.size();
        if (due_ns != 0) run_->send_lag.add(now_ns - due_ns);
    }
    return true;
}

void flow::push_resting(uint64_t order_id) {
    if (resting_tail_ - resting_head_ >= resting_ring) return;  // cannot happen (asserted sizes)
    resting_[resting_tail_++ & (resting_ring - 1)] = order_id;
}

void flow::on_reply(std::string_view text, int64_t now_ns) {
    uint64_t req_id = 0;
    if (text.starts_with(R"({"type":"heartbeat")")) return;
    if (!number_after(text, R"("req_id":)", req_id)) {
        // An error the server could not tie to a request: our message was not understood, and
        // the request it was for would wait forever.
        if (text.starts_with(R"({"type":"error")")) {
            fail("an error without req_id: " + std::string(text.substr(0, 300)));
        }
        return;
    }
    for (slot& s : slots_) {
        if (s.used && s.req_id == req_id) {
            record_reply(s, text, now_ns);
            s.used = false;
            --in_flight_;
            ++replies_;
            return;
        }
    }
    fail("a reply with req_id " + std::to_string(req_id) + " that is not in flight");
}

void flow::record_reply(slot& s, std::string_view text, int64_t now_ns) {
    if (s.k == kind::auth) {
        if (c_.echo || text.starts_with(R"({"type":"authenticated")")) {
            authenticated_ = true;
            mode_ = flow_mode::idle;
        } else {
            fail("auth refused: " + std::string(text.substr(0, 300)));
        }
        return;
    }
    const bool ok = c_.echo || text.starts_with(R"({"type":"result")");
    if (ok && s.k == kind::order) {
        uint64_t order_id = 0;
        if (!s.deep) {
            // Orders at the touch are left to the other side's IOCs; only deep ones are
            // cancelled, so a cancel finds its order still resting.
        } else if (c_.echo) {
            push_resting(s.req_id);
        } else {
            const std::size_t body = text.find(R"("result":)");
            const std::string_view status = string_after(text, R"("status":")", body);
            if ((status == "open" || status == "partially_filled") &&
                number_after(text, R"("order_id":)", order_id, body)) {
                push_resting(order_id);
            }
        }
    }
    if (s.measured && run_ != nullptr) {
        run_->latency.add(now_ns - s.sent_ns);
        if (s.due_ns != 0) run_->from_due.add(now_ns - s.due_ns);
    }
    if (!window_ || run_ == nullptr) return;
    run_->bytes_received += text.size();
    if (ok) {
        ++(s.k == kind::cancel ? run_->acked_cancels : run_->acked_orders);
        if (s.k == kind::order && !c_.echo) {
            const std::size_t f = text.find(R"("fills":[)");
            if (f != std::string_view::npos && f + 9 < text.size() && text[f + 9] != ']') {
                ++run_->filled_at_entry;
            }
        }
        return;
    }
    ++run_->rejected;
    std::string_view code = string_after(text, R"("code":")");
    if (code.empty()) code = "(no code)";
    const auto it = run_->reject_codes.find(code);
    if (it != run_->reject_codes.end()) {
        ++it->second;
    } else {
        run_->reject_codes.emplace(std::string(code), 1);
    }
}

}  // namespace cux::tools::bench::gw
