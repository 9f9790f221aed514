// OpenSSL calls outside core/util/crypto.cpp live here because the SSL_CTX they act on is httplib's,
// and httplib is seen only under src/http. Nothing else in zoomtrack touches TLS.
//
// httplib's SSLServer creates each connection's SSL from its SSL_CTX under a private mutex, so
// changing that SSL_CTX's certificate while serving would race with handshakes. Instead each
// reload loads the files into a fresh SSL_CTX of our own (SSL_CTX_use_certificate_chain_file,
// SSL_CTX_use_PrivateKey_file, SSL_CTX_check_private_key), and a certificate callback on httplib's
// context hands the current chain and key to each new connection.
#include "http/tls.hpp"

#include <fmt/format.h>
#include <openssl/err.h>

#include "core/util/error.hpp"

namespace zt::http {
namespace {

std::string openssl_error() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

// The loaded credentials, or the reason they could not be loaded.
std::shared_ptr<SSL_CTX> load(const std::string& cert_path, const std::string& key_path, std::string& why) {
  std::shared_ptr<SSL_CTX> ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (!ctx) {
    why = openssl_error();
    return nullptr;
  }
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), cert_path.c_str()) != 1) {
    why = fmt::format("certificate {}: {}", cert_path, openssl_error());
    return nullptr;
  }
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), key_path.c_str(), SSL_FILETYPE_PEM) != 1) {
    why = fmt::format("key {}: {}", key_path, openssl_error());
    return nullptr;
  }
  if (SSL_CTX_check_private_key(ctx.get()) != 1) {
    why = fmt::format("key {} does not match certificate {}", key_path, cert_path);
    ERR_clear_error();
    return nullptr;
  }
  return ctx;
}

}  // namespace

TlsCredentials::TlsCredentials(SSL_CTX* server_ctx, std::string cert_path, std::string key_path)
    : cert_path_(std::move(cert_path)), key_path_(std::move(key_path)) {
  std::string why;
  current_ = load(cert_path_, key_path_, why);
  if (!current_) {
    throw Error(ErrorCode::invalid_argument, "cannot load the TLS " + why, "give PEM files readable by this user");
  }
  SSL_CTX_set_cert_cb(server_ctx, &TlsCredentials::use_current, this);
}

std::optional<std::string> TlsCredentials::reload() {
  std::string why;
  auto loaded = load(cert_path_, key_path_, why);
  if (!loaded) return why;
  std::lock_guard lock(mutex_);
  current_ = std::move(loaded);
  return std::nullopt;
}

// Runs in the handshake: give this connection the current chain and key (SSL takes references).
int TlsCredentials::use_current(SSL* ssl, void* self) {
  auto* credentials = static_cast<TlsCredentials*>(self);
  std::shared_ptr<SSL_CTX> ctx;
  {
    std::lock_guard lock(credentials->mutex_);
    ctx = credentials->current_;
  }
  STACK_OF(X509)* chain = nullptr;
  SSL_CTX_get0_chain_certs(ctx.get(), &chain);
  return SSL_use_cert_and_key(ssl, SSL_CTX_get0_certificate(ctx.get()), SSL_CTX_get0_privatekey(ctx.get()),
                              chain, 1);
}

}  // namespace zt::http
