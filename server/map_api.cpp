#include "server/map_api.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "geo/area_model.hpp"
#include "layers/feature_store.hpp"
#include "layers/style.hpp"
#include "server/ogc_params.hpp"
#include "util/error.hpp"

namespace gebieden::server {

namespace {
using json = nlohmann::ordered_json;
namespace fs = std::filesystem;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// A plain file name: letters, digits, '.', '-', '_', no leading dot (so never '..').
bool plain_name(const std::string& s) {
  return !s.empty() && s.size() < 100 && s[0] != '.' &&
         std::all_of(s.begin(), s.end(), [](char ch) {
           return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-' ||
                  ch == '_';
         });
}

[[noreturn]] void not_found(const Request& req) {
  throw input_error(ErrorCode::NotFound, "path", "no such file: " + shown(req.path, 200));
}
}  // namespace

MapDirs MapDirs::find() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path share = (exe.parent_path() / ".." / "share" / "gebieden").lexically_normal();
    if (fs::is_regular_file(share / "map" / "index.html", ec))
      return {(share / "map").string(), (share / "maplibre-gl").string()};
  }
  return {GEBIEDEN_BUILD_MAP_APP_DIR, GEBIEDEN_BUILD_MAPLIBRE_DIR};
}

std::string map_content_type(const std::string& name) {
  if (ends_with(name, ".html")) return "text/html; charset=utf-8";
  if (ends_with(name, ".js") || ends_with(name, ".mjs"))
    return "application/javascript; charset=utf-8";
  if (ends_with(name, ".css")) return "text/css; charset=utf-8";
  if (ends_with(name, ".webmanifest")) return "application/manifest+json";
  if (ends_with(name, ".json") || ends_with(name, ".map")) return "application/json";
  if (ends_with(name, ".png")) return "image/png";
  if (ends_with(name, ".svg")) return "image/svg+xml";
  return "";
}

bool MapApi::handles(const std::vector<std::string>& seg) {
  return !seg.empty() && seg[0] == "map";
}

Response MapApi::route(const Request& req, const std::vector<std::string>& seg) const {
  if (req.method == "OPTIONS") return options_response("GET, HEAD, OPTIONS");
  if (req.method != "GET" && req.method != "HEAD")
    throw input_error(ErrorCode::MethodNotAllowed, "method",
                      req.method.substr(0, 20) + " is not allowed here (GET, HEAD)");
  if (seg.size() == 1) {
    const std::string path = req.path.substr(0, req.path.find('?'));
    if (path.empty() || path.back() != '/') {
      // The service worker's scope is /map/: the app lives there (relative, so that it works
      // behind a proxy's prefix too).
      check_params(req, {});
      Response r;
      r.status = 301;
      r.content_type = "text/plain; charset=utf-8";
      r.body = "see map/\n";
      r.headers.emplace_back("Location", "map/");
      return r;
    }
    return file(req, m_dirs.app, "index.html", false);
  }
  if (seg.size() == 2 && seg[1] == "config.json") return config(req);
  if (seg.size() == 2) return file(req, m_dirs.app, seg[1], false);
  if (seg.size() == 3 && seg[1] == "lib") return file(req, m_dirs.lib, seg[2], true);
  not_found(req);
}

Response MapApi::file(const Request& req, const std::string& root, const std::string& name,
                      bool lib) const {
  // MapLibre asks for its worker with ?v=<version> (a cache key): allowed on lib/ only.
  if (lib)
    check_params(req, {"v"});
  else
    check_params(req, {});
  const std::string type = map_content_type(name);
  if (!plain_name(name) || type.empty() || root.empty()) not_found(req);
  if (lib && (name.rfind("maplibre-gl", 0) != 0 || ends_with(name, ".html"))) not_found(req);
  std::error_code ec;
  const fs::path path = fs::path(root) / name;
  if (!fs::is_regular_file(path, ec)) not_found(req);
  std::ifstream in(path, std::ios::binary);
  if (!in) not_found(req);
  std::ostringstream ss;
  ss << in.rdbuf();
  Response r;
  r.content_type = type;
  r.body = ss.str();
  // The page, the service worker and the manifest: asked again each time (a 304 when
  // unchanged), so that a new version is seen at once; MapLibre (versioned by npm) and the
  // icons for a day.
  const bool shell = name == "index.html" || name == "sw.js" || ends_with(name, ".webmanifest") ||
                     ends_with(name, ".js") || ends_with(name, ".css");
  r.headers.emplace_back("Cache-Control",
                         lib || !shell ? "public, max-age=86400" : "public, no-cache");
  return r;
}

Response MapApi::config(const Request& req) const {
  check_params(req, {});
  const std::string base = base_url(m_state, req);
  json j;
  j["gemeente"] = {{"code", m_state.config.gemeentecode}, {"naam", m_state.config.gemeentenaam}};
  j["style"] = m_state.style_sheet ? json(base + "/styles/" + m_state.style_sheet->id + "?f=mapbox")
                                   : json(nullptr);
  if (m_state.model) {
    if (const geo::Box b = m_state.model->gemeente().wgs84.bbox(); b.valid)
      j["bbox"] = {b.minx, b.miny, b.maxx, b.maxy};
  }
  const auto& bm = m_state.config.map.basemap;
  if (bm.url.empty()) {
    j["basemap"] = nullptr;
  } else {
    j["basemap"] = {{"type", bm.type},
                    {"url", bm.url},
                    {"attribution", bm.attribution},
                    {"tileSize", bm.tile_size},
                    {"maxzoom", bm.max_zoom}};
  }
  j["geocoder"] = m_state.geocoder != nullptr;
  j["submissions"] =
      m_state.store != nullptr && !m_state.config.store.submissions.collection.empty();
  // The categorieen of the schema (data/schema.json): the choices of the form.
  json cats = json::array();
  if (m_state.store && m_state.store->schema().def)
    for (const auto& c : m_state.store->schema().def->categorieen) cats.push_back(c);
  j["categorieen"] = std::move(cats);
  Response r;
  r.content_type = "application/json";
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.headers.emplace_back("Cache-Control", "public, no-cache");
  return r;
}

}  // namespace gebieden::server
