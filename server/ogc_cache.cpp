#include "server/ogc_cache.hpp"

namespace gebieden::server {

bool OgcCache::same(const std::weak_ptr<const layers::Collection>& owner,
                    const layers::CollectionPtr& c) {
  // Not expired and the very same object: an address reused by a new snapshot after the old
  // one died shows up as an expired owner.
  const auto locked = owner.lock();
  return locked && locked.get() == c.get();
}

std::shared_ptr<const OgcCache::Summary> OgcCache::summary(const layers::CollectionPtr& c) {
  {
    std::lock_guard lock(m_mutex);
    auto it = m_summaries.find(c.get());
    if (it != m_summaries.end()) {
      if (same(it->second.owner, c)) return it->second.data;
      m_summaries.erase(it);
    }
  }
  auto s = std::make_shared<Summary>();
  s->temporal = layers::temporal_extent(*c);
  std::lock_guard lock(m_mutex);
  for (auto it = m_summaries.begin(); it != m_summaries.end();)
    it = it->second.owner.expired() ? m_summaries.erase(it) : std::next(it);
  m_summaries[c.get()] = SummarySlot{c, s};
  return s;
}

std::optional<Response> OgcCache::response(const layers::CollectionPtr& c, const std::string& key) {
  std::shared_ptr<const Response> hit;
  {
    std::lock_guard lock(m_mutex);
    auto it = m_responses.find(key);
    if (it == m_responses.end()) return std::nullopt;
    if (!same(it->second.owner, c)) {
      m_response_bytes -= it->second.bytes;
      m_lru.erase(it->second.lru);
      m_responses.erase(it);
      return std::nullopt;
    }
    m_lru.splice(m_lru.begin(), m_lru, it->second.lru);
    hit = it->second.data;
    ++m_hits;
  }
  // Status and headers are copied; the body is shared with the cache (it outlives an
  // eviction for as long as the response is being sent).
  Response r;
  r.status = hit->status;
  r.content_type = hit->content_type;
  r.headers = hit->headers;
  r.shared_body = std::shared_ptr<const std::string>(hit, &hit->body);
  return r;
}

void OgcCache::store(const layers::CollectionPtr& c, const std::string& key, const Response& r) {
  const std::size_t bytes = r.payload().size() + key.size() + 256;
  if (bytes > m_limits.response_max_entry) return;
  auto copy = std::make_shared<Response>();
  copy->status = r.status;
  copy->content_type = r.content_type;
  copy->headers = r.headers;
  copy->body = std::string(r.payload());
  std::shared_ptr<const Response> data = std::move(copy);
  std::lock_guard lock(m_mutex);
  if (auto it = m_responses.find(key); it != m_responses.end()) {
    m_response_bytes -= it->second.bytes;
    m_lru.erase(it->second.lru);
    m_responses.erase(it);
  }
  m_lru.push_front(key);
  m_responses[key] = ResponseSlot{c, std::move(data), m_lru.begin(), bytes};
  m_response_bytes += bytes;
  evict_responses();
}

void OgcCache::evict_responses() {
  while (m_response_bytes > m_limits.response_bytes && !m_lru.empty()) {
    auto it = m_responses.find(m_lru.back());
    m_response_bytes -= it->second.bytes;
    m_responses.erase(it);
    m_lru.pop_back();
  }
}

std::size_t OgcCache::response_hits() const {
  std::lock_guard lock(m_mutex);
  return m_hits;
}

std::size_t OgcCache::encodings() const {
  return m_encodings.encodings();
}

}  // namespace gebieden::server
