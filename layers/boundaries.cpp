#include "layers/boundaries.hpp"

#include <cmath>

namespace gebieden::layers {

namespace {
using geo::GeometryType;

Field str(const char* name, const char* title) {
  return Field{name, FieldType::String, title, false};
}
Field num(const char* name, const char* title) {
  return Field{name, FieldType::Double, title, false};
}
Field integer(const char* name, const char* title) {
  return Field{name, FieldType::Integer, title, false};
}

double hectares(double m2) {
  return std::round(m2 / 100.0) / 100.0;
}

std::shared_ptr<Collection> make(const char* id, const char* title, const char* description,
                                 std::vector<Field> fields, const char* display) {
  auto c = std::make_shared<Collection>();
  c->id = id;
  c->title = title;
  c->description = description;
  c->fields = std::move(fields);
  c->geometry_type = GeometryType::MultiPolygon;
  c->display_field = display;
  c->attribution = "CBS, Kadaster (CC BY 4.0)";
  return c;
}

Feature feature(std::string id, std::int64_t oid, std::vector<Value> values,
                const geo::Geometry& rd, const geo::Geometry& wgs84) {
  Feature f;
  f.id = std::move(id);
  f.objectid = oid;
  f.values = std::move(values);
  f.rd = rd;
  f.wgs84 = wgs84;
  return f;
}
}  // namespace

std::vector<CollectionPtr> boundary_collections(const geo::AreaModel& m, const AreaCounts& counts) {
  const std::string gm = m.gemeente().code;
  auto gebiednaam = [&](const std::string& id) -> std::string {
    const geo::Gebied* g = m.gebied(id);
    return g ? g->config.name : "";
  };

  auto buurten =
      make("buurten", "Buurten",
           "CBS buurten (neighbourhoods) of the gemeente, with their wijk and Amaryllis gebied.",
           {str("buurtcode", "Buurtcode (CBS)"), str("buurtnaam", "Buurtnaam"),
            str("wijkcode", "Wijkcode (CBS)"), str("wijknaam", "Wijknaam"),
            str("gebied", "Gebied (id)"), str("gebiednaam", "Gebied"),
            str("gemeentecode", "Gemeentecode"), num("oppervlakte_ha", "Oppervlakte (ha)"),
            integer("aantal_inwoners", "Aantal inwoners (CBS; null: not in the boundary data)")},
           "buurtnaam");
  std::int64_t oid = 0;
  for (const auto& b : m.buurten()) {
    const geo::Wijk* w = m.wijk(b.wijkcode);
    const std::string gebied = w ? w->gebied : "";
    buurten->features.push_back(
        feature(b.code, ++oid,
                {b.code, b.name, b.wijkcode, w ? w->name : "", gebied, gebiednaam(gebied), gm,
                 hectares(b.area_m2), b.inwoners ? Value{*b.inwoners} : Value{}},
                b.rd, b.wgs84));
  }

  auto wijken = make(
      "wijken", "Wijken", "CBS wijken (districts), dissolved from their buurten.",
      {str("wijkcode", "Wijkcode (CBS)"), str("wijknaam", "Wijknaam"), str("gebied", "Gebied (id)"),
       str("gebiednaam", "Gebied"), str("gemeentecode", "Gemeentecode"),
       integer("aantal_buurten", "Aantal buurten"), num("oppervlakte_ha", "Oppervlakte (ha)")},
      "wijknaam");
  oid = 0;
  for (const auto& w : m.wijken()) {
    wijken->features.push_back(
        feature(w.code, ++oid,
                {w.code, w.name, w.gebied, gebiednaam(w.gebied), gm,
                 static_cast<std::int64_t>(w.buurten.size()), hectares(w.area_m2)},
                w.rd, w.wgs84));
  }

  auto gebieden = make(
      "gebieden", "Gebieden",
      "The Amaryllis gebieden: groups of wijken, dissolved from their buurten, with the contact "
      "details of the gebiedsteam.",
      {str("gebied", "Gebied (id)"), str("naam", "Naam"), str("wijkcodes", "Wijken"),
       integer("aantal_wijken", "Aantal wijken"), integer("aantal_buurten", "Aantal buurten"),
       str("team", "Gebiedsteam"), str("team_email", "E-mail gebiedsteam"),
       str("team_telefoon", "Telefoon gebiedsteam"), str("team_adres", "Adres gebiedsteam"),
       str("team_website", "Website gebiedsteam"), str("gemeentecode", "Gemeentecode"),
       num("oppervlakte_ha", "Oppervlakte (ha)")},
      "naam");
  oid = 0;
  for (const auto& g : m.gebieden()) {
    std::string codes;
    std::int64_t nb = 0;
    for (auto wi : g.wijken) {
      codes += (codes.empty() ? "" : ",") + m.wijken()[wi].code;
      nb += static_cast<std::int64_t>(m.wijken()[wi].buurten.size());
    }
    const auto& t = g.config.team;
    // A team detail that is not known is null, never an empty string.
    const auto known = [](const std::string& s) { return s.empty() ? Value{} : Value{s}; };
    gebieden->features.push_back(
        feature(g.config.id, ++oid,
                {g.config.id, g.config.name, codes, static_cast<std::int64_t>(g.wijken.size()), nb,
                 known(t.name), known(t.email), known(t.phone), known(t.address), known(t.website),
                 gm, hectares(g.area_m2)},
                g.rd, g.wgs84));
  }

  auto gemeente = make("gemeente", "Gemeente", "The outline of the gemeente.",
                       {str("gemeentecode", "Gemeentecode"), str("gemeentenaam", "Gemeentenaam"),
                        num("oppervlakte_ha", "Oppervlakte (ha)")},
                       "gemeentenaam");
  gemeente->features.push_back(feature(
      m.gemeente().code, 1, {m.gemeente().code, m.gemeente().name, hectares(m.gemeente().area_m2)},
      m.gemeente().rd, m.gemeente().wgs84));

  std::vector<CollectionPtr> out;
  for (auto& c : {buurten, wijken, gebieden, gemeente}) {
    // Counts of the social base inside each area (the feature id is the area's code).
    for (const auto& [collection, per_area] : counts) {
      const std::string name = "aantal_" + collection;
      c->fields.push_back(Field{name, FieldType::Integer, "Aantal " + collection, false});
      for (std::size_t i = 0; i < c->features.size(); ++i) {
        auto it = per_area.find(c->features[i].id);
        c->features.edit(i).values.emplace_back(
            static_cast<std::int64_t>(it == per_area.end() ? 0 : it->second));
      }
    }
    c->finalize();
    out.push_back(c);
  }
  return out;
}

std::vector<CollectionPtr> with_counts(const std::vector<CollectionPtr>& boundaries,
                                       const AreaCounts& counts) {
  std::vector<CollectionPtr> out;
  for (const auto& c : boundaries) {
    if (!c) continue;
    std::shared_ptr<Collection> copy;
    for (const auto& [collection, per_area] : counts) {
      const int fi = c->field_index("aantal_" + collection);
      if (fi < 0) continue;
      for (std::size_t i = 0; i < c->features.size(); ++i) {
        auto it = per_area.find(c->features[i].id);
        const Value v = static_cast<std::int64_t>(it == per_area.end() ? 0 : it->second);
        if (c->features[i].values[static_cast<std::size_t>(fi)] == v) continue;
        if (!copy) copy = std::make_shared<Collection>(*c);
        copy->features.edit(i).values[static_cast<std::size_t>(fi)] = v;
      }
    }
    if (!copy) continue;
    copy->finalize();
    out.push_back(copy);
  }
  return out;
}

}  // namespace gebieden::layers
