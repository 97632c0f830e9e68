#include "layers/store.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <unordered_set>

#include "geo/crs.hpp"
#include "geo/gdal_io.hpp"
#include "geo/geos.hpp"
#include "util/ascii.hpp"
#include "util/error.hpp"

namespace gebieden::layers {

namespace {
FieldType field_type(geo::TableField::Type t) {
  switch (t) {
    case geo::TableField::Type::Integer:
      return FieldType::Integer;
    case geo::TableField::Type::Real:
      return FieldType::Double;
    case geo::TableField::Type::Boolean:
      return FieldType::Boolean;
    case geo::TableField::Type::Date:
    case geo::TableField::Type::DateTime:
      return FieldType::Date;
    case geo::TableField::Type::String:
      return FieldType::String;
  }
  return FieldType::String;
}

Value typed(const std::optional<std::string>& v, FieldType t) {
  if (!v) return std::monostate{};
  try {
    switch (t) {
      case FieldType::Integer:
        return static_cast<std::int64_t>(std::stoll(*v));
      case FieldType::Double:
        return std::stod(*v);
      case FieldType::Boolean:
        return *v == "1" || util::ascii_lower(*v) == "true";
      default:
        return *v;
    }
  } catch (const std::exception&) {
    return *v;
  }
}

}  // namespace

void assign_objectids(FeatureList& features) {
  features.sort_by_id();
  std::unordered_set<std::int64_t> used;
  used.reserve(features.size());
  for (std::size_t i = 0; i < features.size(); ++i) {
    std::int64_t oid = stable_objectid(features[i].id);
    while (!used.insert(oid).second) oid = oid % 2147483646 + 1;
    if (features[i].objectid != oid) features.edit(i).objectid = oid;
  }
}

namespace {

void set_geometry(Feature& f, const geo::Geometry& rd, const geo::Transformer& to_wgs) {
  // As the area model does: CRS84 by the inverse of WGS84 -> RD, and RD snapped to PROJ's
  // forward projection of that CRS84, so that both agree with PROJ.
  f.wgs84 = rd;
  to_wgs.inverse(f.wgs84);
  f.rd = f.wgs84;
  to_wgs.forward(f.rd);
  geo::orient_rings(f.wgs84, true);
}

int column(const geo::Table& t, std::initializer_list<const char*> names) {
  for (const char* n : names)
    for (std::size_t i = 0; i < t.fields.size(); ++i)
      if (util::ascii_lower(t.fields[i].name) == n) return static_cast<int>(i);
  return -1;
}
}  // namespace

std::int64_t stable_objectid(const std::string& id) {
  std::uint32_t h = 2166136261u;
  for (unsigned char c : id) {
    h ^= c;
    h *= 16777619u;
  }
  return static_cast<std::int64_t>(h % 2147483646u) + 1;  // 1 .. 2^31-2
}

StoreSchema StoreSchema::make(const std::vector<geo::TableField>& source,
                              const geo::StoreConfig& store, std::optional<StoreSchemaDef> def) {
  StoreSchema s;
  s.source = source;
  s.def = std::move(def);
  const geo::Table names{{}, {}, source, {}};
  std::set<std::string> privates(store.private_fields.begin(), store.private_fields.end());
  if (s.def)
    for (const auto& f : s.def->fields)
      if (f.is_private) privates.insert(f.name);
  // Fields: the source's, then the placement.
  for (const auto& tf : source) {
    const SchemaField* sf = s.def ? s.def->field(tf.name) : nullptr;
    s.fields.push_back(
        Field{tf.name, field_type(tf.type), sf ? sf->title : tf.name, privates.count(tf.name) > 0});
  }
  s.n_source = s.fields.size();
  for (const char* name :
       {"buurtcode", "buurtnaam", "wijkcode", "wijknaam", "gebied", "gebiednaam", "geocode_status",
        "geocode_reason", "geocode_warning", "geocode_adres"}) {
    if (std::none_of(s.fields.begin(), s.fields.end(),
                     [&](const Field& f) { return f.name == name; }))
      s.fields.push_back(Field{name, FieldType::String, name, false});
  }
  s.fields.push_back(Field{"geocode_score", FieldType::Double, "geocode_score", false});
  s.c_id = column(names, {util::ascii_lower(store.id_field).c_str()});
  s.c_soort = column(names, {util::ascii_lower(store.soort_field).c_str()});
  if (s.c_soort < 0)
    throw config_error("store.soort_field", "the store has no column '" + store.soort_field + "'");
  s.c_q = column(names, {"adres", "address", "q"});
  s.c_straat = column(names, {"straat", "straatnaam", "openbare_ruimte_naam"});
  s.c_nr = column(names, {"huisnummer", "nummer"});
  s.c_pc = column(names, {"postcode"});
  s.c_plaats = column(names, {"plaats", "woonplaats", "woonplaats_naam"});
  s.c_lat = column(names, {"lat", "latitude"});
  s.c_lon = column(names, {"lon", "lng", "longitude"});
  s.c_x = column(names, {"x"});
  s.c_y = column(names, {"y"});
  const int c_name = column(names, {"naam", "name"});
  s.display_field = c_name >= 0 ? source[c_name].name : "";
  return s;
}

int StoreSchema::index_of(const std::string& name) const {
  for (std::size_t i = 0; i < fields.size(); ++i)
    if (fields[i].name == name) return static_cast<int>(i);
  return -1;
}

PlacedRecord place_record(const StoreSchema& schema, const geo::TableRow& row,
                          const geo::AreaModel& model, const geo::Geocoder* geocoder,
                          const geo::Transformer& to_wgs) {
  const auto& fields = schema.fields;
  const std::size_t n_source = schema.n_source;
  PlacedRecord p;
  auto cell = [&](int c) -> std::optional<std::string> {
    if (c < 0 || !row.values[c] || row.values[c]->empty()) return std::nullopt;
    return row.values[c];
  };
  p.soort = cell(schema.c_soort).value_or("");
  p.feature.id =
      schema.c_id >= 0 && cell(schema.c_id) ? *cell(schema.c_id) : std::to_string(row.fid);
  p.feature.values.resize(fields.size());
  for (std::size_t i = 0; i < n_source; ++i)
    p.feature.values[i] = typed(row.values[i], fields[i].type);

  if (!row.wkb.empty()) {
    // The record has its own geometry: place that point.
    geo::GeosContext ctx;
    const geo::Geometry g =
        geo::from_geos(ctx, geo::from_wkb(ctx, row.wkb.data(), row.wkb.size()).get());
    if (g.type == geo::GeometryType::Point) {
      const geo::XY rd = g.parts[0][0][0];
      p.result.status = geo::GeocodeStatus::Coordinates;
      p.result.score = 1;
      p.result.rd = rd;
      if (auto a = model.locate_rd(rd.x, rd.y)) {
        p.result.buurtcode = a->buurtcode, p.result.buurtnaam = a->buurtnaam;
        p.result.wijkcode = a->wijkcode, p.result.wijknaam = a->wijknaam;
        p.result.gebied = a->gebied, p.result.gebiednaam = a->gebiednaam;
      } else {
        p.result.status = geo::GeocodeStatus::Outside;
        p.result.reason = "outside the gemeente";
      }
    }
  } else if (geocoder) {
    geo::GeocodeRequest req;
    req.q = cell(schema.c_q);
    req.straat = cell(schema.c_straat);
    req.huisnummer = cell(schema.c_nr);
    req.postcode = cell(schema.c_pc);
    req.plaats = cell(schema.c_plaats);
    req.lat = cell(schema.c_lat);
    req.lon = cell(schema.c_lon);
    req.x = cell(schema.c_x);
    req.y = cell(schema.c_y);
    p.result = geocoder->geocode(req);
  } else {
    p.result.reason = "no geocoder (no address register configured)";
  }
  if (p.result.rd && p.result.placed())
    set_geometry(p.feature, geo::Geometry::point(p.result.rd->x, p.result.rd->y), to_wgs);
  auto setv = [&](const char* name, const std::string& v) {
    const int i = schema.index_of(name);
    if (i >= 0 && static_cast<std::size_t>(i) >= n_source)
      p.feature.values[i] = v.empty() ? Value{} : Value{v};
  };
  setv("buurtcode", p.result.buurtcode);
  setv("buurtnaam", p.result.buurtnaam);
  setv("wijkcode", p.result.wijkcode);
  setv("wijknaam", p.result.wijknaam);
  setv("gebied", p.result.gebied);
  setv("gebiednaam", p.result.gebiednaam);
  setv("geocode_status", std::string(geo::status_name(p.result.status)));
  setv("geocode_reason", p.result.reason);
  setv("geocode_warning", p.result.warning);
  setv("geocode_adres", p.result.address);
  p.feature.values[schema.index_of("geocode_score")] = p.result.score;
  return p;
}

StoreLoad build_store(const geo::Config& config, const StoreSchema& schema,
                      const std::vector<const PlacedRecord*>& records, const geo::AreaModel& model,
                      bool full) {
  StoreLoad out;
  for (const auto* r : records) {
    ++out.records;
    if (r->result.placed()) ++out.placed;
  }
  for (const auto& lc : config.store.collections) {
    auto c = std::make_shared<Collection>();
    c->id = lc.id;
    c->title = lc.title.empty() ? lc.id : lc.title;
    c->description = lc.description;
    c->fields = schema.fields;
    if (full)
      for (auto& f : c->fields) f.is_private = false;
    c->geometry_type = geo::GeometryType::Point;
    c->display_field = schema.display_field;
    c->start_field = lc.start_field.empty() ? -1 : schema.index_of(lc.start_field);
    c->end_field = lc.end_field.empty() ? -1 : schema.index_of(lc.end_field);
    const std::set<std::string> soorten(lc.soort.begin(), lc.soort.end());
    auto& counts = out.counts[lc.id];
    for (const auto* r : records) {
      if (!soorten.count(r->soort)) continue;
      c->features.push_back(r->shared ? r->shared : std::make_shared<Feature>(r->feature));
      if (r->result.placed()) {
        ++counts[r->result.buurtcode];
        ++counts[r->result.wijkcode];
        ++counts[r->result.gebied];
        ++counts[model.gemeente().code];
      }
    }
    assign_objectids(c->features);
    c->finalize();
    out.collections.push_back(c);
  }
  return out;
}

std::string not_placed_message(const PlacedRecord& p) {
  return "not placed: " + (p.shared ? p.shared->id : p.feature.id) + ": " + p.result.reason +
         (p.result.detail.empty() ? "" : " (" + p.result.detail + ")");
}

CollectionPtr load_file_layer(const geo::Config& config, const geo::LayerConfig& layer) {
  std::vector<std::string> tried;
  auto table = geo::read_table(config, layer.source, 28992, tried);
  if (!table) {
    std::string msg = "no source could be opened:";
    for (const auto& t : tried) msg += "\n  " + t;
    throw config_error("layers." + layer.id + ".source.sources", msg);
  }
  const std::set<std::string> privates(layer.private_fields.begin(), layer.private_fields.end());
  auto c = std::make_shared<Collection>();
  c->id = layer.id;
  c->title = layer.title.empty() ? layer.id : layer.title;
  c->description = layer.description;
  for (const auto& tf : table->fields)
    c->fields.push_back(Field{tf.name, field_type(tf.type), tf.name, privates.count(tf.name) > 0});
  const int c_id =
      layer.id_field.empty() ? -1 : column(*table, {util::ascii_lower(layer.id_field).c_str()});
  geo::Transformer to_wgs(4326, 28992);
  geo::GeosContext ctx;
  for (const auto& row : table->rows) {
    Feature f;
    f.id = c_id >= 0 && row.values[c_id] ? *row.values[c_id] : std::to_string(row.fid);
    for (std::size_t i = 0; i < c->fields.size(); ++i)
      f.values.push_back(typed(row.values[i], c->fields[i].type));
    if (!row.wkb.empty()) {
      const geo::Geometry g =
          geo::from_geos(ctx, geo::from_wkb(ctx, row.wkb.data(), row.wkb.size()).get());
      set_geometry(f, g, to_wgs);
      if (c->geometry_type == geo::GeometryType::None) c->geometry_type = g.type;
    }
    c->features.push_back(std::move(f));
  }
  for (std::size_t i = 0; i < c->fields.size(); ++i) {
    if (c->fields[i].name == layer.start_field) c->start_field = static_cast<int>(i);
    if (c->fields[i].name == layer.end_field) c->end_field = static_cast<int>(i);
  }
  assign_objectids(c->features);
  c->finalize();
  return c;
}

}  // namespace gebieden::layers
