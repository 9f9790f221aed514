#pragma once
// What reconcile needs from Zoom's REST API, as an interface: core never sees HTTP. The real
// client lives in src/http/zoom_api_client.*; tests point it at a fake Zoom on loopback.
#include <optional>
#include <string>
#include <vector>

#include "core/util/error.hpp"
#include "core/util/time.hpp"

namespace zt {

// One finished instance of a meeting (GET /past_meetings/{id}/instances).
struct ZoomMeetingInstance {
  std::string uuid;
  TimePoint start_time{};
};

// GET /past_meetings/{id or uuid}: the instance's uuid and its host's user id.
struct ZoomPastMeeting {
  std::string uuid;
  std::string host_id;
};

// One participant record; a rejoin is a separate record.
struct ZoomParticipant {
  std::string id;       // the user's Zoom id when signed in, else ""
  std::string user_id;  // per connection
  std::string name;
  std::string user_email;
  std::optional<TimePoint> join_time;
  std::optional<TimePoint> leave_time;
};

enum class ZoomFailure {
  not_found,     // 404: no such past meeting; the lesson is left for review
  rate_limited,  // 429 after the bounded waits; that lesson is given up for this run
  bad_response,  // another status or an unreadable body; that lesson is given up
  unauthorized,  // the credentials were refused twice: no lesson can be checked
  network,       // Zoom cannot be reached: no lesson can be checked
};

class ZoomApiError : public Error {
 public:
  ZoomApiError(ZoomFailure failure, const std::string& what, std::string hint = {})
      : Error(failure == ZoomFailure::not_found ? ErrorCode::not_found : ErrorCode::unavailable, what,
              std::move(hint)),
        failure_(failure) {}
  ZoomFailure failure() const { return failure_; }
  // Unauthorized and network failures concern every lesson, not the one being checked.
  bool stops_the_run() const {
    return failure_ == ZoomFailure::unauthorized || failure_ == ZoomFailure::network;
  }

 private:
  ZoomFailure failure_;
};

class ZoomApi {
 public:
  virtual ~ZoomApi() = default;
  // All methods throw ZoomApiError. `meeting` is a numeric meeting id or an instance uuid.
  virtual std::vector<ZoomMeetingInstance> past_instances(const std::string& meeting_id) = 0;
  virtual ZoomPastMeeting past_meeting(const std::string& meeting) = 0;
  // Every page, following next_page_token.
  virtual std::vector<ZoomParticipant> participants(const std::string& meeting) = 0;
};

// A meeting id or uuid as one URL path segment. Zoom wants a uuid that begins with '/' or
// contains "//" percent-encoded twice; anything else once.
std::string zoom_meeting_path_segment(const std::string& meeting);

// RFC 3986 percent-encoding of everything but unreserved characters.
std::string percent_encode(const std::string& text);

// The instance a lesson was held in: the latest one that started no later than shortly after
// the lesson's start (the student may click before the teacher starts the meeting, and a
// personal meeting id may carry several lessons in one instance); else the earliest one.
std::optional<ZoomMeetingInstance> instance_for_lesson(const std::vector<ZoomMeetingInstance>& instances,
                                                       TimePoint lesson_start);

}  // namespace zt
