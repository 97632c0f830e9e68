#include "layers/filter.hpp"

#include <charconv>
#include <cmath>
#include <system_error>

#include "layers/filter_internal.hpp"
#include "util/ascii.hpp"
#include "util/calendar.hpp"
#include "util/fold.hpp"
#include "util/text.hpp"
#include "util/utf8.hpp"

// The filter's types and its values in text (numbers, booleans, timestamps, the string
// functions). The other parts are in filter_*.cpp (see layers/filter_internal.hpp).

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

std::optional<Timestamp> parse_timestamp(std::string_view s) {
  const auto t = util::parse_iso_datetime(s);
  if (!t) return std::nullopt;
  return Timestamp{t->millis, t->date_only};
}

std::string format_timestamp(const Timestamp& t) {
  return util::format_iso_datetime(t.millis, t.date_only);
}

namespace detail {

void fail(const std::string& problem, std::size_t position, const std::string& hint) {
  throw parse_error(problem, position, hint);
}

TreeBuilder::DepthGuard::DepthGuard(TreeBuilder& builder, std::size_t position)
    : m_builder(builder) {
  if (++m_builder.m_depth > m_builder.m_options.max_depth) {
    fail("nesting is too deep (more than " + std::to_string(m_builder.m_options.max_depth) +
             " levels)",
         position);
  }
}

void TreeBuilder::check_length(std::size_t bytes) const {
  if (bytes > m_options.max_length) {
    fail("filter is too long (" + std::to_string(bytes) + " bytes, the maximum is " +
             std::to_string(m_options.max_length) + ")",
         m_options.max_length);
  }
}

Expr TreeBuilder::make(NodeKind kind, std::size_t position) {
  if (++m_nodes > m_options.max_nodes) {
    fail("filter is too complex (more than " + std::to_string(m_options.max_nodes) + " nodes)",
         position);
  }
  return Expr(Node{std::move(kind), position});
}

Expr TreeBuilder::case_insensitive(Expr e) {
  if (const auto* call = e.get_if<Call>(); call && call->function == Function::CaseI) return e;
  const std::size_t pos = e.position();
  return make(Call{Function::CaseI, std::move(e)}, pos);
}

std::string apply_function(Function f, std::string_view s) {
  if (f == Function::AccentI) return util::fold(s, util::Fold::Accents);
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const char32_t c = util::decode_utf8(s, i, util::InvalidByte::Surrogate);
    const char32_t m = f == Function::Upper ? util::upper_cp(c) : util::lower_cp(c);
    if (m != 0) util::encode_utf8(m, out);  // a NUL byte is dropped, as ACCENTI does
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

std::optional<Number> parse_number(std::string_view text) {
  std::string_view s = util::trim(text);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  if (auto i = util::parse_int(s)) return Number{*i};
  // from_chars also reads "inf", "nan", hex never; only digits, '.', exponent are numbers here.
  for (char c : s) {
    if (!util::is_digit(c) && c != '.' && c != 'e' && c != 'E' && c != '-' && c != '+') {
      return std::nullopt;
    }
  }
  if (auto d = util::parse_double(s)) return Number{*d};
  return std::nullopt;
}

std::optional<bool> parse_bool(std::string_view text) {
  const std::string_view s = util::trim(text);
  if (util::ascii_iequals(s, "true")) return true;
  if (util::ascii_iequals(s, "false")) return false;
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

}  // namespace detail

}  // namespace gebieden::layers::filter
