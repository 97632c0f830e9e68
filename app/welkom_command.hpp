#pragma once
// `gebieden welkom --adressen FILE -o DIR [--taal nl|fy|en] [--jobs N]`: a welcome pack (PDF,
// print/welcome_pdf.hpp) for every address of a list, one file per address in DIR, named after
// its postcode and house number (welkom-8911AB-12A.pdf). FILE is
//  - a text file, one address per line as a person writes it ("Kerkstraat 12, Grou",
//    "8911AB 12"); empty lines and lines starting with '#' are skipped; or
//  - a CSV (comma, semicolon or tab; UTF-8 or Windows-1252) with a header naming either an
//    `adres` (or `address`, `q`) column, or address fields as the BAG-shaped register has them:
//    `postcode` + `huisnummer` (+ `huisletter`, `toevoeging`), or `openbare_ruimte_naam` (or
//    `straat`) + `huisnummer` + `woonplaats_naam` (or `woonplaats`, `plaats`).
// What could not be placed is said on stderr (line, address, reason) and written to
// DIR/niet-geplaatst.csv (regel, adres, reden, uitleg, detail; only the header when all were
// placed). A summary goes to stdout. The packs are made by a small pool of workers (--jobs,
// default: the number of cores).
//
// Exit codes: 0 when every address got its pack; 1 when one or more could not be placed, or
// for an input or output problem; 2 for a configuration or data problem.

#include <iosfwd>
#include <string>
#include <vector>

#include "geo/geocoder.hpp"

namespace CLI {
class App;
}

namespace gebieden::geo {
struct Config;
}
namespace gebieden::server {
struct ServiceState;
}

namespace gebieden::app {

struct WelkomCliOptions {
  std::string adressen;
  std::string output_dir;
  std::string taal = "nl";
  unsigned jobs = 0;  // 0: the number of cores
  std::string store;  // the store GeoPackage instead of store.path ("": the configuration's)
};

/// Declare --adressen, -o/--output, --taal and --jobs on the `welkom` subcommand.
void add_welkom_options(CLI::App& sub, WelkomCliOptions& o);

/// One address of the list: its line and what to geocode.
struct AddressLine {
  std::size_t line = 0;
  std::string text;  // as the report names it
  geo::GeocodeRequest request;
};

/// The addresses of FILE (see above). Throws command_error when it cannot be read or has none.
std::vector<AddressLine> read_address_list(const std::string& path);

/// Load the data of `config` (the service's state: boundaries, register, the store's public
/// view, styles) and run the batch.
int run_welkom(const geo::Config& config, const WelkomCliOptions& o, std::ostream& out,
               std::ostream& err);

/// The batch with the state already loaded.
int run_welkom(const server::ServiceState& state, const WelkomCliOptions& o, std::ostream& out,
               std::ostream& err);

}  // namespace gebieden::app
