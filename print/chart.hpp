#pragma once
// Horizontal bar charts for the printed documents: the bars are laid out once (layout_bars) and
// drawn twice, as inline SVG for the HTML page and with cairo for the PDF, so that both show the
// same chart. Every bar has its number written at its end; the HTML page backs each chart with
// a table of the same numbers.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <cairo.h>

namespace gebieden::print {

struct BarItem {
  std::string key;    // the value counted (a soort, a categorie)
  std::string label;  // what the chart writes for it
  std::int64_t value = 0;
};

struct Bar {
  std::string key, label;  // label: shortened to fit the label column ("…")
  std::int64_t value = 0;
  double y = 0;       // top of the bar
  double length = 0;  // 0 for a value of 0
};

struct BarChart {
  double width = 0, height = 0;  // the whole chart, in points (PDF) or user units (SVG)
  double label_width = 0;        // the label column on the left
  double bar_height = 0;
  double font_size = 0;
  std::string colour = "#2C7FB8";
  std::vector<Bar> bars;  // largest first, ties by key
};

/// The bars of `items` in a chart `width` wide: labels in the left `label_width`, bars scaled so
/// that the largest value leaves room for its number.
BarChart layout_bars(std::vector<BarItem> items, double width, double label_width,
                     double bar_height = 13, double gap = 4, double font_size = 8);

/// The chart as an <svg> (role="img", `title` its accessible name); each bar is a <g
/// class="bar" data-key="…" data-value="…"> with a <title>.
std::string bar_chart_svg(const BarChart& chart, std::string_view title);

/// The chart with its top left at (x, y).
void draw_bar_chart(cairo_t* cr, const BarChart& chart, double x, double y);

}  // namespace gebieden::print
