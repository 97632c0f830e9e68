#include "server/reload.hpp"

#include <chrono>
#include <exception>
#include <mutex>

#include "util/error.hpp"

namespace gebieden::server {

namespace {
/// A message on one line (a log line per reload).
std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}
}  // namespace

std::string not_reloadable(const geo::ServerConfig& running, const geo::ServerConfig& next) {
  std::string out;
  const auto add = [&](const std::string& what) { out += (out.empty() ? "" : ", ") + what; };
  if (next.host != running.host) add("server.host (" + running.host + " -> " + next.host + ")");
  if (next.port != running.port)
    add("server.port (" + std::to_string(running.port) + " -> " + std::to_string(next.port) + ")");
  if (next.threads != running.threads)
    add("server.threads (" + std::to_string(running.threads) + " -> " +
        std::to_string(next.threads) + ")");
  if (out.empty()) return out;
  return out + " changed, but are not reloadable: they stay as they are until a restart";
}

Reloader::Reloader(std::shared_ptr<const Service> service, std::function<geo::Config()> read_config,
                   std::ostream& log)
    : m_service(std::move(service)), m_read_config(std::move(read_config)), m_log(log) {}

bool Reloader::reload() {
  const auto t0 = std::chrono::steady_clock::now();
  const std::shared_ptr<ServiceState> old = m_service->current();
  try {
    geo::Config config = m_read_config();
    // The listening socket and the threads are the HTTP front's: they keep theirs.
    const std::string fixed = not_reloadable(old->config.server, config.server);
    if (!fixed.empty()) m_log << "reload: " << fixed << std::endl;
    config.server.host = old->config.server.host;
    config.server.port = old->config.server.port;
    config.server.threads = old->config.server.threads;

    std::shared_ptr<ServiceState> next = load_data(config);
    // The counters of /metrics, the readiness probe and the submission limits go on.
    next->metrics = old->metrics;
    next->health = old->health;
    next->submission_limits = old->submission_limits;

    // The same store (the same GeoPackage or database): kept open, never opened twice.
    const bool same_store =
        old->store && config.store.enabled &&
        layers::StoreLocation::of(config).name == layers::StoreLocation::of(old->config).name;
    open_store(*next, same_store ? old->store : nullptr);
    const std::string keys = next->store ? load_keys(*next) : std::string("no store");
    double held_ms = 0;
    if (same_store) {
      // The snapshot, the publishing into the new catalogues and the swap with no write in
      // between: a write acknowledged before is in the new state, one after goes to it.
      std::unique_lock hold(m_service->write_hold());
      const auto h0 = std::chrono::steady_clock::now();
      assemble(*next);
      m_service->replace(next);
      held_ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - h0).count();
    } else {
      assemble(*next);
      m_service->replace(next);
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    m_log << "reload: serving the new configuration and data (" << next->catalogue.all().size()
          << " collections; " << (same_store ? "store kept" : "store opened") << "; " << keys
          << "; " << static_cast<int>(s * 1000) << " ms, writes held " << static_cast<int>(held_ms)
          << " ms)" << std::endl;
    return true;
  } catch (const config_error& e) {
    m_log << "reload: failed, still serving the previous configuration and data: "
          << one_line(e.what()) << std::endl;
  } catch (const std::exception& e) {
    m_log << "reload: failed, still serving the previous configuration and data: "
          << one_line(e.what()) << std::endl;
  } catch (...) {
    m_log << "reload: failed, still serving the previous configuration and data (unknown error)"
          << std::endl;
  }
  return false;
}

}  // namespace gebieden::server
