#pragma once
// Zoom join URLs: what we accept from staff, and the URLs we build around them.
#include <string>
#include <string_view>

namespace zt {

struct ZoomJoinUrl {
  std::string url;         // as given, validated
  std::string meeting_id;  // the digits after /j/ or /w/
};

// Accepts https://{zoom.us,*.zoom.us,zoomgov.com,*.zoomgov.com}/{j,w}/<digits>[?query].
// Throws Error(invalid_argument) saying what is wrong.
ZoomJoinUrl parse_zoom_join_url(std::string_view url);

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string url_encode(std::string_view text);

// Adds `key=value` (value URL-encoded) with '&' if the URL has a query already, else '?'.
std::string with_query_param(const std::string& url, std::string_view key, std::string_view value);

}  // namespace zt
