#include "tools/api_call.hpp"

#include <time.h>

#include <ctime>

#include "tools/cli.hpp"

namespace cux::tools {

api_outcome call_api(http_client& c, std::string_view method, const std::string& target,
                     const std::string& body, bool sign) {
    api_outcome out;
    http_reply r;
    try {
        r = c.request(method, target, body, sign);
    } catch (const transport_error& e) {
        out.code = "UNREACHABLE";
        out.message = e.what();
        return out;
    }
    out.status = r.status;
    out.body = nlohmann::json::parse(r.body, nullptr, false);
    if (r.status >= 200 && r.status < 300 && !out.body.is_discarded()) {
        out.ok = true;
        return out;
    }
    out.code = "HTTP_" + std::to_string(r.status);
    out.message = r.body.substr(0, 200);
    if (out.body.is_object() && out.body.contains("error") && out.body.at("error").is_object()) {
        out.code = cell(out.body.at("error"), "code");
        out.message = cell(out.body.at("error"), "message");
    }
    return out;
}

int64_t epoch_ms_of(const std::string& t) {
    tm u{};
    const char* end = strptime(t.c_str(), "%Y-%m-%dT%H:%M:%S", &u);
    if (end == nullptr) return -1;
    return static_cast<int64_t>(timegm(&u)) * 1000;
}

int64_t epoch_hour_of(const std::string& t) {
    const int64_t ms = epoch_ms_of(t);
    return ms < 0 ? -1 : ms / 3'600'000;
}

std::string hour_text(int64_t epoch_hour) {
    const time_t t = static_cast<time_t>(epoch_hour * 3600);
    tm u{};
    gmtime_r(&t, &u);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:00:00Z", &u);
    return buf;
}

}  // namespace cux::tools
