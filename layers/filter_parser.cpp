#include <charconv>
#include <cmath>
#include <system_error>
#include <utility>

#include "layers/filter_parser.hpp"
#include "util/utf8.hpp"

// The grammar that CQL2 text and Esri where share: predicates (AND, OR, NOT, comparisons,
// LIKE, BETWEEN, IN, IS NULL), scalars (literals, properties, function calls).

namespace gebieden::layers::filter::detail {

using util::shorten;

bool is_geometry_keyword(std::string_view upper) {
  return upper == "POINT" || upper == "LINESTRING" || upper == "POLYGON" || upper == "MULTIPOINT" ||
         upper == "MULTILINESTRING" || upper == "MULTIPOLYGON" || upper == "BBOX" ||
         upper == "GEOMETRYCOLLECTION";
}

std::optional<SpatialOp> spatial_op(std::string_view upper) {
  if (upper == "S_INTERSECTS") return SpatialOp::Intersects;
  if (upper == "S_DISJOINT") return SpatialOp::Disjoint;
  return std::nullopt;
}

bool is_string_pattern(const Expr& e) {
  if (const auto* lit = e.get_if<Literal>()) return std::holds_alternative<std::string>(lit->value);
  if (const auto* call = e.get_if<Call>()) return is_string_pattern(call->argument);
  return false;
}

namespace {

std::optional<CompareOp> compare_op(Tok kind) {
  switch (kind) {
    case Tok::Eq:
      return CompareOp::Equal;
    case Tok::Ne:
      return CompareOp::NotEqual;
    case Tok::Lt:
      return CompareOp::Less;
    case Tok::Le:
      return CompareOp::LessEqual;
    case Tok::Gt:
      return CompareOp::Greater;
    case Tok::Ge:
      return CompareOp::GreaterEqual;
    default:
      return std::nullopt;
  }
}

}  // namespace

Expr Parser::parse() {
  check_length(m_text.size());
  if (peek().kind == Tok::End) fail("empty filter", 0);
  Expr e = parse_or();
  if (peek().kind != Tok::End) unexpected(peek(), "AND, OR or the end of the filter");
  return e;
}

void Parser::unexpected(const Token& t, std::string_view expected) const {
  std::string problem;
  if (t.kind == Tok::End) {
    problem = "unexpected end of filter";
  } else if (t.kind == Tok::String) {
    problem = "unexpected string " + shorten(t.raw);
  } else {
    problem = "unexpected '" + shorten(t.raw) + "'";
  }
  fail(problem, t.pos, expected.empty() ? std::string() : ", expected " + std::string(expected));
}

// predicate := or
Expr Parser::parse_or() {
  Expr first = parse_and();
  if (!is_kw(peek(), "OR")) return first;
  const std::size_t pos = peek().pos;
  std::vector<Expr> operands{std::move(first)};
  while (accept_kw("OR")) operands.push_back(parse_and());
  return make(Or{std::move(operands)}, pos);
}

Expr Parser::parse_and() {
  Expr first = parse_not();
  if (!is_kw(peek(), "AND")) return first;
  const std::size_t pos = peek().pos;
  std::vector<Expr> operands{std::move(first)};
  while (accept_kw("AND")) operands.push_back(parse_not());
  return make(And{std::move(operands)}, pos);
}

Expr Parser::parse_not() {
  if (!is_kw(peek(), "NOT")) return parse_primary();
  const std::size_t pos = next().pos;
  DepthGuard guard(*this, pos);
  Expr operand = parse_not();
  return make(Not{std::move(operand)}, pos);
}

Expr Parser::parse_primary() {
  const Token& t = peek();
  if (t.kind == Tok::LParen) {
    DepthGuard guard(*this, t.pos);
    next();
    Expr e = parse_or();
    expect(Tok::RParen, "')'");
    return e;
  }
  if (m_dialect == Dialect::Cql2 && t.kind == Tok::Ident && peek(1).kind == Tok::LParen) {
    if (auto op = spatial_op(util::ascii_upper(t.raw))) return parse_spatial(*op);
  }
  Expr lhs = parse_scalar("a predicate");
  return parse_tail(std::move(lhs));
}

Expr Parser::parse_tail(Expr lhs) {
  const Token& t = peek();
  const std::size_t pos = t.pos;
  if (auto op = compare_op(t.kind)) {
    next();
    Expr rhs = parse_scalar("a value");
    return make(Comparison{*op, std::move(lhs), std::move(rhs)}, pos);
  }
  bool negated = false;
  if (is_kw(t, "NOT") &&
      (is_kw(peek(1), "LIKE") || is_kw(peek(1), "BETWEEN") || is_kw(peek(1), "IN"))) {
    next();
    negated = true;
  }
  const Token& k = peek();
  if (is_kw(k, "LIKE")) {
    next();
    return parse_like(std::move(lhs), negated, pos);
  }
  if (is_kw(k, "BETWEEN")) {
    next();
    Expr low = parse_scalar("a value");
    if (!accept_kw("AND")) unexpected(peek(), "AND");
    Expr high = parse_scalar("a value");
    return make(Between{std::move(lhs), std::move(low), std::move(high), negated}, pos);
  }
  if (is_kw(k, "IN")) {
    next();
    expect(Tok::LParen, "'('");
    if (peek().kind == Tok::RParen) fail("empty IN list", peek().pos);
    std::vector<Expr> list;
    do {
      list.push_back(parse_scalar("a value"));
    } while (accept(Tok::Comma));
    expect(Tok::RParen, "',' or ')'");
    return make(In{std::move(lhs), std::move(list), negated}, pos);
  }
  if (is_kw(k, "IS")) {
    next();
    const bool not_null = accept_kw("NOT");
    if (!accept_kw("NULL")) unexpected(peek(), "NULL");
    return make(IsNull{std::move(lhs), not_null}, pos);
  }
  if (const auto* lit = lhs.get_if<Literal>(); lit && std::holds_alternative<bool>(lit->value)) {
    return lhs;  // TRUE / FALSE as a predicate
  }
  unexpected(k, "a comparison operator");
}

Expr Parser::parse_like(Expr value, bool negated, std::size_t pos) {
  const std::size_t pattern_pos = peek().pos;
  Expr pattern = parse_scalar("a pattern");
  if (!is_string_pattern(pattern)) fail("LIKE needs a string pattern", pattern_pos);
  if (m_dialect == Dialect::Esri) pattern = esri_like_pattern(std::move(pattern));
  if (m_options.like_case_insensitive) {
    value = case_insensitive(std::move(value));
    pattern = case_insensitive(std::move(pattern));
  }
  return make(Like{std::move(value), std::move(pattern), negated}, pos);
}

Value Parser::number_value(const Token& t) const {
  std::string_view s = t.raw;
  if (s.front() == '+') s.remove_prefix(1);
  const char* begin = s.data();
  const char* end = s.data() + s.size();
  if (s.find_first_of(".eE") == std::string_view::npos) {
    std::int64_t i = 0;
    auto r = std::from_chars(begin, end, i);
    if (r.ec == std::errc{} && r.ptr == end) return i;
  }
  double d = 0;
  auto r = std::from_chars(begin, end, d);
  if (r.ec != std::errc{} || r.ptr != end || !std::isfinite(d)) {
    fail("number out of range '" + shorten(t.raw) + "'", t.pos);
  }
  return d;
}

Value Parser::temporal(const Token& s, bool date) const {
  auto ts = parse_timestamp(s.text);
  if (!ts || (date && !ts->date_only)) {
    fail(std::string("invalid ") + (date ? "date " : "timestamp ") + shorten(s.raw), s.pos);
  }
  ts->date_only = date;
  return *ts;
}

Expr Parser::parse_scalar(std::string_view expected) {
  const Token& t = peek();
  switch (t.kind) {
    case Tok::Numeric:
      next();
      return make(Literal{number_value(t)}, t.pos);
    case Tok::String:
      next();
      return make(Literal{t.text}, t.pos);
    case Tok::QuotedIdent:
      next();
      return make(Property{t.text, true}, t.pos);
    case Tok::Ident:
      break;
    default:
      unexpected(t, expected);
  }
  const std::string up = util::ascii_upper(t.raw);
  if (peek(1).kind == Tok::LParen) return parse_call(up);
  if (up == "TRUE" || up == "FALSE") {
    next();
    return make(Literal{Value{up == "TRUE"}}, t.pos);
  }
  if (up == "NULL") {
    next();
    return make(Literal{Value{}}, t.pos);
  }
  if (m_dialect == Dialect::Esri && (up == "DATE" || up == "TIMESTAMP") &&
      peek(1).kind == Tok::String) {
    next();
    const Token& s = next();
    return make(Literal{temporal(s, up == "DATE")}, t.pos);
  }
  if (is_reserved(up, m_dialect)) unexpected(t, expected);
  next();
  return make(Property{std::string(t.raw)}, t.pos);
}

Expr Parser::parse_call(const std::string& up) {
  const Token& name = peek();
  const std::size_t pos = name.pos;
  Function function = Function::Upper;
  if (up == "UPPER") {
    function = Function::Upper;
  } else if (up == "LOWER") {
    function = Function::Lower;
  } else if (m_dialect == Dialect::Cql2 && up == "CASEI") {
    function = Function::CaseI;
  } else if (m_dialect == Dialect::Cql2 && up == "ACCENTI") {
    function = Function::AccentI;
  } else if (m_dialect == Dialect::Cql2 && (up == "DATE" || up == "TIMESTAMP")) {
    next();
    next();
    const Token& s = peek();
    if (s.kind != Tok::String) unexpected(s, "a string");
    next();
    expect(Tok::RParen, "')'");
    return make(Literal{temporal(s, up == "DATE")}, pos);
  } else if (m_dialect == Dialect::Cql2 && is_geometry_keyword(up)) {
    fail("a geometry literal is only allowed in S_INTERSECTS or S_DISJOINT", pos);
  } else if (m_dialect == Dialect::Cql2 && spatial_op(up)) {
    fail("spatial predicate '" + shorten(name.raw) + "' cannot be used as a value", pos);
  } else {
    fail("unknown function '" + shorten(name.raw) + "'", pos);
  }
  DepthGuard guard(*this, pos);
  next();
  next();
  Expr argument = parse_scalar("a function argument");
  if (peek().kind == Tok::Comma) {
    fail("function '" + shorten(name.raw) + "' takes one argument", peek().pos);
  }
  expect(Tok::RParen, "')'");
  return make(Call{function, std::move(argument)}, pos);
}

}  // namespace gebieden::layers::filter::detail
