#pragma once
// The HTML twin of MapFrame (print/pdf.hpp): the same map drawn as inline SVG for the HTML
// pages (the overview, the welcome pack), so that screen, print CSS and PDF show one picture.
// It needs no script and no base map, and prints crisp.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "geo/geometry.hpp"

namespace gebieden::print {

class SvgMap {
 public:
  /// A map of `width` x `height` user units showing `extent` (projected coordinates, e.g. RD
  /// metres) with its aspect kept and centred.
  SvgMap(double width, double height, const geo::Box& extent, double margin = 0.04);
  geo::XY to_svg(geo::XY p) const;
  /// Polygons (and lines) of `g`; fill and stroke as "#RRGGBB" (empty fill: none). `title`
  /// becomes the shape's <title> (a tooltip, and what a screen reader says); `css_class` its
  /// class attribute.
  void shape(const geo::Geometry& g, const std::string& fill, double fill_opacity,
             const std::string& stroke, double width, const std::vector<double>& dash = {},
             std::string_view title = {}, std::string_view css_class = {});
  enum class Marker { Circle, Square, Triangle };
  void marker(geo::XY p, const std::string& fill, double size, Marker shape,
              std::string_view title = {});
  /// A label centred on a projected coordinate, with a white halo.
  void label(geo::XY p, std::string_view text, double size, const std::string& color = "#222222");
  /// The whole <svg> element; `description` is its accessible name (role="img").
  std::string str(std::string_view description) const;

 private:
  double m_w, m_h;
  double m_scale = 1, m_ox = 0, m_oy = 0;
  std::string m_body;
};

}  // namespace gebieden::print
