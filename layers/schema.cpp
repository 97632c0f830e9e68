#include "layers/schema.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "util/ascii.hpp"
#include "util/calendar.hpp"
#include "util/error.hpp"
#include "util/text.hpp"
#include "util/utf8.hpp"

namespace gebieden::layers {

namespace {
using json = nlohmann::json;
using Type = geo::TableField::Type;

constexpr std::size_t kDefaultMaxLength = 10000;

std::optional<Type> parse_type(const std::string& s) {
  if (s == "string") return Type::String;
  if (s == "integer") return Type::Integer;
  if (s == "number") return Type::Real;
  if (s == "boolean") return Type::Boolean;
  if (s == "date") return Type::Date;
  if (s == "datetime") return Type::DateTime;
  return std::nullopt;
}

std::vector<std::string> strings(const json& j, const std::string& where) {
  if (!j.is_array()) throw config_error(where, "must be an array of strings");
  std::vector<std::string> out;
  for (const auto& v : j) {
    if (!v.is_string()) throw config_error(where, "must be an array of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

void only(const json& j, const std::string& where, std::initializer_list<const char*> names) {
  // Plain names, not structured bindings: a lambda may not capture those in clang 14 (C++20
  // allows it; clang implements it from 16), the compiler of the fuzz build.
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    if (std::none_of(names.begin(), names.end(), [&](const char* n) { return k == n; }))
      throw config_error(where + "." + k, "unknown member");
  }
}

std::string joined(const std::vector<std::string>& v, std::size_t max = 20) {
  std::string out;
  for (std::size_t i = 0; i < v.size() && i < max; ++i) out += (i ? ", " : "") + v[i];
  if (v.size() > max) out += ", ...";
  return out;
}

std::string number_text(double d) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.15g", d);
  return buf;
}
}  // namespace

std::string type_name(Type t) {
  switch (t) {
    case Type::String:
      return "string";
    case Type::Integer:
      return "integer";
    case Type::Real:
      return "number";
    case Type::Boolean:
      return "boolean";
    case Type::Date:
      return "date";
    case Type::DateTime:
      return "datetime";
  }
  return "string";
}

std::optional<std::string> convert_text(const std::string& value, Type type, std::string& error) {
  const std::string_view v = util::trim(value);
  switch (type) {
    case Type::String:
      return value;
    case Type::Integer: {
      if (auto i = util::parse_int(v)) return std::to_string(*i);
      error = "must be an integer, not '" + std::string(v.substr(0, 40)) + "'";
      return std::nullopt;
    }
    case Type::Real: {
      std::string t(v);
      std::replace(t.begin(), t.end(), ',', '.');
      if (auto d = util::parse_double(t)) return number_text(*d);
      error = "must be a number, not '" + std::string(v.substr(0, 40)) + "'";
      return std::nullopt;
    }
    case Type::Boolean: {
      const std::string l = util::ascii_lower(v);
      if (l == "1" || l == "true" || l == "ja" || l == "yes") return std::string("1");
      if (l == "0" || l == "false" || l == "nee" || l == "no") return std::string("0");
      error = "must be a boolean (true or false), not '" + std::string(v.substr(0, 40)) + "'";
      return std::nullopt;
    }
    case Type::Date: {
      auto t = util::parse_iso_datetime(v);
      if (t && t->date_only) return util::format_iso_datetime(t->millis, true);
      error = "must be a date (YYYY-MM-DD), not '" + std::string(v.substr(0, 40)) + "'";
      return std::nullopt;
    }
    case Type::DateTime: {
      if (auto t = util::parse_iso_datetime(v))
        return util::format_iso_datetime(util::floor_div(t->millis, 1000) * 1000, false);
      error = "must be an RFC 3339 date-time (e.g. 2026-03-01T19:30:00+01:00), not '" +
              std::string(v.substr(0, 40)) + "'";
      return std::nullopt;
    }
  }
  return value;
}

StoreSchemaDef StoreSchemaDef::load(const std::filesystem::path& file,
                                    const std::vector<std::string>& soorten) {
  const std::string w = "store.schema";
  std::ifstream in(file);
  if (!in) throw config_error(w, "cannot read the schema '" + file.string() + "'");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for 1e999
    throw config_error(w, "the schema '" + file.string() + "' is not valid JSON: " + e.what());
  }
  if (!j.is_object()) throw config_error(w, "the schema must be a JSON object");
  only(j, w, {"comment", "categorieen", "fields", "status"});
  StoreSchemaDef s;
  if (j.contains("categorieen")) s.categorieen = strings(j.at("categorieen"), w + ".categorieen");
  if (!j.contains("fields") || !j.at("fields").is_array())
    throw config_error(w + ".fields", "missing (an array of fields)");
  std::set<std::string> names;
  for (std::size_t i = 0; i < j.at("fields").size(); ++i) {
    const json& f = j.at("fields")[i];
    const std::string fw = w + ".fields[" + std::to_string(i) + "]";
    if (!f.is_object()) throw config_error(fw, "must be an object");
    only(f, fw,
         {"name", "type", "title", "required", "private", "system", "max_length", "min", "max",
          "values", "comment"});
    SchemaField sf;
    if (!f.contains("name") || !f.at("name").is_string() || f.at("name").get<std::string>().empty())
      throw config_error(fw + ".name", "missing");
    sf.name = f.at("name").get<std::string>();
    if (!names.insert(sf.name).second)
      throw config_error(fw + ".name", "duplicate '" + sf.name + "'");
    const std::string type = f.value("type", std::string("string"));
    const auto t = parse_type(type);
    if (!t)
      throw config_error(fw + ".type", "'" + type +
                                           "' is not one of string, integer, number, boolean, "
                                           "date, datetime");
    sf.type = *t;
    sf.title = f.value("title", sf.name);
    sf.required = f.value("required", false);
    sf.is_private = f.value("private", false);
    sf.system = f.value("system", false);
    sf.max_length = f.value("max_length", std::size_t{0});
    if (f.contains("min")) sf.min = f.at("min").get<double>();
    if (f.contains("max")) sf.max = f.at("max").get<double>();
    if (f.contains("values")) {
      const json& v = f.at("values");
      if (v == "soorten") {
        sf.values = soorten;
      } else if (v == "categorieen") {
        sf.values = s.categorieen;
      } else if (v == "gebieden") {
        sf.gebieden_list = true;
      } else {
        sf.values = strings(v, fw + ".values");
      }
    }
    s.fields.push_back(std::move(sf));
  }
  if (j.contains("status")) {
    const json& st = j.at("status");
    const std::string sw = w + ".status";
    if (!st.is_object()) throw config_error(sw, "must be an object");
    only(st, sw, {"comment", "field", "soort", "initial", "transitions", "hidden", "decision"});
    StatusWorkflow wf;
    wf.field = st.value("field", std::string("status"));
    if (!names.count(wf.field))
      throw config_error(sw + ".field", "'" + wf.field + "' is not a field of the schema");
    if (st.contains("soort")) {
      const auto v = strings(st.at("soort"), sw + ".soort");
      wf.soorten.insert(v.begin(), v.end());
    }
    wf.initial = st.value("initial", std::string("ingediend"));
    if (!st.contains("transitions") || !st.at("transitions").is_object())
      throw config_error(sw + ".transitions", "missing (status -> the statuses it may move to)");
    for (const auto& [from, to] : st.at("transitions").items())
      wf.transitions[from] = strings(to, sw + ".transitions." + from);
    for (const auto& [from, to] : wf.transitions)
      for (const auto& t : to)
        if (!wf.transitions.count(t))
          throw config_error(sw + ".transitions." + from,
                             "'" + t + "' is not a status (every status needs its own entry)");
    if (!wf.transitions.count(wf.initial))
      throw config_error(sw + ".initial", "'" + wf.initial + "' is not a status");
    if (st.contains("hidden")) {
      const auto v = strings(st.at("hidden"), sw + ".hidden");
      wf.hidden.insert(v.begin(), v.end());
    }
    if (st.contains("decision")) {
      const json& d = st.at("decision");
      if (d.contains("statuses")) {
        const auto v = strings(d.at("statuses"), sw + ".decision.statuses");
        wf.decisions.insert(v.begin(), v.end());
      }
      wf.decided_by_field = d.value("by_field", std::string());
      wf.decision_date_field = d.value("date_field", std::string());
    }
    // The field's allowed values are the statuses.
    for (auto& f : s.fields)
      if (f.name == wf.field) {
        f.values.clear();
        for (const auto& [k, v] : wf.transitions) f.values.push_back(k);
      }
    s.status = std::move(wf);
  }
  return s;
}

const SchemaField* StoreSchemaDef::field(const std::string& name) const {
  for (const auto& f : fields)
    if (f.name == name) return &f;
  return nullptr;
}

std::vector<geo::TableField> StoreSchemaDef::columns(
    const std::vector<geo::TableField>& extra) const {
  std::vector<geo::TableField> out;
  for (const auto& f : fields) out.push_back(geo::TableField{f.name, f.type});
  for (const auto& e : extra)
    if (!field(e.name)) out.push_back(geo::TableField{e.name, geo::TableField::Type::String});
  return out;
}

bool StoreSchemaDef::is_public(const std::string& soort,
                               const std::optional<std::string>& status_value) const {
  if (!status || !status_value || !status->soorten.count(soort)) return true;
  return !status->hidden.count(*status_value);
}

std::vector<FieldProblem> StoreSchemaDef::check_record(
    const RecordValues& record, const RecordValues* old, const std::string& soort_field,
    const std::set<std::string>& gebied_ids) const {
  std::vector<FieldProblem> out;
  auto value = [](const RecordValues& r, const std::string& name) -> std::optional<std::string> {
    auto it = r.find(name);
    if (it == r.end() || !it->second || it->second->empty()) return std::nullopt;
    return it->second;
  };
  for (const auto& f : fields) {
    if (f.system) continue;
    const auto v = value(record, f.name);
    if (!v) {
      if (f.required) out.push_back({f.name, "is required"});
      continue;
    }
    const std::size_t max_len = f.max_length ? f.max_length : kDefaultMaxLength;
    if (f.type == Type::String && v->size() > max_len) {
      out.push_back({f.name, "is longer than " + std::to_string(max_len) + " bytes"});
      continue;
    }
    if (f.type == Type::String && !util::is_valid_utf8(*v)) {
      out.push_back({f.name, "is not valid UTF-8"});
      continue;
    }
    if (f.type == Type::Real || f.type == Type::Integer) {
      const auto d = util::parse_double(*v);
      if (d && f.min && *d < *f.min) {
        out.push_back({f.name, "must be at least " + number_text(*f.min)});
        continue;
      }
      if (d && f.max && *d > *f.max) {
        out.push_back({f.name, "must be at most " + number_text(*f.max)});
        continue;
      }
    }
    if (!f.values.empty() && std::find(f.values.begin(), f.values.end(), *v) == f.values.end()) {
      out.push_back({f.name, "'" + v->substr(0, 60) + "' is not one of " + joined(f.values)});
      continue;
    }
    if (f.gebieden_list) {
      for (auto part : util::split_trimmed(*v, ',')) {
        if (part.empty() || !gebied_ids.count(std::string(part))) {
          std::vector<std::string> ids(gebied_ids.begin(), gebied_ids.end());
          out.push_back({f.name, "'" + std::string(part.substr(0, 40)) +
                                     "' is not a gebied (one of " + joined(ids) +
                                     ", separated by commas)"});
          break;
        }
      }
    }
  }
  if (status) {
    const auto soort = value(record, soort_field);
    const auto st = value(record, status->field);
    const bool applies = soort && status->soorten.count(*soort);
    if (st && !applies && (!old || value(*old, status->field) != st)) {
      std::string which;
      for (const auto& s : status->soorten) which += (which.empty() ? "" : ", ") + s;
      out.push_back({status->field, "applies only to soort " + which});
    } else if (st && applies && old) {
      const auto before = value(*old, status->field);
      const auto old_soort = value(*old, soort_field);
      if (before && *before != *st && old_soort && status->soorten.count(*old_soort)) {
        const auto it = status->transitions.find(*before);
        const bool ok = it != status->transitions.end() &&
                        std::find(it->second.begin(), it->second.end(), *st) != it->second.end();
        if (!ok) {
          const std::string next = it == status->transitions.end() || it->second.empty()
                                       ? "none (it is final)"
                                       : joined(it->second);
          out.push_back({status->field, "cannot move from '" + *before + "' to '" + *st +
                                            "'; from '" + *before + "' it may move to " + next});
        }
      }
    }
    if (st && applies && status->decisions.count(*st) && !status->decided_by_field.empty() &&
        !value(record, status->decided_by_field))
      out.push_back({status->decided_by_field,
                     "is required when " + status->field + " is '" + *st + "' (who decided)"});
  }
  // What has a start and an end (an activity) ends after it starts.
  for (const auto& interval : intervals) {
    const std::string& start = interval.first;
    const std::string& end = interval.second;  // named, not bound: captured below (clang 14)
    const auto a = value(record, start), b = value(record, end);
    if (a && b) {
      const auto ta = util::parse_iso_datetime(*a), tb = util::parse_iso_datetime(*b);
      if (ta && tb && tb->millis < ta->millis &&
          std::none_of(out.begin(), out.end(),
                       [&](const FieldProblem& p) { return p.field == end; }))
        out.push_back({end, "is before " + start});
    }
  }
  return out;
}

}  // namespace gebieden::layers
