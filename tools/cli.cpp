#include "tools/cli.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace cux::tools {

namespace {

namespace fs = std::filesystem;

constexpr option_spec common_options[] = {
    {"--url", true},    {"--key", true},       {"--secret", true}, {"--config", true},
    {"--cacert", true}, {"--insecure", false}, {"--json", false},  {"--timeout-ms", true},
};

std::optional<std::string> env(const char* name) {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string(v);
}

// A config file's fields; throws usage_error when it cannot be read or is not such a file.
struct config_file {
    std::string path;
    std::optional<std::string> url, key, secret, cacert;
};

config_file read_config(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw usage_error("cannot read config file " + path);
    std::ostringstream text;
    text << in.rdbuf();
    const auto j = nlohmann::json::parse(text.str(), nullptr, false);
    if (!j.is_object()) throw usage_error("config file " + path + " is not a JSON object");
    config_file c;
    c.path = path;
    for (const auto& [k, v] : j.items()) {
        if (!v.is_string())
            throw usage_error("config file " + path + ": " + k + " must be a string");
        const std::string s = v.get<std::string>();
        if (k == "url") {
            c.url = s;
        } else if (k == "key") {
            c.key = s;
        } else if (k == "secret") {
            c.secret = s;
        } else if (k == "cacert") {
            // Relative to the config file, so a data directory can move.
            c.cacert = fs::path(s).is_absolute() ? s : (fs::path(path).parent_path() / s).string();
        }
        // Other fields (e.g. a participant id a script kept) are not the client's business.
    }
    return c;
}

std::string status_text(unsigned status) {
    switch (status) {
        case 400:
            return "BAD_REQUEST";
        case 401:
            return "UNAUTHORIZED";
        case 403:
            return "FORBIDDEN";
        case 404:
            return "NOT_FOUND";
        case 413:
            return "PAYLOAD_TOO_LARGE";
        case 429:
            return "RATE_LIMITED";
        case 503:
            return "UNAVAILABLE";
        default:
            return "HTTP_" + std::to_string(status);
    }
}

}  // namespace

void hoist_client_options(int argc, char** argv) {
    int i = 1;
    while (i < argc) {
        const std::string_view arg = argv[i];
        const std::string_view name = arg.substr(0, arg.find('='));
        const option_spec* spec = nullptr;
        for (const option_spec& o : common_options) {
            if (name == o.name) spec = &o;
        }
        if (spec == nullptr) break;
        i += spec->takes_value && name.size() == arg.size() ? 2 : 1;
    }
    if (i == 1 || i >= argc) return;  // nothing to move, or no verb after the options
    std::rotate(argv + 1, argv + i, argv + i + 1);
}

std::optional<std::string> parsed_args::get(const std::string& name) const {
    const auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
}

std::optional<int64_t> parsed_args::get_int(const std::string& name, int64_t lo, int64_t hi) const {
    const auto v = get(name);
    if (!v) return std::nullopt;
    return parse_int(*v, name.c_str(), lo, hi);
}

int64_t parse_int(std::string_view text, const char* what, int64_t lo, int64_t hi) {
    int64_t v = 0;
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || p != text.data() + text.size() || v < lo || v > hi) {
        throw usage_error(std::string(what) + " must be an integer in [" + std::to_string(lo) +
                          ", " + std::to_string(hi) + "], not \"" + std::string(text) + "\"");
    }
    return v;
}

parsed_args parse_args(int argc, char** argv, int first,
                       std::initializer_list<option_spec> verb_options) {
    auto find = [&](std::string_view name) -> const option_spec* {
        for (const option_spec& o : common_options) {
            if (name == o.name) return &o;
        }
        for (const option_spec& o : verb_options) {
            if (name == o.name) return &o;
        }
        return nullptr;
    };
    parsed_args a;
    bool options_done = false;
    for (int i = first; i < argc; ++i) {
        const std::string_view arg = argv[i];
        // A lone "-" and negative numbers are values, not options.
        const bool looks_like_option = arg.size() > 2 && arg.starts_with("--");
        if (options_done || !looks_like_option) {
            if (arg == "--" && !options_done) {
                options_done = true;
                continue;
            }
            a.positional.emplace_back(arg);
            continue;
        }
        const std::size_t eq = arg.find('=');
        const std::string name(arg.substr(0, eq));
        if (name == "--help") throw help_request("help");
        const option_spec* spec = find(name);
        if (spec == nullptr) throw usage_error("unknown option " + name);
        if (a.has(name)) throw usage_error(name + " given twice");
        if (!spec->takes_value) {
            if (eq != std::string_view::npos) throw usage_error(name + " takes no value");
            a.flags.insert(name);
            continue;
        }
        if (eq != std::string_view::npos) {
            a.values[name] = std::string(arg.substr(eq + 1));
        } else if (i + 1 < argc) {
            a.values[name] = argv[++i];
        } else {
            throw usage_error(name + " needs a value");
        }
    }
    return a;
}

client_options resolve_client_options(const parsed_args& a, bool need_key) {
    // The explicit config file sits with the flags; the default one below the environment.
    std::optional<config_file> explicit_config;
    std::optional<config_file> default_config;
    if (const auto p = a.get("--config")) {
        explicit_config = read_config(*p);
    } else if (const auto e = env("CUX_CONFIG")) {
        explicit_config = read_config(*e);
    } else if (const auto home = env("HOME")) {
        const std::string path = *home + "/.config/cux/config.json";
        if (fs::exists(path)) default_config = read_config(path);
    }
    auto pick = [&](const char* flag, const char* env_name,
                    std::optional<std::string> config_file::*field) -> std::optional<std::string> {
        if (const auto v = a.get(flag)) return v;
        if (explicit_config && (*explicit_config).*field) return (*explicit_config).*field;
        if (const auto v = env(env_name)) return v;
        if (default_config && (*default_config).*field) return (*default_config).*field;
        return std::nullopt;
    };
    client_options o;
    const auto url = pick("--url", "CUX_URL", &config_file::url);
    if (!url) throw usage_error("no server URL: pass --url, set CUX_URL or use --config FILE");
    o.url = *url;
    server_url parsed;
    std::string error;
    if (!parse_server_url(o.url, parsed, error)) throw usage_error(error);
    o.key = pick("--key", "CUX_KEY", &config_file::key).value_or("");
    o.secret = pick("--secret", "CUX_SECRET", &config_file::secret).value_or("");
    if (need_key && (o.key.empty() || o.secret.empty())) {
        throw usage_error(
            "no API key: pass --key and --secret, set CUX_KEY and CUX_SECRET, or use --config "
            "FILE");
    }
    if (const auto c = pick("--cacert", "CUX_CACERT", &config_file::cacert)) {
        o.cacert = *c;
    } else {
        // A data directory keeps cert.pem beside the credentials files.
        const config_file* used = explicit_config  ? &*explicit_config
                                  : default_config ? &*default_config
                                                   : nullptr;
        if (used != nullptr) {
            const fs::path beside = fs::path(used->path).parent_path() / "cert.pem";
            if (fs::exists(beside)) o.cacert = beside.string();
        }
    }
    o.insecure = a.has("--insecure");
    if (o.insecure && parsed.tls) {
        std::fprintf(stderr, "warning: --insecure: the server's certificate is not verified\n");
    }
    if (const auto t = a.get_int("--timeout-ms", 1, 3'600'000)) {
        o.timeout = std::chrono::milliseconds(*t);
    }
    return o;
}

session::session(const parsed_args& a, bool need_key)
    : client_(resolve_client_options(a, need_key)), sign_(need_key), json_(a.has("--json")) {}

std::optional<api_reply> session::call(std::string_view method, const std::string& target,
                                       const std::string& body) {
    const http_reply r = client_.request(method, target, body, sign_);
    if (r.status < 200 || r.status >= 300) {
        print_api_error(r);
        return std::nullopt;
    }
    api_reply out;
    out.status = r.status;
    out.body = r.body;
    out.json = nlohmann::json::parse(r.body, nullptr, false);
    if (out.json.is_discarded()) {
        std::fprintf(stderr, "error: the server's reply is not JSON: %.200s\n", r.body.c_str());
        return std::nullopt;
    }
    return out;
}

std::optional<std::string> session::call_text(std::string_view method, const std::string& target) {
    http_reply r = client_.request(method, target, {}, sign_);
    if (r.status < 200 || r.status >= 300) {
        print_api_error(r);
        return std::nullopt;
    }
    return std::move(r.body);
}

bool session::print_json(const api_reply& r) const {
    if (!json_) return false;
    std::fwrite(r.body.data(), 1, r.body.size(), stdout);
    if (r.body.empty() || r.body.back() != '\n') std::fputc('\n', stdout);
    return true;
}

void print_api_error(const http_reply& r) {
    const auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_object() && j.contains("error") && j["error"].is_object()) {
        const auto& e = j["error"];
        const std::string code = e.value("code", status_text(r.status));
        const std::string message = e.contains("message") && e["message"].is_string()
                                        ? e["message"].get<std::string>()
                                        : "";
        std::string field;
        if (e.contains("field") && e["field"].is_string()) {
            field = " (field " + e["field"].get<std::string>() + ")";
        }
        std::fprintf(stderr, "error: %s: %s%s\n", code.c_str(), message.c_str(), field.c_str());
    } else {
        std::fprintf(stderr, "error: %s: HTTP %u %.200s\n", status_text(r.status).c_str(), r.status,
                     r.body.c_str());
    }
    if (r.retry_after_s > 0) std::fprintf(stderr, "retry after %u s\n", r.retry_after_s);
}

int run_verb(const char* synopsis, const std::function<int()>& body) {
    try {
        return body();
    } catch (const help_request&) {
        std::printf("usage: %s\n", synopsis);
        return 0;
    } catch (const usage_error& e) {
        std::fprintf(stderr, "cux: %s\nusage: %s\n", e.what(), synopsis);
        return 2;
    } catch (const transport_error& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}

std::string url_encode(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(ch);
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

std::string query(std::initializer_list<std::pair<const char*, std::optional<std::string>>> kv) {
    std::string q;
    for (const auto& [k, v] : kv) {
        if (!v) continue;
        q += q.empty() ? "?" : "&";
        q += k;
        q += "=";
        q += url_encode(*v);
    }
    return q;
}

void table::add(std::vector<std::string> row) {
    row.resize(columns_.size());
    rows_.push_back(std::move(row));
}

void table::print(std::FILE* out, const char* empty_text) const {
    if (rows_.empty()) {
        std::fprintf(out, "%s\n", empty_text);
        return;
    }
    std::vector<std::size_t> width(columns_.size());
    for (std::size_t c = 0; c < columns_.size(); ++c) width[c] = columns_[c].title.size();
    for (const auto& row : rows_) {
        for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
    }
    auto line = [&](auto get) {
        std::string s;
        for (std::size_t c = 0; c < columns_.size(); ++c) {
            const std::string& v = get(c);
            const std::string pad(width[c] - v.size(), ' ');
            if (c > 0) s += "  ";
            s += columns_[c].right ? pad + v : (c + 1 == columns_.size() ? v : v + pad);
        }
        std::fprintf(out, "%s\n", s.c_str());
    };
    line([&](std::size_t c) -> const std::string& { return columns_[c].title; });
    for (const auto& row : rows_) line([&](std::size_t c) -> const std::string& { return row[c]; });
}

std::string cell(const nlohmann::json& v) {
    if (v.is_null()) return "-";
    if (v.is_string()) return v.get<std::string>();
    return v.dump();
}

std::string cell(const nlohmann::json& obj, const char* key) {
    if (!obj.is_object()) return "-";
    const auto it = obj.find(key);
    return it == obj.end() ? "-" : cell(*it);
}

void print_fields(std::FILE* out, const std::vector<std::pair<std::string, std::string>>& kv) {
    std::size_t w = 0;
    for (const auto& [k, v] : kv) w = std::max(w, k.size());
    for (const auto& [k, v] : kv) {
        std::fprintf(out, "%s:%s %s\n", k.c_str(), std::string(w - k.size(), ' ').c_str(),
                     v.c_str());
    }
}

}  // namespace cux::tools
