#include <string>
#include <vector>

#include "layers/filter_parser.hpp"
#include "util/utf8.hpp"

// CQL2 text: the spatial predicates S_INTERSECTS / S_DISJOINT and their geometry literals
// (WKT and BBOX); the rest of the grammar is shared with Esri where (filter_parser.cpp).

namespace gebieden::layers::filter::detail {

using util::shorten;

// S_INTERSECTS(property, geometry) in either order.
Expr Parser::parse_spatial(SpatialOp op) {
  const Token& name = peek();
  const std::size_t pos = name.pos;
  DepthGuard guard(*this, pos);
  next();
  next();
  std::optional<Expr> property;
  std::optional<geo::Geometry> geometry;
  bool bbox = false;
  for (int arg = 0; arg < 2; ++arg) {
    if (arg == 1) expect(Tok::Comma, "','");
    const Token& t = peek();
    const std::string up = util::ascii_upper(t.raw);
    if (t.kind == Tok::Ident && is_geometry_keyword(up) &&
        (peek(1).kind == Tok::LParen || is_kw(peek(1), "Z") || is_kw(peek(1), "EMPTY"))) {
      if (geometry) fail(shorten(name.raw) + " needs one property and one geometry", t.pos);
      bbox = up == "BBOX";
      geometry = parse_geometry();
    } else if (t.kind == Tok::QuotedIdent || (t.kind == Tok::Ident && peek(1).kind != Tok::LParen &&
                                              !is_reserved(up, m_dialect))) {
      if (property) fail(shorten(name.raw) + " needs one property and one geometry", t.pos);
      next();
      property = make(Property{t.kind == Tok::QuotedIdent ? t.text : std::string(t.raw)}, t.pos);
    } else {
      unexpected(t, "a property name or a geometry literal");
    }
  }
  expect(Tok::RParen, "')'");
  return make(Spatial{op, std::move(*property), std::move(*geometry), bbox}, pos);
}

double Parser::number() {
  const Token& t = peek();
  if (t.kind != Tok::Numeric) unexpected(t, "a number");
  next();
  const Value v = number_value(t);
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  return std::get<double>(v);
}

geo::XY Parser::coordinate() {
  geo::XY p;
  p.x = number();
  p.y = number();
  if (peek().kind == Tok::Numeric) number();  // z, ignored
  return p;
}

geo::Path Parser::coordinate_list(std::size_t min, std::string_view what) {
  const std::size_t pos = peek().pos;
  expect(Tok::LParen, "'('");
  geo::Path path;
  do {
    path.push_back(coordinate());
  } while (accept(Tok::Comma));
  expect(Tok::RParen, "',' or ')'");
  if (path.size() < min) {
    fail(std::string(what) + " needs at least " + std::to_string(min) + " positions", pos);
  }
  return path;
}

std::vector<geo::Path> Parser::polygon_body() {
  expect(Tok::LParen, "'('");
  std::vector<geo::Path> rings;
  do {
    const std::size_t pos = peek().pos;
    geo::Path ring = coordinate_list(4, "a polygon ring");
    if (ring.front() != ring.back()) fail("polygon ring is not closed", pos);
    rings.push_back(std::move(ring));
  } while (accept(Tok::Comma));
  expect(Tok::RParen, "',' or ')'");
  return rings;
}

geo::Geometry Parser::parse_geometry() {
  const Token& t = next();
  const std::string up = util::ascii_upper(t.raw);
  if (is_kw(peek(), "EMPTY")) fail("empty geometries are not supported", t.pos);
  if (up != "BBOX") accept_kw("Z");
  if (is_kw(peek(), "EMPTY")) fail("empty geometries are not supported", t.pos);
  geo::Geometry g;
  if (up == "BBOX") {
    expect(Tok::LParen, "'('");
    std::vector<double> v;
    do {
      v.push_back(number());
    } while (accept(Tok::Comma));
    expect(Tok::RParen, "',' or ')'");
    if (v.size() != 4 && v.size() != 6) fail("BBOX needs 4 or 6 numbers", t.pos);
    geo::Box b;
    b.valid = true;
    const std::size_t h = v.size() / 2;
    b.minx = v[0], b.miny = v[1], b.maxx = v[h], b.maxy = v[h + 1];
    if (b.minx > b.maxx || b.miny > b.maxy) fail("BBOX minimum is larger than its maximum", t.pos);
    return geo::Geometry::box(b);
  }
  if (up == "POINT") {
    expect(Tok::LParen, "'('");
    g = geo::Geometry::point(0, 0);
    g.parts[0][0][0] = coordinate();
    expect(Tok::RParen, "')'");
  } else if (up == "LINESTRING") {
    g.type = geo::GeometryType::LineString;
    g.parts = {{coordinate_list(2, "a line string")}};
  } else if (up == "POLYGON") {
    g.type = geo::GeometryType::Polygon;
    g.parts = {polygon_body()};
  } else if (up == "MULTIPOINT") {
    g.type = geo::GeometryType::MultiPoint;
    geo::Path points;
    expect(Tok::LParen, "'('");
    do {
      if (accept(Tok::LParen)) {
        points.push_back(coordinate());
        expect(Tok::RParen, "')'");
      } else {
        points.push_back(coordinate());
      }
    } while (accept(Tok::Comma));
    expect(Tok::RParen, "',' or ')'");
    g.parts = {{std::move(points)}};
  } else if (up == "MULTILINESTRING") {
    g.type = geo::GeometryType::MultiLineString;
    std::vector<geo::Path> lines;
    expect(Tok::LParen, "'('");
    do {
      lines.push_back(coordinate_list(2, "a line string"));
    } while (accept(Tok::Comma));
    expect(Tok::RParen, "',' or ')'");
    g.parts = {std::move(lines)};
  } else if (up == "MULTIPOLYGON") {
    g.type = geo::GeometryType::MultiPolygon;
    expect(Tok::LParen, "'('");
    do {
      g.parts.push_back(polygon_body());
    } while (accept(Tok::Comma));
    expect(Tok::RParen, "',' or ')'");
  } else {
    fail("unsupported geometry type '" + shorten(t.raw) + "'", t.pos);
  }
  return g;
}

}  // namespace gebieden::layers::filter::detail

namespace gebieden::layers::filter {

Expr parse_cql2_text(std::string_view text, const ParseOptions& options) {
  return detail::Parser(text, detail::Dialect::Cql2, options).parse();
}

}  // namespace gebieden::layers::filter
