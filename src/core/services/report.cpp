#include "core/services/report.hpp"

#include <functional>
#include <map>
#include <tuple>

#include "core/util/error.hpp"
#include "core/util/time_zone.hpp"

namespace zt {
namespace {

// Lessons that are cancelled or never began are not payroll (the store leaves them out); every
// other lesson is listed, and pay_of says what each pays: a lesson a closed period holds pays
// what the period froze, whatever the report's policy.
Pay pay_for(const ReportLesson& row, const ReportRequest& r) {
  return row.locked_pay ? *row.locked_pay : pay_of(row.lesson, r.policy);
}

std::string number_cell(const std::optional<int64_t>& n) { return n ? std::to_string(*n) : ""; }

// An adjustment's minutes are the change in the lesson's paid minutes, so that minutes still add
// up per lesson across periods.
int64_t adjustment_minutes(const Adjustment& a, MinuteRounding rounding) {
  return minutes_for(a.new_paid_s, rounding) - minutes_for(a.old_paid_s, rounding);
}

// Adjustments are paid where they fall, under the report's own teacher and student filters.
bool wanted(const Adjustment& a, const ReportRequest& r) {
  return (r.teacher.empty() || a.teacher == r.teacher) && (r.student.empty() || a.student == r.student);
}

struct Totals {
  int64_t lessons = 0;
  int64_t seconds = 0;  // the lessons' durations (end − start)
  int64_t paid = 0;     // what they pay
  int64_t minutes = 0;  // of what they pay
  int64_t needs_review = 0;
  int64_t running = 0;  // active: started, no end yet, so nothing to pay so far

  void add(const Lesson& l, const Pay& pay, MinuteRounding rounding) {
    ++lessons;
    if (l.status == LessonStatus::needs_review) ++needs_review;
    if (l.status == LessonStatus::active) ++running;
    if (!pay.paid_s) return;
    if (auto duration = paid_seconds(l)) seconds += *duration;
    paid += *pay.paid_s;
    // Totals add up the per-lesson minutes, so every total can be checked line by line.
    minutes += minutes_for(*pay.paid_s, rounding);
  }
  // An adjustment adds its signed change to the paid totals; it is not a lesson.
  void add(const Adjustment& a, MinuteRounding rounding) {
    seconds += a.delta_s();
    paid += a.delta_s();
    minutes += adjustment_minutes(a, rounding);
  }
};

// The student's lateness: first real click − scheduled time (negative when early); empty when
// the lesson had no scheduled time or no click (a start set by staff is not the student's click).
std::string late_cell(const ReportLesson& row) {
  const auto& l = row.lesson;
  if (!l.scheduled_at || !row.first_real_click) return "";
  return std::to_string((*row.first_real_click - *l.scheduled_at).count());
}

std::vector<std::string> lesson_row(const ReportLesson& row, const Pay& pay, const ReportRequest& r) {
  const auto& l = row.lesson;
  auto start = to_local(*l.started_at, r.tz);
  auto end_local = l.ended_at ? to_local(*l.ended_at, r.tz).iso : "";
  auto duration = pay.paid_s ? paid_seconds(l) : std::nullopt;
  const auto& p = l.presence;
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
          number_cell(duration),
          pay.paid_s ? std::to_string(minutes_for(*pay.paid_s, r.rounding)) : "",
          l.scheduled_at ? to_local(*l.scheduled_at, r.tz).iso : "",
          late_cell(row),
          "lesson",
          number_cell(pay.paid_s),
          pay.paid_s ? to_string(pay.basis) : "",
          pay.note,
          l.start_source ? to_string(*l.start_source) : "",
          number_cell(p.teacher_present_s),
          number_cell(p.together_s),
          number_cell(p.teacher_late_s),
          number_cell(l.length_s)};
}

// The lesson as the adjustment left it; duration_s and minutes are the signed change, paid here.
std::vector<std::string> adjustment_row(const Adjustment& a, const ReportRequest& r) {
  auto local = [&](const std::optional<TimePoint>& t) { return t ? to_local(*t, r.tz).iso : ""; };
  return {std::to_string(a.lesson_id),
          a.teacher,
          a.student,
          to_local(a.at, r.tz).date,
          local(a.started_at),
          local(a.ended_at),
          format_utc(a.started_at),
          format_utc(a.ended_at),
          a.end_source ? to_string(*a.end_source) : "",
          to_string(a.status),
          std::to_string(a.delta_s()),
          std::to_string(adjustment_minutes(a, r.rounding)),
          "",
          "",
          "adjustment",
          std::to_string(a.delta_s()),
          "",
          "",
          "",
          "",
          "",
          "",
          ""};
}

// Each adjustment paid in [from, to) that the report's filters take.
void for_each_adjustment(Store& store, TimePoint from, TimePoint to, const ReportRequest& r,
                         const std::function<void(const Adjustment&)>& visit) {
  store.for_each_adjustment_between(from, to, [&](const Adjustment& a) {
    if (wanted(a, r)) visit(a);
  });
}

const std::vector<std::string> lesson_columns{
    "id",         "teacher",       "student",  "date",     "start_local",  "end_local",         "start_utc",
    "end_utc",    "end_source",    "status",   "duration_s", "minutes",    "scheduled_local",   "late_s",
    "kind",       "paid_s",        "pay_basis", "pay_note", "start_source", "teacher_present_s", "together_s",
    "teacher_late_s", "length_s"};
const std::vector<bool> lesson_numeric{true,  false, false, false, false, false, false, false,
                                       false, false, true,  true,  false, true,  false, true,
                                       false, false, false, true,  true,  true,  true};

ReportFilter filter_for(TimePoint from, TimePoint to, const ReportRequest& r) {
  return {from, to, r.teacher, r.student, r.by == ReportGrouping::lesson};
}

std::vector<std::string> by_lesson(Store& store, TimePoint from, TimePoint to, const ReportRequest& r,
                                   RowSink& rows) {
  rows.columns(lesson_columns, lesson_numeric);
  Totals all;
  store.for_each_report_lesson(filter_for(from, to, r), [&](const ReportLesson& row) {
    auto pay = pay_for(row, r);
    all.add(row.lesson, pay, r.rounding);
    rows.row(lesson_row(row, pay, r));
  });
  for_each_adjustment(store, from, to, r, [&](const Adjustment& a) {
    all.add(a, r.rounding);
    rows.row(adjustment_row(a, r));
  });
  return {"TOTAL", "", "", "", "", "", "", "", "", "", std::to_string(all.seconds), std::to_string(all.minutes),
          "", "", "", std::to_string(all.paid), "", "", "", "", "", "", ""};
}

std::vector<std::string> person_row(const std::string& name, const Totals& totals) {
  return {name,
          std::to_string(totals.lessons),
          std::to_string(totals.seconds),
          std::to_string(totals.minutes),
          std::to_string(totals.needs_review),
          std::to_string(totals.running),
          std::to_string(totals.paid)};
}

std::vector<std::string> by_person(Store& store, TimePoint from, TimePoint to, const ReportRequest& r,
                                   RowSink& rows, bool teacher) {
  std::map<std::string, Totals> groups;
  Totals all;
  store.for_each_report_lesson(filter_for(from, to, r), [&](const ReportLesson& row) {
    const auto& l = row.lesson;
    auto pay = pay_for(row, r);
    groups[teacher ? l.teacher : l.student].add(l, pay, r.rounding);
    all.add(l, pay, r.rounding);
  });
  for_each_adjustment(store, from, to, r, [&](const Adjustment& a) {
    groups[teacher ? a.teacher : a.student].add(a, r.rounding);
    all.add(a, r.rounding);
  });
  rows.columns({teacher ? "teacher" : "student", "lessons", "duration_s", "minutes", "needs_review", "running", "paid_s"},
               {false, true, true, true, true, true, true});
  for (const auto& [name, totals] : groups) rows.row(person_row(name, totals));
  return person_row("TOTAL", all);
}

std::vector<std::string> day_row(const std::string& date, const std::string& teacher, const Totals& totals) {
  return {date,
          teacher,
          std::to_string(totals.lessons),
          std::to_string(totals.seconds),
          std::to_string(totals.minutes),
          std::to_string(totals.needs_review),
          std::to_string(totals.running),
          std::to_string(totals.paid)};
}

std::vector<std::string> by_day(Store& store, TimePoint from, TimePoint to, const ReportRequest& r, RowSink& rows) {
  std::map<std::tuple<std::string, std::string>, Totals> groups;
  Totals all;
  // The day is the calendar date, in --tz, of the lesson's start (its student's first real
  // click): a lesson across midnight belongs wholly to the day it started.
  store.for_each_report_lesson(filter_for(from, to, r), [&](const ReportLesson& row) {
    const auto& l = row.lesson;
    auto pay = pay_for(row, r);
    groups[{to_local(*l.started_at, r.tz).date, l.teacher}].add(l, pay, r.rounding);
    all.add(l, pay, r.rounding);
  });
  // An adjustment counts on the day it is paid.
  for_each_adjustment(store, from, to, r, [&](const Adjustment& a) {
    groups[{to_local(a.at, r.tz).date, a.teacher}].add(a, r.rounding);
    all.add(a, r.rounding);
  });
  rows.columns({"date", "teacher", "lessons", "duration_s", "minutes", "needs_review", "running", "paid_s"},
               {false, false, true, true, true, true, true, true});
  for (const auto& [key, totals] : groups) rows.row(day_row(std::get<0>(key), std::get<1>(key), totals));
  return day_row("TOTAL", "", all);
}

}  // namespace

ReportGrouping parse_report_grouping(const std::string& text) {
  if (text == "lesson") return ReportGrouping::lesson;
  if (text == "teacher") return ReportGrouping::teacher;
  if (text == "student") return ReportGrouping::student;
  if (text == "day") return ReportGrouping::day;
  throw Error(ErrorCode::invalid_argument, "--by must be lesson, teacher, student or day");
}

std::vector<std::string> write_report(Store& store, const ReportRequest& r, RowSink& rows) {
  check_time_zone(r.tz);
  auto from = r.from.value_or(TimePoint{});
  auto to = r.to.value_or(TimePoint{std::chrono::sys_days{std::chrono::year{9999} / 1 / 1}});
  if (from >= to) throw Error(ErrorCode::invalid_argument, "--from must be before --to");
  switch (r.by) {
    case ReportGrouping::lesson: return by_lesson(store, from, to, r, rows);
    case ReportGrouping::teacher: return by_person(store, from, to, r, rows, true);
    case ReportGrouping::student: return by_person(store, from, to, r, rows, false);
    case ReportGrouping::day: return by_day(store, from, to, r, rows);
  }
  return {};
}

Report build_report(Store& store, const ReportRequest& r) {
  TableSink rows;
  auto total = write_report(store, r, rows);
  return {std::move(rows.table), std::move(total)};
}

}  // namespace zt
