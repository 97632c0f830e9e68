#pragma once
// `gebieden reassign INPUT -o OUTPUT`: when the boundaries change (CBS publishes a new buurt
// layout every year), recompute the buurt, wijk and gebied of every placed record with the
// boundaries of the configuration, and report which records moved from where to where.
//
// The input is a file of placed records read through GDAL (CSV, GeoJSON, GeoPackage): the
// output of `gebieden geocode`, or any file with a point. The point is taken from, in order:
// explicit --column-x/--column-y (RD) or --column-lon/--column-lat (WGS84); the geocode result
// columns geocode_x/geocode_y (RD), else geocode_lon/geocode_lat; else x/y (RD) or lon/lat
// columns; else the feature's point geometry. When the geocode columns are present only they
// count: a row the geocoder could not place stays unplaced, whatever its raw columns say.
//
// The output has every input row and column in order; buurtcode, buurtnaam, wijkcode,
// wijknaam, gebied and gebiednaam are updated in place (added when missing), and
// vorige_buurtcode, vorige_wijkcode, vorige_gebied (the values before) and verplaatst ("yes" when
// the buurt, wijk or gebied changed, else "no") are set (added when missing: reassigning a
// reassigned file overwrites them). Nothing else is touched, geocode_status and geocode_reason
// included: they describe how the point was found, not where it lies.
//
// Exit codes: 0 when it ran; 1 for an input or output problem; 2 for a configuration or data
// problem (no boundaries).

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace gebieden::geo {
struct Config;
class AreaModel;
}  // namespace gebieden::geo

namespace gebieden::app {

struct ReassignCliOptions {
  std::string input;
  std::string output;
  std::string layer;  // input layer, when the input has several
  // Columns with the point, overriding recognition by name: RD (EPSG:28992) or WGS84.
  std::string column_x;
  std::string column_y;
  std::string column_lon;
  std::string column_lat;
};

/// One move at one level: `records` records were in `from` and are now in `to`. An empty
/// `from` means the record had no area before; an empty `to` that it is now outside the
/// gemeente.
struct AreaMove {
  std::string from, from_name;
  std::string to, to_name;
  std::size_t records = 0;
};

/// Kept and changed records at one level (buurt, wijk or gebied), over the records with a
/// usable point.
struct ReassignLevel {
  std::string level;            // "buurt", "wijk", "gebied"
  bool compared = false;        // the input had this level's column
  std::size_t kept = 0;         // the same (non-empty) area before and after
  std::size_t changed = 0;      // another area, or into / out of the gemeente: the sum of `moves`
  std::vector<AreaMove> moves;  // most records first, then by code
};

struct ReassignReport {
  std::string input, output;
  std::string location;     // where the points came from, e.g. "geocode_x, geocode_y (RD)"
  std::size_t buurten = 0;  // of the boundaries used
  std::size_t records = 0;
  // Each record is in exactly one of these six.
  std::size_t kept = 0;               // placed before and now, in the same buurt, wijk and gebied
  std::size_t moved = 0;              // placed before and now, in another buurt, wijk or gebied
  std::size_t now_outside = 0;        // placed before, now in no buurt of the gemeente
  std::size_t now_inside = 0;         // not placed before, now in a buurt
  std::size_t still_outside = 0;      // a point in no buurt, before or now
  std::size_t without_point = 0;      // no usable point: area columns emptied, vorige_* keep them
  std::size_t cleared = 0;            // of the records without a point: those that had an area
  std::size_t unreadable = 0;         // of the records without a point: values that are no point
  std::vector<std::string> problems;  // the first of those, with the row and why
  ReassignLevel buurt, wijk, gebied;
  double seconds = 0;
};

/// Declare INPUT, -o/--output, --layer and --column-x/-y/-lon/-lat on the `reassign` subcommand.
void add_reassign_options(CLI::App& sub, ReassignCliOptions& o);

/// Load the boundaries of the configuration, then reassign. Messages go to stderr, the report
/// to stdout.
int run_reassign(const geo::Config& config, const ReassignCliOptions& o);

/// Reassign with an area model already loaded (tests, or a caller that keeps one): the report
/// goes to `out`, problems to `err`.
int run_reassign(const geo::AreaModel& model, const ReassignCliOptions& o, std::ostream& out,
                 std::ostream& err);

/// The work itself: read, recompute, write. Throws gebieden::exception with a message for the
/// user when the input cannot be read or the output cannot be written (the output is removed).
ReassignReport reassign_file(const geo::AreaModel& model, const ReassignCliOptions& o);

/// The report as run_reassign prints it: the totals, then per level the moves as
/// "from → to: n records".
void print_reassign_report(std::ostream& out, const ReassignReport& report);

}  // namespace gebieden::app
