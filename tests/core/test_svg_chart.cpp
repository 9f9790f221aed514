// The payroll page's SVG writer: snapshots for fixed inputs (a changed drawing shows up here as a
// diff to look at), and the properties a page relies on whatever the input.
#include <catch2/catch.hpp>

#include "core/util/svg_chart.hpp"

using namespace zt;

namespace {

const ChartAxes teacher_axes{"Paid minutes per teacher", "teacher", "paid minutes"};
const ChartAxes lateness_axes{"Students: lateness", "minutes late", "lessons"};

size_t count(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("a bar chart of three teachers, one of them paid back by an adjustment, draws as before", "[core][svg]") {
  auto svg = bar_chart_svg({{"t.abebe", 70}, {"<b>&", 25}, {"محمد علي", -5}}, teacher_axes);
  CHECK(svg == R"svg(<svg class="chart" viewBox="0 0 480 118" width="100%" role="img" aria-label="Paid minutes per teacher" xmlns="http://www.w3.org/2000/svg" font-size="12">
<title>Paid minutes per teacher</title>
<line class="grid" x1="150.0" y1="8" x2="150.0" y2="74"/><text x="150.0" y="90" text-anchor="middle">-20</text>
<line class="grid" x1="206.0" y1="8" x2="206.0" y2="74"/><text x="206.0" y="90" text-anchor="middle">0</text>
<line class="grid" x1="262.0" y1="8" x2="262.0" y2="74"/><text x="262.0" y="90" text-anchor="middle">20</text>
<line class="grid" x1="318.0" y1="8" x2="318.0" y2="74"/><text x="318.0" y="90" text-anchor="middle">40</text>
<line class="grid" x1="374.0" y1="8" x2="374.0" y2="74"/><text x="374.0" y="90" text-anchor="middle">60</text>
<line class="grid" x1="430.0" y1="8" x2="430.0" y2="74"/><text x="430.0" y="90" text-anchor="middle">80</text>
<g><title>t.abebe: 70</title><text x="142" y="22" text-anchor="end">t.abebe</text><rect class="bar" x="206.0" y="11" width="196.0" height="15"/><text x="406.0" y="22">70</text></g>
<g><title>&lt;b&gt;&amp;: 25</title><text x="142" y="44" text-anchor="end">&lt;b&gt;&amp;</text><rect class="bar" x="206.0" y="33" width="70.0" height="15"/><text x="280.0" y="44">25</text></g>
<g><title>محمد علي: -5</title><text x="142" y="66" text-anchor="end">محمد علي</text><rect class="bar" x="192.0" y="55" width="14.0" height="15"/><text x="210.0" y="66">-5</text></g>
<line class="axis" x1="206.0" y1="8" x2="206.0" y2="74"/>
<text class="axis-label" x="290" y="112" text-anchor="middle">paid minutes</text>
<text class="axis-label" x="142" y="112" text-anchor="end">teacher</text>
</svg>
)svg");
}

TEST_CASE("a histogram of three bins draws as before", "[core][svg]") {
  auto svg = column_chart_svg({{"early", 2}, {"0–1", 5}, {"1–5", 1}}, lateness_axes);
  CHECK(svg == R"svg(<svg class="chart" viewBox="0 0 480 220" width="100%" role="img" aria-label="Students: lateness" xmlns="http://www.w3.org/2000/svg" font-size="12">
<title>Students: lateness</title>
<line class="grid" x1="56" y1="172.0" x2="472" y2="172.0"/><text x="50" y="176.0" text-anchor="end">0</text>
<line class="grid" x1="56" y1="140.0" x2="472" y2="140.0"/><text x="50" y="144.0" text-anchor="end">1</text>
<line class="grid" x1="56" y1="108.0" x2="472" y2="108.0"/><text x="50" y="112.0" text-anchor="end">2</text>
<line class="grid" x1="56" y1="76.0" x2="472" y2="76.0"/><text x="50" y="80.0" text-anchor="end">3</text>
<line class="grid" x1="56" y1="44.0" x2="472" y2="44.0"/><text x="50" y="48.0" text-anchor="end">4</text>
<line class="grid" x1="56" y1="12.0" x2="472" y2="12.0"/><text x="50" y="16.0" text-anchor="end">5</text>
<g><title>early: 2</title><rect class="bar" x="69.9" y="108.0" width="110.9" height="64.0"/><text x="125.3" y="105.0" text-anchor="middle">2</text><text x="125.3" y="188" text-anchor="middle">early</text></g>
<g><title>0–1: 5</title><rect class="bar" x="208.5" y="12.0" width="110.9" height="160.0"/><text x="264.0" y="9.0" text-anchor="middle">5</text><text x="264.0" y="188" text-anchor="middle">0–1</text></g>
<g><title>1–5: 1</title><rect class="bar" x="347.2" y="140.0" width="110.9" height="32.0"/><text x="402.7" y="137.0" text-anchor="middle">1</text><text x="402.7" y="188" text-anchor="middle">1–5</text></g>
<line class="axis" x1="56" y1="172.0" x2="472" y2="172.0"/>
<text class="axis-label" x="264" y="212" text-anchor="middle">minutes late</text>
<text class="axis-label" transform="rotate(-90)" x="-92" y="14" text-anchor="middle">lessons</text>
</svg>
)svg");
}

TEST_CASE("a chart of nothing says so", "[core][svg]") {
  CHECK(bar_chart_svg({}, teacher_axes) == R"svg(<svg class="chart" viewBox="0 0 480 40" width="100%" role="img" aria-label="Paid minutes per teacher" xmlns="http://www.w3.org/2000/svg" font-size="12">
<title>Paid minutes per teacher</title>
<text x="240" y="24" text-anchor="middle">nothing to show</text>
</svg>
)svg");
  CHECK(column_chart_svg({}, lateness_axes).find("nothing to show") != std::string::npos);
}

TEST_CASE("chart labels are escaped, invalid UTF-8 is replaced, long names are shortened", "[core][svg]") {
  std::string long_name(60, 'x');
  auto svg = bar_chart_svg({{"<script>alert(1)</script>", 1}, {"bad \xff byte", 2}, {long_name, 3}}, teacher_axes);
  CHECK(svg.find("<script>") == std::string::npos);
  CHECK(svg.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(svg.find("\xff") == std::string::npos);
  CHECK(svg.find("bad \xEF\xBF\xBD byte") != std::string::npos);
  CHECK(svg.find(">" + std::string(19, 'x') + "\u2026</text>") != std::string::npos);  // on the chart
  CHECK(svg.find("<title>" + long_name + ": 3</title>") != std::string::npos);   // in full in the tooltip
}

TEST_CASE("a month of days keeps every column and thins the labels so they never overlap", "[core][svg]") {
  std::vector<ChartItem> days;
  for (int d = 1; d <= 30; ++d) days.push_back({"11-" + std::string(d < 10 ? "0" : "") + std::to_string(d), d * 10});
  auto svg = column_chart_svg(days, {"Paid minutes per day", "day (MM-DD)", "paid minutes"});
  CHECK(count(svg, "<rect class=\"bar\"") == 30);
  CHECK(count(svg, "<title>11-") == 30);
  auto labels = count(svg, "text-anchor=\"middle\">11-");
  CHECK(labels >= 5);
  CHECK(labels <= 15);
  CHECK(svg.find(">11-01</text>") != std::string::npos);  // the first day is always labelled
}

TEST_CASE("the value axis ends on a round number above the largest value", "[core][svg]") {
  auto svg = bar_chart_svg({{"a", 4213}}, teacher_axes);
  CHECK(svg.find(">5000</text>") != std::string::npos);
  CHECK(svg.find(">6000</text>") == std::string::npos);
}
