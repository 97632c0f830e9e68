#pragma once
// Proximity queries over points in a projected CRS (metres: EPSG:28992 here): everything within
// a radius, and the k nearest. A uniform grid of cells holds the point indices in one flat array
// (cell by cell), so a query touches only the cells its circle overlaps. Distances are planar
// Euclidean metres; in RD New that is the true distance to well under a metre over the few
// kilometres a gebiedswerker walks.
//
// Immutable once built and safe to query from many threads. Answers are ordered by distance,
// ties by point index: build the index with the points in a stable order (e.g. by id) and the
// order of equally distant answers is stable too.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "geo/geometry.hpp"

namespace gebieden::geo {

struct ProximityHit {
  std::uint32_t index = 0;  // into the points the index was built from
  double distance_m = 0;
  bool operator==(const ProximityHit&) const = default;
};

class PointIndex {
 public:
  PointIndex() = default;
  /// Points with a non-finite coordinate are kept (their indices stay valid) but never found.
  /// `cell_m` is the grid's cell size; about the typical query radius divided by two is right.
  explicit PointIndex(const std::vector<XY>& points, double cell_m = 250);

  std::size_t size() const noexcept { return m_points.size(); }
  const XY& point(std::uint32_t i) const { return m_points[i]; }

  /// Every point within `radius_m` of `centre` (the boundary included) that `accept(index)`
  /// takes, nearest first. A negative or non-finite radius finds nothing.
  template <typename Accept>
  std::vector<ProximityHit> within_if(XY centre, double radius_m, Accept&& accept) const;
  std::vector<ProximityHit> within(XY centre, double radius_m) const {
    return within_if(centre, radius_m, [](std::uint32_t) { return true; });
  }

  /// The `k` nearest points that `accept(index)` takes, no farther than `max_radius_m`, nearest
  /// first. Rings of cells are searched outwards until no unseen cell can hold a nearer point.
  template <typename Accept>
  std::vector<ProximityHit> nearest_if(XY centre, std::size_t k, double max_radius_m,
                                       Accept&& accept) const;
  std::vector<ProximityHit> nearest(
      XY centre, std::size_t k,
      double max_radius_m = std::numeric_limits<double>::infinity()) const {
    return nearest_if(centre, k, max_radius_m, [](std::uint32_t) { return true; });
  }

 private:
  /// The points of cell (cx, cy): [begin, end) into m_order. Empty outside the grid.
  struct Span {
    const std::uint32_t* begin = nullptr;
    const std::uint32_t* end = nullptr;
  };
  Span cell(long long cx, long long cy) const;
  long long cell_x(double x) const {
    return static_cast<long long>(std::floor((x - m_origin.x) / m_cell));
  }
  long long cell_y(double y) const {
    return static_cast<long long>(std::floor((y - m_origin.y) / m_cell));
  }
  static void sort_hits(std::vector<ProximityHit>& hits);

  std::vector<XY> m_points;
  double m_cell = 250;
  XY m_origin;
  long long m_nx = 0, m_ny = 0;
  std::vector<std::uint32_t> m_start;  // m_nx * m_ny + 1 offsets into m_order
  std::vector<std::uint32_t> m_order;  // point indices, cell by cell, ascending within a cell
};

// ---- templates -------------------------------------------------------------------------------

template <typename Accept>
std::vector<ProximityHit> PointIndex::within_if(XY centre, double radius_m, Accept&& accept) const {
  std::vector<ProximityHit> hits;
  if (!(radius_m >= 0) || !std::isfinite(radius_m) || !std::isfinite(centre.x) ||
      !std::isfinite(centre.y) || m_order.empty())
    return hits;
  const double r2 = radius_m * radius_m;
  const long long x0 = std::max(0LL, cell_x(centre.x - radius_m));
  const long long x1 = std::min(m_nx - 1, cell_x(centre.x + radius_m));
  const long long y0 = std::max(0LL, cell_y(centre.y - radius_m));
  const long long y1 = std::min(m_ny - 1, cell_y(centre.y + radius_m));
  for (long long cy = y0; cy <= y1; ++cy) {
    for (long long cx = x0; cx <= x1; ++cx) {
      const Span s = cell(cx, cy);
      for (const std::uint32_t* p = s.begin; p != s.end; ++p) {
        const XY& q = m_points[*p];
        const double dx = q.x - centre.x, dy = q.y - centre.y;
        const double d2 = dx * dx + dy * dy;
        if (d2 <= r2 && accept(*p)) hits.push_back(ProximityHit{*p, std::sqrt(d2)});
      }
    }
  }
  sort_hits(hits);
  return hits;
}

template <typename Accept>
std::vector<ProximityHit> PointIndex::nearest_if(XY centre, std::size_t k, double max_radius_m,
                                                 Accept&& accept) const {
  std::vector<ProximityHit> best;
  if (k == 0 || !(max_radius_m >= 0) || !std::isfinite(centre.x) || !std::isfinite(centre.y) ||
      m_order.empty())
    return best;
  const double max_r2 = max_radius_m * max_radius_m;
  const long long ccx = cell_x(centre.x), ccy = cell_y(centre.y);
  // Rings of cells at Chebyshev distance `ring` from the centre's cell; only their part inside
  // the grid is visited, from the first ring that reaches the grid to the last that holds a cell.
  const auto gap = [](long long c, long long n) { return c < 0 ? -c : c >= n ? c - n + 1 : 0LL; };
  const long long first = std::max(gap(ccx, m_nx), gap(ccy, m_ny));
  const long long last = std::max({ccx, m_nx - 1 - ccx, ccy, m_ny - 1 - ccy});
  std::vector<ProximityHit> found;
  const auto visit = [&](long long cx, long long cy) {
    const Span s = cell(cx, cy);
    for (const std::uint32_t* p = s.begin; p != s.end; ++p) {
      const XY& q = m_points[*p];
      const double dx = q.x - centre.x, dy = q.y - centre.y;
      const double d2 = dx * dx + dy * dy;
      if (d2 <= max_r2 && accept(*p)) found.push_back(ProximityHit{*p, std::sqrt(d2)});
    }
  };
  for (long long ring = first; ring <= last; ++ring) {
    if (ring > 0) {
      // The nearest a point in ring `ring` can be: the distance from the centre to the ring's
      // inner edge.
      const double left = centre.x - (m_origin.x + static_cast<double>(ccx - ring + 1) * m_cell);
      const double right = (m_origin.x + static_cast<double>(ccx + ring) * m_cell) - centre.x;
      const double below = centre.y - (m_origin.y + static_cast<double>(ccy - ring + 1) * m_cell);
      const double above = (m_origin.y + static_cast<double>(ccy + ring) * m_cell) - centre.y;
      const double reach = std::max(0.0, std::min({left, right, below, above}));
      if (reach > max_radius_m) break;
      if (found.size() >= k) {
        sort_hits(found);
        found.resize(k);
        // Only a point strictly nearer than the k-th could still displace it (one equally far
        // with a lower index too, so stop only when the ring lies strictly beyond).
        if (reach > found.back().distance_m) break;
      }
    } else {
      visit(ccx, ccy);
      continue;
    }
    const long long x0 = std::max(0LL, ccx - ring), x1 = std::min(m_nx - 1, ccx + ring);
    const long long y0 = std::max(0LL, ccy - ring + 1), y1 = std::min(m_ny - 1, ccy + ring - 1);
    for (long long cx = x0; cx <= x1; ++cx) {
      visit(cx, ccy - ring);
      visit(cx, ccy + ring);
    }
    for (long long cy = y0; cy <= y1; ++cy) {
      visit(ccx - ring, cy);
      visit(ccx + ring, cy);
    }
  }
  sort_hits(found);
  if (found.size() > k) found.resize(k);
  return found;
}

}  // namespace gebieden::geo
