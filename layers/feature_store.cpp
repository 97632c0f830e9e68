#include "layers/feature_store.hpp"

#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>
#include <unistd.h>

#include <filesystem>
#include <system_error>

#include "geo/crs.hpp"
#include "geo/gdal_io.hpp"
#include "layers/boundaries.hpp"
#include "util/error.hpp"

namespace gebieden::layers {

namespace {
constexpr const char* kLayer = "store";

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
  explicit StoreFile(const std::string& path) : m_path(path) {
    m_ds.reset(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE));
    if (!m_ds)
      throw gdal_error("cannot open the store '" + path + "' for writing" + last_gdal_error());
    m_layer = m_ds->GetLayerByName(kLayer);
    if (!m_layer) throw gdal_error("the store '" + path + "' has no layer '" + kLayer + "'");
  }

  /// Create a new GeoPackage at `path` with `fields` and `rows`, in one transaction.
  static void create(const std::string& path, const std::vector<geo::TableField>& fields,
                     const std::vector<geo::TableRow>& rows) {
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
    StoreFile file(std::move(ds), layer, path);
    file.transaction([&] {
      for (const auto& row : rows) file.write(row, false);
    });
  }

  /// Insert `row`; returns its FID.
  long long insert(const geo::TableRow& row) {
    long long fid = -1;
    transaction([&] { fid = write(row, false); });
    return fid;
  }
  /// Replace the feature row.fid.
  void set(const geo::TableRow& row) {
    transaction([&] { write(row, true); });
  }
  void remove(long long fid) {
    transaction([&] {
      if (m_layer->DeleteFeature(fid) != OGRERR_NONE)
        throw gdal_error("cannot delete feature " + std::to_string(fid) + " from '" + m_path + "'" +
                         last_gdal_error());
    });
  }

 private:
  StoreFile(GDALDatasetUniquePtr ds, OGRLayer* layer, std::string path)
      : m_ds(std::move(ds)), m_layer(layer), m_path(std::move(path)) {}

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
  OGRLayer* m_layer = nullptr;  // owned by m_ds
  std::string m_path;
};

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

  if (!fs::exists(s->m_path)) {
    // Seed a new GeoPackage from store.source: write it beside, then link it into place, so
    // that a server starting at the same time never sees half a file.
    std::vector<std::string> tried;
    auto table = geo::read_table(config, config.store.source, 28992, tried);
    if (!table) {
      std::string msg = "no store source could be opened (to seed " + s->m_path + "):";
      for (const auto& t : tried) msg += "\n  " + t;
      throw config_error("store.source.sources", msg);
    }
    std::vector<geo::TableField> fields = table->fields;
    const StoreSchema seed = StoreSchema::make(fields, config.store);
    int c_id = seed.c_id;
    if (c_id < 0) {
      fields.push_back(geo::TableField{config.store.id_field, geo::TableField::Type::String});
      c_id = static_cast<int>(fields.size()) - 1;
      for (auto& row : table->rows) row.values.push_back(std::to_string(row.fid));
    }
    std::error_code ec;
    if (fs::path(s->m_path).has_parent_path())
      fs::create_directories(fs::path(s->m_path).parent_path(), ec);
    const std::string tmp = s->m_path + ".new-" + std::to_string(::getpid()) + ".gpkg";
    fs::remove(tmp, ec);
    try {
      StoreFile::create(tmp, fields, table->rows);
    } catch (...) {
      fs::remove(tmp, ec);
      throw;
    }
    // A hard link never replaces a store another server has just created; where the file
    // system has no hard links, a rename (which might) is the fallback.
    fs::create_hard_link(tmp, s->m_path, ec);
    bool linked = !ec;
    if (!linked && ec != std::errc::file_exists && !fs::exists(s->m_path)) {
      fs::rename(tmp, s->m_path, ec);
      linked = !ec;
    }
    fs::remove(tmp, ec);
    if (!linked && !fs::exists(s->m_path))
      throw gdal_error("cannot create the store '" + s->m_path + "'");
    if (linked)
      messages.push_back("store: created " + s->m_path + " from " + table->source + " (" +
                         std::to_string(table->rows.size()) + " records)");
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
  s->m_schema = StoreSchema::make(table->fields, config.store);
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
  return e;
}

geo::TableRow FeatureStore::to_row(const StoreRecordInput& record) const {
  geo::TableRow row;
  row.values.resize(m_schema.source.size());
  for (const auto& [name, value] : record.values) {
    for (std::size_t i = 0; i < m_schema.source.size(); ++i)
      if (m_schema.source[i].name == name) row.values[i] = value;
  }
  row.values[static_cast<std::size_t>(m_schema.c_id)] = record.id;
  if (record.point_crs84) {
    const geo::XY rd = m_to_wgs->forward(*record.point_crs84);
    OGRPoint p(rd.x, rd.y);
    row.wkb.resize(p.WkbSize());
    p.exportToWkb(wkbNDR, row.wkb.data(), wkbVariantIso);
  }
  return row;
}

std::size_t FeatureStore::find(const std::string& id) const {
  for (std::size_t i = 0; i < m_entries.size(); ++i)
    if (m_entries[i].placed.feature.id == id) return i;
  return std::string::npos;
}

StoreLoad FeatureStore::build() const {
  std::vector<const PlacedRecord*> records;
  records.reserve(m_entries.size());
  for (const auto& e : m_entries) records.push_back(&e.placed);
  return build_store(m_config, m_schema, records, *m_model);
}

StoreLoad FeatureStore::snapshot() const {
  std::lock_guard lock(m_mutex);
  return build();
}

void FeatureStore::publish(Catalogue& catalogue) const {
  StoreLoad s = build();
  // The store collections first, then the boundaries with their new counts: each swap is
  // atomic for its collection, and the OGC cache is keyed by snapshot.
  for (auto& c : s.collections) catalogue.replace(c);
  for (auto& c : boundary_collections(*m_model, s.counts))
    if (catalogue.get(c->id)) catalogue.replace(c);
}

std::optional<std::string> FeatureStore::soort_of(const std::string& id) const {
  std::lock_guard lock(m_mutex);
  const std::size_t i = find(id);
  if (i == std::string::npos) return std::nullopt;
  return m_entries[i].placed.soort;
}

WriteResult FeatureStore::create(const StoreRecordInput& record, Catalogue& catalogue) {
  std::lock_guard lock(m_mutex);
  WriteResult out;
  out.id = record.id;
  if (find(record.id) != std::string::npos) {
    out.outcome = WriteOutcome::Conflict;
    return out;
  }
  Entry e = place(to_row(record));  // placed before anything is written
  e.row.fid = file().insert(e.row);
  out.outcome = WriteOutcome::Created;
  out.soort = e.placed.soort;
  out.result = e.placed.result;
  m_entries.push_back(std::move(e));
  publish(catalogue);
  return out;
}

WriteResult FeatureStore::replace(const StoreRecordInput& record, Catalogue& catalogue) {
  std::lock_guard lock(m_mutex);
  WriteResult out;
  out.id = record.id;
  const std::size_t i = find(record.id);
  if (i == std::string::npos) return out;  // NotFound
  geo::TableRow row = to_row(record);
  row.fid = m_entries[i].row.fid;
  Entry e = place(std::move(row));
  file().set(e.row);
  out.outcome = WriteOutcome::Replaced;
  out.soort = e.placed.soort;
  out.result = e.placed.result;
  m_entries[i] = std::move(e);
  publish(catalogue);
  return out;
}

WriteResult FeatureStore::remove(const std::string& id, Catalogue& catalogue) {
  std::lock_guard lock(m_mutex);
  WriteResult out;
  out.id = id;
  const std::size_t i = find(id);
  if (i == std::string::npos) return out;  // NotFound
  file().remove(m_entries[i].row.fid);
  out.outcome = WriteOutcome::Deleted;
  out.soort = m_entries[i].placed.soort;
  m_entries.erase(m_entries.begin() + static_cast<std::ptrdiff_t>(i));
  publish(catalogue);
  return out;
}

}  // namespace gebieden::layers
