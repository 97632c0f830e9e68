#pragma once
// The texts of the welcome pack in Dutch (the default), Frisian and English: one table, so that
// the PDF, the HTML page and the route's errors say the same. Names of places, buurten and
// organisations stay as they are.

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace gebieden::print {

enum class Taal { Nl, Fy, En };

/// "nl", "fy", "en" (any case) -> the language; nullopt for anything else.
std::optional<Taal> parse_taal(std::string_view code);
std::string_view taal_code(Taal t);

enum class Msg {
  WelcomeIn,    // "Welkom in {}"
  Intro,        // a sentence of welcome, {} = the buurt
  YourAddress,  // "Uw adres"
  YourArea,     // "Uw buurt, wijk en gebied"
  Buurt,
  Wijk,
  Gebied,
  MeetingPlace,  // "Dichtstbijzijnde buurthuis of dorpshuis"
  NoMeetingPlace,
  Activities,
  Initiatives,
  VolunteerWork,
  NoneWithin,  // "Niets gevonden binnen {} m"
  AndMore,     // "… en {} meer"
  Distance,    // "{} m"
  WhereToGo,   // "Waar kunt u terecht?"
  TeamIntro,   // a sentence on the team
  Email,
  Phone,
  Address,
  Website,
  SeeWebsite,     // "zie de website" (contact not known)
  Map,            // "Kaart"
  LegendAddress,  // "uw adres"
  LegendMeeting,  // "buurthuis / dorpshuis"
  LegendActivity,
  LegendInitiative,
  LegendVolunteer,
  Footer,       // "Gemaakt op {date}. Bron: {source}"
  Source,       // the source line
  DownloadPdf,  // "Download als PDF (A4)"
  NotFound,     // "Adres niet gevonden: {}"
  Subject,      // PDF metadata subject
};

/// The text of `m` in `t`, with every "{}" replaced by `arg` in turn (at most two).
std::string text(Taal t, Msg m, std::string_view arg = {}, std::string_view arg2 = {});

/// The geocoder's reason ("unknown street", "outside the gemeente", ...) in `t`; an unknown
/// reason as it is.
std::string reason_text(Taal t, std::string_view reason);

/// "3 december 2026" (nl), "3 desimber 2026" (fy), "3 December 2026" (en).
std::string long_date(Taal t, const std::tm& date);

/// A distance for a list: "350 m", "1,2 km" ("1.2 km" in English).
std::string distance_text(Taal t, double metres);

}  // namespace gebieden::print
