#pragma once
// Payroll rows. Computed once here; the CLI renders them as a table, CSV or JSON.
#include <optional>
#include <string>
#include <vector>

#include "core/rules/lesson_rules.hpp"
#include "core/store/store.hpp"
#include "core/util/table.hpp"

namespace zt {

enum class ReportGrouping { lesson, teacher, student, day };
ReportGrouping parse_report_grouping(const std::string& text);

struct ReportRequest {
  std::optional<TimePoint> from;  // a lesson belongs to the period of its start
  std::optional<TimePoint> to;
  std::string teacher;  // only this teacher's lessons, when given
  std::string student;  // only this student's lessons, when given
  ReportGrouping by = ReportGrouping::lesson;
  std::string tz = "UTC";
  MinuteRounding rounding = MinuteRounding::round;
  PayPolicy policy;  // for lessons no closed period holds (those pay what the period froze)
};

// For --by teacher, student and day every row is a group's total. `total` sums all rows (paid
// minutes add up per lesson, so it can be checked line by line); it is for people: the text
// table prints it last, CSV and JSON never carry it, so that every data row is one record.
struct Report {
  Table table;
  std::vector<std::string> total;
};

// Streams the report's rows into `rows` as the lessons are read (--by lesson) or once their
// groups are summed (the other groupings, whose state is one total per group); returns the total.
std::vector<std::string> write_report(Store& store, const ReportRequest& request, RowSink& rows);
// The same, collected.
Report build_report(Store& store, const ReportRequest& request);

}  // namespace zt
