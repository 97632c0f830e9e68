#include "server/metrics.hpp"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "server/service.hpp"
#include "util/ascii.hpp"

namespace gebieden::server {

namespace {

constexpr std::array<std::string_view, Metrics::kMethods> kMethodNames = {
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER"};

// The status codes the services send (the error registry's and the routes'); any other code
// is counted in its class.
constexpr std::array<int, 30> kCodes = {200, 201, 202, 204, 206, 301, 302, 303, 304, 307,
                                        308, 400, 401, 403, 404, 405, 406, 408, 409, 412,
                                        413, 414, 415, 422, 429, 431, 500, 501, 503, 507};
static_assert(kCodes.size() + 5 == Metrics::kStatuses);

constexpr std::array<std::string_view, Metrics::kOps> kOpNames = {"create", "replace", "update",
                                                                  "delete"};
constexpr std::array<std::string_view, Metrics::kOutcomes> kOutcomeNames = {
    "created", "replaced",    "deleted", "not_found", "conflict", "precondition_failed",
    "invalid", "rolled_back", "error"};
constexpr std::array<std::string_view, Metrics::kGeocodeKinds> kGeocodeKindNames = {
    "geocode", "batch", "reverse", "write"};
constexpr std::array<geo::GeocodeStatus, Metrics::kGeocodeStatuses> kGeocodeStatusList = {
    geo::GeocodeStatus::Address, geo::GeocodeStatus::Fuzzy, geo::GeocodeStatus::Coordinates,
    geo::GeocodeStatus::Unmatched, geo::GeocodeStatus::Outside};

std::size_t method_index(std::string_view m) {
  for (std::size_t i = 0; i + 1 < kMethodNames.size(); ++i)
    if (kMethodNames[i] == m) return i;
  return kMethodNames.size() - 1;
}

std::size_t status_index(int status) {
  for (std::size_t i = 0; i < kCodes.size(); ++i)
    if (kCodes[i] == status) return i;
  const int cls = std::clamp(status / 100, 1, 5);
  return kCodes.size() + static_cast<std::size_t>(cls - 1);
}

std::string status_label(std::size_t i) {
  if (i < kCodes.size()) return std::to_string(kCodes[i]);
  return std::to_string(i - kCodes.size() + 1) + "xx";
}

std::size_t op_index(layers::WriteOp op) {
  switch (op) {
    case layers::WriteOp::Create:
      return 0;
    case layers::WriteOp::Replace:
      return 1;
    case layers::WriteOp::Patch:
      return 2;
    case layers::WriteOp::Delete:
      return 3;
  }
  return 0;
}

std::size_t outcome_index(layers::WriteOutcome o) {
  switch (o) {
    case layers::WriteOutcome::Created:
      return 0;
    case layers::WriteOutcome::Replaced:
      return 1;
    case layers::WriteOutcome::Deleted:
      return 2;
    case layers::WriteOutcome::NotFound:
      return 3;
    case layers::WriteOutcome::Conflict:
      return 4;
    case layers::WriteOutcome::PreconditionFailed:
      return 5;
    case layers::WriteOutcome::Invalid:
      return 6;
    case layers::WriteOutcome::RolledBack:
      return 7;
  }
  return 8;
}

std::size_t geocode_status_index(geo::GeocodeStatus s) {
  for (std::size_t i = 0; i < kGeocodeStatusList.size(); ++i)
    if (kGeocodeStatusList[i] == s) return i;
  return 0;
}

/// A sample value: integers as integers, others with enough digits to read back.
std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  return buf;
}

/// A label value in the exposition format: backslash, double quote and line feed escaped.
std::string label_value(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out.push_back(c);
  }
  return out;
}

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += "# HELP ";
  out += name;
  out.push_back(' ');
  out += help;
  out += "\n# TYPE ";
  out += name;
  out.push_back(' ');
  out += type;
  out.push_back('\n');
}

void sample(std::string& out, std::string_view name, const std::string& labels, double value) {
  out += name;
  if (!labels.empty()) {
    out.push_back('{');
    out += labels;
    out.push_back('}');
  }
  out.push_back(' ');
  out += number(value);
  out.push_back('\n');
}

/// Resident memory of this process in bytes (0 when /proc cannot be read).
double resident_bytes() {
  std::ifstream in("/proc/self/statm");
  long long pages_total = 0, pages_resident = 0;
  if (!(in >> pages_total >> pages_resident)) return 0;
  return static_cast<double>(pages_resident) * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

/// Open file descriptors of this process (-1 when /proc cannot be read).
double open_fds() {
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir("/proc/self/fd"), &::closedir);
  if (!dir) return -1;
  long n = 0;
  while (const dirent* e = ::readdir(dir.get()))
    if (e->d_name[0] != '.') ++n;
  return static_cast<double>(n - 1);  // less the one opendir holds
}

double max_fds() {
  const long n = ::sysconf(_SC_OPEN_MAX);
  return n > 0 ? static_cast<double>(n) : -1;
}

double seconds_since_epoch(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

}  // namespace

std::string_view source_name(Source s) {
  switch (s) {
    case Source::Ogc:
      return "ogc";
    case Source::Arcgis:
      return "arcgis";
    case Source::Submission:
      return "submission";
  }
  return "ogc";
}

const std::vector<std::string_view>& route_templates() {
  static const std::vector<std::string_view> all = {
      "/",
      "/static/{file}",
      "/health",
      "/health/live",
      "/health/ready",
      "/metrics",
      "/conformance",
      "/api",
      "/api.html",
      "/collections",
      "/collections/{collectionId}",
      "/collections/{collectionId}/queryables",
      "/collections/{collectionId}/items",
      "/collections/{collectionId}/items/{featureId}",
      "/collections/{collectionId}/items/{featureId}/history",
      "/history",
      "/submissions",
      "/geocode",
      "/reverse",
      "/nearby",
      "/locate",
      "/{level}/{code}/overzicht",
      "/welkom",
      "/map",
      "/map/{file}",
      "/styles",
      "/styles/{styleId}",
      "/styles/{styleId}/metadata",
      "/styles/fonts/{fontstack}/{range}",
      "/collections/{collectionId}/styles",
      "/collections/{collectionId}/styles/{styleId}",
      "/arcgis/rest/info",
      "/arcgis/rest/services",
      "/arcgis/rest/services/{service}/FeatureServer",
      "/arcgis/rest/services/{service}/FeatureServer/layers",
      "/arcgis/rest/services/{service}/FeatureServer/applyEdits",
      "/arcgis/rest/services/{service}/FeatureServer/{layerId}",
      "/arcgis/rest/services/{service}/FeatureServer/{layerId}/query",
      "/arcgis/rest/services/{service}/FeatureServer/{layerId}/applyEdits",
      "/arcgis/rest/services/{service}/FeatureServer/{layerId}/addFeatures",
      "/arcgis/rest/services/{service}/FeatureServer/{layerId}/updateFeatures",
      "/arcgis/rest/services/{service}/FeatureServer/{layerId}/deleteFeatures",
      "/arcgis/rest/services/{service}/FeatureServer/{layerId}/{objectId}",
      "other",
  };
  return all;
}

std::string_view route_template(const std::vector<std::string>& seg) {
  const auto n = seg.size();
  auto is = [&](std::size_t i, std::string_view s) { return n > i && seg[i] == s; };
  auto iis = [&](std::size_t i, std::string_view s) {
    return n > i && util::ascii_iequals(seg[i], s);
  };
  if (n == 0) return "/";
  if (is(0, "static")) return n >= 2 ? "/static/{file}" : "other";
  if (is(0, "health")) {
    if (n == 1) return "/health";
    if (n == 2 && is(1, "live")) return "/health/live";
    if (n == 2 && is(1, "ready")) return "/health/ready";
    return "other";
  }
  if (n == 1) {
    for (std::string_view r : {"/metrics", "/conformance", "/api", "/api.html", "/collections",
                               "/history", "/submissions", "/geocode", "/reverse", "/nearby",
                               "/locate", "/welkom", "/map", "/styles"})
      if (seg[0] == r.substr(1)) return r;
    return "other";
  }
  if (is(0, "map")) return "/map/{file}";
  if (is(0, "styles")) {
    if (n == 2) return "/styles/{styleId}";
    if (n == 3 && is(2, "metadata")) return "/styles/{styleId}/metadata";
    if (n == 4 && is(1, "fonts")) return "/styles/fonts/{fontstack}/{range}";
    return "other";
  }
  if (is(0, "collections")) {
    if (n == 2) return "/collections/{collectionId}";
    if (n == 3 && is(2, "styles")) return "/collections/{collectionId}/styles";
    if (n == 4 && is(2, "styles")) return "/collections/{collectionId}/styles/{styleId}";
    if (n == 3 && is(2, "queryables")) return "/collections/{collectionId}/queryables";
    if (n == 3 && is(2, "items")) return "/collections/{collectionId}/items";
    if (n == 4 && is(2, "items")) return "/collections/{collectionId}/items/{featureId}";
    if (n == 5 && is(2, "items") && is(4, "history"))
      return "/collections/{collectionId}/items/{featureId}/history";
    return "other";
  }
  if (n == 3 && is(2, "overzicht") && (is(0, "gebieden") || is(0, "wijken") || is(0, "buurten")))
    return "/{level}/{code}/overzicht";
  if (is(0, "arcgis") && iis(1, "rest")) {
    if (n == 3 && iis(2, "info")) return "/arcgis/rest/info";
    if (!iis(2, "services")) return "other";
    if (n == 3) return "/arcgis/rest/services";
    if (!iis(4, "FeatureServer")) return "other";
    if (n == 5) return "/arcgis/rest/services/{service}/FeatureServer";
    if (n == 6 && iis(5, "layers")) return "/arcgis/rest/services/{service}/FeatureServer/layers";
    if (n == 6 && iis(5, "applyEdits"))
      return "/arcgis/rest/services/{service}/FeatureServer/applyEdits";
    if (n == 6) return "/arcgis/rest/services/{service}/FeatureServer/{layerId}";
    if (n == 7) {
      static constexpr std::pair<std::string_view, std::string_view> kLayerRoutes[] = {
          {"query", "/arcgis/rest/services/{service}/FeatureServer/{layerId}/query"},
          {"applyEdits", "/arcgis/rest/services/{service}/FeatureServer/{layerId}/applyEdits"},
          {"addFeatures", "/arcgis/rest/services/{service}/FeatureServer/{layerId}/addFeatures"},
          {"updateFeatures",
           "/arcgis/rest/services/{service}/FeatureServer/{layerId}/updateFeatures"},
          {"deleteFeatures",
           "/arcgis/rest/services/{service}/FeatureServer/{layerId}/deleteFeatures"}};
      for (const auto& [op, route] : kLayerRoutes)
        if (iis(6, op)) return route;
      return "/arcgis/rest/services/{service}/FeatureServer/{layerId}/{objectId}";
    }
  }
  return "other";
}

Metrics::Metrics()
    : m_routes(route_templates().size()),
      m_requests(m_routes * kMethods * kStatuses),
      m_latency(m_routes),
      m_started(std::chrono::system_clock::now()) {}

void Metrics::request(std::string_view route, std::string_view method, int status,
                      std::chrono::nanoseconds duration) {
  const auto& routes = route_templates();
  const auto it = std::find(routes.begin(), routes.end(), route);
  const std::size_t r = it == routes.end() ? routes.size() - 1 : std::size_t(it - routes.begin());
  m_requests[(r * kMethods + method_index(method)) * kStatuses + status_index(status)].fetch_add(
      1, std::memory_order_relaxed);
  const double s = std::chrono::duration<double>(duration).count();
  std::size_t b = 0;
  while (b < kBuckets.size() && s > kBuckets[b]) ++b;
  Histogram& h = m_latency[r];
  h.buckets[b].fetch_add(1, std::memory_order_relaxed);
  h.sum_ns.fetch_add(static_cast<std::uint64_t>(std::max<std::int64_t>(0, duration.count())),
                     std::memory_order_relaxed);
}

void Metrics::store_write(Source source, layers::WriteOp op, const layers::WriteResult& result) {
  const std::size_t i = (static_cast<std::size_t>(source) * kOps + op_index(op)) * kOutcomes +
                        outcome_index(result.outcome);
  m_writes[i].fetch_add(1, std::memory_order_relaxed);
  if (result.ok()) {
    m_last_write_ms.store(std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count(),
                          std::memory_order_relaxed);
    if (op != layers::WriteOp::Delete) geocoded("write", result.result.status);
  }
}

void Metrics::store_write_error(Source source, layers::WriteOp op) {
  const std::size_t i =
      (static_cast<std::size_t>(source) * kOps + op_index(op)) * kOutcomes + (kOutcomes - 1);
  m_writes[i].fetch_add(1, std::memory_order_relaxed);
}

void Metrics::geocoded(std::string_view kind, geo::GeocodeStatus status) {
  std::size_t k = 0;
  while (k + 1 < kGeocodeKindNames.size() && kGeocodeKindNames[k] != kind) ++k;
  m_geocoded[k * kGeocodeStatuses + geocode_status_index(status)].fetch_add(
      1, std::memory_order_relaxed);
}

std::uint64_t Metrics::requests_of(std::string_view route, int status) const {
  const auto& routes = route_templates();
  const auto it = std::find(routes.begin(), routes.end(), route);
  if (it == routes.end()) return 0;
  const std::size_t r = std::size_t(it - routes.begin());
  std::uint64_t n = 0;
  for (std::size_t m = 0; m < kMethods; ++m)
    n += m_requests[(r * kMethods + m) * kStatuses + status_index(status)].load();
  return n;
}

std::string Metrics::render(const ServiceState& state) const {
  std::string out;
  out.reserve(16384);
  const auto& routes = route_templates();

  family(out, "gebieden_http_requests_total", "counter",
         "Requests answered, by route template, method and status code.");
  for (std::size_t r = 0; r < m_routes; ++r)
    for (std::size_t m = 0; m < kMethods; ++m)
      for (std::size_t s = 0; s < kStatuses; ++s) {
        const auto v = m_requests[(r * kMethods + m) * kStatuses + s].load();
        if (v == 0) continue;
        sample(out, "gebieden_http_requests_total",
               "route=\"" + label_value(routes[r]) + "\",method=\"" + std::string(kMethodNames[m]) +
                   "\",code=\"" + status_label(s) + "\"",
               static_cast<double>(v));
      }

  family(out, "gebieden_http_request_duration_seconds", "histogram",
         "Time from the request to its response, by route template.");
  for (std::size_t r = 0; r < m_routes; ++r) {
    const Histogram& h = m_latency[r];
    std::array<std::uint64_t, kBuckets.size() + 1> counts{};
    std::uint64_t total = 0;
    for (std::size_t b = 0; b < counts.size(); ++b) total += counts[b] = h.buckets[b].load();
    if (total == 0) continue;
    const std::string route = "route=\"" + label_value(routes[r]) + "\"";
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < counts.size(); ++b) {
      cumulative += counts[b];
      const std::string le = b < kBuckets.size() ? number(kBuckets[b]) : std::string("+Inf");
      sample(out, "gebieden_http_request_duration_seconds_bucket", route + ",le=\"" + le + "\"",
             static_cast<double>(cumulative));
    }
    sample(out, "gebieden_http_request_duration_seconds_sum", route,
           static_cast<double>(h.sum_ns.load()) / 1e9);
    sample(out, "gebieden_http_request_duration_seconds_count", route, static_cast<double>(total));
  }

  family(out, "gebieden_store_writes_total", "counter",
         "Writes that reached the store, by source, operation, result (accepted or rejected) "
         "and outcome.");
  for (std::size_t src = 0; src < kSources; ++src)
    for (std::size_t o = 0; o < kOps; ++o)
      for (std::size_t k = 0; k < kOutcomes; ++k) {
        const auto v = m_writes[(src * kOps + o) * kOutcomes + k].load();
        if (v == 0) continue;
        sample(out, "gebieden_store_writes_total",
               "source=\"" + std::string(source_name(static_cast<Source>(src))) +
                   "\",operation=\"" + std::string(kOpNames[o]) + "\",result=\"" +
                   (k < 3 ? "accepted" : "rejected") + "\",outcome=\"" +
                   std::string(kOutcomeNames[k]) + "\"",
               static_cast<double>(v));
      }
  const auto last_write = m_last_write_ms.load();
  family(out, "gebieden_store_last_write_timestamp_seconds", "gauge",
         "When this instance last accepted a write (Unix time; 0: none since start).");
  sample(out, "gebieden_store_last_write_timestamp_seconds", "",
         static_cast<double>(last_write) / 1000.0);

  family(out, "gebieden_geocoder_results_total", "counter",
         "Geocoder results by kind (geocode, batch, reverse, write) and status.");
  for (std::size_t k = 0; k < kGeocodeKinds; ++k)
    for (std::size_t s = 0; s < kGeocodeStatuses; ++s) {
      const auto v = m_geocoded[k * kGeocodeStatuses + s].load();
      if (v == 0) continue;
      sample(out, "gebieden_geocoder_results_total",
             "kind=\"" + std::string(kGeocodeKindNames[k]) + "\",status=\"" +
                 std::string(geo::status_name(kGeocodeStatusList[s])) + "\"",
             static_cast<double>(v));
    }

  const auto now = std::chrono::system_clock::now();
  family(out, "gebieden_snapshot_loaded_timestamp_seconds", "gauge",
         "When the data snapshot being served (boundaries, register, layers, store) was loaded "
         "(Unix time).");
  sample(out, "gebieden_snapshot_loaded_timestamp_seconds", "",
         std::floor(seconds_since_epoch(state.loaded_at) * 1000) / 1000);
  family(out, "gebieden_snapshot_age_seconds", "gauge",
         "Seconds since the data snapshot being served was loaded.");
  sample(out, "gebieden_snapshot_age_seconds", "",
         std::max(0.0,
                  std::floor(std::chrono::duration<double>(now - state.loaded_at).count() * 1000) /
                      1000));

  family(out, "gebieden_collection_features", "gauge",
         "Features of each collection in the public view now.");
  for (const auto& c : state.catalogue.all())
    sample(out, "gebieden_collection_features", "collection=\"" + label_value(c->id) + "\"",
           static_cast<double>(c->features.size()));
  family(out, "gebieden_geocoder_loaded", "gauge",
         "1 when the address register is loaded (geocoding is on), else 0.");
  sample(out, "gebieden_geocoder_loaded", "", state.geocoder ? 1 : 0);
  if (state.store) {
    family(out, "gebieden_store_submissions_waiting", "gauge",
           "Residents' submissions waiting for an editor.");
    sample(out, "gebieden_store_submissions_waiting", "",
           static_cast<double>(state.store->waiting()));
  }

  family(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
  sample(out, "process_resident_memory_bytes", "", resident_bytes());
  family(out, "process_open_fds", "gauge", "Number of open file descriptors.");
  sample(out, "process_open_fds", "", open_fds());
  family(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.");
  sample(out, "process_max_fds", "", max_fds());
  family(out, "process_start_time_seconds", "gauge",
         "Start time of the process since the Unix epoch in seconds.");
  sample(out, "process_start_time_seconds", "",
         std::floor(seconds_since_epoch(m_started) * 1000) / 1000);
  return out;
}

layers::WriteResult counted_write(layers::FeatureStore& store, const layers::WriteRequest& request,
                                  Metrics* metrics, Source source) {
  if (!metrics) return store.write(request);
  try {
    layers::WriteResult res = store.write(request);
    metrics->store_write(source, request.op, res);
    return res;
  } catch (...) {
    metrics->store_write_error(source, request.op);
    throw;
  }
}

std::vector<layers::WriteResult> counted_write_batch(
    layers::FeatureStore& store, const std::vector<layers::WriteRequest>& requests, bool atomic,
    Metrics* metrics, Source source) {
  if (!metrics) return store.write_batch(requests, atomic);
  try {
    auto results = store.write_batch(requests, atomic);
    for (std::size_t i = 0; i < results.size() && i < requests.size(); ++i)
      metrics->store_write(source, requests[i].op, results[i]);
    return results;
  } catch (...) {
    for (const auto& r : requests) metrics->store_write_error(source, r.op);
    throw;
  }
}

}  // namespace gebieden::server
