#include "layers/collection.hpp"

#include <cstdio>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "layers/json_format.hpp"

namespace gebieden::layers {

void prepare_feature(Feature& e) {
  if (geo::has_degenerate_rings(e.wgs84)) e.wgs84 = geo::without_degenerate_rings(e.wgs84);
  if (geo::has_degenerate_rings(e.rd)) e.rd = geo::without_degenerate_rings(e.rd);
  e.bbox = e.wgs84.bbox();
  e.bbox_rd = e.rd.bbox();
  e.prepared = true;
}

Feature& FeatureList::edit(std::size_t i) {
  // A snapshot under construction is owned by one builder: an unshared Feature is changed in
  // place, a shared one is copied first. Every Feature is made non-const (make_shared<Feature>);
  // the const is the readers' view, so casting it away here is sound.
  if (m_items[i].use_count() != 1) m_items[i] = std::make_shared<Feature>(*m_items[i]);
  auto& f = const_cast<Feature&>(*m_items[i]);
  f.prepared = false;
  return f;
}

void FeatureList::sort_by_id() {
  std::sort(m_items.begin(), m_items.end(),
            [](const Ptr& a, const Ptr& b) { return a->id < b->id; });
}

void FeatureList::upsert_sorted(Ptr f) {
  auto it = std::lower_bound(m_items.begin(), m_items.end(), f->id,
                             [](const Ptr& a, const std::string& id) { return a->id < id; });
  if (it != m_items.end() && (*it)->id == f->id)
    *it = std::move(f);
  else
    m_items.insert(it, std::move(f));
}

bool FeatureList::erase_sorted(const std::string& id) {
  auto it = std::lower_bound(m_items.begin(), m_items.end(), id,
                             [](const Ptr& a, const std::string& x) { return a->id < x; });
  if (it == m_items.end() || (*it)->id != id) return false;
  m_items.erase(it);
  return true;
}

std::size_t Collection::find_index(const std::string& feature_id) const {
  if (m_sorted) {
    auto it = std::lower_bound(features.begin(), features.end(), feature_id,
                               [](const Feature& a, const std::string& id) { return a.id < id; });
    return it != features.end() && it->id == feature_id
               ? static_cast<std::size_t>(it - features.begin())
               : features.size();
  }
  auto it = m_by_id.find(feature_id);
  return it == m_by_id.end() ? features.size() : it->second;
}

std::size_t Collection::index_of(const Feature& f) const {
  return find_index(f.id);
}

std::shared_ptr<Collection> Collection::derive() const {
  auto c = std::make_shared<Collection>();
  c->id = id;
  c->title = title;
  c->description = description;
  c->fields = fields;
  c->features = features;
  c->geometry_type = geometry_type;
  c->display_field = display_field;
  c->attribution = attribution;
  c->start_field = start_field;
  c->end_field = end_field;
  return c;
}

namespace {

/// Sorts (objectid, index) pairs built in index order, as std::sort would: by objectid, then
/// index. Objectids are 31-bit (stable_objectid) or small counters, so a stable LSD radix sort
/// of 4 byte-wide passes does it in linear time: a new snapshot of 50,000 features is
/// finalized on every store write. Keys outside 0 .. 2^32-1 fall back to std::sort.
void sort_objectid_index(std::vector<std::pair<std::int64_t, std::uint32_t>>& v) {
  using Item = std::pair<std::int64_t, std::uint32_t>;
  const bool small = std::all_of(v.begin(), v.end(), [](const Item& p) {
    return p.first >= 0 && p.first <= std::numeric_limits<std::uint32_t>::max();
  });
  if (!small || v.size() < 256) {
    std::sort(v.begin(), v.end());
    return;
  }
  std::vector<Item> tmp(v.size());
  for (int shift = 0; shift < 32; shift += 8) {
    std::array<std::size_t, 257> start{};
    for (const Item& p : v) ++start[((static_cast<std::uint64_t>(p.first) >> shift) & 0xff) + 1];
    if (start[1] == v.size() && shift > 0) continue;  // every key has 0 here: order unchanged
    for (std::size_t b = 1; b < start.size(); ++b) start[b] += start[b - 1];
    for (const Item& p : v) tmp[start[(static_cast<std::uint64_t>(p.first) >> shift) & 0xff]++] = p;
    v.swap(tmp);
  }
}

}  // namespace

void Collection::finalize() {
  m_by_id.clear();
  m_by_objectid.clear();
  m_field_index.clear();
  m_extent = {};
  m_extent_rd = {};
  for (std::size_t i = 0; i < fields.size(); ++i)
    m_field_index[fields[i].name] = static_cast<int>(i);
  for (std::size_t i = 0; i < features.size(); ++i) {
    if (!features[i].prepared) prepare_feature(features.edit(i));
    const Feature& f = features[i];
    m_extent.expand(f.bbox);
    m_extent_rd.expand(f.bbox_rd);
    m_by_objectid.emplace_back(f.objectid, static_cast<std::uint32_t>(i));
  }
  sort_objectid_index(m_by_objectid);
  m_sorted = std::is_sorted(features.begin(), features.end(),
                            [](const Feature& a, const Feature& b) { return a.id < b.id; });
  if (!m_sorted)
    for (std::size_t i = 0; i < features.size(); ++i) m_by_id[features[i].id] = i;
  m_cell_start.clear();
  m_cell_items.clear();
  if (!m_extent.valid || features.empty()) return;
  // About 4 features per cell, at most 512 x 512 cells.
  const double cells = std::clamp(static_cast<double>(features.size()) / 4.0, 1.0, 512.0 * 512.0);
  const double w = std::max(m_extent.maxx - m_extent.minx, 1e-9);
  const double h = std::max(m_extent.maxy - m_extent.miny, 1e-9);
  const double side = std::sqrt(w * h / cells);
  m_nx = std::clamp<std::size_t>(static_cast<std::size_t>(w / side) + 1, 1, 512);
  m_ny = std::clamp<std::size_t>(static_cast<std::size_t>(h / side) + 1, 1, 512);
  m_cw = w / static_cast<double>(m_nx);
  m_ch = h / static_cast<double>(m_ny);
  struct Span {
    std::uint32_t x0, x1, y0, y1;
  };
  std::vector<Span> spans(features.size());
  const auto cell = [](double v, double origin, double size, std::size_t n) {
    return static_cast<std::uint32_t>(
        std::min<std::size_t>(static_cast<std::size_t>((v - origin) / size), n - 1));
  };
  m_cell_start.assign(m_nx * m_ny + 1, 0);
  for (std::size_t i = 0; i < features.size(); ++i) {
    const geo::Box& b = features[i].bbox;
    if (!b.valid) {
      spans[i] = {1, 0, 1, 0};  // empty
      continue;
    }
    Span& s = spans[i];
    s = {cell(b.minx, m_extent.minx, m_cw, m_nx), cell(b.maxx, m_extent.minx, m_cw, m_nx),
         cell(b.miny, m_extent.miny, m_ch, m_ny), cell(b.maxy, m_extent.miny, m_ch, m_ny)};
    for (std::uint32_t y = s.y0; y <= s.y1; ++y)
      for (std::uint32_t x = s.x0; x <= s.x1; ++x) ++m_cell_start[y * m_nx + x + 1];
  }
  for (std::size_t c = 1; c < m_cell_start.size(); ++c) m_cell_start[c] += m_cell_start[c - 1];
  m_cell_items.resize(m_cell_start.back());
  std::vector<std::uint32_t> next(m_cell_start.begin(), m_cell_start.end() - 1);
  for (std::size_t i = 0; i < features.size(); ++i) {
    const Span& s = spans[i];
    for (std::uint32_t y = s.y0; y <= s.y1; ++y)
      for (std::uint32_t x = s.x0; x <= s.x1; ++x)
        m_cell_items[next[y * m_nx + x]++] = static_cast<std::uint32_t>(i);
  }
}

const Feature* Collection::find(const std::string& feature_id) const {
  const std::size_t i = find_index(feature_id);
  return i < features.size() ? &features[i] : nullptr;
}

const Feature* Collection::find_objectid(std::int64_t objectid) const {
  auto it = std::lower_bound(m_by_objectid.begin(), m_by_objectid.end(),
                             std::pair<std::int64_t, std::uint32_t>(objectid, 0));
  return it != m_by_objectid.end() && it->first == objectid ? &features[it->second] : nullptr;
}

int Collection::field_index(const std::string& name) const {
  auto it = m_field_index.find(name);
  return it == m_field_index.end() ? -1 : it->second;
}

std::vector<std::size_t> Collection::candidates(const geo::Box& box) const {
  std::vector<std::size_t> out;
  if (!m_extent.intersects(box) || m_cell_start.empty()) return out;
  auto cx = [&](double x) {
    return static_cast<std::size_t>(
        std::clamp((x - m_extent.minx) / m_cw, 0.0, static_cast<double>(m_nx - 1)));
  };
  auto cy = [&](double y) {
    return static_cast<std::size_t>(
        std::clamp((y - m_extent.miny) / m_ch, 0.0, static_cast<double>(m_ny - 1)));
  };
  const std::size_t x0 = cx(box.minx), x1 = cx(box.maxx), y0 = cy(box.miny), y1 = cy(box.maxy);
  for (std::size_t y = y0; y <= y1; ++y)
    for (std::size_t x = x0; x <= x1; ++x)
      for (std::uint32_t k = m_cell_start[y * m_nx + x]; k < m_cell_start[y * m_nx + x + 1]; ++k)
        if (const std::uint32_t i = m_cell_items[k]; features[i].bbox.intersects(box))
          out.push_back(i);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

CollectionPtr CatalogueView::get(const std::string& id) const {
  if (m_all)
    for (const auto& c : *m_all)
      if (c->id == id) return c;
  return nullptr;
}

const std::vector<CollectionPtr>& CatalogueView::all() const {
  static const std::vector<CollectionPtr> kNone;
  return m_all ? *m_all : kNone;
}

Catalogue::Catalogue() : m_current(std::make_shared<const std::vector<CollectionPtr>>()) {}

void Catalogue::add(CollectionPtr c) {
  std::lock_guard lock(m_write);
  auto next = std::make_shared<std::vector<CollectionPtr>>(*m_current.load());
  for (const auto& s : *next)
    if (s->id == c->id) throw std::logic_error("duplicate collection id " + c->id);
  next->push_back(std::move(c));
  m_current.store(std::move(next));
}

void Catalogue::replace(CollectionPtr c) {
  std::lock_guard lock(m_write);
  auto next = std::make_shared<std::vector<CollectionPtr>>(*m_current.load());
  for (auto& s : *next) {
    if (s->id == c->id) {
      s = std::move(c);
      m_current.store(std::move(next));
      return;
    }
  }
  throw std::logic_error("no collection " + c->id + " to replace");
}

void Catalogue::replace_all(const std::vector<CollectionPtr>& cs) {
  std::lock_guard lock(m_write);
  auto next = std::make_shared<std::vector<CollectionPtr>>(*m_current.load());
  for (const auto& c : cs)
    for (auto& s : *next)
      if (s->id == c->id) s = c;
  m_current.store(std::move(next));
}

namespace {
struct Fnv {
  std::uint64_t h = 14695981039346656037ull;
  void bytes(const void* p, std::size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < n; ++i) {
      h ^= b[i];
      h *= 1099511628211ull;
    }
  }
  void text(const std::string& s) {
    const std::uint64_t n = s.size();
    bytes(&n, sizeof n);
    bytes(s.data(), s.size());
  }
};
}  // namespace

std::string feature_etag(const Collection& c, const Feature& f) {
  Fnv h;
  h.text(f.id);
  for (std::size_t i = 0; i < f.values.size() && i < c.fields.size(); ++i) {
    if (c.fields[i].is_private) continue;
    const unsigned char tag = static_cast<unsigned char>(f.values[i].index());
    h.bytes(&tag, 1);
    h.text(c.fields[i].name);
    h.text(to_string(f.values[i]));
  }
  const auto type = static_cast<int>(f.wgs84.type);
  h.bytes(&type, sizeof type);
  for (const auto& part : f.wgs84.parts)
    for (const auto& ring : part) {
      const std::uint64_t n = ring.size();
      h.bytes(&n, sizeof n);
      for (const auto& p : ring) {
        h.bytes(&p.x, sizeof p.x);
        h.bytes(&p.y, sizeof p.y);
      }
    }
  char buf[24];
  std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(h.h));
  return buf;
}

std::string to_string(const Value& v) {
  struct V {
    std::string operator()(std::monostate) const { return {}; }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return format_number(d, 10); }
    std::string operator()(const std::string& s) const { return s; }
  };
  return std::visit(V{}, v);
}

}  // namespace gebieden::layers
