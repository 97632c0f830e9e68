#include <optional>
#include <string>

#include "layers/filter_internal.hpp"
#include "util/ascii.hpp"
#include "util/text.hpp"
#include "util/utf8.hpp"

// Validation of a parsed expression against a layer's schema (unknown properties, type
// mismatches) and binding of property names to the schema's spelling.

namespace gebieden::layers::filter {

using detail::fail;
using detail::function_name;
using detail::parse_bool;
using detail::parse_number;
using util::shorten;

namespace {

/// "unknown property 'x'"; for a quoted name where a value belongs (the right of a comparison,
/// an IN list, BETWEEN's bounds, a LIKE pattern) also how to write the string it probably was.
std::string unknown_property(const Property& p, bool value_side) {
  std::string message = "unknown property '" + shorten(p.name, 64) + "'";
  if (p.quoted && value_side) {
    message += " (strings take single quotes: " + shorten(to_string(Value{p.name}), 64) + ")";
  }
  return message;
}

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
      scalar(like->pattern, true);
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
  std::optional<FieldType> scalar(const Expr& e, bool value_side = false) {
    if (const auto* lit = e.get_if<Literal>()) return literal_type(lit->value);
    if (const auto* p = e.get_if<Property>()) {
      auto t = m_resolve ? m_resolve(p->name) : std::nullopt;
      if (!t) fail(unknown_property(*p, value_side), e.position());
      return t;
    }
    if (const auto* c = e.get_if<Call>()) {
      const auto t = scalar(c->argument, value_side);
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
    const auto tb = scalar(b, true);
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
      if (other == FieldType::Date) return parse_timestamp(util::trim(text)).has_value();
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

/// `e` with every property renamed by rename(property, position, value_side); `value_side`
/// says whether the node stands where a value belongs (see unknown_property).
template <typename F>
Expr rename_properties(const Expr& e, const F& rename, bool value_side = false) {
  const std::size_t pos = e.position();
  auto re = [&](const Expr& x) { return rename_properties(x, rename); };
  auto value = [&](const Expr& x) { return rename_properties(x, rename, true); };
  auto all = [&](const std::vector<Expr>& xs) {
    std::vector<Expr> out;
    out.reserve(xs.size());
    for (const auto& x : xs) out.push_back(re(x));
    return out;
  };
  auto values = [&](const std::vector<Expr>& xs) {
    std::vector<Expr> out;
    out.reserve(xs.size());
    for (const auto& x : xs) out.push_back(value(x));
    return out;
  };
  if (const auto* p = e.get_if<Property>()) {
    return Expr(Node{Property{rename(*p, pos, value_side), p->quoted}, pos});
  }
  if (e.get_if<Literal>()) return e;
  if (const auto* c = e.get_if<Call>()) {
    return Expr(Node{Call{c->function, rename_properties(c->argument, rename, value_side)}, pos});
  }
  if (const auto* c = e.get_if<Comparison>()) {
    return Expr(Node{Comparison{c->op, re(c->lhs), value(c->rhs)}, pos});
  }
  if (const auto* l = e.get_if<Like>()) {
    return Expr(Node{Like{re(l->value), value(l->pattern), l->negated}, pos});
  }
  if (const auto* b = e.get_if<Between>()) {
    return Expr(Node{Between{re(b->value), value(b->low), value(b->high), b->negated}, pos});
  }
  if (const auto* in = e.get_if<In>()) {
    return Expr(Node{In{re(in->value), values(in->list), in->negated}, pos});
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
  auto resolve = [&](const Property& property, std::size_t pos, bool value_side) -> std::string {
    const std::string& name = property.name;
    if (auto it = schema.find(name); it != schema.end()) return it->first;
    if (case_insensitive_names) {
      const std::string* found = nullptr;
      for (const auto& entry : schema) {
        if (!util::ascii_iequals(entry.first, name)) continue;
        if (found) fail("ambiguous property '" + shorten(name, 64) + "'", pos);
        found = &entry.first;
      }
      if (found) return *found;
    }
    fail(unknown_property(property, value_side), pos);
  };
  Expr bound = rename_properties(expr, resolve);
  validate(bound, [&schema](std::string_view name) -> std::optional<FieldType> {
    auto it = schema.find(name);
    if (it == schema.end()) return std::nullopt;
    return it->second;
  });
  return bound;
}
}  // namespace gebieden::layers::filter
