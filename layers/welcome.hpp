#pragma once
// The welcome pack of a new resident (uitvoeringsplan sociale basis 2024-2027, "welkomstpakket";
// docs/printing.md): from an address, the buurt, wijk and gebied it lies in, the Amaryllis team
// of the gebied, the nearest buurthuis or dorpshuis, and the activities, initiatives and
// volunteer work nearby, with what the map needs. The engine side: no HTTP, no layout, no
// language (print/welcome_text.hpp has the texts). Only public fields are read: give it the
// collections of the public catalogue view, and a field marked private is skipped even there.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "geo/area_model.hpp"
#include "geo/geocoder.hpp"
#include "geo/geometry.hpp"
#include "layers/collection.hpp"
#include "layers/nearby.hpp"

namespace gebieden::layers {

/// Which collections and values mean what, and how much to list.
struct WelcomeOptions {
  std::string meeting_collection = "ontmoetingsplekken";
  /// Meeting places of this categorie (buurthuis, dorpshuis, wijkcentrum: the schema's
  /// "buurthuis") are preferred; without one, the nearest of the collection.
  std::string meeting_categorie = "buurthuis";
  std::string activity_collection = "activiteiten";
  std::string initiative_collection = "initiatieven";
  std::string volunteer_collection = "vrijwilligerswerk";
  /// Nearby: within this radius, at most `list_limit` per list (the total within the radius is
  /// counted as well, for "... en N meer").
  double radius_m = 2500;
  std::size_t list_limit = 6;
  /// Activities that ended before this instant (ms since 1970, UTC) are left out; nullopt:
  /// none is left out.
  std::optional<std::int64_t> now_ms;
  /// The map shows the buurt and the places listed, with its neighbours around; at least this
  /// wide and high (metres), at most `map_max_m` (places further away are off the map).
  double map_min_m = 1200;
  double map_max_m = 6000;
};

/// One place of the social base, with only public fields.
struct WelcomePlace {
  std::string collection, id;
  std::string naam, soort, categorie;
  std::string adres;  // "Straat 12, 9001AB Grou" as far as the record has it; "" when none
  std::string website;
  std::string start, eind;  // activities: RFC 3339 as stored, "" when none
  double distance_m = 0;
  geo::XY rd, wgs84;
};

struct WelcomeList {
  std::vector<WelcomePlace> places;  // nearest first, at most list_limit
  std::size_t total = 0;             // within the radius (>= places.size())
};

struct WelcomeTeam {
  // As published in the area scheme's configuration; "" where it is not known.
  std::string name, email, phone, address, website;
};

struct WelcomePack {
  std::string query;  // as typed
  std::string address;
  std::string postcode, huisnummer;  // parsed from the register address ("" when not)
  std::string status;                // the geocoder's: address, fuzzy, coordinates
  std::string warning;               // its corrections ("" when none)
  geo::XY rd, wgs84;
  std::string buurtcode, buurtnaam, wijkcode, wijknaam, gebied, gebiednaam;
  std::string gemeentecode, gemeentenaam;
  WelcomeTeam team;
  std::optional<WelcomePlace> meeting_place;
  WelcomeList activities, initiatives, volunteer_work;
  double radius_m = 0;
  // The map (RD): its extent, the buurt, the other buurten it touches, the gemeente outline.
  geo::Box map_extent;
  geo::Geometry buurt_rd, buurt_wgs84;
  std::vector<geo::Geometry> neighbours_rd;
  geo::Geometry gemeente_rd;
};

/// Why an address got no pack: the geocoder's reason ("unknown street", "outside the gemeente",
/// ... see GeocodeResult::reason) and its detail.
struct WelcomeFailure {
  std::string query;
  std::string reason;
  std::string detail;
};

using WelcomeResult = std::variant<WelcomePack, WelcomeFailure>;

/// What the pack is made of: the area model, the geocoder, the proximity index and the store
/// collections of the public view.
struct WelcomeSources {
  const geo::AreaModel& model;
  const geo::Geocoder& geocoder;
  const NearbyIndex& nearby;
  std::vector<CollectionPtr> collections;
};

/// The pack of one address as typed (free text: "Kerkstraat 12, Grou", "8911AB 12").
WelcomeResult build_welcome(const WelcomeSources& sources, const std::string& address,
                            const WelcomeOptions& options = {});
/// The same from address fields (a register-shaped list: postcode, huisnummer, ...); `query` is
/// what the pack and a failure say was asked.
WelcomeResult build_welcome(const WelcomeSources& sources, const geo::GeocodeRequest& request,
                            const std::string& query, const WelcomeOptions& options = {});

/// The pack as JSON: the address, the areas, the team, the places with their distance, the
/// buurt as GeoJSON geometry (CRS84) and the points of the map.
nlohmann::ordered_json welcome_json(const WelcomePack& pack);
nlohmann::ordered_json welcome_json(const WelcomeFailure& failure);

}  // namespace gebieden::layers
