#include "app/import_command.hpp"

#include <ogr_geometry.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <set>

#include "app/command_support.hpp"
#include "geo/address_register.hpp"
#include "geo/area_model.hpp"
#include "geo/config.hpp"
#include "geo/gdal_io.hpp"
#include "geo/geocoder.hpp"
#include "layers/feature_store.hpp"
#include "util/ascii.hpp"
#include "util/error.hpp"

namespace gebieden::app {

namespace {

namespace fs = std::filesystem;

/// Columns a file may have that are not stored: what the store computes (the placement) and
/// what `gebieden export` adds (the point and where it comes from).
bool is_derived_column(const std::string& name) {
  static const std::set<std::string> derived = {
      "buurtcode",       "buurtnaam",     "wijkcode",       "wijknaam",
      "gebied",          "gebiednaam",    "geocode_status", "geocode_reason",
      "geocode_warning", "geocode_adres", "geocode_score",  "geocode_lon",
      "geocode_lat",     "geocode_x",     "geocode_y",      "point_source"};
  return derived.count(name) > 0;
}

/// One record of the file, as the store would take it.
struct FileRecord {
  std::size_t row = 0;  // 1: the first record
  std::string id, soort;
  layers::RecordValues values;    // by stored column name, only the file's columns
  bool has_point_column = false;  // the file has a geometry (the row may have none)
  std::optional<geo::XY> point;   // CRS84
};

std::string row_label(const FileRecord& r) {
  return "row " + std::to_string(r.row) + (r.id.empty() ? "" : " (id " + r.id + ")");
}

/// The same point within about a centimetre.
bool same_point(const std::optional<geo::XY>& a, const std::optional<geo::XY>& b) {
  if (a.has_value() != b.has_value()) return false;
  if (!a) return true;
  return std::abs(a->x - b->x) < 1e-7 && std::abs(a->y - b->y) < 1e-7;
}

}  // namespace

OpenedStore open_store(const geo::Config& config, std::vector<std::string>& messages) {
  OpenedStore s;
  if (!config.store.enabled)
    throw config_error("store", "the configuration has no store (store.path, store.source)");
  s.model = std::make_shared<const geo::AreaModel>(geo::AreaModel::load(config));
  if (!config.addresses.sources.empty()) {
    std::optional<geo::Box> area;
    if (const geo::Box b = s.model->gemeente().rd.bbox(); b.valid)
      area = geo::Box{b.minx - 1000, b.miny - 1000, b.maxx + 1000, b.maxy + 1000, true};
    try {
      auto reg =
          std::make_shared<const geo::AddressRegister>(geo::AddressRegister::load(config, area));
      std::vector<geo::PlaceAlias> aliases;
      if (!config.place_aliases.empty())
        aliases = geo::read_place_aliases(config.resolve(config.place_aliases));
      auto model = s.model;
      s.geocoder = std::make_shared<const geo::Geocoder>(
          reg, [model](double x, double y) { return model->locate_rd(x, y); }, aliases);
    } catch (const config_error& e) {
      if (config.addresses.required) throw;
      messages.push_back(std::string("addresses: not loaded, geocoding is off: ") + e.what());
    }
  }
  s.store = layers::FeatureStore::open(config, s.model, s.geocoder, messages);
  return s;
}

void add_import_options(CLI::App& sub, ImportCliOptions& o) {
  sub.add_option("FILE", o.input, "the records: CSV, GeoJSON or GeoPackage (any GDAL source)")
      ->required();
  sub.add_flag("--dry-run", o.dry_run,
               "report what would be added, changed and removed; write nothing");
  sub.add_flag("--remove-missing", o.remove_missing,
               "remove records of the soorten in the file that the file does not have");
  sub.add_option("--as", o.actor, "who imports (history and gewijzigd_door; default: import)");
  sub.add_option("--layer", o.layer, "the layer of a file with several");
  sub.add_flag("--ignore-unknown", o.ignore_unknown,
               "skip columns the store does not have (default: an error naming them)");
}

int run_import(const geo::Config& config, const ImportCliOptions& o, std::ostream& out,
               std::ostream& err) {
  if (const std::string problem = check_input_file(o.input); !problem.empty()) {
    err << "import: " << problem << "\n";
    return 1;
  }
  // 1. The file: every column as text, the geometry in CRS84.
  std::vector<std::string> tried;
  geo::SourceConfig source;
  source.sources = {fs::absolute(o.input).string()};
  source.layer = o.layer;
  std::optional<geo::Table> table;
  {
    GdalMessages quiet;
    table = geo::read_table(config, source, 4326, tried);
  }
  if (!table) {
    err << "import: cannot read '" << o.input << "' as CSV, GeoJSON or GeoPackage"
        << (tried.empty() ? std::string() : ": " + tried.front()) << "\n";
    return 1;
  }

  std::vector<std::string> messages;
  OpenedStore opened = open_store(config, messages);
  layers::FeatureStore& store = *opened.store;
  const layers::StoreSchema& schema = store.schema();
  const std::string& id_field = config.store.id_field;
  const std::string& soort_field = config.store.soort_field;

  // 2. The file's columns against the store's.
  std::map<std::string, geo::TableField::Type> stored;  // lower-case name -> type
  std::map<std::string, std::string> stored_name;       // lower-case name -> the column's name
  std::set<std::string> system;
  for (const auto& f : schema.source) {
    stored[util::ascii_lower(f.name)] = f.type;
    stored_name[util::ascii_lower(f.name)] = f.name;
  }
  if (schema.def)
    for (const auto& f : schema.def->fields)
      if (f.system) system.insert(f.name);
  std::vector<int> column_of(table->fields.size(), -1);  // file column -> kept (1) or not
  std::vector<std::string> names(table->fields.size());
  std::vector<std::string> unknown;
  bool has_id = false;
  for (std::size_t i = 0; i < table->fields.size(); ++i) {
    const std::string lower = util::ascii_lower(table->fields[i].name);
    if (auto it = stored_name.find(lower); it != stored_name.end()) {
      names[i] = it->second;
      column_of[i] = 1;
      if (it->second == id_field) has_id = true;
    } else if (!is_derived_column(lower)) {
      unknown.push_back(table->fields[i].name);
    }
  }
  if (!unknown.empty() && !o.ignore_unknown) {
    std::string list;
    for (const auto& u : unknown) list += (list.empty() ? "" : ", ") + u;
    err << "import: '" << o.input << "' has columns the store does not have: " << list
        << " (use --ignore-unknown to skip them)\n";
    return 2;
  }
  if (!has_id) {
    err << "import: '" << o.input << "' has no column '" << id_field
        << "' (the external id of every record)\n";
    return 2;
  }
  int c_point_source = -1;
  for (std::size_t i = 0; i < table->fields.size(); ++i)
    if (util::ascii_lower(table->fields[i].name) == "point_source")
      c_point_source = static_cast<int>(i);
  const bool file_has_geometry = std::any_of(table->rows.begin(), table->rows.end(),
                                             [](const geo::TableRow& r) { return !r.wkb.empty(); });

  // 3. The records of the file.
  std::vector<FileRecord> records;
  std::vector<std::string> problems;
  std::map<std::string, std::size_t> seen;  // id -> row
  std::size_t row_number = 0;
  for (const auto& row : table->rows) {
    FileRecord r;
    r.row = ++row_number;
    for (std::size_t i = 0; i < table->fields.size(); ++i) {
      if (column_of[i] < 0) continue;
      const auto& v = row.values[i];
      r.values[names[i]] = v && !v->empty() ? v : std::nullopt;
    }
    r.id = r.values[id_field].value_or("");
    r.soort = r.values.count(soort_field) ? r.values[soort_field].value_or("") : "";
    if (r.id.empty()) {
      err << row_label(r) << ": " << id_field << ": is required (the external id); skipped\n";
      continue;
    }
    if (auto [it, fresh] = seen.emplace(r.id, r.row); !fresh) {
      problems.push_back(row_label(r) + ": " + id_field + ": also in row " +
                         std::to_string(it->second));
      continue;
    }
    r.has_point_column = file_has_geometry;
    const bool geocoded = c_point_source >= 0 && row.values[c_point_source] &&
                          *row.values[c_point_source] == "geocoder";
    if (!row.wkb.empty() && !geocoded) {
      OGRGeometry* g = nullptr;
      if (OGRGeometryFactory::createFromWkb(row.wkb.data(), nullptr, &g, row.wkb.size()) ==
              OGRERR_NONE &&
          g) {
        std::unique_ptr<OGRGeometry> owned(g);
        const OGRPoint p = point_of(*owned);
        if (!p.IsEmpty()) r.point = geo::XY{p.getX(), p.getY()};
      }
    }
    records.push_back(std::move(r));
  }

  // 4. Compared with the store: the writes.
  std::vector<layers::WriteRequest> requests;
  std::vector<std::string> request_label;  // per request: "row N (id X)" or "id X (removed)"
  std::size_t added = 0, changed = 0, unchanged = 0, removed = 0;
  const std::string actor = o.actor.empty() ? "import" : o.actor;
  for (const auto& r : records) {
    const auto current = store.get(r.id);
    layers::WriteRequest w;
    w.actor = actor;
    w.record.id = r.id;
    if (!current) {
      w.op = layers::WriteOp::Create;
      w.record.values = r.values;
      w.record.point_crs84 = r.point;
      ++added;
    } else {
      // The stored values, with the file's columns over them (system columns are the store's).
      bool differs = false;
      layers::RecordValues values = current->values;
      for (const auto& [name, v] : r.values) {
        std::optional<std::string> converted;
        if (v) {
          std::string error;
          converted = layers::convert_text(*v, stored[util::ascii_lower(name)], error);
          if (!converted) converted = v;  // the store reports it
        }
        values[name] = v;
        if (system.count(name)) continue;
        const auto it = current->values.find(name);
        const std::optional<std::string> before =
            it == current->values.end() ? std::nullopt : it->second;
        if (converted != before) differs = true;
      }
      const std::optional<geo::XY> point = r.has_point_column ? r.point : current->point_crs84;
      if (!same_point(point, current->point_crs84)) differs = true;
      if (!differs) {
        ++unchanged;
        continue;
      }
      w.op = layers::WriteOp::Replace;
      w.record.values = std::move(values);
      w.record.point_crs84 = point;
      ++changed;
    }
    requests.push_back(std::move(w));
    request_label.push_back(row_label(r));
  }
  if (o.remove_missing) {
    std::set<std::string> soorten;
    for (const auto& r : records)
      if (!r.soort.empty()) soorten.insert(r.soort);
    std::set<std::string> ids;
    for (const auto& c : store.snapshot(true).collections)
      for (const auto& f : c->features) ids.insert(f.id);
    for (const auto& id : ids) {
      if (seen.count(id)) continue;
      const auto soort = store.soort_of(id);
      if (!soort || !soorten.count(*soort)) continue;
      layers::WriteRequest w;
      w.op = layers::WriteOp::Delete;
      w.actor = actor;
      w.record.id = id;
      requests.push_back(std::move(w));
      request_label.push_back("id " + id + " (removed)");
      ++removed;
    }
  }

  // 5. One atomic batch. A dry run validates the same way: a last request that cannot succeed
  // (the delete of an id no record can have) rolls the batch back, so nothing is written.
  if (!requests.empty() && problems.empty()) {
    std::vector<layers::WriteRequest> batch = requests;
    if (o.dry_run) {
      layers::WriteRequest never;
      never.op = layers::WriteOp::Delete;
      never.record.id = std::string("\x01 dry run \x01");
      batch.push_back(std::move(never));
    }
    const std::vector<layers::WriteResult> results = store.write_batch(batch, true);
    for (std::size_t i = 0; i < requests.size(); ++i) {
      const layers::WriteResult& res = results[i];
      switch (res.outcome) {
        case layers::WriteOutcome::Invalid:
          for (const auto& p : res.problems)
            problems.push_back(request_label[i] + ": " + p.field + ": " + p.message);
          break;
        case layers::WriteOutcome::Conflict:
          problems.push_back(request_label[i] + ": " + id_field + ": exists already");
          break;
        case layers::WriteOutcome::NotFound:
          problems.push_back(request_label[i] + ": not found in the store");
          break;
        default:
          break;
      }
    }
  }

  for (const auto& m : messages)
    if (m.rfind("not placed:", 0) != 0 && m.rfind("store:", 0) != 0) err << m << "\n";
  if (!problems.empty()) {
    for (const auto& p : problems) err << p << "\n";
    err << "import: " << problems.size() << (problems.size() == 1 ? " problem" : " problems")
        << " in '" << o.input << "'; nothing was written\n";
    return 2;
  }
  const std::string counts = "add " + std::to_string(added) + ", change " +
                             std::to_string(changed) + ", remove " + std::to_string(removed) +
                             ", unchanged " + std::to_string(unchanged);
  if (o.dry_run) {
    out << "dry run: would " << counts << " (" << records.size() << " records in '" << o.input
        << "'; store " << store.path() << "); nothing written\n";
    return 0;
  }
  out << "imported '" << o.input << "' into " << store.path() << ": " << counts << "\n";
  if (!requests.empty())
    out << "note: a server running on this store serves these changes within "
        << config.store.sync_interval_ms << " ms (store.sync_interval_ms)\n";
  return 0;
}

}  // namespace gebieden::app
