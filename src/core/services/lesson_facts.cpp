// LessonService: what a lesson's facts are. Its start (a click, Zoom, or staff), its teacher's and
// student's connections in its window, and the no-show rule's view of a lesson nobody started;
// lesson_rules decides what they mean.
#include <algorithm>

#include "core/services/lesson_service.hpp"

namespace zt {

std::vector<Segment> LessonService::teacher_between(const Lesson& lesson, TimePoint from,
                                                    const std::optional<TimePoint>& to) {
  std::vector<Segment> teacher;
  for (auto& segment : store_.teacher_segments_between(lesson.meeting_id, from, to, lesson.teacher_zoom_email,
                                                       lesson.teacher_name)) {
    // The store found them through indexes; the rule that decides stays is_teacher.
    if (is_teacher(segment, lesson.teacher_zoom_email, lesson.teacher_name)) {
      segment.is_host = true;
      teacher.push_back(std::move(segment));
    }
  }
  return teacher;
}

std::vector<Segment> LessonService::others_between(const Lesson& lesson, TimePoint from,
                                                   const std::optional<TimePoint>& to) {
  auto segments = store_.segments_between(lesson.meeting_id, from, to);
  std::erase_if(segments, [&](const Segment& s) { return is_teacher(s, lesson.teacher_zoom_email, lesson.teacher_name); });
  return segments;
}

std::pair<TimePoint, TimePoint> LessonService::zoom_window(const Lesson& lesson) {
  auto from = *lesson.scheduled_at - presence_lead;
  // The window closes when the next booked lesson's opens, and a lesson is never longer than
  // max_lesson: a student who joins later is someone else's.
  auto until = *lesson.scheduled_at + options_.max_lesson;
  if (auto next = store_.next_scheduled_on_meeting(lesson)) until = std::min(until, *next - presence_lead);
  return {from, until};
}

std::optional<TimePoint> LessonService::zoom_start_of(const Lesson& lesson, const std::optional<TimePoint>& click) {
  if (!lesson.scheduled_at) return std::nullopt;
  auto [from, until] = zoom_window(lesson);
  if (click) until = std::min(until, *click);
  if (until <= from) return std::nullopt;
  auto students = student_segments(others_between(lesson, from, until), lesson.id, lesson.student_zoom_email, from);
  if (students.segments.empty()) return std::nullopt;  // most lessons: spare the teacher's lookup
  return zoom_start(teacher_between(lesson, from, until), students.segments, from, until);
}

LessonFacts LessonService::facts_for(const Lesson& lesson) {
  LessonFacts facts;
  auto click = store_.first_real_click(lesson.id);
  auto corrections = store_.start_signals_for(lesson.id);
  auto zoom = corrections.empty() ? zoom_start_of(lesson, click) : std::nullopt;
  auto start = resolve_start(click, corrections, zoom);
  facts.start = start.at;
  facts.start_source = start.source;
  facts.scheduled_at = lesson.scheduled_at;
  if (!facts.start) return facts;
  Lesson started = lesson;
  started.started_at = facts.start;
  facts.next_start = store_.next_start_on_meeting(started);
  // Presence is read from the window's opening; the end rules look from the start only.
  auto window_from = lesson.scheduled_at ? std::min(*facts.start, *lesson.scheduled_at - presence_lead) : *facts.start;
  facts.teacher_segments = teacher_between(lesson, window_from, facts.next_start);
  // A lesson without a next one on its meeting still ends within 2 × max_lesson (or needs review).
  auto presence_to = facts.next_start.value_or(*facts.start + 2 * options_.max_lesson);
  auto students = student_segments(others_between(lesson, window_from, presence_to), lesson.id,
                                   lesson.student_zoom_email, window_from);
  facts.student_segments = std::move(students.segments);
  facts.student_identified = students.identified;
  facts.meeting_ends = store_.meeting_ends_between(lesson.meeting_id, *facts.start, facts.next_start);
  facts.signals = store_.end_signals_for(lesson.id);
  return facts;
}

PayPolicy LessonService::policy_for(int64_t lesson_id) {
  if (auto lock = store_.lock_of(lesson_id)) {
    if (!lock->pay_policy.empty()) return parse_pay_policy(lock->pay_policy);
    return PayPolicy{};  // locked before policies existed: the seed's formula
  }
  return options_.pay_policy;
}

std::optional<LessonService::TeacherWait> LessonService::teacher_wait(const Lesson& lesson) {
  if (!lesson.scheduled_at || lesson.started_at || store_.first_real_click(lesson.id)) return std::nullopt;
  auto [from, until] = zoom_window(lesson);
  auto now = clock_.now();
  auto students = student_segments(others_between(lesson, from, until), lesson.id, lesson.student_zoom_email, from);
  if (!students.segments.empty()) return std::nullopt;
  auto teacher = teacher_between(lesson, from, until);
  TeacherWait wait;
  wait.waited_s = presence_seconds(teacher, from, std::min(until, now));
  wait.still_in = std::any_of(teacher.begin(), teacher.end(), [](const Segment& s) { return !s.leave_time; });
  wait.window_over = now >= until;
  return wait;
}

Lesson LessonService::set_no_show(const Lesson& lesson, int64_t waited_s, const Cause& cause) {
  LessonState next = state_of(lesson);
  next.status = LessonStatus::no_show;
  next.presence = Presence{};
  next.presence.teacher_present_s = waited_s;
  return apply_state(lesson, next, cause);
}

}  // namespace zt
