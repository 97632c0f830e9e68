#pragma once
// Paths of the shared data, relative to the repository root (never copied into the repo), and
// temporary files of a test run.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include "geo/config.hpp"

namespace gebieden::test {
inline std::string source_dir() {
  return GEBIEDEN_SOURCE_DIR;
}
inline std::string shared_data(const std::string& name) {
  return source_dir() + "/../shared/data/" + name;
}
inline std::string default_config() {
  return source_dir() + "/data/leeuwarden.json";
}

/// A fresh path (`name` behind a counter) in a temporary directory of this test process, which
/// is removed when the tests end.
inline std::filesystem::path temp_path(const std::string& name) {
  struct TempDir {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("gebieden-tests-" + std::to_string(getpid()));
    TempDir() { std::filesystem::create_directories(path); }
    ~TempDir() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  };
  static const TempDir dir;
  static int counter = 0;
  return dir.path / (std::to_string(++counter) + "-" + name);
}

/// The default configuration with the store in this test process's temporary folder (created
/// from store.source on first use), so that tests never see records written by `make run`.
inline geo::Config load_default_config() {
  geo::Config c = geo::load_config(default_config());
  c.store.path = temp_path("store.gpkg").string();
  return c;
}

/// Write `content` to `p` as is (binary).
inline void write_file(const std::filesystem::path& p, const std::string& content) {
  std::ofstream out(p, std::ios::binary);
  out << content;
}
}  // namespace gebieden::test
