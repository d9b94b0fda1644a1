#pragma once
// What the programs that trade through the API on their own (`cux maker`, tools/maker.hpp, and
// `cux sim`, tools/sim.hpp) share: one API call whose failure is a value they can log and count
// (the API's error code and message, UNREACHABLE for a transport failure) instead of an
// exception, and the whole-hour RFC 3339 times of the instrument and capacity routes.
// Threads: as the http_client used (one thread at a time); the time helpers are reentrant.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "tools/client.hpp"

namespace cux::tools {

// One call's result: ok with its JSON, or the error code and message (UNREACHABLE for a
// transport failure, HTTP_<status> when the body is not an API error).
struct api_outcome {
    bool ok = false;
    unsigned status = 0;  // 0: no reply
    nlohmann::json body;
    std::string code;
    std::string message;
    [[nodiscard]] std::string what() const { return code + ": " + message; }
};

// A 2xx reply with a JSON body is ok; anything else, a transport failure included, is not.
api_outcome call_api(http_client& c, std::string_view method, const std::string& target,
                     const std::string& body = {}, bool sign = true);

// Milliseconds since the epoch of an RFC 3339 UTC time to the second; -1 if not one.
[[nodiscard]] int64_t epoch_ms_of(const std::string& t);
// Whole hours since the epoch of an RFC 3339 UTC time ("2026-12-01T08:00:00Z"); -1 if not one.
[[nodiscard]] int64_t epoch_hour_of(const std::string& t);
// The start of an epoch hour as RFC 3339: "2026-12-01T08:00:00Z".
[[nodiscard]] std::string hour_text(int64_t epoch_hour);

// v rounded down / up to a multiple of step (v >= 0, step > 0).
[[nodiscard]] inline int64_t floor_to(int64_t v, int64_t step) { return v / step * step; }
[[nodiscard]] inline int64_t ceil_to(int64_t v, int64_t step) {
    return (v + step - 1) / step * step;
}

}  // namespace cux::tools
