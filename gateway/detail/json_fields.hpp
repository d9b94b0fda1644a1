#pragma once
// The strict reader of a request object's fields that every decoder uses (decode.cpp,
// decode_job.cpp): each reader checks one field's presence, type and range and keeps the first
// problem as an api_error with a stable code and the field's name, so a decoder reads field
// after field and checks once. Any thread, no state beyond the one object it reads.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "gateway/api_error.hpp"
#include "gateway/money.hpp"

namespace cux::gateway::detail {

using json = nlohmann::json;

// Reads the fields of one request object; the first problem is kept in `err` and every later
// call returns false, so a decoder can read field after field and check once. `Obj` is a
// nlohmann::json object or a flat_object (json_flat.hpp), read by the same code.
template <class Obj>
class basic_fields {
public:
    basic_fields(const Obj& obj, api_error& err) : obj_(obj), err_(err) {}

    // Every key must be one of `known`.
    bool only(std::initializer_list<std::string_view> known) {
        for (const auto& [k, v] : obj_.items()) {
            if (std::find(known.begin(), known.end(), std::string_view(k)) == known.end()) {
                return fail(400, "UNKNOWN_FIELD", "unknown field \"" + k + "\"", k);
            }
        }
        return ok_;
    }

    [[nodiscard]] bool has(const char* k) const { return obj_.contains(k); }

    bool string(const char* k, std::string& out, bool required, std::size_t max_bytes = 256) {
        if (!ok_) return false;
        const auto it = obj_.find(k);
        if (it == obj_.end()) return required ? missing(k) : true;
        if (!it->is_string())
            return fail(400, "BAD_REQUEST", std::string(k) + " must be a string", k);
        const auto& s = it->template get_ref<const std::string&>();
        if (s.empty() || s.size() > max_bytes) {
            return fail(400, "BAD_REQUEST",
                        std::string(k) + " must be 1 to " + std::to_string(max_bytes) + " bytes",
                        k);
        }
        out = s;
        return true;
    }

    // An integer in [lo, hi]; out of range -> `range_code`.
    bool integer(const char* k, int64_t& out, bool required, int64_t lo, int64_t hi,
                 const char* range_code) {
        if (!ok_) return false;
        const auto it = obj_.find(k);
        if (it == obj_.end()) return required ? missing(k) : true;
        if (!it->is_number_integer()) {
            return fail(400, "BAD_REQUEST", std::string(k) + " must be an integer", k);
        }
        if (it->is_number_unsigned() && it->template get<uint64_t>() > static_cast<uint64_t>(hi)) {
            return fail(400, range_code, std::string(k) + " is too large", k);
        }
        const auto v = it->template get<int64_t>();
        if (v < lo || v > hi) {
            return fail(400, range_code,
                        std::string(k) + " must be in [" + std::to_string(lo) + ", " +
                            std::to_string(hi) + "]",
                        k);
        }
        out = v;
        return true;
    }

    bool boolean(const char* k, bool& out) {
        if (!ok_) return false;
        const auto it = obj_.find(k);
        if (it == obj_.end()) return true;
        if (!it->is_boolean())
            return fail(400, "BAD_REQUEST", std::string(k) + " must be true or false", k);
        out = it->template get<bool>();
        return true;
    }

    // A money string, > 0 and <= max_fen; any problem -> `code`.
    bool money(const char* k, int64_t& out, bool required, int64_t max_fen, const char* code) {
        if (!ok_) return false;
        const auto it = obj_.find(k);
        if (it == obj_.end()) return required ? missing(k) : true;
        if (!it->is_string()) {
            return fail(400, "BAD_REQUEST",
                        std::string(k) + " must be a decimal string such as \"12.34\"", k);
        }
        int64_t v = 0;
        switch (parse_fen(it->template get_ref<const std::string&>(), max_fen, v)) {
            case decimal_error::none:
                break;
            case decimal_error::syntax:
                return fail(400, code, std::string(k) + " must be a decimal such as \"12.34\"", k);
            case decimal_error::too_precise:
                return fail(400, code, std::string(k) + " has more than 2 decimals", k);
            case decimal_error::too_large:
                return fail(400, code, std::string(k) + " is too large", k);
        }
        if (v <= 0) return fail(400, code, std::string(k) + " must be positive", k);
        out = v;
        return true;
    }

    // A JSON number (integer or decimal) with at most 3 decimals, as thousandths in
    // [lo_milli, hi_milli]: 4 -> 4000, 0.5 -> 500. A decimal is read as the shortest text that
    // gives back the same double, so 0.1 is 100 while 0.1234 has too many decimals. Not a
    // number -> BAD_REQUEST; too precise or out of range -> `code`.
    bool milli(const char* k, int64_t& out, bool required, int64_t lo_milli, int64_t hi_milli,
               const char* code) {
        if (!ok_) return false;
        const auto it = obj_.find(k);
        if (it == obj_.end()) return required ? missing(k) : true;
        if (!it->is_number())
            return fail(400, "BAD_REQUEST", std::string(k) + " must be a number", k);
        const std::string range = std::string(k) + " must be in [" + format_milli(lo_milli) + ", " +
                                  format_milli(hi_milli) + "]";
        if (it->is_number_integer()) {
            const bool neg = !it->is_number_unsigned() && it->template get<int64_t>() < 0;
            if (neg || it->template get<uint64_t>() > static_cast<uint64_t>(hi_milli / 1000)) {
                return fail(400, code, range, k);
            }
            out = it->template get<int64_t>() * 1000;
        } else {
            const double d = it->template get<double>();
            char buf[64];
            const auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
            if (!std::isfinite(d) || std::signbit(d) || r.ec != std::errc{}) {
                return fail(400, code, range, k);
            }
            const std::string_view text(buf, static_cast<std::size_t>(r.ptr - buf));
            const std::size_t dot = text.find('.');
            const std::string_view whole = text.substr(0, dot);
            const std::string_view frac =
                dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
            if (frac.size() > 3) {
                return fail(400, code, std::string(k) + " has more than 3 decimals", k);
            }
            if (whole.size() > 15) return fail(400, code, range, k);
            int64_t v = 0;
            for (const char c : whole) v = v * 10 + (c - '0');
            for (std::size_t i = 0; i < 3; ++i) v = v * 10 + (i < frac.size() ? frac[i] - '0' : 0);
            out = v;
        }
        if (out < lo_milli || out > hi_milli) return fail(400, code, range, k);
        return true;
    }

    // A list of 1 to max_items distinct strings (ids), each 1 to 32 bytes; absent: `out` empty.
    bool string_list(const char* k, std::vector<std::string>& out, std::size_t max_items) {
        if (!ok_) return false;
        const auto it = obj_.find(k);
        if (it == obj_.end()) return true;
        if (!it->is_array() || it->empty() || it->size() > max_items) {
            return fail(
                400, "BAD_REQUEST",
                std::string(k) + " must be a list of 1 to " + std::to_string(max_items) + " ids",
                k);
        }
        for (const auto& v : *it) {
            if (!v.is_string() || v.template get_ref<const std::string&>().empty() ||
                v.template get_ref<const std::string&>().size() > 32) {
                return fail(400, "BAD_REQUEST", std::string(k) + " must hold ids (strings)", k);
            }
            const auto& s = v.template get_ref<const std::string&>();
            if (std::find(out.begin(), out.end(), s) != out.end()) {
                return fail(400, "BAD_REQUEST", std::string(k) + " lists " + s + " twice", k);
            }
            out.push_back(s);
        }
        return true;
    }

    // One of `names`: its index.
    bool choice(const char* k, std::initializer_list<std::string_view> names, int& out,
                bool required) {
        std::string s;
        const bool present = obj_.contains(k);
        if (!string(k, s, required, 32)) return false;
        if (!present) return true;
        int i = 0;
        for (const auto n : names) {
            if (s == n) {
                out = i;
                return true;
            }
            ++i;
        }
        std::string all;
        for (const auto n : names) all += (all.empty() ? "" : ", ") + std::string(n);
        return fail(400, "BAD_REQUEST", std::string(k) + " must be one of " + all, k);
    }

    bool fail(unsigned status, const char* code, std::string message, std::string field) {
        if (ok_) {
            ok_ = false;
            err_ = make_error(status, code, std::move(message), std::move(field));
        }
        return false;
    }
    [[nodiscard]] bool ok() const { return ok_; }

private:
    bool missing(const char* k) {
        return fail(400, "BAD_REQUEST", std::string("missing field ") + k, k);
    }

    const Obj& obj_;
    api_error& err_;
    bool ok_ = true;
};

using fields = basic_fields<json>;

inline bool valid_client_order_id(const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_' || c == '.' || c == ':';
    });
}

}  // namespace cux::gateway::detail
