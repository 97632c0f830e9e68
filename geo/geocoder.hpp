#pragma once
// The geocoder: a record (free text, address fields or coordinates) -> a point and its buurt,
// wijk and gebied, with a status, a score and a reason or warning. Matching in order of trust:
// postcode + house number; street + house number + place (after normalisation, Frisian/Dutch
// place names, typo tolerance within one woonplaats); coordinates given directly (WGS84 or RD,
// swapped lat/lon detected).
//
// The engine never sees HTTP or files: front ends build a GeocodeRequest and render the
// GeocodeResult. Thread-safe: geocode() and reverse_*() are const and may run concurrently.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "geo/address_register.hpp"
#include "geo/area_model.hpp"
#include "geo/geometry.hpp"

namespace gebieden::geo {

class TransformerCache;

/// One record to place. Every member is optional text as the user typed it.
struct GeocodeRequest {
  std::optional<std::string> q;  // free text: "Kerkstraat 12a, Grou", "8911AB 12", "53.2, 5.8"
  std::optional<std::string> straat;
  std::optional<std::string> huisnummer;  // "12", "12a", "12 A", "12-2", "12 bis"
  std::optional<std::string> huisletter;  // when a source keeps them apart
  std::optional<std::string> toevoeging;
  std::optional<std::string> postcode;
  std::optional<std::string> plaats;
  std::optional<std::string> lat, lon;  // WGS84 degrees
  std::optional<std::string> x, y;      // RD New (EPSG:28992) metres
};

enum class GeocodeStatus {
  Address,      // matched an address of the register (exactly, or after normalisation)
  Fuzzy,        // matched after correcting a typo in the street or place name
  Coordinates,  // placed by the coordinates given
  Unmatched,    // not placed: see reason
  Outside,      // a point (given or found) outside the gemeente
};

/// "address", "fuzzy", "coordinates", "unmatched", "outside".
std::string_view status_name(GeocodeStatus status);

struct GeocodeResult {
  GeocodeStatus status = GeocodeStatus::Unmatched;
  double score = 0;           // 0..1: 1 exact, lower for each correction
  std::string address;        // the matched register address, "Kerkstraat 12A, 9001AB Grou"
  std::string identificatie;  // its BAG id
  std::optional<XY> wgs84;    // lon, lat
  std::optional<XY> rd;       // EPSG:28992
  std::string buurtcode, buurtnaam;
  std::string wijkcode, wijknaam;
  std::string gebied, gebiednaam;
  /// Why it was not placed, one of a fixed set of phrases: "unknown street", "no house number",
  /// "not in the address register", "outside the gemeente", "ambiguous", "unknown place",
  /// "no address", "invalid coordinates", "invalid input". Empty when placed.
  std::string reason;
  /// Human explanation of the reason: the candidates of an ambiguous match, the street that
  /// was not found, the value that is not a number.
  std::string detail;
  /// Corrections made to place it ("lat and lon were swapped", "typo corrected: ...", "Dutch
  /// place name Warga read as Wergea"), joined by "; ". Empty when none.
  std::string warning;
  std::optional<double> distance_m;  // reverse geocoding: query point -> address

  bool placed() const { return !buurtcode.empty(); }
};

/// Point (EPSG:28992) -> area; nullopt outside the gemeente. The real one is
/// `[&model](double x, double y) { return model.locate_rd(x, y); }`.
using AreaLocatorFn = std::function<std::optional<AreaRef>(double x_rd, double y_rd)>;

struct GeocoderOptions {
  /// Place a street without a house number when all its addresses (in that woonplaats) lie
  /// in one buurt, at the address nearest to their centre. Off: always "no house number".
  bool place_street_without_number = true;
  /// Longer input values are refused ("invalid input"), so a 50 MB cell costs nothing.
  std::size_t max_value_length = 500;
  /// reverse_*(): the nearest address must be within this distance.
  double reverse_max_distance_m = 250;
};

class Geocoder {
 public:
  /// `aliases`: Frisian/Dutch place name pairs; pairs naming no woonplaats of the register are
  /// listed in findings().
  Geocoder(std::shared_ptr<const AddressRegister> addresses, AreaLocatorFn locate,
           const std::vector<PlaceAlias>& aliases = {}, GeocoderOptions options = {});
  Geocoder(Geocoder&&) noexcept;
  Geocoder& operator=(Geocoder&&) noexcept;
  ~Geocoder();

  GeocodeResult geocode(const GeocodeRequest& request) const;

  /// The fast path of the commonest record: postcode + house number (+ letter, addition) as
  /// typed ("8914 gd", "12a") that name exactly one register address, normalised and looked up
  /// without building a result. nullopt when they do not name exactly one address as typed:
  /// geocode() then gives the full answer (a letter dropped, ambiguous, the reason).
  struct AddressHit {
    std::uint32_t address = 0;
    const AreaRef* area = nullptr;  // its buurt, wijk and gebied; nullptr outside the gemeente
  };
  std::optional<AddressHit> lookup_postcode(std::string_view postcode, std::string_view huisnummer,
                                            std::string_view huisletter = {},
                                            std::string_view toevoeging = {}) const;
  /// The nearest address to a point, with its area; "no address" when none is within
  /// options.reverse_max_distance_m, "outside the gemeente" (status outside) when the point
  /// also lies in no buurt. Swapped lat/lon (or x/y) are detected as by geocode(), with the
  /// warning "lat and lon were swapped".
  GeocodeResult reverse_rd(double x, double y) const;
  GeocodeResult reverse_wgs84(double lon, double lat) const;

  const AddressRegister& addresses() const { return *m_addresses; }
  /// Load remarks: alias pairs that name no woonplaats of the register, etc.
  const std::vector<std::string>& findings() const { return m_findings; }

  /// The woonplaats a place name means (own name, alias, or a 1-letter typo), with a warning
  /// when it was not the register's own name. nullopt when unknown.
  struct Place {
    std::uint32_t woonplaats = 0;
    std::string warning;
    double score = 1;
  };
  std::optional<Place> resolve_place(std::string_view name) const;

 private:
  struct Query;
  struct Match;
  GeocodeResult geocode_query(const Query& q) const;
  std::optional<GeocodeResult> by_postcode(const Query& q) const;
  std::optional<GeocodeResult> by_street(const Query& q) const;
  GeocodeResult by_coordinates(const Query& q) const;
  GeocodeResult reverse_point(XY rd) const;
  GeocodeResult finish(const Match& m) const;
  GeocodeResult street_without_number(std::uint32_t street, GeocodeStatus status, double score,
                                      std::string warning) const;
  GeocodeResult place_point(XY rd, GeocodeStatus status, double score, std::string warning) const;
  void fill_area(GeocodeResult& r, XY rd) const;
  /// fill_area for a register address, from the caches below.
  void fill_address_area(GeocodeResult& r, std::uint32_t address) const;
  /// The area of a register address (nullptr outside the gemeente), located once at start-up.
  const AreaRef* area_of_address(std::uint32_t address) const {
    const std::uint32_t i = m_address_area[address];
    return i == kNoArea ? nullptr : &m_areas[i];
  }
  /// The WGS84 point of a register address, transformed on first use and kept.
  XY wgs84_of_address(std::uint32_t address) const;

  std::shared_ptr<const AddressRegister> m_addresses;
  AreaLocatorFn m_locate;
  GeocoderOptions m_options;
  struct PlaceName {
    std::uint32_t woonplaats;
    std::string alias_of;  // empty: the register's own name
    bool dutch = false;    // the alias is the Dutch name
  };
  std::vector<std::pair<std::string, PlaceName>> m_places;  // key -> place, sorted by key
  std::vector<std::string> m_findings;
  std::unique_ptr<TransformerCache> m_transformers;
  // Per register address: its area (an index into m_areas, kNoArea outside), and its WGS84
  // point (NaN until first used; written lon first, then lat with release order, so a reader
  // that sees lat sees lon: concurrent first uses write the same values).
  static constexpr std::uint32_t kNoArea = 0xFFFFFFFF;
  std::vector<AreaRef> m_areas;
  std::vector<std::uint32_t> m_address_area;
  std::unique_ptr<std::atomic<double>[]> m_address_lon, m_address_lat;
};

}  // namespace gebieden::geo
