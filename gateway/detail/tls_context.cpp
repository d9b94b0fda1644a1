#include "gateway/detail/tls_context.hpp"

#include <openssl/ssl.h>

#include <stdexcept>

namespace cux::gateway::detail {

namespace {

constexpr const char* tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* tls13_suites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

}  // namespace

void configure_tls(boost::asio::ssl::context& ctx, const std::string& cert_path,
                   const std::string& key_path) {
    SSL_CTX* c = ctx.native_handle();
    const bool ok = SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION) == 1 &&
                    SSL_CTX_set_max_proto_version(c, TLS1_3_VERSION) == 1 &&
                    SSL_CTX_set_cipher_list(c, tls12_ciphers) == 1 &&
                    SSL_CTX_set_ciphersuites(c, tls13_suites) == 1 &&
                    SSL_CTX_set1_groups_list(c, "X25519:P-256:P-384") == 1;
    if (!ok) throw std::runtime_error("TLS: cannot configure protocol versions and ciphers");
    SSL_CTX_set_options(
        c, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
    boost::system::error_code ec;
    ctx.use_certificate_chain_file(cert_path, ec);
    if (ec)
        throw std::runtime_error("TLS: cannot load certificate " + cert_path + ": " + ec.message());
    ctx.use_private_key_file(key_path, boost::asio::ssl::context::pem, ec);
    if (ec) throw std::runtime_error("TLS: cannot load key " + key_path + ": " + ec.message());
    if (SSL_CTX_check_private_key(c) != 1) {
        throw std::runtime_error("TLS: key " + key_path + " does not match " + cert_path);
    }
}

}  // namespace cux::gateway::detail
