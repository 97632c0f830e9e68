#include "geo/locator.hpp"

#include <algorithm>
#include <cmath>

#include "util/error.hpp"

namespace gebieden::geo {

Locator::Locator(const std::vector<const Geometry*>& polygons, double cell_size)
    : m_polygons(polygons), m_cell(cell_size), m_ctx(std::make_unique<GeosContext>()) {
  const GeosContext& ctx = *m_ctx;
  for (const auto* g : m_polygons) {
    m_boxes.push_back(g->bbox());
    m_extent.expand(m_boxes.back());
  }
  // GEOS reference structures.
  m_tree = STRtreePtr(GEOSSTRtree_create_r(ctx, 10), STRtreeDeleter{ctx.get()});
  m_ids.resize(m_polygons.size());
  for (std::size_t i = 0; i < m_polygons.size(); ++i) {
    m_ids[i] = static_cast<int>(i);
    m_geoms.push_back(to_geos(ctx, *m_polygons[i]));
    m_prepared.emplace_back(GEOSPrepare_r(ctx, m_geoms.back().get()), PreparedDeleter{ctx.get()});
    GEOSSTRtree_insert_r(ctx, m_tree.get(), m_geoms.back().get(), &m_ids[i]);
  }
  if (!m_extent.valid) return;

  m_nx = static_cast<std::size_t>(std::ceil((m_extent.maxx - m_extent.minx) / m_cell)) + 1;
  m_ny = static_cast<std::size_t>(std::ceil((m_extent.maxy - m_extent.miny) / m_cell)) + 1;
  m_cells.assign(m_nx * m_ny, -1);
  m_offsets.push_back(0);

  // Classify cells: for each polygon, walk the cells of its bbox.
  std::vector<std::vector<std::int32_t>> touching(m_cells.size());
  for (std::size_t i = 0; i < m_polygons.size(); ++i) {
    const Box& b = m_boxes[i];
    const auto x0 = static_cast<std::size_t>((b.minx - m_extent.minx) / m_cell);
    const auto x1 = static_cast<std::size_t>((b.maxx - m_extent.minx) / m_cell);
    const auto y0 = static_cast<std::size_t>((b.miny - m_extent.miny) / m_cell);
    const auto y1 = static_cast<std::size_t>((b.maxy - m_extent.miny) / m_cell);
    for (std::size_t cy = y0; cy <= y1 && cy < m_ny; ++cy) {
      for (std::size_t cx = x0; cx <= x1 && cx < m_nx; ++cx) {
        const double minx = m_extent.minx + cx * m_cell, miny = m_extent.miny + cy * m_cell;
        GeomPtr cell = wrap(
            ctx, GEOSGeom_createRectangle_r(ctx, minx, miny, minx + m_cell, miny + m_cell), "cell");
        const std::size_t c = cy * m_nx + cx;
        if (GEOSPreparedContainsProperly_r(ctx, m_prepared[i].get(), cell.get()) == 1) {
          m_cells[c] = static_cast<std::int32_t>(i);
          touching[c].clear();
          touching[c].push_back(static_cast<std::int32_t>(i) | 0x40000000);  // marks "inside"
        } else if (GEOSPreparedIntersects_r(ctx, m_prepared[i].get(), cell.get()) == 1) {
          if (touching[c].empty() || !(touching[c][0] & 0x40000000))
            touching[c].push_back(static_cast<std::int32_t>(i));
        }
      }
    }
  }
  for (std::size_t c = 0; c < m_cells.size(); ++c) {
    auto& t = touching[c];
    if (t.empty()) continue;
    if (t[0] & 0x40000000) {
      m_cells[c] = t[0] & ~0x40000000;
      continue;
    }
    std::sort(t.begin(), t.end());
    const auto slot = static_cast<std::int32_t>(m_offsets.size() - 1);
    m_candidates.insert(m_candidates.end(), t.begin(), t.end());
    m_offsets.push_back(static_cast<std::uint32_t>(m_candidates.size()));
    m_cells[c] = -(slot + 2);
  }
}

Locator::~Locator() {
  // Destroy GEOS objects before the context they were made with.
  m_tree.reset();
  m_prepared.clear();
  m_geoms.clear();
}

int Locator::exact(std::uint32_t slot, XY p) const {
  for (std::uint32_t k = m_offsets[slot]; k < m_offsets[slot + 1]; ++k) {
    const int i = m_candidates[k];
    if (m_boxes[i].contains(p) && contains_point(*m_polygons[i], p)) return i;
  }
  return -1;
}

int Locator::locate(XY p) const {
  if (!m_extent.contains(p) || m_cells.empty()) return -1;
  const auto cx = static_cast<std::size_t>((p.x - m_extent.minx) / m_cell);
  const auto cy = static_cast<std::size_t>((p.y - m_extent.miny) / m_cell);
  if (cx >= m_nx || cy >= m_ny) return -1;
  const std::int32_t v = m_cells[cy * m_nx + cx];
  if (v >= 0) return v;
  if (v == -1) return -1;
  return exact(static_cast<std::uint32_t>(-(v + 2)), p);
}

namespace {
struct QueryState {
  const std::vector<PreparedPtr>* prepared;
  GEOSContextHandle_t ctx;
  const GEOSGeometry* point;
  int best;
};
void visit(void* item, void* userdata) {
  auto* st = static_cast<QueryState*>(userdata);
  const int i = *static_cast<int*>(item);
  if (st->best >= 0 && i > st->best) return;
  if (GEOSPreparedIntersects_r(st->ctx, (*st->prepared)[i].get(), st->point) == 1) st->best = i;
}
}  // namespace

int Locator::locate_geos(XY p) const {
  const GeosContext& ctx = *m_ctx;
  GeomPtr pt = wrap(ctx, GEOSGeom_createPointFromXY_r(ctx, p.x, p.y), "point");
  QueryState st{&m_prepared, ctx.get(), pt.get(), -1};
  GEOSSTRtree_query_r(ctx, m_tree.get(), pt.get(), visit, &st);
  return st.best;
}

Locator::Stats Locator::stats() const {
  Stats s;
  s.cells = m_cells.size();
  for (auto v : m_cells) {
    if (v >= 0)
      ++s.inside_cells;
    else if (v == -1)
      ++s.empty_cells;
    else
      ++s.border_cells;
  }
  return s;
}

}  // namespace gebieden::geo
