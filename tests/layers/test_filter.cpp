#include "layers/filter.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <compare>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace {

namespace geo = gebieden::geo;
namespace filter = gebieden::layers::filter;

using filter::FieldType;
using filter::parse_error;
using filter::Truth;
using filter::Value;
using Props = std::map<std::string, Value, std::less<>>;

Truth cql_truth(std::string_view text, const Props& props, const geo::Geometry* g = nullptr) {
  return filter::evaluate(filter::parse_cql2_text(text), filter::map_access(props, g, "geom"));
}
bool cql(std::string_view text, const Props& props, const geo::Geometry* g = nullptr) {
  return filter::matches(filter::parse_cql2_text(text), filter::map_access(props, g, "geom"));
}
Truth esri_truth(std::string_view text, const Props& props) {
  return filter::evaluate(filter::parse_esri_where(text), filter::map_access(props));
}
bool esri(std::string_view text, const Props& props) {
  return filter::matches(filter::parse_esri_where(text), filter::map_access(props));
}
std::string cql_str(std::string_view text) {
  return filter::to_string(filter::parse_cql2_text(text));
}
std::string esri_str(std::string_view text) {
  return filter::to_string(filter::parse_esri_where(text));
}

enum class Dialect { Cql2, Esri };

filter::Expr parse(Dialect d, std::string_view text, const filter::ParseOptions& o = {}) {
  return d == Dialect::Cql2 ? filter::parse_cql2_text(text, o) : filter::parse_esri_where(text, o);
}

parse_error error_of(Dialect d, std::string_view text, const filter::ParseOptions& o = {}) {
  try {
    parse(d, text, o);
  } catch (const parse_error& e) {
    return e;
  }
  FAIL("expected a parse_error for: " << std::string(text).substr(0, 200));
  return parse_error("", 0);
}

std::string what_of(Dialect d, std::string_view text) {
  return error_of(d, text).what();
}

geo::Geometry polygon(std::vector<geo::Path> rings) {
  return geo::Geometry{geo::GeometryType::Polygon, {std::move(rings)}};
}
geo::Path square(double x0, double y0, double x1, double y1) {
  return {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}};
}

const Props kRow{{"a", Value{std::int64_t{1}}},
                 {"b", Value{std::int64_t{2}}},
                 {"c", Value{std::int64_t{3}}},
                 {"d", Value{2.5}},
                 {"naam", Value{std::string("Oranjewijk")}},
                 {"code", Value{std::string("BU00800101")}},
                 {"numtext", Value{std::string("12")}},
                 {"flag", Value{true}},
                 {"leeg", Value{}}};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Comparison operators

TEST_CASE("filter: CQL2 comparison operators", "[filter]") {
  CHECK(cql("a = 1", kRow));
  CHECK_FALSE(cql("a = 2", kRow));
  CHECK(cql("a <> 2", kRow));
  CHECK_FALSE(cql("a <> 1", kRow));
  CHECK(cql("a < 2", kRow));
  CHECK_FALSE(cql("a < 1", kRow));
  CHECK(cql("a <= 1", kRow));
  CHECK_FALSE(cql("b <= 1", kRow));
  CHECK(cql("b > 1", kRow));
  CHECK_FALSE(cql("b > 2", kRow));
  CHECK(cql("b >= 2", kRow));
  CHECK_FALSE(cql("a >= 2", kRow));
  CHECK(cql("naam = 'Oranjewijk'", kRow));
  CHECK_FALSE(cql("naam = 'oranjewijk'", kRow));
  CHECK(cql("naam > 'A'", kRow));
  CHECK(cql("naam < 'Z'", kRow));
  CHECK(cql("flag = TRUE", kRow));
  CHECK_FALSE(cql("flag = FALSE", kRow));
  CHECK(cql("a < b", kRow));  // property against property
  CHECK(cql("\"naam\" = 'Oranjewijk'", kRow));
}

TEST_CASE("filter: Esri comparison operators", "[filter]") {
  CHECK(esri("a = 1", kRow));
  CHECK(esri("a <> 2", kRow));
  CHECK(esri("a != 2", kRow));
  CHECK_FALSE(esri("a != 1", kRow));
  CHECK(esri("a < 2", kRow));
  CHECK(esri("a <= 1", kRow));
  CHECK(esri("b > 1", kRow));
  CHECK(esri("b >= 2", kRow));
  CHECK_FALSE(esri("b >= 3", kRow));
  CHECK(esri("naam = 'Oranjewijk'", kRow));
  CHECK(esri("\"naam\" = 'Oranjewijk'", kRow));
  CHECK(esri("a=1", kRow));  // no spaces
  CHECK(esri("1=1", kRow));
  CHECK_FALSE(esri("1=0", kRow));
  CHECK(esri("1 = 1 AND a = 1", kRow));
  CHECK(esri("'x' = 'x'", kRow));
  CHECK(esri("2 > 1", kRow));
}

TEST_CASE("filter: keywords are case-insensitive", "[filter]") {
  CHECK(cql("a = 1 and b = 2", kRow));
  CHECK(cql("a = 1 aNd NoT b = 3", kRow));
  CHECK(cql("naam like 'Oranje%'", kRow));
  CHECK(cql("a in (1, 2)", kRow));
  CHECK(cql("leeg is null", kRow));
  CHECK(cql("flag = true", kRow));
  CHECK(esri("a = 1 Or b = 5", kRow));
  CHECK(esri("a between 0 and 1", kRow));
  CHECK(esri("upper(naam) = 'ORANJEWIJK'", kRow));
  CHECK_FALSE(esri("leeg Is Not Null", kRow));
}

TEST_CASE("filter: numbers: integer, decimal, exponent, negative", "[filter]") {
  const Props row{{"i", Value{std::int64_t{-5}}}, {"x", Value{1500.0}}, {"f", Value{0.25}}};
  CHECK(cql("i = -5", row));
  CHECK(cql("i < -4.5", row));
  CHECK(cql("x = 1.5e3", row));
  CHECK(cql("x = 1.5E+3", row));
  CHECK(cql("x = 15000e-1", row));
  CHECK(cql("x = 1500", row));  // double against integer
  CHECK(cql("f = .25", row));
  CHECK(cql("f = 0.25", row));
  CHECK(cql("f > -.5", row));
  CHECK_THROWS_AS(filter::parse_cql2_text("i = +-5"), parse_error);
  CHECK(cql("i = +5", Props{{"i", Value{std::int64_t{5}}}}));
  CHECK(esri("i = -5", row));
  CHECK(esri("x >= 1.5e3", row));
  // Integers beyond int64 become doubles instead of failing.
  CHECK(cql("x < 99999999999999999999", row));
}

TEST_CASE("filter: int against double compares numerically and exactly", "[filter]") {
  using filter::compare_values;
  auto cmp = [](const Value& a, const Value& b) {
    const auto r = compare_values(a, b);
    REQUIRE(r.has_value());
    return *r;
  };
  CHECK(std::is_eq(cmp(Value{std::int64_t{2}}, Value{2.0})));
  CHECK(std::is_gt(cmp(Value{std::int64_t{3}}, Value{2.5})));
  CHECK(std::is_lt(cmp(Value{2.5}, Value{std::int64_t{3}})));
  // 2^53 + 1 is not representable as a double; the comparison must not round it away.
  CHECK(std::is_gt(cmp(Value{std::int64_t{9007199254740993}}, Value{9007199254740992.0})));
  CHECK(std::is_lt(cmp(Value{std::int64_t{-1}}, Value{-0.5})));
  CHECK(std::is_lt(cmp(Value{std::int64_t{INT64_MAX}}, Value{1e300})));
  CHECK(std::is_gt(cmp(Value{std::int64_t{INT64_MIN}}, Value{-1e300})));
  CHECK((cmp(Value{std::int64_t{1}}, Value{std::nan("")}) == std::partial_ordering::unordered));
  CHECK_FALSE(compare_values(Value{}, Value{std::int64_t{1}}).has_value());
  CHECK_FALSE(compare_values(Value{std::string("abc")}, Value{std::int64_t{1}}).has_value());
  CHECK(std::is_eq(cmp(Value{true}, Value{std::int64_t{1}})));
  CHECK(std::is_lt(cmp(Value{std::string("B")}, Value{std::string("a")})));         // byte order
  CHECK(std::is_gt(cmp(Value{std::string("\xC3\xA9")}, Value{std::string("z")})));  // é > z
}

TEST_CASE("filter: a string property against a number literal", "[filter]") {
  CHECK(cql("numtext = 12", kRow));
  CHECK(cql("numtext = 12.0", kRow));
  CHECK(cql("numtext > 9", kRow));  // numeric, not '12' < '9' as text
  CHECK(cql("numtext < 100", kRow));
  CHECK_FALSE(cql("naam = 12", kRow));
  CHECK(cql("naam <> 12", kRow));                         // not equal
  CHECK(cql_truth("naam > 12", kRow) == Truth::Unknown);  // not comparable
  CHECK(esri("numtext = 12", kRow));
  CHECK(esri("a = '1'", kRow));  // number property, string literal
  CHECK(esri("a = ' 1 '", kRow));
  CHECK_FALSE(esri("a = '1x'", kRow));
  const Props flags{{"s", Value{std::string("true")}}};
  CHECK(cql("s = TRUE", flags));
}

TEST_CASE("filter: string literals with '' escaping and UTF-8", "[filter]") {
  const Props row{{"t", Value{std::string("it's")}}, {"u", Value{std::string("Café")}}};
  CHECK(cql("t = 'it''s'", row));
  CHECK(esri("t = 'it''s'", row));
  CHECK(cql("u = 'Café'", row));
  CHECK(cql("'' = ''", row));
  CHECK(esri("t <> ''", row));
  CHECK(cql_str("t = 'it''s'") == "t = 'it''s'");
  // Backslash is an ordinary character in string literals.
  const Props path{{"p", Value{std::string("c:\\tmp")}}};
  CHECK(cql("p = 'c:\\tmp'", path));
  CHECK(esri("p = 'c:\\tmp'", path));
}

// ---------------------------------------------------------------------------------------------
// Logic

TEST_CASE("filter: precedence: NOT binds tighter than AND, AND tighter than OR", "[filter]") {
  CHECK(cql_str("a=1 OR b=2 AND c=3") == "a = 1 OR (b = 2 AND c = 3)");
  CHECK(esri_str("a=1 OR b=2 AND c=3") == "a = 1 OR (b = 2 AND c = 3)");
  CHECK(cql_str("a=1 AND b=2 OR c=3") == "(a = 1 AND b = 2) OR c = 3");
  CHECK(cql_str("(a=1 OR b=2) AND c=3") == "(a = 1 OR b = 2) AND c = 3");
  CHECK(cql_str("NOT a=1 AND b=2") == "NOT (a = 1) AND b = 2");
  CHECK(cql_str("NOT (a=1 AND b=2)") == "NOT (a = 1 AND b = 2)");

  const Props only_a{
      {"a", Value{std::int64_t{1}}}, {"b", Value{std::int64_t{0}}}, {"c", Value{std::int64_t{0}}}};
  const Props only_b{
      {"a", Value{std::int64_t{0}}}, {"b", Value{std::int64_t{2}}}, {"c", Value{std::int64_t{0}}}};
  const Props b_and_c{
      {"a", Value{std::int64_t{0}}}, {"b", Value{std::int64_t{2}}}, {"c", Value{std::int64_t{3}}}};
  for (auto d : {Dialect::Cql2, Dialect::Esri}) {
    const auto e = parse(d, "a=1 OR b=2 AND c=3");
    CHECK(filter::matches(e, filter::map_access(only_a)));
    CHECK_FALSE(filter::matches(e, filter::map_access(only_b)));  // (a OR b) AND c would say no too
    CHECK(filter::matches(e, filter::map_access(b_and_c)));
    const auto f = parse(d, "(a=1 OR b=2) AND c=3");
    CHECK_FALSE(filter::matches(f, filter::map_access(only_a)));
    CHECK(filter::matches(f, filter::map_access(b_and_c)));
  }
  // Long chains are flat, not deep.
  std::string chain = "a = 0";
  for (int i = 1; i < 2000; ++i) chain += " OR a = " + std::to_string(i);
  const auto e = filter::parse_cql2_text(chain);
  REQUIRE(e.get_if<filter::Or>());
  CHECK(e.get_if<filter::Or>()->operands.size() == 2000);
  CHECK(filter::matches(e, filter::map_access(kRow)));
}

TEST_CASE("filter: NOT", "[filter]") {
  CHECK(cql("NOT a = 2", kRow));
  CHECK_FALSE(cql("NOT a = 1", kRow));
  CHECK(cql("NOT NOT a = 1", kRow));
  CHECK(cql("NOT (a = 2 OR b = 3)", kRow));
  CHECK_FALSE(cql("NOT (a = 1 OR b = 3)", kRow));
  CHECK(esri("NOT a = 2", kRow));
  CHECK(esri("NOT (a = 2) AND NOT (b = 1)", kRow));
  CHECK(cql("NOT FALSE", kRow));
  CHECK_FALSE(cql("NOT TRUE", kRow));
}

TEST_CASE("filter: three-valued logic with NULL", "[filter]") {
  // `leeg` is null, `missing` is absent: both are NULL.
  for (const char* p : {"leeg", "missing"}) {
    const std::string n(p);
    CHECK(cql_truth(n + " = 1", kRow) == Truth::Unknown);
    CHECK(cql_truth(n + " <> 1", kRow) == Truth::Unknown);
    CHECK(cql_truth(n + " < 1", kRow) == Truth::Unknown);
    CHECK(cql_truth("NOT " + n + " = 1", kRow) == Truth::Unknown);
    CHECK_FALSE(cql("NOT " + n + " = 1", kRow));  // unknown is not a match
    CHECK(cql_truth(n + " = 1 OR a = 1", kRow) == Truth::True);
    CHECK(cql_truth(n + " = 1 OR a = 2", kRow) == Truth::Unknown);
    CHECK(cql_truth(n + " = 1 AND a = 2", kRow) == Truth::False);
    CHECK(cql_truth(n + " = 1 AND a = 1", kRow) == Truth::Unknown);
    CHECK(cql_truth("NOT (" + n + " = 1 AND a = 2)", kRow) == Truth::True);
    CHECK(cql_truth(n + " IS NULL", kRow) == Truth::True);
    CHECK(cql_truth(n + " IS NOT NULL", kRow) == Truth::False);
    CHECK(cql_truth(n + " LIKE '%'", kRow) == Truth::Unknown);
    CHECK(cql_truth(n + " NOT LIKE '%'", kRow) == Truth::Unknown);
    CHECK(cql_truth(n + " BETWEEN 0 AND 5", kRow) == Truth::Unknown);
    CHECK(cql_truth(n + " NOT BETWEEN 0 AND 5", kRow) == Truth::Unknown);
    CHECK(cql_truth(n + " IN (1, 2)", kRow) == Truth::Unknown);
    CHECK(cql_truth(n + " NOT IN (1, 2)", kRow) == Truth::Unknown);
    CHECK(esri_truth(n + " = 1", kRow) == Truth::Unknown);
    CHECK(esri(n + " IS NULL", kRow));
  }
  CHECK(cql_truth("a = NULL", kRow) == Truth::Unknown);
  CHECK(cql_truth("a IN (5, NULL)", kRow) == Truth::Unknown);
  CHECK(cql_truth("a IN (1, NULL)", kRow) == Truth::True);
  CHECK(cql_truth("a NOT IN (5, NULL)", kRow) == Truth::Unknown);  // SQL semantics
  CHECK(cql_truth("a BETWEEN 5 AND NULL", kRow) == Truth::False);  // a >= 5 is false
  CHECK(cql_truth("a BETWEEN 0 AND NULL", kRow) == Truth::Unknown);
  CHECK(cql_truth("a IS NOT NULL", kRow) == Truth::True);
  // No accessor at all: every property is null.
  CHECK(filter::evaluate(filter::parse_cql2_text("a = 1"), filter::PropertyAccess{}) ==
        Truth::Unknown);
}

// ---------------------------------------------------------------------------------------------
// LIKE, IN, BETWEEN

TEST_CASE("filter: like_match wildcards and escapes", "[filter]") {
  using filter::like_match;
  CHECK(like_match("Oranjewijk", "Oranje%"));
  CHECK(like_match("Oranjewijk", "%wijk"));
  CHECK(like_match("Oranjewijk", "%nje%"));
  CHECK(like_match("Oranjewijk", "%"));
  CHECK(like_match("", "%"));
  CHECK(like_match("", "%%"));
  CHECK_FALSE(like_match("", "_"));
  CHECK(like_match("abc", "a_c"));
  CHECK(like_match("abc", "___"));
  CHECK_FALSE(like_match("abc", "__"));
  CHECK_FALSE(like_match("abc", "____"));
  CHECK(like_match("abc", "a%c"));
  CHECK(like_match("ac", "a%c"));
  CHECK_FALSE(like_match("ab", "a%c"));
  CHECK(like_match("aXbXc", "a%b%c"));
  CHECK(like_match("mississippi", "%iss%ppi"));
  CHECK_FALSE(like_match("mississippi", "%iss%ppix"));
  CHECK(like_match("abc", "abc"));
  CHECK_FALSE(like_match("abc", "ABC"));  // case-sensitive
  CHECK(like_match("100%", "100\\%"));
  CHECK_FALSE(like_match("1000", "100\\%"));
  CHECK(like_match("a_b", "a\\_b"));
  CHECK_FALSE(like_match("axb", "a\\_b"));
  CHECK(like_match("a\\b", "a\\\\b"));
  CHECK(like_match("a\\", "a\\"));  // a trailing backslash is literal
  CHECK(like_match("é", "_"));      // one character, two bytes
  CHECK(like_match("Café", "Caf_"));
  CHECK_FALSE(like_match("Café", "Caf__"));
  CHECK(like_match("ĳsje", "_sje"));
  // Pathological pattern: linear-ish, must finish quickly.
  const std::string text(5000, 'a');
  std::string pattern;
  for (int i = 0; i < 50; ++i) pattern += "%a";
  pattern += "%b";
  const auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(like_match(text, pattern));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("filter: LIKE and NOT LIKE in both dialects", "[filter]") {
  CHECK(cql("naam LIKE 'Oranje%'", kRow));
  CHECK(cql("naam LIKE '_ranjewij_'", kRow));
  CHECK_FALSE(cql("naam LIKE 'oranje%'", kRow));
  CHECK(cql("naam NOT LIKE 'oranje%'", kRow));
  CHECK_FALSE(cql("naam NOT LIKE 'Oranje%'", kRow));
  CHECK(cql("code LIKE 'BU0080%'", kRow));
  CHECK(esri("naam LIKE 'Oranje%'", kRow));
  CHECK(esri("naam NOT LIKE 'X%'", kRow));
  CHECK(esri("UPPER(naam) LIKE 'ORANJE%'", kRow));
  CHECK(esri("LOWER(naam) LIKE '%wijk'", kRow));
  CHECK(cql("CASEI(naam) LIKE CASEI('ORANJE%')", kRow));
  // LIKE on a number reads it as text.
  CHECK(cql("a LIKE '1'", kRow));
}

TEST_CASE("filter: LIKE escapes: CQL2 backslash, Esri ESCAPE clause", "[filter]") {
  const Props row{{"p", Value{std::string("50%_korting")}}, {"q", Value{std::string("a\\b")}}};
  CHECK(cql("p LIKE '50\\%\\_korting'", row));
  CHECK_FALSE(cql("p LIKE '50\\%\\_kortinx'", row));
  CHECK(cql("p LIKE '%\\%%'", row));
  CHECK_FALSE(cql("q LIKE '%\\%%'", row));
  // Esri: backslash is ordinary unless it is the ESCAPE character.
  CHECK(esri("q LIKE 'a\\b'", row));
  CHECK(esri("q LIKE '_\\_'", row));
  CHECK(esri("p LIKE '50!%!_korting' ESCAPE '!'", row));
  CHECK_FALSE(esri("p LIKE '50!%!_kortinx' ESCAPE '!'", row));
  CHECK(esri("p LIKE '%\\%%' ESCAPE '\\'", row));
  CHECK_FALSE(esri("q LIKE '%\\%%' ESCAPE '\\'", row));
  // The tree uses the CQL2 form.
  CHECK(esri_str("p LIKE '50!%' ESCAPE '!'") == "p LIKE '50\\%'");
  CHECK(esri_str("q LIKE 'a\\b'") == "q LIKE 'a\\\\b'");
  CHECK(what_of(Dialect::Esri, "p LIKE 'x!' ESCAPE '!'") ==
        "LIKE pattern ends with its escape character at position 7");
}

TEST_CASE("filter: case-insensitive LIKE option and CASEI/ACCENTI", "[filter]") {
  filter::ParseOptions ci;
  ci.like_case_insensitive = true;
  const auto e = filter::parse_esri_where("naam LIKE 'oranje%'", ci);
  CHECK(filter::matches(e, filter::map_access(kRow)));
  CHECK(filter::to_string(e) == "CASEI(naam) LIKE CASEI('oranje%')");
  CHECK_FALSE(esri("naam LIKE 'oranje%'", kRow));  // default: case-sensitive
  CHECK(filter::matches(filter::parse_cql2_text("naam NOT LIKE 'ORANJE%'", ci),
                        filter::map_access(kRow)) == false);

  const Props row{{"n", Value{std::string("Ĳsselmeer Élan")}}};
  CHECK(cql("CASEI(n) = CASEI('ĳSSELMEER élan')", row));
  CHECK(cql("ACCENTI(n) = ACCENTI('Ĳsselmeer Elan')", row));
  CHECK(cql("CASEI(ACCENTI(n)) = 'ĳsselmeer elan'", row));
  CHECK(cql("UPPER(n) = 'ĲSSELMEER ÉLAN'", row));
  CHECK_FALSE(cql("n = 'Ĳsselmeer Elan'", row));
  const Props accents{{"w", Value{std::string("Café Noël Øster Łódź")}}};
  CHECK(cql("ACCENTI(w) = 'Cafe Noel Oster Lodz'", accents));
  CHECK(cql("LOWER(w) = 'café noël øster łódź'", accents));
  // Combining marks are dropped by ACCENTI ("e" + U+0301).
  const Props combining{{"w", Value{std::string("Cafe\xCC\x81")}}};
  CHECK(cql("ACCENTI(w) = 'Cafe'", combining));
}

TEST_CASE("filter: IN and NOT IN", "[filter]") {
  CHECK(cql("a IN (1, 2, 3)", kRow));
  CHECK_FALSE(cql("a IN (4, 5)", kRow));
  CHECK(cql("a NOT IN (4, 5)", kRow));
  CHECK_FALSE(cql("a NOT IN (1)", kRow));
  CHECK(cql("naam IN ('Oranjewijk', 'Heechterp')", kRow));
  CHECK(cql("d IN (2.5)", kRow));
  CHECK(cql("a IN (b, 1)", kRow));  // properties in the list
  CHECK(esri("a IN (1,2,3)", kRow));
  CHECK(esri("a NOT IN (7,8)", kRow));
  CHECK(esri("code IN ('BU00800101','BU00800102')", kRow));
  CHECK(esri("UPPER(naam) IN ('ORANJEWIJK')", kRow));
  CHECK(cql_str("a not in (1,2)") == "a NOT IN (1, 2)");
}

TEST_CASE("filter: BETWEEN and NOT BETWEEN", "[filter]") {
  CHECK(cql("b BETWEEN 1 AND 3", kRow));
  CHECK(cql("b BETWEEN 2 AND 2", kRow));  // inclusive
  CHECK_FALSE(cql("b BETWEEN 3 AND 4", kRow));
  CHECK(cql("b NOT BETWEEN 3 AND 4", kRow));
  CHECK_FALSE(cql("b NOT BETWEEN 1 AND 3", kRow));
  CHECK(cql("d BETWEEN 2 AND 3", kRow));
  CHECK(cql("naam BETWEEN 'N' AND 'P'", kRow));
  CHECK(cql("b BETWEEN 1 AND 3 AND a = 1", kRow));  // the first AND belongs to BETWEEN
  CHECK(esri("b BETWEEN 1 AND 3", kRow));
  CHECK(esri("b NOT BETWEEN 5 AND 9", kRow));
  CHECK(cql_str("b between 1 and 3 and a = 1") == "b BETWEEN 1 AND 3 AND a = 1");
}

TEST_CASE("filter: IS NULL and IS NOT NULL", "[filter]") {
  CHECK(cql("leeg IS NULL", kRow));
  CHECK_FALSE(cql("a IS NULL", kRow));
  CHECK(cql("a IS NOT NULL", kRow));
  CHECK(esri("leeg IS NULL AND naam IS NOT NULL", kRow));
  CHECK(esri("missing IS NULL", kRow));
  // A geometry property is not null when the feature has a geometry.
  const geo::Geometry g = geo::Geometry::point(1, 2);
  CHECK(cql("geom IS NOT NULL", kRow, &g));
  CHECK(cql("geom IS NULL", kRow, nullptr));
  const geo::Geometry empty;
  CHECK(cql("geom IS NULL", kRow, &empty));
}

// ---------------------------------------------------------------------------------------------
// Dates and timestamps

TEST_CASE("filter: timestamps: parsing, formatting and comparing", "[filter]") {
  auto t = filter::parse_timestamp("2024-03-01");
  REQUIRE(t);
  CHECK(t->date_only);
  CHECK(t->millis == 1709251200000);
  CHECK(filter::format_timestamp(*t) == "2024-03-01");
  t = filter::parse_timestamp("2024-03-01T12:30:15Z");
  REQUIRE(t);
  CHECK_FALSE(t->date_only);
  CHECK(filter::format_timestamp(*t) == "2024-03-01T12:30:15Z");
  CHECK(filter::parse_timestamp("2024-03-01 13:30:15+01:00")->millis == t->millis);
  CHECK(filter::parse_timestamp("2024-03-01T12:30:15.250Z")->millis == t->millis + 250);
  CHECK(filter::format_timestamp(*filter::parse_timestamp("1969-12-31T23:59:59.5Z")) ==
        "1969-12-31T23:59:59.500Z");
  CHECK(filter::parse_timestamp("2024-02-29"));
  CHECK_FALSE(filter::parse_timestamp("2023-02-29"));
  CHECK_FALSE(filter::parse_timestamp("2024-13-01"));
  CHECK_FALSE(filter::parse_timestamp("2024-03-01T25:00:00Z"));
  CHECK_FALSE(filter::parse_timestamp("yesterday"));
  CHECK_FALSE(filter::parse_timestamp("2024-03-01T12:00:00Zx"));

  const Props row{{"datum", Value{*filter::parse_timestamp("2024-03-01T12:00:00Z")}},
                  {"tekst", Value{std::string("2024-03-01")}}};
  CHECK(cql("datum > DATE('2024-03-01')", row));
  CHECK(cql("datum < DATE('2024-03-02')", row));
  CHECK(cql("datum = TIMESTAMP('2024-03-01T12:00:00Z')", row));
  CHECK(cql("datum BETWEEN DATE('2024-01-01') AND DATE('2024-12-31')", row));
  CHECK(esri("datum >= DATE '2024-03-01'", row));
  CHECK(esri("datum = TIMESTAMP '2024-03-01 12:00:00'", row));
  CHECK(esri("datum > '2024-02-01'", row));  // string literal compared as a date
  CHECK(cql("tekst = DATE('2024-03-01')", row));
  CHECK(cql_str("d = DATE('2024-03-01')") == "d = DATE('2024-03-01')");
  CHECK(esri_str("d = TIMESTAMP '2024-03-01 12:00:00'") == "d = TIMESTAMP('2024-03-01T12:00:00Z')");
  // "date" is still usable as a property name.
  const Props named{{"date", Value{std::int64_t{5}}}};
  CHECK(esri("date = 5", named));
  CHECK(cql("date = 5", named));
}

// ---------------------------------------------------------------------------------------------
// Spatial

TEST_CASE("filter: intersects: points, boxes, polygons with holes", "[filter]") {
  using filter::intersects;
  const geo::Geometry donut = polygon({square(0, 0, 10, 10), square(4, 4, 6, 6)});
  const geo::Geometry p_in = geo::Geometry::point(2, 2);
  const geo::Geometry p_hole = geo::Geometry::point(5, 5);
  const geo::Geometry p_out = geo::Geometry::point(11, 5);
  const geo::Geometry p_edge = geo::Geometry::point(10, 5);
  const geo::Geometry p_corner = geo::Geometry::point(0, 0);
  const geo::Geometry p_hole_edge = geo::Geometry::point(4, 5);
  CHECK(intersects(p_in, donut));
  CHECK(intersects(donut, p_in));
  CHECK_FALSE(intersects(p_hole, donut));
  CHECK_FALSE(intersects(p_out, donut));
  CHECK(intersects(p_edge, donut));
  CHECK(intersects(p_corner, donut));
  CHECK(intersects(p_hole_edge, donut));
  // point-point
  CHECK(intersects(p_in, geo::Geometry::point(2, 2)));
  CHECK_FALSE(intersects(p_in, geo::Geometry::point(2, 2.000001)));
  // polygon-box
  auto box = [](double a, double b, double c, double d) {
    return geo::Geometry::box(geo::Box{a, b, c, d, true});
  };
  CHECK(intersects(donut, box(9, 9, 20, 20)));              // overlapping corner
  CHECK(intersects(donut, box(-5, -5, 15, 15)));            // box contains polygon
  CHECK(intersects(donut, box(1, 1, 2, 2)));                // polygon contains box
  CHECK_FALSE(intersects(donut, box(4.5, 4.5, 5.5, 5.5)));  // inside the hole
  CHECK(intersects(donut, box(4.5, 4.5, 6.5, 5.5)));        // sticks out of the hole
  CHECK(intersects(donut, box(3, 3, 7, 7)));                // covers the hole
  CHECK_FALSE(intersects(donut, box(11, 11, 12, 12)));
  CHECK(intersects(donut, box(10, 10, 12, 12)));  // touches at a corner
  CHECK(intersects(donut, box(5, 5, 5, 5)) == false);
  CHECK(intersects(donut, box(2, 2, 2, 2)));  // degenerate box = a point
  // point-box
  CHECK(intersects(p_in, box(0, 0, 3, 3)));
  CHECK(intersects(p_in, box(2, 2, 3, 3)));  // on the boundary
  CHECK_FALSE(intersects(p_in, box(3, 3, 4, 4)));
  // polygon-polygon: crossing edges without any vertex inside the other
  const geo::Geometry cross_a = polygon({square(0, 4, 10, 6)});
  const geo::Geometry cross_b = polygon({square(4, 0, 6, 10)});
  CHECK(intersects(cross_a, cross_b));
  const geo::Geometry triangle = polygon({{{20, 0}, {30, 0}, {25, 8}, {20, 0}}});
  CHECK_FALSE(intersects(donut, triangle));
  // Concave: an L shape and a square in its notch do not intersect although the boxes do.
  const geo::Geometry ell = polygon({{{0, 0}, {10, 0}, {10, 2}, {2, 2}, {2, 10}, {0, 10}, {0, 0}}});
  CHECK_FALSE(intersects(ell, polygon({square(4, 4, 8, 8)})));
  CHECK(intersects(ell, polygon({square(1, 4, 8, 8)})));
  // Multi polygons and lines.
  geo::Geometry multi{geo::GeometryType::MultiPolygon,
                      {{square(20, 20, 30, 30)}, {square(40, 40, 50, 50)}}};
  CHECK(intersects(multi, geo::Geometry::point(45, 45)));
  CHECK_FALSE(intersects(multi, geo::Geometry::point(35, 35)));
  const geo::Geometry line{geo::GeometryType::LineString, {{geo::Path{{-5, 5}, {2, 5}}}}};
  CHECK(intersects(line, donut));
  const geo::Geometry line_in_hole{geo::GeometryType::LineString,
                                   {{geo::Path{{4.5, 5}, {5.5, 5}}}}};
  CHECK_FALSE(intersects(line_in_hole, donut));
  CHECK_FALSE(intersects(geo::Geometry{}, donut));
}

TEST_CASE("filter: S_INTERSECTS with POINT, BBOX, POLYGON literals", "[filter]") {
  const geo::Geometry donut = polygon({square(0, 0, 10, 10), square(4, 4, 6, 6)});
  const geo::Geometry pt = geo::Geometry::point(2, 3);

  // Point feature.
  CHECK(cql("S_INTERSECTS(geom, POINT(2 3))", kRow, &pt));
  CHECK_FALSE(cql("S_INTERSECTS(geom, POINT(2 4))", kRow, &pt));
  CHECK(cql("S_INTERSECTS(geom, BBOX(0, 0, 5, 5))", kRow, &pt));
  CHECK(cql("S_INTERSECTS(geom, BBOX(2, 3, 5, 5))", kRow, &pt));
  CHECK_FALSE(cql("S_INTERSECTS(geom, BBOX(3, 3, 5, 5))", kRow, &pt));
  CHECK(cql("S_INTERSECTS(geom, BBOX(0, 0, 0, 5, 5, 5))", kRow, &pt));
  CHECK(cql("S_INTERSECTS(geom, POLYGON((0 0, 5 0, 5 5, 0 5, 0 0)))", kRow, &pt));
  CHECK_FALSE(
      cql("S_INTERSECTS(geom, POLYGON((0 0, 5 0, 5 5, 0 5, 0 0), (1 1, 4 1, 4 4, 1 4, 1 1)))", kRow,
          &pt));
  CHECK(cql("S_INTERSECTS(geom, MULTIPOLYGON(((10 10, 11 10, 11 11, 10 10)), "
            "((0 0, 5 0, 5 5, 0 0))))",
            kRow, &pt) == false);
  CHECK(
      cql("S_INTERSECTS(geom, MULTIPOLYGON(((10 10, 11 10, 11 11, 10 10)), "
          "((0 0, 5 0, 0 5, 0 0))))",
          kRow, &pt));
  CHECK(cql("S_INTERSECTS(geom, LINESTRING(0 0, 4 6))", kRow, &pt));
  CHECK(cql("S_INTERSECTS(geom, MULTIPOINT((9 9), (2 3)))", kRow, &pt));
  CHECK(cql("S_INTERSECTS(geom, MULTIPOINT(9 9, 2 3))", kRow, &pt));
  CHECK(cql("S_INTERSECTS(geom, POINT Z(2 3 7))", kRow, &pt));

  // Polygon feature with a hole.
  CHECK(cql("S_INTERSECTS(geom, POINT(2 2))", kRow, &donut));
  CHECK_FALSE(cql("S_INTERSECTS(geom, POINT(5 5))", kRow, &donut));
  CHECK(cql("S_INTERSECTS(geom, POINT(4 5))", kRow, &donut));
  CHECK(cql("S_INTERSECTS(geom, BBOX(9, 9, 20, 20))", kRow, &donut));
  CHECK_FALSE(cql("S_INTERSECTS(geom, BBOX(4.5, 4.5, 5.5, 5.5))", kRow, &donut));
  CHECK(cql("S_INTERSECTS(geom, POLYGON((-1 -1, 11 -1, 11 11, -1 11, -1 -1)))", kRow, &donut));
  CHECK_FALSE(cql("S_INTERSECTS(geom, POLYGON((4.5 4.5, 5.5 4.5, 5.5 5.5, 4.5 5.5, 4.5 4.5)))",
                  kRow, &donut));
  CHECK(cql("S_INTERSECTS(geom, POLYGON((8 -2, 12 -2, 12 2, 8 2, 8 -2)))", kRow, &donut));
  CHECK(cql("S_INTERSECTS(geom, MULTILINESTRING((20 20, 30 30), (-1 5, 1 5)))", kRow, &donut));

  // Argument order, S_DISJOINT, combination with other predicates, quoted names.
  CHECK(cql("S_INTERSECTS(POINT(2 3), geom)", kRow, &pt));
  CHECK(cql("S_DISJOINT(geom, POINT(5 5))", kRow, &donut));
  CHECK_FALSE(cql("S_DISJOINT(geom, POINT(2 2))", kRow, &donut));
  CHECK(cql("a = 1 AND s_intersects(\"geom\", bbox(0,0,5,5))", kRow, &pt));
  CHECK(cql("NOT S_INTERSECTS(geom, POINT(5 5))", kRow, &donut));

  // No geometry: unknown.
  CHECK(cql_truth("S_INTERSECTS(geom, POINT(2 3))", kRow, nullptr) == Truth::Unknown);
  const geo::Geometry none;
  CHECK(cql_truth("S_DISJOINT(geom, POINT(2 3))", kRow, &none) == Truth::Unknown);

  // Rendering.
  CHECK(cql_str("s_intersects(geom,bbox(0,0,5.5,5))") == "S_INTERSECTS(geom, BBOX(0, 0, 5.5, 5))");
  CHECK(cql_str("S_INTERSECTS(POINT(1 2),geom)") == "S_INTERSECTS(geom, POINT(1 2))");
  CHECK(
      cql_str("S_INTERSECTS(geom,POLYGON((0 0,1 0,1 1,0 0),(0.1 0.1,0.2 0.1,0.2 0.2,0.1 0.1)))") ==
      "S_INTERSECTS(geom, POLYGON((0 0, 1 0, 1 1, 0 0), (0.1 0.1, 0.2 0.1, 0.2 0.2, 0.1 0.1)))");
  CHECK(cql_str("S_INTERSECTS(geom, MULTIPOINT(1 2, 3 4))") ==
        "S_INTERSECTS(geom, MULTIPOINT((1 2), (3 4)))");

  // The literal is typed: a polygon with two rings.
  const auto e = filter::parse_cql2_text(
      "S_INTERSECTS(geom, POLYGON((0 0, 5 0, 5 5, 0 5, 0 0), (1 1, 4 1, 4 4, 1 4, 1 1)))");
  const auto* s = e.get_if<filter::Spatial>();
  REQUIRE(s);
  CHECK(s->geometry.type == geo::GeometryType::Polygon);
  REQUIRE(s->geometry.parts.size() == 1);
  CHECK(s->geometry.parts[0].size() == 2);
  CHECK(s->geometry.parts[0][1][2] == geo::XY{4, 4});
}

// ---------------------------------------------------------------------------------------------
// Errors

TEST_CASE("filter: error messages name the problem and the position", "[filter]") {
  auto e = error_of(Dialect::Cql2, "a = 1)");
  CHECK(e.position() == 5);
  CHECK(std::string(e.what()).rfind("unexpected ')' at position 5", 0) == 0);
  CHECK(e.problem() == "unexpected ')'");

  e = error_of(Dialect::Esri, "naam = 'x' AND b = 2)");
  CHECK(std::string(e.what()).rfind("unexpected ')' at position 20", 0) == 0);

  CHECK(what_of(Dialect::Cql2, "name = 'abc") == "unterminated string starting at position 7");
  CHECK(what_of(Dialect::Esri, "name = 'abc") == "unterminated string starting at position 7");
  CHECK(what_of(Dialect::Esri, "SLEEP(1)") == "unknown function 'SLEEP' at position 0");
  CHECK(what_of(Dialect::Esri, "a = 1 AND SUBSTRING(naam, 1, 2) = 'x'") ==
        "unknown function 'SUBSTRING' at position 10");
  CHECK(what_of(Dialect::Cql2, "sleep(1) = 0") == "unknown function 'sleep' at position 0");
  CHECK(what_of(Dialect::Esri, "1=1; DROP TABLE x") == "unexpected ';' at position 3");
  CHECK(what_of(Dialect::Esri, "a = 1 -- x") == "comments are not allowed ('--') at position 6");
  CHECK(what_of(Dialect::Esri, "/* x */ a = 1") == "comments are not allowed ('/*') at position 0");
  CHECK(what_of(Dialect::Cql2, "((((a=1)") ==
        "unexpected end of filter at position 8, expected ')'");
  CHECK(what_of(Dialect::Cql2, "a = ") ==
        "unexpected end of filter at position 4, expected a value");
  CHECK(what_of(Dialect::Esri, "a == 1") == "unexpected '=' at position 3, expected a value");
  CHECK(what_of(Dialect::Cql2, "") == "empty filter at position 0");
  CHECK(what_of(Dialect::Cql2, "a != 1") == "'!=' is not CQL2, use '<>' at position 2");
  CHECK(what_of(Dialect::Cql2, "a IN ()") == "empty IN list at position 6");
  CHECK(what_of(Dialect::Cql2, "a = 1 b = 2") ==
        "unexpected 'b' at position 6, expected AND, OR or the end of the filter");
  CHECK(what_of(Dialect::Cql2, "a") ==
        "unexpected end of filter at position 1, expected a comparison operator");
  CHECK(what_of(Dialect::Cql2, std::string("a = \0", 5)) ==
        "unexpected control character 0x00 at position 4");
  CHECK(what_of(Dialect::Cql2, "a = 'x\xff'") ==
        "string contains invalid UTF-8 byte 0xFF at position 6");
  CHECK(what_of(Dialect::Cql2, "\xF0\x9F\x98\x80 = 1") ==
        "unexpected character U+1F600 at position 0");
  CHECK(what_of(Dialect::Cql2, "S_INTERSECTS(geom, POLYGON((0 0, 1 1)))") ==
        "a polygon ring needs at least 4 positions at position 27");
  CHECK(what_of(Dialect::Cql2, "S_INTERSECTS(geom, POLYGON((0 0, 1 0, 1 1, 0 1)))") ==
        "polygon ring is not closed at position 27");
  CHECK(what_of(Dialect::Cql2, "S_INTERSECTS(geom, POINT(1))") ==
        "unexpected ')' at position 26, expected a number");
  CHECK(what_of(Dialect::Cql2, "a = 1.2.3") == "invalid number '1.2.3' at position 4");
  CHECK(what_of(Dialect::Cql2, "a = 1e999") == "number out of range '1e999' at position 4");
  CHECK(what_of(Dialect::Cql2, "a = POINT(1 2)") ==
        "a geometry literal is only allowed in S_INTERSECTS or S_DISJOINT at position 4");
}

TEST_CASE("filter: limits: length, depth and node count", "[filter]") {
  for (auto d : {Dialect::Cql2, Dialect::Esri}) {
    // 100 kB clause.
    std::string big = "a = 1";
    while (big.size() < 100 * 1024) big += " OR a = 1";
    auto e = error_of(d, big);
    CHECK(std::string(e.what()).find("too long") != std::string::npos);
    CHECK(e.position() == 64 * 1024);

    // 10,000 nested parentheses.
    const std::string deep = std::string(10000, '(') + "a = 1" + std::string(10000, ')');
    e = error_of(d, deep);
    CHECK(std::string(e.what()).find("nesting is too deep") != std::string::npos);
    CHECK(e.position() == 64);

    // 10,000 NOTs and nested functions.
    std::string nots;
    for (int i = 0; i < 10000; ++i) nots += "NOT ";
    nots += "a = 1";
    CHECK(std::string(error_of(d, nots).what()).find("nesting is too deep") != std::string::npos);
    std::string calls;
    for (int i = 0; i < 2000; ++i) calls += "UPPER(";
    calls += "a" + std::string(2000, ')') + " = 'A'";
    CHECK(std::string(error_of(d, calls).what()).find("nesting is too deep") != std::string::npos);

    // Exactly at the default depth still parses.
    const std::string ok = std::string(64, '(') + "a = 1" + std::string(64, ')');
    CHECK(filter::matches(parse(d, ok), filter::map_access(kRow)));
    CHECK_THROWS_AS(parse(d, std::string(65, '(') + "a = 1" + std::string(65, ')')), parse_error);

    // Many nodes.
    std::string list = "a IN (0";
    for (int i = 1; i < 12000; ++i) list += ',' + std::to_string(i % 10);
    list += ")";
    CHECK(std::string(error_of(d, list).what()).find("too complex") != std::string::npos);
  }
  filter::ParseOptions small;
  small.max_length = 10;
  small.max_depth = 2;
  small.max_nodes = 5;
  CHECK_THROWS_AS(filter::parse_cql2_text("a = 1 AND b = 2", small), parse_error);  // length
  CHECK_NOTHROW(filter::parse_cql2_text("((a = 1))", small));
  CHECK_THROWS_AS(filter::parse_cql2_text("(((a=1)))", small), parse_error);  // depth
  filter::ParseOptions few_nodes;
  few_nodes.max_nodes = 5;
  CHECK_THROWS_AS(filter::parse_esri_where("a IN (1,2,3,4,5)", few_nodes), parse_error);
  CHECK_NOTHROW(filter::parse_esri_where("a IN (1,2,3)", few_nodes));
}

TEST_CASE("filter: hostile corpus: CQL2", "[filter]") {
  std::vector<std::string> bad = {
      "",
      "   ",
      "1=1; DROP TABLE x",
      "name = 'abc",
      "((((a=1)",
      "a = 1)",
      "SLEEP(5)",
      "a = SLEEP(5)",
      "a == 1",
      "a = ",
      "a",
      "a =",
      "--comment",
      "a = 1 --comment",
      "/* */ a = 1",
      "a = 1 /* x */",
      "a LIKE",
      "a LIKE 5",
      "a LIKE b",
      "a IN ()",
      "a IN (1,",
      "a IN 1",
      "a BETWEEN 1",
      "a BETWEEN 1 OR 2",
      "S_INTERSECTS(geom, POINT(1))",
      "S_INTERSECTS(geom, POLYGON((0 0, 1 1)))",
      "S_INTERSECTS(geom, POLYGON((0 0, 1 0, 1 1, 0 1)))",
      "S_INTERSECTS(geom)",
      "S_INTERSECTS(geom, geom2)",
      "S_INTERSECTS(POINT(1 2), POINT(1 2))",
      "S_INTERSECTS(geom, BBOX(1,2,3))",
      "S_INTERSECTS(geom, BBOX(3,0,1,1))",
      "S_INTERSECTS(geom, POINT EMPTY)",
      "S_INTERSECTS(geom, CIRCLE(1 2))",
      "S_INTERSECTS(geom, GEOMETRYCOLLECTION(POINT(1 2)))",
      "S_INTERSECTS(geom, LINESTRING(1 2))",
      "S_INTERSECTS(geom, POINT(1 2)",
      "S_INTERSECTS(geom, POINT(a b))",
      "S_WITHIN(geom, POINT(1 2))",
      "a = POINT(1 2)",
      "a != 1",
      "a = 1 AND",
      "AND a = 1",
      "OR",
      "NOT",
      "a = 1 b = 2",
      "a = 'x' 'y'",
      "a IS",
      "a IS NOT",
      "a IS NULLX",
      "a = 1.2.3",
      "a = 1e",
      "a = 1abc",
      "a = @",
      "a = $1",
      std::string("a = \0", 5),
      std::string("a = 'x\0y'", 9),
      "\xff\xfe",
      "a = 'caf\xc3'",
      "a = '\xed\xa0\x80'",  // encoded surrogate
      "\"unterminated = 1",
      "\"\" = 1",
      "a = 1e999",
      "CASEI(a, b) = 'x'",
      "SUBSTRING(a, 1) = 'x'",
      "a = TRUE = FALSE",
      "(",
      ")",
      "()",
      "a = (1)",
      "a NOT = 1",
      "a LIKE 'x' ESCAPE '!'",
      "DATE('2020-13-01') = a",
      "a = TIMESTAMP('yesterday')",
      "a = DATE '2020-01-01'",
      "\xF0\x9F\x98\x80 = 1",
      "a = 1 UNION SELECT * FROM x",
      "a = 1 + 1",
      "a || 'x' = 'y'",
      "a = `x`",
      "[a] = 1",
      "a = 0x10",
      "a = -",
      "a = 'x' OR",
      "a IN (1 2)",
      "a BETWEEN AND 2",
      "a IS NOT NOT NULL",
      "NULL",
      "1",
      "'x'",
  };
  REQUIRE(bad.size() >= 40);
  for (const auto& text : bad) {
    INFO("filter: " << text);
    const parse_error e = error_of(Dialect::Cql2, text);
    CHECK(std::string(e.what()).find(" at position ") != std::string::npos);
    CHECK(e.position() <= text.size());
  }
}

TEST_CASE("filter: hostile corpus: Esri where", "[filter]") {
  std::vector<std::string> bad = {
      "",
      "\t\n",
      "1=1; DROP TABLE x",
      "1=1;",
      "name = 'abc",
      "name = 'abc''",
      "((((a=1)",
      "a = 1)",
      "SLEEP(5)",
      "a = 1 AND SLEEP(5) = 0",
      "SUBSTRING(naam, 1, 2) = 'x'",
      "CAST(a AS INT) = 1",
      "a == 1",
      "a = ",
      "a",
      "--comment",
      "a = 1 --comment",
      "a = 1 -- ",
      "/* */ a = 1",
      "a = 1 /*",
      "a LIKE",
      "a LIKE b",
      "a LIKE 'x' ESCAPE",
      "a LIKE 'x' ESCAPE 'ab'",
      "a LIKE 'x!' ESCAPE '!'",
      "a IN ()",
      "a IN (1,2",
      "a IN (1,,2)",
      "a BETWEEN 1",
      "a BETWEEN 1 AND",
      "a NOT BETWEEN",
      "S_INTERSECTS(geom, POINT(1 2))",
      "CASEI(a) = 'x'",
      "a = 1 UNION SELECT * FROM x",
      "a = 1 OR 1=1 --",
      "a = 1 + 1",
      "a || 'x' = 'y'",
      "a = 0x10",
      "[a] = 1",
      "a = #2020-01-01#",
      "a = `x`",
      "a = @p",
      "EXEC xp_cmdshell 'dir'",
      "a = DATE 'garbage'",
      "a = DATE '2020-02-30'",
      "a = TIMESTAMP '2020-01-01 25:00:00'",
      "a = 1 AND",
      "OR a = 1",
      "NOT",
      "a IS",
      "a IS NOT",
      "a <> ",
      "a >< 1",
      "a =< 1",
      "a ! = 1",
      "a = 1.2.3",
      "a = 1e",
      "a = 1x",
      std::string("a = 1\0", 6),
      std::string("\0", 1),
      "\xc3\x28",
      "a = '\xc0\xaf'",  // overlong '/'
      "\"a = 1",
      "\xe2\x80\x8b"
      "a = 1",  // zero-width space
      "UPPER(a, b) = 'A'",
      "UPPER() = 'A'",
      "TRUE AND",
      "a = 1 a = 1",
      "'x'",
      "NULL",
      "a = ''''x'",
  };
  REQUIRE(bad.size() >= 40);
  for (const auto& text : bad) {
    INFO("where: " << text);
    const parse_error e = error_of(Dialect::Esri, text);
    CHECK(std::string(e.what()).find(" at position ") != std::string::npos);
    CHECK(e.position() <= text.size());
  }
}

TEST_CASE("filter: random mutations never crash and always round-trip", "[filter]") {
  const std::vector<std::string> seeds = {
      "a = 1 OR b = 2 AND NOT (c IN (1, 2, 3))",
      "naam LIKE 'Or%' AND d BETWEEN 1 AND 3.5 OR leeg IS NOT NULL",
      "S_INTERSECTS(geom, POLYGON((0 0, 5 0, 5 5, 0 5, 0 0), (1 1, 2 1, 2 2, 1 1)))",
      "CASEI(naam) = CASEI('x') AND datum > DATE('2024-01-01')",
      "UPPER(naam) NOT LIKE 'A!%' ESCAPE '!' AND code IN ('x', 'y''z')",
      "\"OBJECTID\" >= -1.5e3 AND flag = TRUE",
  };
  std::string alphabet = "()',\"=<>!%_-.;*/ aAzZ019eENOTANDORLIKEINS_BBOX\\";
  alphabet += '\0';
  alphabet += "\xff\xc3";
  std::mt19937 rng(12345);
  int parsed = 0;
  int rejected = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string text = seeds[round % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits; ++k) {
      const std::size_t at = text.empty() ? 0 : rng() % text.size();
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0:
          text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), c);
          break;
        case 1:
          if (!text.empty()) text.erase(at, 1);
          break;
        default:
          if (!text.empty()) text[at] = c;
      }
    }
    for (auto d : {Dialect::Cql2, Dialect::Esri}) {
      try {
        const auto e = parse(d, text);
        ++parsed;
        // Evaluating must not throw, and the canonical rendering must re-parse to itself.
        (void)filter::evaluate(e, filter::map_access(kRow));
        const std::string s = filter::to_string(e);
        INFO("from: " << text << " rendered: " << s);
        CHECK(filter::to_string(filter::parse_cql2_text(s)) == s);
      } catch (const parse_error& e) {
        ++rejected;
        CHECK(e.position() <= text.size());
      }
    }
  }
  CHECK(parsed > 0);
  CHECK(rejected > 0);
}

// ---------------------------------------------------------------------------------------------
// Validation

TEST_CASE("filter: validate: unknown properties and type mismatches", "[filter]") {
  const filter::Schema schema{{"OBJECTID", FieldType::Integer}, {"naam", FieldType::String},
                              {"opp", FieldType::Double},       {"actief", FieldType::Boolean},
                              {"datum", FieldType::Date},       {"geom", FieldType::Geometry}};
  auto resolver = [&schema](std::string_view n) -> std::optional<FieldType> {
    auto it = schema.find(n);
    if (it == schema.end()) return std::nullopt;
    return it->second;
  };
  auto ok = [&](std::string_view text) {
    INFO(text);
    CHECK_NOTHROW(filter::validate(filter::parse_cql2_text(text), resolver));
  };
  auto bad = [&](std::string_view text, const std::string& message) {
    INFO(text);
    try {
      filter::validate(filter::parse_cql2_text(text), resolver);
      FAIL("no error");
    } catch (const parse_error& e) {
      CHECK(std::string(e.what()) == message);
    }
  };
  ok("OBJECTID = 1 AND naam LIKE 'x%' AND opp > 2.5 AND actief = TRUE");
  ok("datum > DATE('2024-01-01') AND datum < '2025-01-01'");
  ok("OBJECTID = '12' AND opp BETWEEN 1 AND 2.5 AND naam IN ('a', 'b')");
  ok("S_INTERSECTS(geom, BBOX(0, 0, 1, 1)) AND geom IS NOT NULL");
  ok("naam = 5 AND actief = 1 AND 1 = 'x' AND OBJECTID = opp AND naam = OBJECTID");
  ok("CASEI(naam) = CASEI('X') AND OBJECTID = NULL");
  bad("foo = 1", "unknown property 'foo' at position 0");
  bad("OBJECTID = 1 OR \"b a r\" IS NULL", "unknown property 'b a r' at position 16");
  bad("objectid = 1", "unknown property 'objectid' at position 0");  // exact by default
  bad("S_INTERSECTS(shape, POINT(1 2))", "unknown property 'shape' at position 13");
  bad("OBJECTID = 'abc'",
      "cannot compare Integer property 'OBJECTID' with string 'abc' at position 9");
  bad("opp IN (1, 'x')", "cannot compare Double property 'opp' with string 'x' at position 11");
  bad("datum = 5", "cannot compare Date property 'datum' with number 5 at position 6");
  bad("datum > 'gisteren'",
      "cannot compare Date property 'datum' with string 'gisteren' at position 6");
  bad("actief = 2", "cannot compare Boolean property 'actief' with number 2 at position 7");
  bad("geom = 1", "Geometry property 'geom' cannot be compared at position 0");
  bad("naam LIKE 'x' OR actief LIKE 'T%'",
      "LIKE needs a string, Boolean property 'actief' is not one at position 17");
  bad("S_INTERSECTS(naam, POINT(1 2))",
      "S_INTERSECTS needs a geometry property, String property 'naam' is not one at position 13");
  bad("UPPER(OBJECTID) = 'A'",
      "UPPER needs a string, Integer property 'OBJECTID' is not one at position 6");
  bad("OBJECTID BETWEEN 1 AND 'z'",
      "cannot compare Integer property 'OBJECTID' with string 'z' at position 9");
}

TEST_CASE("filter: bind: case-insensitive Esri names become the schema's spelling", "[filter]") {
  const filter::Schema schema{{"OBJECTID", FieldType::Integer},
                              {"buurtnaam", FieldType::String},
                              {"geom", FieldType::Geometry}};
  const auto e = filter::parse_esri_where("objectid = 3 AND BUURTNAAM LIKE 'Oud%'");
  CHECK_THROWS_AS(filter::bind(e, schema), parse_error);
  const auto bound = filter::bind(e, schema, true);
  CHECK(filter::to_string(bound) == "OBJECTID = 3 AND buurtnaam LIKE 'Oud%'");
  CHECK(filter::referenced_properties(bound) == std::vector<std::string>{"OBJECTID", "buurtnaam"});
  const Props row{{"OBJECTID", Value{std::int64_t{3}}},
                  {"buurtnaam", Value{std::string("Oudeburen")}}};
  CHECK(filter::matches(bound, filter::map_access(row)));
  CHECK_FALSE(filter::matches(e, filter::map_access(row)));  // unbound names miss

  try {
    filter::bind(filter::parse_esri_where("a = 1 AND Foo = 2"), schema, true);
    FAIL("no error");
  } catch (const parse_error& err) {
    CHECK(std::string(err.what()) == "unknown property 'a' at position 0");
  }
  // Types are checked after binding.
  CHECK_THROWS_AS(filter::bind(filter::parse_esri_where("objectid = 'x'"), schema, true),
                  parse_error);
  // Exact spelling wins; two case-insensitive candidates are ambiguous.
  const filter::Schema twins{{"Naam", FieldType::String}, {"naam", FieldType::String}};
  CHECK(filter::to_string(filter::bind(filter::parse_esri_where("Naam = 'x'"), twins, true)) ==
        "Naam = 'x'");
  CHECK_THROWS_WITH(filter::bind(filter::parse_esri_where("NAAM = 'x'"), twins, true),
                    "ambiguous property 'NAAM' at position 0");
  // Spatial properties are bound too.
  const auto s =
      filter::bind(filter::parse_cql2_text("S_INTERSECTS(GEOM, POINT(1 2))"), schema, true);
  CHECK(filter::to_string(s) == "S_INTERSECTS(geom, POINT(1 2))");
}

// ---------------------------------------------------------------------------------------------
// Helpers

TEST_CASE("filter: referenced_properties", "[filter]") {
  CHECK(filter::referenced_properties(filter::parse_cql2_text(
            "a = 1 AND (b LIKE 'x' OR CASEI(c) IN (d, 'e')) AND a BETWEEN f AND 2 AND "
            "S_INTERSECTS(geom, POINT(1 2)) AND g IS NULL")) ==
        std::vector<std::string>{"a", "b", "c", "d", "f", "geom", "g"});
  CHECK(filter::referenced_properties(filter::parse_esri_where("1=1")).empty());
  CHECK(filter::referenced_properties(filter::parse_esri_where("\"my field\" = 1")) ==
        std::vector<std::string>{"my field"});
}

TEST_CASE("filter: to_string is canonical CQL2 and round-trips", "[filter]") {
  CHECK(esri_str("a=1 and b<>2 or not c IS null") == "(a = 1 AND b <> 2) OR NOT (c IS NULL)");
  CHECK(esri_str("a != 1") == "a <> 1");
  CHECK(esri_str("\"and\" = 1") == "\"and\" = 1");
  CHECK(esri_str("\"my field\" = 'x'") == "\"my field\" = 'x'");
  CHECK(esri_str("\"q\"\"\" = 1") == "\"q\"\"\" = 1");
  CHECK(cql_str("x = 2.0") == "x = 2.0");
  CHECK(cql_str("x = 1e300") == "x = 1e+300");
  CHECK(cql_str("x = -0.5") == "x = -0.5");
  CHECK(cql_str("TRUE") == "TRUE");
  CHECK(esri_str("1=1") == "1 = 1");

  const std::vector<std::pair<bool, std::string>> samples = {
      {true, "a = 1 OR b = 2 AND c = 3"},
      {true, "NOT (a = 1 OR NOT b = 2) AND c IS NOT NULL"},
      {true, "naam LIKE '%\\%%' AND a NOT IN (1, 2.5, 'x''y')"},
      {true, "d NOT BETWEEN -1 AND 1e10 OR CASEI(ACCENTI(n)) = 'x'"},
      {true, "S_DISJOINT(geom, MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5))))"},
      {true, "S_INTERSECTS(geom, LINESTRING(0 0, 1 1)) AND t > TIMESTAMP('2024-01-01T00:00:00Z')"},
      {true, "\"weird name\" = 1 AND \"or\" = FALSE"},
      {false, "upper(a) = 'X' AND lower(b) LIKE 'y\\%' ESCAPE '\\' OR c != 3"},
      {false, "a IN (1,2) AND d BETWEEN DATE '2024-01-01' AND TIMESTAMP '2024-02-01 10:00:00'"},
      {false, "\"OBJECTID\" >= 10 AND code LIKE 'BU0080%' AND p LIKE 'c:\\%'"},
  };
  for (const auto& [is_cql, text] : samples) {
    INFO(text);
    const auto e = is_cql ? filter::parse_cql2_text(text) : filter::parse_esri_where(text);
    const std::string once = filter::to_string(e);
    const auto again = filter::parse_cql2_text(once);
    CHECK(filter::to_string(again) == once);
    // Same answers before and after the round trip.
    CHECK(filter::evaluate(e, filter::map_access(kRow)) ==
          filter::evaluate(again, filter::map_access(kRow)));
  }
}

TEST_CASE("filter: the tree is typed", "[filter]") {
  const auto e = filter::parse_esri_where("OBJECTID = 12 AND naam = 'x' AND opp > 1.5");
  const auto* conj = e.get_if<filter::And>();
  REQUIRE(conj);
  REQUIRE(conj->operands.size() == 3);
  const auto* first = conj->operands[0].get_if<filter::Comparison>();
  REQUIRE(first);
  CHECK(first->op == filter::CompareOp::Equal);
  REQUIRE(first->lhs.get_if<filter::Property>());
  CHECK(first->lhs.get_if<filter::Property>()->name == "OBJECTID");
  REQUIRE(first->rhs.get_if<filter::Literal>());
  CHECK(first->rhs.get_if<filter::Literal>()->value == Value{std::int64_t{12}});
  const auto* second = conj->operands[1].get_if<filter::Comparison>();
  REQUIRE(second);
  CHECK(second->rhs.get_if<filter::Literal>()->value == Value{std::string("x")});
  const auto* third = conj->operands[2].get_if<filter::Comparison>();
  REQUIRE(third);
  CHECK(third->op == filter::CompareOp::Greater);
  CHECK(third->rhs.get_if<filter::Literal>()->value == Value{1.5});
  CHECK(conj->operands[2].position() == 37);
  // A string that looks like SQL is just a string value.
  const auto inj = filter::parse_esri_where("naam = 'x'' OR 1=1 --'");
  const auto* c = inj.get_if<filter::Comparison>();
  REQUIRE(c);
  CHECK(c->rhs.get_if<filter::Literal>()->value == Value{std::string("x' OR 1=1 --")});
  CHECK_FALSE(filter::matches(inj, filter::map_access(kRow)));
}

TEST_CASE("filter: a double-quoted value is a name, the message says strings take single quotes",
          "[filter]") {
  const filter::Schema schema{{"gebied", FieldType::String}, {"aantal", FieldType::Integer}};
  auto message = [&](std::string_view text, bool through_bind) -> std::string {
    try {
      const auto e = filter::parse_cql2_text(text);
      if (through_bind) {
        filter::bind(e, schema);
      } else {
        filter::validate(e, [&](std::string_view n) -> std::optional<FieldType> {
          auto it = schema.find(n);
          if (it == schema.end()) return std::nullopt;
          return it->second;
        });
      }
    } catch (const parse_error& err) {
      return err.what();
    }
    return "no error";
  };
  for (bool through_bind : {true, false}) {
    INFO("bind: " << through_bind);
    CHECK(message("gebied=\"dorpen\"", through_bind) ==
          "unknown property 'dorpen' (strings take single quotes: 'dorpen') at position 7");
    CHECK(message("gebied IN ('noord', \"it's\")", through_bind) ==
          "unknown property 'it's' (strings take single quotes: 'it''s') at position 20");
    CHECK(message("aantal BETWEEN 1 AND \"x\"", through_bind) ==
          "unknown property 'x' (strings take single quotes: 'x') at position 21");
    CHECK(message("gebied = LOWER(\"D\")", through_bind) ==
          "unknown property 'D' (strings take single quotes: 'D') at position 15");
    // Where a name belongs, or when it was not quoted, the message stays as it was.
    CHECK(message("\"dorpen\" = 'x'", through_bind) == "unknown property 'dorpen' at position 0");
    CHECK(message("\"dorpen\" IS NULL", through_bind) == "unknown property 'dorpen' at position 0");
    CHECK(message("gebied = dorpen", through_bind) == "unknown property 'dorpen' at position 9");
    // A quoted name that exists is a property, as CQL2 says.
    CHECK(message("gebied = \"gebied\"", through_bind) == "no error");
  }
  const auto bound = filter::bind(filter::parse_cql2_text("gebied = \"gebied\""), schema);
  CHECK(filter::to_string(bound) == "gebied = gebied");
  // The Esri where dialect reads double quotes as names too.
  try {
    filter::bind(filter::parse_esri_where("gebied = \"dorpen\""), schema, true);
    FAIL("no error");
  } catch (const parse_error& err) {
    CHECK(std::string(err.what()) ==
          "unknown property 'dorpen' (strings take single quotes: 'dorpen') at position 9");
  }
}
