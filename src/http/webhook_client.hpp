#pragma once
// The client side of a Zoom webhook, for `zoomtrack webhook send`: POST a signed body.
#include <string>

namespace zt::http {

struct SignedPost {
  std::string url;  // http(s)://host[:port]/path
  std::string body;
  std::string timestamp;
  std::string signature;
  int timeout_s = 10;
};

struct PostAnswer {
  int status = 0;
  std::string body;
};

// Throws Error(invalid_argument) for a URL it cannot use, Error(unavailable) when the server
// cannot be reached or does not answer.
PostAnswer post_signed_webhook(const SignedPost& post);

}  // namespace zt::http
