#include "geo/crs.hpp"

#include <proj.h>

#include <cctype>
#include <cmath>
#include <numbers>

#include "util/ascii.hpp"
#include "util/error.hpp"

namespace gebieden::geo {

std::optional<Crs> crs_from_uri(std::string_view uri) {
  const std::string u = util::ascii_lower(uri);
  if (u == "http://www.opengis.net/def/crs/ogc/1.3/crs84" || u == "crs84" || u == "ogc:crs84" ||
      u == "urn:ogc:def:crs:ogc:1.3:crs84" || u == "http://www.opengis.net/def/crs/ogc/0/crs84")
    return Crs::CRS84;
  static constexpr std::string_view prefixes[] = {"http://www.opengis.net/def/crs/epsg/0/",
                                                  "https://www.opengis.net/def/crs/epsg/0/",
                                                  "urn:ogc:def:crs:epsg::", "epsg:"};
  for (auto prefix : prefixes) {
    if (u.size() > prefix.size() && u.compare(0, prefix.size(), prefix) == 0) {
      const std::string rest = u.substr(prefix.size());
      if (rest == "4326") return Crs::EPSG4326;
      if (rest == "3857") return Crs::EPSG3857;
      if (rest == "28992") return Crs::EPSG28992;
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::optional<Crs> crs_from_epsg(int code) {
  switch (code) {
    case 4326:
      return Crs::EPSG4326;
    case 3857:
    case 102100:
    case 102113:
    case 900913:
      return Crs::EPSG3857;
    case 28992:
      return Crs::EPSG28992;
    default:
      return std::nullopt;
  }
}

std::string crs_uri(Crs crs) {
  switch (crs) {
    case Crs::CRS84:
      return "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
    case Crs::EPSG4326:
      return "http://www.opengis.net/def/crs/EPSG/0/4326";
    case Crs::EPSG3857:
      return "http://www.opengis.net/def/crs/EPSG/0/3857";
    case Crs::EPSG28992:
      return "http://www.opengis.net/def/crs/EPSG/0/28992";
  }
  return {};
}

int crs_epsg(Crs crs) {
  switch (crs) {
    case Crs::CRS84:
    case Crs::EPSG4326:
      return 4326;
    case Crs::EPSG3857:
      return 3857;
    case Crs::EPSG28992:
      return 28992;
  }
  return 4326;
}

struct Transformer::Impl {
  PJ_CONTEXT* ctx = nullptr;
  PJ* pj = nullptr;
  ~Impl() {
    if (pj) proj_destroy(pj);
    if (ctx) proj_context_destroy(ctx);
  }
};

Transformer::Transformer(int from_epsg, int to_epsg) : m_impl(std::make_unique<Impl>()) {
  m_impl->ctx = proj_context_create();
  if (!m_impl->ctx) throw proj_error("proj_context_create failed");
  proj_log_level(m_impl->ctx, PJ_LOG_NONE);
  const std::string from = "EPSG:" + std::to_string(from_epsg);
  const std::string to = "EPSG:" + std::to_string(to_epsg);
  PJ* raw = proj_create_crs_to_crs(m_impl->ctx, from.c_str(), to.c_str(), nullptr);
  if (!raw) throw proj_error("no transformation from " + from + " to " + to);
  PJ* norm = proj_normalize_for_visualization(m_impl->ctx, raw);
  proj_destroy(raw);
  if (!norm) throw proj_error("cannot normalise axis order from " + from + " to " + to);
  m_impl->pj = norm;
}

Transformer::Transformer(Transformer&&) noexcept = default;
Transformer& Transformer::operator=(Transformer&&) noexcept = default;
Transformer::~Transformer() = default;

XY Transformer::forward(XY p) const {
  PJ_COORD c = proj_coord(p.x, p.y, 0, 0);
  PJ_COORD r = proj_trans(m_impl->pj, PJ_FWD, c);
  return XY{r.xy.x, r.xy.y};
}

XY Transformer::inverse(XY p) const {
  PJ_COORD c = proj_coord(p.x, p.y, 0, 0);
  PJ_COORD r = proj_trans(m_impl->pj, PJ_INV, c);
  return XY{r.xy.x, r.xy.y};
}

namespace {
void transform_geometry(PJ* pj, PJ_DIRECTION dir, Geometry& g) {
  for (auto& part : g.parts) {
    for (auto& path : part) {
      if (path.empty()) continue;
      proj_trans_generic(pj, dir, &path[0].x, sizeof(XY), path.size(), &path[0].y, sizeof(XY),
                         path.size(), nullptr, 0, 0, nullptr, 0, 0);
    }
  }
}
}  // namespace

void Transformer::forward(Geometry& g) const {
  transform_geometry(m_impl->pj, PJ_FWD, g);
}
void Transformer::inverse(Geometry& g) const {
  transform_geometry(m_impl->pj, PJ_INV, g);
}

const Transformer& TransformerCache::get(int from_epsg, int to_epsg) const {
  std::lock_guard lock(m_mutex);
  auto key = std::make_tuple(std::this_thread::get_id(), from_epsg, to_epsg);
  auto it = m_cache.find(key);
  if (it == m_cache.end()) {
    it = m_cache.emplace(key, std::make_unique<Transformer>(from_epsg, to_epsg)).first;
  }
  return *it->second;
}

namespace {
constexpr double kEarthRadius = 6378137.0;
constexpr double kDeg = std::numbers::pi / 180.0;
}  // namespace

XY lonlat_to_webmercator(XY ll) {
  return XY{kEarthRadius * ll.x * kDeg,
            kEarthRadius * std::log(std::tan(std::numbers::pi / 4 + ll.y * kDeg / 2))};
}

XY webmercator_to_lonlat(XY xy) {
  return XY{xy.x / kEarthRadius / kDeg,
            (2 * std::atan(std::exp(xy.y / kEarthRadius)) - std::numbers::pi / 2) / kDeg};
}

}  // namespace gebieden::geo
