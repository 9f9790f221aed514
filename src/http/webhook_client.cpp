#include "http/webhook_client.hpp"

#include <fmt/format.h>
#include <httplib.h>

#include "core/util/error.hpp"

namespace zt::http {
namespace {

struct Target {
  std::string origin;  // scheme://host[:port]
  std::string path;
};

Target split_url(const std::string& url) {
  auto scheme_end = url.find("://");
  auto scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    throw Error(ErrorCode::invalid_argument, fmt::format("--to '{}' is not an http:// or https:// URL", url));
  }
  auto path_start = url.find('/', scheme_end + 3);
  Target t{url.substr(0, path_start), path_start == std::string::npos ? "/" : url.substr(path_start)};
  if (t.origin.size() == scheme_end + 3) {
    throw Error(ErrorCode::invalid_argument, fmt::format("--to '{}' has no host", url));
  }
  return t;
}

}  // namespace

PostAnswer post_signed_webhook(const SignedPost& post) {
  auto target = split_url(post.url);
  httplib::Client client(target.origin);
  if (!client.is_valid()) {
    throw Error(ErrorCode::invalid_argument, fmt::format("--to '{}' is not a usable URL", post.url));
  }
  client.set_connection_timeout(post.timeout_s);
  client.set_read_timeout(post.timeout_s);
  client.set_write_timeout(post.timeout_s);
  httplib::Headers headers{{"x-zm-request-timestamp", post.timestamp},
                           {"x-zm-signature", post.signature},
                           {"User-Agent", "Zoom Marketplace/1.0a (zoomtrack webhook send)"}};
  auto res = client.Post(target.path, headers, post.body, "application/json; charset=utf-8");
  if (!res) {
    throw Error(ErrorCode::unavailable,
                fmt::format("cannot reach {}: {}", target.origin, httplib::to_string(res.error())),
                "is 'zoomtrack serve' running there? set --to or the listen setting");
  }
  return {res->status, res->body};
}

}  // namespace zt::http
