#include "http/zoom_api_client.hpp"

#include <fmt/format.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <algorithm>
#include <optional>
#include <thread>

#include "core/util/crypto.hpp"
#include "core/util/error.hpp"
#include "core/util/json_limits.hpp"

namespace zt::http {
namespace {

// Zoom's pages are at most 300 records; a loop past this many pages is a server bug, not data.
constexpr int max_pages = 200;
// A token is renewed this long before Zoom says it expires, so it never dies mid-request.
constexpr std::chrono::seconds token_margin{60};

struct Endpoint {
  std::string origin;  // "https://api.zoom.us"
  std::string path;    // "/v2"
};

Endpoint split_url(const std::string& url, const char* setting) {
  auto scheme_end = url.find("://");
  bool http = url.starts_with("http://") || url.starts_with("https://");
  if (!http || scheme_end == std::string::npos) {
    throw Error(ErrorCode::invalid_argument, fmt::format("{} '{}' is not an http(s) URL", setting, url));
  }
  auto path_start = url.find('/', scheme_end + 3);
  if (path_start == std::string::npos) return {url, ""};
  auto path = url.substr(path_start);
  while (!path.empty() && path.back() == '/') path.pop_back();
  return {url.substr(0, path_start), path};
}

std::optional<TimePoint> time_field(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return parse_utc(it->get<std::string>());
}

std::string string_field(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

class ZoomApiClient final : public ZoomApi {
 public:
  explicit ZoomApiClient(const ZoomApiSettings& settings)
      : settings_(settings),
        api_(split_url(settings.api_base, "zoom_api_base")),
        oauth_(split_url(settings.oauth_url, "zoom_oauth_url")) {}

  std::vector<ZoomMeetingInstance> past_instances(const std::string& meeting_id) override {
    auto body = get_json(fmt::format("/past_meetings/{}/instances", zoom_meeting_path_segment(meeting_id)), meeting_id);
    std::vector<ZoomMeetingInstance> instances;
    for (const auto& m : body.value("meetings", nlohmann::json::array())) {
      auto start = time_field(m, "start_time");
      if (start) instances.push_back({string_field(m, "uuid"), *start});
    }
    return instances;
  }

  ZoomPastMeeting past_meeting(const std::string& meeting) override {
    auto body = get_json(fmt::format("/past_meetings/{}", zoom_meeting_path_segment(meeting)), meeting);
    return {string_field(body, "uuid"), string_field(body, "host_id")};
  }

  std::vector<ZoomParticipant> participants(const std::string& meeting) override {
    std::vector<ZoomParticipant> records;
    std::string page_token;
    for (int page = 0; page < max_pages; ++page) {
      auto path = fmt::format("/past_meetings/{}/participants?page_size=300", zoom_meeting_path_segment(meeting));
      if (!page_token.empty()) path += "&next_page_token=" + percent_encode(page_token);
      auto body = get_json(path, meeting);
      for (const auto& p : body.value("participants", nlohmann::json::array())) {
        records.push_back({string_field(p, "id"), string_field(p, "user_id"), string_field(p, "name"),
                           string_field(p, "user_email"), time_field(p, "join_time"),
                           time_field(p, "leave_time")});
      }
      page_token = string_field(body, "next_page_token");
      if (page_token.empty()) return records;
    }
    throw ZoomApiError(ZoomFailure::bad_response,
                       fmt::format("Zoom sent more than {} pages of participants for meeting {}", max_pages, meeting));
  }

 private:
  httplib::Client client(const Endpoint& endpoint) const {
    httplib::Client c(endpoint.origin);
    c.set_connection_timeout(10);
    c.set_read_timeout(30);
    c.set_write_timeout(30);
    return c;
  }

  [[noreturn]] void network_failure(const Endpoint& endpoint, httplib::Error error) const {
    throw ZoomApiError(ZoomFailure::network,
                       fmt::format("cannot reach Zoom at {}: {}", endpoint.origin, httplib::to_string(error)),
                       "check the network and zoom_api_base / zoom_oauth_url; nothing was changed for the "
                       "lessons not yet checked");
  }

  const std::string& token() {
    if (token_ && std::chrono::steady_clock::now() < token_expiry_) return *token_;
    auto c = client(oauth_);
    httplib::Headers headers{
        {"Authorization", "Basic " + base64_encode(settings_.client_id + ":" + settings_.client_secret)}};
    httplib::Params form{{"grant_type", "account_credentials"}, {"account_id", settings_.account_id}};
    auto res = c.Post(oauth_.path.empty() ? "/" : oauth_.path, headers, form);
    if (!res) network_failure(oauth_, res.error());
    if (res->status != 200) {
      throw ZoomApiError(ZoomFailure::unauthorized,
                         fmt::format("Zoom refused the OAuth credentials (HTTP {})", res->status),
                         "check ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET");
    }
    nlohmann::json body;
    try {
      body = parse_json_bounded(res->body);
    } catch (const Error& e) {
      throw ZoomApiError(ZoomFailure::unauthorized, std::string("Zoom's OAuth answer ") + e.what());
    }
    if (!body.is_object() || !body.contains("access_token") || !body["access_token"].is_string()) {
      throw ZoomApiError(ZoomFailure::unauthorized, "Zoom's OAuth answer has no access_token");
    }
    auto expires_in = body.find("expires_in");
    int64_t seconds = 3600;
    if (expires_in != body.end() && expires_in->is_number_integer()) {
      seconds = std::clamp<int64_t>(expires_in->get<int64_t>(), 0, 86400);
    }
    auto lifetime = std::chrono::seconds(seconds);
    token_expiry_ = std::chrono::steady_clock::now() + std::max(lifetime - token_margin, std::chrono::seconds{0});
    token_ = body["access_token"].get<std::string>();
    return *token_;
  }

  // Waits as Zoom asks after a 429, within our bounds; false when the bound is used up.
  bool wait_for_rate_limit(const httplib::Response& res, int& waits) const {
    if (waits >= settings_.max_rate_limit_waits) return false;
    ++waits;
    long seconds = 1;
    try {
      seconds = std::stol(res.get_header_value("Retry-After"));
    } catch (const std::exception&) {
      // An HTTP date or no header: one second is a polite guess.
    }
    seconds = std::clamp<long>(seconds, 0, settings_.max_rate_limit_wait.count());
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    return true;
  }

  nlohmann::json get_json(const std::string& path, const std::string& meeting) {
    auto c = client(api_);
    bool renewed = false;
    int waits = 0;
    while (true) {
      auto res = c.Get(api_.path + path, {{"Authorization", "Bearer " + token()}});
      if (!res) network_failure(api_, res.error());
      if (res->status == 200) {
        nlohmann::json body;
        try {
          body = parse_json_bounded(res->body);
        } catch (const Error& e) {
          throw ZoomApiError(ZoomFailure::bad_response,
                             fmt::format("Zoom's answer for meeting {} {}", meeting, e.what()));
        }
        if (!body.is_object()) {
          throw ZoomApiError(ZoomFailure::bad_response, fmt::format("Zoom sent unreadable JSON for meeting {}", meeting));
        }
        return body;
      }
      if (res->status == 401 && !renewed) {
        // The token may have been revoked or rotated: one fresh token, then we give up.
        token_.reset();
        renewed = true;
        continue;
      }
      if (res->status == 401) {
        throw ZoomApiError(ZoomFailure::unauthorized, "Zoom refused a fresh access token (HTTP 401)",
                           "check the app's scopes: past meeting participants need meeting:read:admin");
      }
      if (res->status == 404) {
        throw ZoomApiError(ZoomFailure::not_found,
                           fmt::format("Zoom has no past meeting {} (left for review)", meeting));
      }
      if (res->status == 429) {
        if (wait_for_rate_limit(*res, waits)) continue;
        throw ZoomApiError(ZoomFailure::rate_limited,
                           fmt::format("Zoom rate limit still exceeded after {} waits for meeting {}; try "
                                       "again later",
                                       waits, meeting));
      }
      throw ZoomApiError(ZoomFailure::bad_response, fmt::format("Zoom answered HTTP {} for meeting {}", res->status, meeting));
    }
  }

  ZoomApiSettings settings_;
  Endpoint api_;
  Endpoint oauth_;
  std::optional<std::string> token_;
  std::chrono::steady_clock::time_point token_expiry_{};
};

}  // namespace

std::unique_ptr<ZoomApi> make_zoom_api_client(const ZoomApiSettings& settings) {
  if (settings.account_id.empty() || settings.client_id.empty() || settings.client_secret.empty()) {
    throw Error(ErrorCode::invalid_argument, "--zoom-api needs Server-to-Server OAuth credentials",
                "set ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET (or zoom_account_id, "
                "zoom_client_id, zoom_client_secret in the config file)");
  }
  return std::make_unique<ZoomApiClient>(settings);
}

}  // namespace zt::http
