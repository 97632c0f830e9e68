#pragma once
// Esri GeoServices REST: /arcgis/rest/info and /arcgis/rest/services/gebieden/FeatureServer/...
//
// Every layer of the catalogue is a FeatureServer layer whose id is its index in
// Catalogue::all(). GET and form-encoded POST are served alike (body parameters win over the
// query string; parameter names are case-insensitive, empty values count as absent). Errors
// follow ArcGIS: HTTP 200 with {"error":{"code":400|404|500,"message":...,"details":[...]}},
// the code mapped from the one error registry by esri_error(); only a method other than GET,
// POST or OPTIONS gets a real HTTP status (405). The store layers are edited with applyEdits,
// addFeatures, updateFeatures, deleteFeatures (of a layer) and applyEdits (of the service).

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "layers/collection.hpp"
#include "layers/esri_query.hpp"
#include "server/access.hpp"
#include "server/esri_edit.hpp"
#include "server/http_types.hpp"
#include "server/service.hpp"
#include "util/error.hpp"

namespace gebieden::server {

struct ServiceState;

/// What the ArcGIS envelope says for an error of the registry: ArcGIS's own code (400, 404,
/// 405, 499, 500...) and its generic message.
struct EsriError {
  int code;
  std::string_view message;
};
/// The one table from ErrorCode to ArcGIS's codes.
const EsriError& esri_error(ErrorCode code) noexcept;

/// The request parameters of an Esri route: query string and form body merged, names
/// lower-cased, empty values dropped.
class EsriParams {
 public:
  /// Throws input_error for a body that is not form-encoded or is malformed.
  static EsriParams from_request(const Request& req);

  void set(std::string name, std::string value);
  /// The value of a (lower-case) parameter, or nullptr when it is absent or empty.
  const std::string* get(std::string_view lower_name) const;

 private:
  std::map<std::string, std::string, std::less<>> m_values;
};

class EsriApi {
 public:
  explicit EsriApi(const ServiceState& state, RequestContext ctx)
      : m_state(state), m_ctx(std::move(ctx)) {}

  /// Route a request under /arcgis; `seg` are the decoded path segments (seg[0] == "arcgis").
  /// Never throws: failures become ArcGIS error bodies.
  Response route(const Request& req, const std::vector<std::string>& seg) const;

  /// Validate the parameters of `…/FeatureServer/{layer}/query` into a typed query. Throws
  /// input_error naming the parameter.
  layers::esri::Query parse_query(const EsriParams& params, const layers::Collection& c) const;

 private:
  std::string dispatch(const Request& req, const std::vector<std::string>& seg,
                       const EsriParams& params, bool& geojson) const;
  std::string info() const;
  std::string catalog(const Request& req) const;
  std::string service(const Request& req) const;
  std::string layers(const Request& req) const;
  std::string layer(const Request& req, std::size_t id) const;
  std::string query(const EsriParams& params, std::size_t id, bool geojson) const;
  std::string feature(const EsriParams& params, std::size_t id, const std::string& oid) const;
  layers::CollectionPtr collection(std::size_t id) const;
  // Editing of the store layers (server/esri_edit.hpp): POST only, a key of role editor (admin
  // to delete) as `token` (query or form), X-Esri-Authorization or Authorization.
  std::string edit(const Request& req, const EsriParams& params, std::size_t id,
                   const std::string& op) const;  // applyEdits, addFeatures, ... of a layer
  std::string service_edits(const Request& req, const EsriParams& params) const;
  bool writes_enabled() const;
  const geo::LayerConfig* store_config_of(const std::string& collection_id) const;
  esri_edit::LayerEditing editing_of(const layers::Collection& c) const;
  /// The store layer `id` for an edit; throws input_error when it takes none.
  esri_edit::EditLayer edit_layer(std::size_t id) const;
  /// The ArcGIS error body when the request may not edit (499 no token, 498 an invalid one,
  /// 403 a key of too low a role), else nullopt with `who` set.
  std::optional<std::string> edit_denied(const EsriParams& params, Role needed,
                                         std::optional<Principal>& who) const;
  std::string base_url(const Request& req) const;

  const ServiceState& m_state;
  RequestContext m_ctx;
};

}  // namespace gebieden::server
