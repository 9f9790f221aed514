#pragma once
// The payroll page (`report --html`): the report's --by lesson rows folded into a page model,
// rendered as one self-contained HTML file (inline CSS and SVG, no script, nothing fetched).
// Every figure comes from the same rows as the CSV of the same selection.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/rules/pay_period.hpp"
#include "core/services/report.hpp"
#include "core/util/table.hpp"

namespace zt {

// One --by lesson report row (kind lesson or adjustment), its cells parsed.
struct PageRow {
  int64_t lesson_id = 0;
  std::string teacher, student;
  std::string date;  // local, in --tz: the lesson's start, or the day an adjustment is paid
  std::string start_local, end_local, start_utc;
  std::string status, end_source;
  std::optional<int64_t> paid_s;   // empty: not paid (needs review, still running)
  std::optional<int64_t> minutes;  // as rounded by --minutes; for an adjustment the signed change
  std::optional<int64_t> student_late_s;
  std::optional<int64_t> teacher_late_s;
  std::string pay_basis, pay_note;  // the policy's basis and the rules that changed the figure
  bool adjustment = false;
};

struct PayTotals {
  int64_t lessons = 0;
  int64_t paid_s = 0;
  int64_t minutes = 0;  // lessons and adjustments: the CSV's minutes summed
  int64_t needs_review = 0;
  int64_t running = 0;
  int64_t adjustments = 0;
  int64_t adjustment_minutes = 0;

  void add(const PageRow& row);
};

// The selected period, and what pay periods closed over it.
struct PeriodSummary {
  std::string from_date;  // local dates in tz, both included; empty when the side is open
  std::string to_date;
  std::string tz;
  std::vector<PayPeriod> closed;  // closed pay periods overlapping the selection
  bool exactly_closed = false;    // the selection is one closed period, exactly
};

struct PayrollPage {
  PeriodSummary period;
  std::string teacher;  // set: the page is this teacher's statement
  std::string student;  // set: only this student's lessons
  std::string minutes_rule = "round";
  std::string generated_at;  // UTC
  PayTotals totals;
  int64_t no_shows = 0;  // links never opened before they expired, created in the period
  std::map<std::string, PayTotals> by_teacher;
  std::map<std::string, PayTotals> by_day;
  std::vector<int64_t> student_late_s;
  std::vector<int64_t> teacher_late_s;
  std::vector<PageRow> needing_review;  // by teacher, then start
  std::vector<PageRow> adjustments;
  std::vector<PageRow> lessons;  // every lesson row: kept for a statement only

  bool statement() const { return !teacher.empty(); }
};

// The one place where report rows become page figures: when the report grows columns (paid
// minutes after a pay policy, teachers' lateness), this is what changes.
void add_report_row(PayrollPage& page, const PageRow& row);

// Takes the report's --by lesson rows as write_report streams them.
class PayrollPageSink : public RowSink {
 public:
  explicit PayrollPageSink(PayrollPage& page) : page_(page) {}
  void columns(const std::vector<std::string>& names, const std::vector<bool>& numeric) override;
  void row(const std::vector<std::string>& cells) override;

 private:
  const std::string& cell(const std::vector<std::string>& cells, const std::string& column) const;
  PayrollPage& page_;
  std::vector<std::string> names_;
};

// The page's model for `request` (its grouping is ignored: the page reads lesson rows).
PayrollPage build_payroll_page(Store& store, const ReportRequest& request, TimePoint now);
// The page as one HTML document. Every value is escaped.
std::string render_payroll_page(const PayrollPage& page);

}  // namespace zt
