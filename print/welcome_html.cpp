#include "print/welcome_html.hpp"

#include <cstdio>

#include "print/svg.hpp"
#include "print/welcome_pdf.hpp"
#include "util/markup.hpp"

namespace gebieden::print {

namespace {

std::string esc(std::string_view s) {
  return util::markup_escape(s);
}

SvgMap::Marker svg_marker(PlaceSymbol::Shape s) {
  switch (s) {
    case PlaceSymbol::Shape::Square:
      return SvgMap::Marker::Square;
    case PlaceSymbol::Shape::Triangle:
      return SvgMap::Marker::Triangle;
    default:
      return SvgMap::Marker::Circle;
  }
}

/// A small inline SVG of one symbol (the legend and the lists).
std::string symbol_svg(const PlaceSymbol& s, double size = 10) {
  geo::Box b{-1, -1, 1, 1, true};
  SvgMap m(size + 2, size + 2, b, 0);
  m.marker({0, 0}, s.color, size, svg_marker(s.shape));
  std::string svg = m.str("");
  // Decorative: the text beside it says what it is.
  const auto at = svg.find(" role=\"img\" aria-label=\"\"");
  if (at != std::string::npos) svg.replace(at, 25, " aria-hidden=\"true\" class=\"sym\"");
  return svg;
}

bool is_http_url(const std::string& s) {
  return s.rfind("https://", 0) == 0 || s.rfind("http://", 0) == 0;
}

const char* kCss = R"(<style>
.welkom{max-width:60rem;margin:0 auto;color:#1a1a1a;font-family:"DejaVu Sans",system-ui,sans-serif;line-height:1.4;overflow-wrap:anywhere}
.welkom header.kop{background:#1F3A5F;color:#fff;padding:1rem 1.25rem;border-radius:4px}
.welkom header.kop .titel{display:none;margin:0 0 .25rem;font-size:1.8rem;font-weight:bold;color:#fff}
.welkom header.kop p{margin:0}
.welkom .kolommen{display:flex;flex-wrap:wrap;gap:1.25rem;margin-top:1rem}
.welkom .tekst{flex:1 1 18rem;min-width:0}
.welkom figure.kaart{flex:0 1 22rem;margin:0}
.welkom figure.kaart svg{width:100%;height:auto;border:1px solid #999;background:#fafaf8}
.welkom figcaption ul{list-style:none;padding:0;margin:.25rem 0;display:flex;flex-wrap:wrap;gap:.25rem .9rem;font-size:.85rem}
.welkom h2{color:#1F3A5F;font-size:1.15rem;margin:1rem 0 .35rem}
.welkom dl{display:grid;grid-template-columns:auto 1fr;gap:.1rem .75rem;margin:0}
.welkom dt{font-weight:bold}
.welkom dd{margin:0}
.welkom ul.plekken{list-style:none;padding:0;margin:0}
.welkom ul.plekken li{margin:.2rem 0 .45rem;padding-left:1.1rem;position:relative}
.welkom ul.plekken li svg.sym{position:absolute;left:0;top:.25rem}
.welkom .naam{font-weight:bold}
.welkom .details{color:#555;font-size:.9rem}
.welkom .meer{color:#333;font-size:.9rem}
.welkom footer.bron{margin-top:1.5rem;border-top:1px solid #ccc;padding-top:.4rem;color:#666;font-size:.8rem}
.welkom .pdf{margin:1rem 0}
@page{size:A4;margin:14mm}
@media print{
  body>header,body>nav,nav,.crumbs,main>h1,.welkom .pdf{display:none!important}
  .welkom header.kop .titel{display:block}
  .welkom{max-width:none;font-size:10pt}
  .welkom header.kop{-webkit-print-color-adjust:exact;print-color-adjust:exact}
  .welkom figure.kaart{flex:0 0 85mm}
  .welkom section{break-inside:avoid-page}
  .welkom ul.plekken li{break-inside:avoid}
}
</style>)";

}  // namespace

std::string welcome_html(const layers::WelcomePack& p, const layers::style::StyleSheet* sheet,
                         Taal t, const std::tm& date, const std::string& pdf_href) {
  std::string h = kCss;
  h += "<article class=\"welkom\" lang=\"" + std::string(taal_code(t)) + "\">";
  // The page's own <h1> says the title on screen; the band repeats it on paper (print CSS).
  h += "<header class=\"kop\"><p class=\"titel\" aria-hidden=\"true\">" +
       esc(text(t, Msg::WelcomeIn, p.buurtnaam)) + "</p><p>" + esc(text(t, Msg::YourAddress)) +
       ": <span class=\"adres\">" + esc(p.address) + "</span></p></header>";
  h += "<p class=\"pdf\"><a href=\"" + esc(pdf_href) + "\">" + esc(text(t, Msg::DownloadPdf)) +
       "</a></p>";

  h += "<div class=\"kolommen\"><div class=\"tekst\">";
  h += "<p>" + esc(text(t, Msg::Intro, p.buurtnaam)) + "</p>";
  h += "<section class=\"gebied\"><h2>" + esc(text(t, Msg::YourArea)) + "</h2><dl>";
  h += "<dt>" + esc(text(t, Msg::Buurt)) + "</dt><dd>" + esc(p.buurtnaam) + "</dd>";
  h += "<dt>" + esc(text(t, Msg::Wijk)) + "</dt><dd>" + esc(p.wijknaam) + "</dd>";
  h += "<dt>" + esc(text(t, Msg::Gebied)) + "</dt><dd>" + esc(p.gebiednaam) + "</dd>";
  h += "</dl></section>";
  h += "<section class=\"ontmoetingsplek\"><h2>" + esc(text(t, Msg::MeetingPlace)) + "</h2>";
  if (p.meeting_place) {
    const auto& m = *p.meeting_place;
    h += "<p><span class=\"naam\">" + esc(m.naam) + "</span><br>";
    if (!m.adres.empty()) h += esc(m.adres) + "<br>";
    h += "<span class=\"details\">" + esc(distance_text(t, m.distance_m)) + "</span></p>";
  } else {
    h += "<p>" + esc(text(t, Msg::NoMeetingPlace)) + "</p>";
  }
  h += "</section>";
  h += "<section class=\"team\"><h2>" + esc(text(t, Msg::WhereToGo)) + "</h2><p>" +
       esc(text(t, Msg::TeamIntro)) + "</p><p>";
  if (!p.team.name.empty()) h += "<span class=\"naam\">" + esc(p.team.name) + "</span><br>";
  if (!p.team.address.empty())
    h += esc(text(t, Msg::Address)) + ": " + esc(p.team.address) + "<br>";
  if (!p.team.phone.empty()) h += esc(text(t, Msg::Phone)) + ": " + esc(p.team.phone) + "<br>";
  if (!p.team.email.empty()) h += esc(text(t, Msg::Email)) + ": " + esc(p.team.email) + "<br>";
  if (!p.team.website.empty()) {
    h += esc(text(t, Msg::Website)) + ": ";
    h += is_http_url(p.team.website)
             ? "<a href=\"" + esc(p.team.website) + "\">" + esc(p.team.website) + "</a>"
             : esc(p.team.website);
    h += "<br>";
  }
  if (p.team.phone.empty() && p.team.email.empty())
    h += "<span class=\"details\">" + esc(text(t, Msg::Phone)) + ", " + esc(text(t, Msg::Email)) +
         ": " + esc(text(t, Msg::SeeWebsite)) + "</span>";
  h += "</p></section></div>";

  // The map: the same picture as the PDF's.
  const WelcomeMap map = welcome_map(p, sheet, t);
  SvgMap svg(400, 400, map.extent, 0);
  for (const auto& s : map.shapes)
    svg.shape(*s.geometry, s.fill, s.fill_opacity, s.stroke, s.width, s.dash, s.title);
  svg.label(map.buurt_label, map.buurt_name, 13, "#1F3A5F");
  for (const auto& pt : map.points)
    svg.marker(pt.rd, pt.symbol.color, pt.size * 1.5, svg_marker(pt.symbol.shape), pt.title);
  h += "<figure class=\"kaart\">" + svg.str(text(t, Msg::Map, p.buurtnaam)) + "<figcaption><ul>";
  for (const auto& l : map.legend)
    h += "<li>" + symbol_svg(l.symbol) + " " + esc(l.label) + "</li>";
  h += "</ul></figcaption></figure></div>";

  char radius[32];
  std::snprintf(radius, sizeof radius, "%.0f", p.radius_m);
  const struct {
    Msg title;
    const layers::WelcomeList* list;
    const char* css;
  } lists[] = {{Msg::Activities, &p.activities, "activiteiten"},
               {Msg::Initiatives, &p.initiatives, "initiatieven"},
               {Msg::VolunteerWork, &p.volunteer_work, "vrijwilligerswerk"}};
  for (const auto& l : lists) {
    h += "<section class=\"" + std::string(l.css) + "\"><h2>" + esc(text(t, l.title)) + "</h2>";
    if (l.list->places.empty()) {
      h += "<p>" + esc(text(t, Msg::NoneWithin, radius)) + "</p></section>";
      continue;
    }
    h += "<ul class=\"plekken\">";
    for (const auto& pl : l.list->places) {
      std::string categorie = pl.categorie;
      for (auto& c : categorie)
        if (c == '_') c = ' ';
      std::string details;
      for (const std::string& part :
           {categorie, pl.adres, pl.start.empty() ? std::string() : pl.start.substr(0, 10),
            distance_text(t, pl.distance_m)})
        if (!part.empty()) details += (details.empty() ? "" : " · ") + part;
      h += "<li>" + symbol_svg(place_symbol(sheet, pl.collection, pl.soort)) +
           "<span class=\"naam\">" + esc(pl.naam) + "</span><br><span class=\"details\">" +
           esc(details) + "</span></li>";
    }
    h += "</ul>";
    if (l.list->total > l.list->places.size())
      h += "<p class=\"meer\">" +
           esc(text(t, Msg::AndMore, std::to_string(l.list->total - l.list->places.size()))) +
           "</p>";
    h += "</section>";
  }
  h += "<footer class=\"bron\">" +
       esc(text(t, Msg::Footer, long_date(t, date), text(t, Msg::Source, p.gemeentenaam))) +
       "</footer></article>";
  return h;
}

}  // namespace gebieden::print
