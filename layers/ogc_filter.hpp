#pragma once
// Engine-side helpers for the OGC API front: temporal selection on a collection's start/end
// fields, typed property equality, the filter schema of a collection (public fields only) and
// CQL2 parsing + binding against it. The bound expression goes into a FeatureQuery
// (layers/query.hpp), whose executor evaluates it. No HTTP here.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "geo/crs.hpp"
#include "layers/collection.hpp"
#include "layers/feature_access.hpp"
#include "layers/filter.hpp"

namespace gebieden::layers {

/// A closed time interval in milliseconds since the epoch; nullopt ends are open.
struct TimeInterval {
  std::optional<std::int64_t> start;
  std::optional<std::int64_t> end;
};

/// The time interval of a date or date-time value: a date covers its whole day (UTC).
/// nullopt when `text` is not a date or date-time.
std::optional<TimeInterval> time_of(std::string_view text);

/// The temporal extent of a feature from the collection's start/end fields (open ends when a
/// value is null). nullopt when the collection has no temporal field.
std::optional<TimeInterval> feature_time(const Collection& c, const Feature& f);

/// Does the feature's temporal extent intersect `t`? Collections without temporal fields match
/// every interval (their features carry no time to exclude them by).
bool in_time(const Collection& c, const Feature& f, const TimeInterval& t);

/// The temporal extent of the whole collection (start of the earliest, end of the latest;
/// open ends stay open). nullopt without temporal fields or values.
std::optional<TimeInterval> temporal_extent(const Collection& c);

/// RFC 3339 rendering of milliseconds since the epoch ("2024-03-01T12:00:00Z").
std::string format_time(std::int64_t millis);

/// The CQL2 schema of a collection: every public field with its type, plus `geometry`.
/// Private fields are absent, so a filter naming one fails as an unknown property.
filter::Schema filter_schema(const Collection& c);

/// The name under which filters and queryables expose the geometry.
inline constexpr const char* kGeometryQueryable = "geometry";

/// Parse and bind CQL2 text against the collection's public schema. Throws filter::parse_error.
filter::Expr compile_cql2(const Collection& c, std::string_view text);

/// Parse and bind CQL2 JSON against the collection's public schema. Throws filter::parse_error.
filter::Expr compile_cql2_json(const Collection& c, std::string_view json_text);

/// Typed equality of a property with a query parameter value: numbers numerically, booleans
/// as true/false, anything else as text. nullopt when `text` cannot be a value of that field.
std::optional<Value> typed_value(const Field& field, const std::string& text);
bool equals_value(const Value& have, const Value& want);

}  // namespace gebieden::layers
