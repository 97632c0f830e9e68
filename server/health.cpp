#include "server/health.hpp"

#include <iostream>
#include <nlohmann/json.hpp>

#include "server/service.hpp"
#include "util/error.hpp"

namespace gebieden::server {

namespace {
using json = nlohmann::ordered_json;
constexpr auto kStoreCheckEvery = std::chrono::seconds(1);
constexpr auto kStoreCheckStale = std::chrono::seconds(10);

Response json_answer(int status, const json& j) {
  Response r;
  r.status = status;
  r.body = j.dump();
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}
}  // namespace

Response live_response() {
  return json_answer(200, json{{"status", "live"}});
}

HealthProbe::StoreCheck HealthProbe::check_store(const ServiceState& state) {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(m_last_mutex);
    if (m_last.at != std::chrono::steady_clock::time_point{} && now - m_last.at < kStoreCheckEvery)
      return m_last;
  }
  std::unique_lock probe(m_probe, std::try_to_lock);
  if (!probe.owns_lock()) {
    // Another request is asking the store: its answer will do, unless it takes too long.
    std::lock_guard lock(m_last_mutex);
    if (m_last.at != std::chrono::steady_clock::time_point{} && now - m_last.at < kStoreCheckStale)
      return m_last;
    return StoreCheck{
        false, "the store has not answered for " + std::to_string(kStoreCheckStale.count()) + " s",
        now};
  }
  StoreCheck c;
  try {
    // An indexed query of the history for an id no record has: it reads the store (file or
    // database) under the store's lock, and finds nothing.
    (void)state.store->history(std::string("\x01gebieden-readiness-probe", 25));
    c.ok = true;
  } catch (const std::exception& e) {
    std::cerr << "readiness: the store does not answer: " << e.what() << std::endl;
    c.reason = "the store does not answer (see the server's log)";
  }
  c.at = std::chrono::steady_clock::now();
  std::lock_guard lock(m_last_mutex);
  m_last = c;
  return c;
}

Response HealthProbe::ready(const ServiceState& state) {
  bool ok = true;
  json checks = json::object();
  {
    const auto all = state.catalogue.all();
    const bool loaded = state.model && !all.empty();
    json d{{"status", loaded ? "ok" : "failing"}, {"collections", all.size()}};
    d["age_seconds"] = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now() - state.loaded_at)
                           .count();
    if (!loaded) d["reason"] = "no data is loaded";
    ok = ok && loaded;
    checks["data"] = d;
  }
  checks["geocoder"] = json{{"status", state.geocoder ? "ok" : "off"}};
  if (state.store) {
    const StoreCheck s = check_store(state);
    json j{{"status", s.ok ? "ok" : "failing"}};
    if (!s.ok) j["reason"] = s.reason;
    ok = ok && s.ok;
    checks["store"] = j;
  } else {
    checks["store"] = json{{"status", "off"}};
  }
  if (ok) return json_answer(200, json{{"status", "ready"}, {"checks", checks}});
  // Not ready: the error registry's body (code, description, status), and the checks.
  std::string why;
  for (const auto& [name, c] : checks.items())
    if (c["status"] == "failing")
      why += (why.empty() ? "" : "; ") + name + ": " + c.value("reason", std::string("failing"));
  const ErrorSpec& spec = error_spec(ErrorCode::Unavailable);
  return json_answer(spec.http_status, json{{"code", std::string(spec.code)},
                                            {"description", "not ready: " + why},
                                            {"status", spec.http_status},
                                            {"checks", checks}});
}

}  // namespace gebieden::server
