// The load client of the GeoServices benchmark (bench/bench_esri.sh): the same ArcGIS client
// queries against two FeatureServer layers (gebieden and Koop), first once to compare the
// answers, then a fixed number of times each with a few threads, printing requests per second
// of both and their ratio. Loopback only; the number of requests is bounded.
//
//   bench_esri [--requests N] [--concurrency C] [--keep-alive] NAME=LAYER_URL NAME=LAYER_URL
//
// LAYER_URL is http://127.0.0.1:PORT/.../FeatureServer/0 (the buurten layer of each server).

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Target {
  std::string name;
  std::string host;
  int port = 0;
  std::string path;  // the layer path
};

struct BenchQuery {
  const char* name;
  const char* suffix;  // appended to the layer path
};

// The requests ArcGIS clients send (specs.md, "Request sequence"), on the buurten layer.
const std::vector<BenchQuery>& queries() {
  static const std::vector<BenchQuery> q = {
      {"layer metadata", "?f=json"},
      {"ids+count",
       "/query?f=json&returnIdsOnly=true&returnCountOnly=true&spatialRel="
       "esriSpatialRelIntersects&where=1%3D1"},
      {"page of 50 in 102100",
       "/query?f=json&resultOffset=0&resultRecordCount=50&where=1%3D1&orderByFields=OBJECTID&"
       "outFields=*&outSR=102100&spatialRel=esriSpatialRelIntersects"},
      {"identify by objectIds",
       "/query?f=json&objectIds=42&outFields=*&outSR=102100&spatialRel=esriSpatialRelIntersects&"
       "where=1%3D1"},
      {"where on a field",
       "/query?f=json&where=gebied%20%3D%20%27centrum%27&outFields=buurtnaam%"
       "2COBJECTID&returnGeometry=false"},
      {"statistics grouped",
       "/query?f=json&groupByFieldsForStatistics=gebied&outFields=*&outStatistics=%5B%7B%"
       "22onStatisticField%22%3A%22gebied%22%2C%22outStatisticFieldName%22%3A%22countOFgebied%22%"
       "2C%22statisticType%22%3A%22count%22%7D%5D&where=1%3D1"},
      {"envelope intersects",
       "/query?f=json&geometry=5.78%2C53.19%2C5.80%2C53.21&geometryType=esriGeometryEnvelope&inSR="
       "4326&spatialRel=esriSpatialRelIntersects&outFields=OBJECTID&returnGeometry=false"},
      {"attribute table page",
       "/query?f=json&resultOffset=0&resultRecordCount=50&where=1%3D1&orderByFields=&outFields=*&"
       "returnGeometry=false"},
  };
  return q;
}

bool parse_target(const std::string& arg, Target& t) {
  const auto eq = arg.find('=');
  if (eq == std::string::npos) return false;
  t.name = arg.substr(0, eq);
  std::string url = arg.substr(eq + 1);
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return false;
  url = url.substr(scheme.size());
  const auto slash = url.find('/');
  const std::string hostport = url.substr(0, slash);
  t.path = slash == std::string::npos ? "" : url.substr(slash);
  const auto colon = hostport.rfind(':');
  if (colon == std::string::npos) return false;
  t.host = hostport.substr(0, colon);
  t.port = std::stoi(hostport.substr(colon + 1));
  return t.host == "127.0.0.1" || t.host == "localhost";  // loopback only
}

/// What an answer says, in a few words, to compare the servers.
std::string summary(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded()) return "not JSON";
  if (j.contains("error")) return "error " + j["error"].value("message", std::string());
  if (j.contains("count") && !j.contains("extent"))
    return "count " + std::to_string(j["count"].get<long long>());
  if (j.contains("features")) {
    std::string s = std::to_string(j["features"].size()) + " features";
    if (j.value("exceededTransferLimit", false)) s += ", more";
    return s;
  }
  if (j.contains("fields")) return std::to_string(j["fields"].size()) + " fields";
  return "other";
}

struct Run {
  double seconds = 0;
  std::size_t ok = 0, failed = 0, bytes = 0;
};

Run load(const Target& t, const std::vector<std::string>& paths, std::size_t requests,
         int concurrency, bool keep_alive) {
  std::atomic<std::size_t> next{0}, ok{0}, failed{0}, bytes{0};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < concurrency; ++i) {
    threads.emplace_back([&] {
      httplib::Client cli(t.host, t.port);
      cli.set_keep_alive(keep_alive);
      cli.set_connection_timeout(5);
      cli.set_read_timeout(30);
      while (true) {
        const std::size_t n = next.fetch_add(1);
        if (n >= requests) break;
        auto res = cli.Get(paths[n % paths.size()].c_str());
        if (res && res->status == 200 && res->body.find("\"error\":{") == std::string::npos) {
          ++ok;
          bytes += res->body.size();
        } else {
          ++failed;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  Run r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.ok = ok;
  r.failed = failed;
  r.bytes = bytes;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t requests = 300;
  int concurrency = 4;
  bool keep_alive = false;
  std::vector<Target> targets;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--requests" && i + 1 < argc) {
      requests = std::stoul(argv[++i]);
    } else if (a == "--concurrency" && i + 1 < argc) {
      concurrency = std::max(1, std::stoi(argv[++i]));
    } else if (a == "--keep-alive") {
      keep_alive = true;
    } else {
      Target t;
      if (!parse_target(a, t)) {
        std::cerr << "usage: bench_esri [--requests N] [--concurrency C] [--keep-alive] "
                     "NAME=http://127.0.0.1:PORT/.../FeatureServer/0 ...\n";
        return 2;
      }
      targets.push_back(t);
    }
  }
  if (targets.empty() || requests == 0 || requests > 1'000'000) {
    std::cerr << "bench_esri: give one or more loopback targets and 1..1000000 requests\n";
    return 2;
  }

  // 1. The same answers? One request of each query to each server.
  std::printf("%-24s", "query");
  for (const auto& t : targets) std::printf(" | %-28s", t.name.c_str());
  std::printf("\n");
  int failures = 0;
  for (const auto& q : queries()) {
    std::printf("%-24s", q.name);
    for (const auto& t : targets) {
      httplib::Client cli(t.host, t.port);
      cli.set_read_timeout(30);
      auto res = cli.Get((t.path + q.suffix).c_str());
      const std::string s = res ? summary(res->body) : "no answer";
      if (!res || res->status != 200 || s.rfind("error", 0) == 0 || s == "not JSON") ++failures;
      std::printf(" | %-28s", s.substr(0, 28).c_str());
    }
    std::printf("\n");
  }

  // 2. Load: `requests` per query and server, `concurrency` client threads.
  std::printf("\n%zu requests per query and server, %d client threads, %s\n\n", requests,
              concurrency, keep_alive ? "keep-alive" : "a connection per request");
  std::printf("%-24s", "requests/s");
  for (const auto& t : targets) std::printf(" | %12s", t.name.c_str());
  if (targets.size() == 2) std::printf(" | %8s", "ratio");
  std::printf("\n");
  std::vector<double> total_seconds(targets.size(), 0.0);
  std::vector<std::size_t> total_ok(targets.size(), 0);
  for (const auto& q : queries()) {
    std::printf("%-24s", q.name);
    std::vector<double> rps;
    for (std::size_t k = 0; k < targets.size(); ++k) {
      const auto& t = targets[k];
      const std::vector<std::string> paths = {t.path + q.suffix};
      load(t, paths, std::min<std::size_t>(requests / 10 + 1, 50), concurrency, keep_alive);
      const Run r = load(t, paths, requests, concurrency, keep_alive);
      failures += static_cast<int>(r.failed);
      total_seconds[k] += r.seconds;
      total_ok[k] += r.ok;
      rps.push_back(static_cast<double>(r.ok) / r.seconds);
      std::printf(" | %12.0f", rps.back());
    }
    if (rps.size() == 2) std::printf(" | %7.1fx", rps[0] / rps[1]);
    std::printf("\n");
  }
  std::printf("%-24s", "all queries");
  std::vector<double> all;
  for (std::size_t k = 0; k < targets.size(); ++k) {
    all.push_back(static_cast<double>(total_ok[k]) / total_seconds[k]);
    std::printf(" | %12.0f", all.back());
  }
  if (all.size() == 2) std::printf(" | %7.1fx", all[0] / all[1]);
  std::printf("\n");
  if (failures) std::printf("\n%d failed requests\n", failures);
  return failures ? 1 : 0;
}
