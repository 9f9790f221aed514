// The payroll page as HTML: the school's page, or one teacher's statement.
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "core/services/payroll_page.hpp"
#include "core/util/svg_chart.hpp"
#include "core/util/text.hpp"

namespace zt {
namespace {

// Beyond this many bars a chart stops being read: the rest are summed into one bar.
constexpr size_t max_teacher_bars = 15;
// A selection longer than this is charted per month (the table keeps every day).
constexpr size_t max_day_columns = 62;

std::string esc(std::string_view raw) { return html_escape(raw); }  // U+FFFD for what is not UTF-8
// Names may be written right to left (Arabic): <bdi> keeps them from reordering what is around.
std::string name(std::string_view raw) { return "<bdi>" + esc(raw) + "</bdi>"; }

// "2 h 05 min", the way people say paid time; minutes may be negative (an adjustment).
std::string hours(int64_t minutes) {
  auto sign = minutes < 0 ? "−" : "";
  auto m = std::llabs(minutes);
  return fmt::format("{}{} h {:02} min", sign, m / 60, m % 60);
}

std::string signed_minutes(int64_t minutes) { return minutes > 0 ? fmt::format("+{}", minutes) : fmt::format("{}", minutes); }

// "2026-11-24T23:30:00+03:00" -> "23:30"; with the date when it is not `day`.
std::string clock_time(const std::string& iso, const std::string& day = "") {
  if (iso.size() < 16) return "";
  auto time = iso.substr(11, 5);
  return day.empty() || iso.compare(0, 10, day) == 0 ? time : iso.substr(0, 10) + " " + time;
}

constexpr const char* style = R"css(
:root{--paper:#fff;--ink:#1b1f27;--muted:#59606e;--line:#d5d9e0;--band:#f3f5f8;--bar:#24519b;--warn:#8a4b00;--warn-bg:#fff3e0;--ok:#1d6b3a}
@media (prefers-color-scheme:dark){:root{--paper:#14171c;--ink:#e7e9ee;--muted:#a6adbb;--line:#3a404b;--band:#1d2128;--bar:#7fa8e6;--warn:#ffc27a;--warn-bg:#3a2a12;--ok:#7fd39b}}
@media print{:root{--paper:#fff;--ink:#000;--muted:#333;--line:#999;--band:#eee;--bar:#333;--warn:#000;--warn-bg:#fff;--ok:#000}}
@page{size:A4;margin:14mm 12mm}
*{box-sizing:border-box}
html{background:var(--paper);color:var(--ink)}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans Ethiopic","Noto Sans Arabic",sans-serif}
main{max-width:64rem;margin:0 auto;padding:1.25rem 1rem 3rem}
h1{font-size:1.6rem;margin:0 0 .25rem}
h2{font-size:1.2rem;margin:2rem 0 .5rem;padding-bottom:.25rem;border-bottom:2px solid var(--line)}
h3{font-size:1rem;margin:1.25rem 0 .25rem}
p.meta{color:var(--muted);margin:0 0 1rem}
.status{display:inline-block;font-weight:700;padding:.1rem .5rem;border:2px solid currentColor;border-radius:4px}
.status.closed{color:var(--ok)}.status.open{color:var(--warn)}
code{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.85em;overflow-wrap:anywhere}
.digest{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.8em;overflow-wrap:anywhere}
dl.totals{display:grid;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));gap:.5rem;margin:0}
dl.totals div{background:var(--band);border-radius:6px;padding:.5rem .75rem}
dl.totals dt{color:var(--muted);font-size:.85rem}dl.totals dd{margin:0;font-size:1.35rem;font-weight:700}
.pair{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:1.25rem;align-items:start}
@media (max-width:1000px){.pair{grid-template-columns:1fr}}
@media (max-width:700px){td.why{min-width:9rem;font-size:.8rem}th,td{padding:.3rem .25rem}}
figure{margin:0}figcaption{color:var(--muted);font-size:.85rem}
.scroll{overflow-x:auto}
table.review code{white-space:nowrap}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:start;padding:.3rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
thead th{background:var(--band);font-weight:600}
tbody th,td.n,td.t{white-space:nowrap}
td.n,th.n{text-align:end;font-variant-numeric:tabular-nums}td.n{white-space:nowrap}
tfoot th,tfoot td{font-weight:700;border-top:2px solid var(--ink)}
p.note{background:var(--warn-bg);color:var(--ink);border-inline-start:4px solid var(--warn);padding:.5rem .75rem}
.empty{color:var(--muted);font-style:italic}
svg.chart{display:block;width:100%;min-width:22rem;max-width:44rem;height:auto;color:var(--ink)}
td.why{min-width:14rem}
svg.chart text{fill:var(--ink)}svg.chart .axis-label{fill:var(--muted)}
svg.chart .bar{fill:var(--bar)}svg.chart .grid{stroke:var(--line);stroke-width:1}svg.chart .axis{stroke:var(--ink);stroke-width:1.5}
@media print{main{max-width:none;padding:0}h2{break-after:avoid}figure,tr,dl.totals div{break-inside:avoid}thead{display:table-header-group}.pair{grid-template-columns:1fr}}
)css";

std::string page_title(const PayrollPage& page) {
  std::string range;
  if (!page.period.from_date.empty() || !page.period.to_date.empty()) {
    range = fmt::format(" {} – {}", page.period.from_date.empty() ? "…" : page.period.from_date,
                        page.period.to_date.empty() ? "…" : page.period.to_date);
  }
  if (page.statement()) return "Statement for " + page.teacher + (range.empty() ? "" : "," + range);
  return "Payroll" + (range.empty() ? "" : "," + range) + (page.student.empty() ? "" : ", student " + page.student);
}

const char* rounding_phrase(const std::string& rule) {
  if (rule == "floor") return "rounded down to the";
  if (rule == "ceil") return "rounded up to the";
  return "rounded to the nearest";
}

std::string period_section(const PayrollPage& page) {
  const auto& p = page.period;
  std::string out = "<section id=\"period\">\n<h2>Period</h2>\n<p>";
  out += p.from_date.empty() ? "From the first lesson" : "From " + esc(p.from_date);
  out += p.to_date.empty() ? " to the latest" : " to " + esc(p.to_date) + " inclusive";
  out += fmt::format(", days and times in {}. Each lesson's seconds are {} minute.</p>\n", esc(p.tz),
                     rounding_phrase(page.minutes_rule));
  if (p.exactly_closed) {
    const auto& c = p.closed.front();
    out += fmt::format("<p><span class=\"status closed\">Closed</span> as period {} on {} by {}. These figures are "
                       "locked; later changes are paid as adjustments in a following period.</p>\n"
                       "<p>Digest (SHA-256 of the whole period's rows, as <code>zoomtrack verify</code> checks it): "
                       "<span class=\"digest\">{}</span></p>\n",
                       esc(c.label), esc(format_utc(c.closed_at)), esc(c.closed_by), esc(c.digest));
  } else if (!p.closed.empty()) {
    out += "<p><span class=\"status open\">Partly closed</span> The selection overlaps these closed periods; the "
           "rest is open and may still change.</p>\n<ul>\n";
    for (const auto& c : p.closed) {
      out += fmt::format("<li>{}: digest <span class=\"digest\">{}</span></li>\n", esc(c.label), esc(c.digest));
    }
    out += "</ul>\n";
  } else {
    out += "<p><span class=\"status open\">Open</span> Not a closed pay period: these figures may still change.";
    // Staff read the school's page; a teacher's statement has no use for the command.
    out += page.statement() ? "</p>\n" : " <code>zoomtrack period close</code> locks it.</p>\n";
  }
  return out + "</section>\n";
}

std::string total_card(const std::string& label, const std::string& value, const std::string& id) {
  return fmt::format("<div><dt>{}</dt><dd id=\"{}\">{}</dd></div>\n", label, id, value);
}

std::string totals_section(const PayrollPage& page) {
  const auto& t = page.totals;
  std::string out = "<section id=\"totals\">\n<h2>Totals</h2>\n<dl class=\"totals\">\n";
  out += total_card("Lessons", std::to_string(t.lessons), "total-lessons");
  out += total_card("Paid minutes", std::to_string(t.minutes), "total-minutes");
  out += total_card("Paid time", hours(t.minutes), "total-hours");
  out += total_card("Needing review", std::to_string(t.needs_review), "total-review");
  if (t.running > 0) out += total_card("Still running", std::to_string(t.running), "total-running");
  out += total_card("No-shows", std::to_string(page.no_shows), "total-no-shows");
  out += total_card("Adjustments",
                    t.adjustments ? fmt::format("{} ({} min)", t.adjustments, signed_minutes(t.adjustment_minutes)) : "0",
                    "total-adjustments");
  out += "</dl>\n";
  if (t.needs_review > 0 && page.statement()) {
    out += fmt::format("<p class=\"note\">{} lesson{} not paid yet: the school has to confirm when {} ended.</p>\n",
                       t.needs_review, t.needs_review == 1 ? " is" : "s are", t.needs_review == 1 ? "it" : "they");
  } else if (t.needs_review > 0) {
    out += fmt::format("<p class=\"note\">{} lesson{} not paid until someone settles {}: see <a href=\"#review\">"
                       "Lessons needing review</a>.</p>\n",
                       t.needs_review, t.needs_review == 1 ? " is" : "s are", t.needs_review == 1 ? "it" : "them");
  }
  return out + "</section>\n";
}

std::vector<ChartItem> teacher_bars(const PayrollPage& page) {
  std::vector<ChartItem> bars;
  for (const auto& [teacher, totals] : page.by_teacher) bars.push_back({teacher, totals.minutes});
  std::stable_sort(bars.begin(), bars.end(), [](const ChartItem& a, const ChartItem& b) { return a.value > b.value; });
  if (bars.size() <= max_teacher_bars) return bars;
  ChartItem rest{fmt::format("{} other teachers", bars.size() - (max_teacher_bars - 1)), 0};
  for (size_t i = max_teacher_bars - 1; i < bars.size(); ++i) rest.value += bars[i].value;
  bars.resize(max_teacher_bars - 1);
  bars.push_back(rest);
  return bars;
}

std::string teachers_table(const PayrollPage& page) {
  std::string out =
      "<div class=\"scroll\"><table id=\"teachers\">\n<thead><tr><th>Teacher</th><th class=\"n\">Lessons</th>"
      "<th class=\"n\">Paid minutes</th><th class=\"n\">Paid time</th><th class=\"n\">Review</th>"
      "</tr></thead>\n<tbody>\n";
  for (const auto& [teacher, t] : page.by_teacher) {
    out += fmt::format("<tr><th scope=\"row\">{}</th><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
                       "<td class=\"n\">{}</td></tr>\n",
                       name(teacher), t.lessons, t.minutes, hours(t.minutes), t.needs_review);
  }
  const auto& t = page.totals;
  out += fmt::format("</tbody>\n<tfoot><tr><th scope=\"row\">Total</th><td class=\"n\">{}</td><td class=\"n\">{}</td>"
                     "<td class=\"n\">{}</td><td class=\"n\">{}</td></tr></tfoot>\n</table></div>\n",
                     t.lessons, t.minutes, hours(t.minutes), t.needs_review);
  return out;
}

std::string teachers_section(const PayrollPage& page) {
  std::string out = "<section id=\"teachers-section\">\n<h2>Paid minutes per teacher</h2>\n";
  if (page.by_teacher.empty()) return out + "<p class=\"empty\">No lessons in this selection.</p>\n</section>\n";
  out += "<div class=\"pair\">\n<figure class=\"scroll\">\n";
  out += bar_chart_svg(teacher_bars(page), {"Paid minutes per teacher", "teacher", "paid minutes"});
  out += "<figcaption>Paid minutes per teacher, adjustments included.</figcaption>\n</figure>\n";
  return out + teachers_table(page) + "</div>\n</section>\n";
}

// Days charted one column each, or per month (YYYY-MM) when there are too many to read.
std::vector<ChartItem> day_columns(const PayrollPage& page, bool per_month) {
  std::vector<ChartItem> columns;
  for (const auto& [day, totals] : page.by_day) {
    auto label = per_month ? day.substr(0, 7) : day.substr(std::min<size_t>(5, day.size()));  // "11-05"
    if (!columns.empty() && columns.back().label == label) columns.back().value += totals.minutes;
    else columns.push_back({label, totals.minutes});
  }
  return columns;
}

std::string days_section(const PayrollPage& page) {
  std::string out = "<section id=\"days-section\">\n<h2>Lessons and minutes per day</h2>\n";
  if (page.by_day.empty()) return out + "<p class=\"empty\">No lessons in this selection.</p>\n</section>\n";
  bool per_month = page.by_day.size() > max_day_columns;
  out += "<figure class=\"scroll\">\n";
  out += column_chart_svg(day_columns(page, per_month),
                          {per_month ? "Paid minutes per month" : "Paid minutes per day", per_month ? "month" : "day (MM-DD)",
                           "paid minutes"});
  out += fmt::format("<figcaption>Paid minutes per {} of the lesson's start in {}; adjustments on the day they are "
                     "paid.</figcaption>\n</figure>\n",
                     per_month ? "month" : "day", esc(page.period.tz));
  out += "<div class=\"scroll\"><table id=\"days\">\n<thead><tr><th>Date</th><th class=\"n\">Lessons</th>"
         "<th class=\"n\">Paid minutes</th><th class=\"n\">Needing review</th></tr></thead>\n<tbody>\n";
  for (const auto& [day, t] : page.by_day) {
    out += fmt::format("<tr><th scope=\"row\">{}</th><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
                       esc(day), t.lessons, t.minutes, t.needs_review);
  }
  return out + "</tbody>\n</table></div>\n</section>\n";
}

// Lateness in minutes, in bins people talk in; "early" is a click before the scheduled time.
std::vector<ChartItem> lateness_bins(const std::vector<int64_t>& late_s) {
  std::vector<ChartItem> bins{{"early", 0}, {"0–1", 0}, {"1–5", 0}, {"5–10", 0}, {"10–15", 0}, {"15–30", 0}, {"30+", 0}};
  const int64_t upper_s[] = {0, 60, 300, 600, 900, 1800};
  for (auto late : late_s) {
    size_t bin = 0;
    while (bin < std::size(upper_s) && late >= upper_s[bin]) ++bin;
    ++bins[bin].value;
  }
  return bins;
}

std::string lateness_figure(const std::vector<int64_t>& late_s, const std::string& who, const std::string& measured) {
  if (late_s.empty()) {
    return fmt::format("<h3>{}</h3>\n<p class=\"empty\">No lesson here had a scheduled time and a {}, so there is "
                       "nothing to measure.</p>\n", who, measured);
  }
  auto sorted = late_s;
  std::sort(sorted.begin(), sorted.end());
  auto median = sorted[sorted.size() / 2];
  std::string out = fmt::format("<h3>{}</h3>\n<figure class=\"scroll\">\n", who);
  out += column_chart_svg(lateness_bins(late_s), {who + ": lateness", "minutes late (" + measured + " − scheduled time)", "lessons"});
  out += fmt::format("<figcaption>{} lesson{} with a scheduled time; median {} s late{}.</figcaption>\n</figure>\n",
                     late_s.size(), late_s.size() == 1 ? "" : "s", median,
                     median < 0 ? " (that is, early)" : "");
  return out;
}

std::string lateness_section(const PayrollPage& page) {
  std::string out = "<section id=\"lateness\">\n<h2>Lateness</h2>\n";
  if (!page.teacher_late_s.empty()) out += lateness_figure(page.teacher_late_s, "Teachers", "teacher's arrival");
  out += lateness_figure(page.student_late_s, "Students", "student's first click");
  return out + "</section>\n";
}

// The command that settles the lesson: the time the teacher left is the one thing only staff know.
std::string settle_command(const PageRow& row) {
  return fmt::format("zoomtrack sessions end {} --at END --reason REASON", row.lesson_id);
}

std::string review_section(const PayrollPage& page) {
  std::string out = "<section id=\"review\">\n<h2>Lessons needing review</h2>\n";
  if (page.needing_review.empty()) return out + "<p class=\"empty\">None: every lesson here has an end.</p>\n</section>\n";
  out += "<p>The student clicked, but no end arrived: these lessons are not paid until someone settles them. "
         "Replace <code>END</code> with when the teacher left (for example <code>2026-11-25T10:50:00Z</code>) and "
         "<code>REASON</code> with how you know; <code>zoomtrack sessions void ID --reason REASON</code> if the "
         "lesson did not happen, or <code>zoomtrack reconcile --zoom-api</code> to ask Zoom first.</p>\n";
  // Grouped per teacher (the rows come sorted by teacher): each teacher's lessons in a table.
  for (size_t i = 0; i < page.needing_review.size(); ++i) {
    const auto& row = page.needing_review[i];
    if (i == 0 || row.teacher != page.needing_review[i - 1].teacher) {
      if (i > 0) out += "</tbody></table></div>\n";
      out += fmt::format("<h3>{}</h3>\n<div class=\"scroll\"><table class=\"review\">\n<thead><tr><th class=\"n\">Lesson</th>"
                         "<th>Student</th><th>Started (UTC)</th><th>Settle with</th></tr></thead><tbody>\n",
                         name(row.teacher));
    }
    out += fmt::format("<tr><td class=\"n\">{}</td><td>{}</td><td class=\"t\">{}</td><td><code>{}</code></td></tr>\n",
                       row.lesson_id, name(row.student), esc(row.start_utc), esc(settle_command(row)));
  }
  return out + "</tbody></table></div>\n</section>\n";
}

std::string adjustments_section(const PayrollPage& page) {
  std::string out = "<section id=\"adjustments\">\n<h2>Adjustments carried into this period</h2>\n";
  if (page.adjustments.empty()) return out + "<p class=\"empty\">None.</p>\n</section>\n";
  out += "<p>Changes to lessons of closed periods, paid here: the lesson as it is now, and the change in minutes.</p>\n"
         "<div class=\"scroll\"><table id=\"adjustment-rows\">\n<thead><tr><th class=\"n\">Lesson</th><th>Teacher</th>"
         "<th>Student</th><th>Paid on</th><th>Start</th><th>End</th><th class=\"n\">Change (min)</th></tr></thead><tbody>\n";
  for (const auto& a : page.adjustments) {
    out += fmt::format("<tr><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                       "<td class=\"n\">{}</td></tr>\n",
                       a.lesson_id, name(a.teacher), name(a.student), esc(a.date), esc(a.start_local.substr(0, 16)),
                       esc(a.end_local.substr(0, 16)), signed_minutes(a.minutes.value_or(0)));
  }
  return out + "</tbody></table></div>\n</section>\n";
}

// Why the lesson is paid what it is: from the student's click to the end the school trusts most.
// Why a lesson paid what it paid, for the teacher: the basis of the school's policy, then each
// rule that changed the figure (the report's pay_note).
std::string pay_reason(const PageRow& row) {
  if (row.status == "needs_review") return "No end was recorded: not paid until the school confirms when it ended.";
  if (row.status == "active") return "Still running when this was made: not paid yet.";
  auto has = [&](std::string_view rule) { return row.pay_note.find(rule) != std::string::npos; };
  if (has("no_show")) return "The student did not come: the school pays the time you waited.";
  static const std::map<std::string, std::string> ends{
      {"webhook", "you left the Zoom meeting (Zoom's notice)"},
      {"zoom_api", "you left the Zoom meeting (Zoom's participant records)"},
      {"leave_url", "you pressed “End the lesson now”"},
      {"manual", "the end the school recorded by hand"},
      {"handover", "the next lesson on the same meeting began"}};
  auto end = ends.find(row.end_source);
  std::string why;
  if (row.pay_basis == "teacher" && !has("no_presence")) why = "Your time in the Zoom meeting during the lesson.";
  else if (row.pay_basis == "together" && !has("no_presence")) why = "The time you and the student were both in the Zoom meeting.";
  else why = "From the student's click to when " + (end == ends.end() ? "the lesson ended" : end->second) + ".";
  if (has("no_presence") && row.pay_basis != "click") why += " Zoom saw nobody, so the click time is paid.";
  if (has("cap")) why += " Capped by the school's limit.";
  if (has("grace")) why += " Shorter than the school's grace: not paid.";
  if (has("minimum")) why += " Raised to the school's minimum.";
  return why;
}

std::string statement_lessons(const PayrollPage& page) {
  std::string out = "<section id=\"lessons\">\n<h2>Lessons</h2>\n";
  out += "<div class=\"scroll\"><table id=\"statement\">\n<thead><tr><th>Date</th><th>Start</th><th>End</th>"
         "<th class=\"n\">Paid minutes</th><th>Student</th><th>Why</th></tr></thead><tbody>\n";
  // Paid minutes come before the names and the reason, so that a phone shows them without scrolling.
  for (const auto& l : page.lessons) {
    out += fmt::format("<tr><td class=\"t\">{}</td><td class=\"t\">{}</td><td class=\"t\">{}</td><td class=\"n\">{}</td>"
                       "<td>{}</td><td class=\"why\">{}</td></tr>\n",
                       esc(l.date), esc(clock_time(l.start_local)), esc(clock_time(l.end_local, l.date)),
                       l.minutes ? std::to_string(*l.minutes) : "—", name(l.student), esc(pay_reason(l)));
  }
  if (page.lessons.empty()) out += "<tr><td colspan=\"6\" class=\"empty\">No lessons in this period.</td></tr>\n";
  const auto& t = page.totals;
  out += fmt::format("</tbody>\n<tfoot><tr><th colspan=\"3\" scope=\"row\">Lessons</th><td class=\"n\">{}</td><td colspan=\"2\"></td></tr>\n",
                     t.minutes - t.adjustment_minutes);
  if (t.adjustments) {
    out += fmt::format("<tr><th colspan=\"3\" scope=\"row\">Adjustments</th><td class=\"n\">{}</td><td colspan=\"2\"></td></tr>\n",
                       signed_minutes(t.adjustment_minutes));
  }
  out += fmt::format("<tr><th colspan=\"3\" scope=\"row\">Total paid</th><td class=\"n\" id=\"statement-total\">{}</td>"
                     "<td colspan=\"2\">{}</td></tr></tfoot>\n</table></div>\n</section>\n",
                     t.minutes, hours(t.minutes));
  return out;
}

std::string school_body(const PayrollPage& page) {
  return period_section(page) + totals_section(page) + teachers_section(page) + days_section(page) +
         lateness_section(page) + review_section(page) + adjustments_section(page);
}

std::string statement_body(const PayrollPage& page) {
  return period_section(page) + totals_section(page) + statement_lessons(page) + adjustments_section(page);
}

}  // namespace

std::string render_payroll_page(const PayrollPage& page) {
  auto title = esc(page_title(page));
  auto subtitle = page.statement()
                      ? "Each lesson with what it pays and why, as the school's records give it."
                      : "Paid minutes of the selected lessons, as <code>zoomtrack report --csv</code> gives them.";
  return fmt::format(
      "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta name=\"color-scheme\" content=\"light dark\">\n<title>{0}</title>\n<style>{1}</style>\n</head>\n<body>\n<main>\n"
      "<h1>{0}</h1>\n<p class=\"meta\">{2} Made {3} by zoomtrack " ZOOMTRACK_VERSION ".</p>\n{4}</main>\n</body>\n</html>\n",
      title, style, subtitle, esc(page.generated_at), page.statement() ? statement_body(page) : school_body(page));
}

}  // namespace zt
