#include "gateway/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>

namespace cux::gateway {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

std::string to_hex(const unsigned char* p, std::size_t n) {
    std::string s(n * 2, '0');
    for (std::size_t i = 0; i < n; ++i) {
        s[2 * i] = hex_digits[p[i] >> 4];
        s[2 * i + 1] = hex_digits[p[i] & 15];
    }
    return s;
}

bool parse_ms(std::string_view s, int64_t& out) {
    if (s.empty() || s.size() > 15) return false;
    int64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    out = v;
    return true;
}

api_error unauthorized(std::string message, std::string field) {
    return make_error(401, "UNAUTHORIZED", std::move(message), std::move(field));
}

}  // namespace

std::string hmac_sha256_hex(std::string_view key, std::initializer_list<std::string_view> parts) {
    // EVP_MAC is OpenSSL 3's interface; the algorithm is fetched once and shared (fetched
    // algorithms are immutable and thread-safe), a context is made per call.
    static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    CUX_ASSERT(mac != nullptr);
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
    CUX_ASSERT(ctx != nullptr);
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string("digest", digest, 0),
        OSSL_PARAM_construct_end(),
    };
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    std::size_t out_len = 0;
    bool ok = EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                           params) == 1;
    for (const auto part : parts) {
        ok = ok && EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(part.data()),
                                  part.size()) == 1;
    }
    ok = ok && EVP_MAC_final(ctx, out.data(), &out_len, out.size()) == 1;
    EVP_MAC_CTX_free(ctx);
    CUX_ASSERT(ok && out_len == 32);
    return to_hex(out.data(), out_len);
}

const key_entry* authenticate(const key_table& keys, const auth_headers& h, std::string_view method,
                              std::string_view target, std::string_view body, int64_t now_ms,
                              api_error& err) {
    if (h.key.empty()) {
        err = unauthorized("missing CUX-KEY header", "CUX-KEY");
        return nullptr;
    }
    if (h.ts.empty()) {
        err = unauthorized("missing CUX-TS header", "CUX-TS");
        return nullptr;
    }
    if (h.sign.empty()) {
        err = unauthorized("missing CUX-SIGN header", "CUX-SIGN");
        return nullptr;
    }
    int64_t ts = 0;
    if (!parse_ms(h.ts, ts)) {
        err = unauthorized("CUX-TS must be milliseconds since the Unix epoch", "CUX-TS");
        return nullptr;
    }
    if (ts < now_ms - auth_window_ms || ts > now_ms + auth_window_ms) {
        err = unauthorized("CUX-TS is more than 5000 ms from the server clock", "CUX-TS");
        return nullptr;
    }
    const key_entry* k = keys.find(h.key);
    if (k == nullptr) {
        err = unauthorized("unknown API key", "CUX-KEY");
        return nullptr;
    }
    const std::string expected = hmac_sha256_hex(k->secret_text(), {h.ts, method, target, body});
    if (h.sign.size() != expected.size() ||
        CRYPTO_memcmp(h.sign.data(), expected.data(), expected.size()) != 0) {
        err = unauthorized("bad signature", "CUX-SIGN");
        return nullptr;
    }
    return k;
}

std::string random_hex(std::size_t bytes) {
    std::array<unsigned char, 64> buf{};
    CUX_ASSERT(bytes <= buf.size());
    const int rc = RAND_bytes(buf.data(), static_cast<int>(bytes));
    CUX_ASSERT(rc == 1);
    return to_hex(buf.data(), bytes);
}

std::string hex_encode(std::string_view raw) {
    return to_hex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

bool hex_decode(std::string_view hex, std::string& raw) {
    if (hex.size() % 2 != 0) return false;
    raw.clear();
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        const auto hi = std::string_view(hex_digits, 16).find(hex[i]);
        const auto lo = std::string_view(hex_digits, 16).find(hex[i + 1]);
        if (hi == std::string_view::npos || lo == std::string_view::npos) return false;
        raw.push_back(static_cast<char>(hi * 16 + lo));
    }
    return true;
}

issued_key issue_key() { return issued_key{"ck_" + random_hex(8), random_hex(32)}; }

}  // namespace cux::gateway
