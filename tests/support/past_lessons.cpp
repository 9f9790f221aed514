#include "support/past_lessons.hpp"
#include "support/postgres.hpp"
#include "support/clicks.hpp"

#include <chrono>

namespace zt::test {

PastLessons::PastLessons(const std::string& db)
    : store(database_for(db)), service(store, clock, ServiceOptions{"https://lessons.example.org", default_grace, std::chrono::days{7}}) {}

int64_t PastLessons::held(const PastLesson& what, const std::string& start, const std::string& end,
                          const std::string& scheduled_at) {
  auto at = parse_time_arg(start);
  clock.set(at - std::chrono::hours(1));
  NewLesson n;
  n.teacher = what.teacher;
  n.student = what.student;
  n.zoom_url = what.zoom_url;
  n.teacher_name = what.teacher_name;
  n.teacher_zoom_email = what.teacher_zoom_email;
  n.student_zoom_email = what.student_zoom_email;
  n.length = what.length;
  if (!scheduled_at.empty()) n.scheduled_at = parse_time_arg(scheduled_at);
  auto lesson = service.create_lessons({n}, {.allow_duplicate = true}).front().lesson;
  clock.set(at);
  service.record_click(lesson.track_token, person_click());
  if (!end.empty()) {
    clock.set(parse_time_arg(end));
    service.record_leave(lesson.leave_token);
  }
  return lesson.id;
}

int64_t PastLessons::needing_review(const PastLesson& what, const std::string& start) {
  auto id = held(what, start);
  store.write([&] { service.set_status(service.get(id), LessonStatus::needs_review, {"reconcile", "test"}); });
  return id;
}

std::string minutes_from_now(int minutes) {
  auto now = std::chrono::time_point_cast<Seconds>(std::chrono::system_clock::now());
  return format_utc(now + std::chrono::minutes(minutes));
}

}  // namespace zt::test
