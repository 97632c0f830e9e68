#pragma once
// `gebieden geocode INPUT -o OUTPUT`: place every row of a CSV, GeoJSON or GeoPackage file in
// its buurt, wijk and gebied. The output has every input row and column (it is the owner's
// file, private columns included) plus the result columns, and is CSV, GeoJSON or GeoPackage
// by its extension. Ends with a summary per gebied, per status and per reason on stdout.
// A CSV is read by us (one column is fine; UTF-8 with or without BOM, or Windows-1252, comma or
// semicolon: what Excel writes) and a CSV output is written back in the input's format.
//
// Exit codes: 0 when it ran (whatever it could not place); 1 for an input or output problem
// (missing, empty, neither UTF-8 nor Windows-1252, no location columns,
// unwritable); 2 for a configuration or data
// problem (no address register, no boundaries).

#include <iosfwd>
#include <string>

namespace CLI {
class App;
}

namespace gebieden::geo {
struct Config;
class Geocoder;
}  // namespace gebieden::geo

namespace gebieden::app {

struct GeocodeCliOptions {
  std::string input;
  std::string output;
  std::string layer;  // input layer, when the input has several
  // Column names that override recognition by name (empty: recognise straat, huisnummer,
  // postcode, plaats/woonplaats, lat/lon, x/y, adres/q, case-insensitive).
  std::string column_q;
  std::string column_straat;
  std::string column_huisnummer;
  std::string column_postcode;
  std::string column_plaats;
  std::string column_lat;
  std::string column_lon;
  std::string column_x;
  std::string column_y;
  // CSV output: encoding (utf-8, utf-8-bom, windows-1252), delimiter (comma, semicolon, tab) and
  // decimal separator (point, comma). Empty: as the input (a semicolon CSV gets decimal commas).
  std::string output_encoding;
  std::string output_delimiter;
  std::string output_decimal;
  bool progress = true;  // a progress bar on stderr, only when stderr is a terminal
};

/// Declare INPUT, -o/--output, --layer, --column-* and --no-progress on the `geocode` subcommand.
void add_geocode_options(CLI::App& sub, GeocodeCliOptions& o);

/// Load the address register, place aliases and area model named by the configuration, then
/// run the batch. Messages go to stderr, the summary to stdout.
int run_geocode(const geo::Config& config, const GeocodeCliOptions& o);

/// The batch itself, with a geocoder already built (tests, or a caller that keeps one loaded).
int run_geocode(const geo::Geocoder& geocoder, const GeocodeCliOptions& o, std::ostream& out,
                std::ostream& err);

/// Why this input cannot be read (missing, empty, not UTF-8, a line over 10 MB), or "" when it
/// looks fine. Cheap: run before loading any data.
std::string check_geocode_input(const std::string& path);

}  // namespace gebieden::app
