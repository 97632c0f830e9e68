// Esri `where` as the GeoServices query route reads it (server/esri_api.cpp parse_selection:
// parse_esri_where with case-insensitive LIKE, bound against esri::where_schema with names
// matched ignoring case), for a collection of the dev data chosen by the first byte; then the
// invariants of filter_check.hpp (its CQL2 rendering parses back to the same filter). Only
// filter::parse_error may escape the parser.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "filter_check.hpp"
#include "layers/esri_query.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  gebieden::fuzz::dev_state();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gebieden;
  namespace f = layers::filter;
  if (size < 1) return 0;
  const auto& all = fuzz::dev_state().catalogue.view().all();
  const auto& c = *all[data[0] % all.size()];
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  const f::Schema schema = layers::esri::where_schema(c);
  std::optional<f::Expr> e;
  try {
    f::ParseOptions options;
    options.like_case_insensitive = true;
    e = f::bind(f::parse_esri_where(text, options), schema, true);
  } catch (const f::parse_error&) {
    return 0;
  } catch (const std::exception& x) {
    fuzz::finding(x.what());
  }
  try {
    fuzz::check_bound(*e, schema, true, "geometry");
  } catch (const std::exception& x) {
    fuzz::finding(x.what());
  }
  return 0;
}
