#include "server/ogc_cache.hpp"

#include "layers/geojson.hpp"
#include "layers/ogc_geojson.hpp"

namespace gebieden::server {

bool OgcCache::same(const std::weak_ptr<const layers::Collection>& owner,
                    const layers::CollectionPtr& c) {
  // Not expired and the very same object: an address reused by a new snapshot after the old
  // one died shows up as an expired owner.
  const auto locked = owner.lock();
  return locked && locked.get() == c.get();
}

std::shared_ptr<const OgcCache::Encoded> OgcCache::features(const layers::CollectionPtr& c,
                                                            geo::Crs crs) {
  const auto key = std::make_pair(c.get(), crs);
  {
    std::lock_guard lock(m_mutex);
    auto it = m_encoded.find(key);
    if (it != m_encoded.end()) {
      if (same(it->second.owner, c)) {
        it->second.used = ++m_clock;
        return it->second.data;
      }
      m_encoded.erase(it);
    }
  }
  // Encode outside the lock (two threads may both do it once; the second insert wins).
  auto data = std::make_shared<Encoded>();
  data->reserve(c->features.size());
  const auto fields = layers::public_fields(*c);
  for (const auto& f : c->features) {
    std::string s;
    layers::append_ogc_feature(s, *c, f, crs, fields);
    data->push_back(std::move(s));
  }
  std::lock_guard lock(m_mutex);
  ++m_encodings;
  // Drop entries of dead snapshots, then the least recently used beyond the limit.
  for (auto it = m_encoded.begin(); it != m_encoded.end();)
    it = it->second.owner.expired() ? m_encoded.erase(it) : std::next(it);
  while (m_encoded.size() >= m_limits.encoded_snapshots && !m_encoded.empty()) {
    auto oldest = m_encoded.begin();
    for (auto it = m_encoded.begin(); it != m_encoded.end(); ++it)
      if (it->second.used < oldest->second.used) oldest = it;
    m_encoded.erase(oldest);
  }
  m_encoded[key] = EncodedSlot{c, data, ++m_clock};
  return data;
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
  std::lock_guard lock(m_mutex);
  return m_encodings;
}

}  // namespace gebieden::server
