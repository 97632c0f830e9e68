#pragma once
// `gebieden import FILE`: records from a CSV, GeoJSON or GeoPackage file (any GDAL vector
// source) into the store (store.path of the configuration), keyed by the store's id field (the
// external id). Each record of the file is compared with the store: added (a new id), changed
// (a column of the file differs after conversion to the column's type, or the point differs),
// unchanged (skipped: a second import of the same file writes nothing, not even history), and
// with --remove-missing removed (in the store, of a soort that occurs in the file, but not in
// the file). Columns of the store that the file does not have keep their stored values; an
// empty cell clears one. The writes go through FeatureStore::write_batch as ONE atomic batch:
// when any row is invalid nothing is written, every problem is reported as
// "row N (id X): field: message" and the exit code is 2. --dry-run validates the same way and
// reports what would be added, changed and removed, and writes nothing.
//
// The point of a record is the file's own geometry (GeoJSON, GeoPackage; the centroid of a
// non-point), else the store geocodes the address / lat, lon / x, y columns as on every write.
// A file written by `gebieden export` says per record whether its geometry is the record's own
// point (point_source "record") or where the geocoder placed it ("geocoder": then the geometry
// is not taken, and the store places the record again), so an export imports as it was.
//
// The command writes the store file; a server running on the same store keeps its copy in
// memory and does not see the change until it is restarted (the output says so).
//
// Exit codes: 0 when it ran (also when nothing changed); 1 for a file that cannot be read;
// 2 for invalid rows, unknown columns, or a configuration problem.

#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace gebieden::geo {
struct Config;
class AreaModel;
class Geocoder;
}  // namespace gebieden::geo

namespace gebieden::layers {
class FeatureStore;
}

namespace gebieden::app {

struct ImportCliOptions {
  std::string input;
  std::string layer;     // the layer of a file with several
  std::string actor;     // --as: who writes (history, gewijzigd_door); default "import"
  bool dry_run = false;  // report only
  bool remove_missing = false;
  bool ignore_unknown = false;  // columns the store does not have: skipped, not an error
};

/// The area model, the geocoder (when addresses are configured) and the store of a
/// configuration: what import and export open. `messages` gets what was loaded.
struct OpenedStore {
  std::shared_ptr<const geo::AreaModel> model;
  std::shared_ptr<const geo::Geocoder> geocoder;
  std::shared_ptr<layers::FeatureStore> store;
};
OpenedStore open_store(const geo::Config& config, std::vector<std::string>& messages);

/// Declare FILE, --dry-run, --remove-missing, --as, --layer and --ignore-unknown.
void add_import_options(CLI::App& sub, ImportCliOptions& o);

/// Open the store of `config` and import; the report on `out`, problems on `err`.
int run_import(const geo::Config& config, const ImportCliOptions& o, std::ostream& out,
               std::ostream& err);

}  // namespace gebieden::app
