#pragma once
// The printable overview of an area (issue #15): what the HTML page (print/overview_html) and
// the PDF (print/overview_pdf) both show, computed once: the choropleth of the buurten by their
// number of initiatives (classes from layers::class_breaks, a sequential colour-blind-safe
// ramp, labels where they fit), the context of the map (the other gebieden in their colours of
// the style sheet, the gemeente's outline), the charts per soort and categorie, the gebied's
// team and the areas above and within. Dutch texts come from the one table `nl` below.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "geo/area_model.hpp"
#include "layers/overview.hpp"
#include "layers/style.hpp"
#include "print/chart.hpp"

namespace gebieden::print {

/// The Dutch texts of the overview pages and PDF (one table; English is not needed here).
namespace nl {
inline constexpr const char* kOverview = "Overzicht";
inline constexpr const char* kGebied = "gebied";
inline constexpr const char* kWijk = "wijk";
inline constexpr const char* kBuurt = "buurt";
inline constexpr const char* kMap = "Kaart: initiatieven per buurt";
inline constexpr const char* kLegend = "Aantal initiatieven";
inline constexpr const char* kNone = "geen initiatieven";
inline constexpr const char* kKeyFigures = "Kerncijfers";
inline constexpr const char* kBuurten = "buurten";
inline constexpr const char* kInhabitants = "Inwoners";
inline constexpr const char* kUnknown = "onbekend";
inline constexpr const char* kPerSoort = "Per soort";
inline constexpr const char* kPerCategorie = "Per categorie";
inline constexpr const char* kInitiatives = "Initiatieven per status";
inline constexpr const char* kStatus = "Status";
inline constexpr const char* kCount = "Aantal";
inline constexpr const char* kBudget = "Scharrelbudget";
inline constexpr const char* kWhiteSpots = "Witte vlekken";
inline constexpr const char* kWhiteSpotsIntro =
    "Buurten zonder ontmoetingsplek, initiatief of activiteit.";
inline constexpr const char* kLacks = "Ontbreekt";
inline constexpr const char* kSupport = "Ondersteuning";
inline constexpr const char* kMeeting = "Ontmoetingsplekken";
inline constexpr const char* kName = "Naam";
inline constexpr const char* kActiveIn = "actief in het gebied";
inline constexpr const char* kPerBuurt = "Per buurt";
inline constexpr const char* kTeam = "Gebiedsteam (Amaryllis)";
inline constexpr const char* kNotes = "Notities";
inline constexpr const char* kNothing = "geen";
inline constexpr const char* kDownloads = "Downloads";
inline constexpr const char* kWithin = "Binnen dit gebied";
inline constexpr const char* kParent = "Hoort bij";
inline constexpr const char* kPage = "pagina";
inline constexpr const char* kSource = "Bron";
inline constexpr const char* kMade = "gemaakt op";
inline constexpr const char* kNoData = "geen gegevens";
inline constexpr const char* kTotal = "Totaal";
inline constexpr const char* kEmail = "E-mail";
inline constexpr const char* kPhone = "Telefoon";
inline constexpr const char* kAddress = "Adres";
inline constexpr const char* kWebsite = "Website";
inline constexpr const char* kGemeente = "gemeentegrens";
inline constexpr const char* kOtherAreas = "andere gebieden";
}  // namespace nl

/// The sequential, colour-blind-safe ramp of the choropleth (ColorBrewer YlGnBu, light to
/// dark) for `classes` classes (1 to 5), and the fill of buurten without initiatives.
std::vector<std::string> choropleth_ramp(std::size_t classes);
inline constexpr const char* kNoneFill = "#D9D9D9";

/// The map's size (SVG user units = PDF points): both drawings share it, so the labels that fit
/// are the same.
inline constexpr double kMapWidth = 515;
inline constexpr double kMapHeight = 440;
inline constexpr double kLabelSize = 7.5;

struct MapBuurt {
  std::string code, name;
  const geo::Geometry* rd = nullptr;
  std::int64_t count = 0;  // initiatives
  int cls = -1;            // class index, -1: none
  std::string fill;
  bool label = false;  // its name fits inside it at the map's scale
  geo::XY label_at;
};

struct MapContext {
  const geo::Geometry* rd = nullptr;
  std::string fill, name;
};

struct AreaLink {
  std::string level;  // "gebieden", "wijken", "buurten" (the path's first segment)
  std::string code, name;
  std::string path() const { return "/" + level + "/" + code + "/overzicht"; }
};

struct OverviewDoc {
  const layers::Overview* overview = nullptr;
  std::string level_word;  // "gebied", "wijk", "buurt"
  AreaLink self;
  geo::Box extent;  // of the map
  const geo::Geometry* outline = nullptr;
  const geo::Geometry* gemeente = nullptr;
  std::vector<MapContext> context;  // other gebieden, drawn light
  // For a wijk or buurt: the buurten around it on the map, outlined (the map shows some of its
  // surroundings).
  std::vector<MapContext> context_buurten;
  std::vector<MapBuurt> buurten;  // in the overview's order
  std::vector<layers::ClassRange> classes;
  std::vector<std::string> ramp;  // one colour per class
  std::int64_t min_count = 0, max_count = 0;
  BarChart per_soort, per_categorie;
  std::optional<geo::TeamConfig> team;
  std::string team_gebied;  // the name of the gebied whose team it is
  std::optional<AreaLink> parent;
  std::vector<AreaLink> children;
  std::map<std::string, std::string> buurtnaam;  // code -> name (for the lists)
};

/// The printable overview of `o` (which build_overview made from `model`); `sheet` gives the
/// gebieden colours of the context (null: grey). `chart_width` is the width of the charts.
OverviewDoc make_overview_doc(const geo::AreaModel& model, const layers::Overview& o,
                              const layers::style::StyleSheet* sheet, double chart_width = 515,
                              const std::string& initiative_collection = "initiatieven");

/// "12.345" (a Dutch thousands separator); "€ 1.250,50" for an amount.
std::string dutch_number(std::int64_t v);
std::string dutch_amount(double euros);

}  // namespace gebieden::print
