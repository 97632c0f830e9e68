#pragma once
// GeoServices (Esri) FeatureServer queries: the typed query that server/esri_api.cpp parses the
// `/query` parameters into, its evaluation against an immutable collection snapshot, and the
// typed result that layers/esri_json.hpp encodes. The engine never sees HTTP; input problems it
// can only detect while evaluating (an unusable query geometry) are input_errors naming the
// parameter.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "geo/geometry.hpp"
#include "layers/collection.hpp"
#include "layers/filter.hpp"
#include "layers/query.hpp"

namespace gebieden::layers::esri {

/// The spatial references a FeatureServer answers in. Esri JSON is always x = east, y = north,
/// also for 4326 (longitude, latitude).
enum class SpatialRef { Wgs84, WebMercator, RdNew };

/// 4326 -> Wgs84; 102100, 3857, 102113, 900913 -> WebMercator; 28992 -> RdNew.
std::optional<SpatialRef> spatial_ref_from_wkid(long long wkid);
int wkid(SpatialRef sr);         // 4326, 102100, 28992
int latest_wkid(SpatialRef sr);  // 4326, 3857, 28992
/// Decimal places of output coordinates: those of the OGC API (about a millimetre).
int default_decimals(SpatialRef sr);

enum class SpatialRel {
  Intersects,
  EnvelopeIntersects,  // also esriSpatialRelIndexIntersects
  Contains,            // the query geometry contains the feature
  Within,              // the query geometry is within the feature
  Touches,
  Crosses,
  Overlaps
};
/// "esriSpatialRelIntersects", ... (case-insensitive); nullopt for unknown or unsupported ones.
std::optional<SpatialRel> spatial_rel_from_name(std::string_view name);
/// The names we support, for the layer metadata.
const std::vector<std::string>& supported_spatial_rels();

struct SpatialFilter {
  geo::Geometry geometry;  // lon/lat (CRS84 axis order); rings closed
  bool envelope = false;   // `geometry` is exactly the lon/lat box geometry.bbox()
  SpatialRel rel = SpatialRel::Intersects;
};

enum class StatisticType { Count, Sum, Min, Max, Avg, StdDev, Var };
/// "count", "SUM", ... (case-insensitive).
std::optional<StatisticType> statistic_type_from_name(std::string_view name);
std::string_view statistic_type_name(StatisticType type);  // "count", "sum", ...

/// The OBJECTID pseudo field in field lists (other values index Collection::fields).
inline constexpr int kObjectId = -1;
inline constexpr std::string_view kObjectIdName = "OBJECTID";

struct Statistic {
  StatisticType type = StatisticType::Count;
  int field = kObjectId;
  std::string out_name;
};

struct Order {
  std::string column;  // an output column name as spelled in the result (field or statistic)
  bool descending = false;
};

/// What the client asked for, validated. Everything here refers to public fields only.
struct Query {
  std::optional<filter::Expr> where;                    // bound to the collection's schema
  std::optional<std::vector<std::int64_t>> object_ids;  // sorted, unique
  std::optional<SpatialFilter> spatial;
  std::vector<int> out_fields;  // kObjectId or field indices, no duplicates
  bool return_geometry = true;
  SpatialRef out_sr = SpatialRef::Wgs84;
  int decimals = -1;  // -1: default_decimals(out_sr)
  std::size_t offset = 0;
  std::size_t record_count = 0;  // 0: max_record_count
  std::size_t max_record_count = 1000;
  std::vector<Order> order_by;
  bool count_only = false;
  bool ids_only = false;
  bool extent_only = false;
  bool distinct = false;
  std::vector<Statistic> statistics;
  std::vector<int> group_by;  // with statistics
};

/// The type of an output column.
enum class ColumnType { OID, String, Integer, SmallInteger, Double, Date };

struct Column {
  std::string name;
  std::string alias;
  ColumnType type = ColumnType::String;
  std::size_t length = 0;  // strings only
};

/// Rows without geometry (statistics, distinct values).
struct Table {
  std::vector<Column> columns;
  std::vector<std::vector<Value>> rows;
};

struct Result {
  enum class Kind { Features, Count, ObjectIds, Extent, Table };
  Kind kind = Kind::Features;
  FeaturePage page;                      // Features
  std::vector<Column> columns;           // Features: the out fields
  std::vector<std::int64_t> object_ids;  // ObjectIds
  std::size_t count = 0;                 // Count, Extent: the number of matches
  geo::Box extent;                       // Extent (in out_sr); invalid when nothing matched
  Table table;                           // Table
  bool exceeded_transfer_limit = false;
};

/// Run a query. Throws input_error for a query geometry that cannot be used.
Result execute(const CollectionPtr& collection, const Query& query);

// ---------------------------------------------------------------------------------------------
// Schema helpers (shared with the metadata routes)

/// The field a client names: OBJECTID or a public field, ASCII case-insensitive (an exact
/// match wins). nullopt when unknown or private.
std::optional<int> resolve_field(const Collection& c, std::string_view name);
/// The name of kObjectId or a field.
std::string field_name(const Collection& c, int field);
/// The schema of `where` clauses: public fields plus OBJECTID (Integer).
filter::Schema where_schema(const Collection& c);
/// The output column of a field (kObjectId: the OID column). String lengths cover the data.
Column field_column(const Collection& c, int field);
ColumnType column_type(FieldType type);
/// "esriFieldTypeOID", "esriFieldTypeString", ...
std::string_view esri_field_type(ColumnType type);
/// "sqlTypeInteger", "sqlTypeNVarchar", ...
std::string_view esri_sql_type(ColumnType type);
/// "esriGeometryPolygon", ... ; "" for collections without geometry (tables).
std::string_view esri_geometry_type(geo::GeometryType type);

/// The extent of a whole collection in `sr`.
geo::Box collection_extent(const Collection& c, SpatialRef sr);

}  // namespace gebieden::layers::esri
