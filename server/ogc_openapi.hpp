#pragma once
// The OpenAPI 3.0 definition of the OGC API front: every path (one set per collection, so that
// each collection's property filters, sort keys and properties are declared exactly), every
// parameter, every response including errors.

#include <nlohmann/json.hpp>
#include <string>

namespace gebieden::server {

struct ServiceState;

nlohmann::ordered_json build_openapi(const ServiceState& state, const std::string& base);

/// Names of the standard /items parameters (a property with one of these names is not offered
/// as a property filter: the standard parameter wins).
bool is_items_parameter(const std::string& name);

}  // namespace gebieden::server
