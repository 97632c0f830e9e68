// GeoJSON bodies of the store's writes, read as the items routes read them (server/store_api:
// parse_item_write for POST/PUT, parse_item_patch for PATCH) against the dev store's schema,
// then checked as the store checks a record before writing (StoreSchemaDef::check_record),
// without writing. The first byte chooses the collection, the operation and the Content-Crs.
// Invariant: only input_error (a 400 naming the member) escapes; never another exception.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "fuzz_common.hpp"
#include "geo/area_model.hpp"
#include "layers/feature_store.hpp"
#include "server/store_api.hpp"
#include "util/error.hpp"

namespace {
std::set<std::string> gebied_ids;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const auto& s = gebieden::fuzz::dev_state();
  if (!s.store) gebieden::fuzz::finding("the dev configuration has no store");
  for (const auto& g : s.model->gebieden()) gebied_ids.insert(g.config.id);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gebieden;
  if (size < 1) return 0;
  const auto& s = fuzz::dev_state();
  const auto& cols = s.config.store.collections;
  const std::uint8_t sel = data[0];
  const auto& collection = cols[(sel >> 3) % cols.size()];
  static const geo::Crs crss[] = {geo::Crs::CRS84, geo::Crs::EPSG4326, geo::Crs::EPSG28992};
  const server::BodyCrs crs{crss[((sel >> 1) & 3) % 3], &s.transformers};
  const std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto& schema = s.store->schema();
  try {
    const server::ItemWrite w =
        (sel & 1) ? server::parse_item_patch(body, "fuzz-1", schema, s.config.store, crs)
                  : server::parse_item_write(body, schema, s.config.store, collection, crs);
    if (w.record.point_crs84 &&
        (!std::isfinite(w.record.point_crs84->x) || !std::isfinite(w.record.point_crs84->y)))
      fuzz::finding("a point that is not finite");
    if (schema.def && !(sel & 1))
      (void)schema.def->check_record(w.record.values, nullptr, s.config.store.soort_field,
                                     gebied_ids);
  } catch (const input_error&) {
  } catch (const std::exception& e) {
    fuzz::finding(e.what());
  }
  return 0;
}
