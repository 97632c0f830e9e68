#pragma once
// Writes to the social-base store (OGC API - Features Part 4, Create/Replace/Delete):
// POST /collections/{id}/items, PUT and DELETE /collections/{id}/items/{featureId}, on the
// store collections only. Authenticated with a bearer token; the body is parsed and validated
// into a typed layers::StoreRecordInput, which the FeatureStore writes, places and publishes.

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
};

/// Parse a GeoJSON Feature for the store collection `collection`. Throws input_error
/// (InvalidBody, 400) naming the member that is wrong.
ItemWrite parse_item_write(const std::string& body, const layers::StoreSchema& schema,
                           const geo::StoreConfig& store, const geo::LayerConfig& collection);

/// Is `presented` (the whole Authorization header value) a bearer token of `tokens`? Compares
/// in constant time for a given token length.
bool bearer_matches(const std::string& authorization, const std::vector<std::string>& tokens);

/// The tokens of a comma-separated list (spaces trimmed, empty entries dropped).
std::vector<std::string> parse_tokens(const char* list);

class StoreApi {
 public:
  StoreApi(ServiceState& state, RequestContext ctx) : m_state(state), m_ctx(std::move(ctx)) {}

  /// Does this request go here? (POST, PUT or DELETE on /collections/{id}/items[/{fid}].)
  static bool handles(const Request& req, const std::vector<std::string>& seg);

  Response route(const Request& req, const std::vector<std::string>& seg) const;

 private:
  const geo::LayerConfig* store_collection(const std::string& id) const;
  /// Throws input_error: 403 when writes are disabled or the key's role is below `needed`,
  /// 401 without a key.
  void authorize(Role needed, const std::string& what) const;
  /// The written record (201/200) in the collection of its soort, with Location and ETag.
  Response feature_answer(const Request& req, const std::string& soort, const std::string& fid,
                          int status) const;
  ServiceState& m_state;
  RequestContext m_ctx;
};

}  // namespace gebieden::server
