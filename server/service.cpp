#include "server/service.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <shared_mutex>
#include <sstream>

#include "layers/boundaries.hpp"
#include "layers/store.hpp"
#include "server/esri_api.hpp"
#include "server/forwarded.hpp"
#include "server/geocode_api.hpp"
#include "server/html.hpp"
#include "server/http_manners.hpp"
#include "server/map_api.hpp"
#include "server/nearby_api.hpp"
#include "server/ogc_api.hpp"
#include "server/ogc_cache.hpp"
#include "server/ogc_params.hpp"
#include "server/overview_api.hpp"
#include "server/store_api.hpp"
#include "server/styles_api.hpp"
#include "server/submission_api.hpp"
#include "server/welcome_api.hpp"
#include "util/ascii.hpp"
#include "util/error.hpp"

namespace gebieden::server {

Response error_response(ErrorCode code, const std::string& description,
                        const std::string& parameter) {
  const ErrorSpec& spec = error_spec(code);
  nlohmann::ordered_json j;
  j["code"] = std::string(spec.code);
  j["description"] = description;
  if (!parameter.empty()) j["parameter"] = parameter.substr(0, 60);
  j["status"] = spec.http_status;
  Response r;
  r.status = spec.http_status;
  r.content_type = "application/json";
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

std::shared_ptr<const layers::style::StyleSheet> load_style_sheet(
    const std::filesystem::path& folder) {
  namespace fs = std::filesystem;
  const fs::path file = folder / "style.json";
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return nullptr;
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  const nlohmann::json j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (!in || j.is_discarded())
    throw config_error("assets.styles", "'" + file.string() + "' is not JSON");
  return std::make_shared<const layers::style::StyleSheet>(
      layers::style::StyleSheet::parse(j, file.string()));
}

std::map<std::string, std::string, std::less<>> load_styles(const std::filesystem::path& folder,
                                                            bool required,
                                                            std::vector<std::string>& messages) {
  namespace fs = std::filesystem;
  std::map<std::string, std::string, std::less<>> styles;
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    if (required) throw config_error("assets.styles", "'" + folder.string() + "' is not a folder");
    messages.push_back("styles: no folder '" + folder.string() +
                       "'; every layer gets a generated renderer");
    return styles;
  }
  std::vector<fs::path> files;
  std::size_t generated = 0;
  if (const auto sheet = load_style_sheet(folder)) {
    for (const auto& layer : sheet->layers) {
      styles[layer.collection] = layers::style::esri_drawing_info(layer).dump(
          -1, ' ', false, nlohmann::json::error_handler_t::replace);
      ++generated;
    }
  }
  for (const auto& entry : fs::directory_iterator(folder))
    if (entry.is_regular_file() && entry.path().extension() == ".json" &&
        entry.path().filename() != "style.json")
      files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    std::ifstream in(file);
    std::stringstream ss;
    ss << in.rdbuf();
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(ss.str(), nullptr, false);
    if (!in || j.is_discarded() || !j.is_object())
      throw config_error("assets.styles", "'" + file.string() + "' is not a JSON object");
    if (j.contains("type") && !j.contains("renderer")) j = nlohmann::ordered_json{{"renderer", j}};
    if (!j.contains("renderer") || !j["renderer"].is_object())
      throw config_error("assets.styles", "'" + file.string() +
                                              "' has no renderer (a drawingInfo object, or a "
                                              "bare renderer with a type)");
    if (!j.contains("transparency")) j["transparency"] = 0;
    if (!j.contains("labelingInfo")) j["labelingInfo"] = nullptr;
    styles[file.stem().string()] = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  messages.push_back("styles: " + std::to_string(generated) + " from style.json, " +
                     std::to_string(files.size()) + " drawingInfo files, in " + folder.string());
  return styles;
}

std::string default_web_dir() {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path beside =
        (exe.parent_path() / ".." / "share" / "gebieden" / "web").lexically_normal();
    if (fs::is_directory(beside, ec)) return beside.string();
  }
  return GEBIEDEN_BUILD_WEB_DIR;
}

std::shared_ptr<ServiceState> load_data(const geo::Config& config) {
  auto state = std::make_shared<ServiceState>();
  state->config = config;
  check_trusted_proxies(config.server);
  if (!config.server.access_log.empty())
    state->access_log = std::make_shared<const AccessLog>(config.server.access_log);
  if (state->config.assets.web.empty()) state->config.assets.web = default_web_dir();
  state->styles = load_styles(config.assets.styles, config.assets.styles_given, state->messages);
  state->style_sheet = load_style_sheet(config.assets.styles);
  state->glyphs = std::make_shared<layers::glyphs::GlyphServer>(config.assets.fonts);
  state->ogc_cache = std::make_shared<OgcCache>();
  state->model = std::make_shared<const geo::AreaModel>(geo::AreaModel::load(config));
  const geo::AreaModel& model = *state->model;

  // The address register and the geocoder (optional: without them the rest still serves).
  if (!config.addresses.sources.empty()) {
    std::optional<geo::Box> area;
    if (const geo::Box b = model.gemeente().rd.bbox(); b.valid)
      area = geo::Box{b.minx - 1000, b.miny - 1000, b.maxx + 1000, b.maxy + 1000, true};
    try {
      auto reg =
          std::make_shared<const geo::AddressRegister>(geo::AddressRegister::load(config, area));
      std::vector<geo::PlaceAlias> aliases;
      if (!config.place_aliases.empty())
        aliases = geo::read_place_aliases(config.resolve(config.place_aliases));
      auto model_ptr = state->model;
      state->geocoder = std::make_shared<const geo::Geocoder>(
          reg, [model_ptr](double x, double y) { return model_ptr->locate_rd(x, y); }, aliases);
      state->messages.push_back("addresses: " + std::to_string(reg->addresses().size()) + " from " +
                                reg->report().source);
    } catch (const config_error& e) {
      // Only "none of the sources exists" is forgiven an optional register: a file that is
      // there but cannot be read is fatal (docs/faults.md).
      if (config.addresses.required || e.member() != "addresses.sources") throw;
      state->messages.push_back(std::string("addresses: not loaded, geocoding is off: ") +
                                e.what());
    }
  }
  return state;
}

void open_store(ServiceState& state, std::shared_ptr<layers::FeatureStore> keep) {
  // The social base, from its GeoPackage (created from store.source the first time), placed
  // by the geocoder.
  if (!state.config.store.enabled) return;
  if (keep) {
    state.store = std::move(keep);
    state.messages.push_back("store: kept " + state.store->path() + " (the same store)");
    return;
  }
  state.store =
      layers::FeatureStore::open(state.config, state.model, state.geocoder, state.messages);
}

void assemble(ServiceState& state) {
  const geo::Config& config = state.config;
  const geo::AreaModel& model = *state.model;
  // The store's counts go onto the boundaries.
  layers::StoreLoad store;
  if (state.store) {
    store = state.store->snapshot();
    state.messages.push_back("store: placed " + std::to_string(store.placed) + " of " +
                             std::to_string(store.records));
  }
  for (auto& c : layers::boundary_collections(model, store.counts)) state.catalogue.add(c);
  for (auto& c : store.collections) state.catalogue.add(c);
  for (const auto& l : config.layers) state.catalogue.add(layers::load_file_layer(config, l));
  // The full view (keys that may read private fields): every field public, every record.
  if (state.store) {
    const layers::StoreLoad full = state.store->snapshot(true);
    for (auto& c : layers::boundary_collections(model, full.counts)) state.full.add(c);
    for (auto& c : full.collections) state.full.add(c);
  } else {
    for (auto& c : layers::boundary_collections(model, store.counts)) state.full.add(c);
  }
  for (const auto& c : state.catalogue.all()) {
    if (state.full.get(c->id)) continue;
    if (std::none_of(c->fields.begin(), c->fields.end(),
                     [](const layers::Field& f) { return f.is_private; })) {
      state.full.add(c);
      continue;
    }
    auto open = std::make_shared<layers::Collection>(*c);
    for (auto& f : open->fields) f.is_private = false;
    state.full.add(open);
  }
  if (state.store) state.store->publish_to(&state.catalogue, &state.full);
  state.loaded_at = std::chrono::system_clock::now();
}

std::shared_ptr<ServiceState> load_state(const geo::Config& config) {
  auto state = load_data(config);
  open_store(*state);
  assemble(*state);
  return state;
}

std::string load_keys(ServiceState& state) {
  const geo::Config& config = state.config;
  // The keys: the key file (hashes only) and the editor tokens of the environment, read here
  // and only here (never logged).
  state.keys = std::make_shared<const KeyRing>(
      config.resolve(config.access.keys_file),
      parse_tokens(std::getenv(config.store.write_token_env.c_str())));
  return "store: " + (state.store ? state.store->path() : std::string("(none)")) + "; writes " +
         (state.keys->empty() ? "disabled (no key in " + state.keys->key_file().string() +
                                    ", and " + config.store.write_token_env + " is not set)"
                              : "enabled (" + std::to_string(state.keys->file_keys()) +
                                    " key(s) in " + state.keys->key_file().string() + ", " +
                                    std::to_string(state.keys->env_tokens()) + " token(s) from " +
                                    config.store.write_token_env + ")");
}

void WriteHold::lock_shared() {
  std::unique_lock lock(m_mutex);
  m_cv.wait(lock, [&] { return !m_exclusive && m_waiting == 0; });
  ++m_writes;
}

void WriteHold::unlock_shared() {
  std::lock_guard lock(m_mutex);
  if (--m_writes == 0) m_cv.notify_all();
}

void WriteHold::lock() {
  std::unique_lock lock(m_mutex);
  ++m_waiting;
  m_cv.wait(lock, [&] { return !m_exclusive && m_writes == 0; });
  --m_waiting;
  m_exclusive = true;
}

void WriteHold::unlock() {
  std::lock_guard lock(m_mutex);
  m_exclusive = false;
  m_cv.notify_all();
}

namespace {
std::vector<std::string> split_path(const std::string& raw);

/// A browser (f=html, or an Accept that prefers text/html) gets an error as a page; every other
/// client the JSON body. The GeoServices front answers in its own envelope (and pages).
bool wants_html_error(const Request& req) {
  if (req.path.rfind("/arcgis", 0) == 0) return false;
  try {
    return negotiate(req) == Format::Html;
  } catch (const std::exception&) {
    return false;  // an f that is not known: the error is about f, in JSON
  }
}

/// The JSON error `r` as an HTML page (Dutch first): the status, what was wrong, the parameter,
/// and the way back.
void to_html_error(const std::string& base, Response& r) {
  const nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return;
  static const std::map<int, const char*> kTitles = {{400, "ongeldige vraag"},
                                                     {401, "niet aangemeld"},
                                                     {403, "geen toegang"},
                                                     {404, "niet gevonden"},
                                                     {405, "methode niet toegestaan"},
                                                     {406, "formaat niet beschikbaar"},
                                                     {409, "conflict"},
                                                     {412, "voorwaarde niet vervuld"},
                                                     {413, "te groot"},
                                                     {415, "soort inhoud niet ondersteund"},
                                                     {429, "te veel verzoeken"},
                                                     {500, "interne fout"},
                                                     {503, "tijdelijk niet beschikbaar"},
                                                     {507, "schijf vol"}};
  const auto it = kTitles.find(r.status);
  const std::string title = it == kTitles.end() ? std::string() : it->second;
  html::Page page;
  page.base = base;
  page.title = "Fout " + std::to_string(r.status) + (title.empty() ? "" : ": " + title);
  page.crumbs = {{"gebieden", base + "/?f=html"}, {"fout " + std::to_string(r.status), ""}};
  std::string& b = page.body;
  b += "<p class=\"error\"><strong>" + html::escape(j.value("description", "")) + "</strong></p>";
  b += "<dl><dt>status</dt><dd>" + std::to_string(r.status) + "</dd><dt>code</dt><dd>" +
       html::escape(j.value("code", "")) + "</dd>";
  if (j.contains("parameter") && j["parameter"].is_string())
    b += "<dt>parameter</dt><dd>" + html::escape(j["parameter"].get<std::string>()) + "</dd>";
  b += "</dl><p><a href=\"" + html::escape(base + "/?f=html") +
       "\">Naar de startpagina</a> · dezelfde fout als JSON: vraag met <code>f=json</code>.</p>";
  r.body = html::render(page);
  r.content_type = "text/html; charset=utf-8";
}
}  // namespace

Service::Service(std::shared_ptr<ServiceState> state)
    : m_state(state), m_shared(std::make_shared<Shared>(std::move(state))) {}

Service::Service(std::shared_ptr<ServiceState> state, std::shared_ptr<Shared> shared)
    : m_state(std::move(state)), m_shared(std::move(shared)) {}

std::shared_ptr<ServiceState> Service::current() const {
  return m_shared->current.load();
}

void Service::replace(std::shared_ptr<ServiceState> next) const {
  m_shared->current.store(std::move(next));
}

Response Service::handle(const Request& req) const {
  Response r = respond(req);
  if (r.shared_body) {
    r.body = *r.shared_body;
    r.shared_body.reset();
  }
  return r;
}

Response Service::respond(const Request& req) const {
  // A write holds the write hold while it runs (a reload waits for it; see WriteHold); every
  // request is answered whole by the state it started with.
  const bool reads = req.method == "GET" || req.method == "HEAD" || req.method == "OPTIONS";
  std::shared_lock<WriteHold> hold;
  if (!reads) hold = std::shared_lock<WriteHold>(m_shared->writes);
  return Service(current(), m_shared).respond_bound(req);
}

Response Service::respond_bound(const Request& req) const {
  // The one place where every request passes with its route known: the metrics and the
  // access log (docs/operations.md).
  const auto now = std::chrono::steady_clock::now();
  Response r = answer(req);
  record_bound(req, r,
               req.received == std::chrono::steady_clock::time_point{} ? now : req.received);
  return r;
}

void Service::record(const Request& req, const Response& r,
                     std::chrono::steady_clock::time_point started) const {
  Service(current(), m_shared).record_bound(req, r, started);
}

void Service::record_bound(const Request& req, const Response& r,
                           std::chrono::steady_clock::time_point started) const {
  using std::chrono::steady_clock;
  using std::chrono::system_clock;
  const auto took = steady_clock::now() - started;
  std::string_view route = "other";
  try {
    route = route_template(split_path(req.path));
  } catch (const std::exception&) {
    // a malformed path: "other"
  }
  if (m_state->metrics) m_state->metrics->request(route, req.method, r.status, took);
  if (!m_state->access_log) return;
  AccessEntry e;
  e.time = system_clock::now() - std::chrono::duration_cast<system_clock::duration>(took);
  e.request = &req;
  e.method = req.method;
  e.route = route;
  e.status = r.status;
  const bool bodiless = req.method == "HEAD" || r.status == 204 || r.status == 304;
  e.bytes = bodiless ? 0 : r.payload().size();
  e.duration = std::chrono::duration_cast<std::chrono::nanoseconds>(took);
  e.forwarded = forwarded_of(m_state->config.server, req);
  m_state->access_log->write(e);
}

Response Service::answer(const Request& req) const {
  if (req.method == "HEAD") {
    // HEAD is answered as GET, headers and all; the HTTP front leaves out the body
    // (RFC 9110 9.3.2).
    Request get = req;
    get.method = "GET";
    return answer(get);
  }
  Response r;
  try {
    r = route(req);
  } catch (const input_error& e) {
    r = error_response(e.code(), e.what(), e.parameter());
  } catch (const storage_error& e) {
    // The disk is full: nothing of the write was written (docs/faults.md); reads go on.
    std::cerr << "error: " << req.method << " " << req.path << ": " << e.what() << std::endl;
    r = error_response(ErrorCode::InsufficientStorage,
                       "the store's disk is full: nothing of this write was written; try again "
                       "later");
  } catch (const std::exception& e) {
    std::cerr << "error: " << req.method << " " << req.path << ": " << e.what() << std::endl;
    r = error_response(ErrorCode::Internal, "an unexpected error occurred; it has been logged");
  } catch (...) {
    std::cerr << "error: " << req.method << " " << req.path << ": unknown exception" << std::endl;
    r = error_response(ErrorCode::Internal, "an unexpected error occurred; it has been logged");
  }
  if (r.status >= 400 && r.content_type == "application/json" && wants_html_error(req)) {
    try {
      to_html_error(base_url(*m_state, req), r);
    } catch (const std::exception&) {
      // the JSON answer stays
    }
  }
  // While writes are enabled, what a client has may be outdated by the next write: it keeps
  // its copy but asks again each time (a 304 when nothing changed). Otherwise a minute. An
  // answer to a key is for that key only (it may hold private fields): never kept by a cache.
  const bool keyed = !req.header("authorization").empty() ||
                     !req.header("x-esri-authorization").empty() || req.param("token");
  if (keyed) {
    bool has = false;
    for (auto& [k, v] : r.headers)
      if (util::ascii_iequals(k, "Cache-Control")) v = "private, no-store", has = true;
    if (!has) r.headers.emplace_back("Cache-Control", "private, no-store");
  }
  r.headers.emplace_back("Vary", "Authorization");
  finish_response(req, r, !m_state->keys || m_state->keys->empty() ? 60 : 0);
  return r;
}

namespace {
std::vector<std::string> split_path(const std::string& raw) {
  std::vector<std::string> out;
  std::string path = raw.substr(0, raw.find('?'));
  std::size_t i = 0;
  while (i <= path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) {
      auto seg = percent_decode(std::string_view(path).substr(i, j - i), false);
      if (!seg)
        throw input_error(ErrorCode::NotFound, "path", "malformed percent-encoding in the path");
      out.push_back(*seg);
    }
    i = j + 1;
  }
  return out;
}

}  // namespace

std::string base_url(const ServiceState& state, const Request& req) {
  const auto& sc = state.config.server;
  if (!sc.base_url.empty()) {
    std::string b = sc.base_url;
    while (!b.empty() && b.back() == '/') b.pop_back();
    return b;
  }
  const Forwarded fw = forwarded_of(sc, req);
  std::string host = fw.host.empty() ? req.header("host") : fw.host;
  // Keep only characters that belong in a host[:port]; anything else falls back.
  bool ok = !host.empty() && host.size() < 256;
  for (char c : host)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == ':' || c == '-' ||
          c == '[' || c == ']'))
      ok = false;
  if (!ok) host = sc.host + ":" + std::to_string(sc.port);
  return (fw.proto.empty() ? std::string("http") : fw.proto) + "://" + host + fw.prefix;
}

Response options_response(const std::string& allow) {
  Response r;
  r.status = 204;
  r.content_type.clear();
  r.headers = {
      {"Allow", allow},
      {"Access-Control-Allow-Methods", allow},
      {"Access-Control-Allow-Headers", "Content-Type, Accept, If-None-Match, Authorization"},
      {"Access-Control-Max-Age", "86400"}};
  return r;
}

RequestContext Service::context(const Request& req, bool esri) const {
  RequestContext ctx;
  // A key is looked at only when keys are configured; without any, a credential changes
  // nothing (and a write says that writes are disabled).
  if (m_state->keys && !m_state->keys->empty()) {
    std::optional<std::string> key;
    try {
      key = presented_credential(req);
    } catch (const input_error&) {
      if (!esri) throw;  // a malformed Authorization header: 401
    }
    if (key) {
      ctx.viewer.principal = m_state->keys->authenticate(*key);
      if (!ctx.viewer.principal && !esri)
        throw input_error(ErrorCode::Unauthorized, "Authorization", "the key is not valid");
      ctx.invalid_key = !ctx.viewer.principal;
    }
  }
  ctx.catalogue = ctx.viewer.can(Role::Reader) ? m_state->full.view() : m_state->catalogue.view();
  return ctx;
}

Response Service::metrics(const Request& req, const RequestContext& ctx) const {
  const std::string& who = m_state->config.server.metrics;
  if (who == "off" || !m_state->metrics)
    throw input_error(ErrorCode::NotFound, "path",
                      "no such path: /metrics (server.metrics is off)");
  if (req.method == "OPTIONS") return options_response("GET, HEAD, OPTIONS");
  if (req.method != "GET") {
    Response r = error_response(ErrorCode::MethodNotAllowed, "use GET");
    r.headers.emplace_back("Allow", "GET, HEAD, OPTIONS");
    return r;
  }
  if (who == "loopback" && !is_loopback(client_address(m_state->config.server, req)))
    throw input_error(ErrorCode::Forbidden, "path",
                      "/metrics answers only on the loopback interface here (server.metrics)");
  if (who == "key" && !ctx.viewer.principal) {
    Response r = error_response(ErrorCode::Unauthorized, "/metrics needs a key (server.metrics)",
                                "Authorization");
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"gebieden\"");
    return r;
  }
  if (!req.query.empty())
    throw input_error(ErrorCode::UnknownParameter, req.query.front().first.substr(0, 60),
                      "unknown parameter '" + req.query.front().first.substr(0, 60) + "'");
  Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = m_state->metrics->render(*m_state);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

Response Service::route(const Request& req) const {
  const auto seg = split_path(req.path);
  // Liveness and readiness before any key is looked at: a probe carries none.
  if (seg.size() == 2 && seg[0] == "health" && (seg[1] == "live" || seg[1] == "ready")) {
    if (req.method == "OPTIONS") return options_response("GET, HEAD, OPTIONS");
    if (req.method != "GET") {
      Response r = error_response(ErrorCode::MethodNotAllowed, "use GET");
      r.headers.emplace_back("Allow", "GET, HEAD, OPTIONS");
      return r;
    }
    if (!req.query.empty())
      throw input_error(ErrorCode::UnknownParameter, req.query.front().first.substr(0, 60),
                        "unknown parameter '" + req.query.front().first.substr(0, 60) + "'");
    return seg[1] == "live" ? live_response() : m_state->health->ready(*m_state);
  }
  const bool esri = !seg.empty() && seg[0] == "arcgis";
  RequestContext ctx;
  try {
    ctx = context(req, esri);
  } catch (const input_error& e) {
    Response r = error_response(e.code(), e.what(), e.parameter());
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"gebieden\"");
    return r;
  }
  if (seg.size() == 1 && seg[0] == "metrics") return metrics(req, ctx);
  if (StoreApi::handles(req, seg)) return StoreApi(*m_state, std::move(ctx)).route(req, seg);
  if (SubmissionApi::handles(seg)) return SubmissionApi(*m_state, std::move(ctx)).route(req, seg);
  if (esri) return EsriApi(*m_state, std::move(ctx)).route(req, seg);
  if (NearbyApi::handles(seg)) return NearbyApi(*m_state, std::move(ctx)).route(req, seg);
  if (OverviewApi::handles(seg)) return OverviewApi(*m_state, std::move(ctx)).route(req, seg);
  if (StylesApi::handles(seg)) return StylesApi(*m_state, std::move(ctx)).route(req, seg);
  if (MapApi::handles(seg)) return MapApi(*m_state).route(req, seg);
  if (WelcomeApi::handles(seg)) return WelcomeApi(*m_state).route(req, seg);
  if (!seg.empty() && (seg[0] == "geocode" || seg[0] == "reverse"))
    return GeocodeApi(*m_state).route(req, seg);
  return OgcApi(*m_state, *m_state->ogc_cache, std::move(ctx)).route(req, seg);
}

}  // namespace gebieden::server
