#pragma once
// Strict JSON for request bodies: parsed once, at the edge, into a DOM the decoders read.
// Refused with 400 BAD_REQUEST (and a message saying why): malformed text, a duplicate key in
// one object, nesting deeper than limits::json_depth_max, and anything but an object at the top.
// Any thread, no state. The input is bounded by limits::body_bytes_max before it gets here.

#include <nlohmann/json.hpp>
#include <string_view>

#include "gateway/api_error.hpp"

namespace cux::gateway {

// True and `out` set when `text` is one JSON object within the limits; else false and `err`.
bool parse_json_object(std::string_view text, nlohmann::json& out, api_error& err);

}  // namespace cux::gateway
