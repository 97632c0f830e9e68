#pragma once
// CQL2 JSON (OGC 21-065r2, the cql2-json encoding): parsed into the same typed expression tree
// as CQL2 text, so validation, binding and evaluation are shared. The JSON is read by a small
// reader of our own that keeps byte offsets, so errors carry positions like the text parser's.
//
// Supported, each building exactly what the equivalent CQL2 text builds:
//   {"op":"and"|"or","args":[p, p, ...]}   {"op":"not","args":[p]}
//   {"op":"="|"<>"|"<"|"<="|">"|">=","args":[a, b]}
//   {"op":"like","args":[a, pattern]}   {"op":"between","args":[a, low, high]}
//   {"op":"in","args":[a, [b, c, ...]]}   {"op":"isNull","args":[a]}
//   {"op":"casei"|"accenti"|"upper"|"lower","args":[a]}   (functions)
//   {"op":"s_intersects"|"s_disjoint","args":[{"property":"geometry"}, geometry]} in either
//   order, the geometry a GeoJSON Point, LineString, Polygon, MultiPoint, MultiLineString or
//   MultiPolygon, or {"bbox":[minx, miny, maxx, maxy]} (4 or 6 numbers)
//   {"property":"name"}, strings, numbers, true/false, null, {"timestamp":"..."},
//   {"date":"..."}; true/false also as a predicate.
// Not supported (parse_error naming them): temporal and array operators, {"interval":[...]},
// other spatial operators, GeometryCollection.
//
// Hostile input gives a parse_error, never a stack overflow: the reader caps JSON nesting, the
// builder caps operator nesting (ParseOptions::max_depth) and nodes (max_nodes).

#include <string_view>

#include "layers/filter.hpp"

namespace gebieden::layers::filter {

/// Parse a CQL2 JSON filter. Throws parse_error ("<problem> at position <n>[, expected ...]",
/// the position a byte offset into `json_text`).
Expr parse_cql2_json(std::string_view json_text, const ParseOptions& options = {});

}  // namespace gebieden::layers::filter
