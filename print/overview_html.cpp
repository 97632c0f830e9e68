#include "print/overview_html.hpp"

#include "print/svg.hpp"
#include "util/markup.hpp"

namespace gebieden::print {

namespace {
using util::markup_escape;

// The page's CSS: screen and A4 paper. Colours print as they are (print-color-adjust), text is
// black, rows and figures do not split, the big sections begin on a new page.
constexpr const char* kCss = R"(<style>
.ov{max-width:60rem;color:#111}
.ov h2{margin-top:1.6em;border-bottom:1px solid #999}
.ov table{border-collapse:collapse;margin:.4em 0 1em}
.ov th,.ov td{border:1px solid #bbb;padding:.15em .45em;text-align:left;vertical-align:top}
.ov td.n,.ov th.n{text-align:right;font-variant-numeric:tabular-nums}
.ov caption{text-align:left;font-weight:bold;padding:.2em 0}
.ov figure{margin:0 0 1em}
.ov .mapbox>svg{display:block;width:100%;max-width:40rem;height:auto;border:1px solid #999}
.ov .chart{width:100%;max-width:40rem;height:auto}
.ov .legend{list-style:none;padding:0;margin:.4em 0}
.ov .legend li{display:inline-block;margin:0 1.2em .2em 0}
.ov svg.swatch{width:14px;height:14px;vertical-align:middle;margin-right:.3em}
.ov .links a{margin-right:1em}
.ov dl.team{display:grid;grid-template-columns:max-content 1fr;gap:.1em 1em}
.ov dl.team dt{font-weight:bold}
.ov dl.team dd{margin:0}
.ov p,.ov dd,.ov li{overflow-wrap:anywhere}
@media screen{.ov table{display:block;max-width:100%;overflow-x:auto}}
@page{size:A4;margin:15mm 14mm 18mm 14mm}
@media print{
 html,body{background:#fff!important;color:#000!important}
 body>header,nav,.crumbs,.noprint,footer{display:none!important}
 main{margin:0!important;padding:0!important;max-width:none!important}
 .ov{max-width:none;color:#000;font-size:10pt}
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 .ov a{color:#000;text-decoration:none}
 .ov table{width:100%;page-break-inside:auto}
 .ov tr,.ov figure,.ov .legend,.ov dl{break-inside:avoid;page-break-inside:avoid}
 .ov thead{display:table-header-group}
 .ov h2{break-after:avoid;page-break-after:avoid}
 .ov .big{break-before:page;page-break-before:always}
 .ov .mapbox>svg{width:100%;max-width:100%}
 .ov .chart{width:100%;max-width:100%}
}
</style>)";

std::string n(std::int64_t v) {
  return dutch_number(v);
}

std::string swatch(const std::string& fill) {
  return "<svg class=\"swatch\" width=\"14\" height=\"14\" viewBox=\"0 0 14 14\" "
         "aria-hidden=\"true\"><rect "
         "x=\"0.5\" "
         "y=\"0.5\" width=\"13\" height=\"13\" fill=\"" +
         markup_escape(fill) + "\" stroke=\"#444444\"/></svg>";
}

std::string range_text(const layers::ClassRange& r) {
  return r.low == r.high ? n(r.low) : n(r.low) + " – " + n(r.high);
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
  return s;
}

std::string chart_section(const char* title, const BarChart& chart, const char* what) {
  std::string h = "<section class=\"charts\"><h2>" + markup_escape(title) + "</h2>";
  if (chart.bars.empty()) return h + "<p>" + nl::kNoData + "</p></section>";
  h += "<figure>" + bar_chart_svg(chart, std::string(title) + " (staafdiagram; tabel hieronder)") +
       "</figure>";
  h += "<table><caption>" + markup_escape(title) + "</caption><thead><tr><th scope=\"col\">" +
       markup_escape(what) + "</th><th scope=\"col\" class=\"n\">" + nl::kCount +
       "</th></tr></thead><tbody>";
  for (const auto& b : chart.bars)
    h += "<tr><th scope=\"row\">" + markup_escape(b.key) + "</th><td class=\"n\">" + n(b.value) +
         "</td></tr>";
  return h + "</tbody></table></section>";
}

std::string places(const char* title, const std::vector<layers::RecordSummary>& v,
                   const OverviewDoc& d) {
  std::string h = "<h2>" + markup_escape(title) + "</h2>";
  if (v.empty()) return h + "<p>" + nl::kNothing + "</p>";
  h += "<table><thead><tr><th scope=\"col\">" + std::string(nl::kName) +
       "</th><th scope=\"col\">Categorie</th><th scope=\"col\">Buurt</th></tr></thead><tbody>";
  for (const auto& r : v) {
    std::string where;
    if (r.active_in_gebied) {
      where = nl::kActiveIn;
    } else {
      const auto it = d.buurtnaam.find(r.buurtcode);
      where = (it == d.buurtnaam.end() ? r.buurtcode : it->second);
    }
    h += "<tr><td>" + markup_escape(r.naam.empty() ? r.id : r.naam) + "</td><td>" +
         markup_escape(r.categorie) + "</td><td>" + markup_escape(where) + "</td></tr>";
  }
  return h + "</tbody></table>";
}
}  // namespace

std::string overview_map_svg(const OverviewDoc& d) {
  SvgMap map(kMapWidth, kMapHeight, d.extent);
  for (const auto& c : d.context)
    map.shape(*c.rd, c.fill, 0.18, "#9A9A9A", 0.6, {}, c.name, "context");
  for (const auto& c : d.context_buurten)
    map.shape(*c.rd, "", 0, "#8C8C8C", 0.5, {}, c.name, "context-buurt");
  for (const auto& b : d.buurten)
    if (b.rd)
      map.shape(*b.rd, b.fill, 1, "#5A5A5A", 0.6, {},
                b.name + ": " + std::to_string(b.count) + " initiatieven", "buurt");
  if (d.gemeente) map.shape(*d.gemeente, "", 0, "#333333", 1.2, {5, 3}, {}, "gemeente");
  if (d.outline) map.shape(*d.outline, "", 0, "#000000", 2, {}, {}, "outline");
  for (const auto& b : d.buurten)
    if (b.rd && b.label) map.label(b.label_at, b.name, kLabelSize, "#111111");
  return map.str(std::string(nl::kMap) + ": " + d.self.name);
}

std::string overview_html(const OverviewDoc& d, const std::string& base) {
  const layers::Overview& o = *d.overview;
  const std::string self = base + d.self.path();
  std::string h = kCss;
  h += "<div class=\"ov\">";
  h += "<p class=\"intro\">" + std::string(nl::kOverview) + " van " + d.level_word + " <strong>" +
       markup_escape(o.name) + "</strong> (" + markup_escape(o.code) + "), " + n(o.buurten.size()) +
       " " + nl::kBuurten + ".</p>";
  h += "<p class=\"links noprint\">" + std::string(nl::kDownloads) + ": <a href=\"" +
       markup_escape(self + "?f=pdf") + "\" type=\"application/pdf\">PDF</a><a href=\"" +
       markup_escape(self + "?f=csv") + "\" type=\"text/csv\">CSV</a><a href=\"" +
       markup_escape(self + "?f=json") + "\" type=\"application/json\">JSON</a></p>";

  // The map and its legend.
  h += "<section><h2>" + std::string(nl::kMap) +
       "</h2><figure class=\"map\"><div class=\"mapbox\">" + overview_map_svg(d) +
       "</div><figcaption><ul class=\"legend\" aria-label=\"" + nl::kLegend + "\">";
  for (std::size_t i = 0; i < d.classes.size(); ++i)
    h += "<li data-low=\"" + std::to_string(d.classes[i].low) + "\" data-high=\"" +
         std::to_string(d.classes[i].high) + "\">" + swatch(d.ramp[i]) + range_text(d.classes[i]) +
         "</li>";
  h += "<li data-low=\"0\" data-high=\"0\">" + swatch(kNoneFill) + nl::kNone + "</li>";
  h += "<li>" + swatch("#ECECEC") + std::string(nl::kOtherAreas) + " (licht, in hun kleur)</li>";
  h += "</ul>" + std::string(nl::kLegend) +
       " per buurt; klassen uit de verdeling (kwantielen) van " +
       "de buurten met initiatieven. Zwarte lijn: " + d.level_word +
       ", gestreept: " + nl::kGemeente + ".</figcaption></figure></section>";

  // Key figures.
  h += "<section><h2>" + std::string(nl::kKeyFigures) +
       "</h2><table><thead><tr><th scope=\"col\">Wat</th><th scope=\"col\" class=\"n\">" +
       nl::kCount + "</th></tr></thead><tbody>";
  h += "<tr><th scope=\"row\">Buurten</th><td class=\"n\">" + n(o.buurten.size()) + "</td></tr>";
  std::int64_t inwoners = 0;
  bool all_known = !o.buurten.empty();
  for (const auto& b : o.buurten) {
    if (b.inwoners)
      inwoners += *b.inwoners;
    else
      all_known = false;
  }
  h += "<tr><th scope=\"row\">" + std::string(nl::kInhabitants) + "</th><td class=\"n\">" +
       (all_known ? n(inwoners) : std::string(nl::kUnknown)) + "</td></tr>";
  for (const auto& [c, v] : o.per_collection)
    h +=
        "<tr><th scope=\"row\">" + markup_escape(c) + "</th><td class=\"n\">" + n(v) + "</td></tr>";
  std::size_t white = 0;
  for (const auto& b : o.buurten) white += !b.missing.empty();
  h += "<tr><th scope=\"row\">" + std::string(nl::kWhiteSpots) + "</th><td class=\"n\">" +
       n(static_cast<std::int64_t>(white)) + "</td></tr></tbody></table></section>";

  // Charts.
  h += "<div class=\"big\">";
  h += chart_section(nl::kPerSoort, d.per_soort, "Soort");
  h += chart_section(nl::kPerCategorie, d.per_categorie, "Categorie");
  h += "</div>";

  // Initiatives per status.
  h += "<section><h2>" + std::string(nl::kInitiatives) + "</h2>";
  if (o.initiatives.empty()) {
    h += "<p>" + std::string(nl::kNothing) + "</p>";
  } else {
    h += "<table class=\"status\"><thead><tr><th scope=\"col\">" + std::string(nl::kStatus) +
         "</th><th scope=\"col\" class=\"n\">" + nl::kCount +
         "</th><th scope=\"col\" class=\"n\">" + nl::kBudget + "</th></tr></thead><tbody>";
    for (const auto& [status, s] : o.initiatives)
      h += "<tr><th scope=\"row\">" + markup_escape(status) + "</th><td class=\"n\">" + n(s.count) +
           "</td><td class=\"n\">" + (s.budget ? dutch_amount(*s.budget) : nl::kUnknown) +
           "</td></tr>";
    h += "</tbody></table>";
  }
  h += "</section>";

  // White spots.
  h += "<section class=\"big\"><h2>" + std::string(nl::kWhiteSpots) + "</h2><p>" +
       nl::kWhiteSpotsIntro + "</p>";
  if (white == 0) {
    h += "<p>" + std::string(nl::kNothing) + "</p>";
  } else {
    h += "<table class=\"white\"><thead><tr><th scope=\"col\">Buurt</th><th scope=\"col\">" +
         std::string(nl::kLacks) + "</th><th scope=\"col\" class=\"n\">" + nl::kInhabitants +
         "</th></tr></thead><tbody>";
    for (const auto& b : o.buurten)
      if (!b.missing.empty())
        h += "<tr data-buurt=\"" + markup_escape(b.buurtcode) + "\"><td>" +
             markup_escape(b.buurtnaam) + " (" + markup_escape(b.buurtcode) + ")</td><td>" +
             markup_escape(join(b.missing, ", ")) + "</td><td class=\"n\">" +
             (b.inwoners ? n(*b.inwoners) : std::string(nl::kUnknown)) + "</td></tr>";
    h += "</tbody></table>";
  }
  h += "</section>";

  // Support and meeting places.
  h += "<section>" + places(nl::kSupport, o.support, d) +
       places(nl::kMeeting, o.meeting_places, d) + "</section>";

  // Per buurt.
  h += "<section class=\"big\"><h2>" + std::string(nl::kPerBuurt) +
       "</h2><table class=\"buurten\"><thead><tr><th scope=\"col\">Buurt</th><th scope=\"col\" "
       "class=\"n\">" +
       nl::kInhabitants + "</th>";
  for (const auto& [c, v] : o.per_collection)
    h += "<th scope=\"col\" class=\"n\">" + markup_escape(c) + "</th>";
  h += "<th scope=\"col\">" + std::string(nl::kLacks) + "</th></tr></thead><tbody>";
  for (const auto& b : o.buurten) {
    h += "<tr><td><a href=\"" + markup_escape(base + "/buurten/" + b.buurtcode + "/overzicht") +
         "\">" + markup_escape(b.buurtnaam) + "</a> (" + markup_escape(b.buurtcode) +
         ")</td><td class=\"n\">" + (b.inwoners ? n(*b.inwoners) : std::string(nl::kUnknown)) +
         "</td>";
    for (const auto& [c, v] : o.per_collection) {
      const auto it = b.per_collection.find(c);
      h += "<td class=\"n\">" + n(it == b.per_collection.end() ? 0 : it->second) + "</td>";
    }
    h += "<td>" + markup_escape(join(b.missing, ", ")) + "</td></tr>";
  }
  h += "</tbody></table></section>";

  // The team.
  h += "<section class=\"team\"><h2>" + std::string(nl::kTeam) + "</h2>";
  if (d.team) {
    h += "<p>" + std::string("Het team van gebied ") + markup_escape(d.team_gebied) +
         ".</p><dl class=\"team\"><dt>" + nl::kName + "</dt><dd class=\"team-name\">" +
         markup_escape(d.team->name.empty() ? nl::kUnknown : d.team->name) + "</dd>";
    const auto row = [&](const char* label, const std::string& v, bool link) {
      if (v.empty()) return;
      h += "<dt>" + std::string(label) + "</dt><dd>" +
           (link ? "<a href=\"" + markup_escape(v) + "\">" + markup_escape(v) + "</a>"
                 : markup_escape(v)) +
           "</dd>";
    };
    row(nl::kEmail, d.team->email, false);
    row(nl::kPhone, d.team->phone, false);
    row(nl::kAddress, d.team->address, false);
    row(nl::kWebsite, d.team->website, true);
    h += "</dl>";
  } else {
    h += "<p>" + std::string(nl::kUnknown) + "</p>";
  }
  h += "</section>";

  // Above and within.
  h += "<section class=\"areas\">";
  if (d.parent)
    h += "<p>" + std::string(nl::kParent) + ": <a class=\"parent\" href=\"" +
         markup_escape(base + d.parent->path()) + "\">" + markup_escape(d.parent->name) +
         "</a></p>";
  if (!d.children.empty()) {
    h += "<h2>" + std::string(nl::kWithin) + " " + d.level_word + "</h2><ul class=\"children\">";
    for (const auto& c : d.children)
      h += "<li><a href=\"" + markup_escape(base + c.path()) + "\">" + markup_escape(c.name) +
           "</a> (" + markup_escape(c.code) + ")</li>";
    h += "</ul>";
  }
  h += "</section>";

  if (!o.notes.empty()) {
    h += "<section class=\"notes\"><h2>" + std::string(nl::kNotes) + "</h2><ul>";
    for (const auto& note : o.notes) h += "<li>" + markup_escape(note) + "</li>";
    h += "</ul></section>";
  }
  h += "</div>";
  return h;
}

}  // namespace gebieden::print
