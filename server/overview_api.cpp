#include "server/overview_api.hpp"

#include <cctype>
#include <nlohmann/json.hpp>

#include "layers/overview.hpp"
#include "print/overview_html.hpp"
#include "print/overview_pdf.hpp"
#include "server/html.hpp"
#include "server/nearby_api.hpp"
#include "server/ogc_params.hpp"
#include "server/service.hpp"
#include "util/ascii.hpp"
#include "util/error.hpp"

namespace gebieden::server {

namespace {
using json = nlohmann::ordered_json;

json counts(const std::map<std::string, std::int64_t>& m) {
  json j = json::object();
  for (const auto& [k, v] : m) j[k] = v;
  return j;
}

json summaries(const std::vector<layers::RecordSummary>& v) {
  json a = json::array();
  for (const auto& r : v)
    a.push_back({{"collection", r.collection},
                 {"id", r.id},
                 {"naam", r.naam},
                 {"categorie", r.categorie.empty() ? json(nullptr) : json(r.categorie)},
                 {"buurtcode", r.buurtcode.empty() ? json(nullptr) : json(r.buurtcode)},
                 {"via", r.active_in_gebied ? "actief_in_gebieden" : "adres"}});
  return a;
}

json to_json(const layers::Overview& o) {
  json j;
  j["niveau"] = o.level == layers::AreaLevel::Gebied ? "gebied"
                : o.level == layers::AreaLevel::Wijk ? "wijk"
                                                     : "buurt";
  j["code"] = o.code;
  j["naam"] = o.name;
  j["totaal"] = {{"per_collectie", counts(o.per_collection)},
                 {"per_soort", counts(o.per_soort)},
                 {"per_categorie", counts(o.per_categorie)}};
  json buurten = json::array(), white = json::array();
  for (const auto& b : o.buurten) {
    json row = {{"buurtcode", b.buurtcode},
                {"buurtnaam", b.buurtnaam},
                {"wijkcode", b.wijkcode},
                {"gebied", b.gebied},
                {"inwoners", b.inwoners ? json(*b.inwoners) : json(nullptr)},
                {"per_collectie", counts(b.per_collection)},
                {"per_soort", counts(b.per_soort)},
                {"per_categorie", counts(b.per_categorie)},
                {"ontbreekt", b.missing}};
    buurten.push_back(row);
    if (!b.missing.empty())
      white.push_back({{"buurtcode", b.buurtcode},
                       {"buurtnaam", b.buurtnaam},
                       {"inwoners", row["inwoners"]},
                       {"ontbreekt", b.missing}});
  }
  j["buurten"] = std::move(buurten);
  j["witte_vlekken"] = std::move(white);
  j["ondersteuning"] = summaries(o.support);
  j["ontmoetingsplekken"] = summaries(o.meeting_places);
  json st = json::object();
  for (const auto& [status, s] : o.initiatives)
    st[status] = {{"aantal", s.count},
                  {"scharrelbudget", s.budget ? json(*s.budget) : json(nullptr)}};
  j["initiatieven_per_status"] = std::move(st);
  j["notities"] = o.notes;
  return j;
}

std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

/// One row per buurt: its codes, population, the count per collection, what it lacks.
std::string to_csv(const layers::Overview& o) {
  std::string out = "buurtcode,buurtnaam,wijkcode,gebied,inwoners";
  for (const auto& [c, n] : o.per_collection) out += ",aantal_" + csv_cell(c);
  out += ",ontbreekt\r\n";
  for (const auto& b : o.buurten) {
    out += csv_cell(b.buurtcode) + "," + csv_cell(b.buurtnaam) + "," + csv_cell(b.wijkcode) + "," +
           csv_cell(b.gebied) + "," + (b.inwoners ? std::to_string(*b.inwoners) : "");
    for (const auto& [c, n] : o.per_collection) {
      const auto it = b.per_collection.find(c);
      out += "," + std::to_string(it == b.per_collection.end() ? 0 : it->second);
    }
    std::string missing;
    for (std::size_t i = 0; i < b.missing.size(); ++i) missing += (i ? ";" : "") + b.missing[i];
    out += "," + csv_cell(missing) + "\r\n";
  }
  return out;
}

}  // namespace

bool OverviewApi::handles(const std::vector<std::string>& seg) {
  return seg.size() == 3 && seg[2] == "overzicht" &&
         (seg[0] == "gebieden" || seg[0] == "wijken" || seg[0] == "buurten");
}

Response OverviewApi::route(const Request& req, const std::vector<std::string>& seg) const {
  if (req.method != "GET" && req.method != "HEAD")
    throw input_error(ErrorCode::MethodNotAllowed, "method",
                      req.method.substr(0, 20) + " is not allowed here (GET, HEAD)");
  check_params(req, {"f"});
  enum class Out { Json, Csv, Html, Pdf } out = Out::Json;
  if (auto f = req.param("f")) {
    const std::string v = util::ascii_lower(*f);
    if (v == "csv" || v == "text/csv")
      out = Out::Csv;
    else if (v == "html" || v == "text/html")
      out = Out::Html;
    else if (v == "pdf" || v == "application/pdf")
      out = Out::Pdf;
    else if (v != "json" && v != "application/json")
      throw input_error(ErrorCode::InvalidParameter, "f",
                        "f: '" + f->substr(0, 40) + "' is not supported (json, csv, html, pdf)");
  } else if (negotiate(req) == Format::Html) {
    out = Out::Html;
  }
  const layers::AreaLevel level = seg[0] == "gebieden" ? layers::AreaLevel::Gebied
                                  : seg[0] == "wijken" ? layers::AreaLevel::Wijk
                                                       : layers::AreaLevel::Buurt;
  std::vector<layers::CollectionPtr> store;
  for (const auto& c : m_state.config.store.collections)
    if (auto p = m_ctx.catalogue.get(c.id)) store.push_back(std::move(p));
  layers::OverviewFields fields;
  fields.soort = m_state.config.store.soort_field;
  const auto o = layers::build_overview(*m_state.model, store, m_ctx.catalogue.get("buurten"),
                                        level, seg[1], fields);
  if (!o)
    throw input_error(ErrorCode::NotFound, "path",
                      "no " +
                          std::string(seg[0] == "gebieden" ? "gebied"
                                      : seg[0] == "wijken" ? "wijk"
                                                           : "buurt") +
                          " '" + seg[1].substr(0, 60) + "'");
  Response r;
  if (out == Out::Csv) {
    r.content_type = "text/csv; charset=utf-8";
    r.body = to_csv(*o);
    return r;
  }
  json j = to_json(*o);
  if (level == layers::AreaLevel::Gebied)
    if (const geo::Gebied* g = m_state.model->gebied(o->code))
      j["team"] = team_json(g->config.team);
  if (out == Out::Html || out == Out::Pdf) {
    const print::OverviewDoc doc = print::make_overview_doc(
        *m_state.model, *o, m_state.style_sheet.get(), 515, fields.initiative_collection);
    const std::string base = base_url(m_state, req);
    if (out == Out::Pdf) {
      print::OverviewPdfOptions options;
      options.source = base + doc.self.path();
      r.content_type = "application/pdf";
      // The code is an area code or gebied id the model knows: letters, digits, '-', '_'.
      std::string file;
      for (char c : o->code)
        file += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_';
      r.headers.emplace_back("Content-Disposition",
                             "inline; filename=\"overzicht-" + file + ".pdf\"");
      r.body = print::overview_pdf(doc, options);
      return r;
    }
    html::Page page;
    page.base = base;
    page.title = "Overzicht " + o->name;
    page.crumbs = {{"Home", page.base + "/"}};
    if (doc.parent) {
      // The gebied of a buurt, then its wijk.
      if (level == layers::AreaLevel::Buurt)
        if (const geo::Wijk* w = m_state.model->wijk(doc.parent->code))
          if (const geo::Gebied* g = m_state.model->gebied(w->gebied))
            page.crumbs.push_back(
                {"Overzicht " + g->config.name, base + "/gebieden/" + g->config.id + "/overzicht"});
      page.crumbs.push_back({"Overzicht " + doc.parent->name, base + doc.parent->path()});
    }
    page.crumbs.push_back({"Overzicht " + o->name, ""});
    page.body = print::overview_html(doc, base);
    r.content_type = "text/html; charset=utf-8";
    r.body = html::render(page);
    return r;
  }
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

}  // namespace gebieden::server
