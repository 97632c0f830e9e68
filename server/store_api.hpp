#pragma once
// Writes to the social-base store (OGC API - Features Part 4, draft: create-replace-delete,
// update, features, optimistic-locking-etags): POST /collections/{id}/items, PUT, PATCH
// (application/merge-patch+json) and DELETE /collections/{id}/items/{featureId}, on the store
// collections only; the history of a record (GET .../items/{featureId}/history) and of the
// whole store (GET /history). Authenticated with a key of the key ring (editor writes, admin
// deletes and reads the history); the body is parsed and validated into a typed
// layers::WriteRequest (Content-Type, Content-Crs and If-Match checked), which the FeatureStore
// validates, writes with its history row, places and publishes.

#include <optional>
#include <string>
#include <vector>

#include "geo/config.hpp"
#include "layers/feature_store.hpp"
#include "server/http_types.hpp"
#include "server/service.hpp"

namespace gebieden::server {

struct ServiceState;

/// A parsed and validated item body: the record to store (id may be empty: generate one).
struct ItemWrite {
  layers::StoreRecordInput record;
  bool id_given = false;
  /// A patch: the point was given (set it to record.point_crs84; nullopt: remove it).
  bool point_given = false;
};

/// The CRS of the coordinates of a body (the Content-Crs header): CRS84 (lon, lat), EPSG:4326
/// (lat, lon) or EPSG:28992 (RD x, y). Points are converted to CRS84 with `transformers`
/// (needed for EPSG:28992 only).
struct BodyCrs {
  geo::Crs crs = geo::Crs::CRS84;
  const geo::TransformerCache* transformers = nullptr;
};

/// Parse a Content-Crs header value: one of the URIs of BodyCrs, with or without the angle
/// brackets. Empty: CRS84. Throws input_error (InvalidParameter, naming Content-Crs) listing the
/// supported ones.
geo::Crs parse_content_crs(const std::string& header);

/// Parse a GeoJSON Feature for the store collection `collection`. Throws input_error
/// (InvalidBody, 400) naming the member that is wrong.
ItemWrite parse_item_write(const std::string& body, const layers::StoreSchema& schema,
                           const geo::StoreConfig& store, const geo::LayerConfig& collection,
                           const BodyCrs& crs = {});

/// Parse a JSON merge patch (RFC 7396) of the GeoJSON representation of the feature `fid`:
/// `{"properties": {...}}` and/or `{"geometry": ...}`. Only the given columns are in
/// `record.values` (a null value unsets the property); `"geometry": null` removes the record's
/// own point (it is placed again from its address). The id cannot change; properties computed
/// by the placement and the store's system fields are ignored when sent back. Throws input_error
/// (InvalidBody, 400) naming the member that is wrong.
ItemWrite parse_item_patch(const std::string& body, const std::string& fid,
                           const layers::StoreSchema& schema, const geo::StoreConfig& store,
                           const BodyCrs& crs = {});

/// The methods that `viewer` may use now on /collections/{id}/items (seg.size() == 3) or on
/// an item (4): the write methods on store collections for an editor key (DELETE for an admin
/// key); "GET, HEAD, OPTIONS" for anyone else and for every other path.
std::string allowed_methods(const ServiceState& state, const Viewer& viewer,
                            const std::vector<std::string>& seg);

/// The answer to OPTIONS on `seg`: `Allow` as allowed_methods; the CORS preflight headers list
/// every method the path may take with some key (a preflight carries no credentials) and the
/// request headers of the writes (Authorization, If-Match, Content-Crs).
Response path_options(const ServiceState& state, const Viewer& viewer,
                      const std::vector<std::string>& seg);

/// Is `presented` (the whole Authorization header value) a bearer token of `tokens`? Compares
/// in constant time for a given token length.
bool bearer_matches(const std::string& authorization, const std::vector<std::string>& tokens);

/// The tokens of a comma-separated list (spaces trimmed, empty entries dropped).
std::vector<std::string> parse_tokens(const char* list);

class StoreApi {
 public:
  StoreApi(ServiceState& state, RequestContext ctx) : m_state(state), m_ctx(std::move(ctx)) {}

  /// Does this request go here? (POST, PUT, PATCH or DELETE on
  /// /collections/{id}/items[/{fid}]; any method on .../items/{fid}/history and /history.)
  static bool handles(const Request& req, const std::vector<std::string>& seg);

  Response route(const Request& req, const std::vector<std::string>& seg) const;

 private:
  const geo::LayerConfig* store_collection(const std::string& id) const;
  /// Throws input_error: 403 when writes are disabled or the key's role is below `needed`,
  /// 401 without a key.
  void authorize(Role needed, const std::string& what) const;
  /// authorize() as a response: nullopt when allowed, else the 401 (with WWW-Authenticate) or
  /// 403.
  std::optional<Response> refused(Role needed, const std::string& what) const;
  /// The written record (201/200) in the collection of its soort, with Location and ETag.
  Response feature_answer(const Request& req, const std::string& soort, const std::string& fid,
                          int status) const;
  /// GET .../items/{fid}/history and GET /history (admin).
  Response history(const Request& req, const std::vector<std::string>& seg) const;
  ServiceState& m_state;
  RequestContext m_ctx;
};

}  // namespace gebieden::server
