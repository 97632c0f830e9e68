#include "layers/feature_store.hpp"

#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>

#include "geo/crs.hpp"
#include "geo/gdal_io.hpp"
#include "layers/boundaries.hpp"
#include "util/calendar.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace gebieden::layers {

namespace {
constexpr const char* kLayer = "store";
constexpr const char* kHistory = "history";

OGRFieldType ogr_type(geo::TableField::Type t, OGRFieldSubType& sub) {
  sub = OFSTNone;
  switch (t) {
    case geo::TableField::Type::Integer:
      return OFTInteger64;
    case geo::TableField::Type::Real:
      return OFTReal;
    case geo::TableField::Type::Boolean:
      sub = OFSTBoolean;
      return OFTInteger;
    case geo::TableField::Type::Date:
      return OFTDate;
    case geo::TableField::Type::DateTime:
      return OFTDateTime;
    case geo::TableField::Type::String:
      return OFTString;
  }
  return OFTString;
}

OGRSpatialReference rd_new() {
  OGRSpatialReference srs;
  srs.importFromEPSG(28992);
  srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  return srs;
}

std::string last_gdal_error() {
  const char* m = CPLGetLastErrorMsg();
  return m && *m ? std::string(": ") + m : std::string();
}
}  // namespace

/// The GeoPackage of the store, open for update (RAII: the dataset closes with it). Not
/// thread-safe: the FeatureStore calls it under its mutex.
class StoreFile {
 public:
  /// One change to the file, with its history row.
  struct Op {
    enum class Kind { Insert, Set, Delete } kind = Kind::Insert;
    std::string id;
    geo::TableRow row;  // Insert/Set: the row (Set: row.fid); Delete: row.fid
    HistoryEntry history;
  };

  explicit StoreFile(const std::string& path) : m_path(path) {
    m_ds.reset(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE));
    if (!m_ds)
      throw gdal_error("cannot open the store '" + path + "' for writing" + last_gdal_error());
    m_layer = m_ds->GetLayerByName(kLayer);
    if (!m_layer) throw gdal_error("the store '" + path + "' has no layer '" + kLayer + "'");
    m_history = m_ds->GetLayerByName(kHistory);
    if (!m_history) m_history = create_history(*m_ds, path);
  }

  /// Create a new GeoPackage at `path` with `fields` and `rows` (and an empty history, or
  /// `history`), in one transaction.
  static void create(const std::string& path, const std::vector<geo::TableField>& fields,
                     const std::vector<geo::TableRow>& rows,
                     const std::vector<HistoryEntry>& history = {}) {
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
    if (!driver) throw gdal_error("GDAL has no GPKG driver");
    GDALDatasetUniquePtr ds(driver->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    if (!ds) throw gdal_error("cannot create the store '" + path + "'" + last_gdal_error());
    OGRSpatialReference srs = rd_new();
    OGRLayer* layer = ds->CreateLayer(kLayer, &srs, wkbPoint, nullptr);
    if (!layer)
      throw gdal_error("cannot create the store layer in '" + path + "'" + last_gdal_error());
    for (const auto& f : fields) {
      OGRFieldSubType sub;
      OGRFieldDefn defn(f.name.c_str(), ogr_type(f.type, sub));
      defn.SetSubType(sub);
      if (layer->CreateField(&defn) != OGRERR_NONE)
        throw gdal_error("cannot create the field '" + f.name + "' in '" + path + "'" +
                         last_gdal_error());
    }
    OGRLayer* hist = create_history(*ds, path);
    StoreFile file(std::move(ds), layer, hist, path);
    file.transaction([&] {
      for (const auto& row : rows) file.write(row, false);
      for (const auto& h : history) file.write_history(h);
    });
  }

  /// Apply `ops` in one transaction, each with its history row; returns the FIDs of the rows
  /// inserted, by id. Throws gdal_error (then nothing changed).
  std::map<std::string, long long> apply(const std::vector<Op>& ops) {
    std::map<std::string, long long> inserted;
    transaction([&] {
      for (const auto& op : ops) {
        switch (op.kind) {
          case Op::Kind::Insert:
            inserted[op.id] = write(op.row, false);
            break;
          case Op::Kind::Set: {
            geo::TableRow row = op.row;
            if (row.fid < 0 && inserted.count(op.id)) row.fid = inserted[op.id];
            write(row, true);
            break;
          }
          case Op::Kind::Delete: {
            long long fid = op.row.fid;
            if (fid < 0 && inserted.count(op.id)) fid = inserted[op.id];
            if (m_layer->DeleteFeature(fid) != OGRERR_NONE)
              throw gdal_error("cannot delete feature " + std::to_string(fid) + " from '" + m_path +
                               "'" + last_gdal_error());
            break;
          }
        }
        write_history(op.history);
      }
    });
    return inserted;
  }

  /// The history rows of one record (or all when `id` is empty), oldest first.
  std::vector<HistoryEntry> history(const std::string& id) {
    std::vector<HistoryEntry> out;
    if (id.empty()) {
      m_history->SetAttributeFilter(nullptr);
    } else {
      std::string quoted = "'";
      for (char c : id) quoted += c == '\'' ? std::string("''") : std::string(1, c);
      quoted += "'";
      m_history->SetAttributeFilter(("record_id = " + quoted).c_str());
    }
    m_history->ResetReading();
    for (OGRFeatureUniquePtr f(m_history->GetNextFeature()); f;
         f.reset(m_history->GetNextFeature())) {
      HistoryEntry h;
      h.seq = f->GetFID();
      h.record_id = f->GetFieldAsString("record_id");
      h.op = f->GetFieldAsString("op");
      h.actor = f->GetFieldAsString("actor");
      h.at = f->GetFieldAsString("at");
      h.before = f->GetFieldAsString("before");
      h.after = f->GetFieldAsString("after");
      out.push_back(std::move(h));
    }
    m_history->SetAttributeFilter(nullptr);
    std::sort(out.begin(), out.end(),
              [](const HistoryEntry& a, const HistoryEntry& b) { return a.seq < b.seq; });
    return out;
  }

 private:
  StoreFile(GDALDatasetUniquePtr ds, OGRLayer* layer, OGRLayer* history, std::string path)
      : m_ds(std::move(ds)), m_layer(layer), m_history(history), m_path(std::move(path)) {}

  static OGRLayer* create_history(GDALDataset& ds, const std::string& path) {
    OGRLayer* h = ds.CreateLayer(kHistory, nullptr, wkbNone, nullptr);
    if (!h)
      throw gdal_error("cannot create the history table in '" + path + "'" + last_gdal_error());
    for (const char* name : {"record_id", "op", "actor", "at", "before", "after"}) {
      OGRFieldDefn defn(name, OFTString);
      if (h->CreateField(&defn) != OGRERR_NONE)
        throw gdal_error("cannot create the history field '" + std::string(name) + "' in '" + path +
                         "'" + last_gdal_error());
    }
    return h;
  }

  /// Run `f` in one transaction: committed and flushed, or rolled back (and rethrown).
  template <typename F>
  void transaction(F f) {
    if (m_ds->StartTransaction() != OGRERR_NONE)
      throw gdal_error("cannot start a transaction on '" + m_path + "'" + last_gdal_error());
    try {
      f();
    } catch (...) {
      m_ds->RollbackTransaction();
      throw;
    }
    if (m_ds->CommitTransaction() != OGRERR_NONE) {
      m_ds->RollbackTransaction();
      throw gdal_error("cannot commit to '" + m_path + "'" + last_gdal_error());
    }
    m_ds->FlushCache(false);
  }

  void write_history(const HistoryEntry& h) {
    OGRFeatureUniquePtr f(OGRFeature::CreateFeature(m_history->GetLayerDefn()));
    f->SetField("record_id", h.record_id.c_str());
    f->SetField("op", h.op.c_str());
    f->SetField("actor", h.actor.c_str());
    f->SetField("at", h.at.c_str());
    f->SetField("before", h.before.c_str());
    f->SetField("after", h.after.c_str());
    if (m_history->CreateFeature(f.get()) != OGRERR_NONE)
      throw gdal_error("cannot write the history of '" + h.record_id + "' to '" + m_path + "'" +
                       last_gdal_error());
  }

  long long write(const geo::TableRow& row, bool replace) {
    OGRFeatureDefn* defn = m_layer->GetLayerDefn();
    OGRFeatureUniquePtr f(OGRFeature::CreateFeature(defn));
    for (int i = 0; i < defn->GetFieldCount() && i < static_cast<int>(row.values.size()); ++i) {
      if (row.values[i]) {
        f->SetField(i, row.values[i]->c_str());
      } else {
        f->SetFieldNull(i);
      }
    }
    if (!row.wkb.empty()) {
      OGRGeometry* g = nullptr;
      if (OGRGeometryFactory::createFromWkb(row.wkb.data(), nullptr, &g, row.wkb.size()) !=
              OGRERR_NONE ||
          !g)
        throw gdal_error("cannot decode a record's geometry");
      f->SetGeometryDirectly(g);
    }
    if (replace) {
      f->SetFID(row.fid);
      if (m_layer->SetFeature(f.get()) != OGRERR_NONE)
        throw gdal_error("cannot replace feature " + std::to_string(row.fid) + " in '" + m_path +
                         "'" + last_gdal_error());
    } else if (m_layer->CreateFeature(f.get()) != OGRERR_NONE) {
      throw gdal_error("cannot add a feature to '" + m_path + "'" + last_gdal_error());
    }
    return f->GetFID();
  }

  GDALDatasetUniquePtr m_ds;
  OGRLayer* m_layer = nullptr;    // owned by m_ds
  OGRLayer* m_history = nullptr;  // owned by m_ds
  std::string m_path;
};

namespace {
std::string now_utc() {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  return util::format_iso_datetime(ms / 1000 * 1000, false);
}

std::vector<std::string> all_soorten(const geo::StoreConfig& store) {
  std::vector<std::string> out;
  for (const auto& c : store.collections)
    for (const auto& s : c.soort)
      if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  return out;
}

/// The rows of `table` converted to `columns` (by name): values that do not convert are left
/// null and reported in `messages`.
std::vector<geo::TableRow> convert_rows(const geo::Table& table,
                                        const std::vector<geo::TableField>& columns, int c_id,
                                        std::vector<std::string>& messages) {
  std::vector<int> from(columns.size(), -1);
  for (std::size_t i = 0; i < columns.size(); ++i)
    for (std::size_t j = 0; j < table.fields.size(); ++j)
      if (table.fields[j].name == columns[i].name) from[i] = static_cast<int>(j);
  std::vector<geo::TableRow> out;
  for (const auto& row : table.rows) {
    geo::TableRow r;
    r.fid = -1;
    r.wkb = row.wkb;
    r.values.resize(columns.size());
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (from[i] < 0) continue;
      const auto& v = row.values[static_cast<std::size_t>(from[i])];
      if (!v || v->empty()) continue;
      std::string error;
      r.values[i] = convert_text(*v, columns[i].type, error);
      if (!r.values[i]) {
        const std::string id = c_id >= 0 && row.values[static_cast<std::size_t>(c_id)]
                                   ? *row.values[static_cast<std::size_t>(c_id)]
                                   : std::to_string(row.fid);
        messages.push_back("store: " + id + ": " + columns[i].name + " " + error +
                           " (left empty; the value is in " + table.source + ")");
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

bool same_columns(const std::vector<geo::TableField>& a, const std::vector<geo::TableField>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].name != b[i].name || a[i].type != b[i].type) return false;
  return true;
}

/// Write a new store file at `path` atomically: beside it, then linked into place (a hard link
/// never replaces a store another server has just created). Returns false when another process
/// created it first.
bool create_store_file(const std::string& path, const std::vector<geo::TableField>& fields,
                       const std::vector<geo::TableRow>& rows,
                       const std::vector<HistoryEntry>& history, bool replace_existing) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::path(path).has_parent_path()) fs::create_directories(fs::path(path).parent_path(), ec);
  const std::string tmp = path + ".new-" + std::to_string(::getpid()) + ".gpkg";
  fs::remove(tmp, ec);
  try {
    StoreFile::create(tmp, fields, rows, history);
  } catch (...) {
    fs::remove(tmp, ec);
    throw;
  }
  if (replace_existing) {
    fs::rename(tmp, path, ec);
    if (ec) {
      fs::remove(tmp, ec);
      throw gdal_error("cannot replace the store '" + path + "'");
    }
    return true;
  }
  fs::create_hard_link(tmp, path, ec);
  bool linked = !ec;
  if (!linked && ec != std::errc::file_exists && !fs::exists(path)) {
    fs::rename(tmp, path, ec);
    linked = !ec;
  }
  fs::remove(tmp, ec);
  if (!linked && !fs::exists(path)) throw gdal_error("cannot create the store '" + path + "'");
  return linked;
}

std::vector<HistoryEntry> read_history(const geo::Config& config, const std::string& path) {
  std::vector<HistoryEntry> out;
  geo::SourceConfig source;
  source.sources = {path};
  source.layer = kHistory;
  std::vector<std::string> tried;
  auto t = geo::read_table(config, source, 28992, tried);
  if (!t) return out;
  auto col = [&](const char* n) {
    for (std::size_t i = 0; i < t->fields.size(); ++i)
      if (t->fields[i].name == n) return static_cast<int>(i);
    return -1;
  };
  const int ci = col("record_id"), co = col("op"), ca = col("actor"), ct = col("at"),
            cb = col("before"), cf = col("after");
  auto get = [](const geo::TableRow& r, int c) {
    return c >= 0 && r.values[static_cast<std::size_t>(c)] ? *r.values[static_cast<std::size_t>(c)]
                                                           : std::string();
  };
  for (const auto& r : t->rows)
    out.push_back(HistoryEntry{r.fid, get(r, ci), get(r, co), get(r, ca), get(r, ct), get(r, cb),
                               get(r, cf)});
  return out;
}
}  // namespace

bool if_match_matches(const std::string& header, const std::string& etag) {
  for (auto part : util::split_trimmed(header, ',')) {
    if (part == "*") return true;
    if (part.substr(0, 2) == "W/") continue;  // weak: never matches (strong comparison)
    if (part == etag) return true;
  }
  return false;
}

std::shared_ptr<FeatureStore> FeatureStore::open(const geo::Config& config,
                                                 std::shared_ptr<const geo::AreaModel> model,
                                                 std::shared_ptr<const geo::Geocoder> geocoder,
                                                 std::vector<std::string>& messages) {
  std::shared_ptr<FeatureStore> s(new FeatureStore());
  s->m_config = config;
  s->m_model = std::move(model);
  s->m_geocoder = std::move(geocoder);
  s->m_path = config.resolve(config.store.path);
  s->m_to_wgs = std::make_unique<geo::Transformer>(4326, 28992);
  namespace fs = std::filesystem;
  std::optional<StoreSchemaDef> def;
  if (!config.store.schema.empty()) {
    def = StoreSchemaDef::load(config.store.schema, all_soorten(config.store));
    for (const auto& c : config.store.collections)
      if (!c.start_field.empty() && !c.end_field.empty() &&
          std::find(def->intervals.begin(), def->intervals.end(),
                    std::pair(c.start_field, c.end_field)) == def->intervals.end())
        def->intervals.emplace_back(c.start_field, c.end_field);
  }

  if (!fs::exists(s->m_path)) {
    // Seed a new GeoPackage from store.source, in the schema's columns.
    std::vector<std::string> tried;
    auto table = geo::read_table(config, config.store.source, 28992, tried);
    if (!table) {
      std::string msg = "no store source could be opened (to seed " + s->m_path + "):";
      for (const auto& t : tried) msg += "\n  " + t;
      throw config_error("store.source.sources", msg);
    }
    std::vector<geo::TableField> fields = def ? def->columns(table->fields) : table->fields;
    if (std::none_of(fields.begin(), fields.end(),
                     [&](const geo::TableField& f) { return f.name == config.store.id_field; })) {
      fields.insert(fields.begin(),
                    geo::TableField{config.store.id_field, geo::TableField::Type::String});
      table->fields.push_back(
          geo::TableField{config.store.id_field, geo::TableField::Type::String});
      for (auto& row : table->rows) row.values.push_back(std::to_string(row.fid));
    }
    const StoreSchema seed = StoreSchema::make(table->fields, config.store);
    auto rows = convert_rows(*table, fields, seed.c_id, messages);
    if (create_store_file(s->m_path, fields, rows, {}, false))
      messages.push_back("store: created " + s->m_path + " from " + table->source + " (" +
                         std::to_string(rows.size()) + " records)");
  }

  geo::SourceConfig source;
  source.sources = {s->m_path};
  source.layer = kLayer;
  std::vector<std::string> tried;
  auto table = geo::read_table(config, source, 28992, tried);
  if (!table) {
    std::string msg = "cannot read the store:";
    for (const auto& t : tried) msg += "\n  " + t;
    throw config_error("store.path", msg);
  }
  if (def && !same_columns(table->fields, def->columns(table->fields))) {
    // Migrate to the schema: a new file with its columns (values converted; history kept), the
    // old file kept beside it.
    const auto fields = def->columns(table->fields);
    const StoreSchema old = StoreSchema::make(table->fields, config.store);
    auto rows = convert_rows(*table, fields, old.c_id, messages);
    const auto history = read_history(config, s->m_path);
    const std::string backup =
        s->m_path + ".before-schema-" +
        std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count()) +
        ".gpkg";
    std::error_code ec;
    fs::copy_file(s->m_path, backup, ec);
    if (ec) throw gdal_error("cannot keep a copy of the store before migrating it: " + backup);
    create_store_file(s->m_path, fields, rows, history, true);
    messages.push_back("store: migrated " + s->m_path + " to the schema " + config.store.schema +
                       " (the previous file is " + backup + ")");
    tried.clear();
    table = geo::read_table(config, source, 28992, tried);
    if (!table) throw config_error("store.path", "cannot read the migrated store " + s->m_path);
  }
  s->m_schema = StoreSchema::make(table->fields, config.store, def);
  // ETags are of the full representation (no field private), as the full view serves it.
  s->m_etag_fields.fields = s->m_schema.fields;
  for (auto& f : s->m_etag_fields.fields) f.is_private = false;
  if (s->m_schema.c_id < 0)
    throw config_error("store.id_field", "the store '" + s->m_path + "' has no column '" +
                                             config.store.id_field + "'");
  messages.push_back("store: " + std::to_string(table->rows.size()) + " records from " +
                     table->source);
  for (auto& row : table->rows) {
    s->m_entries.push_back(s->place(std::move(row)));
    if (!s->m_entries.back().placed.result.placed())
      messages.push_back(not_placed_message(s->m_entries.back().placed));
  }
  // The GeoPackage is opened for update at the first write: servers that only read (the
  // tests start many at once on the same file) never take SQLite's write lock.
  return s;
}

FeatureStore::~FeatureStore() = default;

StoreFile& FeatureStore::file() {
  if (!m_file) m_file = std::make_unique<StoreFile>(m_path);
  return *m_file;
}

FeatureStore::Entry FeatureStore::place(geo::TableRow row) const {
  Entry e;
  e.placed = place_record(m_schema, row, *m_model, m_geocoder.get(), *m_to_wgs);
  e.row = std::move(row);
  e.etag = feature_etag(m_etag_fields, e.placed.feature);
  return e;
}

RecordValues FeatureStore::values_of(const geo::TableRow& row) const {
  RecordValues out;
  for (std::size_t i = 0; i < m_schema.source.size() && i < row.values.size(); ++i)
    out[m_schema.source[i].name] = row.values[i];
  return out;
}

std::string FeatureStore::history_json(const Entry* e) const {
  using json = nlohmann::json;
  if (!e) return "null";
  json props = json::object();
  for (std::size_t i = 0; i < m_schema.n_source; ++i) {
    const Value& v = e->placed.feature.values[i];
    const std::string& name = m_schema.fields[i].name;
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::monostate>)
            props[name] = nullptr;
          else
            props[name] = x;
        },
        v);
  }
  json geometry = nullptr;
  if (e->placed.feature.wgs84.type == geo::GeometryType::Point && !e->row.wkb.empty()) {
    const auto& p = e->placed.feature.wgs84.parts[0][0][0];
    geometry = {{"type", "Point"}, {"coordinates", {p.x, p.y}}};
  }
  return json{{"properties", props}, {"geometry", geometry}}.dump();
}

std::size_t FeatureStore::find(const std::string& id) const {
  for (std::size_t i = 0; i < m_entries.size(); ++i)
    if (m_entries[i].placed.feature.id == id) return i;
  return std::string::npos;
}

StoreLoad FeatureStore::build(bool full) const {
  std::vector<const PlacedRecord*> records;
  records.reserve(m_entries.size());
  const int c_status =
      m_schema.def && m_schema.def->status ? m_schema.index_of(m_schema.def->status->field) : -1;
  for (const auto& e : m_entries) {
    if (!full && m_schema.def && c_status >= 0 &&
        static_cast<std::size_t>(c_status) < m_schema.n_source) {
      const auto& v = e.row.values[static_cast<std::size_t>(c_status)];
      if (!m_schema.def->is_public(e.placed.soort, v)) continue;
    }
    records.push_back(&e.placed);
  }
  return build_store(m_config, m_schema, records, *m_model, full);
}

StoreLoad FeatureStore::snapshot(bool full) const {
  std::lock_guard lock(m_mutex);
  return build(full);
}

void FeatureStore::publish_to(Catalogue* public_catalogue, Catalogue* full_catalogue) {
  std::lock_guard lock(m_mutex);
  m_public = public_catalogue;
  m_full = full_catalogue;
}

void FeatureStore::publish() const {
  // The store collections and the boundaries with their new counts, swapped in together.
  for (const bool full : {false, true}) {
    Catalogue* target = full ? m_full : m_public;
    if (!target) continue;
    StoreLoad s = build(full);
    std::vector<CollectionPtr> all = s.collections;
    for (auto& c : boundary_collections(*m_model, s.counts)) all.push_back(c);
    target->replace_all(all);
  }
}

std::optional<std::string> FeatureStore::soort_of(const std::string& id) const {
  std::lock_guard lock(m_mutex);
  const std::size_t i = find(id);
  if (i == std::string::npos) return std::nullopt;
  return m_entries[i].placed.soort;
}

std::optional<StoredRecord> FeatureStore::get(const std::string& id) const {
  std::lock_guard lock(m_mutex);
  const std::size_t i = find(id);
  if (i == std::string::npos) return std::nullopt;
  const Entry& e = m_entries[i];
  StoredRecord r;
  r.id = id;
  r.soort = e.placed.soort;
  r.etag = e.etag;
  r.values = values_of(e.row);
  r.result = e.placed.result;
  if (!e.row.wkb.empty() && e.placed.feature.wgs84.type == geo::GeometryType::Point)
    r.point_crs84 = e.placed.feature.wgs84.parts[0][0][0];
  if (m_schema.def && m_schema.def->status) {
    auto it = r.values.find(m_schema.def->status->field);
    r.is_public =
        m_schema.def->is_public(r.soort, it == r.values.end() ? std::nullopt : it->second);
  }
  return r;
}

std::vector<HistoryEntry> FeatureStore::history(const std::string& id) const {
  std::lock_guard lock(m_mutex);
  return const_cast<FeatureStore*>(this)->file().history(id);
}

std::size_t FeatureStore::waiting() const {
  std::lock_guard lock(m_mutex);
  if (!m_schema.def || !m_schema.def->status) return 0;
  const auto& wf = *m_schema.def->status;
  const int c = m_schema.index_of(wf.field);
  if (c < 0 || static_cast<std::size_t>(c) >= m_schema.n_source) return 0;
  std::size_t n = 0;
  for (const auto& e : m_entries)
    if (wf.soorten.count(e.placed.soort) && e.row.values[static_cast<std::size_t>(c)] == wf.initial)
      ++n;
  return n;
}

struct FeatureStore::Pending {
  std::vector<StoreFile::Op> ops;
  std::map<std::string, std::optional<Entry>> overlay;  // id -> its new state (nullopt: gone)
};

WriteResult FeatureStore::prepare(const WriteRequest& w, Pending& pending,
                                  const std::string& now) const {
  WriteResult out;
  out.id = w.record.id;
  const Entry* cur = nullptr;
  if (auto it = pending.overlay.find(w.record.id); it != pending.overlay.end()) {
    cur = it->second ? &*it->second : nullptr;
  } else if (const std::size_t i = find(w.record.id); i != std::string::npos) {
    cur = &m_entries[i];
  }
  const auto in_collection = [&](const Entry& e) {
    return w.soorten.empty() ||
           std::find(w.soorten.begin(), w.soorten.end(), e.placed.soort) != w.soorten.end();
  };
  if (w.record.id.empty()) {
    out.outcome = WriteOutcome::Invalid;
    out.problems.push_back({m_config.store.id_field, "is required"});
    return out;
  }
  if (w.op == WriteOp::Create) {
    if (cur) {
      out.outcome = WriteOutcome::Conflict;
      return out;
    }
  } else {
    if (!cur || !in_collection(*cur)) {
      out.outcome = WriteOutcome::NotFound;
      return out;
    }
    out.soort = cur->placed.soort;
    if (w.if_match && !if_match_matches(*w.if_match, cur->etag)) {
      out.outcome = WriteOutcome::PreconditionFailed;
      out.etag = cur->etag;
      return out;
    }
  }
  HistoryEntry h;
  h.record_id = w.record.id;
  h.actor = w.actor;
  h.at = now;
  h.before = history_json(cur);
  const char* op_names[] = {"create", "replace", "patch", "delete"};
  h.op = op_names[static_cast<int>(w.op)];

  if (w.op == WriteOp::Delete) {
    h.after = "null";
    StoreFile::Op op;
    op.kind = StoreFile::Op::Kind::Delete;
    op.id = w.record.id;
    op.row.fid = cur->row.fid;
    op.history = std::move(h);
    pending.ops.push_back(std::move(op));
    pending.overlay[w.record.id] = std::nullopt;
    out.outcome = WriteOutcome::Deleted;
    return out;
  }

  // The new row: from nothing (create, replace) or from the current one (patch).
  const std::size_t n = m_schema.source.size();
  geo::TableRow row;
  row.values.resize(n);
  if (w.op == WriteOp::Patch) row = cur->row;
  if (cur) row.fid = cur->row.fid;
  auto column = [&](const std::string& name) -> int {
    for (std::size_t i = 0; i < n; ++i)
      if (m_schema.source[i].name == name) return static_cast<int>(i);
    return -1;
  };
  for (const auto& [name, value] : w.record.values) {
    const int c = column(name);
    if (c < 0) {
      out.problems.push_back({name, "is not a field of the store"});
      continue;
    }
    const SchemaField* sf = m_schema.def ? m_schema.def->field(name) : nullptr;
    if (sf && sf->system && !w.submission) continue;  // kept by the store
    if (!value || value->empty()) {
      row.values[static_cast<std::size_t>(c)] = std::nullopt;
      continue;
    }
    std::string error;
    auto v = convert_text(*value, m_schema.source[static_cast<std::size_t>(c)].type, error);
    if (!v) {
      out.problems.push_back({name, error});
      continue;
    }
    row.values[static_cast<std::size_t>(c)] = std::move(v);
  }
  row.values[static_cast<std::size_t>(m_schema.c_id)] = w.record.id;
  // System columns: kept from the current row, set by the store.
  if (m_schema.def) {
    for (const auto& f : m_schema.def->fields) {
      if (!f.system) continue;
      const int c = column(f.name);
      if (c < 0) continue;
      if (cur && w.op == WriteOp::Replace)
        row.values[static_cast<std::size_t>(c)] = cur->row.values[static_cast<std::size_t>(c)];
      if (f.name == "aangemaakt_op" && !cur) row.values[static_cast<std::size_t>(c)] = now;
      if (f.name == "aangemaakt_door" && !cur)
        row.values[static_cast<std::size_t>(c)] =
            w.actor.empty() ? std::nullopt : std::optional(w.actor);
      if (f.name == "gewijzigd_op") row.values[static_cast<std::size_t>(c)] = now;
      if (f.name == "gewijzigd_door")
        row.values[static_cast<std::size_t>(c)] =
            w.actor.empty() ? std::nullopt : std::optional(w.actor);
    }
    if (w.submission && m_schema.def->status) {
      const int c = column(m_schema.def->status->field);
      if (c >= 0) row.values[static_cast<std::size_t>(c)] = m_schema.def->status->initial;
    }
    // A decision gets its date when none is given.
    if (const auto& wf = m_schema.def->status; wf && !wf->decision_date_field.empty()) {
      const int cs = column(wf->field), cd = column(wf->decision_date_field);
      if (cs >= 0 && cd >= 0 && row.values[static_cast<std::size_t>(cs)] &&
          wf->decisions.count(*row.values[static_cast<std::size_t>(cs)]) &&
          !row.values[static_cast<std::size_t>(cd)] &&
          (!cur || cur->row.values[static_cast<std::size_t>(cs)] !=
                       row.values[static_cast<std::size_t>(cs)]))
        row.values[static_cast<std::size_t>(cd)] = now.substr(0, 10);
    }
  }
  // The point: given (create, replace, a patch that sets it), kept (a patch that does not).
  bool own_point = false;
  if (w.op != WriteOp::Patch || w.patch_point) {
    row.wkb.clear();
    if (w.record.point_crs84) {
      const geo::XY rd = m_to_wgs->forward(*w.record.point_crs84);
      OGRPoint p(rd.x, rd.y);
      row.wkb.resize(p.WkbSize());
      p.exportToWkb(wkbNDR, row.wkb.data(), wkbVariantIso);
      own_point = true;
    }
  }
  if (m_schema.def) {
    std::set<std::string> gebied_ids;
    for (const auto& g : m_model->gebieden()) gebied_ids.insert(g.config.id);
    const RecordValues before = cur ? values_of(cur->row) : RecordValues{};
    for (auto& p : m_schema.def->check_record(values_of(row), cur ? &before : nullptr,
                                              m_config.store.soort_field, gebied_ids))
      if (std::none_of(out.problems.begin(), out.problems.end(),
                       [&](const FieldProblem& q) { return q.field == p.field; }))
        out.problems.push_back(std::move(p));
  }
  Entry e = place(std::move(row));  // placed before anything is written
  if (own_point && !e.placed.result.placed()) {
    const geo::XY& p = *w.record.point_crs84;
    const geo::XY swapped = m_to_wgs->forward(geo::XY{p.y, p.x});
    if (m_model->locate_rd(swapped.x, swapped.y))
      out.problems.push_back({"geometry", "[" + std::to_string(p.x) + ", " + std::to_string(p.y) +
                                              "] is outside the gemeente, and swapped it is "
                                              "inside: GeoJSON coordinates are [lon, lat]"});
    else
      out.problems.push_back({"geometry", "the point is outside the gemeente " +
                                              m_model->gemeente().name +
                                              " (coordinates are "
                                              "[lon, lat] in CRS84 unless Content-Crs says "
                                              "otherwise)"});
  }
  if (!out.problems.empty()) {
    out.outcome = WriteOutcome::Invalid;
    return out;
  }
  h.after = history_json(&e);
  out.outcome = cur ? WriteOutcome::Replaced : WriteOutcome::Created;
  out.soort = e.placed.soort;
  out.result = e.placed.result;
  out.etag = e.etag;
  StoreFile::Op op;
  op.kind = cur ? StoreFile::Op::Kind::Set : StoreFile::Op::Kind::Insert;
  op.id = w.record.id;
  op.row = e.row;
  op.history = std::move(h);
  pending.ops.push_back(std::move(op));
  pending.overlay[w.record.id] = std::move(e);
  return out;
}

WriteResult FeatureStore::write(const WriteRequest& request) {
  return write_batch({request}, true).front();
}

std::vector<WriteResult> FeatureStore::write_batch(const std::vector<WriteRequest>& requests,
                                                   bool atomic) {
  std::lock_guard lock(m_mutex);
  const std::string now = now_utc();
  Pending pending;
  std::vector<WriteResult> out;
  bool failed = false;
  for (const auto& r : requests) {
    // A failed request adds nothing to `pending`.
    out.push_back(prepare(r, pending, now));
    if (!out.back().ok()) failed = true;
  }
  if (atomic && failed) {
    for (auto& r : out)
      if (r.ok()) r.outcome = WriteOutcome::RolledBack;
    return out;
  }
  if (pending.ops.empty()) return out;
  const auto inserted = file().apply(pending.ops);  // throws: nothing changed
  for (auto& [id, state] : pending.overlay) {
    const std::size_t i = find(id);
    if (!state) {
      if (i != std::string::npos)
        m_entries.erase(m_entries.begin() + static_cast<std::ptrdiff_t>(i));
      continue;
    }
    if (auto it = inserted.find(id); it != inserted.end() && state->row.fid < 0)
      state->row.fid = it->second;
    if (i == std::string::npos)
      m_entries.push_back(std::move(*state));
    else
      m_entries[i] = std::move(*state);
  }
  publish();
  return out;
}

}  // namespace gebieden::layers
