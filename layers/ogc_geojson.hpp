#pragma once
// GeoJSON encoding for the OGC API front: layers::append_feature, but never with a degenerate
// polygon ring (fewer than three distinct positions, e.g. the out-and-back spike a repair can
// leave as a "hole"). Such a ring has no area and no orientation, so RFC 7946's right-hand rule
// cannot hold for it and OGC Simple Features forbid it; dropping it changes no area.

#include <string>
#include <vector>

#include "geo/crs.hpp"
#include "layers/collection.hpp"

namespace gebieden::layers {

/// Does the geometry have a polygon ring with fewer than three distinct positions?
bool has_degenerate_rings(const geo::Geometry& g);
/// The geometry without degenerate rings (a polygon whose exterior is degenerate is dropped).
geo::Geometry without_degenerate_rings(const geo::Geometry& g);

/// append_feature() with degenerate rings removed from the geometry (no copy when none).
void append_ogc_feature(std::string& out, const Collection& c, const Feature& f, geo::Crs crs,
                        const std::vector<int>& fields, const std::string& extra = {});

}  // namespace gebieden::layers
