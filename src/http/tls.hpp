#pragma once
// The certificate and key that `serve --tls-cert/--tls-key` presents, replaceable while serving
// (SIGHUP after certbot renews them).
#include <openssl/ssl.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace zt::http {

class TlsCredentials {
 public:
  // Loads the files and makes every later handshake on `server_ctx` (httplib's SSLServer context)
  // present the current credentials. Throws Error(invalid_argument) if the files are bad.
  TlsCredentials(SSL_CTX* server_ctx, std::string cert_path, std::string key_path);

  // Loads the files again. On failure the current credentials stay and the reason is returned.
  std::optional<std::string> reload();

  const std::string& cert_path() const { return cert_path_; }

 private:
  static int use_current(SSL* ssl, void* self);

  std::string cert_path_;
  std::string key_path_;
  std::mutex mutex_;
  std::shared_ptr<SSL_CTX> current_;  // holds the loaded chain and key
};

}  // namespace zt::http
