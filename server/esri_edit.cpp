#include "server/esri_edit.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>

#include "layers/store.hpp"
#include "server/metrics.hpp"
#include "util/ascii.hpp"
#include "util/calendar.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace gebieden::server::esri_edit {

namespace {
namespace esri = layers::esri;
using TableType = geo::TableField::Type;

[[noreturn]] void invalid(const std::string& parameter, const std::string& message) {
  throw input_error(ErrorCode::InvalidParameter, parameter, parameter + ": " + message);
}

/// A failure of one edit: the field it names and what is wrong.
struct EditFailure {
  std::string text;
};

[[noreturn]] void fail(const std::string& field, const std::string& message) {
  throw EditFailure{field + ": " + message};
}

std::string excerpt(std::string_view s, std::size_t max = 40) {
  std::string out;
  for (char c : s.substr(0, max)) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7f ? '?' : c);
  }
  if (s.size() > max) out += "...";
  return out;
}

const geo::TableField* source_column(const layers::StoreSchema& schema, const std::string& name) {
  for (const auto& f : schema.source)
    if (f.name == name) return &f;
  return nullptr;
}

/// The served field a client names: an exact match first, else ASCII case-insensitive.
int served_field(const layers::Collection& c, const std::string& name) {
  const int exact = c.field_index(name);
  if (exact >= 0) return exact;
  for (std::size_t i = 0; i < c.fields.size(); ++i)
    if (util::ascii_iequals(c.fields[i].name, name)) return static_cast<int>(i);
  return -1;
}

/// An attribute value as text in GDAL's field syntax for a column of `type` (the store checks
/// it against the schema). Dates may come as epoch milliseconds (what ArcGIS sends).
std::optional<std::string> attribute_text(const json& v, TableType type, const std::string& field) {
  if (v.is_null()) return std::nullopt;
  if ((type == TableType::Date || type == TableType::DateTime) && v.is_number()) {
    const double ms = v.get<double>();
    if (!std::isfinite(ms) || std::abs(ms) > 253402300799999.0)
      fail(field, "is not a date (epoch milliseconds)");
    return util::format_iso_datetime(static_cast<std::int64_t>(std::llround(ms)),
                                     type == TableType::Date);
  }
  if (v.is_boolean()) {
    if (type == TableType::Boolean) return v.get<bool>() ? "1" : "0";
    return v.get<bool>() ? "true" : "false";
  }
  if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (!std::isfinite(d)) fail(field, "must be a finite number");
    return v.dump();
  }
  if (v.is_string()) return v.get<std::string>();
  fail(field, "must be a string, number, boolean or null, not a JSON " +
                  std::string(v.is_array() ? "array" : "object"));
}

double coordinate(const json& j, const char* what) {
  if (!j.is_number()) fail("geometry", std::string(what) + " must be a number");
  const double v = j.get<double>();
  if (!std::isfinite(v)) fail("geometry", std::string(what) + " must be finite");
  return v;
}

/// An Esri point {x, y, spatialReference} in lon/lat (CRS84); nullopt for a null geometry.
std::optional<geo::XY> point_of(const json& g, esri::SpatialRef default_sr,
                                const geo::TransformerCache& transformers) {
  if (g.is_null()) return std::nullopt;
  if (!g.is_object()) fail("geometry", "must be an Esri point {x, y} or null");
  if (!g.contains("x") || !g.contains("y"))
    fail("geometry", "must be an Esri point {x, y}: a record is one place");
  if (g.at("x").is_null() || g.at("y").is_null()) return std::nullopt;  // an empty point
  const geo::XY in{coordinate(g.at("x"), "x"), coordinate(g.at("y"), "y")};
  esri::SpatialRef sr = default_sr;
  if (auto it = g.find("spatialReference"); it != g.end() && !it->is_null()) {
    const json* w = nullptr;
    if (it->is_object()) {
      if (auto a = it->find("wkid"); a != it->end() && a->is_number_integer())
        w = &*a;
      else if (auto b = it->find("latestWkid"); b != it->end() && b->is_number_integer())
        w = &*b;
    }
    if (!w) fail("geometry", "spatialReference needs an integer wkid");
    const auto parsed = esri::spatial_ref_from_wkid(w->get<long long>());
    if (!parsed)
      fail("geometry", "unsupported spatial reference " + w->dump() +
                           " (supported: 4326, 102100, 3857, 28992)");
    sr = *parsed;
  }
  geo::XY out = in;
  if (sr == esri::SpatialRef::WebMercator)
    out = geo::webmercator_to_lonlat(in);
  else if (sr == esri::SpatialRef::RdNew)
    out = transformers.get(28992, 4326).forward(in);
  if (!std::isfinite(out.x) || !std::isfinite(out.y) || out.x < -180 || out.x > 180 ||
      out.y < -90 || out.y > 90)
    fail("geometry", "outside the area of use of its spatial reference");
  return out;
}

/// Equal within 1e-7 degrees (about a centimetre).
bool same_point(const geo::XY& a, const geo::XY& b) {
  return std::abs(a.x - b.x) <= 1e-7 && std::abs(a.y - b.y) <= 1e-7;
}

std::vector<std::string> all_soorten(const geo::StoreConfig& store) {
  std::vector<std::string> all;
  for (const auto& c : store.collections)
    for (const auto& s : c.soort) all.push_back(s);
  return all;
}

/// One add or update: its write request (throws EditFailure).
ParsedEdit parse_feature(const json& f, EditKind kind, const EditLayer& layer, const EditEnv& env,
                         esri::SpatialRef default_sr) {
  ParsedEdit e;
  e.kind = kind;
  layers::WriteRequest w;
  w.op = kind == EditKind::Add ? layers::WriteOp::Create : layers::WriteOp::Patch;
  w.actor = env.actor;
  if (kind == EditKind::Update) w.soorten = layer.config->soort;
  const layers::Collection& c = *layer.collection;
  const json empty = json::object();
  const json& attributes =
      f.contains("attributes") && !f.at("attributes").is_null() ? f.at("attributes") : empty;
  // The OBJECTID first: a failure of an update names it.
  if (attributes.is_object()) {
    for (const auto& [name, v] : attributes.items()) {
      if (!util::ascii_iequals(name, esri::kObjectIdName) || kind != EditKind::Update) continue;
      if (!v.is_number_integer()) {
        e.error = std::string(esri::kObjectIdName) + ": must be an integer";
        return e;
      }
      e.object_id = v.get<std::int64_t>();
    }
  }
  try {
    if (!f.is_object()) fail("feature", "must be an object {geometry, attributes}");
    for (const auto& [k, v] : f.items())
      if (k != "attributes" && k != "geometry") fail(k, "unknown member of a feature");
    if (!attributes.is_object()) fail("attributes", "must be an object");
    std::optional<std::string> given_id;
    const geo::Geometry* served = nullptr;  // updates: the record's point as served now
    if (kind == EditKind::Update) {
      if (e.object_id < 0) fail(std::string(esri::kObjectIdName), "missing (names the feature)");
      const layers::Feature* target = c.find_objectid(e.object_id);
      if (!target)
        fail(std::string(esri::kObjectIdName),
             "no feature " + std::to_string(e.object_id) + " in layer " + c.id);
      w.record.id = target->id;
      served = &target->wgs84;
    }
    for (const auto& [name, v] : attributes.items()) {
      if (util::ascii_iequals(name, esri::kObjectIdName)) continue;
      const int index = served_field(c, name);
      if (index < 0) fail(excerpt(name), "unknown field");
      const std::string& field = c.fields[static_cast<std::size_t>(index)].name;
      if (field == env.store.id_field) {
        if (v.is_null()) continue;
        std::string id;
        if (v.is_string())
          id = v.get<std::string>();
        else if (v.is_number_integer())
          id = v.dump();
        else
          fail(field, "must be a string");
        if (kind == EditKind::Update) {
          if (id != w.record.id) fail(field, "cannot change ('" + w.record.id + "')");
          continue;
        }
        given_id = id;
        continue;
      }
      if (!field_editing(env.schema, env.store, field).editable) continue;  // sent back: ignored
      const geo::TableField* column = source_column(env.schema, field);
      if (!column) continue;
      w.record.values[field] = attribute_text(v, column->type, field);
    }
    if (kind == EditKind::Add) {
      w.record.id = given_id.value_or(generated_id());
      if (f.contains("geometry"))
        w.record.point_crs84 = point_of(f.at("geometry"), default_sr, env.transformers);
      auto& soort = w.record.values[env.store.soort_field];
      if (!soort) {
        if (layer.config->soort.size() != 1)
          fail(env.store.soort_field, "missing (one of the soort values of " + c.id + ")");
        soort = layer.config->soort.front();
      }
    } else if (f.contains("geometry") && !f.at("geometry").is_null()) {
      w.record.point_crs84 = point_of(f.at("geometry"), default_sr, env.transformers);
      // Clients send the geometry back with an attribute edit: the point as served (within
      // about a centimetre) changes nothing, so a record placed by its address stays so.
      w.patch_point =
          !(w.record.point_crs84 && served && served->type == geo::GeometryType::Point &&
            !served->parts.empty() && !served->parts[0].empty() && !served->parts[0][0].empty() &&
            same_point(served->parts[0][0][0], *w.record.point_crs84));
      if (!w.patch_point) w.record.point_crs84.reset();
    }
    if (auto it = w.record.values.find(env.store.soort_field);
        it != w.record.values.end() && it->second) {
      const auto all = all_soorten(env.store);
      if (std::find(all.begin(), all.end(), *it->second) == all.end()) {
        std::string allowed;
        for (const auto& s : all) allowed += (allowed.empty() ? "'" : ", '") + s + "'";
        fail(env.store.soort_field,
             "'" + excerpt(*it->second) + "' is not a soort; must be one of " + allowed);
      }
    }
  } catch (const EditFailure& failure) {
    e.error = failure.text;
    return e;
  }
  e.write = std::move(w);
  return e;
}

json result_of(std::int64_t object_id, const std::string* error) {
  json r;
  r["objectId"] = object_id;
  r["uniqueId"] = object_id;
  r["globalId"] = nullptr;
  r["success"] = error == nullptr;
  if (error) r["error"] = {{"code", kEditErrorCode}, {"description", *error}};
  return r;
}

std::string describe(const layers::WriteResult& r, const ParsedEdit& e) {
  using O = layers::WriteOutcome;
  switch (r.outcome) {
    case O::Invalid: {
      std::string text;
      for (const auto& p : r.problems)
        text += (text.empty() ? "" : "; ") + p.field + ": " + p.message;
      return text.empty() ? "the record is not valid" : text;
    }
    case O::NotFound:
      return std::string(esri::kObjectIdName) + ": no feature " + std::to_string(e.object_id) +
             " in this layer";
    case O::Conflict:
      return "id: a record with id '" + r.id + "' exists already";
    case O::PreconditionFailed:
      return "the record changed meanwhile";
    case O::RolledBack:
      return "rolled back: another edit of this request failed (rollbackOnFailure)";
    default:
      return {};
  }
}

const char* kRolledBack = "rolled back: another edit of this request failed (rollbackOnFailure)";

/// The object id of a record after a write: in whichever store layer holds it now.
std::int64_t objectid_of(const layers::Catalogue& full, const geo::StoreConfig& store,
                         const std::string& id) {
  const layers::CatalogueView view = full.view();
  for (const auto& lc : store.collections)
    if (const auto c = view.get(lc.id))
      if (const layers::Feature* f = c->find(id)) return f->objectid;
  return -1;
}
}  // namespace

FieldEditing field_editing(const layers::StoreSchema& schema, const geo::StoreConfig& store,
                           const std::string& name) {
  FieldEditing out;
  const int index = schema.index_of(name);
  if (index < 0 || static_cast<std::size_t>(index) >= schema.n_source) return out;  // placement
  if (name == store.id_field) return {false, false};
  const layers::SchemaField* sf = schema.def ? schema.def->field(name) : nullptr;
  if (sf && sf->system) return out;
  out.editable = true;
  out.nullable = !(sf && sf->required) && name != store.soort_field;
  return out;
}

std::optional<std::int64_t> last_edit_millis(const layers::Collection& c) {
  std::optional<std::int64_t> latest;
  for (const char* name : {"aangemaakt_op", "gewijzigd_op"}) {
    const int index = c.field_index(name);
    if (index < 0) continue;
    for (const auto& f : c.features) {
      const auto* s = std::get_if<std::string>(&f.values[static_cast<std::size_t>(index)]);
      if (!s) continue;
      if (const auto t = util::parse_iso_datetime(*s); t && (!latest || t->millis > *latest))
        latest = t->millis;
    }
  }
  return latest;
}

std::vector<ParsedEdit> parse_features(const std::string& parameter, const json& features,
                                       EditKind kind, const EditLayer& layer, const EditEnv& env,
                                       esri::SpatialRef default_sr) {
  if (!features.is_array()) invalid(parameter, "must be a JSON array of features");
  if (features.size() > kMaxEdits)
    invalid(parameter, "more than " + std::to_string(kMaxEdits) + " features");
  std::vector<ParsedEdit> out;
  out.reserve(features.size());
  for (const auto& f : features) {
    if (!f.is_object()) invalid(parameter, "each feature must be an object {geometry, attributes}");
    out.push_back(parse_feature(f, kind, layer, env, default_sr));
  }
  return out;
}

std::vector<std::int64_t> parse_object_ids(const std::string& parameter, const json& ids) {
  if (!ids.is_array()) invalid(parameter, "must be a list of object ids");
  if (ids.size() > kMaxEdits)
    invalid(parameter, "more than " + std::to_string(kMaxEdits) + " object ids");
  std::vector<std::int64_t> out;
  for (const auto& v : ids) {
    if (v.is_number_integer())
      out.push_back(v.get<std::int64_t>());
    else if (v.is_string() && util::parse_int(util::trim(v.get<std::string>())))
      out.push_back(*util::parse_int(util::trim(v.get<std::string>())));
    else
      invalid(parameter, "'" + excerpt(v.dump()) + "' is not an object id");
  }
  return out;
}

std::vector<std::int64_t> parse_object_ids(const std::string& parameter, const std::string& text) {
  const std::string_view t = util::trim(text);
  if (!t.empty() && t.front() == '[') {
    json j = json::parse(t, nullptr, false);
    if (j.is_discarded()) invalid(parameter, "not valid JSON");
    return parse_object_ids(parameter, j);
  }
  std::vector<std::int64_t> out;
  for (auto part : util::split_trimmed(t, ',')) {
    if (part.empty()) continue;
    const auto n = util::parse_int(part);
    if (!n) invalid(parameter, "'" + excerpt(part) + "' is not an object id");
    out.push_back(*n);
    if (out.size() > kMaxEdits)
      invalid(parameter, "more than " + std::to_string(kMaxEdits) + " object ids");
  }
  return out;
}

std::vector<ParsedEdit> deletes_of(const std::vector<std::int64_t>& object_ids,
                                   const EditLayer& layer, const EditEnv& env) {
  std::vector<ParsedEdit> out;
  for (std::int64_t oid : object_ids) {
    ParsedEdit e;
    e.kind = EditKind::Delete;
    e.object_id = oid;
    const layers::Feature* f = layer.collection->find_objectid(oid);
    if (!f) {
      e.error = std::string(esri::kObjectIdName) + ": no feature " + std::to_string(oid) +
                " in layer " + layer.collection->id;
    } else {
      layers::WriteRequest w;
      w.op = layers::WriteOp::Delete;
      w.record.id = f->id;
      w.soorten = layer.config->soort;
      w.actor = env.actor;
      e.write = std::move(w);
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<LayerResults> apply(const std::vector<LayerEdits>& edits, bool rollback,
                                layers::FeatureStore& store, const layers::Catalogue& full,
                                const geo::StoreConfig& store_config, Metrics* metrics) {
  // Every edit in request order: per layer its adds, updates, deletes.
  std::vector<const ParsedEdit*> order;
  std::vector<layers::WriteRequest> requests;
  bool parse_failed = false;
  for (const auto& le : edits)
    for (const auto* list : {&le.adds, &le.updates, &le.deletes})
      for (const auto& e : *list) {
        order.push_back(&e);
        if (!e.write) parse_failed = true;
      }
  const bool write_none = rollback && parse_failed;
  if (!write_none)
    for (const auto* e : order)
      if (e->write) requests.push_back(*e->write);
  std::vector<layers::WriteResult> written;
  if (!requests.empty())
    written = counted_write_batch(store, requests, rollback, metrics, Source::Arcgis);
  if (written.size() != requests.size())
    throw std::logic_error("write_batch answered " + std::to_string(written.size()) +
                           " results for " + std::to_string(requests.size()) + " writes");

  std::vector<LayerResults> out;
  std::size_t next = 0;
  for (const auto& le : edits) {
    LayerResults lr;
    lr.layer = le.layer.id;
    auto fill = [&](const std::vector<ParsedEdit>& list, json& results) {
      for (const auto& e : list) {
        const std::int64_t given = e.kind == EditKind::Add ? -1 : e.object_id;
        if (!e.write) {
          results.push_back(result_of(given, &e.error));
          continue;
        }
        if (write_none) {
          const std::string text = kRolledBack;
          results.push_back(result_of(given, &text));
          continue;
        }
        const layers::WriteResult& r = written[next++];
        if (!r.ok()) {
          const std::string text = describe(r, e);
          results.push_back(result_of(given, &text));
        } else if (e.kind == EditKind::Add) {
          results.push_back(result_of(objectid_of(full, store_config, r.id), nullptr));
        } else {
          results.push_back(result_of(given, nullptr));
        }
      }
    };
    fill(le.adds, lr.adds);
    fill(le.updates, lr.updates);
    fill(le.deletes, lr.deletes);
    out.push_back(std::move(lr));
  }
  return out;
}

std::string generated_id() {
  thread_local std::mt19937_64 rng(
      std::random_device{}() ^
      static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
  char buf[24];
  std::snprintf(buf, sizeof(buf), "r%015llx",
                static_cast<unsigned long long>(rng() & 0xfffffffffffffffull));
  return buf;
}

}  // namespace gebieden::server::esri_edit
