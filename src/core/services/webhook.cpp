#include "core/services/webhook.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "core/util/crypto.hpp"
#include "core/util/error.hpp"
#include "core/util/json_limits.hpp"
#include "core/rules/lesson_rules.hpp"

namespace zt {
namespace {

using nlohmann::json;

constexpr const char* joined = "meeting.participant_joined";
constexpr const char* left = "meeting.participant_left";
constexpr const char* ended = "meeting.ended";
constexpr const char* started = "meeting.started";

// Lessons whose window may hold an event: a day either side covers any real lesson.
constexpr std::chrono::days refresh_window{1};

[[noreturn]] void bad_event(const std::string& what) { throw Error(ErrorCode::invalid_argument, what); }

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// Zoom sends most ids as strings; documentation examples (and some clients) send numbers.
std::string text_field(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_unsigned()) return std::to_string(it->get<uint64_t>());
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  bad_event(fmt::format("field '{}' is neither a string nor an integer", key));
}

std::optional<TimePoint> time_field(const json& object, const char* key) {
  auto text = text_field(object, key);
  if (text.empty()) return std::nullopt;
  auto t = parse_utc(text);
  if (!t) bad_event(fmt::format("field '{}' is not a UTC time: '{}'", key, text));
  return t;
}

int64_t event_ts_of(const json& event) {
  auto it = event.find("event_ts");
  return it != event.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

// Zoom's own time of the event when a payload lacks the specific one.
std::optional<TimePoint> event_time_fallback(const json& event) {
  auto ms = event_ts_of(event);
  if (ms <= 0) return std::nullopt;
  return TimePoint{Seconds{ms / 1000}};
}

const json& meeting_object(const json& event) {
  static const json none = json::object();
  auto payload = event.find("payload");
  if (payload == event.end() || !payload->is_object()) return none;
  auto object = payload->find("object");
  return object != payload->end() && object->is_object() ? *object : none;
}

std::string meeting_id_of(const json& object) {
  auto id = text_field(object, "id");
  if (!all_digits(id)) bad_event(fmt::format("payload.object.id '{}' is not a meeting number", id));
  return id;
}

Segment segment_of(const json& event, const json& object, bool is_join) {
  auto participant = object.find("participant");
  if (participant == object.end() || !participant->is_object()) bad_event("payload.object.participant is missing");
  const json& p = *participant;
  Segment s;
  s.source = "webhook";
  s.meeting_uuid = text_field(object, "uuid");
  s.host_id = text_field(object, "host_id");
  // user_id is per connection: a rejoin is a new segment. Older payloads may lack it.
  s.connection_id = text_field(p, "user_id");
  if (s.connection_id.empty()) s.connection_id = text_field(p, "participant_uuid");
  if (s.connection_id.empty()) s.connection_id = text_field(p, "id");
  if (s.connection_id.empty()) bad_event("the participant has no user_id, participant_uuid or id");
  s.participant_id = text_field(p, "id");
  s.email = text_field(p, "email");
  s.name = text_field(p, "user_name");
  auto when = time_field(p, is_join ? "join_time" : "leave_time");
  if (!when) when = event_time_fallback(event);
  if (!when) bad_event(fmt::format("the participant has no {}", is_join ? "join_time" : "leave_time"));
  (is_join ? s.join_time : s.leave_time) = when;
  if (!is_join) s.leave_reason = text_field(p, "leave_reason");
  return s;
}

// The lesson an event concerns: the one whose window [start, next start) holds its time. A join
// (or a start) before any lesson began belongs to the first lesson after it. Before any click,
// the one lesson on the meeting still waiting for its click, if there is exactly one.
std::optional<int64_t> lesson_for_event(const std::vector<Lesson>& started_lessons,
                                        const std::vector<Lesson>& waiting, TimePoint t,
                                        bool precedes_lessons) {
  const Lesson* found = nullptr;
  for (const auto& lesson : started_lessons) {
    if (lesson.status != LessonStatus::void_ && *lesson.started_at <= t) found = &lesson;
  }
  if (!found && precedes_lessons) {
    for (const auto& lesson : started_lessons) {
      if (lesson.status != LessonStatus::void_) {
        found = &lesson;
        break;
      }
    }
  }
  if (found) return found->id;
  if (!started_lessons.empty()) return std::nullopt;
  return waiting.size() == 1 ? std::optional<int64_t>(waiting.front().id) : std::nullopt;
}

// Whether a connection at `t` may start a booked lesson nobody clicked for: `t` lies in the
// lesson's window (see LessonService::zoom_start_of).
bool may_start_from_zoom(const Lesson& lesson, TimePoint t, Seconds max_lesson) {
  return lesson.scheduled_at && t >= *lesson.scheduled_at - presence_lead - refresh_window &&
         t < *lesson.scheduled_at + max_lesson;
}

std::string describe_lesson(const Lesson& lesson) {
  std::string text = fmt::format("lesson {} {}", lesson.id, to_string(lesson.status));
  if (lesson.ended_at) {
    text += fmt::format(", end {} ({})", format_utc(*lesson.ended_at),
                        lesson.end_source ? to_string(*lesson.end_source) : "");
  }
  return text;
}

std::string hex_to_bytes(std::string_view hex) {
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    unsigned value = 0;
    std::from_chars(hex.data() + i, hex.data() + i + 2, value, 16);
    bytes.push_back(static_cast<char>(value));
  }
  return bytes;
}

// 16 bytes derived from `seed`, base64: the shape of Zoom's meeting UUIDs ("hwkAADUySwyG3GyUkqc0vA==").
std::string derived_uuid(const std::string& seed) {
  return base64_encode(hex_to_bytes(sha256_hex(seed).substr(0, 32)));
}

// The shape of Zoom's user ids ("tUo7WohjTs6ELvl9WR3JAA"): 22 base64url characters.
std::string derived_user_id(const std::string& seed) {
  auto id = derived_uuid(seed);
  std::replace(id.begin(), id.end(), '+', '-');
  std::replace(id.begin(), id.end(), '/', '_');
  id.erase(std::remove(id.begin(), id.end(), '='), id.end());
  return id;
}

// Zoom's per-connection user_id is a decimal number ("16778240").
std::string derived_connection_id(const std::string& seed) {
  return std::to_string(std::stoul(sha256_hex(seed).substr(0, 7), nullptr, 16));
}

}  // namespace

std::string zoom_signature(const HmacSha256& secret, std::string_view timestamp, std::string_view body) {
  return "v0=" + secret.hex({"v0:", timestamp, ":", body});
}

std::string zoom_signature(std::string_view secret, std::string_view timestamp, std::string_view body) {
  return zoom_signature(HmacSha256(secret), timestamp, body);
}

void verify_zoom_signature(const HmacSha256& secret, std::string_view timestamp, std::string_view signature,
                           std::string_view body, TimePoint now, Seconds max_age) {
  if (signature.empty() || timestamp.empty()) {
    throw Error(ErrorCode::unauthorized, "missing x-zm-signature or x-zm-request-timestamp");
  }
  if (!all_digits(timestamp) || timestamp.size() > 12) {
    throw Error(ErrorCode::unauthorized, "x-zm-request-timestamp is not Unix seconds");
  }
  // Check the signature first: an attacker learns nothing about our clock from a forged request.
  if (!constant_time_equal(zoom_signature(secret, timestamp, body), signature)) {
    throw Error(ErrorCode::unauthorized, "signature does not match");
  }
  TimePoint sent{Seconds{std::stoll(std::string(timestamp))}};
  if (sent > now + webhook_max_future) throw Error(ErrorCode::unauthorized, "timestamp is in the future");
  if (sent < now - max_age) throw Error(ErrorCode::unauthorized, "timestamp is too old");
}

json url_validation_answer(const HmacSha256& secret, const std::string& plain_token) {
  return {{"plainToken", plain_token}, {"encryptedToken", secret.hex({plain_token})}};
}

const std::vector<std::string>& webhook_outcomes() {
  static const std::vector<std::string> outcomes{"received", "applied", "unmatched",
                                                 "ignored",  "duplicate", "error"};
  return outcomes;
}

WebhookIngest::WebhookIngest(LessonService& lessons, WebhookOptions options)
    : lessons_(lessons), options_(std::move(options)), secret_(options_.secret) {}

WebhookResult WebhookIngest::receive(const WebhookDelivery& delivery) {
  if (options_.secret.empty()) {
    throw Error(ErrorCode::unavailable, "webhook secret not configured",
                "set ZOOMTRACK_WEBHOOK_SECRET or --webhook-secret-file and restart serve");
  }
  if (delivery.body.size() > max_webhook_body) {
    throw Error(ErrorCode::too_large, "webhook body is larger than 1 MiB");
  }
  auto now = lessons_.clock().now();
  verify_zoom_signature(secret_, delivery.timestamp, delivery.signature, delivery.body, now,
                        options_.max_age);
  json event;
  try {
    // Bounded: a signed body nested 200,000 deep must be refused, not crash serve.
    event = parse_json_bounded(delivery.body);
  } catch (const Error& e) {
    bad_event(std::string("body ") + e.what());
  }
  if (!event.is_object() || !event.contains("event") || !event["event"].is_string()) {
    bad_event("body is not a Zoom event: no \"event\" name");
  }
  auto name = event["event"].get<std::string>();
  if (name == "endpoint.url_validation") {
    auto payload = event.find("payload");
    const json* token = nullptr;
    if (payload != event.end() && payload->is_object()) {
      auto found = payload->find("plainToken");
      if (found != payload->end()) token = &*found;
    }
    if (!token || !token->is_string() || token->get_ref<const std::string&>().empty()) {
      bad_event("url_validation without a plainToken");
    }
    return {200, url_validation_answer(secret_, token->get<std::string>()), "url_validation", {}, {}};
  }

  WebhookEventRecord record;
  record.delivery_key = sha256_hex(delivery.body);
  record.received_at = now;
  record.event = name;
  record.event_ts = event_ts_of(event);
  const auto& object = meeting_object(event);
  try {
    record.meeting_id = text_field(object, "id");
    record.meeting_uuid = text_field(object, "uuid");
  } catch (const Error&) {
    // Stored anyway: applying will mark it as an error and say why.
  }
  record.body = std::string(delivery.body);
  // One transaction: the raw event and its effect are committed together, or not at all. The
  // event is applied first and stored once, with its outcome: storing it as "received" and then
  // setting the outcome wrote every index of the row twice.
  WebhookResult result;
  auto& store = lessons_.store();
  store.write([&] {
    if (store.insert_webhook_duplicate(record)) {
      result = {200, {{"status", "duplicate"}, {"event_id", record.id}}, "duplicate", record.id, {}};
      return;
    }
    auto applied = apply_or_fail(event);
    record.outcome = applied.outcome;
    record.detail = applied.detail;
    record.lesson_id = applied.lesson_id;
    store.insert_webhook_event(record);
    result = result_of(record.id, applied);
  });
  return result;
}

WebhookResult WebhookIngest::apply_stored_event(int64_t id) {
  auto& store = lessons_.store();
  auto record = store.find_webhook_event(id);
  if (!record) throw Error(ErrorCode::not_found, fmt::format("no webhook event with id {}", id));
  if (record->outcome == "duplicate") {
    throw Error(ErrorCode::conflict, fmt::format("event {} is a duplicate delivery: {}", id, record->detail));
  }
  json event;
  std::string problem;
  try {
    // Events stored before bodies were bounded may nest arbitrarily deep.
    event = parse_json_bounded(record->body);
    if (!event.is_object()) problem = "stored body is not a JSON object";
  } catch (const Error& e) {
    problem = std::string("stored body ") + e.what();
  }
  if (!problem.empty()) {
    store.write([&] { store.set_webhook_outcome(id, "error", problem, std::nullopt); });
    return {200, {{"status", "error"}, {"event_id", id}, {"detail", problem}}, "error", id, {}};
  }
  Applied applied;
  store.write([&] {
    applied = apply_or_fail(event);
    store.set_webhook_outcome(id, applied.outcome, applied.detail, applied.lesson_id);
  });
  return result_of(id, applied);
}

// Inside a write: an event that cannot be applied leaves no change behind (its savepoint is
// rolled back) and its outcome says why. Storage failures still fail the whole write.
WebhookIngest::Applied WebhookIngest::apply_or_fail(const json& event) {
  Applied applied;
  try {
    lessons_.store().attempt([&] { applied = apply(event); });
  } catch (const Error& e) {
    // Stored but not applied: answer 200 anyway, or Zoom retries a delivery that cannot succeed.
    if (e.code() == ErrorCode::storage || e.code() == ErrorCode::busy) throw;
    applied = {"error", e.what(), std::nullopt};
  } catch (const std::exception& e) {
    applied = {"error", e.what(), std::nullopt};
  }
  return applied;
}

WebhookResult WebhookIngest::result_of(int64_t id, const Applied& applied) {
  json body{{"status", applied.outcome}, {"event_id", id}};
  if (applied.lesson_id) body["lesson_id"] = *applied.lesson_id;
  // Only a signed sender reads this: it tells an operator testing the endpoint why nothing changed.
  if (applied.outcome != "applied" && !applied.detail.empty()) body["detail"] = applied.detail;
  return {200, body, applied.outcome, id, applied.lesson_id};
}

// The lessons whose facts an event at `t` can change: a lesson reads the segments that overlap
// its window [start, next start) and the meeting's ends inside it, and an open segment reads
// into every later window. So: from the last lesson that started before the earliest time the
// segment spanned (`before`: as stored before this event; for a meeting end, the instance's end
// as stored before) or now spans, to the newest. For live events that is the current lesson
// and any started after it.
std::vector<Lesson> WebhookIngest::lessons_changed_by(const std::string& meeting_id, TimePoint t,
                                                      const std::optional<Segment>& before) {
  auto& store = lessons_.store();
  auto earliest = t;
  if (before) {
    for (const auto& when : {before->join_time, before->leave_time}) {
      if (when && *when < earliest) earliest = *when;
    }
  }
  Lesson probe;  // id 0: previous_lesson_on_meeting then finds the last start strictly before
  probe.meeting_id = meeting_id;
  probe.started_at = earliest;
  auto previous = store.previous_lesson_on_meeting(probe);
  auto from = previous ? *previous->started_at : earliest;
  return store.lessons_started_on_meeting(meeting_id, from, TimePoint{std::chrono::sys_days{std::chrono::year{9999} / 12 / 31}});
}

WebhookIngest::Applied WebhookIngest::apply(const json& event) {
  auto name = event.value("event", std::string());
  if (name == started) {
    return {"ignored", "meeting.started changes no lesson: the student's click starts it", {}};
  }
  if (name != joined && name != left && name != ended) {
    return {"ignored", fmt::format("{} is not an event zoomtrack uses", name), {}};
  }
  auto& store = lessons_.store();
  const auto& object = meeting_object(event);
  auto meeting_id = meeting_id_of(object);
  auto uuid = text_field(object, "uuid");
  if (uuid.empty()) bad_event("payload.object.uuid is missing");
  if (!store.has_lessons_on_meeting(meeting_id)) {
    // Nothing is written: the raw event is kept, and apply_stored_event retries it later.
    return {"unmatched", fmt::format("no lesson uses meeting {}", meeting_id), {}};
  }

  TimePoint t{};
  std::optional<Segment> segment;  // as this delivery tells it
  std::optional<Segment> before;   // as stored before it
  std::optional<Segment> merged;   // as stored now
  if (name == ended) {
    auto end = time_field(object, "end_time");
    if (!end) end = event_time_fallback(event);
    if (!end) bad_event("meeting.ended without end_time");
    t = *end;
    check_not_in_future(t, lessons_.clock().now(), "end_time");
    // A later copy of this instance's end moves it: the window it leaves is re-derived too.
    if (auto stored = store.meeting_end_of(uuid)) {
      before = Segment{};
      before->leave_time = stored;
    }
    store.record_meeting_end(meeting_id, uuid, t);
  } else {
    bool is_join = name == joined;
    segment = segment_of(event, object, is_join);
    t = is_join ? *segment->join_time : *segment->leave_time;
    check_not_in_future(t, lessons_.clock().now(), is_join ? "join_time" : "leave_time");
    // As stored before too: the windows the segment leaves must be re-derived as well.
    auto recorded = store.record_segment(meeting_id, *segment);
    before = std::move(recorded.before);
    merged = std::move(recorded.merged);
  }
  // Only lessons near the event, and those still waiting for their click, can concern it: a
  // personal meeting id reused for years must not make every event read its whole history.
  auto waiting = store.unstarted_lessons_on_meeting(meeting_id);
  auto nearby = store.lessons_started_on_meeting(meeting_id, t - refresh_window, t + refresh_window);
  auto teaches_in = [](const Segment& s, const Lesson& l) { return is_teacher(s, l.teacher_zoom_email, l.teacher_name); };
  // Who the connection is as stored: a leave may name less than the join it merged with.
  auto teaches = [&](const Lesson& l) { return teaches_in(*merged, l); };
  // The meeting's host is the teacher whatever lesson it is; an email or name needs a lesson.
  bool concerns_teacher = !merged || is_teacher(*merged, "", "") ||
                          std::any_of(nearby.begin(), nearby.end(), teaches) ||
                          std::any_of(waiting.begin(), waiting.end(), teaches);
  // Every lesson whose facts this event changed is re-derived, however far from the event it
  // started: a lesson left stale would keep a row that depends on the order events arrived. A
  // lesson reads only its teacher's connections, so a connection that is not its teacher's,
  // before or after this delivery, changed nothing it reads: most deliveries are students'.
  // Another participant's connection changes a lesson's presence (measured once it has an
  // end) and a booked lesson's start from Zoom; an unbooked lesson still running on a click
  // reads no one but its teacher.
  auto changed = lessons_changed_by(meeting_id, t, before);
  if (merged) {
    std::erase_if(changed, [&](const Lesson& l) {
      bool reads_others = l.ended_at || l.scheduled_at;
      return !teaches(l) && !(before && teaches_in(*before, l)) && !reads_others;
    });
  }
  bool started_one = false;
  for (auto& lesson : changed) lesson = lessons_.refresh(lesson, {"webhook", name});
  // A booked lesson nobody clicked for starts when teacher and student are both in its window.
  for (const auto& lesson : waiting) {
    if (!merged || !may_start_from_zoom(lesson, t, lessons_.options().max_lesson)) continue;
    auto refreshed = lessons_.refresh(lesson, {"webhook", name});
    if (refreshed.started_at) {
      started_one = true;
      changed.push_back(refreshed);
    }
  }
  // Those nearby are settled too, so that an end whose grace has run out becomes final.
  for (auto& near : nearby) {
    auto refreshed = std::find_if(changed.begin(), changed.end(), [&](const Lesson& l) { return l.id == near.id; });
    near = refreshed != changed.end() ? *refreshed : lessons_.settle(near, {"webhook", name});
  }
  auto lesson_id = lesson_for_event(nearby, waiting, t, name == joined);
  if (started_one) {
    for (const auto& lesson : changed) {
      if (lesson.start_source == StartSource::zoom) lesson_id = lesson.id;
    }
    return {"applied", fmt::format("lesson {} started from Zoom: teacher and student both in the meeting", *lesson_id),
            lesson_id};
  }
  if (!concerns_teacher) {
    // Kept as a segment (staff see who attended), but only the teacher's times end a lesson.
    return {"ignored", "participant is not the teacher: segment kept, no lesson changes", lesson_id};
  }
  std::string detail = "recorded";
  for (const auto& lesson : nearby) {
    if (lesson_id && lesson.id == *lesson_id) detail = describe_lesson(lesson);
  }
  if (nearby.empty() && !lesson_id && name == ended) {
    // The end is kept (meeting_ends), but it ended no lesson: unmatched, so that reconcile tries
    // it again when a lesson on this meeting appears, and staff see it did nothing.
    return {"unmatched",
            fmt::format("meeting {} ended with no lesson on it started within a day; end recorded", meeting_id),
            {}};
  }
  if (nearby.empty()) {
    detail = lesson_id ? fmt::format("recorded before lesson {}'s click: used when the student clicks", *lesson_id)
                       : "recorded; no lesson on this meeting started within a day of it";
  }
  return {"applied", detail, lesson_id};
}

const std::vector<std::string>& sendable_zoom_events() {
  static const std::vector<std::string> events{started, ended, joined, left};
  return events;
}

std::string build_zoom_event(const ZoomEventSpec& spec) {
  const auto& events = sendable_zoom_events();
  if (std::find(events.begin(), events.end(), spec.event) == events.end()) {
    throw Error(ErrorCode::invalid_argument, fmt::format("unknown event '{}'", spec.event),
                "use meeting.started, meeting.ended, meeting.participant_joined or meeting.participant_left");
  }
  if (!all_digits(spec.meeting_id) || spec.meeting_id.size() > 20) {
    throw Error(ErrorCode::invalid_argument, fmt::format("--meeting '{}' is not a Zoom meeting number", spec.meeting_id));
  }
  auto when = format_utc(spec.at);
  auto host_id = derived_user_id("host:" + spec.meeting_id);
  nlohmann::ordered_json object;
  object["id"] = spec.meeting_id;
  object["uuid"] = spec.uuid.empty() ? derived_uuid("meeting:" + spec.meeting_id) : spec.uuid;
  object["host_id"] = host_id;
  object["topic"] = spec.topic.empty() ? "Lesson" : spec.topic;
  object["type"] = 2;
  object["start_time"] = when;
  object["timezone"] = "UTC";
  object["duration"] = 60;
  if (spec.event == ended) object["end_time"] = when;
  if (spec.event == joined || spec.event == left) {
    auto name = spec.participant_name.empty() ? (spec.host ? "Teacher" : "Student") : spec.participant_name;
    auto who = fmt::format("{}:{}:{}", spec.meeting_id, spec.host ? "host" : "guest", name);
    nlohmann::ordered_json p;
    p["user_id"] = spec.connection_id.empty() ? derived_connection_id("connection:" + who) : spec.connection_id;
    p["user_name"] = name;
    p["id"] = spec.host ? host_id : "";  // guests who are not signed in have an empty id
    p["participant_uuid"] = derived_user_id("participant:" + who);
    if (spec.event == joined) {
      p["join_time"] = when;
    } else {
      p["leave_time"] = when;
      p["leave_reason"] = spec.leave_reason.empty() ? "left the meeting. Reason : left the meeting"
                                                    : spec.leave_reason;
    }
    p["email"] = spec.participant_email;
    object["participant"] = p;
  }
  nlohmann::ordered_json body;
  body["event"] = spec.event;
  body["event_ts"] = static_cast<int64_t>(spec.at.time_since_epoch().count()) * 1000;
  body["payload"] = {{"account_id", derived_user_id("account")}, {"object", object}};
  return body.dump();
}

}  // namespace zt
