#pragma once
// `gebieden export --output FILE [--format gpkg|csv|geojson] [--private] [--history]`: the
// store's records (store.path of the configuration) to a file. By default the public view: no
// private fields and no record in a hidden status (FeatureStore::snapshot(false)), the same as
// the public API serves; --private writes every field and record (snapshot(true)). Every column,
// then the placement (buurtcode, buurtnaam, wijkcode, wijknaam, gebied, gebiednaam,
// geocode_status, geocode_reason, geocode_warning, geocode_adres, geocode_score) and
// point_source ("record": the record's own point; "geocoder": where the store placed it;
// empty: not placed). The geometry is the point: GeoJSON in CRS84, GeoPackage in EPSG:28992,
// CSV as the columns geocode_lon, geocode_lat (lat and lon are columns of the store already).
// --history writes the history table as CSV instead (seq, record_id, op, actor, at, before,
// after); it holds every value, so it needs --private. The file is written beside its place and
// renamed over it: a reader never sees half a file.
//
// `gebieden import` reads what this writes: export --private, import into an empty store, and
// the records are the same.
//
// Exit codes: 0 when it ran; 1 when the file cannot be written; 2 for a bad option or a
// configuration problem.

#include <iosfwd>
#include <string>

namespace CLI {
class App;
}

namespace gebieden::geo {
struct Config;
}

namespace gebieden::app {

struct ExportCliOptions {
  std::string output;
  std::string format;  // gpkg, csv, geojson; empty: from the extension
  bool with_private = false;
  bool history = false;
};

/// Declare -o/--output, --format, --private and --history.
void add_export_options(CLI::App& sub, ExportCliOptions& o);

/// Open the store of `config` and export; what was written on `out`, problems on `err`.
int run_export(const geo::Config& config, const ExportCliOptions& o, std::ostream& out,
               std::ostream& err);

}  // namespace gebieden::app
