#include "print/overview_doc.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "geo/geos.hpp"
#include "print/pdf.hpp"

namespace gebieden::print {

std::vector<std::string> choropleth_ramp(std::size_t classes) {
  // ColorBrewer YlGnBu (sequential, colour-blind safe, print friendly) per number of classes.
  switch (classes) {
    case 0:
      return {};
    case 1:
      return {"#41B6C4"};
    case 2:
      return {"#A1DAB4", "#2C7FB8"};
    case 3:
      return {"#EDF8B1", "#7FCDBB", "#2C7FB8"};
    case 4:
      return {"#FFFFCC", "#A1DAB4", "#41B6C4", "#225EA8"};
    default:
      return {"#FFFFCC", "#A1DAB4", "#41B6C4", "#2C7FB8", "#253494"};
  }
}

std::string dutch_number(std::int64_t v) {
  std::string digits = std::to_string(v < 0 ? -v : v), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += '.';
    out += digits[i];
  }
  return v < 0 ? "-" + out : out;
}

std::string dutch_amount(double euros) {
  const auto cents = static_cast<std::int64_t>(std::llround(euros * 100));
  const std::int64_t whole = cents / 100, rest = std::abs(cents % 100);
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d", static_cast<int>(rest));
  return "€ " + dutch_number(whole) + "," + buf;
}

namespace {
std::size_t codepoints(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string level_path(layers::AreaLevel l) {
  return l == layers::AreaLevel::Gebied ? "gebieden"
         : l == layers::AreaLevel::Wijk ? "wijken"
                                        : "buurten";
}
}  // namespace

OverviewDoc make_overview_doc(const geo::AreaModel& model, const layers::Overview& o,
                              const layers::style::StyleSheet* sheet, double chart_width,
                              const std::string& initiative_collection) {
  OverviewDoc d;
  d.overview = &o;
  d.level_word = o.level == layers::AreaLevel::Gebied ? nl::kGebied
                 : o.level == layers::AreaLevel::Wijk ? nl::kWijk
                                                      : nl::kBuurt;
  d.self = {level_path(o.level), o.code, o.name};
  d.gemeente = &model.gemeente().rd;

  // The area, its gebied (for the team and the context) and the areas above and within.
  const geo::Gebied* gebied = nullptr;
  switch (o.level) {
    case layers::AreaLevel::Gebied: {
      gebied = model.gebied(o.code);
      if (gebied) {
        d.outline = &gebied->rd;
        for (auto wi : gebied->wijken) {
          const auto& w = model.wijken()[wi];
          d.children.push_back({"wijken", w.code, w.name});
        }
      }
      break;
    }
    case layers::AreaLevel::Wijk: {
      if (const geo::Wijk* w = model.wijk(o.code)) {
        d.outline = &w->rd;
        gebied = model.gebied(w->gebied);
        if (gebied) d.parent = AreaLink{"gebieden", gebied->config.id, gebied->config.name};
        for (auto bi : w->buurten) {
          const auto& b = model.buurten()[bi];
          d.children.push_back({"buurten", b.code, b.name});
        }
      }
      break;
    }
    case layers::AreaLevel::Buurt: {
      if (const geo::Buurt* b = model.buurt(o.code)) {
        d.outline = &b->rd;
        if (const geo::Wijk* w = model.wijk(b->wijkcode)) {
          d.parent = AreaLink{"wijken", w->code, w->name};
          gebied = model.gebied(w->gebied);
        }
      }
      break;
    }
  }
  std::sort(d.children.begin(), d.children.end(),
            [](const AreaLink& a, const AreaLink& b) { return a.code < b.code; });
  if (gebied) {
    d.team = gebied->config.team;
    d.team_gebied = gebied->config.name;
  }

  // The choropleth: classes of the positive counts, the ramp, labels that fit.
  std::vector<std::int64_t> counts;
  for (const auto& b : o.buurten) {
    const auto it = b.per_collection.find(initiative_collection);
    counts.push_back(it == b.per_collection.end() ? 0 : it->second);
  }
  d.classes = layers::class_breaks(counts, 5);
  d.ramp = choropleth_ramp(d.classes.size());
  if (!counts.empty()) {
    d.min_count = *std::min_element(counts.begin(), counts.end());
    d.max_count = *std::max_element(counts.begin(), counts.end());
  }
  geo::Box extent;
  for (const auto& b : o.buurten)
    if (const geo::Buurt* gb = model.buurt(b.buurtcode)) extent.expand(gb->rd.bbox());
  if (!extent.valid && d.outline) extent = d.outline->bbox();
  if (extent.valid && o.level != layers::AreaLevel::Gebied) {
    // A wijk or a buurt with some of its surroundings.
    const double pad = std::max(extent.maxx - extent.minx, extent.maxy - extent.miny) *
                       (o.level == layers::AreaLevel::Buurt ? 0.3 : 0.1);
    extent.expand(geo::XY{extent.minx - pad, extent.miny - pad});
    extent.expand(geo::XY{extent.maxx + pad, extent.maxy + pad});
    std::set<std::string> own;
    for (const auto& b : o.buurten) own.insert(b.buurtcode);
    for (const auto& b : model.buurten())
      if (!own.count(b.code) && extent.intersects(b.rd.bbox()))
        d.context_buurten.push_back({&b.rd, "", b.name});
  }
  d.extent = extent;
  // The map's scale (as SvgMap and MapFrame compute it, margin 0.04) for the labels' fit.
  double scale = 1;
  if (extent.valid) {
    const double ew = std::max(extent.maxx - extent.minx, 1e-9);
    const double eh = std::max(extent.maxy - extent.miny, 1e-9);
    scale = std::min(kMapWidth * 0.92 / ew, kMapHeight * 0.92 / eh);
  }
  const geo::GeosContext geos;
  for (std::size_t i = 0; i < o.buurten.size(); ++i) {
    const auto& b = o.buurten[i];
    d.buurtnaam[b.buurtcode] = b.buurtnaam;
    MapBuurt m;
    m.code = b.buurtcode;
    m.name = b.buurtnaam;
    m.count = counts[i];
    m.cls = layers::class_of(d.classes, m.count);
    m.fill = m.cls < 0 ? kNoneFill : d.ramp[static_cast<std::size_t>(m.cls)];
    if (const geo::Buurt* gb = model.buurt(b.buurtcode)) {
      m.rd = &gb->rd;
      m.label_at = label_point(geos, gb->rd);
      // Fits: the name (about 0.55 em a letter) within the part of the buurt's box around its
      // label point, and a line high.
      const geo::Box bb = gb->rd.bbox();
      const double half_w = std::min(m.label_at.x - bb.minx, bb.maxx - m.label_at.x) * scale;
      const double half_h = std::min(m.label_at.y - bb.miny, bb.maxy - m.label_at.y) * scale;
      const double text_w = static_cast<double>(codepoints(m.name)) * kLabelSize * 0.55;
      m.label = 2 * half_w >= text_w * 0.9 && 2 * half_h >= kLabelSize * 1.3;
    }
    d.buurten.push_back(std::move(m));
  }
  for (const auto& b : model.buurten())
    if (!d.buurtnaam.count(b.code)) d.buurtnaam[b.code] = b.name;

  // Context: every other gebied whose box meets the map's, in its style-sheet colour.
  const layers::style::LayerStyle* gebieden_style =
      sheet ? sheet->for_collection("gebieden", false) : nullptr;
  for (const auto& g : model.gebieden()) {
    if (o.level == layers::AreaLevel::Gebied && g.config.id == o.code) continue;
    const geo::Box gb = g.rd.bbox();
    if (!extent.valid || gb.maxx < extent.minx || gb.minx > extent.maxx || gb.maxy < extent.miny ||
        gb.miny > extent.maxy)
      continue;
    std::string fill = "#BBBBBB";
    if (gebieden_style) {
      fill = gebieden_style->other.color.hex();
      for (const auto& c : gebieden_style->classes)
        if (c.value == g.config.id) fill = c.color.hex();
    }
    d.context.push_back({&g.rd, fill, g.config.name});
  }

  // Charts per soort and per categorie.
  std::vector<BarItem> soort, categorie;
  for (const auto& [k, v] : o.per_soort) soort.push_back({k, k, v});
  for (const auto& [k, v] : o.per_categorie) categorie.push_back({k, k, v});
  d.per_soort = layout_bars(std::move(soort), chart_width, 150);
  d.per_categorie = layout_bars(std::move(categorie), chart_width, 150);
  d.per_categorie.colour = "#225EA8";
  return d;
}

}  // namespace gebieden::print
