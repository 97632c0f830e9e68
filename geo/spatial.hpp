#pragma once
// The one spatial predicate: a relation and a query geometry, tested against feature
// geometries. Every front decides spatial relations here: the OGC `bbox`, the Esri `geometry` +
// `spatialRel`, and (after the lead's merge) the CQL2 S_INTERSECTS / S_DISJOINT evaluator, as
// `SpatialPredicate(rel, literal).test(feature_geometry)`.
//
// Two ways to decide, one answer:
//  - the box fast path: the query is an axis-aligned box (an OGC bbox, an Esri envelope, or a
//    polygon that is exactly a rectangle) and the relation is intersects (or disjoint): a
//    Liang-Barsky clip of every segment plus a point-in-polygon test of the box centre, no GEOS;
//  - GEOS prepared geometry (geos_c.h) for every other case: the query geometry is converted
//    and prepared once, each feature geometry is converted per test.
// Both fronts therefore give the same answer for the same edge case; tests/geo/test_spatial.cpp
// checks the two against plain GEOS (GEOSIntersects_r etc.) on random geometries.
//
// Threads: a SpatialPredicate owns its GEOS context (geo::GeosContext, RAII) and is made for
// one query and used by one thread; it is not safe to share between threads.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "geo/geometry.hpp"

namespace gebieden::geo {

class GeosContext;

/// The union of what CQL2 (S_INTERSECTS, S_DISJOINT), the OGC `bbox` and Esri `spatialRel`
/// ask. The relation reads "query REL feature": Contains = the query geometry contains the
/// feature, Within = the query geometry is within the feature (Esri's meaning).
enum class SpatialRelation {
  Intersects,
  Disjoint,
  EnvelopeIntersects,  // the bounding boxes intersect (Esri envelope/index intersects)
  Contains,
  Within,
  Touches,
  Crosses,
  Overlaps
};

/// The name of a relation ("intersects", "disjoint", "envelope-intersects", ...), for messages.
std::string_view relation_name(SpatialRelation rel);

/// Does the geometry intersect the box (boundaries included)? Liang-Barsky clipping of every
/// segment, then the box centre in a polygon that encloses the box. An empty geometry
/// intersects nothing.
bool box_intersects(const Geometry& g, const Box& box);

/// When `g` is exactly an axis-aligned rectangle with an area (a Polygon of one closed
/// five-position ring whose edges are axis-parallel), its box; nullopt otherwise.
std::optional<Box> as_rectangle(const Geometry& g);

struct SpatialOptions {
  /// The query geometry is the box query.bbox() as given (an OGC bbox or an Esri envelope):
  /// tested as a box even when it has no area.
  bool envelope = false;
  /// The parameter named by an input_error for an unusable query geometry.
  std::string parameter = "geometry";
};

class SpatialPredicate {
 public:
  /// Prepare `query` for `rel`. An invalid polygonal query geometry is repaired with
  /// make_valid_polygonal (method "structure"); any other invalid or unconvertible query
  /// geometry is an input_error(InvalidParameter) naming options.parameter.
  SpatialPredicate(SpatialRelation rel, Geometry query, SpatialOptions options = {});
  ~SpatialPredicate();
  SpatialPredicate(SpatialPredicate&&) noexcept;
  SpatialPredicate& operator=(SpatialPredicate&&) noexcept;
  SpatialPredicate(const SpatialPredicate&) = delete;
  SpatialPredicate& operator=(const SpatialPredicate&) = delete;

  /// Does `query REL g` hold? An empty `g` is in no relation but Disjoint (as GEOS). A feature
  /// geometry GEOS cannot read is in no relation either.
  bool test(const Geometry& g) const;
  /// As test(g), with g's bounding box already known (a Feature keeps it).
  bool test(const Geometry& g, const Box& g_bbox) const;

  SpatialRelation relation() const { return m_rel; }
  /// The bounding box of the query geometry as given: every feature in a relation but Disjoint
  /// with it has a bbox that intersects this one (candidate selection uses it).
  const Box& box() const { return m_box; }
  /// True when tests take the box fast path (no GEOS).
  bool uses_box() const { return m_use_box; }

 private:
  struct Geos;
  SpatialRelation m_rel;
  Box m_box;
  bool m_use_box = false;
  bool m_empty = false;  // the query geometry is (or was repaired to) empty
  std::unique_ptr<Geos> m_geos;
};

}  // namespace gebieden::geo
