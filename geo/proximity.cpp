#include "geo/proximity.hpp"

#include <algorithm>
#include <bit>

namespace gebieden::geo {

namespace {
bool finite(XY p) {
  return std::isfinite(p.x) && std::isfinite(p.y);
}
}  // namespace

PointIndex::PointIndex(const std::vector<XY>& points, double cell_m)
    : m_points(points), m_cell(cell_m > 0 && std::isfinite(cell_m) ? cell_m : 250) {
  Box box;
  for (const XY& p : m_points)
    if (finite(p)) box.expand(p);
  if (!box.valid) return;
  m_origin = XY{box.minx, box.miny};
  // A grid of at most about 4 million cells: a wider spread gets larger cells.
  constexpr double kMaxCells = 4e6;
  const double w = box.maxx - box.minx, h = box.maxy - box.miny;
  while ((std::floor(w / m_cell) + 1) * (std::floor(h / m_cell) + 1) > kMaxCells) m_cell *= 2;
  m_nx = cell_x(box.maxx) + 1;
  m_ny = cell_y(box.maxy) + 1;
  const auto cells = static_cast<std::size_t>(m_nx * m_ny);
  m_start.assign(cells + 1, 0);
  std::vector<std::size_t> cell_of(m_points.size(), cells);
  for (std::size_t i = 0; i < m_points.size(); ++i) {
    if (!finite(m_points[i])) continue;
    const auto c = static_cast<std::size_t>(cell_y(m_points[i].y) * m_nx + cell_x(m_points[i].x));
    cell_of[i] = c;
    ++m_start[c + 1];
  }
  for (std::size_t c = 0; c < cells; ++c) m_start[c + 1] += m_start[c];
  m_order.resize(m_start[cells]);
  std::vector<std::uint32_t> fill(m_start.begin(), m_start.end() - 1);
  for (std::size_t i = 0; i < m_points.size(); ++i)
    if (cell_of[i] < cells) m_order[fill[cell_of[i]]++] = static_cast<std::uint32_t>(i);
  m_xy.reserve(m_order.size());
  for (auto i : m_order) m_xy.push_back(m_points[i]);
}

PointIndex::Span PointIndex::cell(long long cx, long long cy) const {
  if (cx < 0 || cy < 0 || cx >= m_nx || cy >= m_ny) return {};
  const auto c = static_cast<std::size_t>(cy * m_nx + cx);
  return Span{m_start[c], m_start[c + 1]};
}

void PointIndex::Ranks::grow(std::size_t capacity) {
  if (m_data == m_inline) m_heap.assign(m_inline, m_inline + m_size);
  m_heap.resize(std::max(capacity, m_capacity * 2));
  m_capacity = m_heap.size();
  m_data = m_heap.data();
}

void PointIndex::sort_ranks(Ranked* begin, Ranked* end) {
  std::sort(begin, end, [](const Ranked& a, const Ranked& b) { return a.rank < b.rank; });
}

void PointIndex::sort_ranks(Ranks& ranks) {
  sort_ranks(ranks.begin(), ranks.end());
}

void PointIndex::sort_nearly_sorted(Ranked* a, std::size_t n) {
  // An insertion sort while its moves stay within a budget of a few per hit (hits all but
  // sorted need far fewer), std::sort on what it leaves once they do not (a cluster of hits at
  // one distance): never quadratic.
  std::size_t budget = 4 * n + 16;
  for (std::size_t i = 1; i < n; ++i) {
    const Ranked v = a[i];
    std::size_t j = i;
    for (; j > 0 && a[j - 1].rank > v.rank; --j) {
      a[j] = a[j - 1];
      if (--budget == 0) {
        a[j - 1] = v;
        return sort_ranks(a, a + n);
      }
    }
    a[j] = v;
  }
}

std::vector<ProximityHit> PointIndex::within_hits(Ranks& ranks, double radius_m, std::size_t max) {
  // A counting pass into n to 2n buckets by the leading bits of the millimetres leaves the hits
  // all but sorted, and an insertion sort finishes them in about linear time, its inner loop
  // rarely taken: far fewer instructions and mispredicted branches than std::sort for the few
  // dozen hits of a walk. Points spread evenly over the circle fill the buckets about evenly
  // (the outer ones twice the inner). Very many hits go to std::sort.
  const std::size_t n = ranks.size();
  Ranked* sorted = ranks.begin();
  constexpr std::size_t kMaxBuckets = 1024;
  std::uint32_t start[kMaxBuckets + 1];
  Ranked bucketed[kMaxBuckets];
  if (n > kMaxBuckets) {
    sort_ranks(ranks);
  } else {
    if (n > 16) {
      const std::size_t buckets = std::bit_ceil(n);
      // The shift that maps the largest millimetres a hit can have below `buckets`.
      const auto max_mm = static_cast<std::uint64_t>(std::min(radius_m * 1000 + 0.5, 4294967295.0));
      const int shift =
          32 + std::max(0, static_cast<int>(std::bit_width(max_mm)) - std::countr_zero(buckets));
      std::fill(start, start + buckets + 1, 0);
      for (const Ranked& r : ranks) ++start[(r.rank >> shift) + 1];
      for (std::size_t b = 0; b < buckets; ++b) start[b + 1] += start[b];
      for (const Ranked& r : ranks) bucketed[start[r.rank >> shift]++] = r;
      sorted = bucketed;
    }
    sort_nearly_sorted(sorted, n);
  }
  const std::size_t count = std::min(n, max);
  std::vector<ProximityHit> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i)
    out.push_back(ProximityHit{static_cast<std::uint32_t>(sorted[i].rank & 0xFFFFFFFFu),
                               sorted[i].distance_m});
  return out;
}

std::vector<ProximityHit> PointIndex::hits(const Ranks& ranks, std::size_t max) {
  const std::size_t n = std::min(max, ranks.size());
  std::vector<ProximityHit> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(
        ProximityHit{static_cast<std::uint32_t>(ranks[i].rank & 0xFFFFFFFFu), ranks[i].distance_m});
  return out;
}

}  // namespace gebieden::geo
