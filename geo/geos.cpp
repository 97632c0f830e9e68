#include "geo/geos.hpp"

#include <cstdarg>
#include <cstdio>

#include "util/error.hpp"

namespace gebieden::geo {

namespace {
void on_message(const char* /*fmt*/, ...) {}  // notices are not interesting

void on_error(const char* message, void* userdata) {
  auto* target = static_cast<std::string*>(userdata);
  if (target && message) *target = message;
}
}  // namespace

GeosContext::GeosContext() : m_handle(GEOS_init_r()) {
  if (!m_handle) throw geos_error("GEOS_init_r failed");
  GEOSContext_setErrorMessageHandler_r(m_handle, on_error, &m_last_error);
  GEOSContext_setNoticeHandler_r(m_handle, reinterpret_cast<GEOSMessageHandler>(on_message));
}

GeosContext::~GeosContext() {
  GEOS_finish_r(m_handle);
}

GeomPtr wrap(const GeosContext& ctx, GEOSGeometry* g, const char* what) {
  if (!g) throw geos_error(std::string(what) + " failed: " + ctx.last_error());
  return GeomPtr(g, GeomDeleter{ctx.get()});
}

namespace {
GEOSCoordSequence* make_seq(const GeosContext& ctx, const Path& path) {
  GEOSCoordSequence* seq = GEOSCoordSeq_create_r(ctx, static_cast<unsigned>(path.size()), 2);
  if (!seq) throw geos_error("GEOSCoordSeq_create failed");
  for (unsigned i = 0; i < path.size(); ++i)
    GEOSCoordSeq_setXY_r(ctx, seq, i, path[i].x, path[i].y);
  return seq;
}

GEOSGeometry* make_polygon(const GeosContext& ctx, const std::vector<Path>& rings) {
  if (rings.empty()) return GEOSGeom_createEmptyPolygon_r(ctx);
  GEOSGeometry* shell = GEOSGeom_createLinearRing_r(ctx, make_seq(ctx, rings[0]));
  if (!shell) throw geos_error("invalid ring: " + ctx.last_error());
  std::vector<GEOSGeometry*> holes;
  for (std::size_t i = 1; i < rings.size(); ++i) {
    GEOSGeometry* hole = GEOSGeom_createLinearRing_r(ctx, make_seq(ctx, rings[i]));
    if (!hole) {
      GEOSGeom_destroy_r(ctx, shell);
      for (auto* h : holes) GEOSGeom_destroy_r(ctx, h);
      throw geos_error("invalid ring: " + ctx.last_error());
    }
    holes.push_back(hole);
  }
  return GEOSGeom_createPolygon_r(ctx, shell, holes.data(), static_cast<unsigned>(holes.size()));
}

Path read_seq(const GeosContext& ctx, const GEOSGeometry* g) {
  Path path;
  const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(ctx, g);
  unsigned n = 0;
  if (!seq || !GEOSCoordSeq_getSize_r(ctx, seq, &n)) return path;
  path.resize(n);
  for (unsigned i = 0; i < n; ++i) GEOSCoordSeq_getXY_r(ctx, seq, i, &path[i].x, &path[i].y);
  return path;
}

std::vector<Path> read_polygon(const GeosContext& ctx, const GEOSGeometry* g) {
  std::vector<Path> rings;
  if (GEOSisEmpty_r(ctx, g)) return rings;
  Path shell = read_seq(ctx, GEOSGetExteriorRing_r(ctx, g));
  if (degenerate_ring(shell)) return rings;
  rings.push_back(std::move(shell));
  const int n = GEOSGetNumInteriorRings_r(ctx, g);
  for (int i = 0; i < n; ++i) {
    Path hole = read_seq(ctx, GEOSGetInteriorRingN_r(ctx, g, i));
    if (!degenerate_ring(hole)) rings.push_back(std::move(hole));
  }
  return rings;
}

void collect_polygons(const GeosContext& ctx, const GEOSGeometry* g,
                      std::vector<std::vector<Path>>& out) {
  const int type = GEOSGeomTypeId_r(ctx, g);
  if (type == GEOS_POLYGON) {
    auto rings = read_polygon(ctx, g);
    if (!rings.empty()) out.push_back(std::move(rings));
  } else if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
    const int n = GEOSGetNumGeometries_r(ctx, g);
    for (int i = 0; i < n; ++i) collect_polygons(ctx, GEOSGetGeometryN_r(ctx, g, i), out);
  }
}
}  // namespace

GeomPtr to_geos(const GeosContext& ctx, const Geometry& g) {
  switch (g.type) {
    case GeometryType::None:
      return wrap(ctx, GEOSGeom_createEmptyCollection_r(ctx, GEOS_GEOMETRYCOLLECTION), "empty");
    case GeometryType::Point: {
      const XY p = g.parts.at(0).at(0).at(0);
      return wrap(ctx, GEOSGeom_createPointFromXY_r(ctx, p.x, p.y), "point");
    }
    case GeometryType::MultiPoint: {
      std::vector<GEOSGeometry*> pts;
      for (const auto& p : g.parts.at(0).at(0))
        pts.push_back(GEOSGeom_createPointFromXY_r(ctx, p.x, p.y));
      return wrap(ctx,
                  GEOSGeom_createCollection_r(ctx, GEOS_MULTIPOINT, pts.data(),
                                              static_cast<unsigned>(pts.size())),
                  "multipoint");
    }
    case GeometryType::LineString:
      return wrap(ctx, GEOSGeom_createLineString_r(ctx, make_seq(ctx, g.parts.at(0).at(0))),
                  "linestring");
    case GeometryType::MultiLineString: {
      std::vector<GEOSGeometry*> lines;
      for (const auto& l : g.parts.at(0))
        lines.push_back(GEOSGeom_createLineString_r(ctx, make_seq(ctx, l)));
      return wrap(ctx,
                  GEOSGeom_createCollection_r(ctx, GEOS_MULTILINESTRING, lines.data(),
                                              static_cast<unsigned>(lines.size())),
                  "multilinestring");
    }
    case GeometryType::Polygon:
      return wrap(ctx, make_polygon(ctx, g.parts.at(0)), "polygon");
    case GeometryType::MultiPolygon: {
      std::vector<GEOSGeometry*> polys;
      for (const auto& p : g.parts) polys.push_back(make_polygon(ctx, p));
      return wrap(ctx,
                  GEOSGeom_createCollection_r(ctx, GEOS_MULTIPOLYGON, polys.data(),
                                              static_cast<unsigned>(polys.size())),
                  "multipolygon");
    }
  }
  throw geos_error("unknown geometry type");
}

Geometry from_geos(const GeosContext& ctx, const GEOSGeometry* g) {
  Geometry out;
  if (!g || GEOSisEmpty_r(ctx, g)) return out;
  switch (GEOSGeomTypeId_r(ctx, g)) {
    case GEOS_POINT: {
      double x = 0, y = 0;
      GEOSGeomGetX_r(ctx, g, &x);
      GEOSGeomGetY_r(ctx, g, &y);
      return Geometry::point(x, y);
    }
    case GEOS_MULTIPOINT: {
      out.type = GeometryType::MultiPoint;
      Path pts;
      const int n = GEOSGetNumGeometries_r(ctx, g);
      for (int i = 0; i < n; ++i) {
        double x = 0, y = 0;
        const GEOSGeometry* p = GEOSGetGeometryN_r(ctx, g, i);
        GEOSGeomGetX_r(ctx, p, &x);
        GEOSGeomGetY_r(ctx, p, &y);
        pts.push_back({x, y});
      }
      out.parts = {{pts}};
      return out;
    }
    case GEOS_LINESTRING:
    case GEOS_LINEARRING:
      out.type = GeometryType::LineString;
      out.parts = {{read_seq(ctx, g)}};
      return out;
    case GEOS_MULTILINESTRING: {
      out.type = GeometryType::MultiLineString;
      std::vector<Path> lines;
      const int n = GEOSGetNumGeometries_r(ctx, g);
      for (int i = 0; i < n; ++i) lines.push_back(read_seq(ctx, GEOSGetGeometryN_r(ctx, g, i)));
      out.parts = {lines};
      return out;
    }
    default: {
      collect_polygons(ctx, g, out.parts);
      if (out.parts.empty()) return Geometry{};
      out.type = out.parts.size() == 1 ? GeometryType::Polygon : GeometryType::MultiPolygon;
      return out;
    }
  }
}

GeomPtr from_wkb(const GeosContext& ctx, const unsigned char* wkb, std::size_t size) {
  return wrap(ctx, GEOSGeomFromWKB_buf_r(ctx, wkb, size), "reading WKB");
}

GeomPtr make_valid_polygonal(const GeosContext& ctx, const GEOSGeometry* g) {
  // The "structure" method unions the shells and subtracts the holes: a hole that crosses its
  // shell (as rounding makes them) removes area instead of adding a sliver outside the shell,
  // which the default "linework" method does and which then overlaps the neighbours.
  GEOSMakeValidParams* params = GEOSMakeValidParams_create_r(ctx);
  GEOSMakeValidParams_setMethod_r(ctx, params, GEOS_MAKE_VALID_STRUCTURE);
  GEOSMakeValidParams_setKeepCollapsed_r(ctx, params, 0);
  GEOSGeometry* raw = GEOSMakeValidWithParams_r(ctx, g, params);
  GEOSMakeValidParams_destroy_r(ctx, params);
  GeomPtr valid = wrap(ctx, raw, "MakeValid");
  // MakeValid may return a collection with lines or points next to the polygons: keep polygons.
  Geometry plain = from_geos(ctx, valid.get());
  return to_geos(ctx, plain);
}

GeomPtr union_all(const GeosContext& ctx, const std::vector<const GEOSGeometry*>& parts) {
  std::vector<GEOSGeometry*> clones;
  clones.reserve(parts.size());
  for (const auto* p : parts) clones.push_back(GEOSGeom_clone_r(ctx, p));
  GeomPtr coll = wrap(ctx,
                      GEOSGeom_createCollection_r(ctx, GEOS_GEOMETRYCOLLECTION, clones.data(),
                                                  static_cast<unsigned>(clones.size())),
                      "collection");
  return wrap(ctx, GEOSUnaryUnion_r(ctx, coll.get()), "union");
}

double area(const GeosContext& ctx, const GEOSGeometry* g) {
  double a = 0;
  if (!GEOSArea_r(ctx, g, &a)) throw geos_error("area failed");
  return a;
}

}  // namespace gebieden::geo
