#pragma once
// The API's error value: an HTTP status and the body {"error":{"code","message","field"}}
// (API.md "Errors"). Codes are stable UPPER_SNAKE strings; `field` names the offending request
// field, query parameter or header, or is null. Any thread, no state.

#include <string>
#include <utility>

namespace cux::gateway {

struct api_error {
    unsigned status = 400;
    std::string code;
    std::string message;
    std::string field;  // empty: null in JSON
};

inline api_error make_error(unsigned status, std::string code, std::string message,
                            std::string field = {}) {
    return api_error{status, std::move(code), std::move(message), std::move(field)};
}

// The JSON body of an error, e.g. {"error":{"code":"NOT_FOUND","message":"...","field":null}}.
std::string error_body(const api_error& e);

}  // namespace cux::gateway
