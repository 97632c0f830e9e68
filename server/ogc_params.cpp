#include "server/ogc_params.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "server/service.hpp"
#include "util/ascii.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace gebieden::server {

namespace {
[[noreturn]] void invalid(const std::string& parameter, const std::string& message) {
  throw input_error(ErrorCode::InvalidParameter, parameter, parameter + ": " + message);
}

/// The quality of the best Accept item matching `pred`, -1 when none does.
template <typename P>
double best_quality(const std::string& accept, P&& pred) {
  double best = -1;
  for (const auto raw : util::split(accept, ',')) {
    const auto parts = util::split(raw, ';');
    const std::string type = util::ascii_lower(util::trim(parts[0]));
    if (type.empty() || !pred(type)) continue;
    double q = 1;
    for (std::size_t i = 1; i < parts.size(); ++i) {
      const std::string p(util::trim(parts[i]));
      if (p.size() > 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
        if (!parse_number(p.substr(2), q)) q = 0;
      }
    }
    best = std::max(best, q);
  }
  return best;
}
}  // namespace

std::string shown(const std::string& s, std::size_t max) {
  if (s.size() <= max) return s;
  return s.substr(0, max) + "...";
}

bool parse_integer(const std::string& s, long long& out) {
  const auto v = util::parse_int(s);
  if (v) out = *v;
  return v.has_value();
}

bool parse_number(const std::string& s, double& out) {
  // util::parse_double refuses "inf", "nan" and a leading '+', as OGC clients never send them.
  const auto v = s.size() > 64 ? std::nullopt : util::parse_double(s);
  if (v) out = *v;
  return v.has_value();
}

Format negotiate(const Request& req) {
  if (auto f = req.param("f")) {
    const std::string v = util::ascii_lower(*f);
    if (v == "json" || v == "geojson" || v == "application/json" || v == "application/geo+json" ||
        v == "application/schema+json")
      return Format::Json;
    if (v == "html" || v == "text/html") return Format::Html;
    invalid("f", "unsupported format '" + shown(*f, 40) + "' (supported: json, html)");
  }
  const std::string accept = req.header("accept");
  if (accept.empty() || accept.size() > 2048) return Format::Json;
  const double html = best_quality(accept, [](const std::string& t) {
    return t == "text/html" || t == "application/xhtml+xml";
  });
  const double json = best_quality(accept, [](const std::string& t) {
    return t.find("json") != std::string::npos || t == "application/*";
  });
  return html > 0 && html > json ? Format::Html : Format::Json;
}

void check_params(const Request& req, std::initializer_list<const char*> allowed) {
  std::set<std::string> seen;
  for (const auto& pair : req.query) {
    const std::string& k = pair.first;  // named, not bound: the lambda captures it (clang 14)
    if (std::find_if(allowed.begin(), allowed.end(), [&](const char* a) { return k == a; }) ==
        allowed.end())
      throw input_error(ErrorCode::UnknownParameter, k, "unknown parameter '" + shown(k) + "'");
    if (!seen.insert(k).second) invalid(k, "given more than once");
  }
}

geo::Crs parse_crs(const std::string& name, const std::string& value) {
  if (value.empty()) invalid(name, "empty; give a CRS URI");
  auto crs = geo::crs_from_uri(value);
  if (!crs)
    invalid(name, "unsupported CRS '" + shown(value, 100) +
                      "' (supported: http://www.opengis.net/def/crs/OGC/1.3/CRS84, "
                      "http://www.opengis.net/def/crs/EPSG/0/4326, "
                      "http://www.opengis.net/def/crs/EPSG/0/3857, "
                      "http://www.opengis.net/def/crs/EPSG/0/28992)");
  return *crs;
}

std::vector<int> parse_properties(const layers::Collection& c, const std::string& value) {
  if (util::trim(value).empty()) invalid("properties", "empty; name at least one property");
  std::vector<int> out;
  for (const auto raw : util::split(value, ',')) {
    const std::string name(util::trim(raw));
    const int i = c.field_index(name);
    if (name.empty()) invalid("properties", "an empty property name");
    if (i < 0 || c.fields[i].is_private)
      invalid("properties", "unknown property '" + shown(name) + "' in " + c.id);
    if (std::find(out.begin(), out.end(), i) == out.end()) out.push_back(i);
  }
  return out;
}

layers::TimeInterval parse_datetime(const std::string& value) {
  if (value.size() > 100) invalid("datetime", "too long");
  auto bound = [&](const std::string& text, bool is_start) -> std::optional<std::int64_t> {
    if (text.empty() || text == "..") return std::nullopt;
    auto t = layers::time_of(text);
    if (!t)
      invalid("datetime", "'" + shown(text, 40) +
                              "' is not an RFC 3339 date-time (e.g. 2024-03-01T12:00:00Z) or ..");
    return is_start ? t->start : t->end;
  };
  const auto slash = value.find('/');
  if (slash == std::string::npos) {
    if (value.empty() || value == "..")
      invalid("datetime", "empty; give an instant or an interval start/end");
    auto t = layers::time_of(value);
    if (!t)
      invalid("datetime", "'" + shown(value, 40) +
                              "' is not an RFC 3339 date-time (e.g. 2024-03-01T12:00:00Z)");
    return *t;
  }
  if (value.find('/', slash + 1) != std::string::npos)
    invalid("datetime", "an interval has exactly one '/'");
  layers::TimeInterval t;
  t.start = bound(value.substr(0, slash), true);
  t.end = bound(value.substr(slash + 1), false);
  if (t.start && t.end && *t.start > *t.end) invalid("datetime", "the start is after the end");
  return t;
}

namespace {
std::vector<double> parse_bbox_numbers(const std::string& s) {
  if (s.empty()) invalid("bbox", "empty; give minx,miny,maxx,maxy");
  std::vector<double> nums;
  for (const auto part : util::split(s, ',')) {
    if (nums.size() == 6) invalid("bbox", "must have 4 or 6 numbers");
    double d = 0;
    if (!parse_number(std::string(util::trim(part)), d))
      invalid("bbox", "'" + shown(std::string(part), 40) + "' is not a number");
    nums.push_back(d);
  }
  if (nums.size() != 4 && nums.size() != 6) invalid("bbox", "must have 4 or 6 numbers");
  return nums;
}

/// The bbox as the spatial filter: a box tested on the CRS84 geometry, or for RD an exact test
/// on the RD geometry with a CRS84 envelope of it for the index. Features without geometry
/// match any bbox (OGC API Part 1).
layers::SpatialFilter bbox_filter(const std::vector<double>& nums, geo::Crs crs,
                                  const ServiceState& state) {
  layers::SpatialFilter out;
  out.relation = geo::SpatialRelation::Intersects;
  out.envelope = true;
  out.match_without_geometry = true;
  out.parameter = "bbox";
  const std::size_t n = nums.size();
  double minx = nums[0], miny = nums[1], maxx = nums[n / 2], maxy = nums[n / 2 + 1];
  if (crs == geo::Crs::EPSG4326) {
    std::swap(minx, miny);
    std::swap(maxx, maxy);
  }
  if (miny > maxy) invalid("bbox", "the lower y is above the upper y");
  geo::Box b;
  if (crs == geo::Crs::CRS84 || crs == geo::Crs::EPSG4326) {
    if (minx < -180 || maxx > 180 || miny < -90 || maxy > 90 || minx > 180 || maxx < -180)
      invalid("bbox", "coordinates out of range for longitude/latitude");
    if (minx > maxx) {  // crosses the antimeridian: far from here, but honour it
      minx = -180;
      maxx = 180;
    }
    b.expand(geo::XY{minx, miny});
    b.expand(geo::XY{maxx, maxy});
  } else if (crs == geo::Crs::EPSG3857) {
    if (minx > maxx) invalid("bbox", "the lower x is above the upper x");
    constexpr double lim = 20037508.342789244;
    auto clampv = [&](double v) { return std::clamp(v, -lim, lim); };
    // Web Mercator maps axis-parallel boxes onto axis-parallel lon/lat boxes.
    b.expand(geo::webmercator_to_lonlat(geo::XY{clampv(minx), clampv(miny)}));
    b.expand(geo::webmercator_to_lonlat(geo::XY{clampv(maxx), clampv(maxy)}));
  } else {
    if (minx > maxx) invalid("bbox", "the lower x is above the upper x");
    if (std::abs(minx) > 1e7 || std::abs(maxx) > 1e7 || std::abs(miny) > 1e7 ||
        std::abs(maxy) > 1e7)
      invalid("bbox", "coordinates out of range for EPSG:28992");
    const auto& t = state.transformers.get(28992, 4326);
    // Envelope of the edges (sampled: RD grid lines curve in lon/lat) for the index; the exact
    // test runs on the RD geometry.
    constexpr int kSteps = 8;
    for (int i = 0; i <= kSteps; ++i) {
      const double fx = minx + (maxx - minx) * i / kSteps;
      const double fy = miny + (maxy - miny) * i / kSteps;
      for (auto p : {geo::XY{fx, miny}, geo::XY{fx, maxy}, geo::XY{minx, fy}, geo::XY{maxx, fy}}) {
        const geo::XY ll = t.forward(p);
        if (!std::isfinite(ll.x) || !std::isfinite(ll.y))
          invalid("bbox", "outside the area of use of the bbox-crs");
        b.expand(ll);
      }
    }
    // Widen a little for the curvature between samples.
    const double pad = 1e-6 + 1e-4 * std::max(b.maxx - b.minx, b.maxy - b.miny);
    b.minx -= pad;
    b.miny -= pad;
    b.maxx += pad;
    b.maxy += pad;
    geo::Box rd;
    rd.expand(geo::XY{minx, miny});
    rd.expand(geo::XY{maxx, maxy});
    out.geometry = geo::Geometry::box(rd);
    out.tested_on = layers::TestedGeometry::Rd;
    out.index_box = b;
    return out;
  }
  out.geometry = geo::Geometry::box(b);
  out.tested_on = layers::TestedGeometry::Crs84;
  out.index_box = b;
  return out;
}
}  // namespace

ItemsRequest parse_items_request(const Request& req, const layers::Collection& c,
                                 const ServiceState& state) {
  ItemsRequest out;
  auto& q = out.query;
  const auto& sc = state.config.server;
  q.limit = static_cast<std::size_t>(std::max(1, sc.default_limit));
  out.format = negotiate(req);
  std::set<std::string> seen;
  std::optional<std::string> bbox_text, filter_text, filter_lang;
  std::optional<geo::Crs> bbox_crs, filter_crs;

  for (const auto& [k, v] : req.query) {
    if (!seen.insert(k).second) invalid(k, "given more than once");
    bool echo = true;
    if (k == "f") {
      echo = false;  // checked by negotiate()
    } else if (k == "limit") {
      long long n = 0;
      if (!parse_integer(v, n))
        invalid("limit", "'" + shown(v, 40) + "' is not an integer (1 to " +
                             std::to_string(sc.max_limit) + ")");
      if (n < 1) invalid("limit", "must be at least 1");
      q.limit = static_cast<std::size_t>(std::min<long long>(n, sc.max_limit));
      out.echo.emplace_back(k, std::to_string(q.limit));
      echo = false;
    } else if (k == "offset") {
      long long n = 0;
      if (!parse_integer(v, n)) invalid("offset", "'" + shown(v, 40) + "' is not an integer");
      if (n < 0) invalid("offset", "must not be negative");
      q.offset = static_cast<std::size_t>(n);
      echo = false;
    } else if (k == "bbox") {
      bbox_text = v;
    } else if (k == "bbox-crs") {
      bbox_crs = parse_crs(k, v);
    } else if (k == "crs") {
      q.crs = parse_crs(k, v);
    } else if (k == "datetime") {
      q.datetime = parse_datetime(v);
    } else if (k == "filter") {
      filter_text = v;
    } else if (k == "filter-lang") {
      filter_lang = v;
    } else if (k == "filter-crs") {
      filter_crs = parse_crs(k, v);
    } else if (k == "sortby") {
      if (util::trim(v).empty()) invalid("sortby", "empty; give e.g. +name,-date");
      for (const auto raw : util::split(v, ',')) {
        // A '+' in a query string decodes to a space: both mean ascending.
        std::string name(raw);
        bool descending = false;
        std::size_t i = 0;
        while (i < name.size() && name[i] == ' ') ++i;
        if (i < name.size() && (name[i] == '+' || name[i] == '-')) {
          descending = name[i] == '-';
          ++i;
        }
        name = std::string(util::trim(std::string_view(name).substr(i)));
        if (name.empty()) invalid("sortby", "an empty property name");
        const int fi = c.field_index(name);
        if (fi >= 0 && !c.fields[fi].is_private) {
          q.sort.push_back(layers::SortKey{fi, descending});
        } else if (name == "id") {
          q.sort.push_back(layers::SortKey{-1, descending});
        } else {
          invalid("sortby", "unknown property '" + shown(name) + "' in " + c.id);
        }
      }
    } else if (k == "lang") {
      // The language of the HTML page (checked by the page); kept in its paging links.
    } else if (k == "properties") {
      out.fields = parse_properties(c, v);
      out.all_fields = false;
    } else if (int fi = c.field_index(k); fi >= 0 && !c.fields[fi].is_private) {
      auto value = layers::typed_value(c.fields[fi], v);
      if (!value) invalid(k, "'" + shown(v, 40) + "' is not a valid value for this property");
      q.equals.emplace_back(fi, std::move(*value));
    } else {
      throw input_error(ErrorCode::UnknownParameter, k, "unknown parameter '" + shown(k) + "'");
    }
    if (echo) out.echo.emplace_back(k, v);
  }

  if (bbox_text) {
    q.spatial =
        bbox_filter(parse_bbox_numbers(*bbox_text), bbox_crs.value_or(geo::Crs::CRS84), state);
  } else if (bbox_crs) {
    invalid("bbox-crs", "given without bbox");
  }
  if (filter_lang && *filter_lang != "cql2-text" && *filter_lang != "cql2-json")
    invalid("filter-lang",
            "'" + shown(*filter_lang, 40) + "' is not supported (supported: cql2-text, cql2-json)");
  const bool json_filter = filter_lang && *filter_lang == "cql2-json";
  if (filter_text) {
    if (util::trim(*filter_text).empty())
      invalid("filter", json_filter ? "empty; give a CQL2 JSON expression"
                                    : "empty; give a CQL2 text expression");
    try {
      q.filter = json_filter ? layers::compile_cql2_json(c, *filter_text)
                             : layers::compile_cql2(c, *filter_text);
    } catch (const layers::filter::parse_error& e) {
      invalid("filter", e.what());
    }
    q.filter_booleans = layers::BooleanStyle::Boolean;
    q.filter_names = layers::PropertyNames::Exact;
    q.filter_crs = filter_crs.value_or(geo::Crs::CRS84);
  } else if (filter_lang) {
    invalid("filter-lang", "given without filter");
  } else if (filter_crs) {
    invalid("filter-crs", "given without filter");
  }
  if (out.all_fields) {
    for (std::size_t i = 0; i < c.fields.size(); ++i)
      if (!c.fields[i].is_private) out.fields.push_back(static_cast<int>(i));
  }
  return out;
}

}  // namespace gebieden::server
