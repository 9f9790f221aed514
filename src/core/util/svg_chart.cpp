#include "core/util/svg_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "core/util/text.hpp"

namespace zt {
namespace {

// The drawing's own units; the page scales it to its column (viewBox, width 100%).
constexpr int chart_width = 480;
constexpr int font_px = 12;
constexpr int max_label_chars = 20;

std::string text(std::string_view raw) { return html_escape(raw); }  // U+FFFD for what is not UTF-8

// A value axis that ends on round numbers: 0 and a few steps of 1, 2 or 5 times a power of ten.
struct Scale {
  int64_t low = 0;
  int64_t high = 1;
  int64_t step = 1;
};

Scale nice_scale(int64_t min_value, int64_t max_value) {
  int64_t low = std::min<int64_t>(0, min_value);
  int64_t high = std::max<int64_t>(0, max_value);
  int64_t span = std::max<int64_t>(1, high - low);
  int64_t step = 1;
  for (int64_t power = 1;; power *= 10) {
    if (span <= 5 * power) { step = power; break; }
    if (span <= 10 * power) { step = 2 * power; break; }
    if (span <= 25 * power) { step = 5 * power; break; }
  }
  auto floor_to = [&](int64_t v) { return v >= 0 ? v / step * step : -((-v + step - 1) / step * step); };
  auto ceil_to = [&](int64_t v) { return v <= 0 ? -(-v / step * step) : (v + step - 1) / step * step; };
  Scale s{floor_to(low), ceil_to(high), step};
  if (s.high == s.low) s.high = s.low + step;
  return s;
}

std::pair<int64_t, int64_t> value_range(const std::vector<ChartItem>& items) {
  int64_t lo = 0, hi = 0;
  for (const auto& item : items) {
    lo = std::min(lo, item.value);
    hi = std::max(hi, item.value);
  }
  return {lo, hi};
}

// Pixels from `origin` along `length` for a value on the scale.
double position(const Scale& s, int64_t value, double origin, double length) {
  return origin + length * static_cast<double>(value - s.low) / static_cast<double>(s.high - s.low);
}

std::string open_svg(int height, const ChartAxes& axes) {
  return fmt::format(
      "<svg class=\"chart\" viewBox=\"0 0 {} {}\" width=\"100%\" role=\"img\" aria-label=\"{}\" "
      "xmlns=\"http://www.w3.org/2000/svg\" font-size=\"{}\">\n<title>{}</title>\n",
      chart_width, height, text(axes.title), font_px, text(axes.title));
}

std::string empty_chart(const ChartAxes& axes) {
  return open_svg(40, axes) + "<text x=\"240\" y=\"24\" text-anchor=\"middle\">nothing to show</text>\n</svg>\n";
}

}  // namespace

std::string bar_chart_svg(const std::vector<ChartItem>& items, const ChartAxes& axes) {
  if (items.empty()) return empty_chart(axes);
  constexpr int left = 150, right = 430, top = 8, row = 22, bar = 15;
  const int plot_bottom = top + static_cast<int>(items.size()) * row;
  const int height = plot_bottom + 44;
  auto [lo, hi] = value_range(items);
  auto scale = nice_scale(lo, hi);
  auto x = [&](int64_t v) { return position(scale, v, left, right - left); };

  std::string svg = open_svg(height, axes);
  for (int64_t tick = scale.low; tick <= scale.high; tick += scale.step) {
    svg += fmt::format("<line class=\"grid\" x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\"/>"
                       "<text x=\"{0:.1f}\" y=\"{3}\" text-anchor=\"middle\">{4}</text>\n",
                       x(tick), top, plot_bottom, plot_bottom + 16, tick);
  }
  for (size_t i = 0; i < items.size(); ++i) {
    const auto& item = items[i];
    int y = top + static_cast<int>(i) * row + (row - bar) / 2;
    double from = x(std::min<int64_t>(0, item.value)), to = x(std::max<int64_t>(0, item.value));
    svg += fmt::format("<g><title>{0}: {1}</title>"
                       "<text x=\"{2}\" y=\"{3}\" text-anchor=\"end\">{4}</text>"
                       "<rect class=\"bar\" x=\"{5:.1f}\" y=\"{6}\" width=\"{7:.1f}\" height=\"{8}\"/>"
                       "<text x=\"{9:.1f}\" y=\"{3}\">{1}</text></g>\n",
                       text(item.label), item.value, left - 8, y + bar - 4, text(shorten_utf8(valid_utf8(item.label), max_label_chars)),
                       from, y, to - from, bar, x(std::max<int64_t>(0, item.value)) + 4);
  }
  svg += fmt::format("<line class=\"axis\" x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\"/>\n", x(0), top, plot_bottom);
  svg += fmt::format("<text class=\"axis-label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                     (left + right) / 2, height - 6, text(axes.value_label));
  svg += fmt::format("<text class=\"axis-label\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", left - 8,
                     height - 6, text(axes.category_label));
  return svg + "</svg>\n";
}

std::string column_chart_svg(const std::vector<ChartItem>& items, const ChartAxes& axes) {
  if (items.empty()) return empty_chart(axes);
  constexpr int left = 56, right = 472, top = 12, plot_bottom = 172, height = 220;
  auto [lo, hi] = value_range(items);
  auto scale = nice_scale(lo, hi);
  auto y = [&](int64_t v) { return position(scale, scale.high + scale.low - v, top, plot_bottom - top); };
  const double slot = static_cast<double>(right - left) / static_cast<double>(items.size());
  size_t longest = 1;
  for (const auto& item : items) longest = std::max(longest, std::min<size_t>(valid_utf8(item.label).size(), max_label_chars));
  // Roughly 7 px a character: show every n-th label so that neighbours never overlap.
  const size_t every = std::max<size_t>(1, static_cast<size_t>((static_cast<double>(longest) * 7 + 8) / slot) + 1);
  const bool values_fit = slot >= 28;

  std::string svg = open_svg(height, axes);
  for (int64_t tick = scale.low; tick <= scale.high; tick += scale.step) {
    svg += fmt::format("<line class=\"grid\" x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\"/>"
                       "<text x=\"{3}\" y=\"{4:.1f}\" text-anchor=\"end\">{5}</text>\n",
                       left, y(tick), right, left - 6, y(tick) + 4, tick);
  }
  for (size_t i = 0; i < items.size(); ++i) {
    const auto& item = items[i];
    double x = left + slot * static_cast<double>(i), width = std::max(1.0, slot * 0.8);
    double from = y(std::max<int64_t>(0, item.value)), to = y(std::min<int64_t>(0, item.value));
    double centre = x + slot / 2;
    svg += fmt::format("<g><title>{}: {}</title><rect class=\"bar\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\"/>",
                       text(item.label), item.value, x + slot * 0.1, from, width, to - from);
    if (values_fit && item.value != 0) {
      svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>", centre, from - 3, item.value);
    }
    if (i % every == 0) {
      svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>", centre, plot_bottom + 16,
                         text(shorten_utf8(valid_utf8(item.label), max_label_chars)));
    }
    svg += "</g>\n";
  }
  svg += fmt::format("<line class=\"axis\" x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\"/>\n", left, y(0), right);
  svg += fmt::format("<text class=\"axis-label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                     (left + right) / 2, height - 8, text(axes.category_label));
  svg += fmt::format("<text class=\"axis-label\" transform=\"rotate(-90)\" x=\"{}\" y=\"14\" text-anchor=\"middle\">{}</text>\n",
                     -(top + plot_bottom) / 2, text(axes.value_label));
  return svg + "</svg>\n";
}

}  // namespace zt
