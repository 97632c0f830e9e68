#include "geo/geometry.hpp"

#include <algorithm>

namespace gebieden::geo {

Box Geometry::bbox() const {
  Box b;
  for (const auto& part : parts)
    for (const auto& path : part)
      for (const auto& p : path) b.expand(p);
  return b;
}

Geometry Geometry::box(const Box& b) {
  Path ring{
      {b.minx, b.miny}, {b.maxx, b.miny}, {b.maxx, b.maxy}, {b.minx, b.maxy}, {b.minx, b.miny}};
  return Geometry{GeometryType::Polygon, {{ring}}};
}

double signed_area(const Path& ring) {
  if (ring.size() < 3) return 0.0;
  double sum = 0.0;
  for (std::size_t i = 0, n = ring.size(); i + 1 < n; ++i) {
    sum += ring[i].x * ring[i + 1].y - ring[i + 1].x * ring[i].y;
  }
  return sum / 2.0;
}

bool degenerate_ring(const Path& ring) {
  if (ring.size() < 4) return true;
  // Three distinct positions can make a ring with an area; count up to three.
  XY seen[2] = {ring[0], ring[0]};
  std::size_t distinct = 1;
  for (const auto& p : ring) {
    if (p == seen[0] || (distinct == 2 && p == seen[1])) continue;
    if (distinct == 2) {
      distinct = 3;
      break;
    }
    seen[1] = p;
    distinct = 2;
  }
  return distinct < 3 || signed_area(ring) == 0.0;
}

bool has_degenerate_rings(const Geometry& g) {
  if (g.type != GeometryType::Polygon && g.type != GeometryType::MultiPolygon) return false;
  for (const auto& polygon : g.parts)
    for (const auto& ring : polygon)
      if (degenerate_ring(ring)) return true;
  return false;
}

Geometry without_degenerate_rings(const Geometry& g) {
  if (!has_degenerate_rings(g)) return g;
  Geometry out;
  out.type = g.type;
  for (const auto& polygon : g.parts) {
    if (polygon.empty() || degenerate_ring(polygon.front())) continue;
    std::vector<Path> rings;
    for (const auto& ring : polygon)
      if (!degenerate_ring(ring)) rings.push_back(ring);
    out.parts.push_back(std::move(rings));
  }
  if (out.parts.empty()) out.type = GeometryType::None;
  return out;
}

void orient_rings(Geometry& g, bool ccw_exterior) {
  if (g.type != GeometryType::Polygon && g.type != GeometryType::MultiPolygon) return;
  for (auto& polygon : g.parts) {
    for (std::size_t r = 0; r < polygon.size(); ++r) {
      const bool want_ccw = (r == 0) == ccw_exterior;
      const double a = signed_area(polygon[r]);
      if ((a > 0) != want_ccw && a != 0.0) std::reverse(polygon[r].begin(), polygon[r].end());
    }
  }
}

namespace {
bool ring_crossings(const Path& ring, XY p) {
  bool inside = false;
  for (std::size_t i = 0, n = ring.size(); i + 1 < n; ++i) {
    const XY& a = ring[i];
    const XY& b = ring[i + 1];
    // Half-open in y: an edge counts when p.y is in [min, max).
    if ((a.y <= p.y) != (b.y <= p.y)) {
      const double x = a.x + (p.y - a.y) * (b.x - a.x) / (b.y - a.y);
      if (p.x < x) inside = !inside;
    }
  }
  return inside;
}
}  // namespace

bool contains_point(const Geometry& g, XY p) {
  if (g.type != GeometryType::Polygon && g.type != GeometryType::MultiPolygon) return false;
  for (const auto& polygon : g.parts) {
    bool inside = false;
    for (const auto& ring : polygon) {
      if (ring_crossings(ring, p)) inside = !inside;
    }
    if (inside) return true;
  }
  return false;
}

}  // namespace gebieden::geo
