#pragma once
// What every client verb shares: argument parsing, where the URL and credentials come from, one
// call to the server with its error printed the same way everywhere, and plain-text tables.
//
// Options every client verb takes (anywhere on its command line, `--opt VALUE` or `--opt=VALUE`):
//   --url URL --key KEY --secret SECRET   the server and the API key (CUX_URL, CUX_KEY, CUX_SECRET)
//   --config FILE     JSON {"url","key","secret"[,"cacert"]}, e.g. DIR/admin.credentials or a file
//                     tools/run wrote (CUX_CONFIG; default ~/.config/cux/config.json when present)
//   --cacert FILE     verify the server against this certificate (CUX_CACERT); default: the
//                     config's "cacert", else cert.pem beside the config file, else system roots
//   --insecure        do not verify the server's certificate (prints a warning)
//   --json            print the server's JSON instead of a table
//   --timeout-ms N    per network operation (default 10000)
//   --help            print the verb's synopsis
// Precedence: flags (and the file --config names) > environment > the default config file.
//
// Exit codes: 0 success, 1 the server refused (its code and message on stderr as
// `error: CODE: message`) or could not be reached, 2 bad usage.

#include <chrono>
#include <cstdio>
#include <functional>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "tools/client.hpp"

namespace cux::tools {

// Thrown for bad usage; the verb's guard prints it with the verb's synopsis and exits 2.
class usage_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Thrown for --help: the guard prints the synopsis on stdout and exits 0.
class help_request : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct option_spec {
    const char* name;  // "--price"
    bool takes_value;
};

struct parsed_args {
    std::vector<std::string> positional;
    std::map<std::string, std::string> values;  // "--price" -> "12.30"
    std::set<std::string> flags;                // "--json"

    [[nodiscard]] bool has(const std::string& name) const {
        return flags.contains(name) || values.contains(name);
    }
    [[nodiscard]] std::optional<std::string> get(const std::string& name) const;
    // The value as an integer in [lo, hi]; throws usage_error when it is not one.
    [[nodiscard]] std::optional<int64_t> get_int(const std::string& name, int64_t lo,
                                                 int64_t hi) const;
};

// Parses argv[first..argc): the common options above plus `verb_options`. An unknown option, a
// missing value or a repeated option throws usage_error. "--" ends the options.
parsed_args parse_args(int argc, char** argv, int first,
                       std::initializer_list<option_spec> verb_options = {});

// An integer argument in [lo, hi]; throws usage_error naming `what` otherwise.
int64_t parse_int(std::string_view text, const char* what, int64_t lo, int64_t hi);

// The URL, key, secret and TLS settings from flags, environment and config file. `need_key`:
// a missing key or secret is a usage error. Throws usage_error.
client_options resolve_client_options(const parsed_args& a, bool need_key);

// A 2xx reply: its body as sent and parsed.
struct api_reply {
    unsigned status = 0;
    std::string body;
    nlohmann::json json;
};

// The server as one verb sees it.
class session {
public:
    // need_key: private calls, signed; otherwise public ones, sent unsigned.
    session(const parsed_args& a, bool need_key);

    // One call. A 2xx reply is returned; anything else is printed to stderr (`error: CODE:
    // message`) and nullopt returned (the verb exits 1). Transport errors throw transport_error.
    std::optional<api_reply> call(std::string_view method, const std::string& target,
                                  const std::string& body = {});
    // The same for a reply that is not JSON (the audit trail's CSV): its body as sent.
    std::optional<std::string> call_text(std::string_view method, const std::string& target);
    // --json: print the body as the server sent it and return true.
    bool print_json(const api_reply& r) const;

    [[nodiscard]] bool json_output() const { return json_; }
    [[nodiscard]] const client_options& options() const { return client_.options(); }

private:
    http_client client_;
    bool sign_ = false;
    bool json_ = false;
};

// Prints a non-2xx reply: `error: CODE: message (field F)`, or the status and body when the
// body is not an API error.
void print_api_error(const http_reply& r);

// Runs a verb body: usage_error -> synopsis on stderr, exit 2; transport_error -> `error: ...`,
// exit 1.
int run_verb(const char* synopsis, const std::function<int()>& body);

// A query string from the pairs whose value is set, values percent-encoded: "?a=1&b=x".
std::string query(std::initializer_list<std::pair<const char*, std::optional<std::string>>> kv);
// Percent-encodes a path segment or query value (RFC 3986 unreserved characters pass).
std::string url_encode(std::string_view s);

// A plain-text table: columns sized to their widest cell, numbers right-aligned.
class table {
public:
    struct column {
        std::string title;
        bool right = false;
    };
    explicit table(std::vector<column> columns) : columns_(std::move(columns)) {}
    void add(std::vector<std::string> row);
    // Prints the header and rows; with no rows, `empty_text` instead.
    void print(std::FILE* out, const char* empty_text) const;

private:
    std::vector<column> columns_;
    std::vector<std::vector<std::string>> rows_;
};

// A JSON value as table text: strings bare, null as "-", numbers and bools as JSON.
std::string cell(const nlohmann::json& v);
// obj[key] as table text; "-" when obj is not an object or has no such key.
std::string cell(const nlohmann::json& obj, const char* key);
// `key: value` lines, keys padded to the widest.
void print_fields(std::FILE* out, const std::vector<std::pair<std::string, std::string>>& kv);

}  // namespace cux::tools
