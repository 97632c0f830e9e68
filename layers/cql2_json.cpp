#include "layers/cql2_json.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "layers/filter_internal.hpp"
#include "util/ascii.hpp"
#include "util/utf8.hpp"

namespace gebieden::layers::filter {

namespace {
using detail::is_string_pattern;
using util::describe_char;
using util::encode_utf8;
using util::shorten;
using util::utf8_sequence_length;

using detail::fail;

// ---------------------------------------------------------------------------------------------
// Messages

std::string hex(unsigned value, int digits) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%0*X", digits, value);
  return buf;
}

// ---------------------------------------------------------------------------------------------
// JSON reader (RFC 8259) that keeps the byte offset of every value and object key.

enum class JsonKind { Null, Boolean, Number, String, Array, Object };

struct Json {
  JsonKind kind = JsonKind::Null;
  std::size_t pos = 0;
  bool boolean = false;
  Value number;                   // std::int64_t or double
  std::string text;               // String: the decoded string; Number: its source text
  std::vector<Json> items;        // Array: elements; Object: member values
  std::vector<std::string> keys;  // Object: member names, parallel to items
  std::vector<std::size_t> key_pos;

  /// The member named `key` of an object, or nullptr.
  const Json* member(std::string_view key) const {
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (keys[i] == key) return &items[i];
    }
    return nullptr;
  }
};

std::string_view kind_name(JsonKind kind) {
  switch (kind) {
    case JsonKind::Null:
      return "null";
    case JsonKind::Boolean:
      return "a boolean";
    case JsonKind::Number:
      return "a number";
    case JsonKind::String:
      return "a string";
    case JsonKind::Array:
      return "an array";
    case JsonKind::Object:
      return "an object";
  }
  return "?";
}

class JsonReader {
 public:
  JsonReader(std::string_view text, std::size_t max_depth) : m_in(text), m_max_depth(max_depth) {}

  Json read() {
    skip_space();
    if (m_i == m_in.size()) fail("empty filter", 0);
    Json root = value(0);
    skip_space();
    if (m_i != m_in.size()) {
      fail("unexpected " + describe_char(m_in, m_i) + " after the JSON value", m_i,
           ", expected the end of the filter");
    }
    return root;
  }

 private:
  void skip_space() {
    while (m_i < m_in.size() &&
           (m_in[m_i] == ' ' || m_in[m_i] == '\t' || m_in[m_i] == '\n' || m_in[m_i] == '\r')) {
      ++m_i;
    }
  }

  [[noreturn]] void unexpected(std::string_view expected) const {
    if (m_i >= m_in.size())
      fail("unexpected end of JSON", m_i, ", expected " + std::string(expected));
    fail("unexpected " + describe_char(m_in, m_i), m_i, ", expected " + std::string(expected));
  }

  bool literal(std::string_view word) {
    if (m_in.substr(m_i, word.size()) != word) return false;
    m_i += word.size();
    return true;
  }

  Json value(std::size_t depth) {
    skip_space();
    if (m_i >= m_in.size()) unexpected("a JSON value");
    Json v;
    v.pos = m_i;
    const char c = m_in[m_i];
    if (c == '{' || c == '[') {
      if (depth >= m_max_depth) {
        fail("JSON nesting is too deep (more than " + std::to_string(m_max_depth) + " levels)",
             m_i);
      }
      if (c == '{') {
        object(v, depth + 1);
      } else {
        array(v, depth + 1);
      }
    } else if (c == '"') {
      v.kind = JsonKind::String;
      v.text = string();
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      number(v);
    } else if (literal("true")) {
      v.kind = JsonKind::Boolean;
      v.boolean = true;
    } else if (literal("false")) {
      v.kind = JsonKind::Boolean;
    } else if (literal("null")) {
      v.kind = JsonKind::Null;
    } else if (c == '\'') {
      fail("JSON strings use double quotes, not '", m_i);
    } else {
      unexpected("a JSON value");
    }
    return v;
  }

  void object(Json& v, std::size_t depth) {
    v.kind = JsonKind::Object;
    ++m_i;  // {
    skip_space();
    if (m_i < m_in.size() && m_in[m_i] == '}') {
      ++m_i;
      return;
    }
    for (;;) {
      skip_space();
      if (m_i >= m_in.size() || m_in[m_i] != '"') unexpected("a member name in double quotes");
      const std::size_t key_pos = m_i;
      std::string key = string();
      if (v.member(key)) fail("duplicate member '" + shorten(key) + "'", key_pos);
      skip_space();
      if (m_i >= m_in.size() || m_in[m_i] != ':') unexpected("':'");
      ++m_i;
      v.items.push_back(value(depth));
      v.keys.push_back(std::move(key));
      v.key_pos.push_back(key_pos);
      skip_space();
      if (m_i < m_in.size() && m_in[m_i] == ',') {
        ++m_i;
        continue;
      }
      if (m_i < m_in.size() && m_in[m_i] == '}') {
        ++m_i;
        return;
      }
      unexpected("',' or '}'");
    }
  }

  void array(Json& v, std::size_t depth) {
    v.kind = JsonKind::Array;
    ++m_i;  // [
    skip_space();
    if (m_i < m_in.size() && m_in[m_i] == ']') {
      ++m_i;
      return;
    }
    for (;;) {
      v.items.push_back(value(depth));
      skip_space();
      if (m_i < m_in.size() && m_in[m_i] == ',') {
        ++m_i;
        continue;
      }
      if (m_i < m_in.size() && m_in[m_i] == ']') {
        ++m_i;
        return;
      }
      unexpected("',' or ']'");
    }
  }

  unsigned hex4() {
    if (m_i + 4 > m_in.size()) fail("incomplete \\u escape", m_i);
    unsigned u = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const char c = m_in[m_i + k];
      u <<= 4;
      if (c >= '0' && c <= '9') {
        u |= static_cast<unsigned>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        u |= static_cast<unsigned>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        u |= static_cast<unsigned>(c - 'A' + 10);
      } else {
        fail("invalid \\u escape", m_i - 2);
      }
    }
    m_i += 4;
    return u;
  }

  /// A string at m_in[m_i] (the opening quote), decoded. Control characters other than tab,
  /// newline and carriage return are refused even when escaped, as in CQL2 text.
  std::string string() {
    const std::size_t start = m_i;
    ++m_i;
    std::string out;
    for (;;) {
      if (m_i >= m_in.size()) fail("unterminated string starting", start);
      const char c = m_in[m_i];
      const auto b = static_cast<unsigned char>(c);
      if (c == '"') {
        ++m_i;
        return out;
      }
      if (b < 0x20) fail("string contains " + describe_char(m_in, m_i), m_i);
      if (b >= 0x80) {
        const std::size_t len = utf8_sequence_length(m_in, m_i);
        if (len == 0) fail("string contains " + describe_char(m_in, m_i), m_i);
        out.append(m_in.substr(m_i, len));
        m_i += len;
        continue;
      }
      if (c != '\\') {
        if (b == 0x7F) fail("string contains " + describe_char(m_in, m_i), m_i);
        out += c;
        ++m_i;
        continue;
      }
      const std::size_t escape = m_i;
      if (++m_i >= m_in.size()) fail("unterminated string starting", start);
      const char e = m_in[m_i++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
        case 'f':
          fail(std::string("string contains control character ") + (e == 'b' ? "0x08" : "0x0C"),
               escape);
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          char32_t cp = hex4();
          if (cp >= 0xDC00 && cp <= 0xDFFF) fail("lone low surrogate in \\u escape", escape);
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (m_in.substr(m_i, 2) != "\\u") fail("lone high surrogate in \\u escape", escape);
            m_i += 2;
            const char32_t low = hex4();
            if (low < 0xDC00 || low > 0xDFFF) fail("lone high surrogate in \\u escape", escape);
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0x7F) {
            fail("string contains control character 0x" + hex(static_cast<unsigned>(cp), 2),
                 escape);
          }
          encode_utf8(cp, out);
          break;
        }
        default:
          if (e > 0x20 && e < 0x7F) {
            fail(std::string("invalid escape '\\") + e + "' in a string", escape);
          }
          fail("invalid escape: '\\' before " + describe_char(m_in, m_i - 1), escape);
      }
    }
  }

  void number(Json& v) {
    const std::size_t start = m_i;
    const std::size_t n = m_in.size();
    auto digit = [&](std::size_t k) { return k < n && m_in[k] >= '0' && m_in[k] <= '9'; };
    std::size_t i = m_i;
    if (m_in[i] == '-') ++i;
    bool ok = digit(i);
    bool integral = true;
    if (ok && m_in[i] == '0') {
      ++i;
      ok = !digit(i);  // no leading zeros
    } else {
      while (digit(i)) ++i;
    }
    if (ok && i < n && m_in[i] == '.') {
      integral = false;
      ++i;
      ok = digit(i);
      while (digit(i)) ++i;
    }
    if (ok && i < n && (m_in[i] == 'e' || m_in[i] == 'E')) {
      integral = false;
      ++i;
      if (i < n && (m_in[i] == '+' || m_in[i] == '-')) ++i;
      ok = digit(i);
      while (digit(i)) ++i;
    }
    std::size_t end = i;
    while (end < n &&
           (digit(end) || m_in[end] == '.' || m_in[end] == 'e' || m_in[end] == 'E' ||
            m_in[end] == '+' || m_in[end] == '-' || (m_in[end] >= 'a' && m_in[end] <= 'z'))) {
      ++end;
    }
    const std::string_view raw = m_in.substr(start, i - start);
    if (!ok || end != i)
      fail("invalid number '" + shorten(m_in.substr(start, end - start)) + "'", start);
    v.kind = JsonKind::Number;
    v.text = std::string(raw);
    m_i = i;
    if (integral) {
      std::int64_t value = 0;
      auto r = std::from_chars(raw.data(), raw.data() + raw.size(), value);
      if (r.ec == std::errc{} && r.ptr == raw.data() + raw.size()) {
        v.number = value;
        return;
      }
    }
    double d = 0;
    auto r = std::from_chars(raw.data(), raw.data() + raw.size(), d);
    if (r.ec != std::errc{} || r.ptr != raw.data() + raw.size() || !std::isfinite(d)) {
      fail("number out of range '" + shorten(raw) + "'", start);
    }
    v.number = d;
  }

  std::string_view m_in;
  std::size_t m_max_depth;
  std::size_t m_i = 0;
};

// ---------------------------------------------------------------------------------------------
// From JSON to the expression tree

using detail::NodeKind;

std::optional<CompareOp> compare_op(std::string_view op) {
  if (op == "=") return CompareOp::Equal;
  if (op == "<>") return CompareOp::NotEqual;
  if (op == "<") return CompareOp::Less;
  if (op == "<=") return CompareOp::LessEqual;
  if (op == ">") return CompareOp::Greater;
  if (op == ">=") return CompareOp::GreaterEqual;
  return std::nullopt;
}

std::optional<Function> function_op(std::string_view op) {
  if (op == "casei") return Function::CaseI;
  if (op == "accenti") return Function::AccentI;
  if (op == "upper") return Function::Upper;
  if (op == "lower") return Function::Lower;
  return std::nullopt;
}

std::optional<SpatialOp> spatial_op(std::string_view op) {
  if (op == "s_intersects") return SpatialOp::Intersects;
  if (op == "s_disjoint") return SpatialOp::Disjoint;
  return std::nullopt;
}

constexpr std::string_view kPredicateOps =
    "and, or, not, =, <>, <, <=, >, >=, like, between, in, isNull, s_intersects, s_disjoint";

bool is_predicate_op(std::string_view op) {
  return op == "and" || op == "or" || op == "not" || op == "like" || op == "between" ||
         op == "in" || op == "isNull" || compare_op(op) || spatial_op(op);
}

/// CQL2 operators and functions we know of but do not implement.
bool is_unsupported_op(std::string_view op) {
  if (op.size() > 2 &&
      (op.substr(0, 2) == "s_" || op.substr(0, 2) == "t_" || op.substr(0, 2) == "a_")) {
    return true;
  }
  return false;
}

class Builder : public detail::TreeBuilder {
 public:
  explicit Builder(const ParseOptions& options) : TreeBuilder(options) {}

  Expr predicate(const Json& j) {
    if (j.kind == JsonKind::Boolean) return make(Literal{Value{j.boolean}}, j.pos);
    if (j.kind != JsonKind::Object) {
      fail("expected a predicate (an object with \"op\" and \"args\" or true/false), found " +
               std::string(kind_name(j.kind)),
           j.pos);
    }
    if (!j.member("op")) {
      if (j.member("property")) fail("a property is not a predicate", j.pos, ", compare it");
      fail("expected a predicate, found an object without \"op\"", j.pos);
    }
    const auto [op, args] = operation(j);
    if (function_op(op)) {
      fail("function '" + shorten(op) + "' is not a predicate", j.pos, ", compare its result");
    }
    // Like the text parser, only grouping (and/or), NOT and function calls count as nesting.
    if (op == "and" || op == "or") {
      DepthGuard guard(*this, j.pos);
      if (args.size() < 2) fail("'" + op + "' needs at least 2 arguments", j.pos);
      std::vector<Expr> operands;
      operands.reserve(args.size());
      for (const auto& a : args) operands.push_back(predicate(a));
      if (op == "and") return make(And{std::move(operands)}, j.pos);
      return make(Or{std::move(operands)}, j.pos);
    }
    if (op == "not") {
      DepthGuard guard(*this, j.pos);
      arity(op, args, 1, j.pos);
      Expr operand = predicate(args[0]);
      return make(Not{std::move(operand)}, j.pos);
    }
    if (auto cmp = compare_op(op)) {
      arity(op, args, 2, j.pos);
      Expr lhs = scalar(args[0]);
      Expr rhs = scalar(args[1]);
      return make(Comparison{*cmp, std::move(lhs), std::move(rhs)}, j.pos);
    }
    if (op == "like") {
      arity(op, args, 2, j.pos);
      Expr value = scalar(args[0]);
      Expr pattern = scalar(args[1]);
      if (!is_string_pattern(pattern)) fail("'like' needs a string pattern", args[1].pos);
      if (m_options.like_case_insensitive) {
        value = case_insensitive(std::move(value));
        pattern = case_insensitive(std::move(pattern));
      }
      return make(Like{std::move(value), std::move(pattern), false}, j.pos);
    }
    if (op == "between") {
      arity(op, args, 3, j.pos);
      Expr value = scalar(args[0]);
      Expr low = scalar(args[1]);
      Expr high = scalar(args[2]);
      return make(Between{std::move(value), std::move(low), std::move(high), false}, j.pos);
    }
    if (op == "in") {
      arity(op, args, 2, j.pos);
      Expr value = scalar(args[0]);
      const Json& list = args[1];
      if (list.kind != JsonKind::Array) {
        fail("the second argument of 'in' must be an array of values, found " +
                 std::string(kind_name(list.kind)),
             list.pos);
      }
      if (list.items.empty()) fail("empty 'in' list", list.pos);
      std::vector<Expr> items;
      items.reserve(list.items.size());
      for (const auto& item : list.items) items.push_back(scalar(item));
      return make(In{std::move(value), std::move(items), false}, j.pos);
    }
    if (op == "isNull") {
      arity(op, args, 1, j.pos);
      Expr value = scalar(args[0]);
      return make(IsNull{std::move(value), false}, j.pos);
    }
    if (auto sop = spatial_op(op)) return spatial(*sop, op, args, j.pos);
    unknown_op(op, j);
  }

 private:
  /// The "op" and "args" of an operation object; nothing else is allowed in it.
  std::pair<std::string, const std::vector<Json>&> operation(const Json& j) {
    const Json* op = j.member("op");
    const Json* args = j.member("args");
    for (std::size_t i = 0; i < j.keys.size(); ++i) {
      if (j.keys[i] != "op" && j.keys[i] != "args") {
        fail("unknown member '" + shorten(j.keys[i]) + "' in an operation", j.key_pos[i],
             ", expected only \"op\" and \"args\"");
      }
    }
    if (op->kind != JsonKind::String) {
      fail("\"op\" must be a string, found " + std::string(kind_name(op->kind)), op->pos);
    }
    if (!args) fail("operation '" + shorten(op->text) + "' has no \"args\"", j.pos);
    if (args->kind != JsonKind::Array) {
      fail("\"args\" of '" + shorten(op->text) + "' must be an array, found " +
               std::string(kind_name(args->kind)),
           args->pos);
    }
    return {op->text, args->items};
  }

  static void arity(const std::string& op, const std::vector<Json>& args, std::size_t n,
                    std::size_t pos) {
    if (args.size() != n) {
      fail("'" + op + "' needs " + std::to_string(n) + " argument" + (n == 1 ? "" : "s") +
               ", found " + std::to_string(args.size()),
           pos);
    }
  }

  [[noreturn]] static void unknown_op(const std::string& op, const Json& j) {
    const std::size_t pos = j.member("op")->pos;
    if (is_unsupported_op(op)) {
      fail("operator '" + shorten(op) + "' is not supported", pos,
           ", supported: " + std::string(kPredicateOps));
    }
    const std::string lower = util::ascii_lower(op);
    if ((lower != op && (is_predicate_op(lower) || function_op(lower))) || lower == "isnull") {
      fail("unknown operator '" + shorten(op) + "'", pos,
           ", operators are case-sensitive: did you mean '" +
               std::string(lower == "isnull" ? "isNull" : lower) + "'?");
    }
    fail("unknown operator '" + shorten(op) + "'", pos,
         ", expected one of " + std::string(kPredicateOps));
  }

  Value temporal(const Json& s, bool date) const {
    if (s.kind != JsonKind::String) {
      fail(std::string(date ? "\"date\"" : "\"timestamp\"") + " needs a string, found " +
               std::string(kind_name(s.kind)),
           s.pos);
    }
    auto ts = parse_timestamp(s.text);
    if (!ts || (date && !ts->date_only)) {
      fail(std::string("invalid ") + (date ? "date " : "timestamp ") + "'" + shorten(s.text) + "'",
           s.pos);
    }
    ts->date_only = date;
    return *ts;
  }

  /// A literal object with exactly one member (property, timestamp, date, interval, bbox).
  static void single_member(const Json& j, std::string_view name) {
    if (j.keys.size() != 1) {
      for (std::size_t i = 0; i < j.keys.size(); ++i) {
        if (j.keys[i] != name) {
          fail("unknown member '" + shorten(j.keys[i]) + "' next to \"" + std::string(name) + "\"",
               j.key_pos[i]);
        }
      }
    }
  }

  Expr scalar(const Json& j) {
    switch (j.kind) {
      case JsonKind::Null:
        return make(Literal{Value{}}, j.pos);
      case JsonKind::Boolean:
        return make(Literal{Value{j.boolean}}, j.pos);
      case JsonKind::Number:
        return make(Literal{j.number}, j.pos);
      case JsonKind::String:
        return make(Literal{Value{j.text}}, j.pos);
      case JsonKind::Array:
        fail("unexpected array", j.pos, ", expected a value (arrays are only allowed in 'in')");
      case JsonKind::Object:
        break;
    }
    if (const Json* p = j.member("property")) {
      single_member(j, "property");
      if (p->kind != JsonKind::String) {
        fail("\"property\" needs a string, found " + std::string(kind_name(p->kind)), p->pos);
      }
      if (p->text.empty()) fail("empty property name", p->pos);
      return make(Property{p->text}, j.pos);
    }
    if (const Json* t = j.member("timestamp")) {
      single_member(j, "timestamp");
      return make(Literal{temporal(*t, false)}, j.pos);
    }
    if (const Json* d = j.member("date")) {
      single_member(j, "date");
      return make(Literal{temporal(*d, true)}, j.pos);
    }
    if (j.member("interval")) {
      fail("intervals are not supported", j.pos, ", there are no temporal operators");
    }
    if (j.member("bbox") || j.member("type") || j.member("coordinates")) {
      fail("a geometry literal is only allowed in s_intersects or s_disjoint", j.pos);
    }
    if (!j.member("op")) {
      fail("unexpected object", j.pos,
           ", expected a value: a string, number, boolean, {\"property\": ...}, "
           "{\"timestamp\": ...}, {\"date\": ...} or a function");
    }
    const auto [op, args] = operation(j);
    const auto function = function_op(op);
    if (!function) {
      if (is_predicate_op(op)) {
        fail("predicate '" + shorten(op) + "' cannot be used as a value", j.pos);
      }
      if (is_unsupported_op(op)) fail("operator '" + shorten(op) + "' is not supported", j.pos);
      fail("unknown function '" + shorten(op) + "'", j.member("op")->pos,
           ", expected casei, accenti, upper or lower");
    }
    DepthGuard guard(*this, j.pos);
    arity(op, args, 1, j.pos);
    Expr argument = scalar(args[0]);
    return make(Call{*function, std::move(argument)}, j.pos);
  }

  // s_intersects / s_disjoint of one property and one geometry, in either order.
  Expr spatial(SpatialOp op, const std::string& name, const std::vector<Json>& args,
               std::size_t pos) {
    DepthGuard guard(*this, pos);
    arity(name, args, 2, pos);
    std::optional<Expr> property;
    std::optional<geo::Geometry> geometry;
    bool bbox = false;
    for (const auto& a : args) {
      if (a.kind == JsonKind::Object && a.member("property")) {
        if (property) fail("'" + name + "' needs one property and one geometry", a.pos);
        property = scalar(a);
      } else if (a.kind == JsonKind::Object &&
                 (a.member("type") || a.member("bbox") || a.member("coordinates"))) {
        if (geometry) fail("'" + name + "' needs one property and one geometry", a.pos);
        // {"bbox": [...]} is a bbox; anything else (a "type", or "coordinates" without one) is
        // read as GeoJSON, which names what is missing.
        bbox = a.member("bbox") && !a.member("type");
        geometry = bbox ? bbox_literal(a) : geojson(a);
      } else {
        fail("'" + name + "' needs {\"property\": ...} and a GeoJSON geometry or {\"bbox\": [...]}",
             a.pos, ", found " + std::string(kind_name(a.kind)));
      }
    }
    return make(Spatial{op, std::move(*property), std::move(*geometry), bbox}, pos);
  }

  static double number(const Json& j) {
    if (j.kind != JsonKind::Number) {
      fail("expected a number, found " + std::string(kind_name(j.kind)), j.pos);
    }
    if (const auto* i = std::get_if<std::int64_t>(&j.number)) return static_cast<double>(*i);
    return std::get<double>(j.number);
  }

  static const std::vector<Json>& array(const Json& j, std::string_view what) {
    if (j.kind != JsonKind::Array) {
      fail(std::string(what) + " must be an array, found " + std::string(kind_name(j.kind)), j.pos);
    }
    return j.items;
  }

  static geo::Geometry bbox_literal(const Json& j) {
    single_member(j, "bbox");
    const Json& b = *j.member("bbox");
    const auto& v = array(b, "\"bbox\"");
    if (v.size() != 4 && v.size() != 6) {
      fail("\"bbox\" needs 4 or 6 numbers, found " + std::to_string(v.size()), b.pos);
    }
    geo::Box box;
    box.valid = true;
    const std::size_t h = v.size() / 2;
    box.minx = number(v[0]), box.miny = number(v[1]);
    box.maxx = number(v[h]), box.maxy = number(v[h + 1]);
    for (const auto& n : v) number(n);
    if (box.minx > box.maxx || box.miny > box.maxy) {
      fail("\"bbox\" minimum is larger than its maximum", b.pos);
    }
    return geo::Geometry::box(box);
  }

  // GeoJSON positions: [x, y] or [x, y, z] (z ignored).
  static geo::XY position(const Json& j) {
    const auto& p = array(j, "a position");
    if (p.size() != 2 && p.size() != 3) {
      fail("a position needs 2 or 3 numbers, found " + std::to_string(p.size()), j.pos);
    }
    for (const auto& n : p) number(n);
    return geo::XY{number(p[0]), number(p[1])};
  }

  static geo::Path positions(const Json& j, std::size_t min, std::string_view what) {
    const auto& list = array(j, what);
    if (list.empty()) fail("empty geometries are not supported", j.pos);
    geo::Path path;
    path.reserve(list.size());
    for (const auto& p : list) path.push_back(position(p));
    if (list.size() < min) {
      fail(std::string(what) + " needs at least " + std::to_string(min) + " positions", j.pos);
    }
    return path;
  }

  static std::vector<geo::Path> rings(const Json& j) {
    const auto& list = array(j, "a polygon");
    if (list.empty()) fail("empty geometries are not supported", j.pos);
    std::vector<geo::Path> out;
    for (const auto& r : list) {
      geo::Path ring = positions(r, 4, "a polygon ring");
      if (ring.front() != ring.back()) fail("polygon ring is not closed", r.pos);
      out.push_back(std::move(ring));
    }
    return out;
  }

  static const std::vector<Json>& nonempty(const Json& j, std::string_view what) {
    const auto& list = array(j, what);
    if (list.empty()) fail("empty geometries are not supported", j.pos);
    return list;
  }

  static geo::Geometry geojson(const Json& j) {
    const Json* type = j.member("type");
    for (std::size_t i = 0; i < j.keys.size(); ++i) {
      if (j.keys[i] != "type" && j.keys[i] != "coordinates" && j.keys[i] != "bbox") {
        fail("unknown member '" + shorten(j.keys[i]) + "' in a GeoJSON geometry", j.key_pos[i],
             ", expected \"type\" and \"coordinates\"");
      }
    }
    if (!type) {
      fail("a GeoJSON geometry needs a \"type\"", j.pos,
           ", expected {\"type\": ..., \"coordinates\": [...]} or {\"bbox\": [...]}");
    }
    if (type->kind != JsonKind::String) {
      fail("geometry \"type\" must be a string, found " + std::string(kind_name(type->kind)),
           type->pos);
    }
    const std::string& t = type->text;
    if (t == "GeometryCollection")
      fail("unsupported geometry type 'GeometryCollection'", type->pos);
    const Json* c = j.member("coordinates");
    const bool known = t == "Point" || t == "LineString" || t == "Polygon" || t == "MultiPoint" ||
                       t == "MultiLineString" || t == "MultiPolygon";
    if (!known) {
      fail("unsupported geometry type '" + shorten(t) + "'", type->pos,
           ", expected Point, LineString, Polygon, MultiPoint, MultiLineString or MultiPolygon");
    }
    if (!c) fail("geometry '" + t + "' has no \"coordinates\"", j.pos);
    geo::Geometry g;
    if (t == "Point") {
      if (c->kind == JsonKind::Array && c->items.empty()) {
        fail("empty geometries are not supported", c->pos);
      }
      const geo::XY p = position(*c);
      g = geo::Geometry::point(p.x, p.y);
    } else if (t == "LineString") {
      g.type = geo::GeometryType::LineString;
      g.parts = {{positions(*c, 2, "a line string")}};
    } else if (t == "Polygon") {
      g.type = geo::GeometryType::Polygon;
      g.parts = {rings(*c)};
    } else if (t == "MultiPoint") {
      g.type = geo::GeometryType::MultiPoint;
      g.parts = {{positions(*c, 1, "a multipoint")}};
    } else if (t == "MultiLineString") {
      g.type = geo::GeometryType::MultiLineString;
      std::vector<geo::Path> lines;
      for (const auto& l : nonempty(*c, "a multilinestring")) {
        lines.push_back(positions(l, 2, "a line string"));
      }
      g.parts = {std::move(lines)};
    } else {
      g.type = geo::GeometryType::MultiPolygon;
      for (const auto& p : nonempty(*c, "a multipolygon")) g.parts.push_back(rings(p));
    }
    return g;
  }
};

}  // namespace

Expr parse_cql2_json(std::string_view json_text, const ParseOptions& options) {
  Builder builder(options);
  builder.check_length(json_text.size());
  // Every operator level takes two JSON levels (the object and its "args"); a multipolygon adds
  // four more below s_intersects.
  const std::size_t max_json_depth = 2 * options.max_depth + 8;
  const Json root = JsonReader(json_text, max_json_depth).read();
  return builder.predicate(root);
}

}  // namespace gebieden::layers::filter
