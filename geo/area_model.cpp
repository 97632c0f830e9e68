#include "geo/area_model.hpp"

#include <algorithm>
#include <charconv>
#include <set>

#include "geo/crs.hpp"
#include "geo/gdal_io.hpp"
#include "geo/geos.hpp"
#include "geo/locator.hpp"
#include "util/error.hpp"

namespace gebieden::geo {

namespace {
/// BU0080WWnn -> WK0080WW; WK0080WW -> GM0080.
std::string wijk_of(const std::string& buurtcode) {
  if (buurtcode.size() >= 8 && buurtcode.rfind("BU", 0) == 0) return "WK" + buurtcode.substr(2, 6);
  return {};
}
std::string gemeente_of(const std::string& code) {
  if (code.size() >= 6 &&
      (code.rfind("BU", 0) == 0 || code.rfind("WK", 0) == 0 || code.rfind("GM", 0) == 0))
    return "GM" + code.substr(2, 4);
  return {};
}
bool is_water(const std::string& v) {
  return v == "JA" || v == "ja" || v == "Ja" || v == "true" || v == "1" || v == "B";
}

/// The CRS84 twin of an RD geometry, and the RD geometry snapped to what PROJ makes of that
/// CRS84 (a sub-millimetre change: PROJ's WGS84 <-> RD Helmert inverse is not exact), so that a
/// client projecting our CRS84 with PROJ gets our RD back to the rounding of the output.
Geometry to_wgs84(const Transformer& wgs_to_rd, Geometry& rd) {
  Geometry g = rd;
  wgs_to_rd.inverse(g);
  rd = g;
  wgs_to_rd.forward(rd);
  orient_rings(g, true);
  return g;
}

/// Read a polygonal source into valid RD geometries; repairs are reported as findings.
struct Polygonal {
  std::string code, name;
  std::map<std::string, std::string> fields;
  GeomPtr geom;
  bool repaired = false;
};

std::vector<Polygonal> read_polygons(const Config& config, const SourceConfig& src,
                                     const GeosContext& ctx, const std::string& what,
                                     std::vector<Finding>& findings, bool& found) {
  std::vector<Polygonal> out;
  std::vector<std::string> tried;
  std::optional<SourceData> data;
  try {
    data = read_source(config, src, 28992, tried);
  } catch (const gdal_error& e) {
    // An existing file that cannot be read: one line naming the layer and the file
    // ("buurten: /x/y.gpkg: not a GDAL dataset (...)"), whether required or not.
    throw config_error(what, e.what());
  }
  found = data.has_value();
  if (!data) {
    const std::string msg = "no source found: " + join_tried(tried);
    if (src.required) throw config_error(what, msg);
    findings.push_back({Finding::Severity::Info, what, msg});
    return out;
  }
  findings.push_back({Finding::Severity::Info, what,
                      "read " + std::to_string(data->records.size()) + " features from " +
                          data->source + " (layer " + data->layer + ")"});
  for (const auto& t : tried) findings.push_back({Finding::Severity::Info, what, "skipped " + t});
  if (data->dropped_rings > 0)
    findings.push_back({Finding::Severity::Warning, what,
                        "removed " + std::to_string(data->dropped_rings) +
                            " rings of fewer than 4 points (collapsed by quantisation)"});
  for (auto& rec : data->records) {
    Polygonal p;
    p.code = rec.fields["code"];
    p.name = rec.fields["name"];
    const std::string gm = rec.fields.count("gemeentecode") && !rec.fields["gemeentecode"].empty()
                               ? rec.fields["gemeentecode"]
                               : gemeente_of(p.code);
    if (!src.gemeente_filter.empty() && !gm.empty() && gm != src.gemeente_filter) continue;
    if (src.exclude_water && rec.fields.count("water") && is_water(rec.fields["water"])) continue;
    if (p.code.empty()) {
      findings.push_back({Finding::Severity::Error, what,
                          "feature " + std::to_string(rec.fid) + " has no code (fields: code)"});
      continue;
    }
    if (rec.wkb.empty()) {
      findings.push_back({Finding::Severity::Error, p.code, "has no geometry"});
      continue;
    }
    GeomPtr g = from_wkb(ctx, rec.wkb.data(), rec.wkb.size());
    if (GEOSisValid_r(ctx, g.get()) != 1) {
      char* reason = GEOSisValidReason_r(ctx, g.get());
      const std::string why = reason ? reason : "invalid";
      GEOSFree_r(ctx, reason);
      g = make_valid_polygonal(ctx, g.get());
      p.repaired = true;
      findings.push_back(
          {Finding::Severity::Warning, p.code,
           "repaired invalid geometry (" + why + ") of " + p.name + " with MakeValid"});
    }
    p.fields = std::move(rec.fields);
    p.geom = std::move(g);
    out.push_back(std::move(p));
  }
  return out;
}
}  // namespace

AreaModel::AreaModel() = default;
AreaModel::AreaModel(AreaModel&&) noexcept = default;
AreaModel& AreaModel::operator=(AreaModel&&) noexcept = default;
AreaModel::~AreaModel() = default;

AreaModel AreaModel::load(const Config& config) {
  GeosContext ctx;
  std::vector<Finding> findings;
  bool found = false;
  auto polys = read_polygons(config, config.buurten, ctx, "buurten", findings, found);
  if (polys.empty())
    throw config_error("boundaries.buurten", "no buurten of " + config.gemeentecode + " were read");

  std::vector<Buurt> buurten;
  std::set<std::string> seen;
  for (auto& p : polys) {
    if (!seen.insert(p.code).second) {
      findings.push_back({Finding::Severity::Error, p.code, "duplicate buurtcode"});
      continue;
    }
    Buurt b;
    b.code = p.code;
    b.name = p.name.empty() ? p.code : p.name;
    b.wijkcode = p.fields.count("wijkcode") && !p.fields["wijkcode"].empty() ? p.fields["wijkcode"]
                                                                             : wijk_of(p.code);
    if (b.wijkcode.empty())
      findings.push_back({Finding::Severity::Error, p.code,
                          "has no wijkcode and it cannot be derived from the code"});
    b.rd = from_geos(ctx, p.geom.get());
    b.repaired = p.repaired;
    if (auto it = p.fields.find("aantal_inwoners"); it != p.fields.end() && !it->second.empty()) {
      long long n = 0;
      const char* first = it->second.data();
      const char* last = first + it->second.size();
      const auto [ptr, ec] = std::from_chars(first, last, n);
      if (ec == std::errc() && ptr == last && n >= 0) b.inwoners = n;
    }
    buurten.push_back(std::move(b));
  }

  std::map<std::string, std::string> wijknamen;
  if (!config.wijken.sources.empty()) {
    for (auto& w : read_polygons(config, config.wijken, ctx, "wijken", findings, found))
      wijknamen[w.code] = w.name;
  }
  std::optional<Geometry> gemeente_rd;
  if (!config.gemeente.sources.empty()) {
    auto gm = read_polygons(config, config.gemeente, ctx, "gemeente", findings, found);
    for (auto& g : gm) {
      if (g.code == config.gemeentecode || gm.size() == 1)
        gemeente_rd = from_geos(ctx, g.geom.get());
    }
  }

  AreaModel m = build(std::move(buurten), wijknamen, config.scheme, config.gemeentecode,
                      config.gemeentenaam, std::move(gemeente_rd));
  findings.insert(findings.end(), m.m_findings.begin(), m.m_findings.end());
  m.m_findings = std::move(findings);
  return m;
}

AreaModel AreaModel::build(std::vector<Buurt> buurten,
                           const std::map<std::string, std::string>& wijknamen,
                           const AreaSchemeConfig& scheme, const std::string& gemeentecode,
                           const std::string& gemeentenaam, std::optional<Geometry> gemeente_rd) {
  AreaModel m;
  std::sort(buurten.begin(), buurten.end(),
            [](const Buurt& a, const Buurt& b) { return a.code < b.code; });
  m.m_buurten = std::move(buurten);
  m.m_gemeente.code = gemeentecode;
  m.m_gemeente.name = gemeentenaam;
  if (gemeente_rd) {
    m.m_gemeente.rd = std::move(*gemeente_rd);
    m.m_gemeente.from_source = true;
  }
  m.finish(scheme, wijknamen);
  return m;
}

void AreaModel::finish(const AreaSchemeConfig& scheme,
                       const std::map<std::string, std::string>& wijknamen) {
  GeosContext ctx;
  Transformer to_wgs(4326, 28992);  // used inversely: RD -> WGS84

  // Buurten: GEOS geometries, areas, WGS84.
  std::vector<GeomPtr> bgeoms;
  for (std::size_t i = 0; i < m_buurten.size(); ++i) {
    Buurt& b = m_buurten[i];
    bgeoms.push_back(to_geos(ctx, b.rd));
    b.area_m2 = area(ctx, bgeoms.back().get());
    b.wgs84 = to_wgs84(to_wgs, b.rd);
    m_buurt_index[b.code] = i;
  }

  // Wijken by code.
  std::map<std::string, std::vector<std::size_t>> by_wijk;
  for (std::size_t i = 0; i < m_buurten.size(); ++i) by_wijk[m_buurten[i].wijkcode].push_back(i);
  std::vector<GeomPtr> wgeoms;
  for (auto& [code, members] : by_wijk) {
    Wijk w;
    w.code = code;
    auto it = wijknamen.find(code);
    w.name = it != wijknamen.end() && !it->second.empty() ? it->second : code;
    w.buurten = members;
    std::vector<const GEOSGeometry*> parts;
    for (auto i : members) parts.push_back(bgeoms[i].get());
    wgeoms.push_back(union_all(ctx, parts));
    w.rd = from_geos(ctx, wgeoms.back().get());
    w.area_m2 = area(ctx, wgeoms.back().get());
    w.wgs84 = to_wgs84(to_wgs, w.rd);
    m_wijk_index[code] = m_wijken.size();
    m_wijken.push_back(std::move(w));
  }
  for (const auto& [code, name] : wijknamen) {
    if (!m_wijk_index.count(code))
      m_findings.push_back({Finding::Severity::Warning, code,
                            "wijk " + name + " is in the wijken source but has no buurten"});
  }

  // Gebieden from the scheme.
  std::map<std::string, std::vector<std::string>> gebied_of_wijk;
  for (const auto& gc : scheme.gebieden) {
    for (const auto& wc : gc.wijken) gebied_of_wijk[wc].push_back(gc.id);
  }
  for (auto& w : m_wijken) {
    auto it = gebied_of_wijk.find(w.code);
    if (it == gebied_of_wijk.end()) {
      m_findings.push_back(
          {Finding::Severity::Error, w.code, "wijk " + w.name + " is in no gebied of the scheme"});
    } else if (it->second.size() > 1) {
      std::string list;
      for (const auto& g : it->second) list += (list.empty() ? "" : ", ") + g;
      m_findings.push_back({Finding::Severity::Error, w.code,
                            "wijk " + w.name + " is in more than one gebied: " + list});
      w.gebied = it->second.front();
    } else {
      w.gebied = it->second.front();
    }
  }
  for (const auto& gc : scheme.gebieden) {
    Gebied g;
    g.config = gc;
    std::vector<const GEOSGeometry*> parts;
    for (const auto& wc : gc.wijken) {
      auto it = m_wijk_index.find(wc);
      if (it == m_wijk_index.end()) {
        m_findings.push_back(
            {Finding::Severity::Error, wc, "gebied " + gc.id + " names unknown wijk " + wc});
        continue;
      }
      if (m_wijken[it->second].gebied != gc.id) continue;  // reported above as a duplicate
      g.wijken.push_back(it->second);
      parts.push_back(wgeoms[it->second].get());
    }
    if (parts.empty()) {
      m_findings.push_back(
          {Finding::Severity::Error, gc.id, "gebied " + gc.id + " has no wijken with buurten"});
    } else {
      GeomPtr u = union_all(ctx, parts);
      g.rd = from_geos(ctx, u.get());
      g.area_m2 = area(ctx, u.get());
      g.wgs84 = to_wgs84(to_wgs, g.rd);
    }
    m_gebied_index[gc.id] = m_gebieden.size();
    m_gebieden.push_back(std::move(g));
  }

  // Gemeente: from the source, or dissolved from the buurten.
  if (!m_gemeente.from_source) {
    std::vector<const GEOSGeometry*> parts;
    for (auto& g : bgeoms) parts.push_back(g.get());
    if (!parts.empty()) {
      GeomPtr u = union_all(ctx, parts);
      m_gemeente.rd = from_geos(ctx, u.get());
    }
  }
  if (!m_gemeente.rd.empty()) {
    m_gemeente.area_m2 = area(ctx, to_geos(ctx, m_gemeente.rd).get());
    m_gemeente.wgs84 = to_wgs84(to_wgs, m_gemeente.rd);
  }

  std::vector<const Geometry*> polys;
  for (const auto& b : m_buurten) polys.push_back(&b.rd);
  m_locator = std::make_unique<Locator>(polys, 100.0);
}

const Buurt* AreaModel::buurt(const std::string& code) const {
  auto it = m_buurt_index.find(code);
  return it == m_buurt_index.end() ? nullptr : &m_buurten[it->second];
}
const Wijk* AreaModel::wijk(const std::string& code) const {
  auto it = m_wijk_index.find(code);
  return it == m_wijk_index.end() ? nullptr : &m_wijken[it->second];
}
const Gebied* AreaModel::gebied(const std::string& id) const {
  auto it = m_gebied_index.find(id);
  return it == m_gebied_index.end() ? nullptr : &m_gebieden[it->second];
}

AreaRef AreaModel::ref_of(std::size_t i) const {
  const Buurt& b = m_buurten.at(i);
  AreaRef r;
  r.buurtcode = b.code;
  r.buurtnaam = b.name;
  r.wijkcode = b.wijkcode;
  r.gemeentecode = m_gemeente.code;
  if (const Wijk* w = wijk(b.wijkcode)) {
    r.wijknaam = w->name;
    r.gebied = w->gebied;
    if (const Gebied* g = gebied(w->gebied)) r.gebiednaam = g->config.name;
  }
  return r;
}

int AreaModel::locate_index(double x, double y) const {
  return m_locator ? m_locator->locate({x, y}) : -1;
}
int AreaModel::locate_index_geos(double x, double y) const {
  return m_locator ? m_locator->locate_geos({x, y}) : -1;
}

std::optional<AreaRef> AreaModel::locate_rd(double x, double y) const {
  const int i = locate_index(x, y);
  if (i < 0) return std::nullopt;
  return ref_of(static_cast<std::size_t>(i));
}

std::vector<Finding> AreaModel::check(double gap_tolerance_m2, double overlap_tolerance_m2) const {
  std::vector<Finding> out;
  GeosContext ctx;
  auto overlaps = [&](const auto& items, auto code_of, const char* what) {
    std::vector<GeomPtr> gs;
    std::vector<Box> boxes;
    for (const auto& it : items) {
      gs.push_back(to_geos(ctx, it.rd));
      boxes.push_back(it.rd.bbox());
    }
    std::size_t pairs = 0;
    for (std::size_t i = 0; i < gs.size(); ++i) {
      for (std::size_t j = i + 1; j < gs.size(); ++j) {
        if (!boxes[i].intersects(boxes[j])) continue;
        ++pairs;
        GeomPtr inter =
            wrap(ctx, GEOSIntersection_r(ctx, gs[i].get(), gs[j].get()), "intersection");
        const double a = area(ctx, inter.get());
        if (a > overlap_tolerance_m2) {
          out.push_back({Finding::Severity::Error, code_of(items[i]) + "/" + code_of(items[j]),
                         std::string(what) + " overlap by " +
                             std::to_string(static_cast<long long>(a)) + " m²"});
        } else if (a > 0.01) {
          out.push_back({Finding::Severity::Warning, code_of(items[i]) + "/" + code_of(items[j]),
                         std::string(what) + " overlap by " +
                             std::to_string(static_cast<long long>(a)) +
                             " m² (within the tolerance)"});
        }
      }
    }
    out.push_back({Finding::Severity::Info, what,
                   std::to_string(items.size()) + " checked for overlaps (" +
                       std::to_string(pairs) + " neighbouring pairs), tolerance " +
                       std::to_string(overlap_tolerance_m2) + " m²"});
  };
  overlaps(
      m_buurten, [](const Buurt& b) { return b.code; }, "buurten");
  overlaps(
      m_wijken, [](const Wijk& w) { return w.code; }, "wijken");
  overlaps(
      m_gebieden, [](const Gebied& g) { return g.config.id; }, "gebieden");

  // Gaps: holes in the union of the buurten that no buurt fills.
  std::vector<GeomPtr> bg;
  std::vector<const GEOSGeometry*> parts;
  for (const auto& b : m_buurten) {
    bg.push_back(to_geos(ctx, b.rd));
    parts.push_back(bg.back().get());
  }
  GeomPtr all = union_all(ctx, parts);
  const Geometry u = from_geos(ctx, all.get());
  std::size_t gaps = 0;
  for (const auto& poly : u.parts) {
    for (std::size_t r = 1; r < poly.size(); ++r) {
      const double a = std::abs(signed_area(poly[r]));
      if (a > gap_tolerance_m2) {
        ++gaps;
        const XY p = poly[r].front();
        out.push_back({Finding::Severity::Error, "gap",
                       "a gap of " + std::to_string(static_cast<long long>(a)) +
                           " m² between buurten near RD (" +
                           std::to_string(static_cast<long long>(p.x)) + ", " +
                           std::to_string(static_cast<long long>(p.y)) + ")"});
      }
    }
  }
  const double union_area = area(ctx, all.get());
  double sum = 0;
  for (const auto& g : m_gebieden) sum += g.area_m2;
  out.push_back({Finding::Severity::Info, "gebieden",
                 "union of the buurten " + std::to_string(union_area / 1e6) +
                     " km²; sum of the gebieden " + std::to_string(sum / 1e6) + " km²"});
  if (union_area > 0 && std::abs(sum - union_area) / union_area > 0.001)
    out.push_back({Finding::Severity::Error, "gebieden",
                   "the gebieden do not cover the buurten (difference above 0.1 %)"});
  if (m_gemeente.from_source) {
    GeomPtr gm = to_geos(ctx, m_gemeente.rd);
    GeomPtr inter = wrap(ctx, GEOSIntersection_r(ctx, gm.get(), all.get()), "intersection");
    const double i = area(ctx, inter.get());
    const double iou = i / (area(ctx, gm.get()) + union_area - i);
    out.push_back(
        {iou < 0.9 ? Finding::Severity::Warning : Finding::Severity::Info, "gemeente",
         "the gemeente outline from the source and the union of the buurten agree with IoU " +
             std::to_string(iou)});
  }
  return out;
}

}  // namespace gebieden::geo
