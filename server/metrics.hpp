#pragma once
// What operators watch (issue #12, point 5): the counters behind GET /metrics, in the
// Prometheus text exposition format 0.0.4. Every label has a bounded set of values: routes are
// templates ("/collections/{collectionId}/items", never the raw path), methods and status codes
// come from fixed lists (anything else is "OTHER" or its class, "4xx"), so that no client can
// grow the series. Counters are plain atomics in fixed arrays: recording a request takes no lock.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "geo/geocoder.hpp"
#include "layers/feature_store.hpp"

namespace gebieden::server {

struct ServiceState;

/// The route template of a request path, split into decoded segments (as Service::route does):
/// one of a fixed list ("/", "/collections/{collectionId}/items", "/arcgis/rest/services/
/// {service}/FeatureServer/{layerId}/query", ...), or "other" for paths no route serves.
std::string_view route_template(const std::vector<std::string>& seg);

/// The routes route_template() can answer, "other" last.
const std::vector<std::string_view>& route_templates();

/// Where a store write or a geocode came from (a label value).
enum class Source { Ogc, Arcgis, Submission };
std::string_view source_name(Source s);

class Metrics {
 public:
  /// The upper bounds of the latency buckets, in seconds (+Inf implied).
  static constexpr std::array<double, 14> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  /// One answered request: its route (a value of route_templates()), method, status and how
  /// long it took.
  void request(std::string_view route, std::string_view method, int status,
               std::chrono::nanoseconds duration);
  /// One write that reached the store, with its outcome; an accepted create, replace or patch
  /// also counts its placement as a geocoder result of source "write".
  void store_write(Source source, layers::WriteOp op, const layers::WriteResult& result);
  /// A write the store refused by throwing (the disk, the database): outcome "error".
  void store_write_error(Source source, layers::WriteOp op);
  /// One geocoder result: `kind` is "geocode" (GET /geocode), "batch" (POST /geocode),
  /// "reverse" or "write" (placing a written record).
  void geocoded(std::string_view kind, geo::GeocodeStatus status);

  /// The whole exposition: these counters, and the gauges read now from `state` (snapshot
  /// age, collections, store) and from /proc (resident memory, open files).
  std::string render(const ServiceState& state) const;

  /// The counters of one series, for tests: requests of a route with a status.
  std::uint64_t requests_of(std::string_view route, int status) const;

  static constexpr std::size_t kMethods = 8;    // GET HEAD POST PUT PATCH DELETE OPTIONS OTHER
  static constexpr std::size_t kStatuses = 35;  // the codes we send, then 1xx..5xx
  static constexpr std::size_t kOps = 4;        // create replace update delete
  static constexpr std::size_t kOutcomes = 9;   // WriteOutcome, then "error"
  static constexpr std::size_t kSources = 3;
  static constexpr std::size_t kGeocodeKinds = 4;
  static constexpr std::size_t kGeocodeStatuses = 5;

 private:
  struct Histogram {
    std::array<std::atomic<std::uint64_t>, kBuckets.size() + 1> buckets{};  // not cumulative
    std::atomic<std::uint64_t> sum_ns{0};
  };
  std::size_t m_routes;
  // [route][method][status]
  std::vector<std::atomic<std::uint64_t>> m_requests;
  std::vector<Histogram> m_latency;  // [route]
  std::array<std::atomic<std::uint64_t>, kSources * kOps * kOutcomes> m_writes{};
  std::array<std::atomic<std::uint64_t>, kGeocodeKinds * kGeocodeStatuses> m_geocoded{};
  std::atomic<std::int64_t> m_last_write_ms{0};  // epoch ms of the last accepted write
  std::chrono::system_clock::time_point m_started;
};

/// store.write(request), counted in `metrics` (null: not counted): its outcome, or "error"
/// when it throws (rethrown).
layers::WriteResult counted_write(layers::FeatureStore& store, const layers::WriteRequest& request,
                                  Metrics* metrics, Source source);
/// store.write_batch(requests, atomic), each write counted the same way.
std::vector<layers::WriteResult> counted_write_batch(
    layers::FeatureStore& store, const std::vector<layers::WriteRequest>& requests, bool atomic,
    Metrics* metrics, Source source);

}  // namespace gebieden::server
