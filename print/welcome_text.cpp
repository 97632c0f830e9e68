#include "print/welcome_text.hpp"

#include <cmath>
#include <cstdio>

#include "util/ascii.hpp"

namespace gebieden::print {

namespace {

struct Row {
  Msg msg;
  const char* nl;
  const char* fy;
  const char* en;
};

// clang-format off
constexpr Row kTexts[] = {
  {Msg::WelcomeIn, "Welkom in {}", "Wolkom yn {}", "Welcome to {}"},
  {Msg::Intro,
   "Fijn dat u in {} bent komen wonen! Hier leest u wat er in uw buurt te doen is, wie u kan "
   "helpen en waar u andere bewoners ontmoet.",
   "Moai dat jo yn {} wenjen kommen binne! Hjir lêze jo wat der yn jo buert te dwaan is, wa't "
   "jo helpe kin en wêr't jo oare bewenners moetsje.",
   "Good to have you in {}! Here you can read what goes on in your neighbourhood, who can help "
   "you and where you meet other residents."},
  {Msg::YourAddress, "Uw adres", "Jo adres", "Your address"},
  {Msg::YourArea, "Uw buurt, wijk en gebied", "Jo buert, wyk en gebiet",
   "Your neighbourhood, district and area"},
  {Msg::Buurt, "Buurt", "Buert", "Neighbourhood"},
  {Msg::Wijk, "Wijk", "Wyk", "District"},
  {Msg::Gebied, "Gebied", "Gebiet", "Area"},
  {Msg::MeetingPlace, "Dichtstbijzijnde buurthuis of dorpshuis", "Tichtstbyste buerthús of doarpshûs",
   "Nearest community centre"},
  {Msg::NoMeetingPlace, "Geen buurthuis of dorpshuis gevonden", "Gjin buerthús of doarpshûs fûn",
   "No community centre found"},
  {Msg::Activities, "Activiteiten in de buurt", "Aktiviteiten yn 'e buert", "Activities nearby"},
  {Msg::Initiatives, "Initiatieven van bewoners", "Inisjativen fan bewenners",
   "Residents' initiatives"},
  {Msg::VolunteerWork, "Vrijwilligerswerk", "Frijwilligerswurk", "Volunteer work"},
  {Msg::NoneWithin, "Niets gevonden binnen {} m", "Neat fûn binnen {} m", "Nothing found within {} m"},
  {Msg::AndMore, "… en {} meer", "… en {} mear", "… and {} more"},
  {Msg::Distance, "{}", "{}", "{}"},
  {Msg::WhereToGo, "Waar kunt u terecht?", "Wêr kinne jo terjochte?", "Where can you go?"},
  {Msg::TeamIntro,
   "Met vragen over zorg, welzijn, geld, wonen of opvoeden kunt u terecht bij het sociale wijk- "
   "of dorpenteam van Amaryllis:",
   "Mei fragen oer soarch, wolwêzen, jild, wenjen of opfieding kinne jo terjochte by it sosjale "
   "wyk- of doarpeteam fan Amaryllis:",
   "With questions about care, wellbeing, money, housing or raising children, Amaryllis' social "
   "team for your area is there for you:"},
  {Msg::Email, "E-mail", "E-mail", "Email"},
  {Msg::Phone, "Telefoon", "Telefoan", "Phone"},
  {Msg::Address, "Adres", "Adres", "Address"},
  {Msg::Website, "Website", "Webside", "Website"},
  {Msg::SeeWebsite, "zie de website", "sjoch de webside", "see the website"},
  {Msg::Map, "Kaart van {}", "Kaart fan {}", "Map of {}"},
  {Msg::LegendAddress, "uw adres", "jo adres", "your address"},
  {Msg::LegendMeeting, "buurthuis / dorpshuis", "buerthús / doarpshûs", "community centre"},
  {Msg::LegendActivity, "activiteit", "aktiviteit", "activity"},
  {Msg::LegendInitiative, "initiatief", "inisjatyf", "initiative"},
  {Msg::LegendVolunteer, "vrijwilligerswerk", "frijwilligerswurk", "volunteer work"},
  {Msg::Footer, "Gemaakt op {}. Bron: {}", "Makke op {}. Boarne: {}", "Made on {}. Source: {}"},
  {Msg::Source,
   "gemeente {}, sociale basis; grenzen CBS, Kadaster (CC BY 4.0); adressen BAG",
   "gemeente {}, sosjale basis; grinzen CBS, Kadaster (CC BY 4.0); adressen BAG",
   "municipality of {}, social base; boundaries CBS, Kadaster (CC BY 4.0); addresses BAG"},
  {Msg::DownloadPdf, "Download als PDF (A4)", "Downloade as PDF (A4)", "Download as PDF (A4)"},
  {Msg::NotFound, "Adres niet gevonden: {}", "Adres net fûn: {}", "Address not found: {}"},
  {Msg::Subject, "Welkomstpakket van de sociale basis", "Wolkomspakket fan de sosjale basis",
   "Welcome pack of the social base"},
};

struct Reason {
  const char* key;
  const char* nl;
  const char* fy;
  const char* en;
};
constexpr Reason kReasons[] = {
  {"unknown street", "onbekende straat", "ûnbekende strjitte", "unknown street"},
  {"no house number", "geen huisnummer", "gjin húsnûmer", "no house number"},
  {"not in the address register", "niet in het adressenregister (BAG)",
   "net yn it adresregister (BAG)", "not in the address register (BAG)"},
  {"outside the gemeente", "buiten de gemeente", "bûten de gemeente", "outside the municipality"},
  {"ambiguous", "niet eenduidig: meer adressen passen", "net ienduidich: mear adressen passe",
   "ambiguous: several addresses match"},
  {"unknown place", "onbekende plaats", "ûnbekend plak", "unknown place"},
  {"no address", "geen adres", "gjin adres", "no address"},
  {"invalid coordinates", "ongeldige coördinaten", "ûnjildige koördinaten", "invalid coordinates"},
  {"invalid input", "ongeldige invoer", "ûnjildige ynfier", "invalid input"},
};

constexpr const char* kMonthsNl[] = {"januari", "februari", "maart",     "april",
                                     "mei",     "juni",     "juli",      "augustus",
                                     "september", "oktober", "november", "december"};
constexpr const char* kMonthsFy[] = {"jannewaris", "febrewaris", "maart",     "april",
                                     "maaie",      "juny",       "july",      "augustus",
                                     "septimber",  "oktober",    "novimber",  "desimber"};
constexpr const char* kMonthsEn[] = {"January", "February", "March",     "April",
                                     "May",     "June",     "July",      "August",
                                     "September", "October", "November", "December"};
// clang-format on

const char* pick(Taal t, const char* nl, const char* fy, const char* en) {
  return t == Taal::Fy ? fy : t == Taal::En ? en : nl;
}

}  // namespace

std::optional<Taal> parse_taal(std::string_view code) {
  const std::string c = util::ascii_lower(code);
  if (c == "nl") return Taal::Nl;
  if (c == "fy") return Taal::Fy;
  if (c == "en") return Taal::En;
  return std::nullopt;
}

std::string_view taal_code(Taal t) {
  return t == Taal::Fy ? "fy" : t == Taal::En ? "en" : "nl";
}

std::string text(Taal t, Msg m, std::string_view arg, std::string_view arg2) {
  std::string s;
  for (const Row& r : kTexts)
    if (r.msg == m) s = pick(t, r.nl, r.fy, r.en);
  std::string out;
  int used = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '{' && i + 1 < s.size() && s[i + 1] == '}') {
      out += used == 0 ? arg : arg2;
      ++used;
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string reason_text(Taal t, std::string_view reason) {
  for (const Reason& r : kReasons)
    if (reason == r.key) return pick(t, r.nl, r.fy, r.en);
  return std::string(reason);
}

std::string long_date(Taal t, const std::tm& d) {
  const int m = d.tm_mon < 0 || d.tm_mon > 11 ? 0 : d.tm_mon;
  const char* month = t == Taal::Fy ? kMonthsFy[m] : t == Taal::En ? kMonthsEn[m] : kMonthsNl[m];
  return std::to_string(d.tm_mday) + " " + month + " " + std::to_string(d.tm_year + 1900);
}

std::string distance_text(Taal t, double metres) {
  char buf[32];
  if (metres < 1000) {
    std::snprintf(buf, sizeof buf, "%.0f m", std::round(metres / 10) * 10);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f km", metres / 1000);
    if (t != Taal::En)
      for (char* p = buf; *p; ++p)
        if (*p == '.') *p = ',';
  }
  return buf;
}

}  // namespace gebieden::print
