#pragma once
// Filter expressions: one typed expression tree for OGC API - Features Part 3 (CQL2 text) and
// the Esri GeoServices `where` parameter (a SQL-92 subset), evaluated in memory against a
// feature's properties and geometry. Values are typed from the moment they are parsed and never
// become query text again.
//
// Both parsers are iterative where the input could make them deep (AND/OR chains) and count
// nesting (parentheses, NOT, function calls) and nodes, so hostile input yields a parse_error,
// never a stack overflow. A parsed Expr is immutable and safe to share between threads.
//
// Positions in errors are 0-based byte offsets into the text that was parsed.

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "geo/geometry.hpp"

namespace gebieden::geo {
class SpatialPredicate;
}

namespace gebieden::layers::filter {

/// The type of a property in a layer's schema.
enum class FieldType { String, Integer, Double, Boolean, Date, Geometry };

/// "String", "Integer", ... (for messages).
std::string_view field_type_name(FieldType type) noexcept;

/// A point in time: milliseconds since 1970-01-01T00:00:00Z. `date_only` marks a DATE (midnight
/// UTC); it changes only the rendering, comparisons use `millis`.
struct Timestamp {
  std::int64_t millis = 0;
  bool date_only = false;
  bool operator==(const Timestamp&) const = default;
};

/// Parse an ISO 8601 date ("2024-03-01") or date-time ("2024-03-01T12:00:00Z",
/// "2024-03-01 12:00:00", "2024-03-01T12:00:00.250+01:00"). No zone means UTC.
std::optional<Timestamp> parse_timestamp(std::string_view text);
/// "2024-03-01" for dates, "2024-03-01T12:00:00Z" / "...:00.250Z" otherwise.
std::string format_timestamp(const Timestamp& t);

/// A typed scalar: null (monostate), boolean, integer, double, string or timestamp.
using Value = std::variant<std::monostate, bool, std::int64_t, double, std::string, Timestamp>;

/// A syntax error or a validation error. `what()` is "<problem> at position <n>[<hint>]", e.g.
/// "unexpected ')' at position 17, expected AND, OR or the end of the filter".
class parse_error : public std::runtime_error {
 public:
  parse_error(const std::string& problem, std::size_t position, const std::string& hint = {});
  /// Byte offset into the parsed text.
  std::size_t position() const noexcept { return m_position; }
  /// The message without the position and hint: "unexpected ')'".
  const std::string& problem() const noexcept { return m_problem; }

 private:
  std::string m_problem;
  std::size_t m_position;
};

enum class CompareOp { Equal, NotEqual, Less, LessEqual, Greater, GreaterEqual };
/// Scalar functions: Esri UPPER/LOWER, CQL2 CASEI (lower-cases) / ACCENTI (strips accents).
enum class Function { Upper, Lower, CaseI, AccentI };
enum class SpatialOp { Intersects, Disjoint };

struct Node;

/// A (sub)expression: a shared, immutable node. Cheap to copy.
class Expr {
 public:
  explicit Expr(Node node);
  const Node& node() const noexcept { return *m_node; }
  /// Byte offset of this node in the source text (an operator's own position for operators).
  std::size_t position() const noexcept;
  /// The node's kind if it is a T (Literal, Property, Comparison, ...), else nullptr.
  template <typename T>
  const T* get_if() const noexcept;

 private:
  std::shared_ptr<const Node> m_node;
};

// Node kinds. Scalars: Literal, Property, Call. Everything else is a predicate.
struct Literal {
  Value value;
};
struct Property {
  std::string name;
  /// Written as a quoted name ("naam"): only for messages, where `gebied = "dorpen"` most likely
  /// meant the string 'dorpen'.
  bool quoted = false;
};
struct Call {
  Function function;
  Expr argument;
};
struct Comparison {
  CompareOp op;
  Expr lhs;
  Expr rhs;
};
/// `pattern` is a string literal, possibly wrapped in CASEI/ACCENTI/UPPER/LOWER. Its wildcards
/// are `%` (any run) and `_` (one character); `\` escapes the next character (CQL2 rules; the Esri
/// parser rewrites its ESCAPE clause and literal backslashes to this form).
struct Like {
  Expr value;
  Expr pattern;
  bool negated = false;
};
struct Between {
  Expr value;
  Expr low;
  Expr high;
  bool negated = false;
};
struct In {
  Expr value;
  std::vector<Expr> list;
  bool negated = false;
};
struct IsNull {
  Expr value;
  bool negated = false;
};
struct Not {
  Expr operand;
};
struct And {
  std::vector<Expr> operands;  // two or more
};
struct Or {
  std::vector<Expr> operands;  // two or more
};
/// S_INTERSECTS / S_DISJOINT of a geometry property and a geometry literal (in the caller's CRS).
struct Spatial {
  SpatialOp op;
  Expr property;           // a Property node
  geo::Geometry geometry;  // Point, LineString, Polygon or Multi*; rings closed
  bool bbox = false;       // written as BBOX(...): `geometry` is its polygon
};

struct Node {
  std::variant<Literal, Property, Call, Comparison, Like, Between, In, IsNull, Not, And, Or,
               Spatial>
      kind;
  std::size_t position = 0;
};

inline std::size_t Expr::position() const noexcept {
  return m_node->position;
}

template <typename T>
const T* Expr::get_if() const noexcept {
  return std::get_if<T>(&m_node->kind);
}

// ---------------------------------------------------------------------------------------------
// Parsing

struct ParseOptions {
  std::size_t max_length = 64 * 1024;  // bytes of input
  std::size_t max_depth = 64;          // nesting of parentheses, NOT and function calls
  std::size_t max_nodes = 10'000;      // nodes of the tree
  /// Make every LIKE case-insensitive by wrapping both of its sides in CASEI().
  bool like_case_insensitive = false;
};

/// CQL2 text (OGC 21-065): basic and advanced comparison operators, CASEI/ACCENTI,
/// DATE('...')/TIMESTAMP('...'), S_INTERSECTS/S_DISJOINT with POINT, LINESTRING, POLYGON,
/// MULTIPOINT, MULTILINESTRING, MULTIPOLYGON and BBOX literals. Throws parse_error.
Expr parse_cql2_text(std::string_view text, const ParseOptions& options = {});

/// Esri `where` (SQL-92 subset): comparisons (also `!=`), [NOT] LIKE [ESCAPE 'c'], [NOT] IN,
/// [NOT] BETWEEN, IS [NOT] NULL, AND/OR/NOT, UPPER()/LOWER(), DATE '...'/TIMESTAMP '...',
/// literal-vs-literal comparisons such as 1=1. Throws parse_error.
Expr parse_esri_where(std::string_view text, const ParseOptions& options = {});

// ---------------------------------------------------------------------------------------------
// Validation

/// The type of a property, or nullopt when the layer has no such property.
using FieldResolver = std::function<std::optional<FieldType>(std::string_view name)>;

/// Throw parse_error (at the offending node's position) for unknown properties and obvious type
/// mismatches: a comparison of a number with a non-numeric string literal, a date with a
/// non-date string literal or a number, a geometry in a comparison, LIKE or a function on a
/// non-string-like value, S_INTERSECTS on a non-geometry property.
void validate(const Expr& expr, const FieldResolver& field_type);

/// Known fields -> type, e.g. {"OBJECTID", Integer}, {"naam", String}, {"geometry", Geometry}.
using Schema = std::map<std::string, FieldType, std::less<>>;

/// Validate against `schema` and return the expression with every property name spelled as in
/// the schema. With `case_insensitive_names` (Esri: clients send OBJECTID, objectid, ...) names
/// match ignoring ASCII case; an exact match wins, two case-insensitive matches are an error.
Expr bind(const Expr& expr, const Schema& schema, bool case_insensitive_names = false);

// ---------------------------------------------------------------------------------------------
// Evaluation

/// SQL three-valued logic: comparisons with NULL are Unknown, which is not a match.
enum class Truth { False, True, Unknown };

/// The spatial predicates of one expression (S_INTERSECTS, S_DISJOINT, BBOX literals), each
/// prepared once as a geo::SpatialPredicate, for evaluating many features on one thread (GEOS
/// contexts are not shared). Throws input_error (parameter "filter") for a literal geometry that
/// cannot be used.
class SpatialTests {
 public:
  explicit SpatialTests(const Expr& expr);
  ~SpatialTests();
  SpatialTests(SpatialTests&&) noexcept;
  SpatialTests(const SpatialTests&) = delete;
  SpatialTests& operator=(const SpatialTests&) = delete;

  /// The prepared predicate of a spatial node of the expression; nullptr for another node.
  const geo::SpatialPredicate* find(const Spatial& node) const;
  /// Does `g` intersect the node's literal? (Prepared here when the node is not the
  /// expression's.)
  bool intersects(const Spatial& node, const geo::Geometry& g) const;

 private:
  std::vector<std::pair<const Spatial*, std::unique_ptr<geo::SpatialPredicate>>> m_tests;
};

/// How the evaluator reads a feature. Both members may be empty (then every value is null).
struct PropertyAccess {
  /// The typed value of a non-geometry property; Value{} (null) when absent or null. Date
  /// properties should return Timestamp (strings in ISO 8601 also compare with dates).
  std::function<Value(std::string_view name)> value;
  /// The geometry of the named geometry property (already in the CRS of the filter's literals),
  /// or nullptr when the feature has none.
  std::function<const geo::Geometry*(std::string_view name)> geometry;
  /// The expression's spatial tests, prepared once per query; null: each test prepares its
  /// literal again.
  const SpatialTests* spatial = nullptr;
};

/// Values from a map (exact names) and one geometry (may be null) under `geometry_name`.
/// Keeps references: `values` and `*geometry` must outlive the returned accessor.
PropertyAccess map_access(const std::map<std::string, Value, std::less<>>& values,
                          const geo::Geometry* geometry = nullptr,
                          std::string geometry_name = "geometry");

/// Evaluate a predicate. Never throws for well-formed trees (other than std::bad_alloc).
Truth evaluate(const Expr& expr, const PropertyAccess& feature);
/// evaluate(...) == Truth::True.
bool matches(const Expr& expr, const PropertyAccess& feature);

/// Three-way comparison as the evaluator does it: int/double numerically, a string against a
/// number/boolean/timestamp by parsing the string fully; nullopt when the two are not comparable
/// (then `=` is false and `<>` true) or when either is null; `unordered` for NaN.
std::optional<std::partial_ordering> compare_values(const Value& a, const Value& b);

/// LIKE matching on UTF-8 code points: `%` any run, `_` one character, `\` escapes. Case-sensitive.
bool like_match(std::string_view text, std::string_view pattern);

/// Do `a` and `b` share at least one point (boundaries included)? Points, lines and polygons
/// (with holes) in any combination, decided by geo::SpatialPredicate (a box as a box, even
/// without area). Prepares `b` on every call: to test many geometries, use SpatialTests.
bool intersects(const geo::Geometry& a, const geo::Geometry& b);

// ---------------------------------------------------------------------------------------------
// Helpers

/// Every property name the expression reads (geometry properties included), in order of first
/// appearance, without duplicates.
std::vector<std::string> referenced_properties(const Expr& expr);

/// Canonical CQL2 text: keywords upper-case, single spaces, nested AND/OR and NOT operands in
/// parentheses. parse_cql2_text(to_string(e)) gives an equivalent tree with the same rendering.
std::string to_string(const Expr& expr);

/// A value as a CQL2 literal: NULL, TRUE, 42, 1.5, 'it''s', TIMESTAMP('...'), DATE('...').
std::string to_string(const Value& value);

}  // namespace gebieden::layers::filter
