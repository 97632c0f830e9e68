#include "geo/proximity.hpp"

#include <algorithm>

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

void PointIndex::sort_ranked(std::vector<Ranked>& hits) {
  std::sort(hits.begin(), hits.end(),
            [](const Ranked& a, const Ranked& b) { return a.rank < b.rank; });
}

std::vector<ProximityHit> PointIndex::to_hits(const std::vector<Ranked>& hits, std::size_t max) {
  std::vector<ProximityHit> out(std::min(max, hits.size()));
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] =
        ProximityHit{static_cast<std::uint32_t>(hits[i].rank & 0xFFFFFFFFu), hits[i].distance_m};
  return out;
}

}  // namespace gebieden::geo
