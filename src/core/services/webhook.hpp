#pragma once
// Zoom webhooks in core: verifying a delivery, storing it raw, applying it to lessons, and
// building realistic events for `zoomtrack webhook send`. The HTTP route is a thin adapter.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/crypto.hpp"
#include "core/services/lesson_service.hpp"
#include "core/util/time.hpp"

namespace zt {

// Bodies above this are refused (413) before they are hashed or stored.
inline constexpr size_t max_webhook_body = 1024 * 1024;
// Clocks drift; a timestamp further ahead than this is not an honest delivery.
inline constexpr Seconds webhook_max_future{300};
inline constexpr Seconds default_webhook_max_age{7200};

// "v0=" + lowercase hex HMAC-SHA256(secret, "v0:" + timestamp + ":" + body).
std::string zoom_signature(const HmacSha256& secret, std::string_view timestamp, std::string_view body);
std::string zoom_signature(std::string_view secret, std::string_view timestamp, std::string_view body);

// Checks the signature over the raw body bytes (constant-time) and that `timestamp` (Unix
// seconds) lies within [now - max_age, now + 5 min]. Throws Error(unauthorized) saying which.
void verify_zoom_signature(const HmacSha256& secret, std::string_view timestamp,
                           std::string_view signature, std::string_view body, TimePoint now,
                           Seconds max_age = default_webhook_max_age);

// The answer to endpoint.url_validation: {"plainToken", "encryptedToken"}.
nlohmann::json url_validation_answer(const HmacSha256& secret, const std::string& plain_token);

// What a stored event ended as. "received" is the moment between storing and applying; an event
// left in it (a crash in between) is re-applied with apply_stored_event.
const std::vector<std::string>& webhook_outcomes();

// One delivery as the HTTP adapter received it.
struct WebhookDelivery {
  std::string_view body;       // raw bytes, exactly as received
  std::string timestamp;       // x-zm-request-timestamp
  std::string signature;       // x-zm-signature
};

struct WebhookResult {
  int status = 200;
  nlohmann::json body;       // what to answer
  std::string outcome;       // for metrics: applied, unmatched, ignored, duplicate, error, url_validation
  std::optional<int64_t> event_id;
  std::optional<int64_t> lesson_id;
};

struct WebhookOptions {
  std::string secret;  // empty: nothing is accepted (503)
  Seconds max_age = default_webhook_max_age;
};

// Receives Zoom deliveries: verify, then store raw and apply in one transaction (group-committed
// with other deliveries and clicks).
class WebhookIngest {
 public:
  WebhookIngest(LessonService& lessons, WebhookOptions options);

  // Throws Error: unavailable (no secret), too_large, unauthorized, invalid_argument (not a JSON
  // event). Nothing is stored when it throws. Once stored, it answers 200 whatever applying did.
  WebhookResult receive(const WebhookDelivery& delivery);

  // Re-applies one stored event (an unmatched one whose lesson now exists, or one left
  // "received"), setting its outcome again. Throws not_found, or conflict for a duplicate row.
  WebhookResult apply_stored_event(int64_t id);

 private:
  struct Applied {
    std::string outcome;
    std::string detail;
    std::optional<int64_t> lesson_id;
  };
  Applied apply(const nlohmann::json& event);
  Applied apply_or_fail(const nlohmann::json& event);
  static WebhookResult result_of(int64_t id, const Applied& applied);
  std::vector<Lesson> lessons_changed_by(const std::string& meeting_id, TimePoint t,
                                         const std::optional<Segment>& before);

  LessonService& lessons_;
  WebhookOptions options_;
  HmacSha256 secret_;  // options_.secret, keyed once
};

// What `zoomtrack webhook send` builds. Every default is derived from the meeting id, so a
// joined and a left sent separately describe the same meeting instance and connection.
struct ZoomEventSpec {
  std::string event;  // meeting.started, meeting.ended, meeting.participant_joined/left
  std::string meeting_id;
  TimePoint at{};
  bool host = false;
  std::string uuid;
  std::string topic;
  std::string participant_name;
  std::string participant_email;
  std::string connection_id;
  std::string leave_reason;
};

const std::vector<std::string>& sendable_zoom_events();
// A realistic Zoom body (the shape of the fixtures). Throws Error(invalid_argument).
std::string build_zoom_event(const ZoomEventSpec& spec);


}  // namespace zt
