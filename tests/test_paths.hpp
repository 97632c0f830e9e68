#pragma once
// Paths of the shared data, relative to the repository root (never copied into the repo).
#include <string>

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
}  // namespace gebieden::test
