#pragma once
// The web dashboard's files (web/ of the source tree, or `cux serve --web DIR`), served by the
// gateway for GET requests outside /v1/ and /healthz.
//
// Safety by construction: at start-up the server reads a fixed set of files into memory and a
// request path is only ever looked up in that set, never joined to a directory, so no target
// ("/../", "%2e%2e", a symlink, an absolute path) can reach a file outside it. The set is
//   - every regular file under DIR with a known extension (html js mjs css svg png ico json
//     map txt woff2), except in node_modules/ and in directories whose name starts with "." or
//     that are named "tests", served at its path relative to DIR ("/app.js", "/i18n/zh.json");
//     package.json and package-lock.json are left out (the build's, not the page's);
//   - the entries of DIR/vendor.json, {"/vendor/echarts.min.js":
//     "node_modules/echarts/dist/echarts.min.js", ...}: files of npm packages (installed by
//     tools/setup with `npm ci`) served at a path of the page's choosing. A missing vendor file
//     is left out with a warning (the page says what is missing), not an error.
// Every file's real path (symlinks resolved) must lie inside DIR. "/" is /index.html.
//
// Responses: the file with its Content-Type (from the extension), an ETag (a hash of the
// content) and Cache-Control: the page's own files "no-cache" (revalidated every load, so an
// edited page shows at once after a restart), vendor files "public, max-age=86400" (they change
// only with package-lock.json). If-None-Match with the current ETag gets 304. An unknown path is
// a 404 (the caller's JSON error). Security headers come with every file (see headers()).
//
// Limits: files_max files, file_bytes_max each, total_bytes_max together; past one, start-up
// fails with one line naming the file. Threads: constructed once; find() from any thread
// (immutable after construction). Errors: the constructor throws std::runtime_error.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cux::gateway {

class static_files {
public:
    static constexpr std::size_t files_max = 512;
    static constexpr std::size_t file_bytes_max = std::size_t{8} << 20;
    static constexpr std::size_t total_bytes_max = std::size_t{64} << 20;

    struct file {
        std::string body;
        std::string content_type;
        std::string etag;  // "\"<16 hex>\""
        bool vendor = false;
    };

    // An empty `root` serves nothing. Throws when `root` is given but is not a directory, or a
    // limit is passed, or vendor.json is malformed.
    explicit static_files(const std::string& root);

    // The file at a request path (without the query), or nullptr.
    [[nodiscard]] const file* find(std::string_view path) const;
    [[nodiscard]] std::size_t size() const { return files_.size(); }
    [[nodiscard]] const std::string& root() const { return root_; }
    // Problems that did not stop the start (a vendor file missing: `npm ci` not run).
    [[nodiscard]] const std::vector<std::string>& warnings() const { return warnings_; }

    // Whether a request target belongs to the files rather than the API.
    static bool is_static_target(std::string_view target);
    // The header lines (name, value) sent with every file besides Content-Type and ETag.
    static const std::vector<std::pair<std::string, std::string>>& headers();
    // Content-Type for a file name by its extension; empty when the extension is not served.
    static std::string content_type_of(std::string_view name);

private:
    void add(const std::string& url_path, const std::string& disk_path, bool vendor);

    std::string root_;
    std::unordered_map<std::string, file> files_;
    std::size_t total_bytes_ = 0;
    std::vector<std::string> warnings_;
};

}  // namespace cux::gateway
