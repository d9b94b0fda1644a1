// `cux admin participant add NAME --roles R[,R...] [--write FILE]` and
// `cux admin deposit PARTICIPANT_ID AMOUNT`: the admin's calls (API.md "Admin"), made with the
// admin's key (e.g. --config DIR/admin.credentials).
//
// The new participant's secret is shown once by the server: --write FILE keeps it in a client
// config file {"url","key","secret"} (mode 0600, never overwriting an existing file) that
// `cux --config FILE` reads.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "tools/cli.hpp"
#include "tools/commands.hpp"

namespace cux::tools {

namespace {

constexpr const char* admin_synopsis =
    "cux admin participant add NAME --roles vendor|buyer|regulator|admin[,...] [--write FILE]\n"
    "                                [--group ID]  (linked participants: one owner)\n"
    "       cux admin deposit PARTICIPANT_ID AMOUNT";

// Writes `text` to a new file of mode 0600; false and `error` when it exists or cannot be
// written.
bool write_private_file(const std::string& path, const std::string& text, std::string& error) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        error = "cannot create " + path + ": " + std::strerror(errno);
        return false;
    }
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            error = "cannot write " + path + ": " + std::strerror(errno);
            ::close(fd);
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        error = "cannot write " + path + ": " + std::strerror(errno);
        return false;
    }
    return true;
}

std::vector<std::string> split_roles(const std::string& s) {
    std::vector<std::string> roles;
    std::size_t start = 0;
    while (start <= s.size()) {
        const std::size_t comma = s.find(',', start);
        const std::string r = s.substr(start, comma == std::string::npos ? comma : comma - start);
        if (r.empty()) throw usage_error("--roles must be a comma-separated list of roles");
        roles.push_back(r);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return roles;
}

int participant_add(const parsed_args& a) {
    if (a.positional.size() != 3 || a.positional[1] != "add") {
        throw usage_error("expected `participant add NAME`");
    }
    const auto roles = a.get("--roles");
    if (!roles) throw usage_error("participant add needs --roles");
    const auto write = a.get("--write");
    // Refuse before the participant exists: its secret would otherwise be shown only on stdout.
    if (write && std::filesystem::exists(*write)) {
        throw usage_error(*write + " exists; --write never overwrites credentials");
    }
    session s(a, true);
    nlohmann::json body = {{"name", a.positional[2]}, {"roles", split_roles(*roles)}};
    if (const auto group = a.get("--group")) body["group"] = *group;
    const auto r = s.call("POST", "/v1/admin/participants", body.dump());
    if (!r) return 1;
    const auto& j = r->json;
    bool written = false;
    if (write) {
        const nlohmann::json creds = {
            {"url", s.options().url}, {"key", cell(j, "key")}, {"secret", cell(j, "secret")}};
        std::string error;
        written = write_private_file(*write, creds.dump(2) + "\n", error);
        if (!written) std::fprintf(stderr, "error: %s\n", error.c_str());
    }
    if (!s.print_json(*r)) {
        std::vector<std::pair<std::string, std::string>> kv = {
            {"participant_id", cell(j, "participant_id")}, {"key", cell(j, "key")}};
        if (written) {
            kv.emplace_back("credentials", *write + " (use: cux --config " + *write + " ...)");
        } else {
            kv.emplace_back("secret", cell(j, "secret") + "  (shown once: keep it)");
        }
        print_fields(stdout, kv);
    }
    return write && !written ? 1 : 0;
}

int deposit(const parsed_args& a) {
    if (a.positional.size() != 3) throw usage_error("expected `deposit PARTICIPANT_ID AMOUNT`");
    const std::string& id = a.positional[1];
    if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos) {
        throw usage_error("PARTICIPANT_ID must be a decimal id, not \"" + id + "\"");
    }
    session s(a, true);
    const nlohmann::json body = {{"participant_id", id}, {"amount", a.positional[2]}};
    const auto r = s.call("POST", "/v1/admin/deposits", body.dump());
    if (!r) return 1;
    if (s.print_json(*r)) return 0;
    const auto& j = r->json;
    std::printf("deposited %s CNY to participant %s: %s CNY available (seq %s)\n",
                cell(j, "amount").c_str(), cell(j, "participant_id").c_str(),
                cell(j, "available").c_str(), cell(j, "seq").c_str());
    return 0;
}

}  // namespace

int cmd_admin(int argc, char** argv) {
    return run_verb(admin_synopsis, [&] {
        const parsed_args a =
            parse_args(argc, argv, 1, {{"--roles", true}, {"--write", true}, {"--group", true}});
        if (a.positional.empty()) throw usage_error("which admin command?");
        if (a.positional[0] == "participant") return participant_add(a);
        if (a.positional[0] == "deposit") return deposit(a);
        throw usage_error("unknown admin command \"" + a.positional[0] + "\"");
    });
}

}  // namespace cux::tools
