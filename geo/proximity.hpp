#pragma once
// Proximity queries over points in a projected CRS (metres: EPSG:28992 here): everything within
// a radius, and the k nearest. A uniform grid of cells holds the point indices in one flat array
// (cell by cell), so a query touches only the cells its circle overlaps. Distances are planar
// Euclidean metres; in RD New that is the true distance to well under a metre over the few
// kilometres a gebiedswerker walks.
//
// Immutable once built and safe to query from many threads. Answers are ordered by distance
// rounded to the millimetre (what a client is shown), ties by point index: build the index with
// the points in a stable order (e.g. by id) and the order of equally distant answers is stable
// too. The distance in each answer is the exact one.

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
  /// The points of cell (cx, cy): positions [begin, end) of m_order and m_xy. Empty outside
  /// the grid.
  struct Span {
    std::size_t begin = 0;
    std::size_t end = 0;
  };
  Span cell(long long cx, long long cy) const;
  /// The column and row of a coordinate, clamped to ±2^62 so that any finite coordinate (the
  /// edge of a huge circle) converts.
  long long cell_x(double x) const { return cell_of((x - m_origin.x) / m_cell); }
  long long cell_y(double y) const { return cell_of((y - m_origin.y) / m_cell); }
  static long long cell_of(double v) {
    return static_cast<long long>(std::floor(std::clamp(v, -4.6e18, 4.6e18)));
  }
  /// A hit while it is collected: its rank (the distance rounded to the millimetre << 32 | the
  /// point index, so that sorting the integers orders the hits by distance, ties by index) and
  /// its exact distance.
  struct Ranked {
    std::uint64_t rank;
    double distance_m;
  };
  static Ranked ranked(std::uint32_t index, double d2) {
    const double d = std::sqrt(d2);
    // Rounded to the millimetre without a libm call (distances are never negative), through a
    // signed integer: the unsigned conversion costs a dozen instructions on x86-64.
    const auto mm = static_cast<std::uint64_t>(
        static_cast<std::int64_t>(std::min(d * 1000 + 0.5, 4294967295.0)));
    return Ranked{(mm << 32) | index, d};
  }
  /// The hits of one query while they are collected. The first 256 live on the stack of the
  /// query (no allocation for the usual answer), more on the heap.
  class Ranks {
   public:
    Ranks() = default;
    Ranks(const Ranks&) = delete;
    Ranks& operator=(const Ranks&) = delete;
    /// Room for `n` more hits: write them through the pointer (a local one, which the compiler
    /// keeps in a register), then commit() where the writing ended.
    Ranked* claim(std::size_t n) {
      if (m_size + n > m_capacity) grow(m_size + n);
      return m_data + m_size;
    }
    void commit(const Ranked* end) { m_size = static_cast<std::size_t>(end - m_data); }
    Ranked* begin() { return m_data; }
    Ranked* end() { return m_data + m_size; }
    const Ranked* begin() const { return m_data; }
    const Ranked* end() const { return m_data + m_size; }
    std::size_t size() const { return m_size; }
    const Ranked& operator[](std::size_t i) const { return m_data[i]; }
    void truncate(std::size_t n) { m_size = std::min(m_size, n); }

   private:
    void grow(std::size_t capacity);
    static constexpr std::size_t kInline = 256;
    Ranked m_inline[kInline];
    std::vector<Ranked> m_heap;
    Ranked* m_data = m_inline;
    std::size_t m_size = 0;
    std::size_t m_capacity = kInline;
  };
  /// Calls f(begin, end) with the positions [begin, end) of m_order and m_xy in each row of
  /// cells that a circle reaches (a valid one: radius and centre finite).
  template <typename F>
  void for_each_row(XY centre, double radius_m, F&& f) const;
  /// Adds the points within the circle that `accept` takes to `ranks`, unsorted.
  template <typename Accept>
  void collect_within(XY centre, double radius_m, Accept& accept, Ranks& ranks) const;
  /// The first `max` answers of a radius query from its hits (none farther than `radius_m`),
  /// sorted.
  static std::vector<ProximityHit> within_hits(Ranks& ranks, double radius_m, std::size_t max);
  static void sort_ranks(Ranks& ranks);
  static void sort_ranks(Ranked* begin, Ranked* end);
  /// Sorts by rank in place; fast when the hits are all but sorted already.
  static void sort_nearly_sorted(Ranked* a, std::size_t n);
  /// The first `max` hits as answers.
  static std::vector<ProximityHit> hits(const Ranks& ranks, std::size_t max);

  std::vector<XY> m_points;
  double m_cell = 250;
  XY m_origin;
  long long m_nx = 0, m_ny = 0;
  std::vector<std::uint32_t> m_start;  // m_nx * m_ny + 1 offsets into m_order
  std::vector<std::uint32_t> m_order;  // point indices, cell by cell, ascending within a cell
  std::vector<XY> m_xy;                // their coordinates in the same order: a cell is one
                                       // contiguous run in memory, read without cache misses
};

// ---- templates -------------------------------------------------------------------------------

template <typename F>
void PointIndex::for_each_row(XY centre, double radius_m, F&& f) const {
  const double r2 = radius_m * radius_m;
  const long long x0 = std::max(0LL, cell_x(centre.x - radius_m));
  const long long x1 = std::min(m_nx - 1, cell_x(centre.x + radius_m));
  const long long y0 = std::max(0LL, cell_y(centre.y - radius_m));
  const long long y1 = std::min(m_ny - 1, cell_y(centre.y + radius_m));
  for (long long cy = y0; cy <= y1; ++cy) {
    // The cells of this row that the circle reaches (its half-width at the row's nearest edge)
    // are one contiguous run of positions: the cells are stored row by row.
    const double row_lo = m_origin.y + static_cast<double>(cy) * m_cell;
    const double ny = std::max({0.0, row_lo - centre.y, centre.y - (row_lo + m_cell)});
    const double half = std::sqrt(std::max(0.0, r2 - ny * ny));
    const long long rx0 = std::max(x0, cell_x(centre.x - half));
    const long long rx1 = std::min(x1, cell_x(centre.x + half));
    if (rx0 > rx1) continue;
    const auto row = static_cast<std::size_t>(cy * m_nx);
    f(m_start[row + static_cast<std::size_t>(rx0)],
      m_start[row + static_cast<std::size_t>(rx1) + 1]);
  }
}

template <typename Accept>
void PointIndex::collect_within(XY centre, double radius_m, Accept& accept, Ranks& ranks) const {
  const double r2 = radius_m * radius_m;
  for_each_row(centre, radius_m, [&](std::uint32_t begin, std::uint32_t end) {
    // First without a branch on the distance (which the processor cannot predict at the edge
    // of the circle): every position is written, the next one overwrites it unless it is
    // within the radius. Then the hits of this row are ranked in place.
    // (Local copies: the compiler cannot tell that the writes through `out` leave them alone.)
    const XY* const xy = m_xy.data();
    const double cx = centre.x, cy = centre.y, rr = r2;
    Ranked* const first = ranks.claim(end - begin);
    Ranked* out = first;
    for (std::uint32_t j = begin; j != end; ++j) {
      const double dx = xy[j].x - cx, dy = xy[j].y - cy;
      const double d2 = dx * dx + dy * dy;
      *out = Ranked{j, d2};
      out += d2 <= rr;
    }
    const std::uint32_t* const order = m_order.data();
    Ranked* kept = first;
    for (const Ranked* h = first; h != out; ++h) {
      const std::uint32_t index = order[h->rank];
      if (accept(index)) *kept++ = ranked(index, h->distance_m);
    }
    ranks.commit(kept);
  });
}

template <typename Accept>
std::vector<ProximityHit> PointIndex::within_if(XY centre, double radius_m, Accept&& accept) const {
  if (!(radius_m >= 0) || !std::isfinite(radius_m) || !std::isfinite(centre.x) ||
      !std::isfinite(centre.y) || m_order.empty())
    return {};
  Ranks ranks;
  collect_within(centre, radius_m, accept, ranks);
  return within_hits(ranks, radius_m, ranks.size());
}

template <typename Accept>
std::vector<ProximityHit> PointIndex::nearest_if(XY centre, std::size_t k, double max_radius_m,
                                                 Accept&& accept) const {
  if (k == 0 || !(max_radius_m >= 0) || !std::isfinite(centre.x) || !std::isfinite(centre.y) ||
      m_order.empty())
    return {};
  // A radius that holds few points more than k (the /nearby default: 50 within a walk):
  // everything within it, as a radius query, then the first k. The rings below pay for a branch
  // per point and a sort per ring instead. (Counting the points costs a few instructions per
  // row of cells: only for a circle of at most 64 rows.)
  if (std::isfinite(max_radius_m) && std::min(m_ny - 1, cell_y(centre.y + max_radius_m)) -
                                             std::max(0LL, cell_y(centre.y - max_radius_m)) <
                                         64) {
    std::size_t candidates = 0;
    for_each_row(centre, max_radius_m,
                 [&](std::uint32_t begin, std::uint32_t end) { candidates += end - begin; });
    if (candidates <= 256 || (candidates - 256) / 8 < k) {
      Ranks ranks;
      collect_within(centre, max_radius_m, accept, ranks);
      return within_hits(ranks, max_radius_m, k);
    }
  }
  const double max_r2 = max_radius_m * max_radius_m;
  const long long ccx = cell_x(centre.x), ccy = cell_y(centre.y);
  // Rings of cells at Chebyshev distance `ring` from the centre's cell; only their part inside
  // the grid is visited, from the first ring that reaches the grid to the last that holds a cell.
  const auto gap = [](long long c, long long n) { return c < 0 ? -c : c >= n ? c - n + 1 : 0LL; };
  const long long first = std::max(gap(ccx, m_nx), gap(ccy, m_ny));
  const long long last = std::max({ccx, m_nx - 1 - ccx, ccy, m_ny - 1 - ccy});
  Ranks found;
  const auto visit = [&](long long cx, long long cy) {
    const Span s = cell(cx, cy);
    Ranked* out = found.claim(s.end - s.begin);
    for (std::size_t j = s.begin; j != s.end; ++j) {
      const double dx = m_xy[j].x - centre.x, dy = m_xy[j].y - centre.y;
      const double d2 = dx * dx + dy * dy;
      if (d2 <= max_r2 && accept(m_order[j])) *out++ = ranked(m_order[j], d2);
    }
    found.commit(out);
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
        sort_ranks(found);
        found.truncate(k);
        // Only a point nearer than the k-th could still displace it (or one as far to the
        // millimetre with a lower index): every point of this ring and beyond rounds to at least
        // round(reach in mm), so stop once that lies beyond the k-th's millimetre.
        if (reach * 1000 > static_cast<double>(found[k - 1].rank >> 32) + 1) break;
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
  sort_ranks(found);
  return hits(found, k);
}

}  // namespace gebieden::geo
