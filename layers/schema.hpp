#pragma once
// The typed schema of the social-base store (store.schema, data/schema.json; docs/schema.md):
// the fields with their types and limits, the configured categorieen, and the status workflow of
// initiatives. The store creates its GeoPackage columns from it and checks every write with
// check_record(): one problem per field, each naming the field.

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "geo/gdal_io.hpp"

namespace gebieden::layers {

struct SchemaField {
  std::string name;
  geo::TableField::Type type = geo::TableField::Type::String;
  std::string title;
  bool required = false;
  bool is_private = false;  // never in a public answer
  bool system = false;      // kept by the store (aangemaakt_op, ...): a client's value is ignored
  std::size_t max_length = 0;  // 0: the store's general limit
  std::optional<double> min, max;
  std::vector<std::string> values;  // the allowed values (after "soorten"/"categorieen" expand)
  bool gebieden_list = false;       // a comma-separated list of gebied ids
};

struct StatusWorkflow {
  std::string field = "status";
  std::set<std::string> soorten;  // the soorten it applies to
  std::string initial = "ingediend";
  std::map<std::string, std::vector<std::string>> transitions;  // status -> next statuses
  std::set<std::string> hidden;     // records in these are in no public answer
  std::set<std::string> decisions;  // statuses that need who decided
  std::string decided_by_field, decision_date_field;
};

struct FieldProblem {
  std::string field;    // the field (or "geometry")
  std::string message;  // what is wrong, without the field's name
};

/// Values of a record by column name, as text in GDAL's field syntax (nullopt: null).
using RecordValues = std::map<std::string, std::optional<std::string>>;

struct StoreSchemaDef {
  std::vector<SchemaField> fields;
  std::vector<std::string> categorieen;
  std::optional<StatusWorkflow> status;
  /// Pairs of (start, end) fields whose end may not be before their start: the temporal extent
  /// of the store collections (their start_field and end_field), set by the store.
  std::vector<std::pair<std::string, std::string>> intervals;

  /// Read a schema file. `soorten`: the soort values of store.collections (for "values":
  /// "soorten"). Throws config_error naming the member that is wrong.
  static StoreSchemaDef load(const std::filesystem::path& file,
                             const std::vector<std::string>& soorten);
  const SchemaField* field(const std::string& name) const;  // null when not in the schema

  /// The columns of a store made from this schema, in order, then `extra` columns of an
  /// existing store that the schema does not name (kept as they are).
  std::vector<geo::TableField> columns(const std::vector<geo::TableField>& extra = {}) const;

  /// Is a record of this soort and status in public answers?
  bool is_public(const std::string& soort, const std::optional<std::string>& status) const;

  /// Check a record as it would be stored. `old`: the record it replaces (null: a new one), for
  /// the status workflow. `gebied_ids`: the gebieden of the scheme. One problem per field.
  std::vector<FieldProblem> check_record(const RecordValues& record, const RecordValues* old,
                                         const std::string& soort_field,
                                         const std::set<std::string>& gebied_ids) const;
};

/// `value` (text) converted to a column of `type`: the text in GDAL's field syntax, or nullopt
/// with `error` set when it cannot be ("12,5" is read as 12.5; "true"/"ja" as a boolean).
std::optional<std::string> convert_text(const std::string& value, geo::TableField::Type type,
                                        std::string& error);

std::string type_name(geo::TableField::Type t);  // "string", "integer", "number", ...

}  // namespace gebieden::layers
