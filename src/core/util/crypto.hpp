#pragma once
// The only file that talks to OpenSSL.
#include <initializer_list>
#include <string>
#include <string_view>

struct evp_mac_ctx_st;

namespace zt {

// `bytes` bytes from OpenSSL's CSPRNG, base64url without padding (16 bytes -> 22 characters).
std::string random_token(size_t bytes = 16);

std::string hmac_sha256_hex(std::string_view key, std::string_view message);

// HMAC-SHA256 under one key, keyed once. OpenSSL 3's one-shot HMAC() looks the algorithm up in
// its provider store (behind a process-wide lock) and re-derives the key's pads on every call;
// a webhook receiver signs with the same key thousands of times a second. Safe to share between
// threads: each call works on its own copy of the keyed state.
class HmacSha256 {
 public:
  explicit HmacSha256(std::string_view key);
  ~HmacSha256();
  HmacSha256(const HmacSha256&) = delete;
  HmacSha256& operator=(const HmacSha256&) = delete;

  // Lowercase hex of the HMAC of the parts' concatenation (given in parts, so none is copied).
  std::string hex(std::initializer_list<std::string_view> message) const;

 private:
  evp_mac_ctx_st* keyed_;
};

std::string sha256_hex(std::string_view data);
std::string base64_encode(std::string_view data);

// Runs in time independent of where the inputs first differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace zt
