// The dashboard's files (gateway/static_files.hpp): which files are in the set, and over real
// sockets that the server serves them with the right headers, revalidates with ETags, and that
// no target reaches a file outside the set (traversal, encoded dots, node_modules, symlinks).

#include "gateway/static_files.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "tests/gateway/support/harness.hpp"

namespace cux::gateway::test {
namespace {

namespace fs = std::filesystem;

void write(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
}

// A web root with the page, an npm package, files that must not be served, and a secret
// beside the root.
struct web_tree {
    fs::path base;
    fs::path root;
    web_tree() {
        char tmpl[] = "/tmp/cux-web-test-XXXXXX";
        base = ::mkdtemp(tmpl);
        root = base / "web";
        write(base / "secret.txt", "outside the root");
        write(root / "index.html", "<!doctype html><title>cux</title>");
        write(root / "app.js", "export const x = 1;");
        write(root / "js" / "net.js", "export const y = 2;");
        write(root / "style.css", "body{}");
        write(root / "package.json", "{}");
        write(root / "notes.md", "not a served type");
        write(root / ".hidden" / "x.js", "hidden");
        write(root / "tests" / "t.js", "a test");
        write(root / "node_modules" / "pkg" / "dist" / "lib.min.js", "var lib;");
        write(root / "node_modules" / "pkg" / "secret.js", "not in vendor.json");
        write(root / "vendor.json",
              R"({"/vendor/lib.min.js": "node_modules/pkg/dist/lib.min.js",
                  "/vendor/gone.js": "node_modules/pkg/dist/gone.js"})");
        fs::create_symlink(base / "secret.txt", root / "leak.txt");
    }
    ~web_tree() {
        std::error_code ec;
        fs::remove_all(base, ec);
    }
};

TEST(StaticFiles, TheSetIsThePagesFilesAndTheVendorManifest) {
    const web_tree w;
    const static_files f(w.root.string());
    for (const char* p :
         {"/", "/index.html", "/app.js", "/js/net.js", "/style.css", "/vendor/lib.min.js"}) {
        EXPECT_NE(f.find(p), nullptr) << p;
    }
    for (const char* p :
         {"/package.json", "/notes.md", "/.hidden/x.js", "/tests/t.js",
          "/node_modules/pkg/dist/lib.min.js", "/node_modules/pkg/secret.js", "/vendor.json",
          "/leak.txt", "/secret.txt", "/../secret.txt", "/vendor/gone.js", "index.html", ""}) {
        EXPECT_EQ(f.find(p), nullptr) << p;
    }
    EXPECT_EQ(f.size(), 5u);  // index.html, app.js, js/net.js, style.css, the vendor file
    ASSERT_EQ(f.warnings().size(), 1u);  // the missing vendor file
    EXPECT_NE(f.warnings()[0].find("gone.js"), std::string::npos);
    EXPECT_EQ(f.find("/")->content_type, "text/html; charset=utf-8");
    EXPECT_EQ(f.find("/app.js")->content_type, "text/javascript; charset=utf-8");
    EXPECT_EQ(f.find("/style.css")->content_type, "text/css; charset=utf-8");
    EXPECT_TRUE(f.find("/vendor/lib.min.js")->vendor);
    EXPECT_FALSE(f.find("/app.js")->vendor);
}

TEST(StaticFiles, AVendorEntryOutsideNodeModulesStopsTheStart) {
    const web_tree w;
    for (const char* entry :
         {R"({"/vendor/x.js": "../secret.txt"})", R"({"/vendor/x.js": "app.js"})",
          R"({"/vendor/../x.js": "app.js"})",
          R"({"/vendor/x.exe": "node_modules/pkg/dist/lib.min.js"})", R"(["not an object"])"}) {
        write(w.root / "vendor.json", entry);
        EXPECT_THROW(static_files{w.root.string()}, std::runtime_error) << entry;
    }
    EXPECT_THROW(static_files{(w.base / "nonexistent").string()}, std::runtime_error);
    EXPECT_EQ(static_files{""}.size(), 0u);
}

TEST(StaticFiles, TargetsOutsideTheApiAreTheFiles) {
    EXPECT_TRUE(static_files::is_static_target("/"));
    EXPECT_TRUE(static_files::is_static_target("/index.html?lang=en"));
    EXPECT_TRUE(static_files::is_static_target("/v1x"));
    EXPECT_FALSE(static_files::is_static_target("/v1/reference"));
    EXPECT_FALSE(static_files::is_static_target("/healthz"));
    EXPECT_FALSE(static_files::is_static_target("/healthz?x=1"));
}

class WebServer : public ::testing::Test {
protected:
    void SetUp() override {
        tree = std::make_unique<web_tree>();
        exchange_options o;
        const std::string root = tree->root.string();
        o.tweak = [root](server_options& s) { s.web_dir = root; };
        ex = std::make_unique<test_exchange>(o);
    }
    void TearDown() override {
        ex.reset();
        tree.reset();
    }
    std::unique_ptr<web_tree> tree;
    std::unique_ptr<test_exchange> ex;
};

TEST_F(WebServer, ServesThePageWithTypeCachingAndSecurityHeaders) {
    const http_result r = ex->get("/");
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.body, "<!doctype html><title>cux</title>");
    EXPECT_EQ(r.headers.at("content-type"), "text/html; charset=utf-8");
    EXPECT_EQ(r.headers.at("cache-control"), "no-cache");
    EXPECT_EQ(r.headers.at("x-content-type-options"), "nosniff");
    EXPECT_NE(r.headers.at("content-security-policy").find("default-src 'self'"),
              std::string::npos);
    const std::string etag = r.headers.at("etag");
    EXPECT_EQ(etag.size(), 18u);

    // The same file under its own name and with a query string.
    EXPECT_EQ(ex->get("/index.html").headers.at("etag"), etag);
    EXPECT_EQ(ex->get("/?lang=en&symbol=x").status, 200u);
    const http_result js = ex->get("/js/net.js");
    ASSERT_EQ(js.status, 200u);
    EXPECT_EQ(js.headers.at("content-type"), "text/javascript; charset=utf-8");
    const http_result v = ex->get("/vendor/lib.min.js");
    ASSERT_EQ(v.status, 200u);
    EXPECT_EQ(v.body, "var lib;");
    EXPECT_EQ(v.headers.at("cache-control"), "public, max-age=86400");

    // Revalidation: the current ETag gets 304 without a body; another one the file.
    auto c = ex->connect();
    const http_result same = c->request("GET", "/", "", {{"If-None-Match", etag}});
    EXPECT_EQ(same.status, 304u);
    EXPECT_TRUE(same.body.empty());
    EXPECT_EQ(c->request("GET", "/", "", {{"If-None-Match", "\"0\""}}).status, 200u);

    // The API is untouched beside it.
    EXPECT_EQ(ex->get("/healthz").headers.at("content-type"), "application/json");
    EXPECT_EQ(ex->get("/v1/reference").status, 200u);
    EXPECT_EQ(ex->get("/v1/nothing").code(), "NO_ROUTE");
}

TEST_F(WebServer, NothingOutsideTheSetIsReachable) {
    for (const char* target :
         {"/../secret.txt", "/..%2fsecret.txt", "/%2e%2e/secret.txt", "/js/../../secret.txt",
          "//secret.txt", "/leak.txt", "/package.json", "/vendor.json", "/notes.md",
          "/node_modules/pkg/secret.js", "/node_modules/pkg/dist/lib.min.js", "/.hidden/x.js",
          "/tests/t.js", "/vendor/gone.js", "/index.html/", "/INDEX.HTML", "/etc/passwd"}) {
        const http_result r = ex->get(target);
        EXPECT_EQ(r.status, 404u) << target << ": " << r.body;
        EXPECT_EQ(r.code(), "NOT_FOUND") << target;
        EXPECT_EQ(r.headers.at("content-type"), "application/json") << target;
    }
    // Only GET reads files; other methods are the API's (which has no such route).
    auto c = ex->connect();
    EXPECT_EQ(c->request("POST", "/index.html", "{}").code(), "NO_ROUTE");
    EXPECT_EQ(c->request("DELETE", "/").code(), "NO_ROUTE");
}

TEST(WebServerDefault, TheRepositorysDashboardLoads) {
    // web/ of this source tree: within the limits, with its entry page and modules.
    const static_files f(std::string(CUX_SOURCE_DIR) + "/web");
    ASSERT_NE(f.find("/"), nullptr);
    EXPECT_NE(f.find("/")->body.find("/js/app.js"), std::string::npos);
    for (const char* p :
         {"/js/app.js", "/js/net.js", "/js/render.js", "/js/i18n.js", "/style.css"}) {
        EXPECT_NE(f.find(p), nullptr) << p;
    }
    EXPECT_EQ(f.find("/package.json"), nullptr);
}

}  // namespace
}  // namespace cux::gateway::test
