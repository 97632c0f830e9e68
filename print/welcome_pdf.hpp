#pragma once
// The welcome pack as a PDF (A4, one page when it fits, never more than two) and the map both
// the PDF and the HTML page draw (print/welcome_html.hpp): the buurt outlined and filled, its
// neighbours and the gemeente outline light, the address, the nearest meeting place and the
// places nearby as symbols per soort in the colours of styles/style.json. Text that does not
// fit is cut with "… en N meer"; nothing is drawn beyond a page's bottom margin.

#include <ctime>
#include <string>
#include <vector>

#include "geo/geometry.hpp"
#include "layers/style.hpp"
#include "layers/welcome.hpp"
#include "print/welcome_text.hpp"

namespace gebieden::print {

/// The symbol of a place: colour and shape of its soort in the style sheet's point layer
/// (its collection's own entry, else "*"); a neutral grey circle without a style sheet.
struct PlaceSymbol {
  std::string color = "#777777";  // "#RRGGBB"
  enum class Shape { Circle, Square, Triangle } shape = Shape::Circle;
};
PlaceSymbol place_symbol(const layers::style::StyleSheet* sheet, const std::string& collection,
                         const std::string& soort);

/// What the map of a pack draws, in drawing order (RD coordinates): one picture for the PDF
/// (MapFrame) and the HTML page (SvgMap).
struct WelcomeMap {
  struct Shape {
    const geo::Geometry* geometry = nullptr;  // kept alive by the pack
    std::string fill;                         // "" none
    double fill_opacity = 1;
    std::string stroke;
    double width = 0.5;
    std::vector<double> dash;
    std::string title;
  };
  struct Point {
    geo::XY rd;
    PlaceSymbol symbol;
    double size = 7;
    std::string title;
  };
  struct Legend {
    PlaceSymbol symbol;
    std::string label;
  };
  geo::Box extent;
  std::vector<Shape> shapes;
  std::vector<Point> points;  // the address last, on top
  geo::XY buurt_label;
  std::string buurt_name;
  std::vector<Legend> legend;
};
WelcomeMap welcome_map(const layers::WelcomePack& pack, const layers::style::StyleSheet* sheet,
                       Taal taal);

/// A rendered pack.
struct WelcomePdf {
  std::string bytes;
  int pages = 1;
  std::size_t cut = 0;  // places left out for want of room (said with "… en N meer")
};

/// The pack as a PDF in `taal`, dated `date` (local time of the caller).
WelcomePdf welcome_pdf(const layers::WelcomePack& pack, const layers::style::StyleSheet* sheet,
                       Taal taal, const std::tm& date);

/// The safe file name of a pack: "welkom-8911AB-12A.pdf" (postcode and house number; letters,
/// digits and '-' only), or from `fallback` when the pack has no postcode.
std::string welcome_file_name(const layers::WelcomePack& pack, const std::string& fallback);

}  // namespace gebieden::print
