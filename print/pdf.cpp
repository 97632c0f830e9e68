#include "print/pdf.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace gebieden::print {

namespace {
int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void set_color(cairo_t* cr, const Rgb& c, double alpha = 1) {
  cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha);
}

Layout make_layout(cairo_t* cr, std::string_view text, double width, const TextStyle& style) {
  Layout layout(pango_cairo_create_layout(cr));
  FontDescription font(pango_font_description_new());
  pango_font_description_set_family(font.get(), style.family.c_str());
  pango_font_description_set_absolute_size(font.get(), style.size * PANGO_SCALE);
  pango_font_description_set_weight(font.get(),
                                    style.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_font_description_set_style(font.get(),
                                   style.italic ? PANGO_STYLE_ITALIC : PANGO_STYLE_NORMAL);
  pango_layout_set_font_description(layout.get(), font.get());
  if (width > 0) {
    pango_layout_set_width(layout.get(), static_cast<int>(width * PANGO_SCALE));
    pango_layout_set_wrap(layout.get(), PANGO_WRAP_WORD_CHAR);
  }
  pango_layout_set_alignment(layout.get(),
                             style.align == TextStyle::Align::Center  ? PANGO_ALIGN_CENTER
                             : style.align == TextStyle::Align::Right ? PANGO_ALIGN_RIGHT
                                                                      : PANGO_ALIGN_LEFT);
  pango_layout_set_text(layout.get(), text.data(), static_cast<int>(text.size()));
  return layout;
}

double layout_height(PangoLayout* layout) {
  int w = 0, h = 0;
  pango_layout_get_size(layout, &w, &h);
  return static_cast<double>(h) / PANGO_SCALE;
}
}  // namespace

Rgb Rgb::hex(std::string_view s) {
  if (!s.empty() && s[0] == '#') s.remove_prefix(1);
  if (s.size() != 6) return {};
  int v[6];
  for (int i = 0; i < 6; ++i)
    if ((v[i] = hex_digit(s[static_cast<std::size_t>(i)])) < 0) return {};
  return {(v[0] * 16 + v[1]) / 255.0, (v[2] * 16 + v[3]) / 255.0, (v[4] * 16 + v[5]) / 255.0};
}

PdfDocument::PdfDocument(double width, double height) : m_width(width), m_height(height) {
  m_surface.reset(cairo_pdf_surface_create_for_stream(&PdfDocument::write, this, width, height));
  if (cairo_surface_status(m_surface.get()) != CAIRO_STATUS_SUCCESS)
    throw std::runtime_error("cairo could not create a PDF surface");
  m_cr.reset(cairo_create(m_surface.get()));
  if (cairo_status(m_cr.get()) != CAIRO_STATUS_SUCCESS)
    throw std::runtime_error("cairo could not create a drawing context");
}

cairo_status_t PdfDocument::write(void* closure, const unsigned char* data, unsigned int length) {
  auto* self = static_cast<PdfDocument*>(closure);
  self->m_bytes.append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

void PdfDocument::next_page() {
  cairo_show_page(m_cr.get());
  ++m_pages;
}

void PdfDocument::set_metadata(const std::string& title, const std::string& subject) {
  cairo_pdf_surface_set_metadata(m_surface.get(), CAIRO_PDF_METADATA_TITLE, title.c_str());
  cairo_pdf_surface_set_metadata(m_surface.get(), CAIRO_PDF_METADATA_SUBJECT, subject.c_str());
  cairo_pdf_surface_set_metadata(m_surface.get(), CAIRO_PDF_METADATA_CREATOR, "gebieden");
}

std::string PdfDocument::finish() {
  if (m_finished) throw std::logic_error("PdfDocument::finish called twice");
  m_finished = true;
  m_cr.reset();
  cairo_surface_finish(m_surface.get());
  const cairo_status_t st = cairo_surface_status(m_surface.get());
  m_surface.reset();
  if (st != CAIRO_STATUS_SUCCESS)
    throw std::runtime_error(std::string("cairo could not write the PDF: ") +
                             cairo_status_to_string(st));
  return std::move(m_bytes);
}

double draw_text(cairo_t* cr, std::string_view text, double x, double y, double width,
                 const TextStyle& style) {
  Layout layout = make_layout(cr, text, width, style);
  cairo_save(cr);
  set_color(cr, style.color);
  cairo_move_to(cr, x, y);
  pango_cairo_show_layout(cr, layout.get());
  cairo_restore(cr);
  return layout_height(layout.get());
}

double measure_text(cairo_t* cr, std::string_view text, double width, const TextStyle& style) {
  Layout layout = make_layout(cr, text, width, style);
  return layout_height(layout.get());
}

MapFrame::MapFrame(cairo_t* cr, double x, double y, double width, double height,
                   const geo::Box& extent, double margin)
    : m_cr(cr), m_x(x), m_y(y), m_w(width), m_h(height) {
  if (!extent.valid) return;
  const double ew = std::max(extent.maxx - extent.minx, 1e-9);
  const double eh = std::max(extent.maxy - extent.miny, 1e-9);
  const double iw = width * (1 - 2 * margin), ih = height * (1 - 2 * margin);
  m_scale = std::min(iw / ew, ih / eh);
  // centre: page x = m_ox + X * scale; page y = m_oy - Y * scale (north up)
  const double cx = (extent.minx + extent.maxx) / 2, cy = (extent.miny + extent.maxy) / 2;
  m_ox = x + width / 2 - cx * m_scale;
  m_oy = y + height / 2 + cy * m_scale;
}

geo::XY MapFrame::to_page(geo::XY p) const {
  return {m_ox + p.x * m_scale, m_oy - p.y * m_scale};
}

void MapFrame::shape(const geo::Geometry& g, const std::optional<Rgb>& fill, double fill_alpha,
                     const Rgb& stroke, double width, const std::vector<double>& dash) const {
  if (g.empty()) return;
  const bool areal =
      g.type == geo::GeometryType::Polygon || g.type == geo::GeometryType::MultiPolygon;
  cairo_save(m_cr);
  cairo_rectangle(m_cr, m_x, m_y, m_w, m_h);
  cairo_clip(m_cr);
  cairo_new_path(m_cr);
  for (const auto& part : g.parts)
    for (const auto& path : part) {
      if (path.empty()) continue;
      for (std::size_t i = 0; i < path.size(); ++i) {
        const geo::XY q = to_page(path[i]);
        if (i == 0)
          cairo_move_to(m_cr, q.x, q.y);
        else
          cairo_line_to(m_cr, q.x, q.y);
      }
      if (areal) cairo_close_path(m_cr);
    }
  cairo_set_fill_rule(m_cr, CAIRO_FILL_RULE_EVEN_ODD);
  if (areal && fill) {
    set_color(m_cr, *fill, fill_alpha);
    cairo_fill_preserve(m_cr);
  }
  if (width > 0) {
    set_color(m_cr, stroke);
    cairo_set_line_width(m_cr, width);
    cairo_set_line_join(m_cr, CAIRO_LINE_JOIN_ROUND);
    if (!dash.empty()) cairo_set_dash(m_cr, dash.data(), static_cast<int>(dash.size()), 0);
    cairo_stroke(m_cr);
  }
  cairo_new_path(m_cr);
  cairo_restore(m_cr);
}

void MapFrame::marker(geo::XY p, const Rgb& fill, double size, Marker shape) const {
  const geo::XY q = to_page(p);
  if (q.x < m_x || q.x > m_x + m_w || q.y < m_y || q.y > m_y + m_h) return;
  const double r = size / 2;
  cairo_save(m_cr);
  cairo_new_path(m_cr);
  switch (shape) {
    case Marker::Circle:
      cairo_arc(m_cr, q.x, q.y, r, 0, 2 * M_PI);
      break;
    case Marker::Square:
      cairo_rectangle(m_cr, q.x - r, q.y - r, size, size);
      break;
    case Marker::Triangle:
      cairo_move_to(m_cr, q.x, q.y - r);
      cairo_line_to(m_cr, q.x + r, q.y + r);
      cairo_line_to(m_cr, q.x - r, q.y + r);
      cairo_close_path(m_cr);
      break;
  }
  set_color(m_cr, fill);
  cairo_fill_preserve(m_cr);
  set_color(m_cr, {1, 1, 1});
  cairo_set_line_width(m_cr, 0.8);
  cairo_stroke(m_cr);
  cairo_restore(m_cr);
}

void MapFrame::label(geo::XY p, std::string_view text, const TextStyle& style) const {
  const geo::XY q = to_page(p);
  if (q.x < m_x || q.x > m_x + m_w || q.y < m_y || q.y > m_y + m_h) return;
  Layout layout = make_layout(m_cr, text, 0, style);
  int w = 0, h = 0;
  pango_layout_get_size(layout.get(), &w, &h);
  const double x = q.x - w / 2.0 / PANGO_SCALE, y = q.y - h / 2.0 / PANGO_SCALE;
  cairo_save(m_cr);
  cairo_rectangle(m_cr, m_x, m_y, m_w, m_h);
  cairo_clip(m_cr);
  cairo_move_to(m_cr, x, y);
  pango_cairo_layout_path(m_cr, layout.get());
  set_color(m_cr, {1, 1, 1}, 0.9);
  cairo_set_line_width(m_cr, std::max(1.5, style.size / 4));
  cairo_set_line_join(m_cr, CAIRO_LINE_JOIN_ROUND);
  cairo_stroke(m_cr);
  cairo_move_to(m_cr, x, y);
  set_color(m_cr, style.color);
  pango_cairo_show_layout(m_cr, layout.get());
  cairo_restore(m_cr);
}

void MapFrame::border(const Rgb& color, double width) const {
  cairo_save(m_cr);
  cairo_rectangle(m_cr, m_x, m_y, m_w, m_h);
  set_color(m_cr, color);
  cairo_set_line_width(m_cr, width);
  cairo_stroke(m_cr);
  cairo_restore(m_cr);
}

geo::XY label_point(const geo::GeosContext& ctx, const geo::Geometry& g) {
  const geo::Box b = g.bbox();
  const geo::XY centre{(b.minx + b.maxx) / 2, (b.miny + b.maxy) / 2};
  if (g.empty()) return centre;
  try {
    // The largest polygon of a multipolygon: its label belongs there, not on a sliver.
    geo::Geometry largest = g;
    if (g.type == geo::GeometryType::MultiPolygon && g.parts.size() > 1) {
      std::size_t best = 0;
      double best_area = -1;
      for (std::size_t i = 0; i < g.parts.size(); ++i) {
        const double a = g.parts[i].empty() ? 0 : std::abs(geo::signed_area(g.parts[i][0]));
        if (a > best_area) best_area = a, best = i;
      }
      largest = geo::Geometry{geo::GeometryType::Polygon, {g.parts[best]}};
    }
    geo::GeomPtr geom = geo::to_geos(ctx, largest);
    geo::GeomPtr p = geo::wrap(ctx, GEOSPointOnSurface_r(ctx, geom.get()), "point on surface");
    double x = 0, y = 0;
    if (GEOSGeomGetX_r(ctx, p.get(), &x) == 1 && GEOSGeomGetY_r(ctx, p.get(), &y) == 1)
      return {x, y};
  } catch (const std::exception&) {
    // the centre of the box
  }
  return centre;
}

}  // namespace gebieden::print
