#pragma once
// Request authentication (API.md "Authentication"):
//   CUX-KEY   the key id
//   CUX-TS    milliseconds since the Unix epoch, at most auth_window_ms from the server clock
//   CUX-SIGN  lowercase hex HMAC-SHA256(secret, TS + METHOD + PATH_WITH_QUERY + BODY)
// The HMAC key is the secret exactly as issued: its 64 hex characters as bytes. Signatures are
// compared in constant time (CRYPTO_memcmp). Every failure is 401 UNAUTHORIZED with the header
// at fault in `field` and a message that says what was wrong, never which part of a secret.
//
// Also issues keys: ids "ck_" + 16 hex, secrets 32 random bytes (RAND_bytes) as 64 hex.
// Any thread, no state beyond the key table it is given.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "engine/types.hpp"
#include "gateway/api_error.hpp"
#include "gateway/key_table.hpp"

namespace cux::gateway {

constexpr int64_t auth_window_ms = 5000;

struct auth_headers {
    std::string_view key;
    std::string_view ts;
    std::string_view sign;
};

// The key entry of a correctly signed request, or nullptr and `err`.
const key_entry* authenticate(const key_table& keys, const auth_headers& h, std::string_view method,
                              std::string_view target, std::string_view body, int64_t now_ms,
                              api_error& err);

// Lowercase hex HMAC-SHA256 of the concatenated parts.
std::string hmac_sha256_hex(std::string_view key, std::initializer_list<std::string_view> parts);

// `bytes` random bytes from OpenSSL's CSPRNG as lowercase hex. Aborts if the CSPRNG fails.
std::string random_hex(std::size_t bytes);

// Lowercase hex of raw bytes, and back (false on odd length or a non-hex character).
std::string hex_encode(std::string_view raw);
bool hex_decode(std::string_view hex, std::string& raw);

struct issued_key {
    std::string key_id;
    std::string secret;  // 64 lowercase hex characters: the HMAC key, as the client gets it
};
issued_key issue_key();

}  // namespace cux::gateway
