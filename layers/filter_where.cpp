#include <optional>
#include <string>
#include <utility>

#include "layers/filter_parser.hpp"

// Esri where (a SQL-92 subset): what its LIKE patterns mean. The grammar is shared with CQL2
// text (filter_parser.cpp); the where dialect's own tokens (`!=`, ESCAPE) are in the lexer.

namespace gebieden::layers::filter::detail {

namespace {

/// Rewrite an Esri LIKE pattern (backslash ordinary, optional ESCAPE character) to the tree's
/// form (backslash escapes).
Expr normalize_esri_pattern(const Expr& e, std::optional<char> escape) {
  if (const auto* call = e.get_if<Call>()) {
    return Expr(
        Node{Call{call->function, normalize_esri_pattern(call->argument, escape)}, e.position()});
  }
  const auto& s = std::get<std::string>(e.get_if<Literal>()->value);
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (escape && c == *escape) {
      if (i + 1 == s.size()) fail("LIKE pattern ends with its escape character", e.position());
      out += '\\';
      out += s[++i];
    } else if (c == '\\') {
      out += "\\\\";
    } else {
      out += c;
    }
  }
  return Expr(Node{Literal{std::move(out)}, e.position()});
}

}  // namespace

Expr Parser::esri_like_pattern(Expr pattern) {
  std::optional<char> escape;
  if (accept_kw("ESCAPE")) {
    const Token& e = peek();
    if (e.kind != Tok::String) unexpected(e, "a string");
    if (e.text.size() != 1 || static_cast<unsigned char>(e.text[0]) >= 0x80) {
      fail("ESCAPE needs a single character", e.pos);
    }
    escape = e.text[0];
    next();
  }
  return normalize_esri_pattern(pattern, escape);
}

}  // namespace gebieden::layers::filter::detail

namespace gebieden::layers::filter {

Expr parse_esri_where(std::string_view text, const ParseOptions& options) {
  return detail::Parser(text, detail::Dialect::Esri, options).parse();
}

}  // namespace gebieden::layers::filter
