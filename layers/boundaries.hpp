#pragma once
// The boundary collections (buurten, wijken, gebieden, gemeente) built from the area model.

#include <vector>

#include "geo/area_model.hpp"
#include "layers/collection.hpp"

namespace gebieden::layers {

std::vector<CollectionPtr> boundary_collections(const geo::AreaModel& model);

}  // namespace gebieden::layers
