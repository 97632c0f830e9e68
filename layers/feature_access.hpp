#pragma once
// The bridge from the features of a Collection to the filter evaluator (layers/filter.hpp),
// shared by the OGC API CQL2 filters and the Esri GeoServices `where` clause: field types and
// values as a filter sees them, and the property accessor for filter::matches.

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "layers/collection.hpp"
#include "layers/filter.hpp"

namespace gebieden::layers {

/// Booleans as a filter sees them: OGC API keeps them; Esri GeoServices has no booleans (they
/// are SmallInteger 0/1 there).
enum class BooleanStyle { Boolean, Integer };

/// The filter type of a field type.
filter::FieldType filter_field_type(FieldType type, BooleanStyle booleans = BooleanStyle::Boolean);

/// A stored value as a filter reads it: the text of a Date field as a timestamp (when it parses;
/// blanks around it ignored), booleans as `booleans` says, null as null.
filter::Value filter_value(const Field& field, const Value& v,
                           BooleanStyle booleans = BooleanStyle::Boolean);

/// An integer or double as a double; false for every other value.
bool numeric_value(const Value& v, double& out);

/// The field an Esri GeoServices name stands for (`where` clauses, outFields, orderByFields):
/// OBJECTID (FeatureValues::kObjectIdField) or a public field, ASCII case-insensitive (an exact
/// match wins; two case-insensitive matches are ambiguous). FeatureValues::kNoField when unknown,
/// ambiguous or private.
int esri_property_field(const Collection& c, std::string_view name);

/// The property values of the features of one collection, as filter::PropertyAccess::value
/// reads them. Every property a filter reads is bound to its field once, when it is built; the
/// geometry is left to the caller. Keeps a reference to the collection.
class FeatureValues {
 public:
  static constexpr int kNoField = -1;        // a property without a field: always null
  static constexpr int kObjectIdField = -2;  // the feature's objectid (Esri's OBJECTID)
  /// The field a property name stands for: an index into Collection::fields, kObjectIdField or
  /// kNoField.
  using Resolver = std::function<int(std::string_view name)>;

  FeatureValues(const Collection& c, const filter::Expr& expr, const Resolver& resolve,
                BooleanStyle booleans);

  /// Property `name` of `f`, a feature of the collection. Null for a name the filter does not
  /// read, without a field, or naming a private field.
  filter::Value value(const Feature& f, std::string_view name) const;

  /// A filter::PropertyAccess whose values are those of `*current` (geometry unset): point
  /// `current` at each feature in turn. Keeps references to this and to `current`.
  filter::PropertyAccess access(const Feature* const& current) const;

 private:
  const Collection* m_collection;
  std::vector<std::pair<std::string, int>> m_fields;  // property name -> field
  BooleanStyle m_booleans;
};

}  // namespace gebieden::layers
