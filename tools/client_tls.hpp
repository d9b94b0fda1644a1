#pragma once
// TLS set-up shared by the client's HTTP and WebSocket halves (tools/client.cpp,
// tools/client_stream.cpp). Only those two translation units include Asio/Beast.

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>
#include <string>

#include "tools/client.hpp"

namespace cux::tools::detail {

// TLS 1.2 or 1.3, verifying the peer against o.cacert (or the system roots) unless o.insecure.
// Throws transport_error when the CA file cannot be read.
inline void configure_client_tls(boost::asio::ssl::context& ctx, const client_options& o) {
    SSL_CTX* c = ctx.native_handle();
    SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
    if (o.insecure) {
        ctx.set_verify_mode(boost::asio::ssl::verify_none);
        return;
    }
    boost::system::error_code ec;
    if (!o.cacert.empty()) {
        ctx.load_verify_file(o.cacert, ec);
        if (ec)
            throw transport_error("cannot read CA certificate " + o.cacert + ": " + ec.message());
    } else {
        ctx.set_default_verify_paths(ec);
    }
    ctx.set_verify_mode(boost::asio::ssl::verify_peer);
}

// Names the server for SNI and for the certificate check: an IP address must be in the
// certificate's IP SANs, a host name in its DNS SANs.
inline void set_peer_name(SSL* ssl, const std::string& host, bool verify) {
    boost::system::error_code ec;
    const auto ip = boost::asio::ip::make_address(host, ec);
    if (ec) SSL_set_tlsext_host_name(ssl, host.c_str());
    if (!verify) return;
    X509_VERIFY_PARAM* p = SSL_get0_param(ssl);
    if (!ec) {
        X509_VERIFY_PARAM_set1_ip_asc(p, ip.to_string().c_str());
    } else {
        X509_VERIFY_PARAM_set_hostflags(p, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        X509_VERIFY_PARAM_set1_host(p, host.c_str(), host.size());
    }
}

// A handshake failure, naming the certificate problem when there was one, with a hint.
inline std::string handshake_message(SSL* ssl, const std::string& what, const client_options& o) {
    std::string m = "TLS handshake with " + o.url + " failed: ";
    const long verify = ssl == nullptr ? X509_V_OK : SSL_get_verify_result(ssl);
    if (verify == X509_V_OK) return m + what;
    m += std::string("certificate verify failed: ") +
         X509_verify_cert_error_string(static_cast<int>(verify));
    m += o.cacert.empty() ? " (pass --cacert DIR/cert.pem for a cux serve certificate)"
                          : " (checked against " + o.cacert + ")";
    return m;
}

}  // namespace cux::tools::detail
