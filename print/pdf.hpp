#pragma once
// Printed documents (the welcome pack, the overview of an area) drawn natively with cairo's PDF
// surface and pango for text (docs/printing.md says why not a headless browser). This module
// sits beside server/: it takes the engine's data (geo::, layers::) and writes bytes; it never
// sees HTTP. Every cairo, pango and GObject handle is owned by a unique_ptr with its deleter.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include "geo/geometry.hpp"
#include "geo/geos.hpp"

namespace gebieden::print {

struct SurfaceDeleter {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct ContextDeleter {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
};
struct GObjectDeleter {
  void operator()(void* o) const { g_object_unref(o); }
};
struct FontDescriptionDeleter {
  void operator()(PangoFontDescription* f) const { pango_font_description_free(f); }
};
using Surface = std::unique_ptr<cairo_surface_t, SurfaceDeleter>;
using Context = std::unique_ptr<cairo_t, ContextDeleter>;
using Layout = std::unique_ptr<PangoLayout, GObjectDeleter>;
using FontDescription = std::unique_ptr<PangoFontDescription, FontDescriptionDeleter>;

/// Page sizes in PostScript points (1/72 inch).
inline constexpr double kMm = 72.0 / 25.4;
inline constexpr double kA4Width = 210 * kMm;
inline constexpr double kA4Height = 297 * kMm;

struct Rgb {
  double r = 0, g = 0, b = 0;
  /// "#RRGGBB" (or "RRGGBB"); anything else is black.
  static Rgb hex(std::string_view s);
};

/// A PDF written into memory, page by page. Draw on cr(); next_page() starts a new page;
/// finish() ends the document and returns its bytes (the document cannot be drawn on after).
class PdfDocument {
 public:
  explicit PdfDocument(double width = kA4Width, double height = kA4Height);
  PdfDocument(const PdfDocument&) = delete;
  PdfDocument& operator=(const PdfDocument&) = delete;

  cairo_t* cr() const { return m_cr.get(); }
  double width() const { return m_width; }
  double height() const { return m_height; }
  /// Pages begun so far (1 after construction).
  int pages() const { return m_pages; }
  void next_page();
  /// Title, author, subject of the PDF's metadata (before finish()).
  void set_metadata(const std::string& title, const std::string& subject);
  std::string finish();

 private:
  static cairo_status_t write(void* closure, const unsigned char* data, unsigned int length);
  double m_width, m_height;
  std::string m_bytes;
  Surface m_surface;
  Context m_cr;
  int m_pages = 1;
  bool m_finished = false;
};

struct TextStyle {
  std::string family = "DejaVu Sans";
  double size = 10;  // points
  bool bold = false;
  bool italic = false;
  Rgb color{0.1, 0.1, 0.1};
  enum class Align { Left, Center, Right } align = Align::Left;
};

/// Text (UTF-8, plain; pango markup is not interpreted) wrapped at `width` points with its top
/// left at (x, y). Returns the height it takes. measure_text gives the same without drawing.
double draw_text(cairo_t* cr, std::string_view text, double x, double y, double width,
                 const TextStyle& style);
double measure_text(cairo_t* cr, std::string_view text, double width, const TextStyle& style);

/// A box on the page that shows `extent` (projected coordinates, e.g. RD metres) with its
/// aspect kept and centred, clipped to the box.
class MapFrame {
 public:
  MapFrame(cairo_t* cr, double x, double y, double width, double height, const geo::Box& extent,
           double margin = 0.04);
  /// Page position of a projected coordinate.
  geo::XY to_page(geo::XY p) const;
  /// Polygons (and lines) of `g` with an optional fill (and alpha), an outline of `width`
  /// points (0: none) and an optional dash pattern.
  void shape(const geo::Geometry& g, const std::optional<Rgb>& fill, double fill_alpha,
             const Rgb& stroke, double width, const std::vector<double>& dash = {}) const;
  enum class Marker { Circle, Square, Triangle };
  /// A point symbol of `size` points at a projected coordinate, white-outlined.
  void marker(geo::XY p, const Rgb& fill, double size, Marker shape) const;
  /// A label centred on a projected coordinate, with a white halo.
  void label(geo::XY p, std::string_view text, const TextStyle& style) const;
  /// A frame line around the box.
  void border(const Rgb& color = {0.4, 0.4, 0.4}, double width = 0.6) const;

 private:
  cairo_t* m_cr;
  double m_x, m_y, m_w, m_h;
  double m_scale = 1, m_ox = 0, m_oy = 0;
};

/// A point inside a polygon for its label (GEOS point on surface of its largest part); the
/// bounding box centre when GEOS cannot tell.
geo::XY label_point(const geo::GeosContext& ctx, const geo::Geometry& g);

}  // namespace gebieden::print
