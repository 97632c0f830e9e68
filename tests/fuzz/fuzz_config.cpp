// The configuration files as the service reads them at start-up: the input is written to a
// temporary file and read as the configuration (geo::load_config), as the store's schema
// (layers::StoreSchemaDef::load, data/schema.json's format) and as the key file
// (server::KeyRing). Invariant: each either reads it or throws its own error type, a
// config_error naming the member (the key file: key_file_error); nothing else escapes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_common.hpp"
#include "layers/schema.hpp"
#include "server/access.hpp"
#include "util/error.hpp"

namespace {
std::vector<std::string> soorten;  // of the dev configuration's store collections
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  for (const auto& c : gebieden::fuzz::dev_config().store.collections)
    soorten.insert(soorten.end(), c.soort.begin(), c.soort.end());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gebieden;
  const auto file =
      fuzz::write_temp("config.json", std::string_view(reinterpret_cast<const char*>(data), size));
  try {
    (void)geo::load_config(file);
  } catch (const config_error&) {
  } catch (const std::exception& e) {
    fuzz::finding(e.what());
  }
  try {
    (void)layers::StoreSchemaDef::load(file, soorten);
  } catch (const config_error&) {
  } catch (const std::exception& e) {
    fuzz::finding(e.what());
  }
  try {
    const server::KeyRing keys(file, {});
    (void)keys;
  } catch (const server::key_file_error&) {
  } catch (const std::exception& e) {
    fuzz::finding(e.what());
  }
  return 0;
}
