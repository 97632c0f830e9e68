#include "print/chart.hpp"

#include <algorithm>
#include <cstdio>

#include "print/pdf.hpp"
#include "util/markup.hpp"

namespace gebieden::print {

namespace {
std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::size_t codepoints(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

/// `s` cut to at most `max` code points, with "…" when cut.
std::string shorten(const std::string& s, std::size_t max) {
  if (codepoints(s) <= max || max < 2) return s;
  std::size_t n = 0, i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && ++n == max) break;
  }
  return s.substr(0, i) + "…";
}

double value_room(const BarChart& c) {
  return c.font_size * 0.62 * 6 + 4;  // room for a number of up to six digits
}
}  // namespace

BarChart layout_bars(std::vector<BarItem> items, double width, double label_width,
                     double bar_height, double gap, double font_size) {
  std::sort(items.begin(), items.end(), [](const BarItem& a, const BarItem& b) {
    return a.value != b.value ? a.value > b.value : a.key < b.key;
  });
  BarChart c;
  c.width = width;
  c.label_width = label_width;
  c.bar_height = bar_height;
  c.font_size = font_size;
  const std::int64_t max = items.empty() ? 0 : std::max<std::int64_t>(items.front().value, 0);
  const double room = std::max(0.0, width - label_width - 6 - value_room(c));
  // A sans-serif letter is about 0.55 of the font size wide on average.
  const auto chars =
      static_cast<std::size_t>(std::max(2.0, (label_width - 4) / (font_size * 0.55)));
  double y = 0;
  for (const auto& it : items) {
    Bar b;
    b.key = it.key;
    b.label = shorten(it.label, chars);
    b.value = it.value;
    b.y = y;
    b.length = max > 0 && it.value > 0 ? room * static_cast<double>(it.value) / max : 0;
    c.bars.push_back(std::move(b));
    y += bar_height + gap;
  }
  c.height = items.empty() ? 0 : y - gap;
  return c;
}

std::string bar_chart_svg(const BarChart& c, std::string_view title) {
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 " +
                  num(c.width) + " " + num(std::max(c.height, 1.0)) +
                  "\" role=\"img\" aria-label=\"" + util::markup_escape(title) +
                  "\" font-family=\"system-ui,sans-serif\" font-size=\"" + num(c.font_size) + "\">";
  const double x0 = c.label_width + 6;
  for (const auto& b : c.bars) {
    const std::string v = std::to_string(b.value);
    const double mid = b.y + c.bar_height / 2;
    s += "<g class=\"bar\" data-key=\"" + util::markup_escape(b.key) + "\" data-value=\"" + v +
         "\"><title>" + util::markup_escape(b.key) + ": " + v + "</title>";
    s += "<text x=\"" + num(c.label_width) + "\" y=\"" + num(mid) +
         "\" text-anchor=\"end\" dominant-baseline=\"middle\" fill=\"#000000\">" +
         util::markup_escape(b.label) + "</text>";
    s += "<rect x=\"" + num(x0) + "\" y=\"" + num(b.y) + "\" width=\"" + num(b.length) +
         "\" height=\"" + num(c.bar_height) + "\" fill=\"" + c.colour + "\"/>";
    s += "<text x=\"" + num(x0 + b.length + 3) + "\" y=\"" + num(mid) +
         "\" dominant-baseline=\"middle\" fill=\"#000000\">" + v + "</text></g>";
  }
  return s + "</svg>";
}

void draw_bar_chart(cairo_t* cr, const BarChart& c, double x, double y) {
  TextStyle label;
  label.size = c.font_size;
  label.color = {0, 0, 0};
  label.align = TextStyle::Align::Right;
  TextStyle number = label;
  number.align = TextStyle::Align::Left;
  const Rgb fill = Rgb::hex(c.colour);
  const double x0 = x + c.label_width + 6;
  for (const auto& b : c.bars) {
    const double top = y + b.y;
    const double th = measure_text(cr, b.label, c.label_width, label);
    const double ty = top + (c.bar_height - th) / 2;
    draw_text(cr, b.label, x, ty, c.label_width, label);
    if (b.length > 0) {
      cairo_save(cr);
      cairo_rectangle(cr, x0, top, b.length, c.bar_height);
      cairo_set_source_rgb(cr, fill.r, fill.g, fill.b);
      cairo_fill(cr);
      cairo_restore(cr);
    }
    draw_text(cr, std::to_string(b.value), x0 + b.length + 3, ty, 0, number);
  }
}

}  // namespace gebieden::print
