#pragma once
// Reloading configuration and data on SIGHUP (docs/faults.md): a complete new state is built
// beside the running one (the data loaded, the store opened or kept, the catalogues
// assembled) with the checks of start-up; it is swapped in only when all of that succeeds,
// else the old state goes on serving and the reason is logged on one line naming the file.

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "geo/config.hpp"
#include "server/service.hpp"

namespace gebieden::server {

class Reloader {
 public:
  /// `read_config` reads the configuration anew (the file, the environment and the command
  /// line's overrides, as at start-up); it throws config_error for a bad file. `log` gets one
  /// line per reload.
  Reloader(std::shared_ptr<const Service> service, std::function<geo::Config()> read_config,
           std::ostream& log);

  /// Build the new state and swap it in. Returns whether it was swapped in; never throws.
  bool reload();

 private:
  std::shared_ptr<const Service> m_service;
  std::function<geo::Config()> m_read_config;
  std::ostream& m_log;
};

/// What of `next` a reload cannot change (the listening address and the thread count), as
/// one sentence; empty when nothing of that changed.
std::string not_reloadable(const geo::ServerConfig& running, const geo::ServerConfig& next);

}  // namespace gebieden::server
