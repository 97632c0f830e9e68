// CQL2 text through the public filter API of the OGC route (layers::compile_cql2: parse and bind
// against a collection's public schema), for a collection of the dev data chosen by the first
// byte; then the invariants of filter_check.hpp. Only filter::parse_error may escape the parser.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "filter_check.hpp"
#include "layers/ogc_filter.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  gebieden::fuzz::dev_state();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gebieden;
  if (size < 1) return 0;
  const auto& all = fuzz::dev_state().catalogue.view().all();
  const auto& c = *all[data[0] % all.size()];
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::optional<layers::filter::Expr> e;
  try {
    e = layers::compile_cql2(c, text);
  } catch (const layers::filter::parse_error&) {
    return 0;
  } catch (const std::exception& x) {
    fuzz::finding(x.what());
  }
  try {
    fuzz::check_bound(*e, layers::filter_schema(c), false, layers::kGeometryQueryable);
  } catch (const std::exception& x) {
    fuzz::finding(x.what());
  }
  return 0;
}
