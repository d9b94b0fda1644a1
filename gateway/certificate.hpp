#pragma once
// The server's self-signed certificate for a first start without --cert/--key, made with
// OpenSSL's API (no `openssl` command): an EC P-256 key and an X.509 v3 certificate for
// CN=localhost with subjectAltName DNS:localhost, IP:127.0.0.1, IP:::1, valid for 825 days,
// signed with SHA-256. The key file is created mode 0600 (O_EXCL, never readable by others even
// briefly); the certificate 0644. Start-up only, one thread. Errors throw std::runtime_error.

#include <string>

namespace cux::gateway {

// Writes a new key and certificate unless both files exist. One existing without the other is
// an error (the operator must look at it, not have it overwritten).
void ensure_self_signed(const std::string& cert_path, const std::string& key_path);

}  // namespace cux::gateway
