#include "app/export_command.hpp"

#include <gdal_priv.h>
#include <ogr_geometry.h>
#include <ogrsf_frmts.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <type_traits>
#include <variant>

#include "app/command_support.hpp"
#include "app/import_command.hpp"
#include "geo/config.hpp"
#include "layers/feature_store.hpp"
#include "util/ascii.hpp"
#include "util/error.hpp"

namespace gebieden::app {

namespace {

namespace fs = std::filesystem;

/// "gpkg", "csv" or "geojson" from --format or the extension; "" when neither says.
std::string format_of(const ExportCliOptions& o) {
  if (!o.format.empty()) {
    const std::string f = util::ascii_lower(o.format);
    return f == "gpkg" || f == "csv" || f == "geojson" ? f : "";
  }
  const std::string ext = util::ascii_lower(fs::path(o.output).extension().string());
  if (ext == ".gpkg") return "gpkg";
  if (ext == ".csv") return "csv";
  if (ext == ".geojson" || ext == ".json") return "geojson";
  return "";
}

/// A path beside `output`, with the same extension (GDAL picks drivers by it).
fs::path temp_beside(const fs::path& output) {
  return output.parent_path() / ("." + output.stem().string() + ".tmp" + std::to_string(getpid()) +
                                 output.extension().string());
}

std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

void write_history(const layers::FeatureStore& store, const fs::path& path) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw command_error("cannot write '" + path.string() + "'");
  out << "seq,record_id,op,actor,at,before,after\n";
  for (const auto& h : store.history(""))
    out << h.seq << "," << csv_cell(h.record_id) << "," << csv_cell(h.op) << ","
        << csv_cell(h.actor) << "," << csv_cell(h.at) << "," << csv_cell(h.before) << ","
        << csv_cell(h.after) << "\n";
  out.close();
  if (!out) throw command_error("cannot write '" + path.string() + "'");
}

OGRFieldType ogr_type(layers::FieldType t, OGRFieldSubType& sub) {
  sub = OFSTNone;
  switch (t) {
    case layers::FieldType::Integer:
      return OFTInteger64;
    case layers::FieldType::Double:
      return OFTReal;
    case layers::FieldType::Boolean:
      sub = OFSTBoolean;
      return OFTInteger;
    default:
      return OFTString;  // dates too: the RFC 3339 text as the store keeps it
  }
}

/// The records of `view` into a new dataset at `path`. Returns the number of records.
std::size_t write_records(const layers::FeatureStore& store, const layers::StoreLoad& view,
                          const std::string& format, const fs::path& path) {
  GdalMessages messages;
  const std::string driver_name = format == "gpkg" ? "GPKG" : format == "csv" ? "CSV" : "GeoJSON";
  GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(driver_name.c_str());
  if (!driver) throw command_error("GDAL has no " + driver_name + " driver");
  GDALDatasetUniquePtr ds(driver->Create(path.string().c_str(), 0, 0, 0, GDT_Unknown, nullptr));
  if (!ds) throw command_error("cannot create '" + path.string() + "': " + messages.last_error());
  CPLStringList options;
  if (format == "csv") options.AddString("STRING_QUOTING=IF_NEEDED");
  if (format == "geojson") {
    options.AddString("RFC7946=YES");
    options.AddString("COORDINATE_PRECISION=8");
  }
  if (format == "gpkg") options.AddString("GEOMETRY_NAME=geom");
  const int epsg = format == "gpkg" ? 28992 : 4326;
  OGRSpatialReference srs = gis_srs(epsg);
  const bool with_geometry = format != "csv";
  OGRLayer* layer = ds->CreateLayer("records", with_geometry ? &srs : nullptr,
                                    with_geometry ? wkbPoint : wkbNone, options.List());
  if (!layer) throw command_error("cannot create a layer in '" + path.string() + "'");

  // The fields: those of the store collections (all the same), the private ones only in the
  // full view (where none is marked private).
  std::vector<layers::Field> fields;
  if (!view.collections.empty()) fields = view.collections.front()->fields;
  std::vector<int> kept;  // index into fields -> output column
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].is_private) continue;
    OGRFieldSubType sub;
    OGRFieldDefn fd(fields[i].name.c_str(), ogr_type(fields[i].type, sub));
    fd.SetSubType(sub);
    if (layer->CreateField(&fd) != OGRERR_NONE)
      throw command_error("cannot create the column '" + fields[i].name + "'");
    kept.push_back(static_cast<int>(i));
  }
  auto add_string = [&](const char* name, OGRFieldType type) {
    OGRFieldDefn fd(name, type);
    if (layer->CreateField(&fd) != OGRERR_NONE)
      throw command_error(std::string("cannot create the column '") + name + "'");
    return layer->GetLayerDefn()->GetFieldIndex(name);
  };
  const int c_source = add_string("point_source", OFTString);
  int c_lon = -1, c_lat = -1;
  if (format == "csv") {
    c_lon = add_string("geocode_lon", OFTReal);
    c_lat = add_string("geocode_lat", OFTReal);
  }

  const bool transaction = ds->StartTransaction() == OGRERR_NONE;
  std::size_t n = 0;
  for (const auto& c : view.collections) {
    for (const auto& f : c->features) {
      OGRFeatureUniquePtr of(OGRFeature::CreateFeature(layer->GetLayerDefn()));
      for (std::size_t k = 0; k < kept.size(); ++k) {
        const layers::Value& v = f.values[static_cast<std::size_t>(kept[k])];
        const int col = static_cast<int>(k);
        std::visit(
            [&](const auto& x) {
              using T = std::decay_t<decltype(x)>;
              if constexpr (std::is_same_v<T, std::monostate>)
                of->SetFieldNull(col);
              else if constexpr (std::is_same_v<T, bool>)
                of->SetField(col, x ? 1 : 0);
              else if constexpr (std::is_same_v<T, std::int64_t>)
                of->SetField(col, static_cast<GIntBig>(x));
              else if constexpr (std::is_same_v<T, double>)
                of->SetField(col, x);
              else
                of->SetField(col, x.c_str());
            },
            v);
      }
      const bool placed = f.wgs84.type == geo::GeometryType::Point && !f.wgs84.parts.empty();
      if (placed) {
        const auto rec = store.get(f.id);
        of->SetField(c_source, rec && rec->point_crs84 ? "record" : "geocoder");
        const geo::XY ll = f.wgs84.parts[0][0][0];
        if (format == "csv") {
          of->SetField(c_lon, ll.x);
          of->SetField(c_lat, ll.y);
        } else {
          const geo::XY p =
              format == "gpkg" && f.rd.type == geo::GeometryType::Point ? f.rd.parts[0][0][0] : ll;
          of->SetGeometryDirectly(new OGRPoint(p.x, p.y));
        }
      }
      if (layer->CreateFeature(of.get()) != OGRERR_NONE)
        throw command_error("cannot write record " + f.id + ": " + messages.last_error());
      ++n;
    }
  }
  if (transaction && ds->CommitTransaction() != OGRERR_NONE)
    throw command_error("cannot write '" + path.string() + "': " + messages.last_error());
  ds.reset();  // flush and close
  if (!messages.errors().empty())
    throw command_error("cannot write '" + path.string() + "': " + messages.errors().front());
  return n;
}

}  // namespace

void add_export_options(CLI::App& sub, ExportCliOptions& o) {
  sub.add_option("-o,--output", o.output, "the file to write (.gpkg, .csv, .geojson)")->required();
  sub.add_option("--format", o.format, "gpkg, csv or geojson (default: from the extension)");
  sub.add_flag("--private", o.with_private,
               "every field and record (private fields, hidden statuses); default: public only");
  sub.add_flag("--history", o.history,
               "the history of every write as CSV instead of the records (needs --private)");
}

int run_export(const geo::Config& config, const ExportCliOptions& o, std::ostream& out,
               std::ostream& err) {
  const std::string format = o.history ? "csv" : format_of(o);
  if (format.empty()) {
    err << "export: "
        << (o.format.empty() ? "give the output the extension .gpkg, .csv or .geojson, or name "
                               "--format"
                             : "--format: must be gpkg, csv or geojson, not '" + o.format + "'")
        << "\n";
    return 2;
  }
  if (o.history && !o.with_private) {
    err << "export: --history writes every value of every write (private fields too): add "
           "--private\n";
    return 2;
  }
  const fs::path output = fs::absolute(o.output);
  if (std::error_code ec; fs::is_directory(output, ec)) {
    err << "export: '" << o.output << "' is a folder\n";
    return 1;
  }
  std::vector<std::string> messages;
  OpenedStore opened = open_store(config, messages);
  const fs::path temp = temp_beside(output);
  try {
    std::error_code ec;
    fs::remove(temp, ec);
    std::size_t n = 0;
    if (o.history) {
      write_history(*opened.store, temp);
      n = opened.store->history("").size();
    } else {
      n = write_records(*opened.store, opened.store->snapshot(o.with_private), format, temp);
    }
    fs::rename(temp, output);
    out << "exported " << n << (o.history ? " history rows" : " records") << " ("
        << (o.with_private ? "with" : "without") << " private fields) of " << opened.store->path()
        << " -> " << o.output << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::error_code ec;
    fs::remove(temp, ec);
    err << "export: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace gebieden::app
