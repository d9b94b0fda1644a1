#include "gateway/target.hpp"

#include <algorithm>

#include "engine/symbol.hpp"
#include "gateway/decode.hpp"
#include "gateway/limits.hpp"

namespace cux::gateway {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Percent-decoding ('+' is a space in query strings); false on a bad escape or a control byte.
bool decode(std::string_view in, bool query, std::string& out) {
    out.clear();
    for (std::size_t i = 0; i < in.size(); ++i) {
        char c = in[i];
        if (c == '%') {
            if (i + 2 >= in.size()) return false;
            const int hi = hex_value(in[i + 1]);
            const int lo = hex_value(in[i + 2]);
            if (hi < 0 || lo < 0) return false;
            c = static_cast<char>(hi * 16 + lo);
            i += 2;
        } else if (query && c == '+') {
            c = ' ';
        }
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
        out.push_back(c);
    }
    return true;
}

api_error bad(std::string message) { return make_error(400, "BAD_REQUEST", std::move(message)); }

}  // namespace

std::optional<std::string_view> target::param(std::string_view name) const {
    for (const auto& [k, v] : query) {
        if (k == name) return std::string_view(v);
    }
    return std::nullopt;
}

bool target::only(std::initializer_list<std::string_view> allowed, api_error& err) const {
    for (std::size_t i = 0; i < query.size(); ++i) {
        const std::string& k = query[i].first;
        if (std::find(allowed.begin(), allowed.end(), std::string_view(k)) == allowed.end()) {
            err = make_error(400, "UNKNOWN_FIELD", "unknown query parameter \"" + k + "\"", k);
            return false;
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (query[j].first == k) {
                err = make_error(400, "BAD_REQUEST", "query parameter " + k + " is repeated", k);
                return false;
            }
        }
    }
    return true;
}

bool target::uint_param(std::string_view name, uint64_t lo, uint64_t hi, uint64_t def,
                        uint64_t& out, api_error& err) const {
    const auto v = param(name);
    if (!v) {
        out = def;
        return true;
    }
    const auto n = parse_id(*v);
    if (!n || *n < lo || *n > hi) {
        err = make_error(400, "BAD_REQUEST",
                         std::string(name) + " must be an integer in [" + std::to_string(lo) +
                             ", " + std::to_string(hi) + "]",
                         std::string(name));
        return false;
    }
    out = *n;
    return true;
}

bool target::time_param(std::string_view name, engine::utc_ns& out, api_error& err) const {
    const auto v = param(name);
    if (!v) return true;
    const auto t = engine::parse_rfc3339(*v);
    if (!t) {
        err = make_error(400, "BAD_REQUEST", std::string(name) + " must be an RFC 3339 UTC time",
                         std::string(name));
        return false;
    }
    out = *t;
    return true;
}

bool target::time_range(engine::utc_ns& from_out, engine::utc_ns& to_out, api_error& err) const {
    engine::utc_ns from = from_out;
    engine::utc_ns to = to_out;
    if (!time_param("from", from, err) || !time_param("to", to, err)) return false;
    if (from > to) {
        err = make_error(400, "BAD_REQUEST", "from must not be after to", "from");
        return false;
    }
    from_out = from;
    to_out = to;
    return true;
}

bool parse_target(std::string_view raw, target& out, api_error& err) {
    out = target{};
    if (raw.empty() || raw[0] != '/') {
        err = bad("the request target must be an absolute path");
        return false;
    }
    const std::size_t q = raw.find('?');
    const std::string_view path = raw.substr(0, q);
    std::string part;
    std::size_t pos = 1;
    while (pos <= path.size()) {
        std::size_t end = path.find('/', pos);
        if (end == std::string_view::npos) end = path.size();
        const std::string_view seg = path.substr(pos, end - pos);
        if (seg.empty()) {
            // Only "/" itself has an empty (the only) segment.
            if (path.size() == 1) break;
            err = bad("empty path segment");
            return false;
        }
        if (!decode(seg, false, part)) {
            err = bad("bad escape in the path");
            return false;
        }
        out.segments.push_back(part);
        pos = end + 1;
    }
    if (q == std::string_view::npos) return true;
    std::string_view rest = raw.substr(q + 1);
    while (!rest.empty()) {
        const std::size_t amp = rest.find('&');
        const std::string_view item = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        if (item.empty()) continue;
        if (out.query.size() >= limits::query_params_max) {
            err = bad("too many query parameters");
            return false;
        }
        const std::size_t eq = item.find('=');
        std::string k;
        std::string v;
        if (!decode(item.substr(0, eq), true, k) ||
            !decode(eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1), true,
                    v) ||
            k.empty()) {
            err = bad("malformed query string");
            return false;
        }
        out.query.emplace_back(std::move(k), std::move(v));
    }
    return true;
}

}  // namespace cux::gateway
