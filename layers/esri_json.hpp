#pragma once
// Esri JSON (GeoServices REST) encoding of query results, written straight into a std::string
// with the json_format helpers: features with attributes and Esri geometries (polygon outer
// rings clockwise, holes counter-clockwise), counts, object ids, extents, statistics, and the
// GeoJSON variant of the same answers (f=geojson).

#include <string>

#include "geo/geometry.hpp"
#include "layers/collection.hpp"
#include "layers/esri_query.hpp"

namespace gebieden::layers::esri {

/// `{"wkid":102100,"latestWkid":3857}` and so on.
void append_spatial_reference(std::string& out, SpatialRef sr);

/// An Esri envelope `{"xmin",…,"spatialReference"}` (nulls when `b` is not valid).
void append_extent_box(std::string& out, const geo::Box& b, SpatialRef sr, int decimals);

/// An Esri geometry of a feature of a layer whose Esri type is `layer_type` (a point layer
/// writes `{"x","y"}`, a polygon layer `{"rings"}` ...). `g` is in lon/lat when `sr` is
/// WebMercator (projected while writing), else already in `sr`. Writes `null` when the geometry
/// is empty or does not fit the layer type.
void append_esri_geometry(std::string& out, const geo::Geometry& g, geo::GeometryType layer_type,
                          SpatialRef sr, int decimals);

/// An attribute value for a column of type `type` (dates as epoch milliseconds, booleans 0/1).
void append_attribute(std::string& out, const Value& v, ColumnType type);

/// A `fields` array entry; `layer_info` adds `nullable` and `editable` (layer JSON: not editable,
/// nullable but the OID).
void append_column(std::string& out, const Column& column, bool layer_info = false);
/// Whether a field may be null and can be written (the layer JSON of an editable layer).
struct ColumnEditing {
  bool nullable = true;
  bool editable = false;
};
/// The same with `nullable` and `editable` as given (when `layer_info`).
void append_column(std::string& out, const Column& column, bool layer_info,
                   const ColumnEditing& editing);

/// One feature `{"attributes":{...},"geometry":{...}}` with the query's out fields, spatial
/// reference and precision; `columns` are the out fields' columns (Result::columns).
void append_esri_feature(std::string& out, const Collection& c, const Query& q,
                         const std::vector<Column>& columns, const Feature& f);

/// The whole response body of a query in Esri JSON (f=json).
void append_result_json(std::string& out, const Collection& c, const Query& q, const Result& r);
/// The same answer as GeoJSON (f=geojson): features as a FeatureCollection (CRS84 unless
/// outSR asks otherwise, RFC 7946 ring orientation); counts, ids, extents and tables as in JSON.
void append_result_geojson(std::string& out, const Collection& c, const Query& q, const Result& r);

}  // namespace gebieden::layers::esri
