#pragma once
// The social base (organisations, initiatives, activities, volunteer work, meeting places,
// support) and other file layers, as collections. Until the feature store lands, the store is
// read from a file through GDAL and every record is placed by the geocoder when it is loaded.
// Nothing is dropped: a record that cannot be placed is served without geometry, with its
// geocode status and reason.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "geo/area_model.hpp"
#include "geo/config.hpp"
#include "geo/geocoder.hpp"
#include "layers/collection.hpp"

namespace gebieden::layers {

/// Counts per collection id, per area code (buurtcode, wijkcode, gebied id, gemeentecode).
using AreaCounts = std::map<std::string, std::map<std::string, std::int64_t>>;

struct StoreLoad {
  std::vector<CollectionPtr> collections;
  AreaCounts counts;
  std::size_t records = 0, placed = 0;
  std::vector<std::string> messages;  // where it was read from, what it could not place
};

/// Read the store and build its collections. `geocoder` may be null (then only coordinates in
/// the records place them).
StoreLoad load_store(const geo::Config& config, const geo::AreaModel& model,
                     const geo::Geocoder* geocoder);

/// A collection from a file layer (every field, geometry reprojected).
CollectionPtr load_file_layer(const geo::Config& config, const geo::LayerConfig& layer);

/// A stable positive 31-bit integer for an id (FNV-1a), the same across restarts; collisions
/// are resolved by probing in id order, so it stays stable while the set of ids does.
std::int64_t stable_objectid(const std::string& id);

}  // namespace gebieden::layers
