#pragma once
// A plain, immutable-after-build coordinate model shared by the engine and the encoders.
// GEOS handles (geos.hpp) are used for topology at load time; this struct is what is kept,
// transformed and encoded, and it is safe to read from many threads at once.

#include <array>
#include <cstddef>
#include <vector>

namespace gebieden::geo {

struct XY {
  double x = 0;
  double y = 0;
  bool operator==(const XY&) const = default;
};

using Path = std::vector<XY>;  // a ring (closed: first == last) or a line string

/// Axis-aligned box.
struct Box {
  double minx = 0, miny = 0, maxx = 0, maxy = 0;
  bool valid = false;
  void expand(XY p) {
    if (!valid) {
      minx = maxx = p.x;
      miny = maxy = p.y;
      valid = true;
      return;
    }
    if (p.x < minx) minx = p.x;
    if (p.y < miny) miny = p.y;
    if (p.x > maxx) maxx = p.x;
    if (p.y > maxy) maxy = p.y;
  }
  void expand(const Box& b) {
    if (!b.valid) return;
    expand(XY{b.minx, b.miny});
    expand(XY{b.maxx, b.maxy});
  }
  bool intersects(const Box& b) const {
    return valid && b.valid && minx <= b.maxx && b.minx <= maxx && miny <= b.maxy && b.miny <= maxy;
  }
  bool contains(XY p) const {
    return valid && p.x >= minx && p.x <= maxx && p.y >= miny && p.y <= maxy;
  }
};

enum class GeometryType {
  None,
  Point,
  MultiPoint,
  LineString,
  MultiLineString,
  Polygon,
  MultiPolygon
};

/// Coordinates nested three deep; what each level means depends on `type`:
///   Point: parts[0][0][0]           MultiPoint: parts[0][0] = points
///   LineString: parts[0][0]         MultiLineString: parts[0] = lines
///   Polygon: parts[0] = rings (exterior first)   MultiPolygon: parts = polygons
struct Geometry {
  GeometryType type = GeometryType::None;
  std::vector<std::vector<Path>> parts;

  bool empty() const { return type == GeometryType::None || parts.empty(); }
  Box bbox() const;
  static Geometry point(double x, double y) {
    return Geometry{GeometryType::Point, {{Path{XY{x, y}}}}};
  }
  static Geometry box(const Box& b);
};

/// Signed area of a closed ring (shoelace): > 0 when counter-clockwise.
double signed_area(const Path& ring);

/// Apply f(XY&) to every coordinate.
template <typename F>
void for_each_xy(Geometry& g, F&& f) {
  for (auto& part : g.parts)
    for (auto& path : part)
      for (auto& p : path) f(p);
}

/// The one degenerate-ring rule: a polygon ring that encloses nothing (fewer than four
/// positions, fewer than three distinct positions, or zero area), as a union or a repair can
/// leave behind (e.g. the out-and-back spike [a, b, a, a]). It has no orientation, so RFC 7946's
/// right-hand rule cannot hold for it, OGC Simple Features forbid it, and GeoJSON and Esri
/// clients reject it; dropping it changes no area. Used when reading from GEOS (geo/geos.cpp)
/// and when a collection snapshot is built (layers::Collection::finalize).
bool degenerate_ring(const Path& ring);
/// Does the (multi)polygon have a degenerate ring? Always false for other types.
bool has_degenerate_rings(const Geometry& g);
/// The geometry without degenerate rings; a polygon whose exterior is degenerate is dropped
/// with its holes, and a geometry left without polygons is empty (GeometryType::None).
Geometry without_degenerate_rings(const Geometry& g);

/// Orient polygon rings: exteriors counter-clockwise and holes clockwise when `ccw_exterior`
/// (RFC 7946 right-hand rule), the opposite otherwise (Esri JSON).
void orient_rings(Geometry& g, bool ccw_exterior);

/// Exact point-in-polygon (crossing number, half-open edges, so a point on an edge shared by
/// two polygons falls in exactly one). Only meaningful for Polygon/MultiPolygon.
bool contains_point(const Geometry& polygonal, XY p);

}  // namespace gebieden::geo
