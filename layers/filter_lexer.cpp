#include <string>

#include "layers/filter_internal.hpp"
#include "util/text.hpp"
#include "util/utf8.hpp"

// The tokens of CQL2 text and Esri where: names, quoted names, strings, numbers, operators.

namespace gebieden::layers::filter::detail {

using util::describe_char;
using util::is_digit;
using util::shorten;
using util::utf8_sequence_length;

namespace {

/// A quoted string or name starting at in[start] (the quote); doubled quotes escape it.
std::size_t lex_quoted(std::string_view in, std::size_t start, Token& t) {
  const char quote = in[start];
  const bool is_string = quote == '\'';
  std::size_t i = start + 1;
  for (;;) {
    if (i >= in.size()) {
      fail(is_string ? "unterminated string starting" : "unterminated quoted name starting", start);
    }
    const char c = in[i];
    const auto b = static_cast<unsigned char>(c);
    if (c == quote) {
      if (i + 1 < in.size() && in[i + 1] == quote) {
        t.text += quote;
        i += 2;
        continue;
      }
      ++i;
      break;
    }
    if ((b < 0x20 && c != '\t' && c != '\n' && c != '\r') || b == 0x7F) {
      fail(std::string(is_string ? "string" : "quoted name") + " contains " + describe_char(in, i),
           i);
    }
    if (b >= 0x80) {
      const std::size_t len = utf8_sequence_length(in, i);
      if (len == 0) {
        fail(
            std::string(is_string ? "string" : "quoted name") + " contains " + describe_char(in, i),
            i);
      }
      t.text.append(in.substr(i, len));
      i += len;
      continue;
    }
    t.text += c;
    ++i;
  }
  t.kind = is_string ? Tok::String : Tok::QuotedIdent;
  t.raw = in.substr(start, i - start);
  if (!is_string && t.text.empty()) fail("empty quoted name", start);
  return i;
}

std::size_t lex_number(std::string_view in, std::size_t start, Token& t) {
  std::size_t i = start;
  const std::size_t n = in.size();
  if (in[i] == '-' || in[i] == '+') ++i;
  std::size_t digits = 0;
  while (i < n && is_digit(in[i])) ++i, ++digits;
  if (i < n && in[i] == '.') {
    ++i;
    while (i < n && is_digit(in[i])) ++i, ++digits;
  }
  bool bad = digits == 0;
  if (!bad && i < n && (in[i] == 'e' || in[i] == 'E')) {
    ++i;
    if (i < n && (in[i] == '+' || in[i] == '-')) ++i;
    std::size_t exp_digits = 0;
    while (i < n && is_digit(in[i])) ++i, ++exp_digits;
    bad = exp_digits == 0;
  }
  if (bad || (i < n && is_ident_part(in[i]))) {
    std::size_t j = i;
    while (j < n && is_ident_part(in[j])) ++j;
    fail("invalid number '" + shorten(in.substr(start, j - start)) + "'", start);
  }
  t.kind = Tok::Numeric;
  t.raw = in.substr(start, i - start);
  return i;
}

}  // namespace

Token lex(std::string_view in, std::size_t& i, Dialect dialect) {
  const std::size_t n = in.size();
  while (i < n) {
    const char c = in[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    const char next = i + 1 < n ? in[i + 1] : '\0';
    const char next2 = i + 2 < n ? in[i + 2] : '\0';
    Token t;
    t.pos = i;
    if (c == '-' && next == '-') fail("comments are not allowed ('--')", i);
    if (c == '/' && next == '*') fail("comments are not allowed ('/*')", i);
    if (is_ident_start(c)) {
      std::size_t j = i + 1;
      while (j < n && is_ident_part(in[j])) ++j;
      t.kind = Tok::Ident;
      t.raw = in.substr(i, j - i);
      i = j;
    } else if (is_digit(c) || (c == '.' && is_digit(next)) ||
               ((c == '-' || c == '+') && (is_digit(next) || (next == '.' && is_digit(next2))))) {
      i = lex_number(in, i, t);
    } else if (c == '\'' || c == '"') {
      i = lex_quoted(in, i, t);
    } else {
      std::size_t len = 1;
      switch (c) {
        case '(':
          t.kind = Tok::LParen;
          break;
        case ')':
          t.kind = Tok::RParen;
          break;
        case ',':
          t.kind = Tok::Comma;
          break;
        case '=':
          t.kind = Tok::Eq;
          break;
        case '<':
          if (next == '=') {
            t.kind = Tok::Le, len = 2;
          } else if (next == '>') {
            t.kind = Tok::Ne, len = 2;
          } else {
            t.kind = Tok::Lt;
          }
          break;
        case '>':
          if (next == '=') {
            t.kind = Tok::Ge, len = 2;
          } else {
            t.kind = Tok::Gt;
          }
          break;
        case '!':
          if (next == '=' && dialect == Dialect::Esri) {
            t.kind = Tok::Ne, len = 2;
            break;
          }
          if (next == '=') fail("'!=' is not CQL2, use '<>'", i);
          fail("unexpected '!'", i);
        default:
          fail("unexpected " + describe_char(in, i), i);
      }
      t.raw = in.substr(i, len);
      i += len;
    }
    return t;
  }
  Token end;
  end.pos = n;
  return end;
}

// ---------------------------------------------------------------------------------------------
// Parser

bool is_reserved(std::string_view upper, Dialect dialect) {
  static constexpr std::string_view words[] = {"AND",  "OR", "NOT",  "IS",    "NULL",
                                               "LIKE", "IN", "TRUE", "FALSE", "BETWEEN"};
  for (auto w : words) {
    if (upper == w) return true;
  }
  return dialect == Dialect::Esri && upper == "ESCAPE";
}

}  // namespace gebieden::layers::filter::detail
