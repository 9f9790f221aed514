#include "core/services/payroll_page.hpp"

#include <algorithm>
#include <charconv>

#include "core/util/error.hpp"
#include "core/util/time_zone.hpp"

namespace zt {
namespace {

std::optional<int64_t> number_cell(const std::string& text) {
  if (text.empty()) return std::nullopt;
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) {
    throw Error(ErrorCode::runtime, "the report gave a number the page cannot read: " + text);
  }
  return value;
}

const char* rounding_name(MinuteRounding rounding) {
  switch (rounding) {
    case MinuteRounding::round: return "round";
    case MinuteRounding::floor: return "floor";
    case MinuteRounding::ceil: return "ceil";
  }
  return "round";
}

PeriodSummary summarise_period(Store& store, const ReportRequest& r) {
  PeriodSummary period;
  period.tz = r.tz;
  if (r.from) period.from_date = to_local(*r.from, r.tz).date;
  // The selection ends before `to`: the last day shown is the one holding its last second.
  if (r.to) period.to_date = to_local(*r.to - Seconds{1}, r.tz).date;
  auto from = r.from.value_or(TimePoint{});
  auto to = r.to.value_or(TimePoint{std::chrono::sys_days{std::chrono::year{9999} / 1 / 1}});
  period.closed = store.closed_periods_overlapping(from, to);
  period.exactly_closed = period.closed.size() == 1 && r.from && r.to && period.closed.front().from == *r.from &&
                          period.closed.front().to == *r.to;
  return period;
}

// Links created in the period that nobody opened before they expired: not payroll, so not in the
// report's rows, but a director asks about them.
int64_t count_no_shows(Store& store, const ReportRequest& r) {
  LessonFilter filter;
  filter.statuses = {LessonStatus::expired};
  filter.teacher = r.teacher;
  filter.student = r.student;
  filter.from = r.from;
  filter.to = r.to;
  filter.without_links = true;
  int64_t count = 0;
  store.for_each_lesson(filter, [&](const Lesson&) { ++count; });
  return count;
}

}  // namespace

void PayTotals::add(const PageRow& row) {
  if (row.adjustment) {
    ++adjustments;
    adjustment_minutes += row.minutes.value_or(0);
  } else {
    ++lessons;
    if (row.status == "needs_review") ++needs_review;
    if (row.status == "active") ++running;
  }
  paid_s += row.paid_s.value_or(0);
  minutes += row.minutes.value_or(0);
}

void add_report_row(PayrollPage& page, const PageRow& row) {
  page.totals.add(row);
  page.by_teacher[row.teacher].add(row);
  page.by_day[row.date].add(row);
  if (row.adjustment) {
    page.adjustments.push_back(row);
    return;
  }
  if (row.student_late_s) page.student_late_s.push_back(*row.student_late_s);
  if (row.teacher_late_s) page.teacher_late_s.push_back(*row.teacher_late_s);
  if (row.status == "needs_review") page.needing_review.push_back(row);
  if (page.statement()) page.lessons.push_back(row);
}

void PayrollPageSink::columns(const std::vector<std::string>& names, const std::vector<bool>&) { names_ = names; }

const std::string& PayrollPageSink::cell(const std::vector<std::string>& cells, const std::string& column) const {
  auto at = std::find(names_.begin(), names_.end(), column);
  if (at == names_.end() || static_cast<size_t>(at - names_.begin()) >= cells.size()) {
    throw Error(ErrorCode::runtime, "the report has no column " + column + " for the page");
  }
  return cells[static_cast<size_t>(at - names_.begin())];
}

void PayrollPageSink::row(const std::vector<std::string>& cells) {
  PageRow row;
  row.lesson_id = number_cell(cell(cells, "id")).value_or(0);
  row.teacher = cell(cells, "teacher");
  row.student = cell(cells, "student");
  row.date = cell(cells, "date");
  row.start_local = cell(cells, "start_local");
  row.end_local = cell(cells, "end_local");
  row.start_utc = cell(cells, "start_utc");
  row.status = cell(cells, "status");
  row.end_source = cell(cells, "end_source");
  // What payroll pays: paid_s under the school's policy, and minutes rounded from it.
  row.paid_s = number_cell(cell(cells, "paid_s"));
  row.minutes = number_cell(cell(cells, "minutes"));
  row.student_late_s = number_cell(cell(cells, "late_s"));
  row.teacher_late_s = number_cell(cell(cells, "teacher_late_s"));
  row.pay_basis = cell(cells, "pay_basis");
  row.pay_note = cell(cells, "pay_note");
  row.adjustment = cell(cells, "kind") == "adjustment";
  add_report_row(page_, row);
}

PayrollPage build_payroll_page(Store& store, const ReportRequest& request, TimePoint now) {
  ReportRequest lessons = request;
  lessons.by = ReportGrouping::lesson;
  PayrollPage page;
  page.teacher = request.teacher;
  page.student = request.student;
  page.minutes_rule = rounding_name(request.rounding);
  page.generated_at = format_utc(now);
  PayrollPageSink sink(page);
  write_report(store, lessons, sink);  // validates the zone and the range first
  page.period = summarise_period(store, request);
  page.no_shows = count_no_shows(store, request);
  std::stable_sort(page.needing_review.begin(), page.needing_review.end(),
                   [](const PageRow& a, const PageRow& b) { return a.teacher < b.teacher; });
  return page;
}

}  // namespace zt
