#pragma once
// The service: everything a request needs, immutable after start-up (collections swap
// atomically inside the catalogue), and the routing of our Request to the API handlers.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "geo/area_model.hpp"
#include "geo/config.hpp"
#include "geo/crs.hpp"
#include "geo/geocoder.hpp"
#include "layers/collection.hpp"
#include "layers/feature_store.hpp"
#include "layers/glyphs.hpp"
#include "layers/nearby.hpp"
#include "layers/style.hpp"
#include "server/access.hpp"
#include "server/access_log.hpp"
#include "server/health.hpp"
#include "server/http_types.hpp"
#include "server/metrics.hpp"
#include "server/rate_limit.hpp"
#include "util/error.hpp"

namespace gebieden::server {

class OgcCache;

struct ServiceState {
  geo::Config config;
  std::shared_ptr<const geo::AreaModel> model;
  std::shared_ptr<const geo::Geocoder> geocoder;  // null when no address register is found
  std::vector<std::string> messages;              // what loading said (sources, unplaced records)
  std::shared_ptr<OgcCache> ogc_cache;            // encoded features and pages, per snapshot
  layers::Catalogue catalogue;  // the public view: private fields private, hidden records absent
  layers::Catalogue full;       // the same collections with every field and record (reader keys)
  geo::TransformerCache transformers;
  std::shared_ptr<layers::FeatureStore> store;  // the writable social base (null: no store)
  // Proximity indexes of the collections, per snapshot (for /nearby and /locate).
  std::shared_ptr<layers::NearbyIndex> nearby = std::make_shared<layers::NearbyIndex>();
  // Accepted submissions per client address in the last hour (POST /submissions).
  std::shared_ptr<RateLimiter> submission_limits = std::make_shared<RateLimiter>();
  // The keys beyond public reading (the key file, and the editor tokens of the environment
  // variable named by store.write_token_env; set by the command line). Null or empty: writes
  // are disabled and nobody sees private fields. Never logged.
  std::shared_ptr<const KeyRing> keys;
  // The map styles, read once at start-up from config.assets.styles: file name without
  // `.json` -> the Esri drawingInfo as JSON text (renderer, transparency, labelingInfo).
  std::map<std::string, std::string, std::less<>> styles;
  // The one style definition ({assets.styles}/style.json; null without one): the source of the
  // generated drawingInfo above, of /styles and of the collections' styles.
  std::shared_ptr<const layers::style::StyleSheet> style_sheet;
  // The label glyphs of the MapLibre styles (fonts from config.assets.fonts) and their cache.
  std::shared_ptr<layers::glyphs::GlyphServer> glyphs;
  // Operations (docs/operations.md): when this snapshot was loaded (the snapshot age of
  // /metrics), the counters of /metrics (keep the old state's on a reload), the access log
  // (null: off; opened anew on a reload), and the readiness probe of /health/ready.
  std::chrono::system_clock::time_point loaded_at = std::chrono::system_clock::now();
  std::shared_ptr<Metrics> metrics = std::make_shared<Metrics>();
  std::shared_ptr<const AccessLog> access_log;
  std::shared_ptr<HealthProbe> health = std::make_shared<HealthProbe>();
};

/// Who asks: the principal of a valid key, or nobody (the public).
struct Viewer {
  std::optional<Principal> principal;
  bool can(Role r) const { return principal && principal->can(r); }
};

/// What a request reads and who asks, fixed when it arrives: the catalogue view is the full one
/// for a key that may read private fields, else the public one; a write's effects are seen whole.
struct RequestContext {
  Viewer viewer;
  layers::CatalogueView catalogue;
  bool invalid_key = false;  // GeoServices: a key was presented and is not valid (498)
  /// The public view and nobody.
  static RequestContext public_of(const ServiceState& state) {
    return RequestContext{{}, state.catalogue.view()};
  }
};

/// Writes in flight against a reload (server/reload.hpp): every write request holds it shared
/// while it runs; a reload holds it exclusively while it takes the store's snapshot into the
/// new state and swaps it in, so that no acknowledged write is published only into the old
/// state. Writer-preferring: once a reload waits, new writes wait behind it (never starved).
class WriteHold {
 public:
  void lock_shared();
  void unlock_shared();
  void lock();
  void unlock();

 private:
  std::mutex m_mutex;
  std::condition_variable m_cv;
  int m_writes = 0;
  bool m_exclusive = false;
  int m_waiting = 0;  // reloads waiting for the writes in flight
};

class Service {
 public:
  explicit Service(std::shared_ptr<ServiceState> state);

  /// Route and answer; never throws: every failure becomes a JSON error response. The body
  /// is always in `Response::body`.
  Response handle(const Request& req) const;
  /// The same, but a cached body may come as `Response::shared_body` (not copied): for the
  /// HTTP front, which sends `payload()`.
  Response respond(const Request& req) const;

  /// Count `r` in the metrics and write its access log line: respond() does it for every
  /// answer it makes; the HTTP front calls it for the answers it makes itself (a header above
  /// the limit, a timeout), with what it knows of the request (method, path, client).
  void record(const Request& req, const Response& r,
              std::chrono::steady_clock::time_point started) const;

  /// The state being served now (a request keeps the one it started with to its end).
  std::shared_ptr<ServiceState> current() const;
  /// The state being served now. For tests and start-up: a reload may replace it (use
  /// current() to keep it alive).
  const ServiceState& state() const { return *current(); }
  /// Serve `next` from now on (an atomic swap; requests in flight finish on the old state).
  /// The caller holds write_hold() when `next` shares the store of the current state.
  void replace(std::shared_ptr<ServiceState> next) const;
  WriteHold& write_hold() const { return m_shared->writes; }

 private:
  struct Shared {
    explicit Shared(std::shared_ptr<ServiceState> s) : current(std::move(s)) {}
    std::atomic<std::shared_ptr<ServiceState>> current;
    WriteHold writes;
  };
  /// A service bound to one state (one request's), sharing the slot of the one it came from.
  Service(std::shared_ptr<ServiceState> state, std::shared_ptr<Shared> shared);
  Response respond_bound(const Request& req) const;
  void record_bound(const Request& req, const Response& r,
                    std::chrono::steady_clock::time_point started) const;
  Response route(const Request& req) const;
  Response answer(const Request& req) const;  // respond() without the access log and metrics
  Response metrics(const Request& req, const RequestContext& ctx) const;
  /// Who asks and what they read. Throws input_error (Unauthorized) for a key that is not
  /// valid or a malformed Authorization header, except under /arcgis (`esri`), where the
  /// GeoServices front answers with its own envelope.
  RequestContext context(const Request& req, bool esri) const;
  std::shared_ptr<ServiceState> m_state;  // the bound state
  std::shared_ptr<Shared> m_shared;
};

/// Load the configuration's data into a ready state (boundaries, collections, styles). An
/// empty config.assets.web becomes default_web_dir(). load_data, open_store and assemble in
/// one go.
std::shared_ptr<ServiceState> load_state(const geo::Config& config);

/// The style definition `style.json` of `folder`, null when there is none (a config_error when
/// it does not parse, naming the file and the member).
std::shared_ptr<const layers::style::StyleSheet> load_style_sheet(
    const std::filesystem::path& folder);

/// The first step of load_state: the configuration, styles, access log, boundaries, address
/// register and geocoder; no store, no collections yet. Throws config_error naming the file of
/// any source that is missing (when required) or cannot be read.
std::shared_ptr<ServiceState> load_data(const geo::Config& config);

/// The second step: open the store (config.store.enabled), or take over `keep` (a reload with
/// the same store path: the same file is never opened twice). A store that is read-only or
/// locked by another process is a config_error naming it.
void open_store(ServiceState& state, std::shared_ptr<layers::FeatureStore> keep = nullptr);

/// The last step: the catalogues (boundaries, the store's collections, file layers) and the
/// store publishing its writes into them. With a store shared with a running state, call it
/// under that service's write_hold().
void assemble(ServiceState& state);

/// The keys of `state` (its key file and the editor tokens of the environment variable named by
/// store.write_token_env), read anew; returns the line saying whether writes are enabled.
std::string load_keys(ServiceState& state);

/// The drawingInfo of every layer the definition `style.json` styles (by collection id; "*":
/// the point collections without their own entry), and every other `*.json` of `folder` as a
/// drawingInfo of the collection it is named after, taking the place of the generated one (a bare
/// renderer is wrapped; transparency and labelingInfo get their defaults). A file that is not a
/// JSON object with a renderer is a config_error (assets.styles) naming it. A folder that does not
/// exist is a config_error when `required`, else no styles (every layer gets a generated renderer)
/// and a line in `messages`.
std::map<std::string, std::string, std::less<>> load_styles(const std::filesystem::path& folder,
                                                            bool required,
                                                            std::vector<std::string>& messages);

/// The default folder of the static web assets: `../share/gebieden/web` beside the running
/// binary when it exists (an installed copy, wherever it was moved), else the build's copy of
/// Leaflet's `dist` (known when CMake configured the build).
std::string default_web_dir();

/// The base of every link: `server.base_url` (without a trailing '/') when configured; else,
/// from a trusted proxy (server.trusted_proxies), the scheme, host and prefix it forwarded
/// (Forwarded, X-Forwarded-Proto/-Host/-Prefix; what it did not say as below); else http://
/// and the request's Host when it looks like a host[:port], else the configured host:port.
std::string base_url(const ServiceState& state, const Request& req);

/// The answer to a CORS preflight / OPTIONS request for a route that allows `allow`.
Response options_response(const std::string& allow);

/// The JSON error response for an error code (the one place errors are rendered).
Response error_response(gebieden::ErrorCode code, const std::string& description,
                        const std::string& parameter = {});

}  // namespace gebieden::server
