#pragma once
// Parsing and validation of OGC API - Features parameters into typed values. Every failure is
// an input_error naming the parameter; nothing here renders a response.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "geo/crs.hpp"
#include "layers/ogc_filter.hpp"
#include "layers/query.hpp"
#include "server/http_types.hpp"

namespace gebieden::server {

struct ServiceState;

/// The representation a client asked for (`f`, else `Accept`).
enum class Format { Json, Html };

/// `f=json|geojson|html` (also the media types), else the Accept header: HTML when the client
/// prefers text/html over JSON (a browser), JSON otherwise. Throws input_error for a bad `f`.
Format negotiate(const Request& req);

/// Reject repeated keys and keys not in `allowed` (input_error naming the first one).
void check_params(const Request& req, std::initializer_list<const char*> allowed);

/// The validated parameters of /collections/{id}/items.
struct ItemsRequest {
  layers::FeatureQuery query;
  Format format = Format::Json;
  /// Fields to write (indices, public only): `properties`, or every public field.
  std::vector<int> fields;
  bool all_fields = true;
  /// Parameters to keep in paging links (every one but `f` and `offset`; `limit` clamped).
  std::vector<std::pair<std::string, std::string>> echo;
};

/// Parse every parameter of /items for collection `c`.
ItemsRequest parse_items_request(const Request& req, const layers::Collection& c,
                                 const ServiceState& state);

/// Parse `crs` (or `bbox-crs`, `filter-crs`: the name is only for the message).
geo::Crs parse_crs(const std::string& name, const std::string& value);

/// Parse `properties` (comma-separated public property names).
std::vector<int> parse_properties(const layers::Collection& c, const std::string& value);

/// Parse `datetime`: an instant, or `start/end` with `..` or empty for an open end.
layers::TimeInterval parse_datetime(const std::string& value);

/// Parse a strict integer (no sign other than '-', no spaces, no exponent).
bool parse_integer(const std::string& s, long long& out);
bool parse_number(const std::string& s, double& out);

/// Shorten a client's text for an error message.
std::string shown(const std::string& s, std::size_t max = 60);

}  // namespace gebieden::server
