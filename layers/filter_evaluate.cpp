#include <string>
#include <vector>

#include "layers/filter_internal.hpp"
#include "util/text.hpp"
#include "util/utf8.hpp"

// Evaluation of a bound expression against one feature: comparison of typed values, LIKE, and
// SQL's three-valued logic. The spatial test is geo::SpatialPredicate, through the query's
// SpatialTests or filter::intersects (filter_geometry.cpp).

namespace gebieden::layers::filter {

using detail::apply_function;
using detail::compare_numbers;
using detail::format_double;
using detail::Number;
using detail::parse_bool;
using detail::parse_number;

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
    auto st = parse_timestamp(util::trim(s));
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
    char32_t c = util::decode_utf8(pattern, i, util::InvalidByte::Surrogate);
    if (c == '\\') {
      pat.push_back({Kind::Char, i < pattern.size()
                                     ? util::decode_utf8(pattern, i, util::InvalidByte::Surrogate)
                                     : c});
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
  for (std::size_t i = 0; i < text.size();)
    str.push_back(util::decode_utf8(text, i, util::InvalidByte::Surrogate));

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
      const bool hit =
          m_access.spatial ? m_access.spatial->intersects(*s, *g) : intersects(*g, s->geometry);
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
}  // namespace gebieden::layers::filter
