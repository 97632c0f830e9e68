#pragma once
// The overview of an area (a gebied, wijk or buurt) for a policy adviser's multi-year plan:
// per buurt what the social base has (counts per soort and categorie), the support
// organisations and meeting places, the citizen initiatives by status with their budget, and
// the white spots: buurten without a meeting place, an initiative or an activity, with their
// population where the boundary data carries it. Unknown is said, never written as 0.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "geo/area_model.hpp"
#include "layers/collection.hpp"

namespace gebieden::layers {

enum class AreaLevel { Gebied, Wijk, Buurt };

/// Which fields of the store mean what (their names in the store collections).
struct OverviewFields {
  std::string soort = "soort";
  std::string categorie = "categorie";
  std::string status = "status";          // of initiatives
  std::string budget = "scharrelbudget";  // of initiatives, in euros
  std::string naam = "naam";
  std::string population = "aantal_inwoners";  // of the buurten collection
  std::string meeting_collection = "ontmoetingsplekken";
  std::string initiative_collection = "initiatieven";
  std::string activity_collection = "activiteiten";
  std::string support_collection = "ondersteuning";
  // The gebieden a record works in beyond its address (comma-separated gebied ids).
  std::string active_in = "actief_in_gebieden";
};

struct RecordSummary {
  std::string collection, id, naam, categorie, buurtcode;
  bool active_in_gebied = false;  // listed because it is registered as active in the gebied
};

struct BuurtOverview {
  std::string buurtcode, buurtnaam, wijkcode, gebied;
  std::optional<std::int64_t> inwoners;                // nullopt: not in the boundary data
  std::map<std::string, std::int64_t> per_collection;  // every store collection, 0 included
  std::map<std::string, std::int64_t> per_soort;
  std::map<std::string, std::int64_t> per_categorie;
  std::vector<std::string> missing;  // "ontmoetingsplek", "initiatief", "activiteit"
};

struct InitiativeStatus {
  std::int64_t count = 0;
  std::optional<double> budget;  // nullopt: no initiative of this status has an amount
};

struct Overview {
  AreaLevel level = AreaLevel::Gebied;
  std::string code, name;
  std::vector<BuurtOverview> buurten;                                            // in code order
  std::map<std::string, std::int64_t> per_collection, per_soort, per_categorie;  // totals
  std::vector<RecordSummary> support, meeting_places;
  std::map<std::string, InitiativeStatus> initiatives;  // by status ("onbekend" without one)
  std::vector<std::string> notes;                       // what is unknown and why
};

/// The overview of area `code` at `level`; nullopt when there is no such area. `store` are the
/// store collections, `buurten` the buurten collection (for the population; may be null).
std::optional<Overview> build_overview(const geo::AreaModel& model,
                                       const std::vector<CollectionPtr>& store,
                                       const CollectionPtr& buurten, AreaLevel level,
                                       const std::string& code, const OverviewFields& fields = {});

/// One class of a choropleth: the whole numbers from `low` to `high`, both included.
struct ClassRange {
  std::int64_t low = 0, high = 0;
};

/// The classes of a choropleth of counts (e.g. initiatives per buurt): at most `max_classes`
/// contiguous ranges covering every positive count from the smallest to the largest, their
/// bounds at the quantiles of the positive counts (equal numbers of buurten per class where the
/// data lets it; ties stay in one class, so there may be fewer classes). Zero counts are left
/// out: a map draws them apart ("none"). No positive count: no classes. Negative counts are
/// treated as zero.
std::vector<ClassRange> class_breaks(std::vector<std::int64_t> counts, int max_classes = 5);

/// The index of the class holding `count`, or -1 (zero, or outside every class).
int class_of(const std::vector<ClassRange>& classes, std::int64_t count);

}  // namespace gebieden::layers
