#include "server/rate_limit.hpp"

#include <algorithm>

namespace gebieden::server {

RateLimiter::RateLimiter(std::chrono::seconds window, std::size_t max_clients)
    : m_window(window), m_max_clients(std::max<std::size_t>(1, max_clients)) {}

void RateLimiter::touch(Entry& e) {
  m_order.splice(m_order.end(), m_order, e.order);
}

RateLimiter::Decision RateLimiter::acquire(const std::string& client, int limit,
                                           Clock::time_point now) {
  Decision d;
  if (limit <= 0) {
    d.allowed = false;
    d.retry_after = m_window;
    return d;
  }
  const std::lock_guard<std::mutex> lock(m_mutex);
  auto it = m_clients.find(client);
  if (it == m_clients.end()) {
    // A new client: forget the least recently seen one when the table is full.
    while (m_clients.size() >= m_max_clients && !m_order.empty()) {
      m_clients.erase(m_order.front());
      m_order.pop_front();
    }
    m_order.push_back(client);
    it = m_clients.emplace(client, Entry{{}, std::prev(m_order.end())}).first;
  } else {
    touch(it->second);
  }
  auto& times = it->second.times;
  while (!times.empty() && times.front() + m_window <= now) times.pop_front();
  if (times.size() >= static_cast<std::size_t>(limit)) {
    d.allowed = false;
    const auto wait = times.front() + m_window - now;
    // Rounded up to whole seconds, at least one (a Retry-After of 0 invites a retry loop).
    auto s = std::chrono::ceil<std::chrono::seconds>(wait);
    d.retry_after = std::max(s, std::chrono::seconds(1));
    return d;
  }
  times.push_back(now);
  return d;
}

void RateLimiter::release(const std::string& client) {
  const std::lock_guard<std::mutex> lock(m_mutex);
  auto it = m_clients.find(client);
  if (it != m_clients.end() && !it->second.times.empty()) it->second.times.pop_back();
}

std::size_t RateLimiter::clients() const {
  const std::lock_guard<std::mutex> lock(m_mutex);
  return m_clients.size();
}

}  // namespace gebieden::server
