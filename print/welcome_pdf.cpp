#include "print/welcome_pdf.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "geo/geos.hpp"
#include "print/pdf.hpp"

namespace gebieden::print {

namespace {

namespace st = layers::style;

const char* kInk = "#1A1A1A";
const char* kAccent = "#1F3A5F";

PlaceSymbol::Shape shape_of(st::Shape s) {
  switch (s) {
    case st::Shape::Square:
      return PlaceSymbol::Shape::Square;
    case st::Shape::Triangle:
      return PlaceSymbol::Shape::Triangle;
    default:
      return PlaceSymbol::Shape::Circle;
  }
}

std::string gebied_colour(const st::StyleSheet* sheet, const std::string& gebied) {
  if (sheet)
    if (const st::LayerStyle* l = sheet->for_collection("gebieden", false)) {
      for (const auto& c : l->classes)
        if (c.value == gebied) return c.color.hex();
      if (l->fill) return l->fill->hex();
    }
  return "#44AA99";
}

MapFrame::Marker marker_of(PlaceSymbol::Shape s) {
  switch (s) {
    case PlaceSymbol::Shape::Square:
      return MapFrame::Marker::Square;
    case PlaceSymbol::Shape::Triangle:
      return MapFrame::Marker::Triangle;
    default:
      return MapFrame::Marker::Circle;
  }
}

/// The page layout: A4 portrait, margins, the footer's band.
constexpr double kMargin = 40;
constexpr double kFooter = 46;  // reserved at the bottom of every page

TextStyle style(double size, bool bold = false, const char* color = kInk) {
  TextStyle s;
  s.size = size;
  s.bold = bold;
  s.color = Rgb::hex(color);
  return s;
}

/// Draws a symbol at a page position (outside any map frame).
void page_marker(cairo_t* cr, double x, double y, const PlaceSymbol& sym, double size) {
  // A MapFrame of one point: a 1:1 frame around the spot.
  geo::Box b{x - 1, -y - 1, x + 1, -y + 1, true};
  MapFrame f(cr, x - size, y - size, 2 * size, 2 * size, b, 0);
  f.marker({x, -y}, Rgb::hex(sym.color), size, marker_of(sym.shape));
}

std::string place_details(Taal t, const layers::WelcomePlace& p) {
  std::string s;
  const auto add = [&](const std::string& part) {
    if (part.empty()) return;
    if (!s.empty()) s += " · ";
    s += part;
  };
  std::string categorie = p.categorie;
  std::replace(categorie.begin(), categorie.end(), '_', ' ');
  add(categorie);
  add(p.adres);
  if (!p.start.empty()) add(p.start.substr(0, 10));
  add(distance_text(t, p.distance_m));
  return s;
}

class Writer {
 public:
  Writer(PdfDocument& doc, const layers::WelcomePack& pack, Taal taal, const std::tm& date)
      : m_doc(doc), m_pack(pack), m_taal(taal), m_date(date) {}

  cairo_t* cr() const { return m_doc.cr(); }
  double bottom() const { return m_doc.height() - kFooter; }
  double width() const { return m_doc.width() - 2 * kMargin; }
  double y = 0;

  void footer() {
    const std::string source = text(m_taal, Msg::Source, m_pack.gemeentenaam);
    const std::string line = text(m_taal, Msg::Footer, long_date(m_taal, m_date), source) +
                             "  ·  " + std::to_string(m_doc.pages());
    const TextStyle s = style(7, false, "#666666");
    cairo_t* c = cr();
    cairo_save(c);
    cairo_set_source_rgb(c, 0.8, 0.8, 0.8);
    cairo_set_line_width(c, 0.5);
    cairo_move_to(c, kMargin, m_doc.height() - kFooter + 10);
    cairo_line_to(c, m_doc.width() - kMargin, m_doc.height() - kFooter + 10);
    cairo_stroke(c);
    cairo_restore(c);
    draw_text(c, line, kMargin, m_doc.height() - kFooter + 16, width(), s);
  }

  bool can_break() const { return m_doc.pages() < 2; }
  void new_page() {
    footer();
    m_doc.next_page();
    y = kMargin;
  }

 private:
  PdfDocument& m_doc;
  const layers::WelcomePack& m_pack;
  Taal m_taal;
  const std::tm& m_date;
};

}  // namespace

PlaceSymbol place_symbol(const st::StyleSheet* sheet, const std::string& collection,
                         const std::string& soort) {
  PlaceSymbol s;
  if (!sheet) return s;
  const st::LayerStyle* l = sheet->for_collection(collection, true);
  if (!l) return s;
  if (l->field.empty() || l->classes.empty()) {
    s.color = l->other.color.hex();
    s.shape = shape_of(l->other.shape);
    return s;
  }
  for (const auto& c : l->classes)
    if (c.value == soort) {
      s.color = c.color.hex();
      s.shape = shape_of(c.shape);
      return s;
    }
  s.color = l->other.color.hex();
  s.shape = shape_of(l->other.shape);
  return s;
}

WelcomeMap welcome_map(const layers::WelcomePack& p, const st::StyleSheet* sheet, Taal taal) {
  WelcomeMap m;
  m.extent = p.map_extent;
  for (const auto& n : p.neighbours_rd)
    m.shapes.push_back({&n, "#F4F4F4", 1, "#BDBDBD", 0.5, {}, {}});
  m.shapes.push_back({&p.gemeente_rd, "", 0, "#9E9E9E", 1.2, {4, 2}, p.gemeentenaam});
  m.shapes.push_back(
      {&p.buurt_rd, gebied_colour(sheet, p.gebied), 0.35, kAccent, 1.6, {}, p.buurtnaam});
  {
    geo::GeosContext ctx;
    m.buurt_label = label_point(ctx, p.buurt_rd);
  }
  m.buurt_name = p.buurtnaam;

  const auto add_list = [&](const layers::WelcomeList& l) {
    for (const auto& pl : l.places)
      m.points.push_back({pl.rd, place_symbol(sheet, pl.collection, pl.soort), 6.5,
                          pl.naam + " (" + distance_text(taal, pl.distance_m) + ")"});
  };
  add_list(p.activities);
  add_list(p.initiatives);
  add_list(p.volunteer_work);
  if (p.meeting_place)
    m.points.push_back({p.meeting_place->rd,
                        place_symbol(sheet, p.meeting_place->collection, p.meeting_place->soort),
                        9.5, p.meeting_place->naam});
  PlaceSymbol home;
  home.color = "#000000";
  home.shape = PlaceSymbol::Shape::Circle;
  m.points.push_back({p.rd, home, 9, p.address});

  m.legend.push_back({home, text(taal, Msg::LegendAddress)});
  const auto legend_of = [&](const std::string& collection, const std::string& soort, Msg label,
                             bool present) {
    if (present) m.legend.push_back({place_symbol(sheet, collection, soort), text(taal, label)});
  };
  legend_of(p.meeting_place ? p.meeting_place->collection : "ontmoetingsplekken",
            p.meeting_place ? p.meeting_place->soort : "ontmoetingsplek", Msg::LegendMeeting,
            p.meeting_place.has_value());
  const auto first = [](const layers::WelcomeList& l) {
    return l.places.empty() ? nullptr : &l.places.front();
  };
  if (const auto* a = first(p.activities))
    legend_of(a->collection, a->soort, Msg::LegendActivity, true);
  if (const auto* a = first(p.initiatives))
    legend_of(a->collection, a->soort, Msg::LegendInitiative, true);
  if (const auto* a = first(p.volunteer_work))
    legend_of(a->collection, a->soort, Msg::LegendVolunteer, true);
  return m;
}

WelcomePdf welcome_pdf(const layers::WelcomePack& p, const st::StyleSheet* sheet, Taal t,
                       const std::tm& date) {
  PdfDocument doc;
  const std::string title = text(t, Msg::WelcomeIn, p.buurtnaam);
  doc.set_metadata(title + " — " + p.address, text(t, Msg::Subject));
  Writer w(doc, p, t, date);
  cairo_t* cr = doc.cr();
  const double W = w.width();
  WelcomePdf out;

  // Header band: "Welkom in <buurt>" and the address.
  const double band = 96;
  cairo_save(cr);
  const Rgb accent = Rgb::hex(kAccent);
  cairo_set_source_rgb(cr, accent.r, accent.g, accent.b);
  cairo_rectangle(cr, 0, 0, doc.width(), band);
  cairo_fill(cr);
  cairo_restore(cr);
  double hy = 24;
  TextStyle h1 = style(24, true, "#FFFFFF");
  // A very long buurt name: smaller, never more than the band.
  while (measure_text(cr, title, W, h1) > 40 && h1.size > 12) h1.size -= 2;
  hy += draw_text(cr, title, kMargin, hy, W, h1) + 4;
  draw_text(cr, p.address, kMargin, hy, W, style(11, false, "#FFFFFF"));

  // Two columns: the text on the left, the map on the right.
  const double gap = 16;
  const double map_w = 250, map_h = 250;
  const double left_w = W - map_w - gap;
  const double map_x = kMargin + left_w + gap, top = band + 18;
  double y = top;
  const auto heading = [&](const std::string& s, double x, double width) {
    y += draw_text(cr, s, x, y, width, style(11.5, true, kAccent)) + 3;
  };
  const auto para = [&](const std::string& s, double x, double width, double size = 9.5,
                        bool bold = false, const char* color = kInk) {
    y += draw_text(cr, s, x, y, width, style(size, bold, color)) + 2;
  };
  para(text(t, Msg::Intro, p.buurtnaam), kMargin, left_w, 9.5);
  y += 8;
  heading(text(t, Msg::YourArea), kMargin, left_w);
  para(text(t, Msg::Buurt) + ": " + p.buurtnaam, kMargin, left_w);
  para(text(t, Msg::Wijk) + ": " + p.wijknaam, kMargin, left_w);
  para(text(t, Msg::Gebied) + ": " + p.gebiednaam, kMargin, left_w);
  y += 8;
  heading(text(t, Msg::MeetingPlace), kMargin, left_w);
  if (p.meeting_place) {
    const auto& m = *p.meeting_place;
    const PlaceSymbol sym = place_symbol(sheet, m.collection, m.soort);
    page_marker(cr, kMargin + 4, y + 6, sym, 8);
    para(m.naam, kMargin + 12, left_w - 12, 10, true);
    if (!m.adres.empty()) para(m.adres, kMargin + 12, left_w - 12);
    para(distance_text(t, m.distance_m), kMargin + 12, left_w - 12, 9, false, "#555555");
  } else {
    para(text(t, Msg::NoMeetingPlace), kMargin, left_w);
  }
  y += 8;
  heading(text(t, Msg::WhereToGo), kMargin, left_w);
  para(text(t, Msg::TeamIntro), kMargin, left_w, 9);
  if (!p.team.name.empty()) para(p.team.name, kMargin, left_w, 10, true);
  if (!p.team.address.empty()) para(text(t, Msg::Address) + ": " + p.team.address, kMargin, left_w);
  if (!p.team.phone.empty()) para(text(t, Msg::Phone) + ": " + p.team.phone, kMargin, left_w);
  if (!p.team.email.empty()) para(text(t, Msg::Email) + ": " + p.team.email, kMargin, left_w);
  if (!p.team.website.empty())
    para(text(t, Msg::Website) + ": " + p.team.website, kMargin, left_w, 8.5);
  if (p.team.phone.empty() && p.team.email.empty())
    para(text(t, Msg::Phone) + ", " + text(t, Msg::Email) + ": " + text(t, Msg::SeeWebsite),
         kMargin, left_w, 9, false, "#555555");
  const double left_end = y;

  // The map and its legend.
  const WelcomeMap map = welcome_map(p, sheet, t);
  {
    MapFrame frame(cr, map_x, top, map_w, map_h, map.extent, 0);
    cairo_save(cr);
    cairo_set_source_rgb(cr, 0.98, 0.98, 0.97);
    cairo_rectangle(cr, map_x, top, map_w, map_h);
    cairo_fill(cr);
    cairo_restore(cr);
    for (const auto& s : map.shapes) {
      std::optional<Rgb> fill;
      if (!s.fill.empty()) fill = Rgb::hex(s.fill);
      frame.shape(*s.geometry, fill, s.fill_opacity, Rgb::hex(s.stroke), s.width, s.dash);
    }
    frame.label(map.buurt_label, map.buurt_name, style(9, true, kAccent));
    for (const auto& pt : map.points)
      frame.marker(pt.rd, Rgb::hex(pt.symbol.color), pt.size, marker_of(pt.symbol.shape));
    frame.border();
  }
  y = top + map_h + 6;
  {
    double lx = map_x;
    const TextStyle ls = style(7.5);
    for (const auto& l : map.legend) {
      const double lw = 18 + 0.55 * ls.size * static_cast<double>(l.label.size());
      if (lx + lw > map_x + map_w) {
        lx = map_x;
        y += 12;
      }
      page_marker(cr, lx + 4, y + 5, l.symbol, 7);
      draw_text(cr, l.label, lx + 10, y, map_w, ls);
      lx += lw;
    }
    y += 14;
  }
  y = std::max(y, left_end) + 14;
  w.y = y;

  // The lists: as many items as fit; on the second page room is kept for the headings of the
  // lists still to come, and what does not fit is said with "… en N meer".
  struct ListSpec {
    Msg title;
    const layers::WelcomeList* list;
  };
  const ListSpec lists[] = {{Msg::Activities, &p.activities},
                            {Msg::Initiatives, &p.initiatives},
                            {Msg::VolunteerWork, &p.volunteer_work}};
  const TextStyle hs = style(11.5, true, kAccent);
  const TextStyle name_s = style(9.5, true);
  const TextStyle det_s = style(8.5, false, "#555555");
  const TextStyle more_s = style(8.5, false, "#333333");
  const double more_h = measure_text(cr, text(t, Msg::AndMore, "99"), W, more_s) + 2;
  const double heading_h = measure_text(cr, "Ag", W, hs) + 4;
  const double radius = std::round(p.radius_m);
  char radius_text[32];
  std::snprintf(radius_text, sizeof radius_text, "%.0f", radius);
  for (std::size_t li = 0; li < 3; ++li) {
    const auto& spec = lists[li];
    const auto& items = spec.list->places;
    const double reserve_after = static_cast<double>(2 - li) * (heading_h + more_h + 12);
    const double first_h = items.empty() ? more_h
                                         : measure_text(cr, items[0].naam, W - 14, name_s) +
                                               measure_text(cr, "Ag", W - 14, det_s) + 4;
    if (w.y + heading_h + first_h + reserve_after > w.bottom() && w.can_break()) w.new_page();
    w.y += draw_text(cr, text(t, spec.title), kMargin, w.y, W, hs) + 4;
    if (items.empty()) {
      w.y += draw_text(cr, text(t, Msg::NoneWithin, radius_text), kMargin, w.y, W, more_s) + 8;
      continue;
    }
    std::size_t shown = 0;
    for (const auto& it : items) {
      const std::string details = place_details(t, it);
      const double h =
          measure_text(cr, it.naam, W - 14, name_s) + measure_text(cr, details, W - 14, det_s) + 4;
      const std::size_t rest_after = spec.list->total - shown - 1;
      // Room for the lists still to come is kept on the last page only.
      const double need = h + (rest_after > 0 ? more_h : 0) + (w.can_break() ? 0 : reserve_after);
      if (w.y + need > w.bottom()) {
        if (w.can_break()) {
          w.new_page();
        } else {
          break;
        }
      }
      page_marker(cr, kMargin + 4, w.y + 6, place_symbol(sheet, it.collection, it.soort), 6.5);
      w.y += draw_text(cr, it.naam, kMargin + 14, w.y, W - 14, name_s);
      w.y += draw_text(cr, details, kMargin + 14, w.y, W - 14, det_s) + 4;
      ++shown;
    }
    const std::size_t more = spec.list->total - shown;
    if (more > 0) {
      out.cut += items.size() - shown;
      w.y += draw_text(cr, text(t, Msg::AndMore, std::to_string(more)), kMargin + 14, w.y, W - 14,
                       more_s) +
             2;
    }
    w.y += 8;
  }
  w.footer();
  out.pages = doc.pages();
  out.bytes = doc.finish();
  return out;
}

std::string welcome_file_name(const layers::WelcomePack& p, const std::string& fallback) {
  const auto safe = [](const std::string& s) {
    std::string o;
    for (char c : s) {
      if (std::isalnum(static_cast<unsigned char>(c)))
        o += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      else if (!o.empty() && o.back() != '-')
        o += '-';
    }
    while (!o.empty() && o.back() == '-') o.pop_back();
    return o.substr(0, 40);
  };
  std::string name = p.postcode.empty() ? safe(fallback) : safe(p.postcode + "-" + p.huisnummer);
  if (name.empty()) name = "adres";
  return "welkom-" + name + ".pdf";
}

}  // namespace gebieden::print
