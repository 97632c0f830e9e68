#pragma once
// The boundary collections (buurten, wijken, gebieden, gemeente) built from the area model.

#include <vector>

#include "geo/area_model.hpp"
#include "layers/collection.hpp"
#include "layers/store.hpp"

namespace gebieden::layers {

/// `counts`: per social collection id, per area code, how many of its features lie inside;
/// each becomes an Integer field `aantal_<id>` on every boundary feature (0 when none).
std::vector<CollectionPtr> boundary_collections(const geo::AreaModel& model,
                                                const AreaCounts& counts = {});

/// The boundary collections of `boundaries` whose `aantal_<id>` fields differ from `counts` (only
/// the collection ids in `counts` are looked at), as new snapshots with those counts; the others
/// are left out (they are unchanged).
std::vector<CollectionPtr> with_counts(const std::vector<CollectionPtr>& boundaries,
                                       const AreaCounts& counts);

}  // namespace gebieden::layers
