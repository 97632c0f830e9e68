#pragma once
// Liveness and readiness (issue #12, point 5): GET /health/live answers 200 as long as the
// process answers at all; GET /health/ready answers 200 when the data is loaded and the store
// answers a query, else 503 with a JSON body that says which check fails. The store is asked
// at most once a second, by one request at a time (the others get the last answer), so that a
// flood of probes never queues on the store.

#include <chrono>
#include <mutex>
#include <string>

#include "server/http_types.hpp"

namespace gebieden::server {

struct ServiceState;

class HealthProbe {
 public:
  /// The answer to GET /health/ready for `state`.
  Response ready(const ServiceState& state);

 private:
  struct StoreCheck {
    bool ok = false;
    std::string reason;  // why not (public: no paths, no passwords)
    std::chrono::steady_clock::time_point at{};
  };
  StoreCheck check_store(const ServiceState& state);

  std::mutex m_probe;  // held while the store is asked
  std::mutex m_last_mutex;
  StoreCheck m_last;
};

/// The answer to GET /health/live.
Response live_response();

}  // namespace gebieden::server
