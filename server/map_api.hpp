#pragma once
// The map app for residents and gebiedswerkers (docs/map-app.md): GET /map (a redirect to
// /map/), /map/ (the app's page), /map/config.json (the base map of `map.basemap` and where the
// app finds our style), /map/{file} (the app's files: web/map/, plain names only) and
// /map/lib/{file} (MapLibre GL JS from npm: its dist files). Static files, no data: every
// layer comes from the public routes (/styles, /collections, /geocode, /nearby, /locate,
// POST /submissions), so the app sees no more than any other public client.

#include <string>
#include <vector>

#include "server/http_types.hpp"
#include "server/service.hpp"

namespace gebieden::server {

/// Where the map app's files are: `app` holds index.html, app.js, sw.js, the manifest and
/// the icons; `lib` MapLibre's dist (maplibre-gl.mjs, maplibre-gl-worker.mjs, maplibre-gl.css).
struct MapDirs {
  std::string app;
  std::string lib;
  /// `../share/gebieden/map` and `../share/gebieden/maplibre-gl` beside the running binary
  /// when installed there, else the source tree's web/map and the build's npm copy.
  static MapDirs find();
};

class MapApi {
 public:
  MapApi(const ServiceState& state, MapDirs dirs) : m_state(state), m_dirs(std::move(dirs)) {}
  explicit MapApi(const ServiceState& state) : MapApi(state, MapDirs::find()) {}
  /// /map and everything under it.
  static bool handles(const std::vector<std::string>& seg);
  Response route(const Request& req, const std::vector<std::string>& seg) const;

 private:
  Response config(const Request& req) const;
  Response file(const Request& req, const std::string& root, const std::string& name,
                bool lib) const;
  const ServiceState& m_state;
  MapDirs m_dirs;
};

/// The media type of a file the map app serves, by its extension; empty for a file it does not
/// serve.
std::string map_content_type(const std::string& name);

}  // namespace gebieden::server
