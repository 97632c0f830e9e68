#include <algorithm>
#include <vector>

#include "layers/filter.hpp"

// The planar intersection test of S_INTERSECTS / S_DISJOINT: points, segments and
// point-in-polygon, plain arithmetic on the coordinates as given.

namespace gebieden::layers::filter {

namespace {

// Geometry ----------------------------------------------------------------------------------

using geo::XY;

int orientation(XY a, XY b, XY c) {
  const double cross = (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x);
  return (cross > 0) - (cross < 0);
}

/// p is on segment ab, given that it is collinear with it.
bool within(XY a, XY b, XY p) {
  return std::min(a.x, b.x) <= p.x && p.x <= std::max(a.x, b.x) && std::min(a.y, b.y) <= p.y &&
         p.y <= std::max(a.y, b.y);
}

bool on_segment(XY a, XY b, XY p) {
  return orientation(a, b, p) == 0 && within(a, b, p);
}

bool segments_intersect(XY p1, XY p2, XY q1, XY q2) {
  const int d1 = orientation(q1, q2, p1);
  const int d2 = orientation(q1, q2, p2);
  const int d3 = orientation(p1, p2, q1);
  const int d4 = orientation(p1, p2, q2);
  if (d1 * d2 < 0 && d3 * d4 < 0) return true;
  return (d1 == 0 && within(q1, q2, p1)) || (d2 == 0 && within(q1, q2, p2)) ||
         (d3 == 0 && within(p1, p2, q1)) || (d4 == 0 && within(p1, p2, q2));
}

struct Segment {
  XY a, b;
};

/// A geometry as points, segments (lines and ring edges near `window`) and the first vertex of
/// each line and ring, plus the polygonal geometry itself for point-in-polygon tests.
struct Decomposed {
  std::vector<XY> points;
  std::vector<Segment> segments;
  std::vector<XY> path_starts;
  const geo::Geometry* polygonal = nullptr;
};

Decomposed decompose(const geo::Geometry& g, const geo::Box& window) {
  Decomposed d;
  const bool pointal =
      g.type == geo::GeometryType::Point || g.type == geo::GeometryType::MultiPoint;
  if (g.type == geo::GeometryType::Polygon || g.type == geo::GeometryType::MultiPolygon) {
    d.polygonal = &g;
  }
  for (const auto& part : g.parts) {
    for (const auto& path : part) {
      if (pointal || path.size() == 1) {
        d.points.insert(d.points.end(), path.begin(), path.end());
        continue;
      }
      if (path.empty()) continue;
      d.path_starts.push_back(path.front());
      for (std::size_t i = 0; i + 1 < path.size(); ++i) {
        geo::Box sb;
        sb.expand(path[i]);
        sb.expand(path[i + 1]);
        if (sb.intersects(window)) d.segments.push_back({path[i], path[i + 1]});
      }
    }
  }
  return d;
}

bool point_in(const Decomposed& d, XY p) {
  for (const auto& q : d.points) {
    if (q == p) return true;
  }
  for (const auto& s : d.segments) {
    if (on_segment(s.a, s.b, p)) return true;
  }
  return d.polygonal && geo::contains_point(*d.polygonal, p);
}

}  // namespace

bool intersects(const geo::Geometry& a, const geo::Geometry& b) {
  if (a.empty() || b.empty()) return false;
  const geo::Box ba = a.bbox();
  const geo::Box bb = b.bbox();
  if (!ba.intersects(bb)) return false;
  const Decomposed da = decompose(a, bb);
  const Decomposed db = decompose(b, ba);
  for (const auto& p : da.points) {
    if (point_in(db, p)) return true;
  }
  for (const auto& p : db.points) {
    if (point_in(da, p)) return true;
  }
  for (const auto& sa : da.segments) {
    for (const auto& sb : db.segments) {
      if (segments_intersect(sa.a, sa.b, sb.a, sb.b)) return true;
    }
  }
  // No boundaries cross: they intersect only when one lies inside the other.
  if (da.polygonal) {
    for (const auto& p : db.path_starts) {
      if (geo::contains_point(a, p)) return true;
    }
  }
  if (db.polygonal) {
    for (const auto& p : da.path_starts) {
      if (geo::contains_point(b, p)) return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

}  // namespace gebieden::layers::filter
