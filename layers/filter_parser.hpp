#pragma once
// Private to layers/filter_*.cpp: the recursive-descent parser of CQL2 text and Esri where.
// The grammar both dialects share is in filter_parser.cpp, CQL2's spatial predicates and
// geometry literals in filter_cql2.cpp, the where dialect's LIKE patterns in filter_where.cpp.

#include <algorithm>
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "layers/filter.hpp"
#include "layers/filter_internal.hpp"
#include "util/ascii.hpp"

namespace gebieden::layers::filter::detail {

class Parser : TreeBuilder {
 public:
  Parser(std::string_view text, Dialect dialect, const ParseOptions& options)
      : TreeBuilder(options), m_text(text), m_dialect(dialect) {}

  Expr parse();

 private:
  // Tokens are read on demand, so the first problem from the left is the one reported. The
  // deque keeps references to earlier tokens valid while more are read.
  const Token& peek(std::size_t ahead = 0) {
    while (m_tokens.size() <= m_at + ahead &&
           (m_tokens.empty() || m_tokens.back().kind != Tok::End)) {
      m_tokens.push_back(lex(m_text, m_lexed, m_dialect));
    }
    return m_tokens[std::min(m_at + ahead, m_tokens.size() - 1)];
  }
  const Token& next() {
    const Token& t = peek();
    if (t.kind != Tok::End) ++m_at;
    return t;
  }
  bool is_kw(const Token& t, std::string_view kw) const {
    return t.kind == Tok::Ident && util::ascii_iequals(t.raw, kw);
  }
  bool accept_kw(std::string_view kw) {
    if (!is_kw(peek(), kw)) return false;
    next();
    return true;
  }
  bool accept(Tok kind) {
    if (peek().kind != kind) return false;
    next();
    return true;
  }
  void expect(Tok kind, std::string_view what) {
    if (!accept(kind)) unexpected(peek(), what);
  }
  [[noreturn]] void unexpected(const Token& t, std::string_view expected) const;

  // The shared grammar (filter_parser.cpp).
  Expr parse_or();
  Expr parse_and();
  Expr parse_not();
  Expr parse_primary();
  Expr parse_tail(Expr lhs);
  Expr parse_like(Expr value, bool negated, std::size_t pos);
  Value number_value(const Token& t) const;
  Value temporal(const Token& s, bool date) const;
  Expr parse_scalar(std::string_view expected);
  Expr parse_call(const std::string& up);

  // CQL2 text (filter_cql2.cpp).
  Expr parse_spatial(SpatialOp op);
  double number();
  geo::XY coordinate();
  geo::Path coordinate_list(std::size_t min, std::string_view what);
  std::vector<geo::Path> polygon_body();
  geo::Geometry parse_geometry();

  // Esri where (filter_where.cpp): the optional ESCAPE clause after a LIKE pattern, and the
  // pattern rewritten to the tree's form.
  Expr esri_like_pattern(Expr pattern);

  std::string_view m_text;
  Dialect m_dialect;
  std::deque<Token> m_tokens;
  std::size_t m_lexed = 0;  // bytes of m_text read into m_tokens
  std::size_t m_at = 0;
};

bool is_geometry_keyword(std::string_view upper);
std::optional<SpatialOp> spatial_op(std::string_view upper);

}  // namespace gebieden::layers::filter::detail
