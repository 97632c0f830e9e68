#include "layers/feature_access.hpp"

#include "util/ascii.hpp"
#include "util/text.hpp"

namespace gebieden::layers {

filter::FieldType filter_field_type(FieldType type, BooleanStyle booleans) {
  switch (type) {
    case FieldType::String:
      return filter::FieldType::String;
    case FieldType::Integer:
      return filter::FieldType::Integer;
    case FieldType::Double:
      return filter::FieldType::Double;
    case FieldType::Boolean:
      return booleans == BooleanStyle::Integer ? filter::FieldType::Integer
                                               : filter::FieldType::Boolean;
    case FieldType::Date:
      return filter::FieldType::Date;
  }
  return filter::FieldType::String;
}

filter::Value filter_value(const Field& field, const Value& v, BooleanStyle booleans) {
  switch (v.index()) {
    case 1:
      if (booleans == BooleanStyle::Integer) return std::int64_t{std::get<bool>(v) ? 1 : 0};
      return std::get<bool>(v);
    case 2:
      return std::get<std::int64_t>(v);
    case 3:
      return std::get<double>(v);
    case 4: {
      const auto& s = std::get<std::string>(v);
      if (field.type == FieldType::Date)
        if (auto t = filter::parse_timestamp(util::trim(s))) return *t;
      return s;
    }
    default:
      return std::monostate{};
  }
}

bool numeric_value(const Value& v, double& out) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) {
    out = static_cast<double>(*i);
    return true;
  }
  if (const auto* d = std::get_if<double>(&v)) {
    out = *d;
    return true;
  }
  return false;
}

int esri_property_field(const Collection& c, std::string_view name) {
  constexpr std::string_view kObjectId = "OBJECTID";
  const bool oid_name = util::ascii_iequals(name, kObjectId);
  if (name == kObjectId) return FeatureValues::kObjectIdField;
  for (std::size_t i = 0; i < c.fields.size(); ++i)
    if (!c.fields[i].is_private && c.fields[i].name == name && !oid_name)
      return static_cast<int>(i);
  if (oid_name) return FeatureValues::kObjectIdField;
  int found = FeatureValues::kNoField;
  for (std::size_t i = 0; i < c.fields.size(); ++i) {
    if (c.fields[i].is_private || !util::ascii_iequals(c.fields[i].name, name)) continue;
    if (found != FeatureValues::kNoField) return FeatureValues::kNoField;  // ambiguous
    found = static_cast<int>(i);
  }
  return found;
}

FeatureValues::FeatureValues(const Collection& c, const filter::Expr& expr, const Resolver& resolve,
                             BooleanStyle booleans)
    : m_collection(&c), m_booleans(booleans) {
  for (auto& name : filter::referenced_properties(expr)) {
    const int field = resolve(name);
    m_fields.emplace_back(std::move(name), field);
  }
}

filter::Value FeatureValues::value(const Feature& f, std::string_view name) const {
  for (const auto& [n, field] : m_fields) {
    if (n != name) continue;
    if (field == kObjectIdField) return f.objectid;
    const auto i = static_cast<std::size_t>(field);
    if (field < 0 || i >= f.values.size() || i >= m_collection->fields.size())
      return std::monostate{};
    const Field& def = m_collection->fields[i];
    if (def.is_private) return std::monostate{};
    return filter_value(def, f.values[i], m_booleans);
  }
  return std::monostate{};
}

filter::PropertyAccess FeatureValues::access(const Feature* const& current) const {
  filter::PropertyAccess a;
  a.value = [this, &current](std::string_view name) { return value(*current, name); };
  return a;
}

}  // namespace gebieden::layers
