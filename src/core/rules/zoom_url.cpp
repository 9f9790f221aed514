#include "core/rules/zoom_url.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "core/util/error.hpp"
#include "core/util/text.hpp"

namespace zt {
namespace {

bool ends_with_domain(const std::string& host, std::string_view domain) {
  if (host == domain) return true;
  return host.size() > domain.size() + 1 && host.ends_with(domain) &&
         host[host.size() - domain.size() - 1] == '.';
}

bool is_zoom_host(const std::string& host) {
  bool valid_chars = std::all_of(host.begin(), host.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '.';
  });
  return valid_chars && (ends_with_domain(host, "zoom.us") || ends_with_domain(host, "zoomgov.com"));
}

[[noreturn]] void reject(std::string_view url, std::string_view why) {
  throw Error(ErrorCode::invalid_argument, fmt::format("'{}' is not a Zoom join URL: {}", url, why),
              "give the meeting's join link, like https://zoom.us/j/86431910364?pwd=...");
}

}  // namespace

ZoomJoinUrl parse_zoom_join_url(std::string_view url) {
  constexpr std::string_view scheme = "https://";
  if (url.size() > 2048) reject(url.substr(0, 64), "longer than 2048 characters");
  if (has_illegal_url_char(url)) {
    reject(terminal_safe(url), "it contains a character not allowed in a URL, such as a space, a quote, < or >");
  }
  if (ascii_lower(url.substr(0, scheme.size())) != scheme) reject(url, "it must start with https://");
  auto rest = url.substr(scheme.size());
  auto path_at = rest.find('/');
  if (path_at == std::string_view::npos) reject(url, "it has no /j/<meeting id> path");
  auto host = ascii_lower(rest.substr(0, path_at));
  if (!is_zoom_host(host)) reject(url, "the host is not zoom.us or zoomgov.com");
  if (rest.find('#') != std::string_view::npos) reject(url, "it has a #fragment");
  auto path_and_query = rest.substr(path_at);
  auto query_at = path_and_query.find('?');
  auto path = path_and_query.substr(0, query_at);
  if (path.size() < 4 || (path.substr(0, 3) != "/j/" && path.substr(0, 3) != "/w/")) {
    reject(url, "the path must be /j/<meeting id> or /w/<meeting id>");
  }
  auto digits = path.substr(3);
  if (digits.empty() || digits.size() > 20 ||
      !std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); })) {
    reject(url, "the meeting id must be digits only");
  }
  // Scheme and host are case-insensitive; stored lower-case, so that "httPs://ZOOM.us/..." is
  // kept (and redirected to) in the one spelling every later check expects. Path and query
  // (the pwd) are case-sensitive and kept as given.
  return {std::string(scheme) + host + std::string(path_and_query), std::string(digits)};
}

std::string url_encode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string with_query_param(const std::string& url, std::string_view key, std::string_view value) {
  char separator = url.find('?') == std::string::npos ? '?' : '&';
  return fmt::format("{}{}{}={}", url, separator, key, url_encode(value));
}

}  // namespace zt
