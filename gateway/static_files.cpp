#include "gateway/static_files.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace cux::gateway {

namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& p, std::size_t max) {
    std::error_code ec;
    const auto size = fs::file_size(p, ec);
    if (ec) throw std::runtime_error("web: cannot read " + p.string() + ": " + ec.message());
    if (size > max) {
        throw std::runtime_error("web: " + p.string() + " is larger than " + std::to_string(max) +
                                 " bytes");
    }
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    if (!in.good() && !in.eof()) throw std::runtime_error("web: cannot read " + p.string());
    return s.str();
}

std::string etag_of(const std::string& body) {
    uint64_t h = 14695981039346656037ull;  // FNV-1a: a content hash, not a security measure
    for (const unsigned char c : body) {
        h ^= c;
        h *= 1099511628211ull;
    }
    char buf[24];
    std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(h));
    return buf;
}

// `inner` lies inside `outer` (both canonical).
bool inside(const fs::path& inner, const fs::path& outer) {
    auto i = inner.begin();
    for (auto o = outer.begin(); o != outer.end(); ++o, ++i) {
        if (o->empty()) continue;  // a trailing separator
        if (i == inner.end() || *i != *o) return false;
    }
    return true;
}

}  // namespace

std::string static_files::content_type_of(std::string_view name) {
    static const std::pair<std::string_view, std::string_view> types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".json", "application/json"},
        {".map", "application/json"},
        {".txt", "text/plain; charset=utf-8"},
        {".woff2", "font/woff2"},
    };
    for (const auto& [ext, type] : types) {
        if (name.ends_with(ext)) return std::string(type);
    }
    return {};
}

const std::vector<std::pair<std::string, std::string>>& static_files::headers() {
    // The page loads only its own files and talks only to this server (REST and the stream);
    // ECharts sets element styles, hence 'unsafe-inline' for styles (never for scripts).
    static const std::vector<std::pair<std::string, std::string>> h = {
        {"Content-Security-Policy",
         "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' "
         "data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; "
         "form-action 'none'"},
        {"X-Content-Type-Options", "nosniff"},
        {"Referrer-Policy", "no-referrer"},
    };
    return h;
}

bool static_files::is_static_target(std::string_view target) {
    const std::string_view path = target.substr(0, target.find('?'));
    return !(path.starts_with("/v1/") || path == "/v1" || path == "/healthz");
}

void static_files::add(const std::string& url_path, const std::string& disk_path, bool vendor) {
    if (files_.size() >= files_max) {
        throw std::runtime_error("web: more than " + std::to_string(files_max) + " files under " +
                                 root_);
    }
    file f;
    f.body = read_file(disk_path, file_bytes_max);
    total_bytes_ += f.body.size();
    if (total_bytes_ > total_bytes_max) {
        throw std::runtime_error("web: the files under " + root_ + " exceed " +
                                 std::to_string(total_bytes_max) + " bytes");
    }
    f.content_type = content_type_of(disk_path);
    f.etag = etag_of(f.body);
    f.vendor = vendor;
    files_[url_path] = std::move(f);
}

static_files::static_files(const std::string& root) {
    if (root.empty()) return;
    std::error_code ec;
    const fs::path base = fs::canonical(root, ec);
    if (ec || !fs::is_directory(base)) {
        throw std::runtime_error("web: " + root + " is not a directory");
    }
    root_ = base.string();
    // The page's own files.
    fs::recursive_directory_iterator it(base, fs::directory_options::none, ec);
    if (ec) throw std::runtime_error("web: cannot list " + root_ + ": " + ec.message());
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) throw std::runtime_error("web: cannot list " + root_ + ": " + ec.message());
        const fs::path& p = it->path();
        const std::string name = p.filename().string();
        if (it->is_directory()) {
            if (name == "node_modules" || name == "tests" || name.starts_with(".")) {
                it.disable_recursion_pending();
            }
            continue;
        }
        if (!it->is_regular_file() || name.starts_with(".") || name == "package.json" ||
            name == "package-lock.json" || name == "vendor.json" || content_type_of(name).empty()) {
            continue;
        }
        const fs::path real = fs::canonical(p, ec);
        if (ec || !inside(real, base)) continue;  // a symlink out of the root
        add("/" + fs::relative(p, base).generic_string(), real.string(), false);
    }
    // Vendor files from npm packages.
    const fs::path manifest = base / "vendor.json";
    if (!fs::exists(manifest)) return;
    const auto j = nlohmann::json::parse(read_file(manifest, 64 * 1024), nullptr, false);
    if (!j.is_object()) throw std::runtime_error("web: " + manifest.string() + " is not an object");
    for (const auto& [url, rel] : j.items()) {
        if (!rel.is_string() || !url.starts_with("/") || url.find("..") != std::string::npos ||
            content_type_of(url).empty()) {
            throw std::runtime_error("web: " + manifest.string() + ": bad entry \"" + url + "\"");
        }
        const fs::path real = fs::weakly_canonical(base / rel.get<std::string>(), ec);
        if (ec || !inside(real, fs::weakly_canonical(base / "node_modules"))) {
            throw std::runtime_error("web: " + manifest.string() + ": \"" + url +
                                     "\" is not a file under node_modules/");
        }
        if (!fs::is_regular_file(real)) {
            warnings_.push_back("web: " + rel.get<std::string>() +
                                " is missing (run tools/setup, which runs npm ci in web/)");
            continue;
        }
        add(url, real.string(), true);
    }
}

const static_files::file* static_files::find(std::string_view path) const {
    if (path == "/") path = "/index.html";
    const auto it = files_.find(std::string(path));
    return it == files_.end() ? nullptr : &it->second;
}

}  // namespace cux::gateway
