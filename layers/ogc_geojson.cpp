#include "layers/ogc_geojson.hpp"

#include "layers/geojson.hpp"

namespace gebieden::layers {

void append_ogc_feature(std::string& out, const Collection& c, const Feature& f, geo::Crs crs,
                        const std::vector<int>& fields, const std::string& extra) {
  append_feature(out, c, f, crs, fields, extra);
}

}  // namespace gebieden::layers
