#pragma once
// The address register: a BAG extract (PDOK's verblijfsobject GeoPackage, or a CSV with x, y)
// indexed for exact look-up by postcode + house number, by woonplaats + street for street and
// typo-tolerant look-up, and by location (a grid) for the nearest address.
// Immutable after build(): safe to share between threads.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "geo/config.hpp"
#include "geo/geometry.hpp"

namespace gebieden::geo {

/// One address as read from a source, before indexing (also how tests build a register).
struct AddressRow {
  std::string identificatie;
  std::string straat;
  std::string
      huisnummer;  // "12"; a letter or addition here is split off when the columns are empty
  std::string huisletter;
  std::string toevoeging;
  std::string postcode;
  std::string woonplaats;
  double x = 0, y = 0;  // EPSG:28992
};

struct Address {
  std::string identificatie;
  std::uint32_t street = 0;  // index into AddressRegister::streets()
  int huisnummer = 0;
  std::string huisletter;  // upper case, "" when none
  std::string toevoeging;  // upper case, "" when none
  std::string postcode;    // "8911AB", "" when none
  XY rd;                   // EPSG:28992
};

/// A street of one woonplaats (the BAG openbare ruimte). Names whose keys are equal within a
/// woonplaats ("Dijkstraat"/"Dykstraat") share one entry, named after the first seen.
struct Street {
  std::string name;
  std::string key;    // street_key(name)
  std::string words;  // normalize_words(name): the name as spelled, for typos across a space
  std::uint32_t woonplaats = 0;
  std::vector<std::uint32_t> addresses;  // ascending
};

struct Woonplaats {
  std::string name;
  std::string key;  // place_key(name)
  std::vector<std::uint32_t> streets;
};

/// What loading did: shown by the command line, useful in logs.
struct RegisterLoadReport {
  std::string source;  // the path or URL that was read
  std::string layer;
  std::size_t rows = 0;      // features read
  std::size_t skipped = 0;   // rows without a usable house number, street, place or point
  std::size_t filtered = 0;  // rows outside the area or of another gemeente, left out
  std::vector<std::string> skipped_examples;  // the first few, with the reason
  std::vector<std::string> tried;             // sources that did not open, with the reason
  double seconds = 0;
};

/// A Frisian/Dutch pair of place names (data/plaatsnamen.csv). Either may be the woonplaats
/// name of the register; the other is then read as an alias of it.
struct PlaceAlias {
  std::string frisian;
  std::string dutch;
};

/// Read the alias CSV (header with `frisian_name` and `dutch_name`; other columns ignored).
/// Throws config_error when it cannot be read or lacks those columns.
std::vector<PlaceAlias> read_place_aliases(const std::string& path);

class AddressRegister {
 public:
  /// Index rows already in memory. Rows without a street, place, house number or finite point
  /// are skipped and counted in the report.
  static AddressRegister build(std::vector<AddressRow> rows);
  /// Read one path through GDAL with the field mapping of `source` (our names: identificatie,
  /// straat, huisnummer, huisletter, toevoeging, postcode, woonplaats, x, y, gemeentecode;
  /// defaults are the PDOK names). The point is the geometry (reprojected to EPSG:28992) or the
  /// x, y fields. Only addresses inside `rd_area` (when given) are kept, and, when the source
  /// has a gemeentecode field and `source.gemeente_filter` is set, only those of that gemeente:
  /// a national extract loads just the gemeente. Throws gdal_error when it cannot be read,
  /// config_error when a required field is missing.
  static AddressRegister load(const std::string& path, const SourceConfig& source,
                              const std::optional<Box>& rd_area = std::nullopt);
  /// Try config.addresses.sources in order (resolved against the config file); the first
  /// that opens wins. Throws config_error when none does.
  static AddressRegister load(const Config& config,
                              const std::optional<Box>& rd_area = std::nullopt);

  const std::vector<Address>& addresses() const { return m_addresses; }
  const std::vector<Street>& streets() const { return m_streets; }
  const std::vector<Woonplaats>& woonplaatsen() const { return m_woonplaatsen; }
  const RegisterLoadReport& report() const { return m_report; }

  const Street& street_of(const Address& a) const { return m_streets[a.street]; }
  const Woonplaats& woonplaats_of(const Address& a) const {
    return m_woonplaatsen[m_streets[a.street].woonplaats];
  }

  /// Every address with this postcode ("8911AB") and house number, any letter or addition.
  std::span<const std::uint32_t> at_postcode(std::string_view postcode, int huisnummer) const;
  /// Every address with this postcode, any number.
  std::span<const std::uint32_t> at_postcode(std::string_view postcode) const;
  /// Whether any address has a postcode in this 4-digit area (8911).
  bool has_postcode_area(int pc4) const;

  std::optional<std::uint32_t> woonplaats_by_key(std::string_view place_key) const;
  std::optional<std::uint32_t> street_in(std::uint32_t woonplaats,
                                         std::string_view street_key) const;
  /// Streets with this key in any woonplaats.
  std::vector<std::uint32_t> streets_by_key(std::string_view street_key) const;

  struct Nearest {
    std::uint32_t address = 0;
    double distance = 0;  // metres
  };
  /// The address nearest to an RD point, within max_distance metres.
  std::optional<Nearest> nearest(XY rd, double max_distance) const;

  /// The bytes the register's data structures hold (capacities, strings on the heap included,
  /// hash tables estimated): for the memory per address of the benchmark.
  std::size_t memory_bytes() const;

  /// "Kerkstraat 12A-2, 8911AB Grou".
  std::string label(std::uint32_t address) const;
  /// "12A-2".
  static std::string house_number_text(const Address& a);

 private:
  void build_grid();

  std::vector<Address> m_addresses;
  std::vector<Street> m_streets;
  std::vector<Woonplaats> m_woonplaatsen;
  RegisterLoadReport m_report;
  // Exact index: (postcode, number) packed into one integer, sorted; m_pc_address parallel.
  std::vector<std::uint64_t> m_pc_keys;
  std::vector<std::uint32_t> m_pc_address;
  std::vector<bool> m_pc4;  // 10000 flags
  std::unordered_map<std::string, std::uint32_t> m_woonplaats_by_key;
  std::unordered_map<std::string, std::vector<std::uint32_t>> m_streets_by_key;
  // Grid for nearest(): cells of m_cell metres over the bounding box, CSR layout.
  Box m_bbox;
  double m_cell = 100;
  std::size_t m_nx = 0, m_ny = 0;
  std::vector<std::uint32_t> m_cell_start;  // m_nx * m_ny + 1
  std::vector<std::uint32_t> m_cell_address;
};

}  // namespace gebieden::geo
