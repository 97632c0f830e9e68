#pragma once
// What the fuzz targets share: the dev data loaded once (the default configuration, its store
// in a temporary folder of this process), a temporary file for targets whose parser reads a
// file, and the rule for findings: an exception that is not one of our input errors is a bug,
// so it aborts (libFuzzer reports the input).
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "geo/config.hpp"
#include "geo/gdal_io.hpp"
#include "server/service.hpp"

namespace gebieden::fuzz {

/// A folder of this process, removed at a normal exit: under $GEBIEDEN_FUZZ_TMPDIR (smoke.sh and
/// run.sh set it to a folder they remove, since a finding aborts before destructors run), else
/// /dev/shm when there is one (no disk writes).
inline const std::filesystem::path& temp_dir() {
  struct Dir {
    std::filesystem::path path;
    Dir() {
      std::error_code ec;
      const char* env = std::getenv("GEBIEDEN_FUZZ_TMPDIR");
      std::filesystem::path base = std::filesystem::is_directory("/dev/shm", ec)
                                       ? std::filesystem::path("/dev/shm")
                                       : std::filesystem::temp_directory_path();
      if (env && *env) base = env;
      path = base / ("gebieden-fuzz-" + std::to_string(getpid()));
      std::filesystem::create_directories(path);
    }
    ~Dir() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  };
  static const Dir dir;
  return dir.path;
}

/// Write `bytes` to `name` in temp_dir() and return its path.
inline std::filesystem::path write_temp(const std::string& name, std::string_view bytes) {
  const auto p = temp_dir() / name;
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return p;
}

/// data/leeuwarden.json with its store in temp_dir(). Registers GDAL's drivers first (as
/// main() does), once.
inline geo::Config dev_config() {
  static const bool gdal = (geo::gdal_init(), true);
  (void)gdal;
  geo::Config c = geo::load_config(std::string(GEBIEDEN_SOURCE_DIR) + "/data/leeuwarden.json");
  c.store.path = (temp_dir() / "store.gpkg").string();
  return c;
}

/// The service state over the dev data, loaded once (call it from LLVMFuzzerInitialize, so
/// that loading is not counted as a run).
inline const server::ServiceState& dev_state() {
  static const std::shared_ptr<server::ServiceState> s = server::load_state(dev_config());
  return *s;
}

/// A finding: print what escaped and abort, so that libFuzzer saves the input.
[[noreturn]] inline void finding(const char* what) {
  std::fprintf(stderr, "fuzz finding: %s\n", what);
  std::abort();
}

}  // namespace gebieden::fuzz
