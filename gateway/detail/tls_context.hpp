#pragma once
// The server's TLS settings: TLS 1.2 and 1.3 only; ECDHE key exchange with AEAD ciphers only
// (AES-GCM, ChaCha20-Poly1305); the server's cipher preference; no renegotiation; no
// compression. Start-up only; throws std::runtime_error naming the file when the certificate or
// key cannot be loaded or do not match.

#include <boost/asio/ssl/context.hpp>
#include <string>

namespace cux::gateway::detail {

void configure_tls(boost::asio::ssl::context& ctx, const std::string& cert_path,
                   const std::string& key_path);

}  // namespace cux::gateway::detail
