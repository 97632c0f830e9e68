#include "layers/overview.hpp"

#include <algorithm>
#include <set>

#include "util/text.hpp"

namespace gebieden::layers {

namespace {

std::string text_of(const Collection& c, const Feature& f, const std::string& field) {
  const int i = c.field_index(field);
  if (i < 0 || c.fields[static_cast<std::size_t>(i)].is_private) return {};
  const auto* s = std::get_if<std::string>(&f.values[static_cast<std::size_t>(i)]);
  return s ? *s : std::string();
}

std::optional<double> number_of(const Collection& c, const Feature& f, const std::string& field) {
  const int i = c.field_index(field);
  if (i < 0 || c.fields[static_cast<std::size_t>(i)].is_private) return std::nullopt;
  const Value& v = f.values[static_cast<std::size_t>(i)];
  if (const auto* n = std::get_if<std::int64_t>(&v)) return static_cast<double>(*n);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* s = std::get_if<std::string>(&v)) {
    // Store columns are text today: "1250" or "1250,50" (a Dutch spreadsheet's decimal comma).
    std::string t = *s;
    std::replace(t.begin(), t.end(), ',', '.');
    char* end = nullptr;
    const double d = std::strtod(t.c_str(), &end);
    if (!t.empty() && end == t.c_str() + t.size()) return d;
  }
  return std::nullopt;
}

}  // namespace

std::optional<Overview> build_overview(const geo::AreaModel& model,
                                       const std::vector<CollectionPtr>& store,
                                       const CollectionPtr& buurten, AreaLevel level,
                                       const std::string& code, const OverviewFields& fields) {
  Overview o;
  o.level = level;
  o.code = code;
  std::vector<const geo::Buurt*> in_area;
  const auto add_wijk = [&](const geo::Wijk& w) {
    for (auto bi : w.buurten) in_area.push_back(&model.buurten()[bi]);
  };
  switch (level) {
    case AreaLevel::Gebied: {
      const geo::Gebied* g = model.gebied(code);
      if (!g) return std::nullopt;
      o.name = g->config.name;
      for (auto wi : g->wijken) add_wijk(model.wijken()[wi]);
      break;
    }
    case AreaLevel::Wijk: {
      const geo::Wijk* w = model.wijk(code);
      if (!w) return std::nullopt;
      o.name = w->name;
      add_wijk(*w);
      break;
    }
    case AreaLevel::Buurt: {
      const geo::Buurt* b = model.buurt(code);
      if (!b) return std::nullopt;
      o.name = b->name;
      in_area.push_back(b);
      break;
    }
  }
  std::sort(in_area.begin(), in_area.end(),
            [](const geo::Buurt* a, const geo::Buurt* b) { return a->code < b->code; });

  std::map<std::string, std::size_t> row_of;
  bool population_known = false;
  for (const geo::Buurt* b : in_area) {
    BuurtOverview row;
    row.buurtcode = b->code;
    row.buurtnaam = b->name;
    row.wijkcode = b->wijkcode;
    if (const geo::Wijk* w = model.wijk(b->wijkcode)) row.gebied = w->gebied;
    if (buurten) {
      if (const Feature* f = buurten->find(b->code)) {
        if (auto n = number_of(*buurten, *f, fields.population)) {
          row.inwoners = static_cast<std::int64_t>(*n);
          population_known = true;
        }
      }
    }
    for (const auto& c : store) row.per_collection[c->id] = 0;
    row_of[b->code] = o.buurten.size();
    o.buurten.push_back(std::move(row));
  }
  for (const auto& c : store) o.per_collection[c->id] = 0;

  bool any_status = false, any_budget = false;
  for (const auto& cp : store) {
    const Collection& c = *cp;
    for (const Feature& f : c.features) {
      const auto it = row_of.find(text_of(c, f, "buurtcode"));
      if (it == row_of.end()) continue;
      BuurtOverview& row = o.buurten[it->second];
      const std::string soort = text_of(c, f, fields.soort);
      const std::string categorie = text_of(c, f, fields.categorie);
      ++row.per_collection[c.id];
      ++o.per_collection[c.id];
      if (!soort.empty()) {
        ++row.per_soort[soort];
        ++o.per_soort[soort];
      }
      if (!categorie.empty()) {
        ++row.per_categorie[categorie];
        ++o.per_categorie[categorie];
      }
      const RecordSummary summary{c.id, f.id, text_of(c, f, fields.naam), categorie, row.buurtcode};
      if (c.id == fields.support_collection) o.support.push_back(summary);
      if (c.id == fields.meeting_collection) o.meeting_places.push_back(summary);
      if (c.id == fields.initiative_collection) {
        std::string status = text_of(c, f, fields.status);
        if (status.empty()) {
          status = "onbekend";
        } else {
          any_status = true;
        }
        InitiativeStatus& s = o.initiatives[status];
        ++s.count;
        if (auto amount = number_of(c, f, fields.budget)) {
          s.budget = s.budget.value_or(0) + *amount;
          any_budget = true;
        }
      }
    }
  }
  for (auto& row : o.buurten) {
    if (row.per_collection[fields.meeting_collection] == 0)
      row.missing.push_back("ontmoetingsplek");
    if (row.per_collection[fields.initiative_collection] == 0) row.missing.push_back("initiatief");
    if (row.per_collection[fields.activity_collection] == 0) row.missing.push_back("activiteit");
  }
  if (!population_known)
    o.notes.push_back("inwoners: the boundary data carries no " + fields.population +
                      " (map CBS's field in boundaries.buurten.fields); unknown, not 0");
  if (!any_status)
    o.notes.push_back("initiatieven: the store has no " + fields.status +
                      "; every initiative is counted as 'onbekend'");
  if (!any_budget)
    o.notes.push_back("scharrelbudget: no initiative has an amount in " + fields.budget +
                      "; unknown, not 0");
  // Support organisations registered as active in the area's gebied (actief_in_gebieden),
  // whatever their address: those not listed by address are added.
  std::set<std::string> gebieden_of_area;
  for (const auto& row : o.buurten)
    if (!row.gebied.empty()) gebieden_of_area.insert(row.gebied);
  for (const auto& cp : store) {
    const Collection& c = *cp;
    if (c.id != fields.support_collection || c.field_index(fields.active_in) < 0) continue;
    for (const Feature& f : c.features) {
      const std::string active = text_of(c, f, fields.active_in);
      if (active.empty()) continue;
      bool here = false;
      for (auto id : util::split_trimmed(active, ','))
        here |= gebieden_of_area.count(std::string(id)) > 0;
      if (!here || std::any_of(o.support.begin(), o.support.end(),
                               [&](const RecordSummary& r) { return r.id == f.id; }))
        continue;
      o.support.push_back(RecordSummary{c.id, f.id, text_of(c, f, fields.naam),
                                        text_of(c, f, fields.categorie), text_of(c, f, "buurtcode"),
                                        true});
    }
  }
  return o;
}

std::vector<ClassRange> class_breaks(std::vector<std::int64_t> counts, int max_classes) {
  counts.erase(std::remove_if(counts.begin(), counts.end(), [](std::int64_t c) { return c <= 0; }),
               counts.end());
  std::vector<ClassRange> out;
  if (counts.empty() || max_classes < 1) return out;
  std::sort(counts.begin(), counts.end());
  const std::size_t n = counts.size();
  const auto k = static_cast<std::size_t>(max_classes);
  // The upper bound of class i is the count at quantile (i+1)/k; a bound equal to the one before
  // (ties) adds no class.
  std::int64_t low = counts.front();
  for (std::size_t i = 0; i < k; ++i) {
    const std::size_t at = std::min(n - 1, ((i + 1) * n + k - 1) / k - 1);
    const std::int64_t high = counts[at];
    if (high < low) continue;
    out.push_back({low, high});
    low = high + 1;
  }
  if (out.empty() || out.back().high < counts.back()) out.push_back({low, counts.back()});
  return out;
}

int class_of(const std::vector<ClassRange>& classes, std::int64_t count) {
  for (std::size_t i = 0; i < classes.size(); ++i)
    if (count >= classes[i].low && count <= classes[i].high) return static_cast<int>(i);
  return -1;
}

}  // namespace gebieden::layers
