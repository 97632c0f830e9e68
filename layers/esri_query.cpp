#include "layers/esri_query.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <map>

#include "geo/crs.hpp"
#include "layers/feature_access.hpp"
#include "layers/geojson.hpp"
#include "util/ascii.hpp"
#include "util/error.hpp"

namespace gebieden::layers::esri {

namespace {
bool is_oid_name(std::string_view name) {
  return util::ascii_iequals(name, kObjectIdName);
}
}  // namespace

std::optional<SpatialRef> spatial_ref_from_wkid(long long wkid) {
  switch (wkid) {
    case 4326:
      return SpatialRef::Wgs84;
    case 102100:
    case 3857:
    case 102113:
    case 900913:
      return SpatialRef::WebMercator;
    case 28992:
      return SpatialRef::RdNew;
    default:
      return std::nullopt;
  }
}

int wkid(SpatialRef sr) {
  switch (sr) {
    case SpatialRef::Wgs84:
      return 4326;
    case SpatialRef::WebMercator:
      return 102100;
    case SpatialRef::RdNew:
      return 28992;
  }
  return 4326;
}

int latest_wkid(SpatialRef sr) {
  return sr == SpatialRef::WebMercator ? 3857 : wkid(sr);
}

int default_decimals(SpatialRef sr) {
  // The OGC API's precision, so that both fronts give the same coordinates.
  switch (sr) {
    case SpatialRef::Wgs84:
      return decimals_for(geo::Crs::CRS84);
    case SpatialRef::WebMercator:
      return decimals_for(geo::Crs::EPSG3857);
    case SpatialRef::RdNew:
      return decimals_for(geo::Crs::EPSG28992);
  }
  return decimals_for(geo::Crs::CRS84);
}

namespace {
struct RelName {
  std::string_view name;
  SpatialRel rel;
};
constexpr RelName kRelNames[] = {
    {"esriSpatialRelIntersects", SpatialRel::Intersects},
    {"esriSpatialRelEnvelopeIntersects", SpatialRel::EnvelopeIntersects},
    {"esriSpatialRelIndexIntersects", SpatialRel::EnvelopeIntersects},
    {"esriSpatialRelContains", SpatialRel::Contains},
    {"esriSpatialRelWithin", SpatialRel::Within},
    {"esriSpatialRelTouches", SpatialRel::Touches},
    {"esriSpatialRelCrosses", SpatialRel::Crosses},
    {"esriSpatialRelOverlaps", SpatialRel::Overlaps},
};
}  // namespace

std::optional<SpatialRel> spatial_rel_from_name(std::string_view name) {
  for (const auto& r : kRelNames)
    if (util::ascii_iequals(r.name, name)) return r.rel;
  return std::nullopt;
}

const std::vector<std::string>& supported_spatial_rels() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& r : kRelNames) v.emplace_back(r.name);
    return v;
  }();
  return names;
}

std::optional<StatisticType> statistic_type_from_name(std::string_view name) {
  static constexpr std::pair<std::string_view, StatisticType> names[] = {
      {"count", StatisticType::Count}, {"sum", StatisticType::Sum},
      {"min", StatisticType::Min},     {"max", StatisticType::Max},
      {"avg", StatisticType::Avg},     {"stddev", StatisticType::StdDev},
      {"var", StatisticType::Var}};
  for (const auto& [n, t] : names)
    if (util::ascii_iequals(n, name)) return t;
  return std::nullopt;
}

std::string_view statistic_type_name(StatisticType type) {
  switch (type) {
    case StatisticType::Count:
      return "count";
    case StatisticType::Sum:
      return "sum";
    case StatisticType::Min:
      return "min";
    case StatisticType::Max:
      return "max";
    case StatisticType::Avg:
      return "avg";
    case StatisticType::StdDev:
      return "stddev";
    case StatisticType::Var:
      return "var";
  }
  return "count";
}

// ---------------------------------------------------------------------------------------------
// Schema helpers

std::optional<int> resolve_field(const Collection& c, std::string_view name) {
  const int field = esri_property_field(c, name);
  if (field == FeatureValues::kObjectIdField) return kObjectId;
  if (field == FeatureValues::kNoField) return std::nullopt;
  return field;
}

std::string field_name(const Collection& c, int field) {
  if (field == kObjectId) return std::string(kObjectIdName);
  return c.fields.at(static_cast<std::size_t>(field)).name;
}

filter::Schema where_schema(const Collection& c) {
  filter::Schema schema;
  for (const auto& f : c.fields) {
    if (f.is_private || is_oid_name(f.name)) continue;
    schema.emplace(f.name, filter_field_type(f.type, BooleanStyle::Integer));  // 0/1
  }
  schema.emplace(std::string(kObjectIdName), filter::FieldType::Integer);
  return schema;
}

ColumnType column_type(FieldType type) {
  switch (type) {
    case FieldType::String:
      return ColumnType::String;
    case FieldType::Integer:
      return ColumnType::Integer;
    case FieldType::Double:
      return ColumnType::Double;
    case FieldType::Boolean:
      return ColumnType::SmallInteger;
    case FieldType::Date:
      return ColumnType::Date;
  }
  return ColumnType::String;
}

Column field_column(const Collection& c, int field) {
  if (field == kObjectId)
    return Column{std::string(kObjectIdName), std::string(kObjectIdName), ColumnType::OID, 0};
  const Field& f = c.fields.at(static_cast<std::size_t>(field));
  Column col{f.name, f.title.empty() ? f.name : f.title, column_type(f.type), 0};
  if (col.type == ColumnType::String) {
    // Clients size their attribute tables by `length`: cover the longest value.
    std::size_t longest = 0;
    for (const auto& feature : c.features) {
      const Value& v = feature.values[static_cast<std::size_t>(field)];
      if (const auto* s = std::get_if<std::string>(&v)) longest = std::max(longest, s->size());
    }
    col.length = std::max<std::size_t>(255, longest);
  }
  return col;
}

std::string_view esri_field_type(ColumnType type) {
  switch (type) {
    case ColumnType::OID:
      return "esriFieldTypeOID";
    case ColumnType::String:
      return "esriFieldTypeString";
    case ColumnType::Integer:
      return "esriFieldTypeInteger";
    case ColumnType::SmallInteger:
      return "esriFieldTypeSmallInteger";
    case ColumnType::Double:
      return "esriFieldTypeDouble";
    case ColumnType::Date:
      return "esriFieldTypeDate";
  }
  return "esriFieldTypeString";
}

std::string_view esri_sql_type(ColumnType type) {
  switch (type) {
    case ColumnType::OID:
    case ColumnType::Integer:
      return "sqlTypeInteger";
    case ColumnType::String:
      return "sqlTypeNVarchar";
    case ColumnType::SmallInteger:
      return "sqlTypeSmallInt";
    case ColumnType::Double:
      return "sqlTypeDouble";
    case ColumnType::Date:
      return "sqlTypeTimestamp";
  }
  return "sqlTypeOther";
}

std::string_view esri_geometry_type(geo::GeometryType type) {
  switch (type) {
    case geo::GeometryType::Point:
      return "esriGeometryPoint";
    case geo::GeometryType::MultiPoint:
      return "esriGeometryMultipoint";
    case geo::GeometryType::LineString:
    case geo::GeometryType::MultiLineString:
      return "esriGeometryPolyline";
    case geo::GeometryType::Polygon:
    case geo::GeometryType::MultiPolygon:
      return "esriGeometryPolygon";
    case geo::GeometryType::None:
      return "";
  }
  return "";
}

namespace {
geo::Box lonlat_box_in(const geo::Box& b, SpatialRef sr) {
  if (!b.valid || sr != SpatialRef::WebMercator) return b;
  // Web Mercator is monotonic in longitude and latitude separately: the corners suffice.
  geo::Box out;
  out.expand(geo::lonlat_to_webmercator(geo::XY{b.minx, b.miny}));
  out.expand(geo::lonlat_to_webmercator(geo::XY{b.maxx, b.maxy}));
  return out;
}
}  // namespace

geo::Box collection_extent(const Collection& c, SpatialRef sr) {
  if (sr == SpatialRef::RdNew) return c.extent_rd();
  return lonlat_box_in(c.extent(), sr);
}

// ---------------------------------------------------------------------------------------------
// Evaluation

namespace {

int compare_rows(const std::vector<Value>& a, const std::vector<Value>& b) {
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
    if (int r = compare_values(a[i], b[i]); r != 0) return r;
  return 0;
}

struct RowLess {
  bool operator()(const std::vector<Value>& a, const std::vector<Value>& b) const {
    return compare_rows(a, b) < 0;
  }
};

Value value_of(const Feature& f, int field) {
  if (field == kObjectId) return Value{f.objectid};
  return f.values[static_cast<std::size_t>(field)];
}

std::size_t page_limit(const Query& q) {
  const std::size_t max = std::max<std::size_t>(q.max_record_count, 1);
  return q.record_count == 0 ? max : std::min(q.record_count, max);
}

/// Sort and page a table by `order` (resolved against its columns), default: all columns.
void sort_and_page(Table& t, const Query& q, bool exceeded_paging, Result& r) {
  std::vector<std::pair<std::size_t, bool>> keys;
  for (const auto& o : q.order_by) {
    std::optional<std::size_t> found;
    for (std::size_t i = 0; i < t.columns.size() && !found; ++i)
      if (t.columns[i].name == o.column) found = i;
    for (std::size_t i = 0; i < t.columns.size() && !found; ++i)
      if (util::ascii_iequals(t.columns[i].name, o.column)) found = i;
    if (!found)
      throw input_error(ErrorCode::InvalidParameter, "orderByFields",
                        "orderByFields: '" + o.column.substr(0, 60) + "' is not in the result");
    keys.emplace_back(*found, o.descending);
  }
  if (!keys.empty()) {
    std::stable_sort(t.rows.begin(), t.rows.end(), [&](const auto& a, const auto& b) {
      for (const auto& [i, desc] : keys) {
        int c = compare_values(a[i], b[i]);
        if (desc) c = -c;
        if (c != 0) return c < 0;
      }
      return false;
    });
  }
  if (!exceeded_paging) return;
  const std::size_t total = t.rows.size();
  const std::size_t begin = std::min(q.offset, total);
  const std::size_t end = std::min(total, begin + page_limit(q));
  r.exceeded_transfer_limit = end < total;
  t.rows = std::vector<std::vector<Value>>(t.rows.begin() + static_cast<std::ptrdiff_t>(begin),
                                           t.rows.begin() + static_cast<std::ptrdiff_t>(end));
}

struct Accumulator {
  std::int64_t count = 0;  // non-null values
  double sum = 0, mean = 0, m2 = 0;
  std::size_t numeric = 0;
  Value min, max;

  void add(const Value& v) {
    if (std::holds_alternative<std::monostate>(v)) return;
    ++count;
    if (std::holds_alternative<std::monostate>(min) || compare_values(v, min) < 0) min = v;
    if (std::holds_alternative<std::monostate>(max) || compare_values(v, max) > 0) max = v;
    double x = 0;
    if (const auto* i = std::get_if<std::int64_t>(&v))
      x = static_cast<double>(*i);
    else if (const auto* d = std::get_if<double>(&v))
      x = *d;
    else if (const auto* b = std::get_if<bool>(&v))
      x = *b ? 1 : 0;
    else
      return;
    ++numeric;
    sum += x;
    const double delta = x - mean;
    mean += delta / static_cast<double>(numeric);
    m2 += delta * (x - mean);
  }

  Value result(StatisticType type) const {
    switch (type) {
      case StatisticType::Count:
        return Value{count};
      case StatisticType::Sum:
        return numeric ? Value{sum} : Value{};
      case StatisticType::Avg:
        return numeric ? Value{mean} : Value{};
      case StatisticType::Min:
        return min;
      case StatisticType::Max:
        return max;
      case StatisticType::Var:  // sample variance, as SQL VAR / VAR_SAMP
        return numeric > 1 ? Value{m2 / static_cast<double>(numeric - 1)} : Value{};
      case StatisticType::StdDev:
        return numeric > 1 ? Value{std::sqrt(m2 / static_cast<double>(numeric - 1))} : Value{};
    }
    return Value{};
  }
};

Column statistic_column(const Collection& c, const Statistic& s) {
  Column col{s.out_name, s.out_name, ColumnType::Double, 0};
  switch (s.type) {
    case StatisticType::Count:
      col.type = ColumnType::Integer;
      break;
    case StatisticType::Min:
    case StatisticType::Max: {
      Column src = field_column(c, s.field);
      col.type = src.type == ColumnType::OID ? ColumnType::Integer : src.type;
      col.length = src.length;
      break;
    }
    default:
      break;
  }
  return col;
}

}  // namespace

namespace {
/// The one FeatureQuery of an Esri query: where (booleans as 0/1, names as resolve_field),
/// objectIds, geometry + spatialRel (tested on the CRS84 geometry), every match in the stable
/// order.
FeatureQuery feature_query(const Query& q) {
  FeatureQuery fq;
  fq.crs = geo::Crs::CRS84;
  if (q.where) {
    fq.filter = *q.where;
    fq.filter_booleans = BooleanStyle::Integer;
    fq.filter_names = PropertyNames::Esri;
  }
  fq.object_ids = q.object_ids;
  if (q.spatial) {
    layers::SpatialFilter s;
    s.parameter = "geometry";
    s.tested_on = TestedGeometry::Crs84;
    s.geometry = q.spatial->geometry;
    s.envelope = q.spatial->envelope && !s.geometry.empty();
    switch (q.spatial->rel) {
      case SpatialRel::Intersects:
        s.relation = geo::SpatialRelation::Intersects;
        break;
      case SpatialRel::EnvelopeIntersects:
        // As ever on this server: the feature's geometry intersects the query's envelope
        // (stricter than a test of the two bounding boxes).
        s.relation = geo::SpatialRelation::Intersects;
        if (const geo::Box b = q.spatial->geometry.bbox(); b.valid) {
          s.geometry = geo::Geometry::box(b);
          s.envelope = true;
        }
        break;
      case SpatialRel::Contains:
        s.relation = geo::SpatialRelation::Contains;
        break;
      case SpatialRel::Within:
        s.relation = geo::SpatialRelation::Within;
        break;
      case SpatialRel::Touches:
        s.relation = geo::SpatialRelation::Touches;
        break;
      case SpatialRel::Crosses:
        s.relation = geo::SpatialRelation::Crosses;
        break;
      case SpatialRel::Overlaps:
        s.relation = geo::SpatialRelation::Overlaps;
        break;
    }
    fq.spatial = std::move(s);
  }
  fq.offset = 0;
  fq.limit = FeatureQuery::kAll;
  return fq;
}

std::vector<SortKey> sort_keys(const Collection& c, const Query& q) {
  std::vector<SortKey> keys;
  for (const auto& o : q.order_by) {
    auto field = resolve_field(c, o.column);
    if (!field)
      throw input_error(ErrorCode::InvalidParameter, "orderByFields",
                        "orderByFields: unknown field '" + o.column.substr(0, 60) + "'");
    keys.push_back(SortKey{*field, o.descending});
  }
  return keys;
}
}  // namespace

Result execute(const CollectionPtr& collection, const Query& q) {
  const Collection& c = *collection;
  Result r;
  FeatureQuery fq = feature_query(q);

  const bool features_mode =
      q.statistics.empty() && !q.distinct && !q.extent_only && !q.count_only && !q.ids_only;
  if (features_mode) {
    fq.sort = sort_keys(c, q);
    fq.offset = q.offset;
    fq.limit = page_limit(q);
    r.kind = Result::Kind::Features;
    r.page = layers::execute(collection, fq);
    r.exceeded_transfer_limit = q.offset + r.page.features.size() < r.page.number_matched;
    for (int f : q.out_fields) r.columns.push_back(field_column(c, f));
    return r;
  }

  // Every other answer is computed on top of all matches.
  FeaturePage all = layers::execute(collection, fq);

  if (!q.statistics.empty()) {
    r.kind = Result::Kind::Table;
    std::map<std::vector<Value>, std::vector<Accumulator>, RowLess> groups;
    std::vector<Value> key(q.group_by.size());
    for (const Feature* f : all.features) {
      for (std::size_t i = 0; i < q.group_by.size(); ++i) key[i] = value_of(*f, q.group_by[i]);
      auto [it, inserted] = groups.try_emplace(key);
      if (inserted) it->second.resize(q.statistics.size());
      for (std::size_t s = 0; s < q.statistics.size(); ++s)
        it->second[s].add(value_of(*f, q.statistics[s].field));
    }
    // Without grouping, one row even when nothing matched (count 0).
    if (q.group_by.empty() && groups.empty())
      groups.try_emplace(std::vector<Value>{}, std::vector<Accumulator>(q.statistics.size()));
    for (const auto& s : q.statistics) r.table.columns.push_back(statistic_column(c, s));
    for (int g : q.group_by) {
      Column col = field_column(c, g);
      if (col.type == ColumnType::OID) col.type = ColumnType::Integer;
      r.table.columns.push_back(col);
    }
    for (const auto& [k, accs] : groups) {
      std::vector<Value> row;
      row.reserve(accs.size() + k.size());
      for (std::size_t s = 0; s < accs.size(); ++s)
        row.push_back(accs[s].result(q.statistics[s].type));
      row.insert(row.end(), k.begin(), k.end());
      r.table.rows.push_back(std::move(row));
    }
    sort_and_page(r.table, q, q.offset > 0 || q.record_count > 0, r);
    return r;
  }

  if (q.distinct) {
    std::vector<int> fields = q.out_fields;
    for (int f : fields) r.table.columns.push_back(field_column(c, f));
    std::vector<std::vector<Value>> rows;
    rows.reserve(all.features.size());
    for (const Feature* f : all.features) {
      std::vector<Value> row;
      row.reserve(fields.size());
      for (int field : fields) row.push_back(value_of(*f, field));
      rows.push_back(std::move(row));
    }
    std::sort(rows.begin(), rows.end(), RowLess{});
    rows.erase(std::unique(rows.begin(), rows.end(),
                           [](const auto& a, const auto& b) { return compare_rows(a, b) == 0; }),
               rows.end());
    if (q.count_only) {
      r.kind = Result::Kind::Count;
      r.count = rows.size();
      return r;
    }
    r.kind = Result::Kind::Table;
    r.table.rows = std::move(rows);
    sort_and_page(r.table, q, true, r);
    return r;
  }

  r.count = all.features.size();
  if (q.extent_only) {
    r.kind = Result::Kind::Extent;
    geo::Box box;
    for (const Feature* f : all.features) {
      if (q.out_sr == SpatialRef::RdNew)
        box.expand(f->rd.bbox());
      else
        box.expand(f->bbox);
    }
    r.extent = q.out_sr == SpatialRef::RdNew ? box : lonlat_box_in(box, q.out_sr);
    return r;
  }
  if (q.count_only) {
    r.kind = Result::Kind::Count;
    return r;
  }
  // ids only
  r.kind = Result::Kind::ObjectIds;
  if (!q.order_by.empty()) {
    fq.sort = sort_keys(c, q);
    all = layers::execute(collection, fq);
  }
  r.object_ids.reserve(all.features.size());
  for (const Feature* f : all.features) r.object_ids.push_back(f->objectid);
  return r;
}

}  // namespace gebieden::layers::esri
