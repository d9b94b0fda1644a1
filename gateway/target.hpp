#pragma once
// Request targets: "/v1/orders/42?status=open" -> path segments and query parameters,
// percent-decoded, checked strictly (a parameter a route does not take is UNKNOWN_FIELD, a
// repeated one BAD_REQUEST). Any thread, no state.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/types.hpp"
#include "gateway/api_error.hpp"

namespace cux::gateway {

struct target {
    std::vector<std::string> segments;  // "/v1/book/x" -> {"v1", "book", "x"}
    std::vector<std::pair<std::string, std::string>> query;

    // The value of `name`, or nullopt.
    [[nodiscard]] std::optional<std::string_view> param(std::string_view name) const;
    // Every parameter must be one of `allowed`; false and `err` otherwise.
    bool only(std::initializer_list<std::string_view> allowed, api_error& err) const;
    // An optional unsigned integer parameter in [lo, hi] (default `def`); false and `err` when
    // it is malformed or out of range.
    bool uint_param(std::string_view name, uint64_t lo, uint64_t hi, uint64_t def, uint64_t& out,
                    api_error& err) const;
    // An optional RFC 3339 UTC time parameter (`out` unchanged when absent); false and `err`
    // (400 BAD_REQUEST, field `name`) when it is malformed.
    bool time_param(std::string_view name, engine::utc_ns& out, api_error& err) const;
    // The optional `from` and `to` times of a range query (statement, audit.csv, bars): absent
    // ones stay at `from_out`'s and `to_out`'s defaults. False and `err` (400 BAD_REQUEST, field
    // `from` or `to`) when one is malformed, or (field `from`) when from is after to.
    bool time_range(engine::utc_ns& from_out, engine::utc_ns& to_out, api_error& err) const;
};

// False and `err` (400 BAD_REQUEST) when the target is malformed: not starting with '/', a bad
// percent escape, an empty segment, or more than limits::query_params_max parameters.
bool parse_target(std::string_view raw, target& out, api_error& err);

}  // namespace cux::gateway
