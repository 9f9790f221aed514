#include "core/report.hpp"

#include <map>
#include <tuple>

#include "core/error.hpp"
#include "core/time_zone.hpp"

namespace zt {
namespace {

// Lessons that are cancelled or never began are not payroll; everything else is listed, and only
// lessons with a settled end are paid.
bool is_listed(const Lesson& l) { return l.started_at && l.status != LessonStatus::void_; }

bool is_paid(const Lesson& l) {
  return (l.status == LessonStatus::ended || l.status == LessonStatus::final) && l.duration_s();
}

struct Totals {
  int64_t lessons = 0;
  int64_t seconds = 0;
  int64_t minutes = 0;
  int64_t needs_review = 0;

  void add(const Lesson& l, MinuteRounding rounding) {
    ++lessons;
    if (l.status == LessonStatus::needs_review) ++needs_review;
    if (!is_paid(l)) return;
    seconds += *l.duration_s();
    // Totals add up the per-lesson minutes, so every total can be checked line by line.
    minutes += minutes_for(*l.duration_s(), rounding);
  }
};

std::vector<std::string> lesson_row(const Lesson& l, const ReportRequest& r) {
  auto start = to_local(*l.started_at, r.tz);
  auto end_local = l.ended_at ? to_local(*l.ended_at, r.tz).iso : "";
  bool paid = is_paid(l);
  return {std::to_string(l.id),
          l.teacher,
          l.student,
          start.date,
          start.iso,
          end_local,
          format_utc(*l.started_at),
          format_utc(l.ended_at),
          l.end_source ? to_string(*l.end_source) : "",
          to_string(l.status),
          paid ? std::to_string(*l.duration_s()) : "",
          paid ? std::to_string(minutes_for(*l.duration_s(), r.rounding)) : ""};
}

Totals totals_of(const std::vector<Lesson>& lessons, MinuteRounding rounding) {
  Totals all;
  for (const auto& l : lessons) all.add(l, rounding);
  return all;
}

Report by_lesson(const std::vector<Lesson>& lessons, const ReportRequest& r) {
  Table t{{"id", "teacher", "student", "date", "start_local", "end_local", "start_utc",
                 "end_utc", "end_source", "status", "duration_s", "minutes"},
                {true, false, false, false, false, false, false, false, false, false, true, true},
                {}};
  for (const auto& l : lessons) t.rows.push_back(lesson_row(l, r));
  auto all = totals_of(lessons, r.rounding);
  return {t, {"TOTAL", "", "", "", "", "", "", "", "", "", std::to_string(all.seconds),
             std::to_string(all.minutes)}};
}

std::vector<std::string> person_row(const std::string& name, const Totals& totals) {
  return {name, std::to_string(totals.lessons), std::to_string(totals.seconds),
          std::to_string(totals.minutes), std::to_string(totals.needs_review)};
}

Report by_person(const std::vector<Lesson>& lessons, const ReportRequest& r, bool teacher) {
  std::map<std::string, Totals> groups;
  for (const auto& l : lessons) groups[teacher ? l.teacher : l.student].add(l, r.rounding);
  Table t{{teacher ? "teacher" : "student", "lessons", "duration_s", "minutes", "needs_review"},
                {false, true, true, true, true},
                {}};
  for (const auto& [name, totals] : groups) t.rows.push_back(person_row(name, totals));
  return {t, person_row("TOTAL", totals_of(lessons, r.rounding))};
}

Report by_day(const std::vector<Lesson>& lessons, const ReportRequest& r) {
  std::map<std::tuple<std::string, std::string>, Totals> groups;
  for (const auto& l : lessons) {
    groups[{to_local(*l.started_at, r.tz).date, l.teacher}].add(l, r.rounding);
  }
  Table t{{"date", "teacher", "lessons", "duration_s", "minutes"},
                {false, false, true, true, true},
                {}};
  auto row = [](const std::string& date, const std::string& teacher, const Totals& totals) {
    return std::vector<std::string>{date, teacher, std::to_string(totals.lessons),
                                    std::to_string(totals.seconds), std::to_string(totals.minutes)};
  };
  for (const auto& [key, totals] : groups) t.rows.push_back(row(std::get<0>(key), std::get<1>(key), totals));
  return {t, row("TOTAL", "", totals_of(lessons, r.rounding))};
}

}  // namespace

ReportGrouping parse_report_grouping(const std::string& text) {
  if (text == "lesson") return ReportGrouping::lesson;
  if (text == "teacher") return ReportGrouping::teacher;
  if (text == "student") return ReportGrouping::student;
  if (text == "day") return ReportGrouping::day;
  throw Error(ErrorCode::invalid_argument, "--by must be lesson, teacher, student or day");
}

Report build_report(Store& store, const ReportRequest& r) {
  check_time_zone(r.tz);
  auto from = r.from.value_or(TimePoint{});
  auto to = r.to.value_or(TimePoint{std::chrono::sys_days{std::chrono::year{9999} / 1 / 1}});
  if (from >= to) throw Error(ErrorCode::invalid_argument, "--from must be before --to");
  std::vector<Lesson> lessons;
  for (auto& l : store.lessons_started_between(from, to)) {
    if (is_listed(l)) lessons.push_back(std::move(l));
  }
  switch (r.by) {
    case ReportGrouping::lesson: return by_lesson(lessons, r);
    case ReportGrouping::teacher: return by_person(lessons, r, true);
    case ReportGrouping::student: return by_person(lessons, r, false);
    case ReportGrouping::day: return by_day(lessons, r);
  }
  return {};
}

}  // namespace zt
