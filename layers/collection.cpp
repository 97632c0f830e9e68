#include "layers/collection.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "layers/json_format.hpp"

namespace gebieden::layers {

void Collection::finalize() {
  m_by_id.clear();
  m_by_objectid.clear();
  m_field_index.clear();
  m_extent = {};
  m_extent_rd = {};
  for (std::size_t i = 0; i < fields.size(); ++i)
    m_field_index[fields[i].name] = static_cast<int>(i);
  for (std::size_t i = 0; i < features.size(); ++i) {
    Feature& f = features[i];
    if (geo::has_degenerate_rings(f.wgs84)) f.wgs84 = geo::without_degenerate_rings(f.wgs84);
    if (geo::has_degenerate_rings(f.rd)) f.rd = geo::without_degenerate_rings(f.rd);
    f.bbox = f.wgs84.bbox();
    m_extent.expand(f.bbox);
    m_extent_rd.expand(f.rd.bbox());
    m_by_id[f.id] = i;
    m_by_objectid[f.objectid] = i;
  }
  m_grid.clear();
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
  m_grid.assign(m_nx * m_ny, {});
  for (std::size_t i = 0; i < features.size(); ++i) {
    const geo::Box& b = features[i].bbox;
    if (!b.valid) continue;
    const auto x0 =
        std::min<std::size_t>(static_cast<std::size_t>((b.minx - m_extent.minx) / m_cw), m_nx - 1);
    const auto x1 =
        std::min<std::size_t>(static_cast<std::size_t>((b.maxx - m_extent.minx) / m_cw), m_nx - 1);
    const auto y0 =
        std::min<std::size_t>(static_cast<std::size_t>((b.miny - m_extent.miny) / m_ch), m_ny - 1);
    const auto y1 =
        std::min<std::size_t>(static_cast<std::size_t>((b.maxy - m_extent.miny) / m_ch), m_ny - 1);
    for (std::size_t y = y0; y <= y1; ++y)
      for (std::size_t x = x0; x <= x1; ++x)
        m_grid[y * m_nx + x].push_back(static_cast<std::uint32_t>(i));
  }
}

const Feature* Collection::find(const std::string& feature_id) const {
  auto it = m_by_id.find(feature_id);
  return it == m_by_id.end() ? nullptr : &features[it->second];
}

const Feature* Collection::find_objectid(std::int64_t objectid) const {
  auto it = m_by_objectid.find(objectid);
  return it == m_by_objectid.end() ? nullptr : &features[it->second];
}

int Collection::field_index(const std::string& name) const {
  auto it = m_field_index.find(name);
  return it == m_field_index.end() ? -1 : it->second;
}

std::vector<std::size_t> Collection::candidates(const geo::Box& box) const {
  std::vector<std::size_t> out;
  if (!m_extent.intersects(box) || m_grid.empty()) return out;
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
      for (auto i : m_grid[y * m_nx + x])
        if (features[i].bbox.intersects(box)) out.push_back(i);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void Catalogue::add(CollectionPtr c) {
  for (const auto& s : m_slots)
    if (s.id == c->id) throw std::logic_error("duplicate collection id " + c->id);
  Slot slot{c->id, std::make_shared<std::atomic<std::shared_ptr<const Collection>>>(c)};
  m_slots.push_back(std::move(slot));
}

void Catalogue::replace(CollectionPtr c) {
  for (auto& s : m_slots) {
    if (s.id == c->id) {
      s.ptr->store(std::move(c));
      return;
    }
  }
  throw std::logic_error("no collection " + c->id + " to replace");
}

CollectionPtr Catalogue::get(const std::string& id) const {
  for (const auto& s : m_slots)
    if (s.id == id) return s.ptr->load();
  return nullptr;
}

std::vector<CollectionPtr> Catalogue::all() const {
  std::vector<CollectionPtr> out;
  for (const auto& s : m_slots) out.push_back(s.ptr->load());
  return out;
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
