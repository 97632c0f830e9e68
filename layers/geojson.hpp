#pragma once
// GeoJSON encoding of features (RFC 7946), in CRS84 by default or in another served CRS
// (OGC API Part 2: EPSG:4326 lat,lon; EPSG:3857; EPSG:28992).

#include <string>
#include <vector>

#include "geo/crs.hpp"
#include "layers/collection.hpp"

namespace gebieden::layers {

/// Coordinates of `f` in `crs`, with the axis order of that CRS and RFC 7946 ring orientation.
geo::Geometry geometry_in(const Feature& f, geo::Crs crs);
/// Decimal places that give about a millimetre in that CRS.
int decimals_for(geo::Crs crs);

void append_geometry(std::string& out, const geo::Geometry& g, int decimals);
/// A property value as JSON (null, true/false, number, string).
void append_value(std::string& out, const Value& v);

/// One GeoJSON Feature. `fields` selects which properties (indices), in order; private fields
/// are never written whatever is selected. `extra` is appended inside the object verbatim
/// (e.g. `,"links":[...]`).
void append_feature(std::string& out, const Collection& c, const Feature& f, geo::Crs crs,
                    const std::vector<int>& fields, const std::string& extra = {});

/// All public field indices of a collection, in order.
std::vector<int> public_fields(const Collection& c);

}  // namespace gebieden::layers
