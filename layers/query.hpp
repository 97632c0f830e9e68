#pragma once
// The one typed feature query and the one executor. Front ends (server/ogc_params.cpp for the
// OGC API, layers/esri_query.cpp for GeoServices) parse and validate their parameters into a
// FeatureQuery, which is plain data (no callables): execute() answers it from an immutable
// collection snapshot. The engine never sees HTTP.
//
// Every decision is taken once, here or below: spatial relations in geo/spatial.hpp, filter
// evaluation in layers/filter.hpp, value order in compare_values().

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "geo/crs.hpp"
#include "geo/spatial.hpp"
#include "layers/collection.hpp"
#include "layers/feature_access.hpp"
#include "layers/filter.hpp"
#include "layers/ogc_filter.hpp"

namespace gebieden::layers {

/// The order of values in every sort and grouping (the executor's sort, the Esri tables and
/// statistics): a strict weak order over all values. Ascending: false < true < numbers (int
/// and double compared exactly with each other) < strings (bytewise) < NaN < null. Returns
/// < 0, 0 or > 0.
int compare_values(const Value& a, const Value& b);

struct SortKey {
  int field = -1;  // index into Collection::fields; -1 = feature id / objectid order
  bool descending = false;
};

/// Which of a feature's two stored geometries a spatial filter is tested on.
enum class TestedGeometry {
  Crs84,  // Feature::wgs84 (lon/lat)
  Rd      // Feature::rd (EPSG:28992), e.g. an OGC bbox given in bbox-crs EPSG:28992
};

struct SpatialFilter {
  geo::SpatialRelation relation = geo::SpatialRelation::Intersects;
  geo::Geometry geometry;  // in the CRS of `tested_on`
  /// `geometry` is exactly the box geometry.bbox() (an OGC bbox, an Esri envelope): tested as a
  /// box even when it has no area.
  bool envelope = false;
  TestedGeometry tested_on = TestedGeometry::Crs84;
  /// A CRS84 box covering every feature that can match, for the collection's grid index.
  /// Required when tested_on is Rd; when invalid, the bbox of `geometry` (CRS84) is used.
  geo::Box index_box;
  /// Features without geometry match (OGC API Part 1 `bbox`); otherwise they never match.
  bool match_without_geometry = false;
  /// The parameter named by an input_error for an unusable geometry.
  std::string parameter = "geometry";
};

/// How filter property names are bound to fields.
enum class PropertyNames {
  Exact,  // OGC API: the field of that exact name (private fields read as null)
  Esri    // GeoServices: OBJECTID or a public field, ASCII case-insensitive (esri::resolve_field)
};

struct FeatureQuery {
  /// A filter expression, bound to the collection's schema (CQL2 text or JSON, Esri `where`).
  std::optional<filter::Expr> filter;
  /// How the filter reads features: booleans as booleans (OGC) or 0/1 (Esri), how property
  /// names find their fields, and the CRS of its geometry literals (CRS84, RD, others converted
  /// per feature).
  BooleanStyle filter_booleans = BooleanStyle::Boolean;
  PropertyNames filter_names = PropertyNames::Exact;
  geo::Crs filter_crs = geo::Crs::CRS84;
  /// Exact property equalities (field index, typed value; numbers compare across int/double).
  std::vector<std::pair<int, Value>> equals;
  std::optional<SpatialFilter> spatial;
  /// Only these OBJECTIDs (sorted, unique).
  std::optional<std::vector<std::int64_t>> object_ids;
  /// Features whose temporal extent intersects this interval (collections without temporal
  /// fields match every interval).
  std::optional<TimeInterval> datetime;
  std::vector<SortKey> sort;  // stable; without keys, the collection's order
  std::size_t offset = 0;
  std::size_t limit = 10;          // kAll: every match
  geo::Crs crs = geo::Crs::CRS84;  // output CRS (for the encoder)

  static constexpr std::size_t kAll = std::numeric_limits<std::size_t>::max();

  /// What is inconsistent in the query itself ("limit must be at least 1", ...); empty when it
  /// can be executed. Checks against a collection's schema need the collection: see the overload.
  std::vector<std::string> problems() const;
  /// problems() plus every field index checked against `c` (in range; equalities and sort keys
  /// on public fields only).
  std::vector<std::string> problems(const Collection& c) const;
};

struct FeaturePage {
  CollectionPtr collection;  // keeps the snapshot alive while the page is encoded
  std::vector<const Feature*> features;
  std::size_t number_matched = 0;
};

/// The one executor: candidates through the collection's grid index when there is a spatial
/// filter (else every feature), then every test (ids, spatial, equalities, time, filter), in
/// the collection's stable order, sorted (stable) by the sort keys, then paged. Throws
/// std::invalid_argument when problems(collection) is not empty (the front end validates
/// first), input_error for an unusable spatial geometry.
FeaturePage execute(const CollectionPtr& collection, const FeatureQuery& q);

/// The OGC `bbox` rule: a geometry matches the box when it intersects it (geo::box_intersects)
/// or when it is empty (features without geometry match any bbox, OGC API Part 1).
bool intersects_box(const geo::Geometry& g, const geo::Box& box);

}  // namespace gebieden::layers
