#pragma once
// Private to layers/filter_*.cpp: what the parts of the filter share (errors, values in text,
// the lexer, the parser and the planar geometry test). Not for other files; the public API is
// layers/filter.hpp.
//
//   filter.cpp           types, values in text (numbers, booleans, timestamps), functions
//   filter_lexer.cpp     tokens of both dialects
//   filter_parser.cpp    the grammar both dialects share (predicates, scalars, calls)
//   filter_cql2.cpp      CQL2 text: spatial predicates and geometry literals
//   filter_where.cpp     Esri where: its LIKE patterns and ESCAPE clause
//   filter_bind.cpp      validation against a schema, binding names
//   filter_evaluate.cpp  comparison, LIKE and three-valued evaluation
//   filter_geometry.cpp  the planar intersection test of S_INTERSECTS
//   filter_render.cpp    canonical CQL2 text, referenced properties

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "layers/filter.hpp"

namespace gebieden::layers::filter::detail {

using NodeKind = decltype(Node::kind);

[[noreturn]] void fail(const std::string& problem, std::size_t position,
                       const std::string& hint = {});

// Values in text ------------------------------------------------------------------------------

using Number = std::variant<std::int64_t, double>;

/// A decimal number that fills the whole (trimmed) string, an optional leading '+'; finite only.
std::optional<Number> parse_number(std::string_view text);
/// "true" / "false" in any case, trimmed.
std::optional<bool> parse_bool(std::string_view text);
/// Exact for int64 against double: no rounding of large integers; unordered for NaN.
std::partial_ordering compare_numbers(const Number& a, const Number& b);
/// Shortest round-trip form; with `force_decimal`, "2" is written "2.0".
std::string format_double(double d, bool force_decimal);

/// UPPER / LOWER / CASEI / ACCENTI of a UTF-8 string (invalid bytes kept as they are).
std::string apply_function(Function f, std::string_view s);
std::string_view function_name(Function f);

/// Is `e` a string literal, possibly inside function calls (a LIKE pattern)?
bool is_string_pattern(const Expr& e);

/// What CQL2 text, Esri where and CQL2 JSON share while they build a tree: the limits of
/// ParseOptions (length, nesting depth, node count) and the CASEI wrapping of LIKE.
class TreeBuilder {
 public:
  explicit TreeBuilder(const ParseOptions& options) : m_options(options) {}

  /// parse_error when the input is longer than max_length.
  void check_length(std::size_t bytes) const;

 protected:
  /// Counts one level of nesting for as long as it lives.
  class DepthGuard {
   public:
    DepthGuard(TreeBuilder& builder, std::size_t position);
    ~DepthGuard() { --m_builder.m_depth; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;

   private:
    TreeBuilder& m_builder;
  };

  /// A new node, counted against max_nodes.
  Expr make(NodeKind kind, std::size_t position);
  /// `e` wrapped in CASEI() unless it already is.
  Expr case_insensitive(Expr e);

  const ParseOptions& m_options;

 private:
  std::size_t m_depth = 0;
  std::size_t m_nodes = 0;
};

// Lexer ---------------------------------------------------------------------------------------

enum class Dialect { Cql2, Esri };

constexpr bool is_ident_start(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
constexpr bool is_ident_part(char c) noexcept {
  return is_ident_start(c) || (c >= '0' && c <= '9') || c == '.' || c == ':';
}

enum class Tok {
  End,
  Ident,
  QuotedIdent,
  String,
  Numeric,
  LParen,
  RParen,
  Comma,
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge
};

struct Token {
  Tok kind = Tok::End;
  std::size_t pos = 0;
  std::string_view raw;  // the source text of the token
  std::string text;      // unescaped content of String and QuotedIdent
};

/// The token at or after in[i] (skipping whitespace); Tok::End at the end. Advances i.
Token lex(std::string_view in, std::size_t& i, Dialect dialect);

/// A keyword that cannot be a bare property name (`upper` is upper-case).
bool is_reserved(std::string_view upper, Dialect dialect);

// Geometry ------------------------------------------------------------------------------------
// filter::intersects and SpatialTests (filter.hpp) are defined in filter_geometry.cpp.

}  // namespace gebieden::layers::filter::detail
