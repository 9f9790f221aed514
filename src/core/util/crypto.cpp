#include "core/util/crypto.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>
#include <vector>

#include "core/util/error.hpp"

namespace zt {
namespace {

std::string to_hex(const unsigned char* data, size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = digits[data[i] >> 4];
    out[2 * i + 1] = digits[data[i] & 0x0f];
  }
  return out;
}

std::string base64(std::string_view data, bool url) {
  static constexpr char standard[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  static constexpr char url_safe[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const char* alphabet = url ? url_safe : standard;
  std::string out;
  size_t i = 0;
  auto byte = [&](size_t k) { return static_cast<unsigned char>(data[k]); };
  for (; i + 2 < data.size(); i += 3) {
    unsigned n = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out += {alphabet[n >> 18], alphabet[(n >> 12) & 63], alphabet[(n >> 6) & 63], alphabet[n & 63]};
  }
  size_t rest = data.size() - i;
  if (rest > 0) {
    unsigned n = byte(i) << 16 | (rest == 2 ? byte(i + 1) << 8 : 0);
    out += alphabet[n >> 18];
    out += alphabet[(n >> 12) & 63];
    if (rest == 2) out += alphabet[(n >> 6) & 63];
    if (!url) out.append(rest == 1 ? "==" : "=");
  }
  return out;
}

}  // namespace

std::string random_token(size_t bytes) {
  std::vector<unsigned char> buffer(bytes);
  if (RAND_bytes(buffer.data(), static_cast<int>(bytes)) != 1) {
    throw Error(ErrorCode::runtime, "the system random generator failed");
  }
  return base64(std::string_view(reinterpret_cast<const char*>(buffer.data()), bytes), true);
}

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
  return HmacSha256(key).hex({message});
}

HmacSha256::HmacSha256(std::string_view key) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  keyed_ = mac ? EVP_MAC_CTX_new(mac) : nullptr;
  EVP_MAC_free(mac);  // the context holds its own reference
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  // A zero-length key is a valid HMAC key, but OpenSSL wants a non-null pointer for it.
  static const unsigned char no_key = 0;
  auto* bytes = key.empty() ? &no_key : reinterpret_cast<const unsigned char*>(key.data());
  if (!keyed_ || EVP_MAC_init(keyed_, bytes, key.size(), params) != 1) {
    EVP_MAC_CTX_free(keyed_);
    throw Error(ErrorCode::runtime, "OpenSSL could not set up HMAC-SHA256");
  }
}

HmacSha256::~HmacSha256() { EVP_MAC_CTX_free(keyed_); }

std::string HmacSha256::hex(std::initializer_list<std::string_view> message) const {
  std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx(EVP_MAC_CTX_dup(keyed_), EVP_MAC_CTX_free);
  bool ok = ctx != nullptr;
  for (auto part : message) {
    ok = ok && EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(part.data()), part.size()) == 1;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  size_t length = 0;
  if (!ok || EVP_MAC_final(ctx.get(), digest, &length, sizeof digest) != 1) {
    throw Error(ErrorCode::runtime, "OpenSSL could not compute an HMAC-SHA256");
  }
  return to_hex(digest, length);
}

std::string sha256_hex(std::string_view data) {
  // Fetched once: SHA256() looks the algorithm up again on every call, as HMAC() does.
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!sha256 || EVP_Digest(data.data(), data.size(), digest, &length, sha256, nullptr) != 1) {
    throw Error(ErrorCode::runtime, "OpenSSL could not compute a SHA-256");
  }
  return to_hex(digest, length);
}

std::string base64_encode(std::string_view data) { return base64(data, false); }

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace zt
