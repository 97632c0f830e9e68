// Reload on SIGHUP (issue #12, point 4; docs/faults.md): the real server, its configuration
// changed under it. A reload with a good configuration serves the new one (a changed
// server.default_limit is seen in the next answer), the metrics counters go on and readiness
// stays 200; a reload with a broken boundary file keeps serving the old data and logs one line
// naming the file; reloads in the middle of concurrent writes lose no acknowledged write.
#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "process.hpp"
#include "test_config_copy.hpp"
#include "test_paths.hpp"

using namespace gebieden;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {
constexpr const char* kTokenEnv = "GEBIEDEN_TEST_RELOAD_TOKEN";
constexpr const char* kToken = "reload-editor-token";

json base_config(const fs::path& store) {
  json j = test::relocated_default_config();
  j["store"]["path"] = store.string();
  j["store"]["write_token_env"] = kTokenEnv;
  j["access"] = {{"keys_file", test::temp_path("no-keys.json").string()}};
  return j;
}

test::ServerOptions options(const std::string& config) {
  test::ServerOptions o;
  o.config = config;
  o.unset_env = {"GEBIEDEN_STORE_DATABASE"};
  o.env = {{kTokenEnv, kToken}};
  o.forward_stderr = false;
  return o;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

/// SIGHUP, then wait until the server has logged one more reload outcome than before.
/// Returns the outcome's line.
std::string reload(test::ServerProcess& s) {
  const std::string before = s.stderr_text();
  const std::size_t done = count(before, "reload: serving") + count(before, "reload: failed");
  REQUIRE(::kill(s.pid(), SIGHUP) == 0);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < until) {
    const std::string now = s.stderr_text();
    if (count(now, "reload: serving") + count(now, "reload: failed") > done) {
      const auto last = [&](const char* w) {
        const auto p = now.rfind(w);
        return p == std::string::npos ? 0 : p;
      };
      const auto at = std::max(last("reload: serving"), last("reload: failed"));
      const auto start = now.rfind('\n', at);
      const auto end = now.find('\n', at);
      // The whole line: the pipe may have given only a part of it yet.
      if (end != std::string::npos)
        return now.substr(start == std::string::npos ? 0 : start + 1,
                          end - (start == std::string::npos ? 0 : start + 1));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL("no reload outcome logged: " << s.stderr_text());
  return {};
}

json get_json(httplib::Client& c, const std::string& path, int& status) {
  auto r = c.Get(path.c_str());
  status = r ? r->status : -1;
  return r ? json::parse(r->body, nullptr, false) : json();
}

/// The sum of the gebieden_http_requests_total samples of /metrics.
double requests_total(httplib::Client& c) {
  auto r = c.Get("/metrics");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  std::istringstream in(r->body);
  double sum = 0;
  for (std::string line; std::getline(in, line);)
    if (line.rfind("gebieden_http_requests_total{", 0) == 0)
      sum += std::stod(line.substr(line.rfind(' ') + 1));
  return sum;
}
}  // namespace

TEST_CASE("reload: SIGHUP serves a changed configuration, counters and readiness go on",
          "[reload]") {
  json j = base_config(test::temp_path("reload-store.gpkg"));
  j["server"]["default_limit"] = 7;
  const fs::path config = test::temp_path("reload-config.json");
  test::write_file(config, j.dump(2));
  test::ServerProcess s(options(config.string()));
  httplib::Client c("127.0.0.1", s.port());
  c.set_read_timeout(60, 0);
  int status = 0;
  json page = get_json(c, "/collections/buurten/items", status);
  REQUIRE(status == 200);
  CHECK(page.value("numberReturned", -1) == 7);
  for (int i = 0; i < 5; ++i) get_json(c, "/collections/buurten/items?limit=1", status);
  const double before = requests_total(c);
  CHECK(before >= 6);

  j["server"]["default_limit"] = 3;
  j["server"]["threads"] = 3;  // not reloadable: said in the log
  test::write_file(config, j.dump(2));
  const std::string line = reload(s);
  INFO("log: " << s.stderr_text());
  CHECK(line.find("reload: serving") == 0);
  CHECK(s.stderr_text().find("server.threads") != std::string::npos);
  page = get_json(c, "/collections/buurten/items", status);
  REQUIRE(status == 200);
  CHECK(page.value("numberReturned", -1) == 3);
  // The counters were not reset (the old ones plus the requests since).
  CHECK(requests_total(c) > before);
  get_json(c, "/health/ready", status);
  CHECK(status == 200);
  CHECK(s.alive());
}

TEST_CASE("reload: a broken boundary file keeps the old data and logs the file", "[reload]") {
  json j = base_config(test::temp_path("reload-broken-store.gpkg"));
  const fs::path buurten = test::temp_path("buurten.geojson");
  fs::copy_file(test::shared_data("leeuwarden_buurten_2023_cartomap.geojson"), buurten);
  j["boundaries"]["buurten"]["sources"] = {buurten.string()};
  const fs::path config = test::temp_path("reload-broken-config.json");
  test::write_file(config, j.dump(2));
  test::ServerProcess s(options(config.string()));
  httplib::Client c("127.0.0.1", s.port());
  c.set_read_timeout(60, 0);
  int status = 0;
  const json before = get_json(c, "/collections/buurten/items?limit=1", status);
  REQUIRE(status == 200);
  const int matched = before.value("numberMatched", -1);
  REQUIRE(matched > 0);

  test::write_file(buurten, "{\"type\": \"FeatureCollection\", \"features\": [ {\"type\": \"Fea");
  const std::string line = reload(s);
  INFO("log: " << s.stderr_text());
  CHECK(line.find("reload: failed") == 0);
  CHECK(line.find(buurten.string()) != std::string::npos);
  CHECK(s.alive());
  const json after = get_json(c, "/collections/buurten/items?limit=1", status);
  CHECK(status == 200);
  CHECK(after.value("numberMatched", -1) == matched);
  get_json(c, "/health/ready", status);
  CHECK(status == 200);

  // Repaired: the next reload takes it.
  fs::remove(buurten);
  fs::copy_file(test::shared_data("leeuwarden_buurten_2023_cartomap.geojson"), buurten);
  CHECK(reload(s).find("reload: serving") == 0);
}

TEST_CASE("reload: SIGHUP during concurrent writes loses no acknowledged write", "[reload]") {
  const fs::path store = test::temp_path("reload-writes-store.gpkg");
  json j = base_config(store);
  const fs::path config = test::temp_path("reload-writes-config.json");
  test::write_file(config, j.dump(2));
  test::ServerProcess s(options(config.string()));

  constexpr int kWriters = 4;
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::vector<std::string> acked, problems;
  std::vector<std::thread> writers;
  for (int t = 0; t < kWriters; ++t) {
    writers.emplace_back([&, t] {
      httplib::Client c("127.0.0.1", s.port());
      c.set_read_timeout(120, 0);
      for (int i = 0; !stop; ++i) {
        const std::string id = "reload-t" + std::to_string(t) + "-" + std::to_string(i);
        const json body = {
            {"type", "Feature"},
            {"id", id},
            {"geometry", {{"type", "Point"}, {"coordinates", {5.7955, 53.1995}}}},
            {"properties",
             {{"naam", "Reload " + id}, {"soort", "organisatie"}, {"categorie", "welzijn"}}}};
        auto r = c.Post("/collections/organisaties/items",
                        {{"Authorization", std::string("Bearer ") + kToken}}, body.dump(),
                        "application/geo+json");
        std::lock_guard lock(mutex);
        if (r && r->status == 201) {
          acked.push_back(id);
        } else {
          problems.push_back(
              id + ": " +
              (r ? std::to_string(r->status) + " " + r->body : std::string("no answer")));
        }
      }
    });
  }
  // Readiness is probed all along: it stays 200 through the reloads.
  std::atomic<int> probes{0}, not_ready{0};
  std::thread prober([&] {
    httplib::Client c("127.0.0.1", s.port());
    c.set_read_timeout(60, 0);
    while (!stop) {
      auto r = c.Get("/health/ready");
      ++probes;
      if (!r || r->status != 200) ++not_ready;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::vector<std::string> outcomes;
  for (int k = 0; k < 3; ++k) {
    j["server"]["default_limit"] = 4 + k;  // a changed configuration each time
    test::write_file(config, j.dump(2));
    outcomes.push_back(reload(s));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  stop = true;
  for (auto& w : writers) w.join();
  prober.join();
  CHECK(probes > 10);
  CHECK(not_ready == 0);
  INFO("log: " << s.stderr_text());
  for (const auto& o : outcomes) CHECK(o.find("reload: serving") == 0);
  for (const auto& p : problems) FAIL_CHECK("a write failed: " << p);
  REQUIRE(acked.size() > 10);
  // Every acknowledged write is served by the state now served, and from the store.
  httplib::Client c("127.0.0.1", s.port());
  std::size_t missing = 0;
  for (const auto& id : acked) {
    auto r = c.Get(("/collections/organisaties/items/" + id).c_str());
    if (!r || r->status != 200) ++missing;
  }
  CHECK(missing == 0);
  int status = 0;
  const json page = get_json(c, "/collections/organisaties/items", status);
  CHECK(page.value("numberReturned", -1) == 6);
}
