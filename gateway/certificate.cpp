#include "gateway/certificate.hpp"

#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <stdexcept>

namespace cux::gateway {

namespace {

struct free_pkey {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct free_x509 {
    void operator()(X509* p) const { X509_free(p); }
};
struct free_ext {
    void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
struct close_file {
    void operator()(FILE* f) const { std::fclose(f); }
};

[[noreturn]] void fail(const std::string& what) {
    const unsigned long code = ERR_get_error();
    char buf[256] = {};
    if (code != 0) ERR_error_string_n(code, buf, sizeof buf);
    throw std::runtime_error("self-signed certificate: " + what + (code != 0 ? ": " : "") + buf);
}

void add_ext(X509* cert, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    std::unique_ptr<X509_EXTENSION, free_ext> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) fail(std::string("extension ") + value);
}

// Opens `path` for writing, created with `mode`; refuses to follow or reuse an existing file.
std::unique_ptr<FILE, close_file> create_file(const std::string& path, mode_t mode) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) throw std::runtime_error("cannot create " + path);
    FILE* f = ::fdopen(fd, "w");
    if (f == nullptr) {
        ::close(fd);
        throw std::runtime_error("cannot open " + path);
    }
    return std::unique_ptr<FILE, close_file>(f);
}

void finish_file(std::unique_ptr<FILE, close_file> f, const std::string& path) {
    if (std::fflush(f.get()) != 0 || ::fsync(::fileno(f.get())) != 0) {
        throw std::runtime_error("cannot write " + path);
    }
}

}  // namespace

void ensure_self_signed(const std::string& cert_path, const std::string& key_path) {
    const bool have_cert = ::access(cert_path.c_str(), F_OK) == 0;
    const bool have_key = ::access(key_path.c_str(), F_OK) == 0;
    if (have_cert && have_key) return;
    if (have_cert != have_key) {
        throw std::runtime_error("found " + (have_cert ? cert_path : key_path) + " without " +
                                 (have_cert ? key_path : cert_path) +
                                 "; remove it or supply both with --cert/--key");
    }
    std::unique_ptr<EVP_PKEY, free_pkey> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    if (!key) fail("key generation");
    std::unique_ptr<X509, free_x509> cert(X509_new());
    if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) fail("X509_new");
    // A random positive 64-bit serial: no two certificates this server makes share one.
    unsigned char serial_bytes[8];
    if (RAND_bytes(serial_bytes, sizeof serial_bytes) != 1) fail("serial");
    serial_bytes[0] &= 0x7f;
    BIGNUM* serial = BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr);
    const bool serial_ok = serial != nullptr &&
                           BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert.get())) != nullptr;
    BN_free(serial);
    if (!serial_ok) fail("serial");
    if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) == nullptr ||
        X509_gmtime_adj(X509_getm_notAfter(cert.get()), 825L * 24 * 3600) == nullptr) {
        fail("validity");
    }
    if (X509_set_pubkey(cert.get(), key.get()) != 1) fail("public key");
    X509_NAME* name = X509_get_subject_name(cert.get());
    if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>("cux"), -1, -1, 0) != 1 ||
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>("localhost"), -1, -1,
                                   0) != 1 ||
        X509_set_issuer_name(cert.get(), name) != 1) {
        fail("subject");
    }
    add_ext(cert.get(), NID_basic_constraints, "critical,CA:FALSE");
    add_ext(cert.get(), NID_key_usage, "critical,digitalSignature");
    add_ext(cert.get(), NID_ext_key_usage, "serverAuth");
    add_ext(cert.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1");
    add_ext(cert.get(), NID_subject_key_identifier, "hash");
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) fail("signing");

    auto key_file = create_file(key_path, 0600);
    if (PEM_write_PrivateKey(key_file.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
        1) {
        fail("writing " + key_path);
    }
    finish_file(std::move(key_file), key_path);
    auto cert_file = create_file(cert_path, 0644);
    if (PEM_write_X509(cert_file.get(), cert.get()) != 1) fail("writing " + cert_path);
    finish_file(std::move(cert_file), cert_path);
}

}  // namespace cux::gateway
