#include "print/overview_pdf.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>

#include "print/pdf.hpp"

namespace gebieden::print {

std::string dutch_date(std::time_t t) {
  static constexpr const char* kMonths[] = {"januari",   "februari", "maart",    "april",
                                            "mei",       "juni",     "juli",     "augustus",
                                            "september", "oktober",  "november", "december"};
  std::tm tm{};
  gmtime_r(&t, &tm);
  return std::to_string(tm.tm_mday) + " " + kMonths[tm.tm_mon % 12] + " " +
         std::to_string(tm.tm_year + 1900);
}

namespace {

constexpr double kMargin = 40;
constexpr double kFooter = 28;  // from the bottom of the page: the footer's top
constexpr double kWidth = kA4Width - 2 * kMargin;

struct Column {
  std::string title;
  double width = 0;
  bool right = false;
};

/// Writes the document top to bottom, beginning a new page when the next block does not fit.
class Writer {
 public:
  Writer(const OverviewDoc& d, const OverviewPdfOptions& opt) : m_d(d), m_opt(opt) {
    m_doc.set_metadata(std::string(nl::kOverview) + " " + d.self.name,
                       std::string(nl::kOverview) + " van " + d.level_word + " " + d.self.name +
                           " (" + d.self.code + ")");
  }

  cairo_t* cr() const { return m_doc.cr(); }
  double y() const { return m_y; }
  double bottom() const { return kA4Height - kFooter - 14; }
  void advance(double dy) { m_y += dy; }

  void new_page() {
    footer();
    m_doc.next_page();
    m_y = kMargin;
  }
  /// A new page unless `h` points fit below the cursor.
  void need(double h) {
    if (m_y + h > bottom() && m_y > kMargin + 1) new_page();
  }

  void heading(const std::string& text, double size = 13) {
    TextStyle s;
    s.size = size;
    s.bold = true;
    s.color = {0, 0, 0};
    const double h = measure_text(cr(), text, kWidth, s);
    need(h + 40);  // a heading never stands alone at the bottom
    m_y += draw_text(cr(), text, kMargin, m_y, kWidth, s) + 4;
  }

  void paragraph(const std::string& text, double size = 9) {
    TextStyle s;
    s.size = size;
    s.color = {0, 0, 0};
    const double h = measure_text(cr(), text, kWidth, s);
    need(h);
    m_y += draw_text(cr(), text, kMargin, m_y, kWidth, s) + 4;
  }

  /// A table that pages: each row is measured; a row that does not fit begins a new page, where
  /// the header is drawn again.
  void table(const std::vector<Column>& cols, const std::vector<std::vector<std::string>>& rows,
             double size = 8) {
    TextStyle head;
    head.size = size;
    head.bold = true;
    head.color = {0, 0, 0};
    TextStyle body = head;
    body.bold = false;
    const double pad = 2.5;
    // One line's height; a cell surely shorter than its column (0.62 em a letter is more than
    // DejaVu Sans's widest average) is one line high without asking pango.
    const double line = measure_text(cr(), "Ág", 0, body);
    const auto row_height = [&](const std::vector<std::string>& cells, const TextStyle& s) {
      double h = 0;
      for (std::size_t i = 0; i < cols.size() && i < cells.size(); ++i) {
        const double room = cols[i].width - 2 * pad;
        const bool short_cell = !s.bold &&
                                static_cast<double>(cells[i].size()) * s.size * 0.62 <= room &&
                                cells[i].find('\n') == std::string::npos;
        h = std::max(h, short_cell ? line : measure_text(cr(), cells[i], room, s));
      }
      return h + 2 * pad;
    };
    std::vector<std::string> titles;
    for (const auto& c : cols) titles.push_back(c.title);
    const double head_h = row_height(titles, head);
    const auto draw_row = [&](const std::vector<std::string>& cells, const TextStyle& s, double h,
                              bool header) {
      double x = kMargin;
      if (header) {
        cairo_save(cr());
        cairo_rectangle(cr(), kMargin, m_y, kWidth, h);
        cairo_set_source_rgb(cr(), 0.9, 0.9, 0.9);
        cairo_fill(cr());
        cairo_restore(cr());
      }
      for (std::size_t i = 0; i < cols.size() && i < cells.size(); ++i) {
        TextStyle cs = s;
        if (cols[i].right) cs.align = TextStyle::Align::Right;
        draw_text(cr(), cells[i], x + pad, m_y + pad, cols[i].width - 2 * pad, cs);
        x += cols[i].width;
      }
      cairo_save(cr());
      cairo_set_source_rgb(cr(), 0.6, 0.6, 0.6);
      cairo_set_line_width(cr(), 0.4);
      cairo_move_to(cr(), kMargin, m_y + h);
      cairo_line_to(cr(), kMargin + kWidth, m_y + h);
      cairo_stroke(cr());
      cairo_restore(cr());
      m_y += h;
    };
    need(head_h + (rows.empty() ? 0 : row_height(rows.front(), body)));
    draw_row(titles, head, head_h, true);
    for (const auto& r : rows) {
      const double h = row_height(r, body);
      if (m_y + h > bottom()) {
        new_page();
        draw_row(titles, head, head_h, true);
      }
      draw_row(r, body, h, false);
    }
    m_y += 8;
  }

  /// A bar chart that pages between its bars.
  void chart(const BarChart& c) {
    std::size_t i = 0;
    while (i < c.bars.size()) {
      const double top = c.bars[i].y;
      BarChart part = c;
      part.bars.clear();
      for (; i < c.bars.size(); ++i) {
        const double end = c.bars[i].y + c.bar_height - top;
        if (m_y + end > bottom() && !part.bars.empty()) break;
        Bar b = c.bars[i];
        b.y -= top;
        part.bars.push_back(std::move(b));
      }
      if (!part.bars.empty() && m_y + part.bars.back().y + c.bar_height > bottom() &&
          m_y > kMargin + 1) {
        // Not even one bar fits: begin anew with the same bars.
        i -= part.bars.size();
        new_page();
        continue;
      }
      draw_bar_chart(cr(), part, kMargin, m_y);
      m_y += part.bars.back().y + c.bar_height + 10;
      if (i < c.bars.size()) new_page();
    }
  }

  std::string finish() {
    footer();
    return m_doc.finish();
  }

 private:
  void footer() {
    TextStyle s;
    s.size = 7;
    s.color = {0.15, 0.15, 0.15};
    const double top = kA4Height - kFooter;
    cairo_save(cr());
    cairo_set_source_rgb(cr(), 0.5, 0.5, 0.5);
    cairo_set_line_width(cr(), 0.4);
    cairo_move_to(cr(), kMargin, top - 3);
    cairo_line_to(cr(), kMargin + kWidth, top - 3);
    cairo_stroke(cr());
    cairo_restore(cr());
    const std::string date = m_opt.date.empty() ? dutch_date(std::time(nullptr)) : m_opt.date;
    draw_text(cr(),
              std::string(nl::kOverview) + " " + m_d.self.name + " · " + nl::kSource +
                  ": gebieden, " + (m_opt.source.empty() ? m_d.self.path() : m_opt.source) + " · " +
                  nl::kMade + " " + date,
              kMargin, top, kWidth - 60, s);
    TextStyle r = s;
    r.align = TextStyle::Align::Right;
    draw_text(cr(), std::string(nl::kPage) + " " + std::to_string(m_doc.pages()),
              kMargin + kWidth - 60, top, 60, r);
  }

  const OverviewDoc& m_d;
  const OverviewPdfOptions& m_opt;
  PdfDocument m_doc;
  double m_y = kMargin;
};

void draw_map(Writer& w, const OverviewDoc& d) {
  const double x = kMargin, y = w.y();
  const MapFrame frame(w.cr(), x, y, kMapWidth, kMapHeight, d.extent);
  for (const auto& c : d.context)
    frame.shape(*c.rd, Rgb::hex(c.fill), 0.18, Rgb::hex("#9A9A9A"), 0.6);
  for (const auto& c : d.context_buurten)
    frame.shape(*c.rd, std::nullopt, 0, Rgb::hex("#8C8C8C"), 0.5);
  for (const auto& b : d.buurten)
    if (b.rd) frame.shape(*b.rd, Rgb::hex(b.fill), 1, Rgb::hex("#5A5A5A"), 0.6);
  if (d.gemeente) frame.shape(*d.gemeente, std::nullopt, 0, Rgb::hex("#333333"), 1.2, {5, 3});
  if (d.outline) frame.shape(*d.outline, std::nullopt, 0, Rgb::hex("#000000"), 2);
  TextStyle label;
  label.size = kLabelSize;
  label.color = Rgb::hex("#111111");
  for (const auto& b : d.buurten)
    if (b.rd && b.label) frame.label(b.label_at, b.name, label);
  frame.border();
  w.advance(kMapHeight + 6);
}

void draw_legend(Writer& w, const OverviewDoc& d) {
  TextStyle s;
  s.size = 8;
  s.color = {0, 0, 0};
  std::vector<std::pair<std::string, std::string>> items;  // fill, text
  for (std::size_t i = 0; i < d.classes.size(); ++i) {
    const auto& c = d.classes[i];
    items.emplace_back(d.ramp[i], c.low == c.high
                                      ? dutch_number(c.low)
                                      : dutch_number(c.low) + " – " + dutch_number(c.high));
  }
  items.emplace_back(kNoneFill, nl::kNone);
  TextStyle title = s;
  title.bold = true;
  w.advance(
      draw_text(w.cr(), std::string(nl::kLegend) + " per buurt", kMargin, w.y(), kWidth, title) +
      3);
  const double slot = kWidth / 5;
  double x = kMargin;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i && i % 5 == 0) {
      x = kMargin;
      w.advance(14);
    }
    const Rgb fill = Rgb::hex(items[i].first);
    cairo_save(w.cr());
    cairo_rectangle(w.cr(), x, w.y() + 1, 10, 10);
    cairo_set_source_rgb(w.cr(), fill.r, fill.g, fill.b);
    cairo_fill_preserve(w.cr());
    cairo_set_source_rgb(w.cr(), 0.27, 0.27, 0.27);
    cairo_set_line_width(w.cr(), 0.5);
    cairo_stroke(w.cr());
    cairo_restore(w.cr());
    draw_text(w.cr(), items[i].second, x + 14, w.y(), slot - 16, s);
    x += slot;
  }
  w.advance(16);
  TextStyle note = s;
  note.size = 7;
  note.italic = true;
  w.advance(draw_text(w.cr(),
                      "Klassen uit de kwantielen van de buurten met initiatieven. Zwarte lijn: " +
                          d.level_word + "; gestreept: " + nl::kGemeente + "; " + nl::kOtherAreas +
                          " licht in hun kleur.",
                      kMargin, w.y(), kWidth, note) +
            8);
}

std::string or_unknown(const std::optional<std::int64_t>& v) {
  return v ? dutch_number(*v) : std::string(nl::kUnknown);
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s;
}

void places(Writer& w, const char* title, const std::vector<layers::RecordSummary>& v,
            const OverviewDoc& d) {
  w.heading(title, 11);
  if (v.empty()) {
    w.paragraph(nl::kNothing);
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : v) {
    std::string where = nl::kActiveIn;
    if (!r.active_in_gebied) {
      const auto it = d.buurtnaam.find(r.buurtcode);
      where = it == d.buurtnaam.end() ? r.buurtcode : it->second;
    }
    rows.push_back({r.naam.empty() ? r.id : r.naam, r.categorie, where});
  }
  w.table({{nl::kName, 255}, {"Categorie", 130}, {"Buurt", 130}}, rows);
}

}  // namespace

std::string overview_pdf(const OverviewDoc& d, const OverviewPdfOptions& opt) {
  const layers::Overview& o = *d.overview;
  Writer w(d, opt);

  // Page 1: title, map, legend, key figures.
  w.heading(std::string(nl::kOverview) + " " + o.name, 18);
  w.paragraph(std::string(1, static_cast<char>(std::toupper(d.level_word[0]))) +
                  d.level_word.substr(1) + " " + o.code + " · " +
                  dutch_number(static_cast<std::int64_t>(o.buurten.size())) + " " + nl::kBuurten,
              9);
  draw_map(w, d);
  draw_legend(w, d);
  {
    std::vector<std::vector<std::string>> rows;
    rows.push_back({"Buurten", dutch_number(static_cast<std::int64_t>(o.buurten.size()))});
    std::int64_t inwoners = 0;
    bool all_known = !o.buurten.empty();
    std::int64_t white = 0;
    for (const auto& b : o.buurten) {
      if (b.inwoners)
        inwoners += *b.inwoners;
      else
        all_known = false;
      white += !b.missing.empty();
    }
    rows.push_back({nl::kInhabitants, all_known ? dutch_number(inwoners) : nl::kUnknown});
    for (const auto& [c, v] : o.per_collection) rows.push_back({c, dutch_number(v)});
    rows.push_back({nl::kWhiteSpots, dutch_number(white)});
    w.heading(nl::kKeyFigures, 11);
    w.table({{"Wat", 200}, {nl::kCount, 80, true}}, rows);
  }

  // The charts and the initiatives.
  w.new_page();
  w.heading(nl::kPerSoort);
  if (d.per_soort.bars.empty()) w.paragraph(nl::kNoData);
  w.chart(d.per_soort);
  w.heading(nl::kPerCategorie);
  if (d.per_categorie.bars.empty()) w.paragraph(nl::kNoData);
  w.chart(d.per_categorie);
  w.heading(nl::kInitiatives);
  if (o.initiatives.empty()) {
    w.paragraph(nl::kNothing);
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const auto& [status, s] : o.initiatives)
      rows.push_back(
          {status, dutch_number(s.count), s.budget ? dutch_amount(*s.budget) : nl::kUnknown});
    w.table({{nl::kStatus, 200}, {nl::kCount, 80, true}, {nl::kBudget, 120, true}}, rows);
  }

  // White spots, support and meeting places.
  w.new_page();
  w.heading(nl::kWhiteSpots);
  w.paragraph(nl::kWhiteSpotsIntro);
  {
    std::vector<std::vector<std::string>> rows;
    for (const auto& b : o.buurten)
      if (!b.missing.empty())
        rows.push_back(
            {b.buurtnaam + " (" + b.buurtcode + ")", joined(b.missing), or_unknown(b.inwoners)});
    if (rows.empty())
      w.paragraph(nl::kNothing);
    else
      w.table({{"Buurt", 215}, {nl::kLacks, 220}, {nl::kInhabitants, 80, true}}, rows);
  }
  places(w, nl::kSupport, o.support, d);
  places(w, nl::kMeeting, o.meeting_places, d);

  // Per buurt, on its own pages.
  w.new_page();
  w.heading(nl::kPerBuurt);
  {
    std::vector<Column> cols{{"Buurt", 120}, {nl::kInhabitants, 50, true}};
    const double rest = kWidth - 120 - 50 - 100;
    const double each = o.per_collection.empty() ? 0 : rest / o.per_collection.size();
    for (const auto& [c, v] : o.per_collection) cols.push_back({c, each, true});
    cols.push_back({nl::kLacks, 100});
    std::vector<std::vector<std::string>> rows;
    for (const auto& b : o.buurten) {
      std::vector<std::string> r{b.buurtnaam + " (" + b.buurtcode + ")", or_unknown(b.inwoners)};
      for (const auto& [c, v] : o.per_collection) {
        const auto it = b.per_collection.find(c);
        r.push_back(dutch_number(it == b.per_collection.end() ? 0 : it->second));
      }
      r.push_back(joined(b.missing));
      rows.push_back(std::move(r));
    }
    w.table(cols, rows, 7);
  }

  // The team and the notes.
  w.heading(nl::kTeam, 11);
  if (d.team) {
    std::vector<std::vector<std::string>> rows;
    rows.push_back({"Gebied", d.team_gebied});
    rows.push_back({nl::kName, d.team->name.empty() ? nl::kUnknown : d.team->name});
    if (!d.team->email.empty()) rows.push_back({nl::kEmail, d.team->email});
    if (!d.team->phone.empty()) rows.push_back({nl::kPhone, d.team->phone});
    if (!d.team->address.empty()) rows.push_back({nl::kAddress, d.team->address});
    if (!d.team->website.empty()) rows.push_back({nl::kWebsite, d.team->website});
    w.table({{"Wat", 100}, {"Gegevens", 415}}, rows);
  } else {
    w.paragraph(nl::kUnknown);
  }
  if (!o.notes.empty()) {
    w.heading(nl::kNotes, 11);
    for (const auto& n : o.notes) w.paragraph("• " + n, 8);
  }
  return w.finish();
}

}  // namespace gebieden::print
