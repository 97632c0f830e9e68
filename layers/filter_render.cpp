#include <set>
#include <string>
#include <vector>

#include "layers/filter_internal.hpp"
#include "util/ascii.hpp"
#include "util/text.hpp"

// Canonical CQL2 text of an expression and of a value, and the properties an expression reads.

namespace gebieden::layers::filter {

using detail::format_double;
using detail::function_name;

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
  bool bare = !name.empty() && detail::is_ident_start(name[0]) &&
              !detail::is_reserved(util::ascii_upper(name), detail::Dialect::Cql2);
  for (char c : name) {
    if (!detail::is_ident_start(c) && !util::is_digit(c)) bare = false;
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
  if (!e.get_if<And>() && !e.get_if<Or>()) return render(e);
  // Appended, not "(" + render(e): GCC 12 warns (-Wrestrict, a false positive) on that.
  std::string out(1, '(');
  out += render(e);
  out += ')';
  return out;
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
