#include "geo/config.hpp"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "util/error.hpp"

namespace gebieden::geo {

namespace {
using json = nlohmann::json;

std::string join(const std::string& where, const std::string& member) {
  return where.empty() ? member : where + "." + member;
}

const char* type_name(const json& v) {
  return v.type_name();
}

/// Members of `obj` must be among `known`: a typo in a config is an error, not silence.
void only_members(const json& obj, const std::string& where,
                  std::initializer_list<const char*> known) {
  std::set<std::string> k(known.begin(), known.end());
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (!k.count(it.key())) throw config_error(join(where, it.key()), "unknown member");
  }
}

const json& object_at(const json& parent, const std::string& where, const char* member) {
  const std::string path = join(where, member);
  if (!parent.contains(member)) throw config_error(path, "missing (an object is required)");
  const json& v = parent.at(member);
  if (!v.is_object())
    throw config_error(path, std::string("must be an object, not ") + type_name(v));
  return v;
}

void get_string(const json& parent, const std::string& where, const char* member,
                std::string& out) {
  if (!parent.contains(member) || parent.at(member).is_null()) return;
  const json& v = parent.at(member);
  if (!v.is_string())
    throw config_error(join(where, member), std::string("must be a string, not ") + type_name(v));
  out = v.get<std::string>();
}

void get_bool(const json& parent, const std::string& where, const char* member, bool& out) {
  if (!parent.contains(member)) return;
  const json& v = parent.at(member);
  if (!v.is_boolean())
    throw config_error(join(where, member),
                       std::string("must be true or false, not ") + type_name(v));
  out = v.get<bool>();
}

template <typename T>
void get_number(const json& parent, const std::string& where, const char* member, T& out,
                double min, double max) {
  if (!parent.contains(member)) return;
  const json& v = parent.at(member);
  const std::string path = join(where, member);
  if constexpr (std::is_integral_v<T>) {
    if (!v.is_number_integer())
      throw config_error(path, std::string("must be an integer, not ") + type_name(v));
  } else {
    if (!v.is_number())
      throw config_error(path, std::string("must be a number, not ") + type_name(v));
  }
  const double d = v.get<double>();
  if (d < min || d > max)
    throw config_error(path, "must be between " + std::to_string(static_cast<long long>(min)) +
                                 " and " + std::to_string(static_cast<long long>(max)));
  out = v.get<T>();
}

std::vector<std::string> string_list(const json& v, const std::string& path) {
  std::vector<std::string> out;
  if (v.is_string()) return {v.get<std::string>()};
  if (!v.is_array())
    throw config_error(path,
                       std::string("must be a string or an array of strings, not ") + type_name(v));
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string())
      throw config_error(path + "[" + std::to_string(i) + "]",
                         std::string("must be a string, not ") + type_name(v[i]));
    out.push_back(v[i].get<std::string>());
  }
  return out;
}

SourceConfig parse_source(const json& j, const std::string& where, bool required_default) {
  SourceConfig s;
  s.required = required_default;
  if (!j.is_object())
    throw config_error(where, std::string("must be an object, not ") + type_name(j));
  only_members(
      j, where,
      {"sources", "layer", "fields", "gemeente_filter", "exclude_water", "required", "comment"});
  if (!j.contains("sources"))
    throw config_error(join(where, "sources"), "missing (a list of paths or URLs)");
  s.sources = string_list(j.at("sources"), join(where, "sources"));
  if (s.sources.empty())
    throw config_error(join(where, "sources"), "must name at least one source");
  get_string(j, where, "layer", s.layer);
  get_string(j, where, "gemeente_filter", s.gemeente_filter);
  get_bool(j, where, "exclude_water", s.exclude_water);
  get_bool(j, where, "required", s.required);
  if (j.contains("fields")) {
    const json& f = j.at("fields");
    const std::string fw = join(where, "fields");
    if (!f.is_object())
      throw config_error(fw, std::string("must be an object, not ") + type_name(f));
    for (auto it = f.begin(); it != f.end(); ++it)
      s.fields[it.key()] = string_list(it.value(), join(fw, it.key()));
  }
  return s;
}
}  // namespace

AreaSchemeConfig parse_scheme(const json& j, const std::string& where) {
  AreaSchemeConfig scheme;
  if (!j.is_object())
    throw config_error(where, std::string("must be an object, not ") + type_name(j));
  only_members(j, where, {"status", "gebieden", "comment", "source"});
  get_string(j, where, "status", scheme.status);
  const std::string gw = join(where, "gebieden");
  if (!j.contains("gebieden")) throw config_error(gw, "missing (an array of gebieden)");
  const json& arr = j.at("gebieden");
  if (!arr.is_array() || arr.empty()) throw config_error(gw, "must be a non-empty array");
  std::set<std::string> ids;
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const std::string w = gw + "[" + std::to_string(i) + "]";
    const json& g = arr[i];
    if (!g.is_object())
      throw config_error(w, std::string("must be an object, not ") + type_name(g));
    only_members(g, w, {"id", "name", "wijken", "team", "comment"});
    GebiedConfig gc;
    get_string(g, w, "id", gc.id);
    get_string(g, w, "name", gc.name);
    if (gc.id.empty()) throw config_error(join(w, "id"), "missing or empty");
    if (!ids.insert(gc.id).second)
      throw config_error(join(w, "id"), "duplicate id '" + gc.id + "'");
    if (gc.name.empty()) gc.name = gc.id;
    if (!g.contains("wijken"))
      throw config_error(join(w, "wijken"), "missing (an array of wijk codes)");
    gc.wijken = string_list(g.at("wijken"), join(w, "wijken"));
    if (g.contains("team")) {
      const json& t = g.at("team");
      const std::string tw = join(w, "team");
      if (!t.is_object())
        throw config_error(tw, std::string("must be an object, not ") + type_name(t));
      only_members(t, tw, {"name", "email", "phone", "address", "website"});
      get_string(t, tw, "name", gc.team.name);
      get_string(t, tw, "email", gc.team.email);
      get_string(t, tw, "phone", gc.team.phone);
      get_string(t, tw, "address", gc.team.address);
      get_string(t, tw, "website", gc.team.website);
    }
    scheme.gebieden.push_back(std::move(gc));
  }
  return scheme;
}

Config parse_config(const json& j, const std::filesystem::path& file) {
  Config c;
  c.file = file;
  if (!j.is_object()) throw config_error("", "the configuration must be a JSON object");
  only_members(j, "",
               {"gemeente", "boundaries", "addresses", "place_aliases", "scheme", "store", "access",
                "layers", "server", "assets", "map", "check", "comment"});

  if (j.contains("gemeente")) {
    const json& g = object_at(j, "", "gemeente");
    only_members(g, "gemeente", {"code", "name"});
    get_string(g, "gemeente", "code", c.gemeentecode);
    get_string(g, "gemeente", "name", c.gemeentenaam);
  }

  const json& b = object_at(j, "", "boundaries");
  only_members(b, "boundaries", {"buurten", "wijken", "gemeente"});
  if (!b.contains("buurten")) throw config_error("boundaries.buurten", "missing");
  c.buurten = parse_source(b.at("buurten"), "boundaries.buurten", true);
  if (b.contains("wijken")) c.wijken = parse_source(b.at("wijken"), "boundaries.wijken", false);
  if (b.contains("gemeente"))
    c.gemeente = parse_source(b.at("gemeente"), "boundaries.gemeente", false);
  if (j.contains("addresses")) c.addresses = parse_source(j.at("addresses"), "addresses", false);
  get_string(j, "", "place_aliases", c.place_aliases);

  if (!j.contains("scheme"))
    throw config_error("scheme", "missing (a file name or an object with gebieden)");
  const json& s = j.at("scheme");
  if (s.is_string()) {
    const std::filesystem::path p = c.resolve(s.get<std::string>());
    std::ifstream in(p);
    if (!in) throw config_error("scheme", "cannot open '" + p.string() + "'");
    json sj;
    try {
      sj = json::parse(in);
    } catch (const json::exception& e) {  // parse_error, or out_of_range for 1e999
      throw config_error("scheme", "'" + p.string() + "' is not valid JSON: " + e.what());
    }
    c.scheme = parse_scheme(sj, "scheme(" + p.filename().string() + ")");
  } else {
    c.scheme = parse_scheme(s, "scheme");
  }

  if (j.contains("store")) {
    const json& st = object_at(j, "", "store");
    only_members(st, "store",
                 {"source", "path", "database", "database_env", "sync_interval_ms",
                  "write_token_env", "id_field", "soort_field", "private_fields", "collections",
                  "schema", "submissions", "comment"});
    c.store.enabled = true;
    if (!st.contains("source")) throw config_error("store.source", "missing");
    c.store.source = parse_source(st.at("source"), "store.source", true);
    get_string(st, "store", "path", c.store.path);
    if (c.store.path.empty()) throw config_error("store.path", "must not be empty");
    get_string(st, "store", "database", c.store.database);
    get_string(st, "store", "database_env", c.store.database_env);
    get_number(st, "store", "sync_interval_ms", c.store.sync_interval_ms, 10, 60000);
    get_string(st, "store", "write_token_env", c.store.write_token_env);
    get_string(st, "store", "id_field", c.store.id_field);
    get_string(st, "store", "soort_field", c.store.soort_field);
    if (st.contains("private_fields"))
      c.store.private_fields = string_list(st.at("private_fields"), "store.private_fields");
    get_string(st, "store", "schema", c.store.schema);
    if (!c.store.schema.empty()) c.store.schema = c.resolve(c.store.schema);
    if (st.contains("submissions")) {
      const json& sj = object_at(st, "store", "submissions");
      only_members(sj, "store.submissions",
                   {"collection", "per_client_per_hour", "max_pending", "comment"});
      get_string(sj, "store.submissions", "collection", c.store.submissions.collection);
      get_number(sj, "store.submissions", "per_client_per_hour",
                 c.store.submissions.per_client_per_hour, 1, 1e6);
      get_number(sj, "store.submissions", "max_pending", c.store.submissions.max_pending, 1, 1e9);
    }
    if (!st.contains("collections"))
      throw config_error("store.collections", "missing (an array of collections)");
    const json& arr = st.at("collections");
    if (!arr.is_array()) throw config_error("store.collections", "must be an array");
    for (std::size_t i = 0; i < arr.size(); ++i) {
      const std::string w = "store.collections[" + std::to_string(i) + "]";
      const json& lj = arr[i];
      if (!lj.is_object()) throw config_error(w, "must be an object");
      only_members(lj, w,
                   {"id", "title", "description", "soort", "start_field", "end_field", "comment"});
      LayerConfig l;
      get_string(lj, w, "id", l.id);
      if (l.id.empty()) throw config_error(join(w, "id"), "missing or empty");
      get_string(lj, w, "title", l.title);
      get_string(lj, w, "description", l.description);
      if (!lj.contains("soort"))
        throw config_error(join(w, "soort"), "missing (the soort values this collection shows)");
      l.soort = string_list(lj.at("soort"), join(w, "soort"));
      get_string(lj, w, "start_field", l.start_field);
      get_string(lj, w, "end_field", l.end_field);
      c.store.collections.push_back(std::move(l));
    }
  }
  if (j.contains("access")) {
    const json& ac = object_at(j, "", "access");
    only_members(ac, "access", {"keys_file", "comment"});
    get_string(ac, "access", "keys_file", c.access.keys_file);
    if (c.access.keys_file.empty()) throw config_error("access.keys_file", "must not be empty");
  }
  if (j.contains("layers")) {
    const json& arr = j.at("layers");
    if (!arr.is_array())
      throw config_error("layers", std::string("must be an array, not ") + type_name(arr));
    for (std::size_t i = 0; i < arr.size(); ++i) {
      const std::string w = "layers[" + std::to_string(i) + "]";
      const json& lj = arr[i];
      if (!lj.is_object()) throw config_error(w, "must be an object");
      only_members(lj, w,
                   {"id", "title", "description", "source", "id_field", "private_fields",
                    "start_field", "end_field", "comment"});
      LayerConfig l;
      get_string(lj, w, "id", l.id);
      if (l.id.empty()) throw config_error(join(w, "id"), "missing or empty");
      get_string(lj, w, "title", l.title);
      get_string(lj, w, "description", l.description);
      if (!lj.contains("source")) throw config_error(join(w, "source"), "missing");
      l.source = parse_source(lj.at("source"), join(w, "source"), true);
      get_string(lj, w, "id_field", l.id_field);
      if (lj.contains("private_fields"))
        l.private_fields = string_list(lj.at("private_fields"), join(w, "private_fields"));
      get_string(lj, w, "start_field", l.start_field);
      get_string(lj, w, "end_field", l.end_field);
      c.layers.push_back(std::move(l));
    }
  }
  {
    std::set<std::string> ids = {"buurten", "wijken", "gebieden", "gemeente"};
    for (const auto& l : c.store.collections)
      if (!ids.insert(l.id).second)
        throw config_error("store.collections", "duplicate collection id '" + l.id + "'");
    for (const auto& l : c.layers)
      if (!ids.insert(l.id).second)
        throw config_error("layers", "duplicate collection id '" + l.id + "'");
  }
  if (j.contains("server")) {
    const json& sv = object_at(j, "", "server");
    only_members(
        sv, "server",
        {"host", "port", "threads", "base_url", "default_limit", "max_limit", "max_request_bytes",
         "esri_max_record_count", "trust_forwarded_for", "trusted_proxies", "access_log", "metrics",
         "header_timeout_ms", "body_timeout_ms", "keepalive_timeout_ms", "max_header_bytes",
         "max_uri_bytes", "max_connections"});
    get_string(sv, "server", "host", c.server.host);
    get_number(sv, "server", "port", c.server.port, 0, 65535);
    get_number(sv, "server", "threads", c.server.threads, 1, 256);
    get_string(sv, "server", "base_url", c.server.base_url);
    get_bool(sv, "server", "trust_forwarded_for", c.server.trust_forwarded_for);
    if (sv.contains("trusted_proxies"))
      c.server.trusted_proxies = string_list(sv.at("trusted_proxies"), "server.trusted_proxies");
    get_string(sv, "server", "access_log", c.server.access_log);
    if (!c.server.access_log.empty() && c.server.access_log != "-")
      c.server.access_log = c.resolve(c.server.access_log);
    get_string(sv, "server", "metrics", c.server.metrics);
    if (c.server.metrics != "loopback" && c.server.metrics != "public" &&
        c.server.metrics != "key" && c.server.metrics != "off")
      throw config_error("server.metrics", "must be \"loopback\", \"public\", \"key\" or \"off\"");
    get_number(sv, "server", "default_limit", c.server.default_limit, 1, 1e6);
    get_number(sv, "server", "max_limit", c.server.max_limit, 1, 1e6);
    get_number(sv, "server", "max_request_bytes", c.server.max_request_bytes, 1024, 1e9);
    get_number(sv, "server", "esri_max_record_count", c.server.esri_max_record_count, 1, 1e5);
    get_number(sv, "server", "header_timeout_ms", c.server.header_timeout_ms, 100, 3.6e6);
    get_number(sv, "server", "body_timeout_ms", c.server.body_timeout_ms, 100, 3.6e6);
    get_number(sv, "server", "keepalive_timeout_ms", c.server.keepalive_timeout_ms, 100, 3.6e6);
    get_number(sv, "server", "max_header_bytes", c.server.max_header_bytes, 1024, 1 << 20);
    get_number(sv, "server", "max_uri_bytes", c.server.max_uri_bytes, 256, 1 << 24);
    get_number(sv, "server", "max_connections", c.server.max_connections, 1, 100000);
    if (c.server.default_limit > c.server.max_limit)
      throw config_error("server.default_limit", "must not exceed server.max_limit");
    while (!c.server.base_url.empty() && c.server.base_url.back() == '/')
      c.server.base_url.pop_back();
  }
  c.assets.styles = c.resolve("../styles");
  if (j.contains("assets")) {
    const json& as = object_at(j, "", "assets");
    only_members(as, "assets", {"styles", "web", "fonts", "comment"});
    std::string styles;
    get_string(as, "assets", "styles", styles);
    if (as.contains("styles") && styles.empty())
      throw config_error("assets.styles", "must not be empty (leave it out for the default)");
    if (!styles.empty()) {
      c.assets.styles = c.resolve(styles);
      c.assets.styles_given = true;
    }
    get_string(as, "assets", "web", c.assets.web);
    if (as.contains("web") && c.assets.web.empty())
      throw config_error("assets.web", "must not be empty (leave it out for the default)");
    if (!c.assets.web.empty()) c.assets.web = c.resolve(c.assets.web);
    if (as.contains("fonts")) {
      std::string fonts;
      get_string(as, "assets", "fonts", fonts);
      if (fonts.empty())
        throw config_error("assets.fonts", "must not be empty (leave it out for the default)");
      c.assets.fonts = c.resolve(fonts);
      std::error_code ec;
      if (!std::filesystem::is_directory(c.assets.fonts, ec))
        throw config_error("assets.fonts", "'" + c.assets.fonts + "' is not a folder");
    }
  }
  if (j.contains("map")) {
    const json& mp = object_at(j, "", "map");
    only_members(mp, "map", {"basemap", "comment"});
    if (mp.contains("basemap") && !mp.at("basemap").is_null()) {
      const json& bm = object_at(mp, "map", "basemap");
      only_members(bm, "map.basemap",
                   {"url", "type", "attribution", "tile_size", "max_zoom", "comment"});
      MapConfig::Basemap& b = c.map.basemap;
      get_string(bm, "map.basemap", "url", b.url);
      get_string(bm, "map.basemap", "type", b.type);
      get_string(bm, "map.basemap", "attribution", b.attribution);
      get_number(bm, "map.basemap", "tile_size", b.tile_size, 256, 512);
      get_number(bm, "map.basemap", "max_zoom", b.max_zoom, 0, 24);
      if (b.type != "raster")
        throw config_error("map.basemap.type", "must be \"raster\" (the only kind yet), not '" +
                                                   b.type.substr(0, 40) + "'");
      if (b.tile_size != 256 && b.tile_size != 512)
        throw config_error("map.basemap.tile_size", "must be 256 or 512");
      if (!b.url.empty()) {
        if (b.url.rfind("https://", 0) != 0 && b.url.rfind("http://", 0) != 0)
          throw config_error("map.basemap.url", "must start with https:// (or http://)");
        for (char ch : b.url)
          if (static_cast<unsigned char>(ch) <= ' ' || ch == '"' || ch == '<' || ch == '>' ||
              ch == '\\')
            throw config_error("map.basemap.url", "must not contain spaces, quotes, < > or \\");
        if (b.url.find("{z}") == std::string::npos || b.url.find("{x}") == std::string::npos ||
            b.url.find("{y}") == std::string::npos)
          throw config_error("map.basemap.url", "a raster base map needs {z}, {x} and {y}");
        if (b.attribution.empty())
          throw config_error("map.basemap.attribution",
                             "is required with a url (the tile provider's terms)");
      }
    }
  }
  if (j.contains("check")) {
    const json& ck = object_at(j, "", "check");
    only_members(ck, "check", {"gap_tolerance_m2", "overlap_tolerance_m2", "comment"});
    get_number(ck, "check", "gap_tolerance_m2", c.check.gap_tolerance_m2, 0, 1e12);
    get_number(ck, "check", "overlap_tolerance_m2", c.check.overlap_tolerance_m2, 0, 1e12);
  }
  return c;
}

Config load_config(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw config_error("", "cannot open the configuration file '" + file.string() + "'");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for 1e999
    throw config_error("", "'" + file.string() + "' is not valid JSON: " + e.what());
  }
  return parse_config(j, std::filesystem::absolute(file));
}

std::string Config::resolve(const std::string& source) const {
  if (source.find("://") != std::string::npos || source.rfind("OAPIF:", 0) == 0 ||
      source.rfind("PG:", 0) == 0 || source.rfind("/vsi", 0) == 0 || source.rfind("WFS:", 0) == 0)
    return source;
  std::filesystem::path p(source);
  if (p.is_absolute() || file.empty()) return p.lexically_normal().string();
  return (file.parent_path() / p).lexically_normal().string();
}

}  // namespace gebieden::geo
