#include "layers/esri_json.hpp"

#include "geo/crs.hpp"
#include "layers/filter.hpp"
#include "layers/geojson.hpp"
#include "layers/json_format.hpp"

namespace gebieden::layers::esri {

void append_spatial_reference(std::string& out, SpatialRef sr) {
  out += R"({"wkid":)";
  out += std::to_string(wkid(sr));
  out += R"(,"latestWkid":)";
  out += std::to_string(latest_wkid(sr));
  out.push_back('}');
}

namespace {
using geo::GeometryType;

/// Writes `[x,y]`, projecting lon/lat to Web Mercator when asked.
struct XYWriter {
  bool mercator;
  int decimals;
  void operator()(std::string& out, geo::XY p) const {
    if (mercator) p = geo::lonlat_to_webmercator(p);
    out.push_back('[');
    append_number(out, p.x, decimals);
    out.push_back(',');
    append_number(out, p.y, decimals);
    out.push_back(']');
  }
};

void append_path(std::string& out, const geo::Path& path, const XYWriter& xy, bool reverse) {
  out.push_back('[');
  const std::size_t n = path.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (i) out.push_back(',');
    xy(out, path[reverse ? n - 1 - i : i]);
  }
  out.push_back(']');
}

bool is_polygonal(GeometryType t) {
  return t == GeometryType::Polygon || t == GeometryType::MultiPolygon;
}
bool is_lineal(GeometryType t) {
  return t == GeometryType::LineString || t == GeometryType::MultiLineString;
}
bool is_puntal(GeometryType t) {
  return t == GeometryType::Point || t == GeometryType::MultiPoint;
}
}  // namespace

void append_esri_geometry(std::string& out, const geo::Geometry& g, GeometryType layer_type,
                          SpatialRef sr, int decimals) {
  const XYWriter xy{sr == SpatialRef::WebMercator, decimals};
  if (g.empty() || g.parts.front().empty() || g.parts.front().front().empty()) {
    out += "null";
    return;
  }
  if (is_polygonal(layer_type)) {
    if (!is_polygonal(g.type)) {
      out += "null";
      return;
    }
    // Esri: outer rings clockwise, holes counter-clockwise, all polygons' rings in one list.
    // Orientation is the same in lon/lat, Web Mercator and RD (all east/north).
    out += R"({"rings":[)";
    bool first = true;
    for (const auto& polygon : g.parts) {
      for (std::size_t r = 0; r < polygon.size(); ++r) {
        if (!first) out.push_back(',');
        first = false;
        const double area = geo::signed_area(polygon[r]);
        const bool ccw = area > 0;
        const bool want_ccw = r != 0;
        append_path(out, polygon[r], xy, area != 0.0 && ccw != want_ccw);
      }
    }
    out += "]}";
    return;
  }
  if (is_lineal(layer_type)) {
    if (!is_lineal(g.type)) {
      out += "null";
      return;
    }
    out += R"({"paths":[)";
    bool first = true;
    for (const auto& part : g.parts) {
      for (const auto& path : part) {
        if (!first) out.push_back(',');
        first = false;
        append_path(out, path, xy, false);
      }
    }
    out += "]}";
    return;
  }
  if (!is_puntal(g.type)) {
    out += "null";
    return;
  }
  if (layer_type == GeometryType::Point) {
    geo::XY p = g.parts[0][0][0];
    if (xy.mercator) p = geo::lonlat_to_webmercator(p);
    out += R"({"x":)";
    append_number(out, p.x, decimals);
    out += R"(,"y":)";
    append_number(out, p.y, decimals);
    out.push_back('}');
    return;
  }
  out += R"({"points":)";
  append_path(out, g.parts[0][0], xy, false);
  out.push_back('}');
}

void append_attribute(std::string& out, const Value& v, ColumnType type) {
  if (std::holds_alternative<std::monostate>(v)) {
    out += "null";
    return;
  }
  if (type == ColumnType::Date) {
    if (const auto* s = std::get_if<std::string>(&v)) {
      if (auto t = filter::parse_timestamp(*s))
        out += std::to_string(t->millis);
      else
        out += "null";
      return;
    }
  }
  if (const auto* b = std::get_if<bool>(&v)) {
    out += *b ? "1" : "0";
    return;
  }
  append_value(out, v);
}

void append_column(std::string& out, const Column& column, bool layer_info) {
  append_column(out, column, layer_info,
                ColumnEditing{column.type != ColumnType::OID, /*editable=*/false});
}

void append_column(std::string& out, const Column& column, bool layer_info,
                   const ColumnEditing& editing) {
  out += R"({"name":)";
  append_json_string(out, column.name);
  out += R"(,"type":")";
  out += esri_field_type(column.type);
  out += R"(","alias":)";
  append_json_string(out, column.alias);
  out += R"(,"sqlType":")";
  out += esri_sql_type(column.type);
  out.push_back('"');
  if (column.type == ColumnType::String) {
    out += R"(,"length":)";
    out += std::to_string(column.length);
  } else if (column.type == ColumnType::Date) {
    out += R"(,"length":8)";
  }
  if (layer_info) {
    out += editing.nullable ? R"(,"nullable":true)" : R"(,"nullable":false)";
    out += editing.editable ? R"(,"editable":true)" : R"(,"editable":false)";
  }
  out += R"(,"domain":null,"defaultValue":null})";
}

namespace {
void append_columns(std::string& out, const std::vector<Column>& columns) {
  out += R"("fields":[)";
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i) out.push_back(',');
    append_column(out, columns[i]);
  }
  out.push_back(']');
}

void append_bool(std::string& out, bool b) {
  out += b ? "true" : "false";
}

void append_attributes(std::string& out, const std::vector<Column>& columns,
                       const std::vector<Value>& row) {
  out += R"({"attributes":{)";
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i) out.push_back(',');
    append_json_string(out, columns[i].name);
    out.push_back(':');
    append_attribute(out, row[i], columns[i].type);
  }
  out += "}}";
}

void append_table(std::string& out, const Result& r) {
  out += R"({"displayFieldName":"","fieldAliases":{)";
  const auto& cols = r.table.columns;
  for (std::size_t i = 0; i < cols.size(); ++i) {
    if (i) out.push_back(',');
    append_json_string(out, cols[i].name);
    out.push_back(':');
    append_json_string(out, cols[i].alias);
  }
  out += "},";
  append_columns(out, cols);
  out += R"(,"features":[)";
  for (std::size_t i = 0; i < r.table.rows.size(); ++i) {
    if (i) out.push_back(',');
    append_attributes(out, cols, r.table.rows[i]);
  }
  out += R"(],"exceededTransferLimit":)";
  append_bool(out, r.exceeded_transfer_limit);
  out.push_back('}');
}

/// The answers that are the same in JSON and GeoJSON. Returns false for features.
bool append_non_features(std::string& out, const Query& q, const Result& r, int decimals) {
  switch (r.kind) {
    case Result::Kind::Count:
      out += R"({"count":)";
      out += std::to_string(r.count);
      out.push_back('}');
      return true;
    case Result::Kind::ObjectIds:
      out += R"({"objectIdFieldName":"OBJECTID","objectIds":[)";
      for (std::size_t i = 0; i < r.object_ids.size(); ++i) {
        if (i) out.push_back(',');
        out += std::to_string(r.object_ids[i]);
      }
      out += "]}";
      return true;
    case Result::Kind::Extent:
      out += R"({"count":)";
      out += std::to_string(r.count);
      out += R"(,"extent":)";
      append_extent_box(out, r.extent, q.out_sr, decimals);
      out.push_back('}');
      return true;
    case Result::Kind::Table:
      append_table(out, r);
      return true;
    case Result::Kind::Features:
      return false;
  }
  return false;
}

int decimals_of(const Query& q) {
  return q.decimals >= 0 ? q.decimals : default_decimals(q.out_sr);
}
}  // namespace

namespace {
/// `"name":` of every column, escaped once per answer instead of once per feature.
std::vector<std::string> member_keys(const std::vector<Column>& columns) {
  std::vector<std::string> keys;
  keys.reserve(columns.size());
  for (const auto& col : columns) {
    std::string k;
    append_json_string(k, col.name);
    k.push_back(':');
    keys.push_back(std::move(k));
  }
  return keys;
}

/// The out fields of a feature as JSON members (no braces).
void append_members(std::string& out, const Query& q, const std::vector<Column>& columns,
                    const std::vector<std::string>& keys, const Feature& f) {
  for (std::size_t k = 0; k < q.out_fields.size(); ++k) {
    if (k) out.push_back(',');
    out += keys[k];
    const int field = q.out_fields[k];
    if (field == kObjectId)
      out += std::to_string(f.objectid);
    else
      append_attribute(out, f.values[static_cast<std::size_t>(field)], columns[k].type);
  }
}

void append_feature_with_keys(std::string& out, const Collection& c, const Query& q,
                              const std::vector<Column>& columns,
                              const std::vector<std::string>& keys, const Feature& f) {
  out += R"({"attributes":{)";
  append_members(out, q, columns, keys, f);
  out.push_back('}');
  if (q.return_geometry && c.geometry_type != GeometryType::None) {
    const geo::Geometry& g = q.out_sr == SpatialRef::RdNew ? f.rd : f.wgs84;
    if (!g.empty()) {
      out += R"(,"geometry":)";
      append_esri_geometry(out, g, c.geometry_type, q.out_sr, decimals_of(q));
    }
  }
  out.push_back('}');
}
}  // namespace

void append_esri_feature(std::string& out, const Collection& c, const Query& q,
                         const std::vector<Column>& columns, const Feature& f) {
  append_feature_with_keys(out, c, q, columns, member_keys(columns), f);
}

void append_result_json(std::string& out, const Collection& c, const Query& q, const Result& r) {
  const int decimals = decimals_of(q);
  if (append_non_features(out, q, r, decimals)) return;
  const auto& features = r.page.features;
  out.reserve(out.size() + 512 + features.size() * (q.return_geometry ? 4096 : 256));
  out += R"({"objectIdFieldName":"OBJECTID","uniqueIdField":{"name":"OBJECTID",)"
         R"("isSystemMaintained":true},"globalIdFieldName":"")";
  const std::string_view gtype = esri_geometry_type(c.geometry_type);
  if (!gtype.empty()) {
    out += R"(,"geometryType":")";
    out += gtype;
    out += R"(","spatialReference":)";
    append_spatial_reference(out, q.out_sr);
  }
  out += R"(,"hasZ":false,"hasM":false,)";
  append_columns(out, r.columns);
  out += R"(,"features":[)";
  const auto keys = member_keys(r.columns);
  for (std::size_t i = 0; i < features.size(); ++i) {
    if (i) out.push_back(',');
    append_feature_with_keys(out, c, q, r.columns, keys, *features[i]);
  }
  out += R"(],"exceededTransferLimit":)";
  append_bool(out, r.exceeded_transfer_limit);
  out.push_back('}');
}

void append_result_geojson(std::string& out, const Collection& /*c*/, const Query& q,
                           const Result& r) {
  const int decimals = decimals_of(q);
  if (append_non_features(out, q, r, decimals)) return;
  const auto& features = r.page.features;
  out.reserve(out.size() + 512 + features.size() * (q.return_geometry ? 4096 : 256));
  out += R"({"type":"FeatureCollection")";
  if (q.out_sr != SpatialRef::Wgs84) {
    out += R"(,"crs":{"type":"name","properties":{"name":"EPSG:)";
    out += std::to_string(latest_wkid(q.out_sr));
    out += R"("}})";
  }
  out += R"(,"properties":{"exceededTransferLimit":)";
  append_bool(out, r.exceeded_transfer_limit);
  out += R"(},"features":[)";
  const auto keys = member_keys(r.columns);
  const geo::Crs crs = q.out_sr == SpatialRef::Wgs84         ? geo::Crs::CRS84
                       : q.out_sr == SpatialRef::WebMercator ? geo::Crs::EPSG3857
                                                             : geo::Crs::EPSG28992;
  for (std::size_t i = 0; i < features.size(); ++i) {
    const Feature& f = *features[i];
    if (i) out.push_back(',');
    out += R"({"type":"Feature","id":)";
    out += std::to_string(f.objectid);
    out += R"(,"geometry":)";
    if (!q.return_geometry || f.wgs84.empty())
      out += "null";
    else if (crs == geo::Crs::CRS84)
      append_geometry(out, f.wgs84, decimals);
    else
      append_geometry(out, geometry_in(f, crs), decimals);
    out += R"(,"properties":{)";
    append_members(out, q, r.columns, keys, f);
    out += "}}";
  }
  out += "]}";
}

void append_extent_box(std::string& out, const geo::Box& b, SpatialRef sr, int decimals) {
  auto num = [&](double v) {
    if (b.valid)
      append_number(out, v, decimals);
    else
      out += "null";
  };
  out += R"({"xmin":)";
  num(b.minx);
  out += R"(,"ymin":)";
  num(b.miny);
  out += R"(,"xmax":)";
  num(b.maxx);
  out += R"(,"ymax":)";
  num(b.maxy);
  out += R"(,"spatialReference":)";
  append_spatial_reference(out, sr);
  out.push_back('}');
}

}  // namespace gebieden::layers::esri
