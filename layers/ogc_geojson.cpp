#include "layers/ogc_geojson.hpp"

#include <algorithm>

#include "layers/geojson.hpp"

namespace gebieden::layers {

namespace {
bool is_polygonal(const geo::Geometry& g) {
  return g.type == geo::GeometryType::Polygon || g.type == geo::GeometryType::MultiPolygon;
}

bool degenerate(const geo::Path& ring) {
  // Three distinct positions make a ring with an area; count up to three.
  std::vector<geo::XY> seen;
  for (const auto& p : ring) {
    if (std::find(seen.begin(), seen.end(), p) == seen.end()) {
      seen.push_back(p);
      if (seen.size() >= 3) return false;
    }
  }
  return true;
}
}  // namespace

bool has_degenerate_rings(const geo::Geometry& g) {
  if (!is_polygonal(g)) return false;
  for (const auto& polygon : g.parts)
    for (const auto& ring : polygon)
      if (degenerate(ring)) return true;
  return false;
}

geo::Geometry without_degenerate_rings(const geo::Geometry& g) {
  if (!has_degenerate_rings(g)) return g;
  geo::Geometry out;
  out.type = g.type;
  for (const auto& polygon : g.parts) {
    if (polygon.empty() || degenerate(polygon.front())) continue;
    std::vector<geo::Path> rings;
    for (const auto& ring : polygon)
      if (!degenerate(ring)) rings.push_back(ring);
    out.parts.push_back(std::move(rings));
  }
  if (out.parts.empty()) out.type = geo::GeometryType::None;
  return out;
}

void append_ogc_feature(std::string& out, const Collection& c, const Feature& f, geo::Crs crs,
                        const std::vector<int>& fields, const std::string& extra) {
  if (!has_degenerate_rings(f.wgs84) && !has_degenerate_rings(f.rd)) {
    append_feature(out, c, f, crs, fields, extra);
    return;
  }
  Feature clean = f;
  clean.wgs84 = without_degenerate_rings(f.wgs84);
  clean.rd = without_degenerate_rings(f.rd);
  append_feature(out, c, clean, crs, fields, extra);
}

}  // namespace gebieden::layers
