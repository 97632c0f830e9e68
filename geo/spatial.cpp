#include "geo/spatial.hpp"

#include <algorithm>

#include "geo/geos.hpp"
#include "util/error.hpp"

namespace gebieden::geo {

std::string_view relation_name(SpatialRelation rel) {
  switch (rel) {
    case SpatialRelation::Intersects:
      return "intersects";
    case SpatialRelation::Disjoint:
      return "disjoint";
    case SpatialRelation::EnvelopeIntersects:
      return "envelope-intersects";
    case SpatialRelation::Contains:
      return "contains";
    case SpatialRelation::Within:
      return "within";
    case SpatialRelation::Touches:
      return "touches";
    case SpatialRelation::Crosses:
      return "crosses";
    case SpatialRelation::Overlaps:
      return "overlaps";
  }
  return "intersects";
}

namespace {
bool segment_intersects_box(XY a, XY b, const Box& box) {
  // Liang-Barsky clipping.
  double t0 = 0, t1 = 1;
  const double dx = b.x - a.x, dy = b.y - a.y;
  const double p[4] = {-dx, dx, -dy, dy};
  const double q[4] = {a.x - box.minx, box.maxx - a.x, a.y - box.miny, box.maxy - a.y};
  for (int i = 0; i < 4; ++i) {
    if (p[i] == 0) {
      if (q[i] < 0) return false;
    } else {
      const double t = q[i] / p[i];
      if (p[i] < 0) {
        if (t > t1) return false;
        t0 = std::max(t0, t);
      } else {
        if (t < t0) return false;
        t1 = std::min(t1, t);
      }
    }
  }
  return true;
}

bool is_polygonal(const Geometry& g) {
  return g.type == GeometryType::Polygon || g.type == GeometryType::MultiPolygon;
}
}  // namespace

bool box_intersects(const Geometry& g, const Box& box) {
  using T = GeometryType;
  if (g.empty() || !box.valid) return false;
  const Box gb = g.bbox();
  if (!gb.intersects(box)) return false;
  if (gb.minx >= box.minx && gb.maxx <= box.maxx && gb.miny >= box.miny && gb.maxy <= box.maxy)
    return true;
  for (const auto& part : g.parts) {
    for (const auto& path : part) {
      if (g.type == T::Point || g.type == T::MultiPoint) {
        for (const auto& p : path)
          if (box.contains(p)) return true;
        continue;
      }
      for (std::size_t i = 0; i + 1 < path.size(); ++i)
        if (segment_intersects_box(path[i], path[i + 1], box)) return true;
      if (path.size() == 1 && box.contains(path[0])) return true;
    }
  }
  // No boundary meets the box: it is entirely inside a polygon or entirely outside.
  if (is_polygonal(g))
    return contains_point(g, XY{(box.minx + box.maxx) / 2, (box.miny + box.maxy) / 2});
  return false;
}

std::optional<Box> as_rectangle(const Geometry& g) {
  if (g.type != GeometryType::Polygon || g.parts.size() != 1 || g.parts[0].size() != 1)
    return std::nullopt;
  const Path& r = g.parts[0][0];
  if (r.size() != 5 || !(r[0] == r[4])) return std::nullopt;
  const Box b = g.bbox();
  if (!(b.minx < b.maxx) || !(b.miny < b.maxy)) return std::nullopt;
  bool previous_x = false;
  for (std::size_t i = 0; i < 4; ++i) {
    const XY p = r[i], q = r[i + 1];
    if ((p.x != b.minx && p.x != b.maxx) || (p.y != b.miny && p.y != b.maxy)) return std::nullopt;
    const bool along_x = p.x != q.x;
    if (along_x == (p.y != q.y)) return std::nullopt;         // exactly one coordinate changes
    if (i > 0 && along_x == previous_x) return std::nullopt;  // x and y edges alternate
    previous_x = along_x;
  }
  return b;
}

struct SpatialPredicate::Geos {
  GeosContext ctx;
  GeomPtr query;
  PreparedPtr prepared;
};

SpatialPredicate::SpatialPredicate(SpatialRelation rel, Geometry query, SpatialOptions options)
    : m_rel(rel), m_box(query.bbox()) {
  auto unusable = [&]() {
    return input_error(ErrorCode::InvalidParameter, options.parameter,
                       options.parameter + ": not a valid geometry");
  };
  m_empty = query.empty();
  if (m_empty || rel == SpatialRelation::EnvelopeIntersects) return;
  const bool box_relation = rel == SpatialRelation::Intersects || rel == SpatialRelation::Disjoint;
  if (box_relation && (options.envelope || as_rectangle(query))) {
    m_use_box = true;
    return;
  }
  auto geos = std::make_unique<Geos>();
  try {
    geos->query = to_geos(geos->ctx, query);
    if (GEOSisValid_r(geos->ctx, geos->query.get()) != 1) {
      if (!is_polygonal(query)) throw unusable();
      geos->query = make_valid_polygonal(geos->ctx, geos->query.get());
    }
    if (GEOSisEmpty_r(geos->ctx, geos->query.get()) == 1) {
      m_empty = true;
      return;
    }
    geos->prepared =
        PreparedPtr(GEOSPrepare_r(geos->ctx, geos->query.get()), PreparedDeleter{geos->ctx.get()});
  } catch (const geos_error&) {
    throw unusable();
  }
  if (!geos->prepared) throw unusable();
  m_geos = std::move(geos);
}

SpatialPredicate::~SpatialPredicate() = default;
SpatialPredicate::SpatialPredicate(SpatialPredicate&&) noexcept = default;
SpatialPredicate& SpatialPredicate::operator=(SpatialPredicate&&) noexcept = default;

bool SpatialPredicate::test(const Geometry& g) const {
  return test(g, g.bbox());
}

bool SpatialPredicate::test(const Geometry& g, const Box& g_bbox) const {
  const bool disjoint = m_rel == SpatialRelation::Disjoint;
  if (g.empty()) return disjoint;
  if (!g_bbox.intersects(m_box)) return disjoint;
  if (m_rel == SpatialRelation::EnvelopeIntersects) return true;
  if (m_empty) return disjoint;
  if (m_use_box) return box_intersects(g, m_box) != disjoint;
  const GEOSContextHandle_t ctx = m_geos->ctx.get();
  GeomPtr feature;
  try {
    feature = to_geos(m_geos->ctx, g);
  } catch (const geos_error&) {
    return false;
  }
  const GEOSPreparedGeometry* q = m_geos->prepared.get();
  char r = 0;
  switch (m_rel) {
    case SpatialRelation::Intersects:
      r = GEOSPreparedIntersects_r(ctx, q, feature.get());
      break;
    case SpatialRelation::Disjoint:
      r = GEOSPreparedDisjoint_r(ctx, q, feature.get());
      break;
    case SpatialRelation::Contains:
      r = GEOSPreparedContains_r(ctx, q, feature.get());
      break;
    case SpatialRelation::Within:
      r = GEOSPreparedWithin_r(ctx, q, feature.get());
      break;
    case SpatialRelation::Touches:
      r = GEOSPreparedTouches_r(ctx, q, feature.get());
      break;
    case SpatialRelation::Crosses:
      r = GEOSPreparedCrosses_r(ctx, q, feature.get());
      break;
    case SpatialRelation::Overlaps:
      r = GEOSPreparedOverlaps_r(ctx, q, feature.get());
      break;
    case SpatialRelation::EnvelopeIntersects:
      r = 1;
      break;
  }
  return r == 1;
}

}  // namespace gebieden::geo
