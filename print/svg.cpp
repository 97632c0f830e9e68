#include "print/svg.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "util/markup.hpp"

namespace gebieden::print {

namespace {
std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

/// Only "#RRGGBB"-like values reach an attribute; anything else becomes "none".
std::string colour(const std::string& c) {
  if (c.size() != 7 || c[0] != '#') return "none";
  for (std::size_t i = 1; i < 7; ++i)
    if (!std::isxdigit(static_cast<unsigned char>(c[i]))) return "none";
  return c;
}

std::string title_element(std::string_view title) {
  return title.empty() ? std::string() : "<title>" + util::markup_escape(title) + "</title>";
}
}  // namespace

SvgMap::SvgMap(double width, double height, const geo::Box& extent, double margin)
    : m_w(width), m_h(height) {
  if (!extent.valid) return;
  const double ew = std::max(extent.maxx - extent.minx, 1e-9);
  const double eh = std::max(extent.maxy - extent.miny, 1e-9);
  m_scale = std::min(width * (1 - 2 * margin) / ew, height * (1 - 2 * margin) / eh);
  const double cx = (extent.minx + extent.maxx) / 2, cy = (extent.miny + extent.maxy) / 2;
  m_ox = width / 2 - cx * m_scale;
  m_oy = height / 2 + cy * m_scale;
}

geo::XY SvgMap::to_svg(geo::XY p) const {
  return {m_ox + p.x * m_scale, m_oy - p.y * m_scale};
}

void SvgMap::shape(const geo::Geometry& g, const std::string& fill, double fill_opacity,
                   const std::string& stroke, double width, const std::vector<double>& dash,
                   std::string_view title, std::string_view css_class) {
  if (g.empty()) return;
  const bool areal =
      g.type == geo::GeometryType::Polygon || g.type == geo::GeometryType::MultiPolygon;
  std::string d;
  for (const auto& part : g.parts)
    for (const auto& path : part) {
      geo::XY last{1e300, 1e300};
      for (std::size_t i = 0; i < path.size(); ++i) {
        const geo::XY q = to_svg(path[i]);
        // Points closer than a tenth of a unit add nothing at this scale.
        if (i && i + 1 < path.size() && std::abs(q.x - last.x) < 0.1 &&
            std::abs(q.y - last.y) < 0.1)
          continue;
        d += (i ? "L" : "M") + num(q.x) + " " + num(q.y);
        last = q;
      }
      if (areal && !path.empty()) d += "Z";
    }
  m_body += "<path d=\"" + d + "\" fill=\"" + (areal ? colour(fill) : std::string("none")) + "\"";
  if (areal && colour(fill) != "none") m_body += " fill-opacity=\"" + num(fill_opacity) + "\"";
  m_body += " fill-rule=\"evenodd\" stroke=\"" + (width > 0 ? colour(stroke) : "none") +
            "\" stroke-width=\"" + num(width) + "\" stroke-linejoin=\"round\"";
  if (!dash.empty()) {
    m_body += " stroke-dasharray=\"";
    for (std::size_t i = 0; i < dash.size(); ++i) m_body += (i ? " " : "") + num(dash[i]);
    m_body += "\"";
  }
  if (!css_class.empty()) m_body += " class=\"" + util::markup_escape(css_class) + "\"";
  m_body += title.empty() ? "/>" : ">" + title_element(title) + "</path>";
}

void SvgMap::marker(geo::XY p, const std::string& fill, double size, Marker shape,
                    std::string_view title) {
  const geo::XY q = to_svg(p);
  const double r = size / 2;
  const std::string style =
      " fill=\"" + colour(fill) + "\" stroke=\"#FFFFFF\" stroke-width=\"0.8\"";
  std::string el;
  switch (shape) {
    case Marker::Circle:
      el = "<circle cx=\"" + num(q.x) + "\" cy=\"" + num(q.y) + "\" r=\"" + num(r) + "\"" + style;
      break;
    case Marker::Square:
      el = "<rect x=\"" + num(q.x - r) + "\" y=\"" + num(q.y - r) + "\" width=\"" + num(size) +
           "\" height=\"" + num(size) + "\"" + style;
      break;
    case Marker::Triangle:
      el = "<path d=\"M" + num(q.x) + " " + num(q.y - r) + "L" + num(q.x + r) + " " + num(q.y + r) +
           "L" + num(q.x - r) + " " + num(q.y + r) + "Z\"" + style;
      break;
  }
  m_body += el + (title.empty() ? "/>"
                                : ">" + title_element(title) + "</" +
                                      (shape == Marker::Circle   ? "circle"
                                       : shape == Marker::Square ? "rect"
                                                                 : "path") +
                                      ">");
}

void SvgMap::label(geo::XY p, std::string_view text, double size, const std::string& color) {
  const geo::XY q = to_svg(p);
  m_body += "<text x=\"" + num(q.x) + "\" y=\"" + num(q.y) +
            "\" text-anchor=\"middle\" dominant-baseline=\"middle\" font-size=\"" + num(size) +
            "\" fill=\"" + colour(color) +
            "\" stroke=\"#FFFFFF\" stroke-width=\"2.5\" paint-order=\"stroke\">" +
            util::markup_escape(text) + "</text>";
}

std::string SvgMap::str(std::string_view description) const {
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + num(m_w) + " " + num(m_h) +
         "\" role=\"img\" aria-label=\"" + util::markup_escape(description) +
         "\" font-family=\"system-ui,sans-serif\">" + m_body + "</svg>";
}

}  // namespace gebieden::print
