// The welcome pack on paper and on screen (print/welcome_pdf.hpp, print/welcome_html.hpp): one
// or two A4 pages in nl, fy and en, also with very many places nearby (cut with "… en N meer");
// the PDF's text (pdftotext) and the HTML name the buurt, wijk, gebied and team and carry no
// private field; the message table is complete.

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "geo/csv.hpp"
#include "layers/welcome.hpp"
#include "print/welcome_html.hpp"
#include "print/welcome_pdf.hpp"
#include "print/welcome_text.hpp"
#include "server/service.hpp"
#include "test_paths.hpp"

using namespace gebieden;

namespace {

int pdf_pages(const std::string& pdf) {
  int n = 0;
  for (std::size_t at = 0; (at = pdf.find("/Type /Page", at)) != std::string::npos; ++at)
    if (pdf.compare(at, 12, "/Type /Pages") != 0) ++n;
  return n;
}

/// The text of a PDF by poppler's pdftotext (poppler-utils, in DEBS).
std::string pdf_text(const std::string& pdf) {
  const auto path = test::temp_path("welkom.pdf");
  test::write_file(path, pdf);
  std::string out;
  FILE* p = popen(("pdftotext -enc UTF-8 '" + path.string() + "' - 2>&1").c_str(), "r");
  REQUIRE(p);
  char buf[4096];
  std::size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  REQUIRE(pclose(p) == 0);
  return out;
}

/// pdftotext breaks lines where the layout wraps: compare with blanks and breaks squeezed.
std::string squeeze(const std::string& s) {
  std::string o;
  for (char c : s) {
    const bool blank = c == ' ' || c == '\n' || c == '\r' || c == '\f';
    if (blank) {
      if (!o.empty() && o.back() != ' ') o += ' ';
    } else {
      o += c;
    }
  }
  return o;
}

struct PrintFixture {
  std::shared_ptr<server::ServiceState> state;
  PrintFixture() { state = server::load_state(test::load_default_config()); }
  layers::WelcomeSources sources() const {
    std::vector<layers::CollectionPtr> cs;
    for (const auto& c : state->config.store.collections)
      if (auto p = state->catalogue.get(c.id)) cs.push_back(p);
    return {*state->model, *state->geocoder, *state->nearby, cs};
  }
  layers::WelcomePack pack(const std::string& woonplaats, int skip,
                           const layers::WelcomeOptions& o = {}) const {
    std::ifstream in(test::shared_data("synthetic/bag_leeuwarden_synthetic.csv"));
    geo::CsvReader r(in);
    std::vector<std::string> f;
    r.next(f);
    while (r.next(f)) {
      if (f.size() < 9 || f[6] != woonplaats || !f[4].empty() || skip-- > 0) continue;
      const auto w = layers::build_welcome(sources(), f[5] + " " + f[2] + f[3], o);
      REQUIRE(std::holds_alternative<layers::WelcomePack>(w));
      return std::get<layers::WelcomePack>(w);
    }
    FAIL("no address in " << woonplaats);
    return {};
  }
  std::vector<std::string> private_values(const layers::WelcomePack& p) const {
    std::vector<std::string> out;
    std::vector<const layers::WelcomePlace*> places;
    if (p.meeting_place) places.push_back(&*p.meeting_place);
    for (const auto* l : {&p.activities, &p.initiatives, &p.volunteer_work})
      for (const auto& pl : l->places) places.push_back(&pl);
    for (const auto* pl : places) {
      const auto c = state->full.get(pl->collection);
      const layers::Feature* f = c ? c->find(pl->id) : nullptr;
      if (!f) continue;
      const auto pub = state->catalogue.get(pl->collection);
      for (std::size_t i = 0; i < c->fields.size(); ++i)
        if (const int pi = pub ? pub->field_index(c->fields[i].name) : -1;
            pi < 0 || pub->fields[static_cast<std::size_t>(pi)].is_private) {
          const std::string v = layers::to_string(f->values[i]);
          if (v.size() >= 4) out.push_back(v);
        }
    }
    return out;
  }
};

PrintFixture& print_fx() {
  static PrintFixture f;
  return f;
}

std::tm a_date() {
  std::tm d{};
  d.tm_year = 2026 - 1900;
  d.tm_mon = 11;
  d.tm_mday = 3;
  return d;
}

}  // namespace

TEST_CASE("welcome PDF: one or two A4 pages for a village and a city address, in nl, fy, en",
          "[unit][print][welcome]") {
  auto& fx = print_fx();
  for (const auto& [place, skip] :
       {std::pair<const char*, int>{"Wergea", 0}, {"Grou", 40}, {"Leeuwarden", 500}}) {
    const layers::WelcomePack p = fx.pack(place, skip);
    for (const auto taal : {print::Taal::Nl, print::Taal::Fy, print::Taal::En}) {
      INFO(place << " " << print::taal_code(taal));
      const print::WelcomePdf pdf =
          print::welcome_pdf(p, fx.state->style_sheet.get(), taal, a_date());
      CHECK(pdf.bytes.rfind("%PDF-", 0) == 0);
      CHECK(pdf.pages >= 1);
      CHECK(pdf.pages <= 2);
      CHECK(pdf_pages(pdf.bytes) == pdf.pages);
      const std::string text = squeeze(pdf_text(pdf.bytes));
      CHECK(text.find(squeeze(print::text(taal, print::Msg::WelcomeIn, p.buurtnaam))) !=
            std::string::npos);
      CHECK(text.find(p.gebiednaam) != std::string::npos);
      CHECK(text.find(p.wijknaam) != std::string::npos);
      CHECK(text.find(p.team.name) != std::string::npos);
      CHECK(text.find(squeeze(print::text(taal, print::Msg::WhereToGo))) != std::string::npos);
      if (p.meeting_place) CHECK(text.find(squeeze(p.meeting_place->naam)) != std::string::npos);
      for (const auto& s : fx.private_values(p)) {
        INFO(s);
        CHECK(text.find(s) == std::string::npos);
      }
    }
  }
}

TEST_CASE("welcome PDF: very many places nearby are cut, never beyond two pages",
          "[unit][print][welcome]") {
  auto& fx = print_fx();
  layers::WelcomeOptions many;
  many.radius_m = 25000;
  many.list_limit = 1000;
  const layers::WelcomePack p = fx.pack("Leeuwarden", 10, many);
  REQUIRE(p.activities.places.size() + p.initiatives.places.size() +
              p.volunteer_work.places.size() >
          80);
  for (const auto taal : {print::Taal::Nl, print::Taal::Fy, print::Taal::En}) {
    const print::WelcomePdf pdf =
        print::welcome_pdf(p, fx.state->style_sheet.get(), taal, a_date());
    CHECK(pdf.pages == 2);
    CHECK(pdf_pages(pdf.bytes) == 2);
    CHECK(pdf.cut > 0);
    const std::string text = squeeze(pdf_text(pdf.bytes));
    // Every list is there, each ending in "… en N meer" with N what was left out.
    for (const auto m :
         {print::Msg::Activities, print::Msg::Initiatives, print::Msg::VolunteerWork})
      CHECK(text.find(squeeze(print::text(taal, m))) != std::string::npos);
    const std::string more = print::text(taal, print::Msg::AndMore, "");
    CHECK(text.find(more.substr(0, more.find("  "))) != std::string::npos);
    for (const auto& s : fx.private_values(p)) {
      INFO(s);
      CHECK(text.find(s) == std::string::npos);
    }
  }
}

TEST_CASE("welcome HTML: the pack and its map, no script, no private field",
          "[unit][print][welcome]") {
  auto& fx = print_fx();
  const layers::WelcomePack p = fx.pack("Wergea", 5);
  for (const auto taal : {print::Taal::Nl, print::Taal::Fy, print::Taal::En}) {
    const std::string h = print::welcome_html(p, fx.state->style_sheet.get(), taal, a_date(),
                                              "/welkom?adres=x&f=pdf");
    CHECK(h.find("lang=\"" + std::string(print::taal_code(taal)) + "\"") != std::string::npos);
    CHECK(h.find("<svg") != std::string::npos);
    CHECK(h.find("<script") == std::string::npos);
    CHECK(h.find("@page") != std::string::npos);
    CHECK(h.find(p.buurtnaam) != std::string::npos);
    CHECK(h.find(p.gebiednaam) != std::string::npos);
    CHECK(h.find(p.team.name) != std::string::npos);
    CHECK(h.find("/welkom?adres=x&amp;f=pdf") != std::string::npos);
    for (const auto& s : fx.private_values(p)) CHECK(h.find(s) == std::string::npos);
  }
}

TEST_CASE("welcome texts: every message in nl, fy and en; languages and reasons",
          "[unit][print][welcome]") {
  for (int m = 0; m <= static_cast<int>(print::Msg::Subject); ++m)
    for (const auto t : {print::Taal::Nl, print::Taal::Fy, print::Taal::En}) {
      INFO(m);
      CHECK_FALSE(print::text(t, static_cast<print::Msg>(m), "X").empty());
    }
  CHECK(print::text(print::Taal::Fy, print::Msg::WelcomeIn, "Grou") == "Wolkom yn Grou");
  CHECK(print::text(print::Taal::Nl, print::Msg::WelcomeIn, "Grou") == "Welkom in Grou");
  CHECK(print::text(print::Taal::Fy, print::Msg::WhereToGo) !=
        print::text(print::Taal::Nl, print::Msg::WhereToGo));
  CHECK(print::parse_taal("FY") == print::Taal::Fy);
  CHECK_FALSE(print::parse_taal("de"));
  CHECK(print::reason_text(print::Taal::Nl, "unknown street") != "unknown street");
  CHECK(print::reason_text(print::Taal::Nl, "something new") == "something new");
  CHECK(print::long_date(print::Taal::Fy, a_date()) == "3 desimber 2026");
  CHECK(print::distance_text(print::Taal::Nl, 1234) == "1,2 km");
  CHECK(print::distance_text(print::Taal::En, 1234) == "1.2 km");
}

TEST_CASE("welcome file names are safe", "[unit][print][welcome]") {
  layers::WelcomePack p;
  p.postcode = "8911AB";
  p.huisnummer = "12a";
  CHECK(print::welcome_file_name(p, "x") == "welkom-8911AB-12A.pdf");
  p.postcode.clear();
  CHECK(print::welcome_file_name(p, "../../etc/passwd") == "welkom-ETC-PASSWD.pdf");
  CHECK(print::welcome_file_name(p, "///") == "welkom-adres.pdf");
}
