#pragma once
// GeoJSON encoding for the OGC API front. A collection snapshot carries no degenerate polygon
// ring (geo::degenerate_ring: Collection::finalize cleans the geometry once, when the snapshot
// is built), so this is layers::append_feature as it is: no ring is looked at per response.

#include <string>
#include <vector>

#include "geo/crs.hpp"
#include "layers/collection.hpp"

namespace gebieden::layers {

/// A feature of a snapshot as GeoJSON (append_feature; the geometry is already clean).
void append_ogc_feature(std::string& out, const Collection& c, const Feature& f, geo::Crs crs,
                        const std::vector<int>& fields, const std::string& extra = {});

}  // namespace gebieden::layers
