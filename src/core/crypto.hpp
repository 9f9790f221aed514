#pragma once
// The only file that talks to OpenSSL.
#include <string>
#include <string_view>

namespace zt {

// `bytes` bytes from OpenSSL's CSPRNG, base64url without padding (16 bytes -> 22 characters).
std::string random_token(size_t bytes = 16);

std::string hmac_sha256_hex(std::string_view key, std::string_view message);
std::string sha256_hex(std::string_view data);
std::string base64_encode(std::string_view data);

// Runs in time independent of where the inputs first differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace zt
