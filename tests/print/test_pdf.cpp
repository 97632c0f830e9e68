#include <catch2/catch.hpp>

#include <string>

#include "geo/geos.hpp"
#include "print/pdf.hpp"
#include "print/svg.hpp"

using namespace gebieden;

namespace {
/// The number of page objects in a PDF cairo wrote (cairo writes each as "/Type /Page\n").
int count_pages(const std::string& pdf) {
  int n = 0;
  for (std::size_t at = 0; (at = pdf.find("/Type /Page", at)) != std::string::npos; ++at)
    if (pdf.compare(at, 12, "/Type /Pages") != 0) ++n;
  return n;
}

geo::Geometry square(double x0, double y0, double size) {
  return {
      geo::GeometryType::Polygon,
      {{geo::Path{{x0, y0}, {x0 + size, y0}, {x0 + size, y0 + size}, {x0, y0 + size}, {x0, y0}}}}};
}
}  // namespace

TEST_CASE("a PDF document has the pages begun and is a PDF", "[unit][print]") {
  print::PdfDocument doc;
  print::draw_text(doc.cr(), "Welkom in Wergea", 50, 50, 300, {});
  doc.next_page();
  print::draw_text(doc.cr(), "Side twa", 50, 50, 300, {});
  CHECK(doc.pages() == 2);
  const std::string pdf = doc.finish();
  REQUIRE(pdf.rfind("%PDF-", 0) == 0);
  CHECK(count_pages(pdf) == 2);
  CHECK(pdf.find("%%EOF") != std::string::npos);
  CHECK_THROWS(doc.finish());
}

TEST_CASE("colours from #RRGGBB", "[unit][print]") {
  const auto c = print::Rgb::hex("#882255");
  CHECK(c.r == Approx(0x88 / 255.0));
  CHECK(c.g == Approx(0x22 / 255.0));
  CHECK(c.b == Approx(0x55 / 255.0));
  const auto bad = print::Rgb::hex("#88225");
  CHECK(bad.r == 0);
  CHECK(print::Rgb::hex("zz2255").r == 0);
}

TEST_CASE("text wraps: a narrow column is taller", "[unit][print]") {
  print::PdfDocument doc;
  const std::string text =
      "Het buurthuis is open op maandag, woensdag en vrijdag; de koffie staat klaar.";
  const double wide = print::measure_text(doc.cr(), text, 400, {});
  const double narrow = print::measure_text(doc.cr(), text, 80, {});
  CHECK(wide > 0);
  CHECK(narrow > 2 * wide);
  print::TextStyle big;
  big.size = 20;
  CHECK(print::measure_text(doc.cr(), text, 400, big) > wide);
}

TEST_CASE("a map frame keeps the aspect and centres the extent", "[unit][print]") {
  print::PdfDocument doc;
  geo::Box extent;
  extent.expand(geo::XY{180000, 570000});
  extent.expand(geo::XY{184000, 572000});  // 4 km wide, 2 km high
  const print::MapFrame frame(doc.cr(), 100, 100, 200, 200, extent, 0);
  const auto sw = frame.to_page({180000, 570000});
  const auto ne = frame.to_page({184000, 572000});
  CHECK(sw.x == Approx(100));
  CHECK(ne.x == Approx(300));
  CHECK(sw.y - ne.y == Approx(100));        // half as high: the aspect is kept
  CHECK((sw.y + ne.y) / 2 == Approx(200));  // centred, north up
  CHECK(sw.y > ne.y);
}

TEST_CASE("a label point lies inside its polygon, on the largest part", "[unit][print]") {
  const geo::GeosContext ctx;
  // An L shape: its box centre (5, 5) is outside it.
  geo::Geometry l{geo::GeometryType::Polygon,
                  {{geo::Path{{0, 0}, {10, 0}, {10, 2}, {2, 2}, {2, 10}, {0, 10}, {0, 0}}}}};
  const auto p = print::label_point(ctx, l);
  const bool inside = (p.x >= 0 && p.x <= 10 && p.y >= 0 && p.y <= 2) ||
                      (p.x >= 0 && p.x <= 2 && p.y >= 0 && p.y <= 10);
  CHECK(inside);
  geo::Geometry multi{geo::GeometryType::MultiPolygon,
                      {square(0, 0, 1).parts[0], square(100, 100, 10).parts[0]}};
  const auto q = print::label_point(ctx, multi);
  CHECK(q.x > 100);
  CHECK(q.y > 100);
}

TEST_CASE("an SVG map draws shapes, markers and escaped labels in its viewBox", "[unit][print]") {
  geo::Box extent;
  extent.expand(geo::XY{0, 0});
  extent.expand(geo::XY{100, 50});
  print::SvgMap map(200, 100, extent, 0);
  CHECK(map.to_svg({0, 0}).x == Approx(0));
  CHECK(map.to_svg({0, 0}).y == Approx(100));  // north up
  CHECK(map.to_svg({100, 50}).y == Approx(0));
  map.shape(square(0, 0, 10), "#882255", 0.5, "#444444", 1, {3, 2}, "Buurt <1>", "buurt");
  map.shape(square(0, 0, 10), "javascript:x", 0.5, "#444444", 1);
  map.marker({50, 25}, "#E69F00", 8, print::SvgMap::Marker::Triangle, "Dorpshuis");
  map.label({50, 25}, "Wergea & Warten", 10);
  const std::string svg = map.str("Kaart van \"Wergea\"");
  CHECK(svg.rfind("<svg ", 0) == 0);
  CHECK(svg.find("fill=\"#882255\"") != std::string::npos);
  CHECK(svg.find("stroke-dasharray=\"3.0 2.0\"") != std::string::npos);
  CHECK(svg.find("<title>Buurt &lt;1&gt;</title>") != std::string::npos);
  CHECK(svg.find("javascript") == std::string::npos);
  CHECK(svg.find("Wergea &amp; Warten") != std::string::npos);
  CHECK(svg.find("aria-label=\"Kaart van &quot;Wergea&quot;\"") != std::string::npos);
}
