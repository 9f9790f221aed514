#pragma once
// The lesson and the records around it, as core and every adapter see them.
#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/util/time.hpp"

namespace zt {

enum class LessonStatus { created, active, ended, final, expired, needs_review, void_, no_show };
enum class EndSource { webhook, zoom_api, leave_url, manual, handover };
// Where a lesson's start came from: the student's first real click, Zoom (teacher and student
// both in the meeting, no click), or staff (sessions start).
enum class StartSource { click, zoom, manual };

const char* to_string(LessonStatus status);
const char* to_string(EndSource source);
const char* to_string(StartSource source);
// Throw Error(invalid_argument) for an unknown name.
LessonStatus parse_lesson_status(const std::string& text);
EndSource parse_end_source(const std::string& text);
StartSource parse_start_source(const std::string& text);

// What Zoom saw of a lesson's teacher and student, in seconds (see measure_presence). Measured
// once the lesson has an end (a no-show: the teacher's wait); empty before.
struct Presence {
  std::string kind;  // "identified" or "unidentified" (see the student rules); "" = none seen
  std::optional<int64_t> teacher_present_s;  // the teacher in the meeting within start..end
  std::optional<int64_t> together_s;         // teacher and student both in it within start..end
  std::optional<int64_t> teacher_late_s;     // the teacher's first presence in the window − scheduled_at
  bool operator==(const Presence&) const = default;
};

struct Lesson {
  int64_t id = 0;
  std::string teacher;
  std::string teacher_name;
  std::string teacher_zoom_email;
  std::string student;
  std::string student_name;
  std::string zoom_url;
  std::string meeting_id;
  std::string track_token;
  std::string leave_token;
  std::string base_url;
  LessonStatus status = LessonStatus::created;
  TimePoint created_at{};
  std::optional<TimePoint> scheduled_at;
  std::optional<TimePoint> expires_at;
  std::optional<TimePoint> started_at;
  std::optional<TimePoint> ended_at;
  std::optional<EndSource> end_source;
  std::string ref;  // the caller's idempotency key (a booking id), empty when none was given
  std::string student_zoom_email = {};  // identifies the student in Zoom's participant lists
  std::optional<int64_t> length_s = {};  // the booked length, when given
  std::optional<StartSource> start_source = {};
  Presence presence = {};

  std::string tracking_url() const;
  std::string checkout_url() const;
  // The Zoom URL with leave_url pointing at our checkout URL, as the original design asks.
  std::string teacher_url() const;
  // Where the tracking link sends the student: the Zoom URL, with `uname=` naming them and the
  // lesson's tag when `name_tag` (Zoom shows it to people not signed in; see is_lesson_student).
  std::string student_join_url(bool name_tag) const;
  std::optional<int64_t> duration_s() const;
};

// What staff give to create a lesson; validated by LessonService.
struct NewLesson {
  std::string teacher;
  std::string teacher_name;
  std::string teacher_zoom_email;
  std::string student;
  std::string student_name;
  std::string zoom_url;
  std::optional<TimePoint> scheduled_at;
  std::optional<TimePoint> expires_at;
  std::string ref;
  // Telegram chats to send the links to after the lesson is stored; empty: none. (Default member
  // initializers: positional initialisation of the fields above stays warning-free.)
  std::string telegram_chat = {};
  std::string teacher_telegram_chat = {};
  std::string student_zoom_email = {};
  std::optional<Seconds> length = {};  // the booked length
};

struct Click {
  int64_t id = 0;
  TimePoint at{};
  std::string ip;
  std::string user_agent;
  std::string kind;    // "real" or "preview"
  std::string method;  // "GET" or "HEAD"
};

// One end signal as received, whatever its source; the lesson's end is derived from all of them.
struct EndSignal {
  int64_t id = 0;
  EndSource source = EndSource::leave_url;
  TimePoint at{};           // when the teacher left, by the source's clock
  TimePoint received_at{};  // when we learnt it
  bool forced = false;      // a manual end that may override a webhook end
  std::string detail;
};

// A start set by staff (`sessions start`): the student reached Zoom without clicking.
struct StartSignal {
  int64_t id = 0;
  TimePoint at{};
  TimePoint received_at{};
  bool forced = false;  // set over a real click
  std::string reason;
  std::string who;
};

// One participant connection in a Zoom meeting, from webhooks or the Zoom API.
struct Segment {
  std::string source;  // "webhook" or "zoom_api"
  std::string meeting_uuid;
  std::string connection_id;  // Zoom's per-connection user_id: a rejoin is a new segment
  std::string participant_id;
  std::string host_id;
  std::string email;
  std::string name;
  std::optional<TimePoint> join_time;
  std::optional<TimePoint> leave_time;
  std::string leave_reason;
  bool is_host = false;  // filled in against the lesson's teacher when read for a lesson

  friend bool operator==(const Segment&, const Segment&) = default;
};

struct AuditEntry {
  int64_t id = 0;
  TimePoint at{};
  std::string who;
  std::string source;
  std::string action;
  std::string old_value;
  std::string new_value;
  std::string reason;
};

struct WebhookEventRecord {
  int64_t id = 0;
  std::string delivery_key;
  TimePoint received_at{};
  std::string event;
  int64_t event_ts = 0;  // Zoom's milliseconds, as received
  std::string meeting_id;
  std::string meeting_uuid;
  std::string outcome;
  std::string detail;
  std::optional<int64_t> lesson_id;
  std::string body;
};

// One message to one chat about one lesson, as stored in the outbox.
struct TelegramDelivery {
  int64_t id = 0;
  int64_t lesson_id = 0;
  std::string role;   // "student" (tracking URL) or "teacher" (checkout URL)
  std::string chat;   // a numeric chat id or @channelname
  std::string state;  // "queued", "sent" or "failed"
  TimePoint created_at{};
  int attempts = 0;
  std::optional<TimePoint> next_attempt_at;  // queued only
  std::optional<TimePoint> sent_at;
  std::optional<int64_t> message_id;  // Telegram's, once sent
  std::string last_error;             // Telegram's description, or why it could not be reached
};

void to_json(nlohmann::json& j, const Lesson& lesson);
void to_json(nlohmann::json& j, const Click& click);
void to_json(nlohmann::json& j, const EndSignal& signal);
void to_json(nlohmann::json& j, const Segment& segment);
void to_json(nlohmann::json& j, const AuditEntry& entry);
void to_json(nlohmann::json& j, const WebhookEventRecord& event);
void to_json(nlohmann::json& j, const TelegramDelivery& delivery);  // in telegram.cpp

}  // namespace zt
