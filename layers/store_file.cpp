#include "layers/store_file.hpp"

#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "geo/gdal_io.hpp"
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

std::string last_gdal_error() {
  const char* m = CPLGetLastErrorMsg();
  std::string out = m && *m ? std::string(": ") + m : std::string();
  for (char& c : out)
    if (c == '\n' || c == '\r') c = ' ';  // one log line
  return out;
}

/// The exception for a write that failed with `what`: a storage_error when GDAL's last error
/// (or errno) says that the disk is full, so that the server answers 507 instead of 500.
[[noreturn]] void write_failed(const std::string& what) {
  const std::string reason = last_gdal_error();
  if (says_storage_full(reason) || errno == ENOSPC)
    throw storage_error(what +
                        (reason.empty() ? std::string(": no space left on device") : reason));
  throw gdal_error(what + reason);
}

std::string sql_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("''") : std::string(1, c);
  return q + "'";
}

/// Run a statement that returns no rows, or whose rows are not needed.
void execute(GDALDataset& ds, const std::string& sql, const std::string& where) {
  CPLErrorReset();
  OGRLayer* result = ds.ExecuteSQL(sql.c_str(), nullptr, nullptr);
  if (result) ds.ReleaseResultSet(result);
  if (CPLGetLastErrorType() >= CE_Failure)
    throw gdal_error("'" + sql + "' failed on " + where + last_gdal_error());
}

/// The first value of a one-row query, as an integer (0 when none or null).
std::int64_t query_int(GDALDataset& ds, const std::string& sql, const std::string& where) {
  CPLErrorReset();
  OGRLayer* result = ds.ExecuteSQL(sql.c_str(), nullptr, nullptr);
  if (!result) throw gdal_error("'" + sql + "' failed on " + where + last_gdal_error());
  std::int64_t v = 0;
  if (OGRFeatureUniquePtr f(result->GetNextFeature()); f && f->IsFieldSetAndNotNull(0))
    v = f->GetFieldAsInteger64(0);
  ds.ReleaseResultSet(result);
  return v;
}

std::string query_text(GDALDataset& ds, const std::string& sql, const std::string& where) {
  CPLErrorReset();
  OGRLayer* result = ds.ExecuteSQL(sql.c_str(), nullptr, nullptr);
  if (!result) throw gdal_error("'" + sql + "' failed on " + where + last_gdal_error());
  std::string v;
  if (OGRFeatureUniquePtr f(result->GetNextFeature()); f && f->IsFieldSetAndNotNull(0))
    v = f->GetFieldAsString(0);
  ds.ReleaseResultSet(result);
  return v;
}

/// A GeoPackage connection: WAL (readers never wait for the writer, and what a crash leaves is
/// recovered on open), every commit on disk before it returns (synchronous FULL), and a wait of
/// up to 10 s for another process's lock instead of an error.
void sqlite_settings(GDALDataset& ds, const std::string& where) {
  execute(ds, "PRAGMA busy_timeout=10000", where);
  if (query_text(ds, "PRAGMA journal_mode", where) != "wal" &&
      query_text(ds, "PRAGMA journal_mode=WAL", where) != "wal")
    throw gdal_error("cannot put the store " + where + " in WAL mode" + last_gdal_error());
  execute(ds, "PRAGMA synchronous=FULL", where);
}

OGRLayer* create_history(GDALDataset& ds, const std::string& where) {
  const char* options[] = {"FID=fid", nullptr};
  OGRLayer* h = ds.CreateLayer(kHistory, nullptr, wkbNone, const_cast<char**>(options));
  if (!h) throw gdal_error("cannot create the history table in " + where + last_gdal_error());
  for (const char* name : {"record_id", "op", "actor", "at", "before", "after"}) {
    OGRFieldDefn defn(name, OFTString);
    if (h->CreateField(&defn) != OGRERR_NONE)
      throw gdal_error("cannot create the history field '" + std::string(name) + "' in " + where +
                       last_gdal_error());
  }
  return h;
}

std::vector<HistoryEntry> read_history(OGRLayer& layer) {
  std::vector<HistoryEntry> out;
  layer.ResetReading();
  for (OGRFeatureUniquePtr f(layer.GetNextFeature()); f; f.reset(layer.GetNextFeature())) {
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
  std::sort(out.begin(), out.end(),
            [](const HistoryEntry& a, const HistoryEntry& b) { return a.seq < b.seq; });
  return out;
}

/// The conninfo of a store.database value (a "PG:" prefix is accepted).
std::string conninfo_of(const std::string& database) {
  return database.rfind("PG:", 0) == 0 ? database.substr(3) : database;
}

std::string without_password(const std::string& conninfo) {
  std::string out;
  for (const auto part : util::split(conninfo, ' ')) {
    if (part.empty() || part.rfind("password=", 0) == 0) continue;
    if (!out.empty()) out += ' ';
    out += part;
  }
  return out;
}
}  // namespace

StoreLocation StoreLocation::of(const geo::Config& config) {
  StoreLocation l;
  l.id_column = config.store.id_field;
  if (!config.store.database.empty()) {
    l.postgis = true;
    const std::string ci = conninfo_of(config.store.database);
    l.name = "PG:" + ci;
    l.display = "PostgreSQL (" + without_password(ci) + ")";
  } else {
    l.name = config.resolve(config.store.path);
    l.display = l.name;
  }
  return l;
}

struct StoreFile::Handles {
  GDALDatasetUniquePtr ds;
  OGRLayer* layer = nullptr;    // owned by ds
  OGRLayer* history = nullptr;  // owned by ds
  StoreLocation where;

  std::int64_t write_history(const HistoryEntry& h) {
    OGRFeatureUniquePtr f(OGRFeature::CreateFeature(history->GetLayerDefn()));
    f->SetField("record_id", h.record_id.c_str());
    f->SetField("op", h.op.c_str());
    f->SetField("actor", h.actor.c_str());
    f->SetField("at", h.at.c_str());
    f->SetField("before", h.before.c_str());
    f->SetField("after", h.after.c_str());
    if (history->CreateFeature(f.get()) != OGRERR_NONE)
      write_failed("cannot write the history of '" + h.record_id + "' to " + where.display);
    return f->GetFID();
  }

  long long write(const geo::TableRow& row, bool replace) {
    OGRFeatureDefn* defn = layer->GetLayerDefn();
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
      g->assignSpatialReference(layer->GetSpatialRef());
      f->SetGeometryDirectly(g);
    }
    if (replace) {
      f->SetFID(row.fid);
      if (layer->SetFeature(f.get()) != OGRERR_NONE)
        write_failed("cannot replace feature " + std::to_string(row.fid) + " in " + where.display);
    } else if (layer->CreateFeature(f.get()) != OGRERR_NONE) {
      write_failed("cannot add a feature to " + where.display);
    }
    return f->GetFID();
  }

  /// Create the two tables in `ds` and fill them, in one transaction.
  void fill(const std::vector<geo::TableField>& fields, const std::vector<geo::TableRow>& rows,
            const std::vector<HistoryEntry>& hist) {
    OGRSpatialReference srs;
    srs.importFromEPSG(28992);
    srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    if (ds->StartTransaction() != OGRERR_NONE)
      throw gdal_error("cannot start a transaction on " + where.display + last_gdal_error());
    try {
      const char* options[] = {"FID=fid", "GEOMETRY_NAME=geom", nullptr};
      layer = ds->CreateLayer(kLayer, &srs, wkbPoint, const_cast<char**>(options));
      if (!layer)
        throw gdal_error("cannot create the store table in " + where.display + last_gdal_error());
      for (const auto& f : fields) {
        OGRFieldSubType sub;
        OGRFieldDefn defn(f.name.c_str(), ogr_type(f.type, sub));
        defn.SetSubType(sub);
        if (layer->CreateField(&defn) != OGRERR_NONE)
          throw gdal_error("cannot create the field '" + f.name + "' in " + where.display +
                           last_gdal_error());
      }
      history = create_history(*ds, where.display);
      for (const auto& row : rows) write(row, false);
      for (const auto& h : hist) write_history(h);
    } catch (...) {
      ds->RollbackTransaction();
      throw;
    }
    if (ds->CommitTransaction() != OGRERR_NONE)
      throw gdal_error("cannot commit to " + where.display + last_gdal_error());
    ds->FlushCache(false);
  }
};

StoreFile::StoreFile(const StoreLocation& where) : m_h(std::make_unique<Handles>()) {
  m_h->where = where;
  if (!where.postgis) {
    // Said now, not at the first write (docs/faults.md): a GeoPackage we may not write, or in
    // a folder where SQLite cannot make its -wal and -shm files.
    namespace fs = std::filesystem;
    const fs::path file(where.name);
    const fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
    if (::access(file.c_str(), W_OK) != 0)
      throw config_error("store", where.name + ": read-only (" + std::strerror(errno) +
                                      "); the server writes to its store");
    if (::access(dir.c_str(), W_OK) != 0)
      throw config_error("store", where.name + ": its folder " + dir.string() + " is read-only (" +
                                      std::strerror(errno) +
                                      "); SQLite keeps its -wal and -shm files there");
  }
  m_h->ds.reset(GDALDataset::Open(where.name.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE));
  if (!m_h->ds)
    throw gdal_error("cannot open the store " + where.display + " for writing" + last_gdal_error());
  try {
    const geo::GdalErrors quiet;  // GDAL's message is in ours, not on lines of its own
    prepare();
  } catch (const gdal_error& e) {
    if (where.postgis) throw;
    // Said at start-up, naming the file: a file another process holds locked (BEGIN
    // EXCLUSIVE) answers "database is locked" after the busy timeout.
    std::string why = e.what();
    for (char& c : why)
      if (c == '\n' || c == '\r') c = ' ';
    const bool locked =
        why.find("locked") != std::string::npos || why.find("busy") != std::string::npos;
    throw config_error(
        "store", where.name + (locked ? ": locked by another process (" : ": cannot be written (") +
                     why + ")");
  }
}

void StoreFile::prepare() {
  const StoreLocation& where = m_h->where;
  if (where.postgis) {
    execute(*m_h->ds, "SET TIME ZONE 'UTC'", where.display);
  } else {
    sqlite_settings(*m_h->ds, where.display);
  }
  m_h->layer = m_h->ds->GetLayerByName(kLayer);
  if (!m_h->layer)
    throw gdal_error("the store " + where.display + " has no table '" + kLayer + "'");
  m_h->history = m_h->ds->GetLayerByName(kHistory);
  if (!m_h->history) m_h->history = create_history(*m_h->ds, where.display);
  // Records are looked up by id (writes of other instances) and history by record.
  if (!where.id_column.empty() &&
      m_h->layer->GetLayerDefn()->GetFieldIndex(where.id_column.c_str()) >= 0)
    execute(*m_h->ds,
            std::string("CREATE INDEX IF NOT EXISTS store_id_idx ON ") + kLayer + " (\"" +
                where.id_column + "\")",
            where.display);
  execute(
      *m_h->ds,
      std::string("CREATE INDEX IF NOT EXISTS history_record_idx ON ") + kHistory + " (record_id)",
      where.display);
  if (!where.postgis) {
    // A write lock taken and given back, nothing written: a locked file is found now, not at
    // the first write.
    begin();
    try {
      execute(*m_h->ds, std::string("DELETE FROM ") + kHistory + " WHERE 0", where.display);
    } catch (...) {
      rollback();
      throw;
    }
    rollback();
  }
}

StoreFile::~StoreFile() = default;

bool StoreFile::exists(const StoreLocation& where) {
  if (!where.postgis) return std::filesystem::exists(where.name);
  GDALDatasetUniquePtr ds(GDALDataset::Open(where.name.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  if (!ds) throw gdal_error("cannot connect to the store " + where.display + last_gdal_error());
  return ds->GetLayerByName(kLayer) != nullptr;
}

bool StoreFile::create(const StoreLocation& where, const std::vector<geo::TableField>& fields,
                       const std::vector<geo::TableRow>& rows,
                       const std::vector<HistoryEntry>& history, bool replace) {
  if (where.postgis) {
    if (replace)
      throw config_error("store.database",
                         "the store in " + where.display +
                             " has other columns than the schema: migrating a PostGIS store is "
                             "not automatic (export it, drop the tables store and history, and "
                             "import it again)");
    Handles h;
    h.where = where;
    h.ds.reset(GDALDataset::Open(where.name.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE));
    if (!h.ds) throw gdal_error("cannot connect to the store " + where.display + last_gdal_error());
    try {
      h.fill(fields, rows, history);
    } catch (const gdal_error&) {
      // Another instance created it at the same moment: its tables are there now.
      if (exists(where)) return false;
      throw;
    }
    return true;
  }
  namespace fs = std::filesystem;
  const std::string& path = where.name;
  std::error_code ec;
  if (fs::path(path).has_parent_path()) fs::create_directories(fs::path(path).parent_path(), ec);
  const std::string tmp = path + ".new-" + std::to_string(::getpid()) + ".gpkg";
  fs::remove(tmp, ec);
  try {
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
    if (!driver) throw gdal_error("GDAL has no GPKG driver");
    Handles h;
    h.where = where;
    h.ds.reset(driver->Create(tmp.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    if (!h.ds) throw gdal_error("cannot create the store '" + tmp + "'" + last_gdal_error());
    sqlite_settings(*h.ds, tmp);
    h.fill(fields, rows, history);
  } catch (...) {
    fs::remove(tmp, ec);
    throw;
  }
  if (replace) {
    fs::rename(tmp, path, ec);
    if (ec) {
      fs::remove(tmp, ec);
      throw gdal_error("cannot replace the store '" + path + "'");
    }
    return true;
  }
  // A hard link never replaces a store another server has just created.
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

geo::Table StoreFile::table() {
  m_h->layer->SetAttributeFilter(nullptr);
  return geo::read_layer(*m_h->layer, m_h->where.display, 28992);
}

std::vector<geo::TableRow> StoreFile::rows_with_ids(const std::string& id_column,
                                                    const std::vector<std::string>& ids) {
  if (ids.empty()) return {};
  std::string filter = "\"" + id_column + "\" IN (";
  for (std::size_t i = 0; i < ids.size(); ++i) filter += (i ? "," : "") + sql_quote(ids[i]);
  filter += ")";
  if (m_h->layer->SetAttributeFilter(filter.c_str()) != OGRERR_NONE)
    throw gdal_error("cannot read records of " + m_h->where.display + last_gdal_error());
  geo::Table t;
  try {
    t = geo::read_layer(*m_h->layer, m_h->where.display, 28992);
  } catch (...) {
    m_h->layer->SetAttributeFilter(nullptr);
    throw;
  }
  m_h->layer->SetAttributeFilter(nullptr);
  return std::move(t.rows);
}

std::vector<HistoryEntry> StoreFile::history(const std::string& id) {
  m_h->history->SetAttributeFilter(id.empty() ? nullptr : ("record_id = " + sql_quote(id)).c_str());
  auto out = read_history(*m_h->history);
  m_h->history->SetAttributeFilter(nullptr);
  return out;
}

std::vector<HistoryEntry> StoreFile::history_since(std::int64_t seq) {
  const std::string fid = m_h->history->GetFIDColumn() && *m_h->history->GetFIDColumn()
                              ? m_h->history->GetFIDColumn()
                              : "fid";
  m_h->history->SetAttributeFilter(("\"" + fid + "\" > " + std::to_string(seq)).c_str());
  auto out = read_history(*m_h->history);
  m_h->history->SetAttributeFilter(nullptr);
  return out;
}

std::int64_t StoreFile::last_seq() {
  const std::string fid = m_h->history->GetFIDColumn() && *m_h->history->GetFIDColumn()
                              ? m_h->history->GetFIDColumn()
                              : "fid";
  return query_int(*m_h->ds, "SELECT max(\"" + fid + "\") FROM " + kHistory, m_h->where.display);
}

void StoreFile::begin() {
  CPLErrorReset();
  errno = 0;
  if (m_h->ds->StartTransaction() != OGRERR_NONE)
    write_failed("cannot start a transaction on " + m_h->where.display);
  if (m_h->where.postgis) {
    try {
      // Writers of every instance take turns (readers are not blocked by this mode).
      execute(*m_h->ds, std::string("LOCK TABLE ") + kHistory + " IN SHARE ROW EXCLUSIVE MODE",
              m_h->where.display);
    } catch (...) {
      m_h->ds->RollbackTransaction();
      throw;
    }
  }
}

void StoreFile::commit() {
  const geo::GdalErrors quiet;  // GDAL's message is in ours (one log line per failed write)
  if (m_h->ds->CommitTransaction() != OGRERR_NONE) {
    const std::string reason = last_gdal_error();
    const bool full = says_storage_full(reason) || errno == ENOSPC;
    m_h->ds->RollbackTransaction();
    const std::string what = "cannot commit to " + m_h->where.display + reason;
    if (full) throw storage_error(what);
    throw gdal_error(what);
  }
}

void StoreFile::rollback() {
  m_h->ds->RollbackTransaction();
}

std::map<std::string, long long> StoreFile::apply(const std::vector<Op>& ops,
                                                  std::int64_t& last_seq) {
  const geo::GdalErrors quiet;  // GDAL's message is in ours (write_failed)
  std::map<std::string, long long> inserted;
  for (const auto& op : ops) {
    switch (op.kind) {
      case Op::Kind::Insert:
        inserted[op.id] = m_h->write(op.row, false);
        break;
      case Op::Kind::Set: {
        geo::TableRow row = op.row;
        if (row.fid < 0 && inserted.count(op.id)) row.fid = inserted[op.id];
        m_h->write(row, true);
        break;
      }
      case Op::Kind::Delete: {
        long long fid = op.row.fid;
        if (fid < 0 && inserted.count(op.id)) fid = inserted[op.id];
        if (m_h->layer->DeleteFeature(fid) != OGRERR_NONE)
          write_failed("cannot delete feature " + std::to_string(fid) + " from " +
                       m_h->where.display);
        break;
      }
    }
    last_seq = std::max(last_seq, m_h->write_history(op.history));
  }
  return inserted;
}

}  // namespace gebieden::layers
