#include "layers/ogc_filter.hpp"

#include <charconv>
#include <cmath>

#include "layers/cql2_json.hpp"
#include "layers/geojson.hpp"
#include "util/calendar.hpp"
#include "util/text.hpp"

namespace gebieden::layers {

namespace {
constexpr std::int64_t kDayMillis = 24LL * 3600 * 1000;

const std::string* text_of(const Value& v) {
  return std::get_if<std::string>(&v);
}
}  // namespace

std::optional<TimeInterval> time_of(std::string_view text) {
  auto t = filter::parse_timestamp(util::trim(text));
  if (!t) return std::nullopt;
  if (t->date_only) return TimeInterval{t->millis, t->millis + kDayMillis - 1};
  return TimeInterval{t->millis, t->millis};
}

std::optional<TimeInterval> feature_time(const Collection& c, const Feature& f) {
  if (c.start_field < 0 && c.end_field < 0) return std::nullopt;
  auto at = [&](int field) -> std::optional<TimeInterval> {
    if (field < 0 || static_cast<std::size_t>(field) >= f.values.size()) return std::nullopt;
    const std::string* s = text_of(f.values[field]);
    if (!s || s->empty()) return std::nullopt;
    return time_of(*s);
  };
  TimeInterval out;
  const auto start = at(c.start_field);
  if (start) out.start = start->start;
  if (c.end_field >= 0) {
    if (const auto end = at(c.end_field)) out.end = end->end;
  } else if (start) {
    out.end = start->end;  // an instant (or one day)
  }
  return out;
}

bool in_time(const Collection& c, const Feature& f, const TimeInterval& t) {
  const auto ft = feature_time(c, f);
  if (!ft) return true;
  if (t.end && ft->start && *ft->start > *t.end) return false;
  if (t.start && ft->end && *ft->end < *t.start) return false;
  return true;
}

std::optional<TimeInterval> temporal_extent(const Collection& c) {
  if (c.start_field < 0 && c.end_field < 0) return std::nullopt;
  bool any = false, open_start = false, open_end = false;
  TimeInterval out;
  for (const auto& f : c.features) {
    const auto ft = feature_time(c, f);
    if (!ft || (!ft->start && !ft->end)) continue;  // no time at all: not part of the extent
    any = true;
    if (!ft->start) open_start = true;
    if (!ft->end) open_end = true;
    if (ft->start && (!out.start || *ft->start < *out.start)) out.start = ft->start;
    if (ft->end && (!out.end || *ft->end > *out.end)) out.end = ft->end;
  }
  if (!any) return std::nullopt;
  if (open_start) out.start.reset();
  if (open_end) out.end.reset();
  return out;
}

std::string format_time(std::int64_t millis) {
  return util::format_iso_datetime(millis, false);
}

filter::Schema filter_schema(const Collection& c) {
  filter::Schema s;
  for (const auto& f : c.fields) {
    if (f.is_private) continue;
    s.emplace(f.name, filter_field_type(f.type));
  }
  if (!s.count(kGeometryQueryable)) s.emplace(kGeometryQueryable, filter::FieldType::Geometry);
  return s;
}

filter::Expr compile_cql2(const Collection& c, std::string_view text) {
  filter::ParseOptions options;
  options.max_length = 16 * 1024;
  return filter::bind(filter::parse_cql2_text(text, options), filter_schema(c));
}

filter::Expr compile_cql2_json(const Collection& c, std::string_view json_text) {
  filter::ParseOptions options;
  options.max_length = 64 * 1024;  // JSON is about three times as long as the same text
  return filter::bind(filter::parse_cql2_json(json_text, options), filter_schema(c));
}

std::optional<Value> typed_value(const Field& field, const std::string& text) {
  switch (field.type) {
    case FieldType::Integer: {
      std::int64_t i = 0;
      auto r = std::from_chars(text.data(), text.data() + text.size(), i);
      if (r.ec == std::errc() && r.ptr == text.data() + text.size() && !text.empty()) return i;
      [[fallthrough]];
    }
    case FieldType::Double: {
      double d = 0;
      auto r = std::from_chars(text.data(), text.data() + text.size(), d);
      if (r.ec == std::errc() && r.ptr == text.data() + text.size() && !text.empty() &&
          std::isfinite(d))
        return d;
      return std::nullopt;
    }
    case FieldType::Boolean:
      if (text == "true" || text == "1") return true;
      if (text == "false" || text == "0") return false;
      return std::nullopt;
    case FieldType::String:
    case FieldType::Date:
      break;
  }
  return text;
}

bool equals_value(const Value& have, const Value& want) {
  double a = 0, b = 0;
  if (numeric_value(have, a) && numeric_value(want, b)) return a == b;
  if (have.index() == want.index()) return have == want;
  return false;
}

}  // namespace gebieden::layers
