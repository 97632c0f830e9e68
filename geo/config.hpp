#pragma once
// Configuration: plain structs, one loader, every member type-checked with a config_error that
// names the member. Loaded once at start-up and passed down; no globals, no getenv.

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace gebieden::geo {

/// Where one boundary layer comes from. `sources` are tried in order; the first that opens wins.
struct SourceConfig {
  std::vector<std::string> sources;  // paths (relative to the config file) or GDAL URLs
  std::string layer;                 // empty: the first layer
  // Our field -> candidate source field names, first present wins.
  std::map<std::string, std::vector<std::string>> fields;
  std::string
      gemeente_filter;  // keep only features whose gemeentecode equals this (if the field exists)
  bool exclude_water = true;  // skip features whose `water` field says JA / true
  bool required = true;
};

struct TeamConfig {
  std::string name;
  std::string email;
  std::string phone;
  std::string address;
  std::string website;
};

struct GebiedConfig {
  std::string id;                   // e.g. "centrum"
  std::string name;                 // e.g. "Centrum"
  std::vector<std::string> wijken;  // wijk codes, WK0080WW
  TeamConfig team;
};

struct AreaSchemeConfig {
  std::string status;  // e.g. "reconstruction, to be confirmed with Amaryllis"
  std::vector<GebiedConfig> gebieden;
};

struct ServerConfig {
  std::string host = "127.0.0.1";
  int port = 8080;
  // Worker threads of the HTTP front (one reactor reads for all of them). A request holds its
  // worker until it is answered, and a write until
  // it is committed: with more threads than cores, reads go on while writes wait for the disk,
  // and concurrent writes share one commit (the store's group commit).
  int threads = 16;
  std::string base_url;  // public URL prefix for links; empty: from the Host header
  int default_limit = 10;
  int max_limit = 10000;
  std::size_t max_request_bytes = 1 << 20;
  // The HTTP front's limits (docs/limits.md). A request's head (request line and headers) must
  // arrive within header_timeout_ms (counted from the connection's accept for its first request,
  // from the first byte for later ones) and its body within body_timeout_ms after the head,
  // else 408; a response that the client does not read for body_timeout_ms closes the
  // connection. An idle keep-alive connection is closed after keepalive_timeout_ms.
  int header_timeout_ms = 10000;
  int body_timeout_ms = 30000;
  int keepalive_timeout_ms = 60000;
  std::size_t max_header_bytes = 16384;  // the header lines together, else 431
  // The request target, else 414: large, since CQL2 filters and Esri geometries come in the
  // query string (the routes then name the parameter that is too long).
  std::size_t max_uri_bytes = 262144;
  int max_connections = 1024;       // open connections; the next gets 503
  int esri_max_record_count = 100;  // GeoServices maxRecordCount: clients page above it
  // Behind a reverse proxy: the client of a request is the last address of X-Forwarded-For
  // (the one the proxy added) instead of the connection's peer. Off: the header is ignored.
  bool trust_forwarded_for = false;
  // The reverse proxies whose forwarded headers are believed (Forwarded, X-Forwarded-For,
  // -Proto, -Host, -Prefix): addresses or CIDR blocks ("127.0.0.1", "10.0.0.0/8", "::1"). Empty:
  // none, unless trust_forwarded_for (then X-Forwarded-For from any peer, as before).
  std::vector<std::string> trusted_proxies;
  // The access log, one JSON line per request: "" off, "-" stdout, else a file (relative to
  // the configuration file; appended, reopened on reload).
  std::string access_log;
  // Who may read GET /metrics: "loopback" (the client is 127.0.0.0/8 or ::1, after forwarded
  // headers), "public", "key" (a key of the key ring, any role), "off" (404).
  std::string metrics = "loopback";
};

/// Files the server reads at start-up besides the data (`assets` in the configuration).
struct AssetsConfig {
  // The folder of the map styles (styles/{collection}.json, the Esri drawingInfo), relative to
  // the configuration file; default `../styles` (the repository's and the installed layout).
  std::string styles;
  bool styles_given = false;  // named in the configuration: then it must exist
  // The folder of the static web assets (Leaflet's `dist`), relative to the configuration file.
  // Empty: the default, found by the server (beside the binary, else the build's copy).
  std::string web;
  // The folder of the label fonts (*.ttf, *.otf, anywhere below it) for the MapLibre glyphs
  // (/styles/fonts/{fontstack}/{range}.pbf), relative to the configuration file; default
  // /usr/share/fonts (Debian's fonts-noto-core, fonts-dejavu-core). Named: it must be a folder.
  std::string fonts = "/usr/share/fonts";
};

/// The map app (/map, `map` in the configuration; docs/map-app.md).
struct MapConfig {
  /// The base map beneath our layers: a tile URL template with {z}, {x} and {y} (https://, or
  /// http:// for a local tile server). Empty `url`: none (our layers on a plain background).
  /// Production: PDOK's BRT-Achtergrondkaart (raster, 256 px, zoom 0-19).
  struct Basemap {
    std::string url;
    std::string type = "raster";  // "raster" (PNG/JPEG tiles): the only kind yet
    std::string attribution;      // shown in the map's corner; required with a url
    int tile_size = 256;          // raster tiles: 256 or 512
    int max_zoom = 19;            // the highest zoom the tile server has (0-24)
  } basemap;
};

struct CheckConfig {
  double gap_tolerance_m2 = 1.0;
  double overlap_tolerance_m2 = 1.0;
};

/// A collection served from a file through GDAL (all its fields), or a view of the social store.
struct LayerConfig {
  std::string id;
  std::string title;
  std::string description;
  SourceConfig source;                      // for file layers; unused for store views
  std::string id_field;                     // feature id column (default: the FID)
  std::vector<std::string> soort;           // store views: the values of the store's `soort` field
  std::string start_field, end_field;       // temporal extent (RFC 3339 dates)
  std::vector<std::string> private_fields;  // file layers: never in any public response
};

/// The social base: one store of organisations, initiatives, activities..., placed by the
/// geocoder, served as collections that filter on `soort`.
struct StoreConfig {
  bool enabled = false;
  SourceConfig source;  // the seed: a file read through GDAL (all columns) when `path` is new
  // The writable GeoPackage that holds the store (relative to the config file). Created and
  // seeded from `source` when it does not exist; read from at start-up when it does.
  std::string path = "var/store.gpkg";
  // Several instances share one store in PostgreSQL + PostGIS: a libpq connection string
  // ("host=... port=... dbname=... user=...", a "PG:" prefix is accepted). When set, the store
  // lives in that database (tables `store` and `history`) and `path` is not used. The
  // environment variable named by database_env, when set and not empty, overrides it (read by
  // the command line).
  std::string database;
  std::string database_env = "GEBIEDEN_STORE_DATABASE";
  // How often an instance looks for the writes of other instances on the same store (ms).
  int sync_interval_ms = 200;
  // The environment variable holding the write tokens (comma-separated). Read by the
  // command line (never deep in the code); unset or empty: writes are disabled.
  std::string write_token_env = "GEBIEDEN_WRITE_TOKEN";
  std::string id_field = "id";
  std::string soort_field = "soort";
  std::vector<std::string> private_fields;  // never in any public response
  std::vector<LayerConfig> collections;
  // The typed schema of the store (data/schema.json: fields and their types, categorieen, the
  // status workflow of initiatives), resolved against the config file; empty: every column as
  // the source has it (the seed's columns, all text from a CSV).
  std::string schema;
  // Submissions by residents (POST /submissions, no key): into `collection` with the workflow's
  // initial status, at most `per_client_per_hour` per client address and `max_pending` waiting
  // in all (then 429/503, never a full disk). Empty collection: no submissions.
  struct Submissions {
    std::string collection;
    int per_client_per_hour = 5;
    int max_pending = 1000;
  } submissions;
};

/// Who may do more than read the public layers (`access` in the configuration): the key file of
/// `gebieden keys` (server/access.hpp). It holds only SHA-256 hashes of the keys.
struct AccessConfig {
  // Relative to the config file, like store.path; created by `gebieden keys add`.
  std::string keys_file = "var/keys.json";
};

struct Config {
  std::filesystem::path file;  // the config file (paths are relative to its folder)
  std::string gemeentecode = "GM0080";
  std::string gemeentenaam = "Leeuwarden";
  SourceConfig buurten;
  SourceConfig wijken;    // names of wijken (geometry is dissolved from the buurten)
  SourceConfig gemeente;  // the outline
  // The BAG address register (PDOK verblijfsobject GeoPackage, or CSV with x, y). Our field names:
  // straat, huisnummer, huisletter, toevoeging, postcode, woonplaats, identificatie.
  SourceConfig addresses;
  std::string place_aliases;  // CSV of Frisian/Dutch place names (relative to the config file)
  AreaSchemeConfig scheme;
  StoreConfig store;
  AccessConfig access;
  std::vector<LayerConfig> layers;  // extra file collections
  ServerConfig server;
  AssetsConfig assets;
  MapConfig map;
  CheckConfig check;

  /// Resolve a source entry: a URL or GDAL connection string stays as is, a path is made
  /// relative to the config file's folder.
  std::string resolve(const std::string& source) const;
};

/// Parse and type-check. Throws config_error naming the member.
Config load_config(const std::filesystem::path& file);
Config parse_config(const nlohmann::json& j, const std::filesystem::path& file);
AreaSchemeConfig parse_scheme(const nlohmann::json& j, const std::string& where);

}  // namespace gebieden::geo
