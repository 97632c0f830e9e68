#pragma once
// What is near a point: the features of one or more collections within a radius or the k
// nearest, with their distance in metres, ordered by distance (to the millimetre), ties by
// feature id. Distances are planar metres in EPSG:28992 (RD New), measured from each feature's
// own point (a line or polygon: the centre of its RD bounding box).
//
// The proximity index of a collection is built when a snapshot is first asked for and kept as
// long as that snapshot is current: a write swaps in a new snapshot of the collection it
// changed, and only that collection is indexed anew, at its next query.

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "geo/geometry.hpp"
#include "geo/proximity.hpp"
#include "layers/collection.hpp"
#include "layers/ogc_filter.hpp"

namespace gebieden::layers {

/// The limits of a nearby query: a sane default and maximum radius, and at most this many
/// answers.
struct NearbyLimits {
  double default_radius_m = 1000;
  double max_radius_m = 25000;  // the gemeente is about 30 x 38 km
  std::size_t default_limit = 50;
  std::size_t max_limit = 1000;
};

/// A validated nearby query, in RD metres.
struct NearbyQuery {
  geo::XY centre_rd;
  double radius_m = 1000;
  std::size_t limit = 50;  // the k nearest within the radius
  /// Property equalities (name, value as text): a feature matches when its collection has the
  /// property and the value equals it (typed per field); a collection without it has no match.
  std::vector<std::pair<std::string, std::string>> equals;
  /// Features whose temporal extent intersects it (collections without time always match).
  std::optional<TimeInterval> time;

  /// What is wrong with the query, one message per problem, each starting with the parameter:
  /// "within: must be at most 25000 m". Empty when it can run.
  std::vector<std::string> problems(const NearbyLimits& limits = {}) const;
};

struct NearbyHit {
  CollectionPtr collection;
  const Feature* feature = nullptr;  // kept alive by `collection`
  double distance_m = 0;
};

/// The point of a feature that distances are measured from (RD); nullopt without geometry.
std::optional<geo::XY> anchor_rd(const Feature& f);

class NearbyIndex {
 public:
  /// The hits in `collections` (snapshots), nearest first.
  std::vector<NearbyHit> query(const std::vector<CollectionPtr>& collections,
                               const NearbyQuery& q) const;

 private:
  struct Indexed {
    std::weak_ptr<const Collection> snapshot;
    std::shared_ptr<const geo::PointIndex> index;
    std::vector<std::uint32_t> feature_of;  // index point -> feature position
  };
  std::shared_ptr<const Indexed> indexed(const CollectionPtr& c) const;

  mutable std::mutex m_mutex;
  // By snapshot: the public and the full view of a collection are two snapshots, each with its
  // own index (a reader key and the public do not rebuild each other's).
  mutable std::map<const Collection*, std::shared_ptr<const Indexed>> m_by_collection;
};

}  // namespace gebieden::layers
