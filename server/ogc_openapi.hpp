#pragma once
// The OpenAPI 3.0 definition of the OGC API front: every path (one set per collection, so that
// each collection's property filters, sort keys and properties are declared exactly), every
// parameter, every response including errors.

#include <nlohmann/json.hpp>
#include <string>

#include "layers/collection.hpp"

namespace gebieden::server {

struct ServiceState;

/// The JSON Schema of a collection's geometry, from the geometry types its features have (not
/// only the declared type): one type is a `$ref` to its GeoJSON schema; a mix (buurten: 132
/// Polygons and 2 MultiPolygons) is a `oneOf` of the types present. No features: the declared
/// type (`Geometry.json` when none).
nlohmann::ordered_json geometry_schema(const layers::Collection& c);

nlohmann::ordered_json build_openapi(const ServiceState& state, const std::string& base);

/// Names of the standard /items parameters (a property with one of these names is not offered
/// as a property filter: the standard parameter wins).
bool is_items_parameter(const std::string& name);

}  // namespace gebieden::server
