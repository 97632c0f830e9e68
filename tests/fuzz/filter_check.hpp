#pragma once
// The invariants shared by the three filter targets (CQL2 text, CQL2 JSON, Esri where) once a
// filter parsed and bound: its canonical rendering parses back (as CQL2 text) to a tree with the
// same rendering, binding the rendering gives the same tree, and the evaluator answers on a
// feature that has a value of every field (never throws; the spatial tests prepare their
// literals or refuse them with an input_error).
#include <map>
#include <string>

#include "fuzz_common.hpp"
#include "layers/filter.hpp"
#include "util/error.hpp"

namespace gebieden::fuzz {

/// A value of each field of `schema`, to evaluate filters on.
inline std::map<std::string, layers::filter::Value, std::less<>> sample_values(
    const layers::filter::Schema& schema) {
  using layers::filter::FieldType;
  std::map<std::string, layers::filter::Value, std::less<>> v;
  for (const auto& [name, type] : schema) {
    switch (type) {
      case FieldType::String:
        v[name] = std::string("Leeuwarden");
        break;
      case FieldType::Integer:
        v[name] = std::int64_t{42};
        break;
      case FieldType::Double:
        v[name] = 1.5;
        break;
      case FieldType::Boolean:
        v[name] = true;
        break;
      case FieldType::Date:
        v[name] = layers::filter::Timestamp{1709251200000, true};
        break;
      case FieldType::Geometry:
        break;
    }
  }
  return v;
}

/// Check a bound expression `e` (bound against `schema`, names matched as `case_insensitive`).
inline void check_bound(const layers::filter::Expr& e, const layers::filter::Schema& schema,
                        bool case_insensitive, const char* geometry_name) {
  namespace f = layers::filter;
  const std::string text = f::to_string(e);
  f::Expr again = [&] {
    try {
      return f::bind(f::parse_cql2_text(text), schema, case_insensitive);
    } catch (const f::parse_error& err) {
      std::fprintf(stderr, "rendering: %s\nerror: %s\n", text.c_str(), err.what());
      finding("the canonical rendering of a bound filter does not parse back");
    }
  }();
  const std::string text2 = f::to_string(again);
  if (text2 != text) {
    std::fprintf(stderr, "rendering: %s\nits rendering after a round trip: %s\n", text.c_str(),
                 text2.c_str());
    finding("render -> parse -> render changed the filter");
  }
  const auto values = sample_values(schema);
  const geo::Geometry point = geo::Geometry::point(5.79, 53.2);
  try {
    const f::SpatialTests tests(e);
    f::PropertyAccess access = f::map_access(values, &point, geometry_name);
    access.spatial = &tests;
    const f::Truth t1 = f::evaluate(e, access);
    const f::Truth t2 = f::evaluate(again, f::map_access(values, &point, geometry_name));
    if (t1 != t2) finding("the round-tripped filter evaluates differently");
  } catch (const input_error&) {
    // a literal geometry that GEOS cannot use: a 400 on the route
  }
}

}  // namespace gebieden::fuzz
