#pragma once
// The area model of a gemeente: buurt -> wijk -> gebied -> gemeente, with geometries in
// EPSG:28992 (RD New) and a fast point -> area locator. Immutable after load(): safe to share
// between threads.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "geo/config.hpp"
#include "geo/geometry.hpp"

namespace gebieden::geo {

struct Buurt {
  std::string code;  // BU0080WWnn
  std::string name;
  std::string wijkcode;  // WK0080WW
  Geometry rd;           // EPSG:28992, valid (repaired where needed)
  Geometry wgs84;        // CRS84 (lon, lat), RFC 7946 orientation
  double area_m2 = 0;
  bool repaired = false;
  /// Population (CBS `aantal_inwoners`, mapped by boundaries.buurten.fields); nullopt when the
  /// source has no such field or marks it secret (CBS writes negative numbers then).
  std::optional<std::int64_t> inwoners;
};

struct Wijk {
  std::string code;
  std::string name;
  std::string gebied;                // gebied id
  std::vector<std::size_t> buurten;  // indices into AreaModel::buurten()
  Geometry rd;
  Geometry wgs84;
  double area_m2 = 0;
};

struct Gebied {
  GebiedConfig config;              // id, name, wijken, team
  std::vector<std::size_t> wijken;  // indices into AreaModel::wijken()
  Geometry rd;
  Geometry wgs84;
  double area_m2 = 0;
};

struct Gemeente {
  std::string code;
  std::string name;
  Geometry rd;  // from the gemeente source if loaded, else the union of the buurten
  Geometry wgs84;
  double area_m2 = 0;
  bool from_source = false;
};

/// The answer of point -> area.
struct AreaRef {
  std::string buurtcode, buurtnaam;
  std::string wijkcode, wijknaam;
  std::string gebied, gebiednaam;
  std::string gemeentecode;
};

/// One finding of loading or checking; severity "error" makes `gebieden check` fail.
struct Finding {
  enum class Severity { Info, Warning, Error };
  Severity severity = Severity::Info;
  std::string subject;  // a code or source
  std::string message;
};

class Locator;

class AreaModel {
 public:
  /// Load the boundaries and dissolve wijken and gebieden. Throws config_error / gdal_error.
  static AreaModel load(const Config& config);
  /// Build from buurten already in memory (tests, other loaders): dissolves as load() does.
  static AreaModel build(std::vector<Buurt> buurten,
                         const std::map<std::string, std::string>& wijknamen,
                         const AreaSchemeConfig& scheme, const std::string& gemeentecode,
                         const std::string& gemeentenaam, std::optional<Geometry> gemeente_rd = {});

  AreaModel(AreaModel&&) noexcept;
  AreaModel& operator=(AreaModel&&) noexcept;
  ~AreaModel();

  const std::vector<Buurt>& buurten() const { return m_buurten; }
  const std::vector<Wijk>& wijken() const { return m_wijken; }
  const std::vector<Gebied>& gebieden() const { return m_gebieden; }
  const Gemeente& gemeente() const { return m_gemeente; }
  /// Load findings (repairs, unknown codes) and, after check(), the topology findings.
  const std::vector<Finding>& findings() const { return m_findings; }

  const Buurt* buurt(const std::string& code) const;
  const Wijk* wijk(const std::string& code) const;
  const Gebied* gebied(const std::string& id) const;

  /// Point in EPSG:28992 -> area, or nullopt when outside every buurt. Thread-safe.
  std::optional<AreaRef> locate_rd(double x, double y) const;
  /// Index of the buurt holding the point, or -1.
  int locate_index(double x, double y) const;
  /// Same, by the exact GEOS STRtree + prepared-geometry path (the benchmark baseline).
  /// NOT thread-safe: single-threaded use only.
  int locate_index_geos(double x, double y) const;

  /// Topology report: every wijk in exactly one gebied, gaps and overlaps above the tolerances.
  std::vector<Finding> check(double gap_tolerance_m2, double overlap_tolerance_m2) const;

  AreaRef ref_of(std::size_t buurt_index) const;

 private:
  AreaModel();
  void finish(const AreaSchemeConfig& scheme, const std::map<std::string, std::string>& wijknamen);

  std::vector<Buurt> m_buurten;
  std::vector<Wijk> m_wijken;
  std::vector<Gebied> m_gebieden;
  Gemeente m_gemeente;
  std::vector<Finding> m_findings;
  std::map<std::string, std::size_t> m_buurt_index, m_wijk_index, m_gebied_index;
  std::unique_ptr<Locator> m_locator;
};

}  // namespace gebieden::geo
