#include "layers/filter.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <deque>
#include <limits>
#include <set>
#include <system_error>
#include <utility>

#include "layers/text.hpp"

namespace gebieden::layers::filter {

parse_error::parse_error(const std::string& problem, std::size_t position, const std::string& hint)
    : std::runtime_error(problem + " at position " + std::to_string(position) + hint),
      m_problem(problem),
      m_position(position) {}

std::string_view field_type_name(FieldType type) noexcept {
  switch (type) {
    case FieldType::String:
      return "String";
    case FieldType::Integer:
      return "Integer";
    case FieldType::Double:
      return "Double";
    case FieldType::Boolean:
      return "Boolean";
    case FieldType::Date:
      return "Date";
    case FieldType::Geometry:
      return "Geometry";
  }
  return "?";
}

Expr::Expr(Node node) : m_node(std::make_shared<const Node>(std::move(node))) {}

namespace {
using text::describe_char;
using text::encode_utf8;
using text::shorten;
using text::utf8_sequence_length;

using NodeKind = decltype(Node::kind);

[[noreturn]] void fail(const std::string& problem, std::size_t position,
                       const std::string& hint = {}) {
  throw parse_error(problem, position, hint);
}

// ---------------------------------------------------------------------------------------------
// Characters and UTF-8

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_ident_start(char c) {
  return is_alpha(c) || c == '_';
}
bool is_ident_part(char c) {
  return is_ident_start(c) || is_digit(c) || c == '.' || c == ':';
}
char ascii_upper(char c) {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

std::string upper_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_upper(c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_upper(a[i]) != ascii_upper(b[i])) return false;
  }
  return true;
}

/// Decode one code point leniently: an invalid byte b becomes U+DC00+b (a lone surrogate, which
/// valid UTF-8 never yields), and encode_utf8 writes it back as the byte itself.
char32_t decode_utf8(std::string_view s, std::size_t& i) {
  const std::size_t len = utf8_sequence_length(s, i);
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (len <= 1) {
    ++i;
    return len == 0 ? char32_t{0xDC00} + b0 : char32_t{b0};
  }
  char32_t cp = b0 & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
  for (std::size_t k = 1; k < len; ++k) {
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  }
  i += len;
  return cp;
}

// Case mapping for ASCII, Latin-1 Supplement and Latin Extended-A (what Dutch and its
// neighbours need); other scripts are left as they are.
char32_t lower_cp(char32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
  if (c == 0x130) return 'i';
  if (c >= 0x100 && c <= 0x137 && c % 2 == 0) return c + 1;
  if (c >= 0x139 && c <= 0x148 && c % 2 == 1) return c + 1;
  if (c >= 0x14A && c <= 0x177 && c % 2 == 0) return c + 1;
  if (c == 0x178) return 0xFF;
  if (c >= 0x179 && c <= 0x17E && c % 2 == 1) return c + 1;
  return c;
}

char32_t upper_cp(char32_t c) {
  if (c >= 'a' && c <= 'z') return c - 32;
  if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return c - 32;
  if (c == 0xFF) return 0x178;
  if (c == 0x131) return 'I';
  if (c >= 0x101 && c <= 0x137 && c % 2 == 1) return c - 1;
  if (c >= 0x13A && c <= 0x148 && c % 2 == 0) return c - 1;
  if (c >= 0x14B && c <= 0x177 && c % 2 == 1) return c - 1;
  if (c >= 0x17A && c <= 0x17E && c % 2 == 0) return c - 1;
  return c;
}

/// The base letter of an accented Latin letter; 0 for a combining mark (dropped).
char32_t strip_accent(char32_t c) {
  constexpr std::string_view latin1 =
      "AAAAAA.CEEEEIIIIDNOOOOO.OUUUUY.."
      "aaaaaa.ceeeeiiiidnooooo.ouuuuy.y";
  constexpr std::string_view latin_a =
      "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIi..JjKk.LlLlLlLlLlNnNnNn...OoOoOo.."
      "RrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs";
  static_assert(latin1.size() == 64 && latin_a.size() == 128);
  if (c >= 0x300 && c <= 0x36F) return 0;
  if (c >= 0xC0 && c <= 0xFF) {
    const char m = latin1[c - 0xC0];
    return m == '.' ? c : static_cast<char32_t>(m);
  }
  if (c >= 0x100 && c <= 0x17F) {
    const char m = latin_a[c - 0x100];
    return m == '.' ? c : static_cast<char32_t>(m);
  }
  return c;
}

std::string apply_function(Function f, std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    char32_t c = decode_utf8(s, i);
    switch (f) {
      case Function::Upper:
        c = upper_cp(c);
        break;
      case Function::Lower:
      case Function::CaseI:
        c = lower_cp(c);
        break;
      case Function::AccentI:
        c = strip_accent(c);
        break;
    }
    if (c != 0) encode_utf8(c, out);
  }
  return out;
}

std::string_view function_name(Function f) {
  switch (f) {
    case Function::Upper:
      return "UPPER";
    case Function::Lower:
      return "LOWER";
    case Function::CaseI:
      return "CASEI";
    case Function::AccentI:
      return "ACCENTI";
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------
// Numbers and booleans in text

std::string trim(std::string_view s) {
  std::size_t b = 0;
  std::size_t e = s.size();
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (b < e && space(s[b])) ++b;
  while (e > b && space(s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
}

using Number = std::variant<std::int64_t, double>;

/// A decimal number that fills the whole (trimmed) string; finite only.
std::optional<Number> parse_number(std::string_view text) {
  const std::string s = trim(text);
  if (s.empty()) return std::nullopt;
  const char* begin = s.data();
  const char* end = s.data() + s.size();
  if (*begin == '+') ++begin;
  if (begin == end) return std::nullopt;
  std::int64_t i = 0;
  auto ri = std::from_chars(begin, end, i);
  if (ri.ec == std::errc{} && ri.ptr == end) return Number{i};
  // from_chars also reads "inf", "nan", hex never; only digits, '.', exponent are numbers here.
  for (const char* p = begin; p != end; ++p) {
    if (!is_digit(*p) && *p != '.' && *p != 'e' && *p != 'E' && *p != '-' && *p != '+') {
      return std::nullopt;
    }
  }
  double d = 0;
  auto rd = std::from_chars(begin, end, d);
  if (rd.ec != std::errc{} || rd.ptr != end || !std::isfinite(d)) return std::nullopt;
  return Number{d};
}

std::optional<bool> parse_bool(std::string_view text) {
  const std::string s = trim(text);
  if (iequals(s, "true")) return true;
  if (iequals(s, "false")) return false;
  return std::nullopt;
}

std::partial_ordering compare_numbers(const Number& a, const Number& b) {
  // Exact for int64 against double: no rounding of large integers.
  auto int_vs_double = [](std::int64_t i, double d) -> std::partial_ordering {
    if (std::isnan(d)) return std::partial_ordering::unordered;
    if (d >= 9223372036854775808.0) return std::partial_ordering::less;
    if (d < -9223372036854775808.0) return std::partial_ordering::greater;
    const double t = std::trunc(d);
    const auto ti = static_cast<std::int64_t>(t);
    if (i != ti) return i <=> ti;
    return 0.0 <=> (d - t);
  };
  if (const auto* ia = std::get_if<std::int64_t>(&a)) {
    if (const auto* ib = std::get_if<std::int64_t>(&b)) return *ia <=> *ib;
    return int_vs_double(*ia, std::get<double>(b));
  }
  const double da = std::get<double>(a);
  if (const auto* ib = std::get_if<std::int64_t>(&b)) return 0 <=> int_vs_double(*ib, da);
  return da <=> std::get<double>(b);
}

std::string format_double(double d, bool force_decimal) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  std::string s(buf, r.ptr);
  if (force_decimal && s.find_first_of(".eEni") == std::string::npos) s += ".0";
  return s;
}

// ---------------------------------------------------------------------------------------------
// Calendar (proleptic Gregorian, H. Hinnant's algorithms)

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
}

unsigned days_in_month(int y, int m) {
  static constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : days[m - 1];
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

}  // namespace

std::optional<Timestamp> parse_timestamp(std::string_view s) {
  std::size_t i = 0;
  auto digits = [&](std::size_t n, int& out) {
    if (i + n > s.size()) return false;
    out = 0;
    for (std::size_t k = 0; k < n; ++k) {
      if (!is_digit(s[i + k])) return false;
      out = out * 10 + (s[i + k] - '0');
    }
    i += n;
    return true;
  };
  auto lit = [&](char c) {
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  };
  int y = 0, mo = 0, d = 0;
  if (!digits(4, y) || !lit('-') || !digits(2, mo) || !lit('-') || !digits(2, d)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || static_cast<unsigned>(d) > days_in_month(y, mo)) {
    return std::nullopt;
  }
  Timestamp t;
  std::int64_t ms =
      days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86'400'000;
  if (i == s.size()) {
    t.millis = ms;
    t.date_only = true;
    return t;
  }
  if (s[i] != 'T' && s[i] != 't' && s[i] != ' ') return std::nullopt;
  ++i;
  int h = 0, mi = 0, sec = 0;
  if (!digits(2, h) || !lit(':') || !digits(2, mi)) return std::nullopt;
  std::int64_t frac = 0;
  if (lit(':')) {
    if (!digits(2, sec)) return std::nullopt;
    if (lit('.') || lit(',')) {
      std::size_t n = 0;
      while (i < s.size() && is_digit(s[i])) {
        if (n < 3) frac = frac * 10 + (s[i] - '0');
        ++n;
        ++i;
      }
      if (n == 0) return std::nullopt;
      for (; n < 3; ++n) frac *= 10;
    }
  }
  if (h > 23 || mi > 59 || sec > 60) return std::nullopt;
  ms += h * 3'600'000LL + mi * 60'000LL + sec * 1000LL + frac;
  if (i < s.size()) {
    if (s[i] == 'Z' || s[i] == 'z') {
      ++i;
    } else if (s[i] == '+' || s[i] == '-') {
      const int sign = s[i] == '+' ? 1 : -1;
      ++i;
      int oh = 0, om = 0;
      if (!digits(2, oh)) return std::nullopt;
      if (lit(':')) {
        if (!digits(2, om)) return std::nullopt;
      } else if (i < s.size()) {
        if (!digits(2, om)) return std::nullopt;
      }
      if (oh > 23 || om > 59) return std::nullopt;
      ms -= sign * (oh * 60LL + om) * 60'000LL;
    }
  }
  if (i != s.size()) return std::nullopt;
  t.millis = ms;
  return t;
}

std::string format_timestamp(const Timestamp& t) {
  const std::int64_t days = floor_div(t.millis, 86'400'000);
  const std::int64_t rem = t.millis - days * 86'400'000;
  std::int64_t y = 0;
  unsigned m = 0, d = 0;
  civil_from_days(days, y, m, d);
  char buf[64];
  if (t.date_only) {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
    return buf;
  }
  const auto h = static_cast<int>(rem / 3'600'000);
  const auto mi = static_cast<int>(rem / 60'000 % 60);
  const auto s = static_cast<int>(rem / 1000 % 60);
  const auto ms = static_cast<int>(rem % 1000);
  if (ms != 0) {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ",
                  static_cast<long long>(y), m, d, h, mi, s, ms);
  } else {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02dZ", static_cast<long long>(y), m,
                  d, h, mi, s);
  }
  return buf;
}

namespace {

// ---------------------------------------------------------------------------------------------
// Lexer

enum class Dialect { Cql2, Esri };

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

/// The token at or after in[i] (skipping whitespace); Tok::End at the end. Advances i.
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

class Parser {
 public:
  Parser(std::string_view text, Dialect dialect, const ParseOptions& options)
      : m_text(text), m_dialect(dialect), m_options(options) {}

  Expr parse() {
    if (m_text.size() > m_options.max_length) {
      fail("filter is too long (" + std::to_string(m_text.size()) + " bytes, the maximum is " +
               std::to_string(m_options.max_length) + ")",
           m_options.max_length);
    }
    if (peek().kind == Tok::End) fail("empty filter", 0);
    Expr e = parse_or();
    if (peek().kind != Tok::End) unexpected(peek(), "AND, OR or the end of the filter");
    return e;
  }

 private:
  class DepthGuard {
   public:
    DepthGuard(Parser& parser, std::size_t position) : m_parser(parser) {
      if (++m_parser.m_depth > m_parser.m_options.max_depth) {
        fail("nesting is too deep (more than " + std::to_string(m_parser.m_options.max_depth) +
                 " levels)",
             position);
      }
    }
    ~DepthGuard() { --m_parser.m_depth; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;

   private:
    Parser& m_parser;
  };

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
    return t.kind == Tok::Ident && iequals(t.raw, kw);
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

  [[noreturn]] void unexpected(const Token& t, std::string_view expected) const {
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

  Expr make(NodeKind kind, std::size_t position) {
    if (++m_nodes > m_options.max_nodes) {
      fail("filter is too complex (more than " + std::to_string(m_options.max_nodes) + " nodes)",
           position);
    }
    return Expr(Node{std::move(kind), position});
  }

  // predicate := or
  Expr parse_or() {
    Expr first = parse_and();
    if (!is_kw(peek(), "OR")) return first;
    const std::size_t pos = peek().pos;
    std::vector<Expr> operands{std::move(first)};
    while (accept_kw("OR")) operands.push_back(parse_and());
    return make(Or{std::move(operands)}, pos);
  }

  Expr parse_and() {
    Expr first = parse_not();
    if (!is_kw(peek(), "AND")) return first;
    const std::size_t pos = peek().pos;
    std::vector<Expr> operands{std::move(first)};
    while (accept_kw("AND")) operands.push_back(parse_not());
    return make(And{std::move(operands)}, pos);
  }

  Expr parse_not() {
    if (!is_kw(peek(), "NOT")) return parse_primary();
    const std::size_t pos = next().pos;
    DepthGuard guard(*this, pos);
    Expr operand = parse_not();
    return make(Not{std::move(operand)}, pos);
  }

  Expr parse_primary() {
    const Token& t = peek();
    if (t.kind == Tok::LParen) {
      DepthGuard guard(*this, t.pos);
      next();
      Expr e = parse_or();
      expect(Tok::RParen, "')'");
      return e;
    }
    if (m_dialect == Dialect::Cql2 && t.kind == Tok::Ident && peek(1).kind == Tok::LParen) {
      if (auto op = spatial_op(upper_ascii(t.raw))) return parse_spatial(*op);
    }
    Expr lhs = parse_scalar("a predicate");
    return parse_tail(std::move(lhs));
  }

  static std::optional<CompareOp> compare_op(Tok kind) {
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

  Expr parse_tail(Expr lhs) {
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

  Expr parse_like(Expr value, bool negated, std::size_t pos) {
    const std::size_t pattern_pos = peek().pos;
    Expr pattern = parse_scalar("a pattern");
    if (!is_string_pattern(pattern)) fail("LIKE needs a string pattern", pattern_pos);
    if (m_dialect == Dialect::Esri) {
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
      pattern = normalize_esri_pattern(pattern, escape);
    }
    if (m_options.like_case_insensitive) {
      value = case_insensitive(std::move(value));
      pattern = case_insensitive(std::move(pattern));
    }
    return make(Like{std::move(value), std::move(pattern), negated}, pos);
  }

  Expr case_insensitive(Expr e) {
    if (const auto* call = e.get_if<Call>(); call && call->function == Function::CaseI) return e;
    const std::size_t pos = e.position();
    return make(Call{Function::CaseI, std::move(e)}, pos);
  }

  Value number_value(const Token& t) const {
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

  Value temporal(const Token& s, bool date) const {
    auto ts = parse_timestamp(s.text);
    if (!ts || (date && !ts->date_only)) {
      fail(std::string("invalid ") + (date ? "date " : "timestamp ") + shorten(s.raw), s.pos);
    }
    ts->date_only = date;
    return *ts;
  }

  Expr parse_scalar(std::string_view expected) {
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
        return make(Property{t.text}, t.pos);
      case Tok::Ident:
        break;
      default:
        unexpected(t, expected);
    }
    const std::string up = upper_ascii(t.raw);
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

  Expr parse_call(const std::string& up) {
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

  // S_INTERSECTS(property, geometry) in either order.
  Expr parse_spatial(SpatialOp op) {
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
      const std::string up = upper_ascii(t.raw);
      if (t.kind == Tok::Ident && is_geometry_keyword(up) &&
          (peek(1).kind == Tok::LParen || is_kw(peek(1), "Z") || is_kw(peek(1), "EMPTY"))) {
        if (geometry) fail(shorten(name.raw) + " needs one property and one geometry", t.pos);
        bbox = up == "BBOX";
        geometry = parse_geometry();
      } else if (t.kind == Tok::QuotedIdent ||
                 (t.kind == Tok::Ident && peek(1).kind != Tok::LParen &&
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

  double number() {
    const Token& t = peek();
    if (t.kind != Tok::Numeric) unexpected(t, "a number");
    next();
    const Value v = number_value(t);
    if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
    return std::get<double>(v);
  }

  geo::XY coordinate() {
    geo::XY p;
    p.x = number();
    p.y = number();
    if (peek().kind == Tok::Numeric) number();  // z, ignored
    return p;
  }

  geo::Path coordinate_list(std::size_t min, std::string_view what) {
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

  std::vector<geo::Path> polygon_body() {
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

  geo::Geometry parse_geometry() {
    const Token& t = next();
    const std::string up = upper_ascii(t.raw);
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
      if (b.minx > b.maxx || b.miny > b.maxy)
        fail("BBOX minimum is larger than its maximum", t.pos);
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

  std::string_view m_text;
  Dialect m_dialect;
  const ParseOptions& m_options;
  std::deque<Token> m_tokens;
  std::size_t m_lexed = 0;  // bytes of m_text read into m_tokens
  std::size_t m_at = 0;
  std::size_t m_depth = 0;
  std::size_t m_nodes = 0;
};

}  // namespace

Expr parse_cql2_text(std::string_view text, const ParseOptions& options) {
  return Parser(text, Dialect::Cql2, options).parse();
}

Expr parse_esri_where(std::string_view text, const ParseOptions& options) {
  return Parser(text, Dialect::Esri, options).parse();
}

// ---------------------------------------------------------------------------------------------
// Validation

namespace {

std::optional<FieldType> literal_type(const Value& v) {
  switch (v.index()) {
    case 1:
      return FieldType::Boolean;
    case 2:
      return FieldType::Integer;
    case 3:
      return FieldType::Double;
    case 4:
      return FieldType::String;
    case 5:
      return FieldType::Date;
    default:
      return std::nullopt;
  }
}

class Checker {
 public:
  explicit Checker(const FieldResolver& resolve) : m_resolve(resolve) {}

  void predicate(const Expr& e) {
    if (const auto* c = e.get_if<Comparison>()) {
      comparable(c->lhs, c->rhs, e.position());
    } else if (const auto* like = e.get_if<Like>()) {
      const auto t = scalar(like->value);
      if (t == FieldType::Boolean || t == FieldType::Geometry) {
        fail("LIKE needs a string, " + describe(like->value, t) + " is not one",
             like->value.position());
      }
      scalar(like->pattern);
    } else if (const auto* b = e.get_if<Between>()) {
      comparable(b->value, b->low, e.position());
      comparable(b->value, b->high, e.position());
    } else if (const auto* in = e.get_if<In>()) {
      for (const auto& item : in->list) comparable(in->value, item, item.position());
    } else if (const auto* n = e.get_if<IsNull>()) {
      scalar(n->value);
    } else if (const auto* no = e.get_if<Not>()) {
      predicate(no->operand);
    } else if (const auto* a = e.get_if<And>()) {
      for (const auto& o : a->operands) predicate(o);
    } else if (const auto* o = e.get_if<Or>()) {
      for (const auto& x : o->operands) predicate(x);
    } else if (const auto* s = e.get_if<Spatial>()) {
      const auto t = scalar(s->property);
      if (t != FieldType::Geometry) {
        fail(std::string(s->op == SpatialOp::Intersects ? "S_INTERSECTS" : "S_DISJOINT") +
                 " needs a geometry property, " + describe(s->property, t) + " is not one",
             s->property.position());
      }
    } else if (const auto* lit = e.get_if<Literal>();
               lit && std::holds_alternative<bool>(lit->value)) {
      // TRUE / FALSE
    } else {
      fail("expected a predicate", e.position());
    }
  }

 private:
  std::optional<FieldType> scalar(const Expr& e) {
    if (const auto* lit = e.get_if<Literal>()) return literal_type(lit->value);
    if (const auto* p = e.get_if<Property>()) {
      auto t = m_resolve ? m_resolve(p->name) : std::nullopt;
      if (!t) fail("unknown property '" + shorten(p->name, 64) + "'", e.position());
      return t;
    }
    if (const auto* c = e.get_if<Call>()) {
      const auto t = scalar(c->argument);
      if (t && t != FieldType::String) {
        fail(std::string(function_name(c->function)) + " needs a string, " +
                 describe(c->argument, t) + " is not one",
             c->argument.position());
      }
      return FieldType::String;
    }
    fail("expected a value", e.position());
  }

  static std::string describe(const Expr& e, std::optional<FieldType> t) {
    if (const auto* p = e.get_if<Property>()) {
      return std::string(t ? field_type_name(*t) : "") + " property '" + shorten(p->name, 64) + "'";
    }
    if (const auto* lit = e.get_if<Literal>()) {
      switch (lit->value.index()) {
        case 1:
          return "boolean " + to_string(lit->value);
        case 2:
        case 3:
          return "number " + to_string(lit->value);
        case 4:
          return "string " + shorten(to_string(lit->value), 64);
        case 5:
          return "date " + to_string(lit->value);
        default:
          return "NULL";
      }
    }
    return "value " + shorten(to_string(e), 64);
  }

  void comparable(const Expr& a, const Expr& b, std::size_t position) {
    const auto ta = scalar(a);
    const auto tb = scalar(b);
    if (ta == FieldType::Geometry) fail(describe(a, ta) + " cannot be compared", a.position());
    if (tb == FieldType::Geometry) fail(describe(b, tb) + " cannot be compared", b.position());
    if (!ta || !tb || *ta == *tb) return;
    if (a.get_if<Literal>() && b.get_if<Literal>()) return;  // 1 = 1, 1 = '1': decided per row
    auto numeric = [](FieldType t) { return t == FieldType::Integer || t == FieldType::Double; };
    if (numeric(*ta) && numeric(*tb)) return;
    // A string literal against a typed value must convert; a string property is checked per
    // feature.
    auto string_converts = [](const Expr& s, FieldType other) {
      const auto* lit = s.get_if<Literal>();
      if (!lit) return true;
      const auto& text = std::get<std::string>(lit->value);
      if (other == FieldType::Integer || other == FieldType::Double) {
        return parse_number(text).has_value();
      }
      if (other == FieldType::Date) return parse_timestamp(trim(text)).has_value();
      if (other == FieldType::Boolean) return parse_bool(text).has_value();
      return true;
    };
    auto zero_or_one = [](const Expr& n) {
      const auto* lit = n.get_if<Literal>();
      if (!lit) return false;
      const auto* i = std::get_if<std::int64_t>(&lit->value);
      return i && (*i == 0 || *i == 1);
    };
    bool ok = false;
    if (*ta == FieldType::String) {
      ok = string_converts(a, *tb);
    } else if (*tb == FieldType::String) {
      ok = string_converts(b, *ta);
    } else if (*ta == FieldType::Boolean && numeric(*tb)) {
      ok = zero_or_one(b);
    } else if (*tb == FieldType::Boolean && numeric(*ta)) {
      ok = zero_or_one(a);
    }
    if (!ok) fail("cannot compare " + describe(a, ta) + " with " + describe(b, tb), position);
  }

  const FieldResolver& m_resolve;
};

template <typename F>
Expr rename_properties(const Expr& e, const F& rename) {
  const std::size_t pos = e.position();
  auto re = [&](const Expr& x) { return rename_properties(x, rename); };
  auto all = [&](const std::vector<Expr>& xs) {
    std::vector<Expr> out;
    out.reserve(xs.size());
    for (const auto& x : xs) out.push_back(re(x));
    return out;
  };
  if (const auto* p = e.get_if<Property>()) return Expr(Node{Property{rename(p->name, pos)}, pos});
  if (e.get_if<Literal>()) return e;
  if (const auto* c = e.get_if<Call>()) return Expr(Node{Call{c->function, re(c->argument)}, pos});
  if (const auto* c = e.get_if<Comparison>()) {
    return Expr(Node{Comparison{c->op, re(c->lhs), re(c->rhs)}, pos});
  }
  if (const auto* l = e.get_if<Like>()) {
    return Expr(Node{Like{re(l->value), re(l->pattern), l->negated}, pos});
  }
  if (const auto* b = e.get_if<Between>()) {
    return Expr(Node{Between{re(b->value), re(b->low), re(b->high), b->negated}, pos});
  }
  if (const auto* in = e.get_if<In>()) {
    return Expr(Node{In{re(in->value), all(in->list), in->negated}, pos});
  }
  if (const auto* n = e.get_if<IsNull>()) return Expr(Node{IsNull{re(n->value), n->negated}, pos});
  if (const auto* n = e.get_if<Not>()) return Expr(Node{Not{re(n->operand)}, pos});
  if (const auto* a = e.get_if<And>()) return Expr(Node{And{all(a->operands)}, pos});
  if (const auto* o = e.get_if<Or>()) return Expr(Node{Or{all(o->operands)}, pos});
  const auto& s = std::get<Spatial>(e.node().kind);
  return Expr(Node{Spatial{s.op, re(s.property), s.geometry, s.bbox}, pos});
}

}  // namespace

void validate(const Expr& expr, const FieldResolver& field_type) {
  Checker(field_type).predicate(expr);
}

Expr bind(const Expr& expr, const Schema& schema, bool case_insensitive_names) {
  auto resolve = [&](const std::string& name, std::size_t pos) -> std::string {
    if (auto it = schema.find(name); it != schema.end()) return it->first;
    if (case_insensitive_names) {
      const std::string* found = nullptr;
      for (const auto& entry : schema) {
        if (!iequals(entry.first, name)) continue;
        if (found) fail("ambiguous property '" + shorten(name, 64) + "'", pos);
        found = &entry.first;
      }
      if (found) return *found;
    }
    fail("unknown property '" + shorten(name, 64) + "'", pos);
  };
  Expr bound = rename_properties(expr, resolve);
  validate(bound, [&schema](std::string_view name) -> std::optional<FieldType> {
    auto it = schema.find(name);
    if (it == schema.end()) return std::nullopt;
    return it->second;
  });
  return bound;
}

// ---------------------------------------------------------------------------------------------
// Comparison, LIKE, geometry

namespace {

std::optional<Number> as_number(const Value& v) {
  if (const auto* b = std::get_if<bool>(&v)) return Number{std::int64_t{*b ? 1 : 0}};
  if (const auto* i = std::get_if<std::int64_t>(&v)) return Number{*i};
  if (const auto* d = std::get_if<double>(&v)) return Number{*d};
  return std::nullopt;
}

/// v (not null, not a string) against the string s converted to v's type.
std::optional<std::partial_ordering> compare_with_string(const Value& v, const std::string& s) {
  if (const auto* b = std::get_if<bool>(&v)) {
    auto sb = parse_bool(s);
    if (!sb) return std::nullopt;
    return *b <=> *sb;
  }
  if (const auto* t = std::get_if<Timestamp>(&v)) {
    auto st = parse_timestamp(trim(s));
    if (!st) return std::nullopt;
    return t->millis <=> st->millis;
  }
  if (auto n = as_number(v)) {
    auto sn = parse_number(s);
    if (!sn) return std::nullopt;
    return compare_numbers(*n, *sn);
  }
  return std::nullopt;
}

std::string as_text(const Value& v) {
  switch (v.index()) {
    case 1:
      return std::get<bool>(v) ? "true" : "false";
    case 2:
      return std::to_string(std::get<std::int64_t>(v));
    case 3:
      return format_double(std::get<double>(v), false);
    case 4:
      return std::get<std::string>(v);
    case 5:
      return format_timestamp(std::get<Timestamp>(v));
    default:
      return {};
  }
}

Truth truth_not(Truth t) {
  if (t == Truth::True) return Truth::False;
  if (t == Truth::False) return Truth::True;
  return Truth::Unknown;
}

Truth truth_of(bool b) {
  return b ? Truth::True : Truth::False;
}

// Geometry ----------------------------------------------------------------------------------

using geo::XY;

int orientation(XY a, XY b, XY c) {
  const double cross = (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x);
  return (cross > 0) - (cross < 0);
}

/// p is on segment ab, given that it is collinear with it.
bool within(XY a, XY b, XY p) {
  return std::min(a.x, b.x) <= p.x && p.x <= std::max(a.x, b.x) && std::min(a.y, b.y) <= p.y &&
         p.y <= std::max(a.y, b.y);
}

bool on_segment(XY a, XY b, XY p) {
  return orientation(a, b, p) == 0 && within(a, b, p);
}

bool segments_intersect(XY p1, XY p2, XY q1, XY q2) {
  const int d1 = orientation(q1, q2, p1);
  const int d2 = orientation(q1, q2, p2);
  const int d3 = orientation(p1, p2, q1);
  const int d4 = orientation(p1, p2, q2);
  if (d1 * d2 < 0 && d3 * d4 < 0) return true;
  return (d1 == 0 && within(q1, q2, p1)) || (d2 == 0 && within(q1, q2, p2)) ||
         (d3 == 0 && within(p1, p2, q1)) || (d4 == 0 && within(p1, p2, q2));
}

struct Segment {
  XY a, b;
};

/// A geometry as points, segments (lines and ring edges near `window`) and the first vertex of
/// each line and ring, plus the polygonal geometry itself for point-in-polygon tests.
struct Decomposed {
  std::vector<XY> points;
  std::vector<Segment> segments;
  std::vector<XY> path_starts;
  const geo::Geometry* polygonal = nullptr;
};

Decomposed decompose(const geo::Geometry& g, const geo::Box& window) {
  Decomposed d;
  const bool pointal =
      g.type == geo::GeometryType::Point || g.type == geo::GeometryType::MultiPoint;
  if (g.type == geo::GeometryType::Polygon || g.type == geo::GeometryType::MultiPolygon) {
    d.polygonal = &g;
  }
  for (const auto& part : g.parts) {
    for (const auto& path : part) {
      if (pointal || path.size() == 1) {
        d.points.insert(d.points.end(), path.begin(), path.end());
        continue;
      }
      if (path.empty()) continue;
      d.path_starts.push_back(path.front());
      for (std::size_t i = 0; i + 1 < path.size(); ++i) {
        geo::Box sb;
        sb.expand(path[i]);
        sb.expand(path[i + 1]);
        if (sb.intersects(window)) d.segments.push_back({path[i], path[i + 1]});
      }
    }
  }
  return d;
}

bool point_in(const Decomposed& d, XY p) {
  for (const auto& q : d.points) {
    if (q == p) return true;
  }
  for (const auto& s : d.segments) {
    if (on_segment(s.a, s.b, p)) return true;
  }
  return d.polygonal && geo::contains_point(*d.polygonal, p);
}

}  // namespace

std::optional<std::partial_ordering> compare_values(const Value& a, const Value& b) {
  if (a.index() == 0 || b.index() == 0) return std::nullopt;
  if (const auto* sa = std::get_if<std::string>(&a)) {
    if (const auto* sb = std::get_if<std::string>(&b)) return sa->compare(*sb) <=> 0;
    auto r = compare_with_string(b, *sa);
    if (!r) return std::nullopt;
    return 0 <=> *r;
  }
  if (const auto* sb = std::get_if<std::string>(&b)) return compare_with_string(a, *sb);
  const auto* ta = std::get_if<Timestamp>(&a);
  const auto* tb = std::get_if<Timestamp>(&b);
  if (ta && tb) return ta->millis <=> tb->millis;
  if (ta || tb) return std::nullopt;
  auto na = as_number(a);
  auto nb = as_number(b);
  if (na && nb) return compare_numbers(*na, *nb);
  return std::nullopt;
}

bool like_match(std::string_view text, std::string_view pattern) {
  enum class Kind { Char, One, Any };
  struct Item {
    Kind kind;
    char32_t c;
  };
  std::vector<Item> pat;
  for (std::size_t i = 0; i < pattern.size();) {
    char32_t c = decode_utf8(pattern, i);
    if (c == '\\') {
      pat.push_back({Kind::Char, i < pattern.size() ? decode_utf8(pattern, i) : c});
    } else if (c == '%') {
      if (pat.empty() || pat.back().kind != Kind::Any) pat.push_back({Kind::Any, 0});
    } else if (c == '_') {
      pat.push_back({Kind::One, 0});
    } else {
      pat.push_back({Kind::Char, c});
    }
  }
  std::vector<char32_t> str;
  str.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) str.push_back(decode_utf8(text, i));

  // Greedy matching with backtracking to the last '%': O(text * pattern), no recursion.
  std::size_t t = 0, p = 0;
  std::size_t star = std::string_view::npos, mark = 0;
  while (t < str.size()) {
    if (p < pat.size() &&
        (pat[p].kind == Kind::One || (pat[p].kind == Kind::Char && pat[p].c == str[t]))) {
      ++t, ++p;
    } else if (p < pat.size() && pat[p].kind == Kind::Any) {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pat.size() && pat[p].kind == Kind::Any) ++p;
  return p == pat.size();
}

bool intersects(const geo::Geometry& a, const geo::Geometry& b) {
  if (a.empty() || b.empty()) return false;
  const geo::Box ba = a.bbox();
  const geo::Box bb = b.bbox();
  if (!ba.intersects(bb)) return false;
  const Decomposed da = decompose(a, bb);
  const Decomposed db = decompose(b, ba);
  for (const auto& p : da.points) {
    if (point_in(db, p)) return true;
  }
  for (const auto& p : db.points) {
    if (point_in(da, p)) return true;
  }
  for (const auto& sa : da.segments) {
    for (const auto& sb : db.segments) {
      if (segments_intersect(sa.a, sa.b, sb.a, sb.b)) return true;
    }
  }
  // No boundaries cross: they intersect only when one lies inside the other.
  if (da.polygonal) {
    for (const auto& p : db.path_starts) {
      if (geo::contains_point(a, p)) return true;
    }
  }
  if (db.polygonal) {
    for (const auto& p : da.path_starts) {
      if (geo::contains_point(b, p)) return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

namespace {

class Evaluator {
 public:
  explicit Evaluator(const PropertyAccess& access) : m_access(access) {}

  Truth truth(const Expr& e) const {
    if (const auto* c = e.get_if<Comparison>())
      return compare(c->op, scalar(c->lhs), scalar(c->rhs));
    if (const auto* a = e.get_if<And>()) {
      Truth r = Truth::True;
      for (const auto& o : a->operands) {
        const Truth t = truth(o);
        if (t == Truth::False) return Truth::False;
        if (t == Truth::Unknown) r = Truth::Unknown;
      }
      return r;
    }
    if (const auto* o = e.get_if<Or>()) {
      Truth r = Truth::False;
      for (const auto& x : o->operands) {
        const Truth t = truth(x);
        if (t == Truth::True) return Truth::True;
        if (t == Truth::Unknown) r = Truth::Unknown;
      }
      return r;
    }
    if (const auto* n = e.get_if<Not>()) return truth_not(truth(n->operand));
    if (const auto* like = e.get_if<Like>()) {
      const Value v = scalar(like->value);
      const Value p = scalar(like->pattern);
      const auto* ps = std::get_if<std::string>(&p);
      if (v.index() == 0 || !ps) return Truth::Unknown;
      const Truth t = truth_of(like_match(as_text(v), *ps));
      return like->negated ? truth_not(t) : t;
    }
    if (const auto* b = e.get_if<Between>()) {
      const Value v = scalar(b->value);
      const Truth lo = compare(CompareOp::GreaterEqual, v, scalar(b->low));
      const Truth hi = compare(CompareOp::LessEqual, v, scalar(b->high));
      Truth t = Truth::True;
      if (lo == Truth::False || hi == Truth::False) {
        t = Truth::False;
      } else if (lo == Truth::Unknown || hi == Truth::Unknown) {
        t = Truth::Unknown;
      }
      return b->negated ? truth_not(t) : t;
    }
    if (const auto* in = e.get_if<In>()) {
      const Value v = scalar(in->value);
      Truth t = Truth::False;
      for (const auto& item : in->list) {
        const Truth c = compare(CompareOp::Equal, v, scalar(item));
        if (c == Truth::True) {
          t = Truth::True;
          break;
        }
        if (c == Truth::Unknown) t = Truth::Unknown;
      }
      return in->negated ? truth_not(t) : t;
    }
    if (const auto* n = e.get_if<IsNull>()) return truth_of(is_null(n->value) != n->negated);
    if (const auto* s = e.get_if<Spatial>()) {
      const geo::Geometry* g = geometry(std::get<Property>(s->property.node().kind).name);
      if (!g || g->empty()) return Truth::Unknown;
      const bool hit = intersects(*g, s->geometry);
      return truth_of(s->op == SpatialOp::Intersects ? hit : !hit);
    }
    // A boolean literal or property used as a predicate.
    const Value v = scalar(e);
    if (const auto* b = std::get_if<bool>(&v)) return truth_of(*b);
    return Truth::Unknown;
  }

 private:
  Value property(const std::string& name) const {
    return m_access.value ? m_access.value(name) : Value{};
  }
  const geo::Geometry* geometry(const std::string& name) const {
    return m_access.geometry ? m_access.geometry(name) : nullptr;
  }

  Value scalar(const Expr& e) const {
    if (const auto* lit = e.get_if<Literal>()) return lit->value;
    if (const auto* p = e.get_if<Property>()) return property(p->name);
    if (const auto* c = e.get_if<Call>()) {
      Value v = scalar(c->argument);
      if (const auto* s = std::get_if<std::string>(&v)) return apply_function(c->function, *s);
      return v;
    }
    return Value{};
  }

  bool is_null(const Expr& e) const {
    if (const auto* p = e.get_if<Property>()) {
      if (property(p->name).index() != 0) return false;
      const geo::Geometry* g = geometry(p->name);
      return !g || g->empty();
    }
    return scalar(e).index() == 0;
  }

  static Truth compare(CompareOp op, const Value& a, const Value& b) {
    if (a.index() == 0 || b.index() == 0) return Truth::Unknown;
    const auto c = compare_values(a, b);
    if (!c) {
      if (op == CompareOp::Equal) return Truth::False;
      if (op == CompareOp::NotEqual) return Truth::True;
      return Truth::Unknown;
    }
    if (*c == std::partial_ordering::unordered) return Truth::Unknown;
    switch (op) {
      case CompareOp::Equal:
        return truth_of(*c == 0);
      case CompareOp::NotEqual:
        return truth_of(*c != 0);
      case CompareOp::Less:
        return truth_of(*c < 0);
      case CompareOp::LessEqual:
        return truth_of(*c <= 0);
      case CompareOp::Greater:
        return truth_of(*c > 0);
      case CompareOp::GreaterEqual:
        return truth_of(*c >= 0);
    }
    return Truth::Unknown;
  }

  const PropertyAccess& m_access;
};

}  // namespace

Truth evaluate(const Expr& expr, const PropertyAccess& feature) {
  return Evaluator(feature).truth(expr);
}

bool matches(const Expr& expr, const PropertyAccess& feature) {
  return evaluate(expr, feature) == Truth::True;
}

PropertyAccess map_access(const std::map<std::string, Value, std::less<>>& values,
                          const geo::Geometry* geometry, std::string geometry_name) {
  PropertyAccess access;
  access.value = [&values](std::string_view name) -> Value {
    auto it = values.find(name);
    return it == values.end() ? Value{} : it->second;
  };
  access.geometry = [geometry, geometry_name = std::move(geometry_name)](
                        std::string_view name) -> const geo::Geometry* {
    return name == geometry_name ? geometry : nullptr;
  };
  return access;
}

// ---------------------------------------------------------------------------------------------
// Helpers

namespace {

void collect_properties(const Expr& e, std::vector<std::string>& out, std::set<std::string>& seen) {
  auto add = [&](const Expr& x) { collect_properties(x, out, seen); };
  if (const auto* p = e.get_if<Property>()) {
    if (seen.insert(p->name).second) out.push_back(p->name);
  } else if (const auto* c = e.get_if<Call>()) {
    add(c->argument);
  } else if (const auto* cmp = e.get_if<Comparison>()) {
    add(cmp->lhs), add(cmp->rhs);
  } else if (const auto* l = e.get_if<Like>()) {
    add(l->value), add(l->pattern);
  } else if (const auto* b = e.get_if<Between>()) {
    add(b->value), add(b->low), add(b->high);
  } else if (const auto* in = e.get_if<In>()) {
    add(in->value);
    for (const auto& x : in->list) add(x);
  } else if (const auto* n = e.get_if<IsNull>()) {
    add(n->value);
  } else if (const auto* no = e.get_if<Not>()) {
    add(no->operand);
  } else if (const auto* a = e.get_if<And>()) {
    for (const auto& x : a->operands) add(x);
  } else if (const auto* o = e.get_if<Or>()) {
    for (const auto& x : o->operands) add(x);
  } else if (const auto* s = e.get_if<Spatial>()) {
    add(s->property);
  }
}

std::string quote(std::string_view s, char q) {
  std::string out(1, q);
  for (char c : s) {
    out += c;
    if (c == q) out += q;
  }
  out += q;
  return out;
}

std::string render_property(const std::string& name) {
  bool bare =
      !name.empty() && is_ident_start(name[0]) && !is_reserved(upper_ascii(name), Dialect::Cql2);
  for (char c : name) {
    if (!is_ident_start(c) && !is_digit(c)) bare = false;
  }
  return bare ? name : quote(name, '"');
}

void render_path(const geo::Path& path, std::string& out) {
  out += '(';
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (i) out += ", ";
    out += format_double(path[i].x, false) + " " + format_double(path[i].y, false);
  }
  out += ')';
}

void render_paths(const std::vector<geo::Path>& paths, std::string& out) {
  out += '(';
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (i) out += ", ";
    render_path(paths[i], out);
  }
  out += ')';
}

std::string render_geometry(const geo::Geometry& g, bool bbox) {
  std::string out;
  if (bbox) {
    const geo::Box b = g.bbox();
    return "BBOX(" + format_double(b.minx, false) + ", " + format_double(b.miny, false) + ", " +
           format_double(b.maxx, false) + ", " + format_double(b.maxy, false) + ")";
  }
  switch (g.type) {
    case geo::GeometryType::Point:
      out = "POINT";
      render_path(g.parts.at(0).at(0), out);
      break;
    case geo::GeometryType::MultiPoint:
      out = "MULTIPOINT(";
      for (std::size_t i = 0; i < g.parts.at(0).at(0).size(); ++i) {
        if (i) out += ", ";
        render_path(geo::Path{g.parts[0][0][i]}, out);
      }
      out += ')';
      break;
    case geo::GeometryType::LineString:
      out = "LINESTRING";
      render_path(g.parts.at(0).at(0), out);
      break;
    case geo::GeometryType::MultiLineString:
      out = "MULTILINESTRING";
      render_paths(g.parts.at(0), out);
      break;
    case geo::GeometryType::Polygon:
      out = "POLYGON";
      render_paths(g.parts.at(0), out);
      break;
    case geo::GeometryType::MultiPolygon:
      out = "MULTIPOLYGON(";
      for (std::size_t i = 0; i < g.parts.size(); ++i) {
        if (i) out += ", ";
        render_paths(g.parts[i], out);
      }
      out += ')';
      break;
    case geo::GeometryType::None:
      out = "POINT EMPTY";
      break;
  }
  return out;
}

std::string_view op_text(CompareOp op) {
  switch (op) {
    case CompareOp::Equal:
      return "=";
    case CompareOp::NotEqual:
      return "<>";
    case CompareOp::Less:
      return "<";
    case CompareOp::LessEqual:
      return "<=";
    case CompareOp::Greater:
      return ">";
    case CompareOp::GreaterEqual:
      return ">=";
  }
  return "?";
}

std::string render(const Expr& e);

std::string render_operand(const Expr& e) {
  if (e.get_if<And>() || e.get_if<Or>()) return "(" + render(e) + ")";
  return render(e);
}

std::string render_list(const std::vector<Expr>& xs, std::string_view sep, bool group) {
  std::string out;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (i) out += sep;
    out += group ? render_operand(xs[i]) : render(xs[i]);
  }
  return out;
}

std::string render(const Expr& e) {
  if (const auto* lit = e.get_if<Literal>()) return to_string(lit->value);
  if (const auto* p = e.get_if<Property>()) return render_property(p->name);
  if (const auto* c = e.get_if<Call>()) {
    return std::string(function_name(c->function)) + "(" + render(c->argument) + ")";
  }
  if (const auto* c = e.get_if<Comparison>()) {
    return render(c->lhs) + " " + std::string(op_text(c->op)) + " " + render(c->rhs);
  }
  if (const auto* l = e.get_if<Like>()) {
    return render(l->value) + (l->negated ? " NOT LIKE " : " LIKE ") + render(l->pattern);
  }
  if (const auto* b = e.get_if<Between>()) {
    return render(b->value) + (b->negated ? " NOT BETWEEN " : " BETWEEN ") + render(b->low) +
           " AND " + render(b->high);
  }
  if (const auto* in = e.get_if<In>()) {
    return render(in->value) + (in->negated ? " NOT IN (" : " IN (") +
           render_list(in->list, ", ", false) + ")";
  }
  if (const auto* n = e.get_if<IsNull>()) {
    return render(n->value) + (n->negated ? " IS NOT NULL" : " IS NULL");
  }
  if (const auto* n = e.get_if<Not>()) return "NOT (" + render(n->operand) + ")";
  if (const auto* a = e.get_if<And>()) return render_list(a->operands, " AND ", true);
  if (const auto* o = e.get_if<Or>()) return render_list(o->operands, " OR ", true);
  const auto& s = std::get<Spatial>(e.node().kind);
  return std::string(s.op == SpatialOp::Intersects ? "S_INTERSECTS(" : "S_DISJOINT(") +
         render(s.property) + ", " + render_geometry(s.geometry, s.bbox) + ")";
}

}  // namespace

std::vector<std::string> referenced_properties(const Expr& expr) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  collect_properties(expr, out, seen);
  return out;
}

std::string to_string(const Expr& expr) {
  return render(expr);
}

std::string to_string(const Value& value) {
  switch (value.index()) {
    case 1:
      return std::get<bool>(value) ? "TRUE" : "FALSE";
    case 2:
      return std::to_string(std::get<std::int64_t>(value));
    case 3:
      return format_double(std::get<double>(value), true);
    case 4:
      return quote(std::get<std::string>(value), '\'');
    case 5: {
      const auto& t = std::get<Timestamp>(value);
      return (t.date_only ? "DATE('" : "TIMESTAMP('") + format_timestamp(t) + "')";
    }
    default:
      return "NULL";
  }
}

}  // namespace gebieden::layers::filter
