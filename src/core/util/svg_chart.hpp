#pragma once
// The payroll page's charts, drawn as inline SVG so that the page needs no script and no library.
// The output is plain deterministic text (snapshot-tested); colours come from the page's CSS
// through classes, so one chart serves the light, dark and printed themes.
#include <cstdint>
#include <string>
#include <vector>

namespace zt {

struct ChartItem {
  std::string label;  // any UTF-8 text; escaped, and shortened on the chart (in full in a tooltip)
  int64_t value = 0;  // may be negative (an adjustment can take pay back)
};

struct ChartAxes {
  std::string title;           // what the chart shows, for screen readers
  std::string category_label;  // what the items are: "teacher", "minutes late"
  std::string value_label;     // what the values count, with the unit: "paid minutes"
};

// One horizontal bar per item, in the given order, with its value at the bar's end.
std::string bar_chart_svg(const std::vector<ChartItem>& items, const ChartAxes& axes);

// One column per item, side by side in the given order: a histogram's bins or a series of days.
// Labels that would collide are thinned out (every n-th is shown; all are in the tooltips).
std::string column_chart_svg(const std::vector<ChartItem>& items, const ChartAxes& axes);

}  // namespace zt
