#pragma once
// Caches of the OGC API front, keyed by collection snapshot: a replaced snapshot is never
// served stale, because every entry remembers (weakly) the snapshot it was made from and is
// dropped when that is no longer the one asked about.
//
//  - Pre-encoded GeoJSON of every feature of a snapshot in one CRS: layers::FeatureEncodings,
//    owned here and used by the items route through layers::items_page.
//  - Per-snapshot facts that cost a scan (the temporal extent).
//  - Finished responses (body already compressed and tagged), bounded in bytes, LRU.
//
// Thread-safe: one mutex per cache, held only for lookups and inserts; encoding happens outside.

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "geo/crs.hpp"
#include "layers/collection.hpp"
#include "layers/ogc_filter.hpp"
#include "layers/ogc_geojson.hpp"
#include "server/http_types.hpp"

namespace gebieden::server {

class OgcCache {
 public:
  struct Limits {
    std::size_t response_bytes = 96u << 20;     // all cached responses together
    std::size_t response_max_entry = 8u << 20;  // larger responses are not cached
    std::size_t encoded_snapshots = 24;         // (snapshot, CRS) feature encodings kept
  };

  OgcCache() : OgcCache(Limits{}) {}
  explicit OgcCache(Limits limits) : m_limits(limits), m_encodings(limits.encoded_snapshots) {}
  OgcCache(const OgcCache&) = delete;
  OgcCache& operator=(const OgcCache&) = delete;

  /// Encoded features of `c` in `crs`, aligned with c->features.
  using Encoded = layers::EncodedFeatures;
  std::shared_ptr<const Encoded> features(const layers::CollectionPtr& c, geo::Crs crs) {
    return m_encodings.get(c, crs);
  }
  /// The per-snapshot encodings, for layers::items_page.
  layers::FeatureEncodings& encodings_cache() { return m_encodings; }

  /// Facts of a snapshot that cost a scan.
  struct Summary {
    std::optional<layers::TimeInterval> temporal;
  };
  std::shared_ptr<const Summary> summary(const layers::CollectionPtr& c);

  /// A finished response for `key` made from snapshot `c`, if cached.
  std::optional<Response> response(const layers::CollectionPtr& c, const std::string& key);
  void store(const layers::CollectionPtr& c, const std::string& key, const Response& r);

  /// Counters (for tests and the benchmark).
  std::size_t response_hits() const;
  std::size_t encodings() const;

 private:
  struct SummarySlot {
    std::weak_ptr<const layers::Collection> owner;
    std::shared_ptr<const Summary> data;
  };
  struct ResponseSlot {
    std::weak_ptr<const layers::Collection> owner;
    std::shared_ptr<const Response> data;
    std::list<std::string>::iterator lru;
    std::size_t bytes = 0;
  };

  static bool same(const std::weak_ptr<const layers::Collection>& owner,
                   const layers::CollectionPtr& c);
  void evict_responses();

  Limits m_limits;
  layers::FeatureEncodings m_encodings;
  mutable std::mutex m_mutex;
  std::uint64_t m_clock = 0;
  std::map<const layers::Collection*, SummarySlot> m_summaries;
  std::unordered_map<std::string, ResponseSlot> m_responses;
  std::list<std::string> m_lru;  // front: most recently used
  std::size_t m_response_bytes = 0;
  std::size_t m_hits = 0;
};

}  // namespace gebieden::server
