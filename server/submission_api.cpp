#include "server/submission_api.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "layers/geojson.hpp"
#include "layers/ogc_geojson.hpp"
#include "server/forwarded.hpp"
#include "server/html.hpp"
#include "server/metrics.hpp"
#include "server/ogc_params.hpp"
#include "util/ascii.hpp"
#include "util/error.hpp"
#include "util/text.hpp"
#include "util/utf8.hpp"

namespace gebieden::server {

namespace {
using json = nlohmann::json;

constexpr const char* kAllow = "GET, HEAD, POST, OPTIONS";
constexpr const char* kActor = "aanmelding";
constexpr const char* kHoneypot = "website_url";  // hidden in the form: only bots fill it in
constexpr int kWorkingDays = 10;
constexpr int kRetryAfterFullSeconds = 3600;
constexpr std::size_t kMaxValueBytes = 10000;

// The fields a resident may send, and the store column each goes to (empty: not stored as is).
const std::vector<std::string>& fields() {
  static const std::vector<std::string> f = {"naam",
                                             "omschrijving",
                                             "categorie",
                                             "adres",
                                             "straat",
                                             "huisnummer",
                                             "postcode",
                                             "plaats",
                                             "lat",
                                             "lon",
                                             "website",
                                             "aanmelder_naam",
                                             "aanmelder_email",
                                             "aanmelder_telefoon",
                                             "scharrelbudget",
                                             kHoneypot};
  return f;
}

[[noreturn]] void invalid(const std::string& field, const std::string& message) {
  throw input_error(ErrorCode::InvalidParameter, field, field + ": " + message);
}
[[noreturn]] void missing(const std::string& field, const std::string& message) {
  throw input_error(ErrorCode::MissingParameter, field, field + ": " + message);
}

std::string media_type(const std::string& content_type) {
  std::string t = content_type.substr(0, content_type.find(';'));
  return util::ascii_lower(std::string(util::trim(t)));
}

/// The pairs of the body, as text.
std::vector<std::pair<std::string, std::string>> body_pairs(const std::string& body,
                                                            const std::string& content_type) {
  const std::string type = media_type(content_type);
  std::vector<std::pair<std::string, std::string>> out;
  if (type == "application/x-www-form-urlencoded") {
    out = parse_query_string(body);
    out.erase(std::remove_if(out.begin(), out.end(),
                             [](const auto& p) { return p.first.empty() && p.second.empty(); }),
              out.end());
    return out;
  }
  if (type != "application/json")
    throw input_error(ErrorCode::UnsupportedMediaType, "Content-Type",
                      "send the submission as application/json or as a form "
                      "(application/x-www-form-urlencoded), not '" +
                          util::shorten(content_type, 60) + "'");
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) throw input_error(ErrorCode::InvalidBody, "body", "body: not valid JSON");
  if (!j.is_object())
    throw input_error(ErrorCode::InvalidBody, "body",
                      std::string("body: must be a JSON object, not ") + j.type_name());
  for (const auto& [k, v] : j.items()) {
    if (v.is_null()) continue;
    if (v.is_string())
      out.emplace_back(k, v.get<std::string>());
    else if (v.is_number())
      out.emplace_back(k, v.dump());
    else
      out.emplace_back(k, std::string("\x01") + v.type_name());  // refused below, by field
  }
  return out;
}

bool plausible_phone(const std::string& s) {
  int digits = 0;
  for (char c : s) {
    if (util::is_digit(c))
      ++digits;
    else if (c != ' ' && c != '+' && c != '-' && c != '(' && c != ')' && c != '.')
      return false;
  }
  return digits >= 6 && digits <= 15;
}

int utc_year() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm.tm_year + 1900;
}

/// A record id that sorts in time order (milliseconds since 1970, then random): the queue's
/// tie-break within one second of aangemaakt_op. Never shown to the submitter.
std::string new_record_id() {
  unsigned char b[3];
  if (RAND_bytes(b, sizeof(b)) != 1) throw std::runtime_error("RAND_bytes failed");
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  char buf[40];
  std::snprintf(buf, sizeof(buf), "s%011llx%02x%02x%02x", static_cast<unsigned long long>(ms), b[0],
                b[1], b[2]);
  return buf;
}

/// "Kerkstraat 12A, 9001AB Grou" (the geocoder's matched address) -> its parts.
bool split_address(const std::string& a, layers::RecordValues& v) {
  const auto comma = a.find(", ");
  if (comma == std::string::npos) return false;
  const std::string left = a.substr(0, comma), right = a.substr(comma + 2);
  const auto sp = left.rfind(' ');
  const auto sp2 = right.find(' ');
  if (sp == std::string::npos || sp2 == std::string::npos) return false;
  v["straat"] = left.substr(0, sp);
  v["huisnummer"] = left.substr(sp + 1);
  v["postcode"] = right.substr(0, sp2);
  v["plaats"] = right.substr(sp2 + 1);
  return true;
}

std::string csv_cell(const layers::Value& v) {
  std::string s;
  if (std::holds_alternative<bool>(v))
    s = std::get<bool>(v) ? "true" : "false";
  else if (std::holds_alternative<std::int64_t>(v))
    s = std::to_string(std::get<std::int64_t>(v));
  else if (std::holds_alternative<double>(v))
    s = json(std::get<double>(v)).dump();
  else if (std::holds_alternative<std::string>(v))
    s = std::get<std::string>(v);
  // Residents typed this text and editors open the file in a spreadsheet: a cell that would be
  // read as a formula (=, +, -, @, a tab or CR first) is kept as text with a leading quote.
  if (std::holds_alternative<std::string>(v) && !s.empty() &&
      std::string_view("=+-@\t\r").find(s.front()) != std::string_view::npos)
    s.insert(s.begin(), '\'');
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

std::string value_text(const layers::Value& v) {
  return std::holds_alternative<std::string>(v) ? std::get<std::string>(v) : std::string();
}
}  // namespace

const std::vector<std::string>& submission_fields() {
  return fields();
}

bool plausible_email(const std::string& email) {
  if (email.size() < 6 || email.size() > 200) return false;
  const auto at = email.find('@');
  if (at == std::string::npos || at == 0 || email.find('@', at + 1) != std::string::npos)
    return false;
  const std::string domain = email.substr(at + 1);
  const auto dot = domain.rfind('.');
  if (dot == std::string::npos || dot == 0 || dot + 2 > domain.size() || domain.front() == '.' ||
      domain.find("..") != std::string::npos)
    return false;
  return std::none_of(email.begin(), email.end(), [](char c) {
    return util::is_space(c) || static_cast<unsigned char>(c) < 0x20 || c == ',' || c == ';' ||
           c == '<' || c == '>' || c == '"';
  });
}

std::string new_reference(int year) {
  // 31 characters: no 0/O, 1/I/L, so that a reference read over the phone is unambiguous.
  static constexpr char kAlphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
  static_assert(sizeof(kAlphabet) - 1 == 31);
  std::string out = "INI-" + std::to_string(year) + "-";
  unsigned char b[6];
  if (RAND_bytes(b, sizeof(b)) != 1) throw std::runtime_error("RAND_bytes failed");
  for (unsigned char c : b) out += kAlphabet[c % 31];
  return out;
}

Submission parse_submission(const std::string& body, const std::string& content_type) {
  const auto pairs = body_pairs(body, content_type);
  const auto& known = fields();
  std::string unknown, first_unknown;
  for (const auto& [k, v] : pairs)
    if (std::find(known.begin(), known.end(), k) == known.end()) {
      if (first_unknown.empty()) first_unknown = k.empty() ? std::string("(empty)") : k;
      unknown += (unknown.empty() ? "'" : ", '") + util::shorten(k, 40) + "'";
    }
  if (!unknown.empty()) {
    std::string allowed;
    for (const auto& f : known)
      if (f != kHoneypot) allowed += (allowed.empty() ? "" : ", ") + f;
    throw input_error(ErrorCode::UnknownParameter, first_unknown,
                      "unknown field(s) " + unknown + "; a submission has " + allowed);
  }
  std::map<std::string, std::string> given;
  for (const auto& [k, v] : pairs) {
    if (!v.empty() && v.front() == '\x01')
      invalid(k, "must be a string or a number, not " + v.substr(1));
    std::size_t at = 0;
    if (!util::is_valid_utf8(v, &at))
      invalid(k, "not valid UTF-8 (at byte " + std::to_string(at) + ")");
    if (v.size() > kMaxValueBytes)
      invalid(k, "is longer than " + std::to_string(kMaxValueBytes) + " bytes");
    if (!given.emplace(k, std::string(util::trim(v))).second) invalid(k, "given more than once");
  }
  Submission s;
  auto get = [&](const std::string& k) -> std::optional<std::string> {
    auto it = given.find(k);
    if (it == given.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
  if (get(kHoneypot)) {
    s.honeypot = true;
    return s;
  }
  for (const char* k : {"naam", "omschrijving", "aanmelder_naam", "aanmelder_email"})
    if (!get(k)) missing(k, "required");
  if (!plausible_email(*get("aanmelder_email")))
    invalid("aanmelder_email", "'" + util::shorten(*get("aanmelder_email"), 60) +
                                   "' is not an e-mail address (name@domain.nl)");
  if (auto t = get("aanmelder_telefoon"); t && !plausible_phone(*t))
    invalid("aanmelder_telefoon", "'" + util::shorten(*t, 40) +
                                      "' is not a telephone number (6 to 15 digits, spaces, +, -)");
  // Where: a point, and/or an address (free text, or its parts).
  const auto lat = get("lat"), lon = get("lon");
  if (lat.has_value() != lon.has_value()) missing(lat ? "lon" : "lat", "give lat and lon together");
  if (lat) {
    const auto la = util::parse_double(*lat), lo = util::parse_double(*lon);
    if (!la || *la < -90 || *la > 90) invalid("lat", "must be a number of degrees in [-90, 90]");
    if (!lo || *lo < -180 || *lo > 180)
      invalid("lon", "must be a number of degrees in [-180, 180]");
    s.point_crs84 = geo::XY{*lo, *la};
  }
  const bool parts = get("straat") || get("huisnummer") || get("postcode") || get("plaats");
  s.adres = get("adres");
  if (s.adres && parts)
    invalid("adres",
            "give the address as adres (free text) or as straat, huisnummer and "
            "postcode or plaats, not both");
  if (parts) {
    if (!get("straat") && !get("postcode")) missing("straat", "give straat (or postcode)");
    if (!get("huisnummer")) missing("huisnummer", "give the house number with the street");
    if (!get("postcode") && !get("plaats")) missing("postcode", "give postcode or plaats");
  }
  if (!s.adres && !parts && !s.point_crs84)
    missing("adres",
            "where is it? give adres, or straat, huisnummer and postcode or plaats, or "
            "lat and lon");
  for (const char* k :
       {"naam", "omschrijving", "categorie", "straat", "huisnummer", "postcode", "plaats",
        "website", "aanmelder_naam", "aanmelder_email", "aanmelder_telefoon", "scharrelbudget"})
    if (auto v = get(k)) s.values[k] = *v;
  return s;
}

bool SubmissionApi::handles(const std::vector<std::string>& seg) {
  return seg.size() == 1 && seg[0] == "submissions";
}

const geo::LayerConfig* SubmissionApi::collection() const {
  const auto& sc = m_state.config.store;
  if (!m_state.store || sc.submissions.collection.empty()) return nullptr;
  for (const auto& c : sc.collections)
    if (c.id == sc.submissions.collection && !c.soort.empty()) return &c;
  return nullptr;
}

std::string SubmissionApi::client_of(const Request& req) const {
  // server.trusted_proxies (or trust_forwarded_for): the client the proxy forwarded.
  return client_address(m_state.config.server, req);
}

Response SubmissionApi::route(const Request& req, const std::vector<std::string>&) const {
  if (req.method == "OPTIONS") return options_response(kAllow);
  if (!collection())
    throw input_error(ErrorCode::NotFound, "path",
                      "submissions are not enabled here (store.submissions.collection)");
  if (req.method == "POST") return submit(req);
  if (req.method == "GET") return queue(req);
  Response r = error_response(ErrorCode::MethodNotAllowed,
                              "method " + req.method.substr(0, 20) +
                                  " is not allowed here; POST a submission, GET the queue");
  r.headers.emplace_back("Allow", kAllow);
  return r;
}

Response SubmissionApi::accepted(const Request& req, const std::string& reference,
                                 const std::string& status, const std::string& naam) const {
  const std::string next =
      "Dank u wel! Uw initiatief is ontvangen en staat nog niet op de kaart. Een medewerker van "
      "het gebiedsteam bekijkt het binnen " +
      std::to_string(kWorkingDays) +
      " werkdagen en neemt zo nodig contact met u op. Vraagt u scharrelbudget, dan beslist de "
      "Tafel van 8 daarover. U krijgt per e-mail bericht over de uitkomst; noem bij vragen uw "
      "referentie " +
      reference + ".";
  Response r;
  r.status = 202;
  r.headers.emplace_back("Cache-Control", "no-store");
  if (negotiate(req) == Format::Html) {
    html::Page page;
    page.base = base_url(m_state, req);
    page.title = "Aanmelding ontvangen";
    page.crumbs = {{"Home", page.base + "/"}, {"Aanmelding ontvangen", ""}};
    page.body = "<h1>Aanmelding ontvangen</h1>" +
                (naam.empty() ? std::string() : "<p>" + html::escape(naam) + "</p>") +
                "<p>Uw referentie: <strong>" + html::escape(reference) + "</strong></p><p>" +
                html::escape(next) + "</p>";
    r.content_type = "text/html; charset=utf-8";
    r.body = html::render(page);
    return r;
  }
  nlohmann::ordered_json j;
  j["referentie"] = reference;
  j["status"] = status;
  j["volgende_stappen"] = next;
  r.body = j.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

Response SubmissionApi::submit(const Request& req) const {
  check_params(req, {"f"});
  const std::size_t limit = m_state.config.server.max_request_bytes;
  if (req.body.size() > limit)
    throw input_error(ErrorCode::PayloadTooLarge, "body",
                      "the body is larger than " + std::to_string(limit) + " bytes");
  Submission s = parse_submission(req.body, req.header("content-type"));
  const auto& conf = m_state.config.store.submissions;
  layers::FeatureStore& store = *m_state.store;
  const auto& wf = store.schema().def ? store.schema().def->status : std::nullopt;
  const std::string initial = wf ? wf->initial : std::string("ingediend");
  const int year = utc_year();
  // A bot filled in the hidden field: it gets the answer it expects, nothing is stored.
  if (s.honeypot) return accepted(req, new_reference(year), initial, {});

  // A free-text address: found in the address register, stored as its parts.
  if (s.adres) {
    if (!m_state.geocoder)
      invalid("adres",
              "free-text addresses are not available here; give straat, huisnummer and "
              "postcode or plaats");
    geo::GeocodeRequest g;
    g.q = *s.adres;
    const geo::GeocodeResult res = m_state.geocoder->geocode(g);
    if (res.placed() && !res.address.empty() && split_address(res.address, s.values)) {
    } else if (res.placed() && res.wgs84 && !s.point_crs84) {
      s.point_crs84 = res.wgs84;
    } else if (!s.point_crs84) {
      invalid("adres", "'" + util::shorten(*s.adres, 60) + "' was not found (" +
                           (res.reason.empty() ? std::string("not placed") : res.reason) +
                           (res.detail.empty() ? "" : ": " + util::shorten(res.detail, 200)) +
                           "); check it, or give lat and lon");
    }
  } else if (!s.point_crs84 && m_state.geocoder) {
    // Address parts without a point: they must name a place in the gemeente.
    geo::GeocodeRequest g;
    auto v = [&](const char* k) -> std::optional<std::string> {
      auto it = s.values.find(k);
      return it == s.values.end() ? std::nullopt : it->second;
    };
    g.straat = v("straat"), g.huisnummer = v("huisnummer"), g.postcode = v("postcode");
    g.plaats = v("plaats");
    const geo::GeocodeResult res = m_state.geocoder->geocode(g);
    if (!res.placed())
      invalid(v("straat") ? "straat" : "postcode",
              "the address was not found (" +
                  (res.reason.empty() ? std::string("not placed") : res.reason) +
                  (res.detail.empty() ? "" : ": " + util::shorten(res.detail, 200)) +
                  "); check it, or give lat and lon");
  }

  // Never a full disk: a cap on the waiting ones, then a limit per client.
  if (store.waiting() >= static_cast<std::size_t>(conf.max_pending)) {
    Response r = error_response(
        ErrorCode::Unavailable,
        "too many submissions waiting (" + std::to_string(conf.max_pending) + "); try later");
    r.headers.emplace_back("Retry-After", std::to_string(kRetryAfterFullSeconds));
    return r;
  }
  const std::string client = client_of(req);
  const RateLimiter::Decision d =
      m_state.submission_limits->acquire(client, conf.per_client_per_hour);
  if (!d.allowed) {
    Response r = error_response(ErrorCode::TooManyRequests,
                                "at most " + std::to_string(conf.per_client_per_hour) +
                                    " submissions an hour from one address; try again in " +
                                    std::to_string(d.retry_after.count()) + " seconds");
    r.headers.emplace_back("Retry-After", std::to_string(d.retry_after.count()));
    return r;
  }

  // A reference no record has yet.
  std::set<std::string> taken;
  const layers::CatalogueView full = m_state.full.view();
  for (const auto& c : m_state.config.store.collections) {
    auto col = full.get(c.id);
    if (!col) continue;
    int fi = -1;
    for (std::size_t i = 0; i < col->fields.size(); ++i)
      if (col->fields[i].name == "referentie") fi = static_cast<int>(i);
    if (fi < 0) continue;
    for (const auto& f : col->features)
      taken.insert(value_text(f.values[static_cast<std::size_t>(fi)]));
  }
  std::string reference = new_reference(year);
  while (taken.count(reference)) reference = new_reference(year);

  layers::WriteRequest w;
  w.op = layers::WriteOp::Create;
  w.submission = true;
  w.actor = kActor;
  w.soorten = collection()->soort;
  w.record.values = s.values;
  w.record.values[m_state.config.store.soort_field] = collection()->soort.front();
  w.record.values["referentie"] = reference;
  w.record.point_crs84 = s.point_crs84;
  layers::WriteResult res;
  for (int attempt = 0; attempt < 4; ++attempt) {
    w.record.id = new_record_id();
    try {
      res = counted_write(store, w, m_state.metrics.get(), Source::Submission);
    } catch (...) {
      m_state.submission_limits->release(client);
      throw;
    }
    if (res.outcome != layers::WriteOutcome::Conflict) break;
  }
  if (!res.ok()) {
    m_state.submission_limits->release(client);
    if (res.outcome != layers::WriteOutcome::Invalid)
      throw std::runtime_error("a submission could not be stored");
    std::string message;
    std::string first;
    for (const auto& p : res.problems) {
      const std::string field = p.field == "geometry" ? std::string("lat") : p.field;
      if (first.empty()) first = field;
      message += (message.empty() ? "" : "; ") + field + ": " + p.message;
    }
    throw input_error(ErrorCode::InvalidParameter, first.empty() ? "body" : first, message);
  }
  std::string naam;
  if (auto it = s.values.find("naam"); it != s.values.end() && it->second) naam = *it->second;
  return accepted(req, reference, initial, naam);
}

Response SubmissionApi::queue(const Request& req) const {
  check_params(req, {"f"});
  bool csv = false;
  if (auto f = req.param("f")) {
    const std::string v = util::ascii_lower(*f);
    if (v == "csv" || v == "text/csv")
      csv = true;
    else if (v != "json" && v != "application/json")
      invalid("f", "'" + util::shorten(*f, 40) + "' is not supported (json, csv)");
  }
  auto refuse = [&](ErrorCode code, const std::string& message) {
    Response r = error_response(code, message, "Authorization");
    if (code == ErrorCode::Unauthorized)
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"gebieden\"");
    return r;
  };
  if (!m_state.keys || m_state.keys->empty())
    return refuse(ErrorCode::Forbidden,
                  "the queue of submissions needs an editor key; no key is "
                  "configured");
  if (!m_ctx.viewer.principal)
    return refuse(ErrorCode::Unauthorized,
                  "the queue of submissions needs an Authorization: Bearer <key> header");
  if (!m_ctx.viewer.can(Role::Editor))
    return refuse(ErrorCode::Forbidden,
                  "the queue of submissions needs a key with role editor; the key '" +
                      m_ctx.viewer.principal->name + "' is " +
                      std::string(role_name(m_ctx.viewer.principal->role)));

  const auto& wf = m_state.store->schema().def ? m_state.store->schema().def->status : std::nullopt;
  const std::string status_field = wf ? wf->field : std::string("status");
  const std::string initial = wf ? wf->initial : std::string("ingediend");
  const layers::CatalogueView full = m_state.full.view();
  auto c = full.get(collection()->id);
  if (!c) throw std::runtime_error("the submissions collection is missing from the catalogue");
  int fs = -1, fa = -1;
  for (std::size_t i = 0; i < c->fields.size(); ++i) {
    if (c->fields[i].name == status_field) fs = static_cast<int>(i);
    if (c->fields[i].name == "aangemaakt_op") fa = static_cast<int>(i);
  }
  std::vector<const layers::Feature*> waiting;
  for (const auto& f : c->features)
    if (fs >= 0 && value_text(f.values[static_cast<std::size_t>(fs)]) == initial)
      waiting.push_back(&f);
  // Oldest first (aangemaakt_op is an RFC 3339 UTC time: its text sorts in time order).
  std::stable_sort(
      waiting.begin(), waiting.end(), [&](const layers::Feature* a, const layers::Feature* b) {
        const std::string ta = fa >= 0 ? value_text(a->values[static_cast<std::size_t>(fa)]) : "";
        const std::string tb = fa >= 0 ? value_text(b->values[static_cast<std::size_t>(fa)]) : "";
        return ta != tb ? ta < tb : a->id < b->id;
      });
  Response r;
  r.headers.emplace_back("Cache-Control", "private, no-store");
  if (csv) {
    std::string out = "id";
    for (const auto& f : c->fields) out += "," + csv_cell(layers::Value(f.name));
    out += "\r\n";
    for (const layers::Feature* f : waiting) {
      out += csv_cell(layers::Value(f->id));
      for (const auto& v : f->values) out += "," + csv_cell(v);
      out += "\r\n";
    }
    r.content_type = "text/csv; charset=utf-8";
    r.headers.emplace_back("Content-Disposition", "inline; filename=\"submissions.csv\"");
    r.body = std::move(out);
    return r;
  }
  std::string out =
      "{\"type\":\"FeatureCollection\",\"numberWaiting\":" + std::to_string(waiting.size()) +
      ",\"features\":[";
  const std::vector<int> all = layers::public_fields(*c);
  for (std::size_t i = 0; i < waiting.size(); ++i) {
    if (i) out += ',';
    layers::append_ogc_feature(out, *c, *waiting[i], geo::Crs::CRS84, all);
  }
  out += "]}";
  r.content_type = "application/geo+json";
  r.body = std::move(out);
  return r;
}

}  // namespace gebieden::server
