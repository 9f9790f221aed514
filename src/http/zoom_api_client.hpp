#pragma once
// Zoom's REST API over HTTPS with a Server-to-Server OAuth token, for reconcile --zoom-api.
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/rules/zoom_api.hpp"

namespace zt::http {

struct ZoomApiSettings {
  std::string api_base = "https://api.zoom.us/v2";
  std::string oauth_url = "https://zoom.us/oauth/token";
  std::string account_id;
  std::string client_id;
  std::string client_secret;
  // 429: wait Retry-After seconds, at most this long each time and this many times per request.
  int max_rate_limit_waits = 3;
  std::chrono::seconds max_rate_limit_wait{10};
};

// Throws Error(invalid_argument) when a credential or URL is missing or malformed.
std::unique_ptr<ZoomApi> make_zoom_api_client(const ZoomApiSettings& settings);

}  // namespace zt::http
