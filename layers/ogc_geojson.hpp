#pragma once
// The OGC API front's side of layers/: GeoJSON of snapshot features, the per-snapshot cache of
// pre-encoded features, and the one entry the items route calls (items_page: execute the
// FeatureQuery and encode the page from the snapshot). A collection snapshot carries no
// degenerate polygon ring (geo::degenerate_ring: Collection::finalize cleans the geometry once,
// when the snapshot is built), so no ring is looked at per response.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "geo/crs.hpp"
#include "layers/collection.hpp"
#include "layers/query.hpp"

namespace gebieden::layers {

/// A feature of a snapshot as GeoJSON (append_feature; the geometry is already clean).
void append_ogc_feature(std::string& out, const Collection& c, const Feature& f, geo::Crs crs,
                        const std::vector<int>& fields, const std::string& extra = {});

/// GeoJSON of every feature of a snapshot in one CRS (all public properties, no links), aligned
/// with Collection::features.
using EncodedFeatures = std::vector<std::string>;
EncodedFeatures encode_features(const Collection& c, geo::Crs crs);

/// Pre-encoded features per (snapshot, CRS), so that a page is a concatenation of ready
/// strings. Every entry remembers (weakly) the snapshot it was made from: a replaced snapshot
/// is never served stale, and entries of dead snapshots are dropped. Bounded (least recently
/// used first). Thread-safe: one mutex, held only for lookups and inserts; encoding happens
/// outside it.
class FeatureEncodings {
 public:
  explicit FeatureEncodings(std::size_t max_snapshots = 24) : m_max(max_snapshots) {}
  FeatureEncodings(const FeatureEncodings&) = delete;
  FeatureEncodings& operator=(const FeatureEncodings&) = delete;

  std::shared_ptr<const EncodedFeatures> get(const CollectionPtr& c, geo::Crs crs);
  /// As get(), but only for a snapshot that has been asked for during at least `settle`: while
  /// writes replace a collection many times a second, encoding all of it for every new
  /// snapshot would cost more than encoding the pages asked for (null: encode the page).
  /// Only one thread encodes a snapshot: the others get null until it is done.
  std::shared_ptr<const EncodedFeatures> get_settled(
      const CollectionPtr& c, geo::Crs crs,
      std::chrono::milliseconds settle = std::chrono::milliseconds(500));
  /// How many encodings were made (for tests and the benchmark).
  std::size_t encodings() const;

 private:
  void insert(const std::pair<const Collection*, geo::Crs>& key, const CollectionPtr& c,
              std::shared_ptr<const EncodedFeatures> data);  // under m_mutex
  struct Slot {
    std::weak_ptr<const Collection> owner;
    std::shared_ptr<const EncodedFeatures> data;  // null: asked for, not encoded yet
    std::uint64_t used = 0;
    std::chrono::steady_clock::time_point first_asked;
    bool encoding = false;  // a thread is encoding it (get_settled): the others do not
  };
  std::size_t m_max;
  mutable std::mutex m_mutex;
  std::uint64_t m_clock = 0;
  std::size_t m_encodings = 0;
  std::map<std::pair<const Collection*, geo::Crs>, Slot> m_slots;
};

/// A page of an items query, answered from the snapshot.
struct ItemsPage {
  FeaturePage page;
  /// The page's features as one GeoJSON array ("[f1,f2,...]") in q.crs.
  std::string features;
};

/// The one entry of the items route: execute `q` on `c` and encode the page, from the
/// snapshot's pre-encoded features when every public field is written (`all_fields`) and the
/// snapshot has settled (FeatureEncodings::get_settled), else with `fields` now. With encode =
/// false only the page is made.
ItemsPage items_page(FeatureEncodings& encodings, const CollectionPtr& c, const FeatureQuery& q,
                     const std::vector<int>& fields, bool all_fields, bool encode = true,
                     std::chrono::milliseconds settle = std::chrono::milliseconds(500));

}  // namespace gebieden::layers
