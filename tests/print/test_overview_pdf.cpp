// The overview PDF (print/overview_pdf) read back with poppler's pdfinfo and pdftotext: A4 pages,
// the gebied's name, every buurt's name and the team in the text, the per-buurt table's header
// on every page it spans, and no word outside the page or in the footer's band but the footer.

#include <catch2/catch.hpp>
#include <cstdio>
#include <iterator>
#include <memory>
#include <regex>
#include <string>

#include "geo/area_model.hpp"
#include "layers/overview.hpp"
#include "print/overview_doc.hpp"
#include "print/overview_pdf.hpp"
#include "print/pdf.hpp"
#include "server/in_process.hpp"
#include "test_paths.hpp"

using namespace gebieden;

namespace {

std::string run(const std::string& command) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen(command.c_str(), "r"), pclose);
  REQUIRE(p);
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p.get())) > 0) out.append(buf, n);
  return out;
}

/// Whitespace collapsed to single spaces (pdftotext ends lines where the PDF wraps them).
std::string squeeze(const std::string& s) {
  std::string out;
  for (char c : s) {
    const bool space = c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f';
    if (space) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

struct Built {
  layers::Overview overview;
  std::string pdf;
  std::filesystem::path file;
};

Built build(layers::AreaLevel level, const std::string& code) {
  const auto& state = test::default_service().state();
  std::vector<layers::CollectionPtr> store;
  for (const auto& c : state.config.store.collections)
    if (auto p = state.catalogue.get(c.id)) store.push_back(std::move(p));
  layers::OverviewFields fields;
  fields.soort = state.config.store.soort_field;
  auto o = layers::build_overview(*state.model, store, state.catalogue.get("buurten"), level, code,
                                  fields);
  REQUIRE(o);
  Built b{*o, {}, test::temp_path("overzicht-" + code + ".pdf")};
  const auto doc = print::make_overview_doc(*state.model, b.overview, state.style_sheet.get());
  b.pdf = print::overview_pdf(doc, {"http://gebieden.test/overzicht", "3 december 2026"});
  test::write_file(b.file, b.pdf);
  return b;
}

int count_matches(const std::string& text, const std::string& pattern) {
  const std::regex re(pattern);
  return static_cast<int>(
      std::distance(std::sregex_iterator(text.begin(), text.end(), re), std::sregex_iterator()));
}

int pages_of(const std::string& info) {
  std::smatch m;
  const std::regex re("Pages:\\s+(\\d+)");
  REQUIRE(std::regex_search(info, m, re));
  return std::stoi(m[1]);
}

}  // namespace

TEST_CASE("overview PDF of a gebied: A4 pages, names of the gebied, its buurten, the team",
          "[overview][print][unit]") {
  const auto& model = *test::default_service().state().model;
  for (const auto& g : model.gebieden()) {
    INFO(g.config.id);
    const Built b = build(layers::AreaLevel::Gebied, g.config.id);
    REQUIRE(b.pdf.rfind("%PDF-", 0) == 0);
    const std::string info = run("pdfinfo -f 1 -l 1000 '" + b.file.string() + "' 2>&1");
    const int pages = pages_of(info);
    CHECK(pages >= 1);
    // Every page A4 portrait (595.276 x 841.89 pt).
    CHECK(count_matches(info, "Page +[0-9]+ size: +[0-9.]+ x [0-9.]+ pts") == pages);
    CHECK(count_matches(info, "Page +[0-9]+ size: +595\\.276 x 841\\.89 pts \\(A4\\)") == pages);
    const std::string text = squeeze(run("pdftotext -enc UTF-8 '" + b.file.string() + "' - 2>&1"));
    CHECK(text.find("Overzicht " + g.config.name) != std::string::npos);
    for (const auto& row : b.overview.buurten) {
      INFO(row.buurtcode);
      CHECK(text.find(row.buurtnaam + " (" + row.buurtcode + ")") != std::string::npos);
    }
    if (!g.config.team.name.empty())
      CHECK(text.find(squeeze(g.config.team.name)) != std::string::npos);
    // Page numbers in the footer, one a page.
    for (int p = 1; p <= pages; ++p)
      CHECK(text.find("pagina " + std::to_string(p)) != std::string::npos);
    CHECK(text.find("3 december 2026") != std::string::npos);
  }
}

TEST_CASE("overview PDF: the per-buurt table repeats its header, nothing leaves the page",
          "[overview][print][unit]") {
  // The gebied with the most buurten: its table spans pages.
  const auto& model = *test::default_service().state().model;
  std::string largest;
  std::size_t most = 0;
  for (const auto& g : model.gebieden()) {
    std::size_t n = 0;
    for (auto wi : g.wijken) n += model.wijken()[wi].buurten.size();
    if (n > most) most = n, largest = g.config.id;
  }
  const Built b = build(layers::AreaLevel::Gebied, largest);
  const int pages = pages_of(run("pdfinfo '" + b.file.string() + "' 2>&1"));
  int first_table = 0;
  for (int p = 1; p <= pages; ++p) {
    const std::string t = run("pdftotext -enc UTF-8 -f " + std::to_string(p) + " -l " +
                              std::to_string(p) + " '" + b.file.string() + "' - 2>&1");
    if (t.find("Per buurt") != std::string::npos) first_table = p;
    // Every page the table is on (it ends before the team) begins with its header.
    bool rows = false;
    for (const auto& row : b.overview.buurten)
      rows = rows || t.find(row.buurtcode + ")") != std::string::npos;
    if (first_table && p >= first_table && rows) {
      INFO("page " << p);
      CHECK(t.find("Ontbreekt") != std::string::npos);
    }
  }
  CHECK(first_table > 1);
  // Word boxes: inside the page, and above the footer's line unless part of the footer.
  const std::string bbox = run("pdftotext -bbox '" + b.file.string() + "' - 2>&1");
  const std::regex word(
      "<word xMin=\"([0-9.]+)\" yMin=\"([0-9.]+)\" xMax=\"([0-9.]+)\" yMax=\"([0-9.]+)\">");
  std::size_t words = 0, outside = 0;
  for (auto it = std::sregex_iterator(bbox.begin(), bbox.end(), word); it != std::sregex_iterator();
       ++it) {
    ++words;
    const double x1 = std::stod((*it)[3]), y0 = std::stod((*it)[2]), y1 = std::stod((*it)[4]);
    const bool in_page = x1 <= print::kA4Width && y1 <= print::kA4Height;
    // The footer's band begins 28 pt above the bottom; text above it ends at 14 pt over that.
    const bool clear = y1 <= print::kA4Height - 28 - 14 + 2 || y0 >= print::kA4Height - 28 - 1;
    outside += !(in_page && clear);
  }
  CHECK(words > 100);
  CHECK(outside == 0);
}

TEST_CASE("overview PDF of a wijk and a buurt", "[overview][print][unit]") {
  const auto& model = *test::default_service().state().model;
  for (const auto& [level, code] :
       {std::pair{layers::AreaLevel::Wijk, std::string("WK008082")},
        std::pair{layers::AreaLevel::Buurt, std::string("BU00808206")}}) {
    INFO(code);
    const Built b = build(level, code);
    CHECK(pages_of(run("pdfinfo '" + b.file.string() + "' 2>&1")) >= 1);
    const std::string text = squeeze(run("pdftotext -enc UTF-8 '" + b.file.string() + "' - 2>&1"));
    CHECK(text.find("Overzicht " + b.overview.name) != std::string::npos);
    for (const auto& row : b.overview.buurten)
      CHECK(text.find(row.buurtnaam + " (" + row.buurtcode + ")") != std::string::npos);
    const geo::Wijk* w = model.wijk("WK008082");
    REQUIRE(w);
    const std::string team = model.gebied(w->gebied)->config.team.name;
    if (!team.empty()) CHECK(text.find(squeeze(team)) != std::string::npos);
  }
}
