#include "core/rules/lesson.hpp"

#include <fmt/format.h>

#include <array>
#include <nlohmann/json.hpp>
#include <utility>

#include "core/util/error.hpp"
#include "core/rules/lesson_rules.hpp"
#include "core/rules/zoom_url.hpp"

namespace zt {
namespace {

constexpr std::array<std::pair<LessonStatus, const char*>, 8> status_names{{
    {LessonStatus::created, "created"},
    {LessonStatus::active, "active"},
    {LessonStatus::ended, "ended"},
    {LessonStatus::final, "final"},
    {LessonStatus::expired, "expired"},
    {LessonStatus::needs_review, "needs_review"},
    {LessonStatus::void_, "void"},
    {LessonStatus::no_show, "no_show"},
}};

constexpr std::array<std::pair<StartSource, const char*>, 3> start_source_names{{
    {StartSource::click, "click"},
    {StartSource::zoom, "zoom"},
    {StartSource::manual, "manual"},
}};

constexpr std::array<std::pair<EndSource, const char*>, 5> source_names{{
    {EndSource::webhook, "webhook"},
    {EndSource::zoom_api, "zoom_api"},
    {EndSource::leave_url, "leave_url"},
    {EndSource::manual, "manual"},
    {EndSource::handover, "handover"},
}};

nlohmann::json time_or_null(const std::optional<TimePoint>& t) {
  return t ? nlohmann::json(format_utc(*t)) : nlohmann::json(nullptr);
}

nlohmann::json number_or_null(const std::optional<int64_t>& n) { return n ? nlohmann::json(*n) : nlohmann::json(nullptr); }

}  // namespace

const char* to_string(LessonStatus status) {
  for (auto [value, name] : status_names) {
    if (value == status) return name;
  }
  return "?";
}

const char* to_string(EndSource source) {
  for (auto [value, name] : source_names) {
    if (value == source) return name;
  }
  return "?";
}

LessonStatus parse_lesson_status(const std::string& text) {
  for (auto [value, name] : status_names) {
    if (text == name) return value;
  }
  throw Error(ErrorCode::invalid_argument, fmt::format("unknown status '{}'", text),
              "use created, active, ended, final, expired, needs_review, void or no_show");
}

const char* to_string(StartSource source) {
  for (auto [value, name] : start_source_names) {
    if (value == source) return name;
  }
  return "?";
}

StartSource parse_start_source(const std::string& text) {
  for (auto [value, name] : start_source_names) {
    if (text == name) return value;
  }
  throw Error(ErrorCode::invalid_argument, fmt::format("unknown start source '{}'", text));
}

EndSource parse_end_source(const std::string& text) {
  for (auto [value, name] : source_names) {
    if (text == name) return value;
  }
  throw Error(ErrorCode::invalid_argument, fmt::format("unknown end source '{}'", text));
}

std::string Lesson::tracking_url() const { return base_url + "/t/" + track_token; }

std::string Lesson::checkout_url() const { return base_url + "/leave/" + leave_token; }

std::string Lesson::teacher_url() const {
  return with_query_param(zoom_url, "leave_url", checkout_url());
}

std::string Lesson::student_join_url(bool name_tag) const {
  if (!name_tag) return zoom_url;
  auto name = student_name.empty() ? student : student_name;
  return with_query_param(zoom_url, "uname", name + " " + zoom_name_tag(id));
}

std::optional<int64_t> Lesson::duration_s() const {
  if (!started_at || !ended_at) return std::nullopt;
  return duration_seconds(*started_at, *ended_at);
}

void to_json(nlohmann::json& j, const Lesson& lesson) {
  auto duration = lesson.duration_s();
  j = {
      {"id", lesson.id},
      {"status", to_string(lesson.status)},
      {"teacher", lesson.teacher},
      {"teacher_name", lesson.teacher_name},
      {"student", lesson.student},
      {"student_name", lesson.student_name},
      {"zoom_url", lesson.zoom_url},
      {"meeting_id", lesson.meeting_id},
      {"tracking_url", lesson.tracking_url()},
      {"teacher_url", lesson.teacher_url()},
      {"checkout_url", lesson.checkout_url()},
      {"created_at", format_utc(lesson.created_at)},
      {"started_at", time_or_null(lesson.started_at)},
      {"ended_at", time_or_null(lesson.ended_at)},
      {"end_source", lesson.end_source ? nlohmann::json(to_string(*lesson.end_source)) : nullptr},
      {"duration_s", duration ? nlohmann::json(*duration) : nullptr},
      {"expires_at", time_or_null(lesson.expires_at)},
      {"scheduled_at", time_or_null(lesson.scheduled_at)},
      {"ref", lesson.ref.empty() ? nlohmann::json(nullptr) : nlohmann::json(lesson.ref)},
      {"student_zoom_email", lesson.student_zoom_email},
      {"length_s", number_or_null(lesson.length_s)},
      {"start_source", lesson.start_source ? nlohmann::json(to_string(*lesson.start_source)) : nullptr},
      {"presence", lesson.presence.kind.empty() ? "none" : lesson.presence.kind},
      {"teacher_present_s", number_or_null(lesson.presence.teacher_present_s)},
      {"together_s", number_or_null(lesson.presence.together_s)},
      {"teacher_late_s", number_or_null(lesson.presence.teacher_late_s)},
  };
}

void to_json(nlohmann::json& j, const Click& click) {
  j = {{"at", format_utc(click.at)},  {"ip", click.ip},         {"user_agent", click.user_agent},
       {"kind", click.kind},          {"method", click.method}};
}

void to_json(nlohmann::json& j, const EndSignal& signal) {
  j = {{"source", to_string(signal.source)},
       {"at", format_utc(signal.at)},
       {"received_at", format_utc(signal.received_at)},
       {"forced", signal.forced},
       {"detail", signal.detail}};
}

void to_json(nlohmann::json& j, const Segment& segment) {
  j = {{"source", segment.source},
       {"meeting_uuid", segment.meeting_uuid},
       {"name", segment.name},
       {"email", segment.email},
       {"is_host", segment.is_host},
       {"join_time", time_or_null(segment.join_time)},
       {"leave_time", time_or_null(segment.leave_time)},
       {"leave_reason", segment.leave_reason}};
}

void to_json(nlohmann::json& j, const AuditEntry& entry) {
  j = {{"at", format_utc(entry.at)},        {"who", entry.who},
       {"source", entry.source},            {"action", entry.action},
       {"old_value", entry.old_value},      {"new_value", entry.new_value},
       {"reason", entry.reason}};
}

void to_json(nlohmann::json& j, const WebhookEventRecord& event) {
  j = {{"id", event.id},
       {"received_at", format_utc(event.received_at)},
       {"event", event.event},
       {"event_ts", event.event_ts},
       {"meeting_id", event.meeting_id},
       {"meeting_uuid", event.meeting_uuid},
       {"outcome", event.outcome},
       {"detail", event.detail},
       {"lesson_id", event.lesson_id ? nlohmann::json(*event.lesson_id) : nullptr}};
}

}  // namespace zt
