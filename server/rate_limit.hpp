#pragma once
// A per-client rate limit in memory: a sliding window of the times of each client's accepted
// events (at most `limit` per window), in a table of bounded size. When the table is full, the
// client seen least recently is forgotten (its window starts again), so a flood of distinct
// addresses costs at most `max_clients` entries and never grows memory without bound.
// Thread-safe (one mutex).

#include <chrono>
#include <cstddef>
#include <deque>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

namespace gebieden::server {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  struct Decision {
    bool allowed = true;
    std::chrono::seconds retry_after{0};  // when refused: until the oldest event leaves the window
  };

  explicit RateLimiter(std::chrono::seconds window = std::chrono::hours(1),
                       std::size_t max_clients = 10000);

  /// Take one of `client`'s `limit` events in the window ending at `now`: allowed (and counted),
  /// or refused with the wait until one is free. `limit` <= 0 refuses everything.
  Decision acquire(const std::string& client, int limit, Clock::time_point now = Clock::now());
  /// Give back the event taken last by acquire() (a submission that was then refused as invalid).
  void release(const std::string& client);

  std::size_t clients() const;  // entries in the table (for tests)
  std::chrono::seconds window() const { return m_window; }

 private:
  struct Entry {
    std::deque<Clock::time_point> times;  // oldest first, at most `limit`
    std::list<std::string>::iterator order;
  };
  void touch(Entry& e);  // the client is now the most recently seen

  std::chrono::seconds m_window;
  std::size_t m_max_clients;
  mutable std::mutex m_mutex;
  std::unordered_map<std::string, Entry> m_clients;
  std::list<std::string> m_order;  // least recently seen first
};

}  // namespace gebieden::server
