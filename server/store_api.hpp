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
  explicit StoreApi(ServiceState& state) : m_state(state) {}

  /// Does this request go here? (POST, PUT or DELETE on /collections/{id}/items[/{fid}].)
  static bool handles(const Request& req, const std::vector<std::string>& seg);

  Response route(const Request& req, const std::vector<std::string>& seg) const;

 private:
  const geo::LayerConfig* store_collection(const std::string& id) const;
  void authorize(const Request& req) const;
  /// The written record (201/200) in the collection of its soort, with Location and ETag.
  Response feature_answer(const Request& req, const std::string& soort, const std::string& fid,
                          int status) const;
  ServiceState& m_state;
};

}  // namespace gebieden::server
