#pragma once
// data/leeuwarden.json as a JSON object that works from anywhere: every relative path of it
// (sources, place_aliases, scheme, schema) made absolute. Tests change it (a store of their own,
// a key file, limits) and write it to a temporary folder.
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "test_paths.hpp"

namespace gebieden::test {

inline nlohmann::json relocated_default_config() {
  namespace fs = std::filesystem;
  using nlohmann::json;
  const fs::path data = fs::path(source_dir()) / "data";
  json j;
  std::ifstream(data / "leeuwarden.json") >> j;
  auto absolute = [&](json& v) {
    if (v.is_string() && fs::path(v.get<std::string>()).is_relative())
      v = (data / v.get<std::string>()).lexically_normal().string();
  };
  std::function<void(json&)> walk = [&](json& v) {
    if (!v.is_object()) return;
    for (auto& [k, m] : v.items()) {
      if (k == "sources" && m.is_array()) {
        for (auto& s : m) absolute(s);
      } else if (k == "place_aliases" || k == "scheme" || k == "schema") {
        absolute(m);
      } else {
        walk(m);
      }
    }
  };
  walk(j);
  return j;
}

}  // namespace gebieden::test
