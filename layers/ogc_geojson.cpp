#include "layers/ogc_geojson.hpp"

#include "layers/geojson.hpp"

namespace gebieden::layers {

void append_ogc_feature(std::string& out, const Collection& c, const Feature& f, geo::Crs crs,
                        const std::vector<int>& fields, const std::string& extra) {
  append_feature(out, c, f, crs, fields, extra);
}

EncodedFeatures encode_features(const Collection& c, geo::Crs crs) {
  EncodedFeatures out;
  out.reserve(c.features.size());
  const auto fields = public_fields(c);
  for (const auto& f : c.features) {
    std::string s;
    append_ogc_feature(s, c, f, crs, fields);
    out.push_back(std::move(s));
  }
  return out;
}

namespace {
bool same(const std::weak_ptr<const Collection>& owner, const CollectionPtr& c) {
  // Not expired and the very same object: an address reused by a new snapshot after the old
  // one died shows up as an expired owner.
  const auto locked = owner.lock();
  return locked && locked.get() == c.get();
}
}  // namespace

std::shared_ptr<const EncodedFeatures> FeatureEncodings::get(const CollectionPtr& c, geo::Crs crs) {
  const auto key = std::make_pair(c.get(), crs);
  {
    std::lock_guard lock(m_mutex);
    auto it = m_slots.find(key);
    if (it != m_slots.end()) {
      if (same(it->second.owner, c)) {
        it->second.used = ++m_clock;
        if (it->second.data) return it->second.data;
      } else {
        m_slots.erase(it);
      }
    }
  }
  // Encode outside the lock (two threads may both do it once; the second insert wins).
  auto data = std::make_shared<const EncodedFeatures>(encode_features(*c, crs));
  std::lock_guard lock(m_mutex);
  ++m_encodings;
  insert(key, c, data);
  return data;
}

std::shared_ptr<const EncodedFeatures> FeatureEncodings::get_settled(
    const CollectionPtr& c, geo::Crs crs, std::chrono::milliseconds settle) {
  if (settle.count() <= 0) return get(c, crs);
  const auto key = std::make_pair(c.get(), crs);
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(m_mutex);
    auto it = m_slots.find(key);
    if (it != m_slots.end() && !same(it->second.owner, c)) {
      m_slots.erase(it);
      it = m_slots.end();
    }
    if (it == m_slots.end()) {
      insert(key, c, nullptr);
      m_slots[key].first_asked = now;
      return nullptr;
    }
    it->second.used = ++m_clock;
    if (it->second.data) return it->second.data;
    if (now - it->second.first_asked < settle) return nullptr;
    // One encoder per snapshot: while a thread encodes the whole collection (88,780 features
    // of a register take a few hundred ms), the others encode only their pages instead of
    // all encoding the collection at once (as many copies as workers, each a page's latency).
    if (it->second.encoding) return nullptr;
    it->second.encoding = true;
  }
  std::shared_ptr<const EncodedFeatures> data;
  try {
    data = std::make_shared<const EncodedFeatures>(encode_features(*c, crs));
  } catch (...) {
    std::lock_guard lock(m_mutex);
    if (auto it = m_slots.find(key); it != m_slots.end()) it->second.encoding = false;
    throw;
  }
  std::lock_guard lock(m_mutex);
  ++m_encodings;
  insert(key, c, data);
  if (auto it = m_slots.find(key); it != m_slots.end()) it->second.encoding = false;
  return data;
}

void FeatureEncodings::insert(const std::pair<const Collection*, geo::Crs>& key,
                              const CollectionPtr& c, std::shared_ptr<const EncodedFeatures> data) {
  // Drop entries of dead snapshots, then the least recently used beyond the limit.
  for (auto it = m_slots.begin(); it != m_slots.end();)
    it = it->second.owner.expired() ? m_slots.erase(it) : std::next(it);
  if (auto it = m_slots.find(key); it != m_slots.end()) {
    it->second.data = std::move(data);
    it->second.used = ++m_clock;
    return;
  }
  while (m_slots.size() >= m_max && !m_slots.empty()) {
    auto oldest = m_slots.begin();
    for (auto it = m_slots.begin(); it != m_slots.end(); ++it)
      if (it->second.used < oldest->second.used) oldest = it;
    m_slots.erase(oldest);
  }
  m_slots[key] = Slot{c, std::move(data), ++m_clock, std::chrono::steady_clock::now()};
}

std::size_t FeatureEncodings::encodings() const {
  std::lock_guard lock(m_mutex);
  return m_encodings;
}

ItemsPage items_page(FeatureEncodings& encodings, const CollectionPtr& c, const FeatureQuery& q,
                     const std::vector<int>& fields, bool all_fields, bool encode,
                     std::chrono::milliseconds settle) {
  ItemsPage out;
  out.page = execute(c, q);
  if (!encode) return out;
  const auto encoded = all_fields ? encodings.get_settled(c, q.crs, settle) : nullptr;
  std::string& s = out.features;
  s.reserve(2 + out.page.features.size() * 512);
  s.push_back('[');
  for (std::size_t i = 0; i < out.page.features.size(); ++i) {
    if (i) s.push_back(',');
    if (encoded)
      s += (*encoded)[c->index_of(*out.page.features[i])];
    else
      append_ogc_feature(s, *c, *out.page.features[i], q.crs, fields);
  }
  s.push_back(']');
  return out;
}

}  // namespace gebieden::layers
