#include "layers/feature_store.hpp"

#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>

#include "geo/crs.hpp"
#include "geo/gdal_io.hpp"
#include "layers/boundaries.hpp"
#include "util/calendar.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace gebieden::layers {

namespace {
std::string now_utc() {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  return util::format_iso_datetime(ms / 1000 * 1000, false);
}

std::vector<std::string> all_soorten(const geo::StoreConfig& store) {
  std::vector<std::string> out;
  for (const auto& c : store.collections)
    for (const auto& s : c.soort)
      if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  return out;
}

/// The rows of `table` converted to `columns` (by name): values that do not convert are left
/// null and reported in `messages`.
std::vector<geo::TableRow> convert_rows(const geo::Table& table,
                                        const std::vector<geo::TableField>& columns, int c_id,
                                        std::vector<std::string>& messages) {
  std::vector<int> from(columns.size(), -1);
  for (std::size_t i = 0; i < columns.size(); ++i)
    for (std::size_t j = 0; j < table.fields.size(); ++j)
      if (table.fields[j].name == columns[i].name) from[i] = static_cast<int>(j);
  std::vector<geo::TableRow> out;
  for (const auto& row : table.rows) {
    geo::TableRow r;
    r.fid = -1;
    r.wkb = row.wkb;
    r.values.resize(columns.size());
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (from[i] < 0) continue;
      const auto& v = row.values[static_cast<std::size_t>(from[i])];
      if (!v || v->empty()) continue;
      std::string error;
      r.values[i] = convert_text(*v, columns[i].type, error);
      if (!r.values[i]) {
        const std::string id = c_id >= 0 && row.values[static_cast<std::size_t>(c_id)]
                                   ? *row.values[static_cast<std::size_t>(c_id)]
                                   : std::to_string(row.fid);
        messages.push_back("store: " + id + ": " + columns[i].name + " " + error +
                           " (left empty; the value is in " + table.source + ")");
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

bool same_columns(const std::vector<geo::TableField>& a, const std::vector<geo::TableField>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].name != b[i].name || a[i].type != b[i].type) return false;
  return true;
}

}  // namespace

bool if_match_matches(const std::string& header, const std::string& etag) {
  for (auto part : util::split_trimmed(header, ',')) {
    if (part == "*") return true;
    if (part.substr(0, 2) == "W/") continue;  // weak: never matches (strong comparison)
    if (part == etag) return true;
  }
  return false;
}

std::shared_ptr<FeatureStore> FeatureStore::open(const geo::Config& config,
                                                 std::shared_ptr<const geo::AreaModel> model,
                                                 std::shared_ptr<const geo::Geocoder> geocoder,
                                                 std::vector<std::string>& messages) {
  std::shared_ptr<FeatureStore> s(new FeatureStore());
  s->m_config = config;
  s->m_model = std::move(model);
  s->m_geocoder = std::move(geocoder);
  s->m_where = StoreLocation::of(config);
  s->m_to_wgs = std::make_unique<geo::Transformer>(4326, 28992);
  namespace fs = std::filesystem;
  std::optional<StoreSchemaDef> def;
  if (!config.store.schema.empty()) {
    def = StoreSchemaDef::load(config.store.schema, all_soorten(config.store));
    for (const auto& c : config.store.collections)
      if (!c.start_field.empty() && !c.end_field.empty() &&
          std::find(def->intervals.begin(), def->intervals.end(),
                    std::pair(c.start_field, c.end_field)) == def->intervals.end())
        def->intervals.emplace_back(c.start_field, c.end_field);
  }

  if (!StoreFile::exists(s->m_where)) {
    // Seed a new store from store.source, in the schema's columns.
    std::vector<std::string> tried;
    auto table = geo::read_table(config, config.store.source, 28992, tried);
    if (!table) {
      std::string msg = "no store source could be opened (to seed " + s->m_where.display + "):";
      for (const auto& t : tried) msg += "\n  " + t;
      throw config_error("store.source.sources", msg);
    }
    std::vector<geo::TableField> fields = def ? def->columns(table->fields) : table->fields;
    if (std::none_of(fields.begin(), fields.end(),
                     [&](const geo::TableField& f) { return f.name == config.store.id_field; })) {
      fields.insert(fields.begin(),
                    geo::TableField{config.store.id_field, geo::TableField::Type::String});
      table->fields.push_back(
          geo::TableField{config.store.id_field, geo::TableField::Type::String});
      for (auto& row : table->rows) row.values.push_back(std::to_string(row.fid));
    }
    const StoreSchema seed = StoreSchema::make(table->fields, config.store);
    auto rows = convert_rows(*table, fields, seed.c_id, messages);
    if (StoreFile::create(s->m_where, fields, rows, {}))
      messages.push_back("store: created " + s->m_where.display + " from " + table->source + " (" +
                         std::to_string(rows.size()) + " records)");
  }

  // Opened for update at once: a hot journal or WAL that a crash left is recovered here.
  s->m_file = std::make_unique<StoreFile>(s->m_where);
  s->m_seen = s->m_file->last_seq();  // before the table: a write in between is caught up
  auto table = std::optional<geo::Table>(s->m_file->table());
  if (def && !same_columns(table->fields, def->columns(table->fields))) {
    // Migrate to the schema: a new file with its columns (values converted; history kept), the
    // old file kept beside it.
    const auto fields = def->columns(table->fields);
    const StoreSchema old = StoreSchema::make(table->fields, config.store);
    auto rows = convert_rows(*table, fields, old.c_id, messages);
    const auto history = s->m_file->history("");
    if (s->m_where.postgis)
      StoreFile::create(s->m_where, fields, rows, history, true);  // throws: not automatic
    s->m_file.reset();  // closed: the WAL is checkpointed into the file that is copied
    const std::string backup =
        s->m_where.name + ".before-schema-" +
        std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count()) +
        ".gpkg";
    std::error_code ec;
    fs::copy_file(s->m_where.name, backup, ec);
    if (ec) throw gdal_error("cannot keep a copy of the store before migrating it: " + backup);
    StoreFile::create(s->m_where, fields, rows, history, true);
    messages.push_back("store: migrated " + s->m_where.display + " to the schema " +
                       config.store.schema + " (the previous file is " + backup + ")");
    s->m_file = std::make_unique<StoreFile>(s->m_where);
    s->m_seen = s->m_file->last_seq();
    table = s->m_file->table();
  }
  s->m_schema = StoreSchema::make(table->fields, config.store, def);
  // ETags are of the full representation (no field private), as the full view serves it.
  s->m_etag_fields.fields = s->m_schema.fields;
  for (auto& f : s->m_etag_fields.fields) f.is_private = false;
  if (s->m_schema.c_id < 0)
    throw config_error("store.id_field", "the store " + s->m_where.display + " has no column '" +
                                             config.store.id_field + "'");
  messages.push_back("store: " + std::to_string(table->rows.size()) + " records from " +
                     table->source);
  for (auto& row : table->rows) {
    Entry e = s->place(std::move(row));
    if (!e.placed.result.placed()) messages.push_back(not_placed_message(e.placed));
    s->put(std::move(e));
  }
  // Other instances' writes (and `gebieden import` beside a running server) are looked for
  // every store.sync_interval_ms.
  s->m_sync = std::thread([p = s.get()] { p->sync_loop(); });
  return s;
}

FeatureStore::~FeatureStore() {
  {
    std::lock_guard lock(m_stop_mutex);
    m_stop = true;
  }
  m_stop_cv.notify_all();
  if (m_sync.joinable()) m_sync.join();
}

void FeatureStore::sync_loop() {
  const auto interval = std::chrono::milliseconds(std::max(10, m_config.store.sync_interval_ms));
  std::unique_lock stop(m_stop_mutex);
  while (!m_stop_cv.wait_for(stop, interval, [&] { return m_stop; })) {
    stop.unlock();
    try {
      std::unique_lock lock(m_mutex);
      const auto changes = catch_up();
      if (!changes.empty()) {
        std::lock_guard pub(m_publish_mutex);
        lock.unlock();
        publish(changes);
      }
    } catch (const std::exception&) {
      // The store cannot be read now (a database restart): the next round tries again, and a
      // write says what is wrong.
    }
    stop.lock();
  }
}

std::vector<FeatureStore::Change> FeatureStore::catch_up() {
  std::vector<Change> changes;
  const auto since = m_file->history_since(m_seen);
  if (since.empty()) return changes;
  std::vector<std::string> ids;
  for (const auto& h : since) {
    m_seen = std::max(m_seen, h.seq);
    if (std::find(ids.begin(), ids.end(), h.record_id) == ids.end()) ids.push_back(h.record_id);
  }
  std::set<std::string> present;
  for (auto& row : m_file->rows_with_ids(m_config.store.id_field, ids)) {
    Entry e = place(std::move(row));
    const std::string id = e.feature().id;
    if (!present.insert(id).second) continue;
    Change c{id, snap(id), std::nullopt};
    put(std::move(e));
    c.after = snap(id);
    changes.push_back(std::move(c));
  }
  for (const auto& id : ids) {
    if (present.count(id) || find(id) == std::string::npos) continue;
    changes.push_back(Change{id, snap(id), std::nullopt});
    erase(id);
  }
  return changes;
}

bool FeatureStore::is_public(const Entry& e) const {
  if (!m_schema.def || !m_schema.def->status) return true;
  const int c = m_schema.index_of(m_schema.def->status->field);
  if (c < 0 || static_cast<std::size_t>(c) >= m_schema.n_source) return true;
  return m_schema.def->is_public(e.placed.soort, e.row.values[static_cast<std::size_t>(c)]);
}

std::optional<FeatureStore::Snap> FeatureStore::snap(const std::string& id) const {
  const std::size_t i = find(id);
  if (i == std::string::npos) return std::nullopt;
  const Entry& e = m_entries[i];
  return Snap{e.placed.shared, e.placed.soort, e.placed.result, is_public(e)};
}

void FeatureStore::put(Entry e) {
  const std::string id = e.feature().id;
  if (auto it = m_index.find(id); it != m_index.end()) {
    m_entries[it->second] = std::move(e);
    return;
  }
  m_index[id] = m_entries.size();
  m_entries.push_back(std::move(e));
}

void FeatureStore::erase(const std::string& id) {
  auto it = m_index.find(id);
  if (it == m_index.end()) return;
  const std::size_t i = it->second;
  m_index.erase(it);
  if (i + 1 != m_entries.size()) {
    m_entries[i] = std::move(m_entries.back());
    m_index[m_entries[i].feature().id] = i;
  }
  m_entries.pop_back();
}

FeatureStore::Entry FeatureStore::place(geo::TableRow row) const {
  Entry e;
  e.placed = place_record(m_schema, row, *m_model, m_geocoder.get(), *m_to_wgs);
  e.row = std::move(row);
  e.etag = feature_etag(m_etag_fields, e.placed.feature);
  // One Feature, shared by both views' collections and kept while the record does not change.
  e.placed.feature.objectid = stable_objectid(e.placed.feature.id);
  prepare_feature(e.placed.feature);
  e.placed.shared = std::make_shared<Feature>(std::move(e.placed.feature));
  e.placed.feature = Feature{};
  return e;
}

RecordValues FeatureStore::values_of(const geo::TableRow& row) const {
  RecordValues out;
  for (std::size_t i = 0; i < m_schema.source.size() && i < row.values.size(); ++i)
    out[m_schema.source[i].name] = row.values[i];
  return out;
}

std::string FeatureStore::history_json(const Entry* e) const {
  using json = nlohmann::json;
  if (!e) return "null";
  json props = json::object();
  for (std::size_t i = 0; i < m_schema.n_source; ++i) {
    const Value& v = e->feature().values[i];
    const std::string& name = m_schema.fields[i].name;
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::monostate>)
            props[name] = nullptr;
          else
            props[name] = x;
        },
        v);
  }
  json geometry = nullptr;
  if (e->feature().wgs84.type == geo::GeometryType::Point && !e->row.wkb.empty()) {
    const auto& p = e->feature().wgs84.parts[0][0][0];
    geometry = {{"type", "Point"}, {"coordinates", {p.x, p.y}}};
  }
  return json{{"properties", props}, {"geometry", geometry}}.dump();
}

std::size_t FeatureStore::find(const std::string& id) const {
  auto it = m_index.find(id);
  return it == m_index.end() ? std::string::npos : it->second;
}

StoreLoad FeatureStore::build(bool full) const {
  std::vector<const PlacedRecord*> records;
  records.reserve(m_entries.size());
  const int c_status =
      m_schema.def && m_schema.def->status ? m_schema.index_of(m_schema.def->status->field) : -1;
  for (const auto& e : m_entries) {
    if (!full && m_schema.def && c_status >= 0 &&
        static_cast<std::size_t>(c_status) < m_schema.n_source) {
      const auto& v = e.row.values[static_cast<std::size_t>(c_status)];
      if (!m_schema.def->is_public(e.placed.soort, v)) continue;
    }
    records.push_back(&e.placed);
  }
  return build_store(m_config, m_schema, records, *m_model, full);
}

StoreLoad FeatureStore::snapshot(bool full) const {
  std::lock_guard lock(m_mutex);
  return build(full);
}

void FeatureStore::publish_to(Catalogue* public_catalogue, Catalogue* full_catalogue) {
  std::lock_guard lock(m_mutex);
  std::lock_guard pub(m_publish_mutex);
  m_public = public_catalogue;
  m_full = full_catalogue;
  m_counts[0] = build(false).counts;
  m_counts[1] = build(true).counts;
}

void FeatureStore::publish(const std::vector<Change>& changes) {
  const std::string& gemeente = m_model->gemeente().code;
  for (const int v : {0, 1}) {
    Catalogue* target = v ? m_full : m_public;
    if (!target) continue;
    const bool full = v == 1;
    std::map<std::string, std::shared_ptr<Collection>> next;  // the collections changed
    std::set<std::string> reassign;  // collections where a new objectid collides
    AreaCounts& counts = m_counts[v];
    const auto collection = [&](const std::string& id) -> Collection* {
      auto it = next.find(id);
      if (it != next.end()) return it->second.get();
      auto prev = target->get(id);
      if (!prev) return nullptr;
      return (next[id] = prev->derive()).get();
    };
    const auto count = [&](const std::string& cid, const geo::GeocodeResult& r, int d) {
      if (!r.placed()) return;
      auto& per_area = counts[cid];
      for (const std::string* code : {&r.buurtcode, &r.wijkcode, &r.gebied, &gemeente})
        per_area[*code] += d;
    };
    for (const auto& ch : changes) {
      for (const auto& lc : m_config.store.collections) {
        const auto has = [&](const std::optional<Snap>& s) {
          return s && (full || s->is_public) &&
                 std::find(lc.soort.begin(), lc.soort.end(), s->soort) != lc.soort.end();
        };
        const bool was = has(ch.before), is = has(ch.after);
        if (!was && !is) continue;
        Collection* c = collection(lc.id);
        if (!c) continue;
        if (was) {
          c->features.erase_sorted(ch.id);
          count(lc.id, ch.before->result, -1);
        }
        if (is) {
          const auto& f = ch.after->feature;
          const Feature* other = target->get(lc.id)->find_objectid(f->objectid);
          if (other && other->id != f->id) reassign.insert(lc.id);
          c->features.upsert_sorted(f);
          count(lc.id, ch.after->result, +1);
        }
      }
    }
    if (next.empty()) continue;
    std::vector<CollectionPtr> all;
    AreaCounts changed;
    for (auto& [id, c] : next) {
      if (reassign.count(id)) assign_objectids(c->features);
      c->finalize();
      all.push_back(c);
      changed[id] = counts[id];
    }
    std::vector<CollectionPtr> boundaries;
    for (const char* b : {"buurten", "wijken", "gebieden", "gemeente"})
      boundaries.push_back(target->get(b));
    for (auto& c : with_counts(boundaries, changed)) all.push_back(c);
    target->replace_all(all);
  }
}

std::optional<std::string> FeatureStore::soort_of(const std::string& id) const {
  std::lock_guard lock(m_mutex);
  const std::size_t i = find(id);
  if (i == std::string::npos) return std::nullopt;
  return m_entries[i].placed.soort;
}

std::optional<StoredRecord> FeatureStore::get(const std::string& id) const {
  std::lock_guard lock(m_mutex);
  const std::size_t i = find(id);
  if (i == std::string::npos) return std::nullopt;
  const Entry& e = m_entries[i];
  StoredRecord r;
  r.id = id;
  r.soort = e.placed.soort;
  r.etag = e.etag;
  r.values = values_of(e.row);
  r.result = e.placed.result;
  if (!e.row.wkb.empty() && e.feature().wgs84.type == geo::GeometryType::Point)
    r.point_crs84 = e.feature().wgs84.parts[0][0][0];
  if (m_schema.def && m_schema.def->status) {
    auto it = r.values.find(m_schema.def->status->field);
    r.is_public =
        m_schema.def->is_public(r.soort, it == r.values.end() ? std::nullopt : it->second);
  }
  return r;
}

std::vector<HistoryEntry> FeatureStore::history(const std::string& id) const {
  std::lock_guard lock(m_mutex);
  return m_file->history(id);
}

std::size_t FeatureStore::waiting() const {
  std::lock_guard lock(m_mutex);
  if (!m_schema.def || !m_schema.def->status) return 0;
  const auto& wf = *m_schema.def->status;
  const int c = m_schema.index_of(wf.field);
  if (c < 0 || static_cast<std::size_t>(c) >= m_schema.n_source) return 0;
  std::size_t n = 0;
  for (const auto& e : m_entries)
    if (wf.soorten.count(e.placed.soort) && e.row.values[static_cast<std::size_t>(c)] == wf.initial)
      ++n;
  return n;
}

struct FeatureStore::Pending {
  const Pending* parent = nullptr;  // the batch that this job's writes join
  std::vector<StoreFile::Op> ops;
  std::map<std::string, std::optional<Entry>> overlay;  // id -> its new state (nullopt: gone)
  /// The pending state of `id` here or in a parent (null: nothing pending).
  const std::optional<Entry>* lookup(const std::string& id) const {
    for (const Pending* p = this; p; p = p->parent)
      if (auto it = p->overlay.find(id); it != p->overlay.end()) return &it->second;
    return nullptr;
  }
  void merge(Pending&& other) {
    for (auto& op : other.ops) ops.push_back(std::move(op));
    for (auto& [id, state] : other.overlay) overlay[id] = std::move(state);
  }
};

struct FeatureStore::Job {
  const std::vector<WriteRequest>* requests = nullptr;
  bool atomic = true;
  std::vector<WriteResult> out;
  std::exception_ptr error;
  bool done = false;
};

WriteResult FeatureStore::prepare(const WriteRequest& w, Pending& pending,
                                  const std::string& now) const {
  WriteResult out;
  out.id = w.record.id;
  const Entry* cur = nullptr;
  if (const auto* state = pending.lookup(w.record.id)) {
    cur = *state ? &**state : nullptr;
  } else if (const std::size_t i = find(w.record.id); i != std::string::npos) {
    cur = &m_entries[i];
  }
  const auto in_collection = [&](const Entry& e) {
    return w.soorten.empty() ||
           std::find(w.soorten.begin(), w.soorten.end(), e.placed.soort) != w.soorten.end();
  };
  if (w.record.id.empty()) {
    out.outcome = WriteOutcome::Invalid;
    out.problems.push_back({m_config.store.id_field, "is required"});
    return out;
  }
  if (w.op == WriteOp::Create) {
    if (cur) {
      out.outcome = WriteOutcome::Conflict;
      return out;
    }
  } else {
    if (!cur || !in_collection(*cur)) {
      out.outcome = WriteOutcome::NotFound;
      return out;
    }
    out.soort = cur->placed.soort;
    if (w.if_match && !if_match_matches(*w.if_match, cur->etag)) {
      out.outcome = WriteOutcome::PreconditionFailed;
      out.etag = cur->etag;
      return out;
    }
  }
  HistoryEntry h;
  h.record_id = w.record.id;
  h.actor = w.actor;
  h.at = now;
  h.before = history_json(cur);
  const char* op_names[] = {"create", "replace", "patch", "delete"};
  h.op = op_names[static_cast<int>(w.op)];

  if (w.op == WriteOp::Delete) {
    h.after = "null";
    StoreFile::Op op;
    op.kind = StoreFile::Op::Kind::Delete;
    op.id = w.record.id;
    op.row.fid = cur->row.fid;
    op.history = std::move(h);
    pending.ops.push_back(std::move(op));
    pending.overlay[w.record.id] = std::nullopt;
    out.outcome = WriteOutcome::Deleted;
    return out;
  }

  // The new row: from nothing (create, replace) or from the current one (patch).
  const std::size_t n = m_schema.source.size();
  geo::TableRow row;
  row.values.resize(n);
  if (w.op == WriteOp::Patch) row = cur->row;
  if (cur) row.fid = cur->row.fid;
  auto column = [&](const std::string& name) -> int {
    for (std::size_t i = 0; i < n; ++i)
      if (m_schema.source[i].name == name) return static_cast<int>(i);
    return -1;
  };
  for (const auto& [name, value] : w.record.values) {
    const int c = column(name);
    if (c < 0) {
      out.problems.push_back({name, "is not a field of the store"});
      continue;
    }
    const SchemaField* sf = m_schema.def ? m_schema.def->field(name) : nullptr;
    if (sf && sf->system && !w.submission) continue;  // kept by the store
    if (!value || value->empty()) {
      row.values[static_cast<std::size_t>(c)] = std::nullopt;
      continue;
    }
    std::string error;
    auto v = convert_text(*value, m_schema.source[static_cast<std::size_t>(c)].type, error);
    if (!v) {
      out.problems.push_back({name, error});
      continue;
    }
    row.values[static_cast<std::size_t>(c)] = std::move(v);
  }
  row.values[static_cast<std::size_t>(m_schema.c_id)] = w.record.id;
  // System columns: kept from the current row, set by the store.
  if (m_schema.def) {
    for (const auto& f : m_schema.def->fields) {
      if (!f.system) continue;
      const int c = column(f.name);
      if (c < 0) continue;
      if (cur && w.op == WriteOp::Replace)
        row.values[static_cast<std::size_t>(c)] = cur->row.values[static_cast<std::size_t>(c)];
      if (f.name == "aangemaakt_op" && !cur) row.values[static_cast<std::size_t>(c)] = now;
      if (f.name == "aangemaakt_door" && !cur)
        row.values[static_cast<std::size_t>(c)] =
            w.actor.empty() ? std::nullopt : std::optional(w.actor);
      if (f.name == "gewijzigd_op") row.values[static_cast<std::size_t>(c)] = now;
      if (f.name == "gewijzigd_door")
        row.values[static_cast<std::size_t>(c)] =
            w.actor.empty() ? std::nullopt : std::optional(w.actor);
    }
    if (w.submission && m_schema.def->status) {
      const int c = column(m_schema.def->status->field);
      if (c >= 0) row.values[static_cast<std::size_t>(c)] = m_schema.def->status->initial;
    }
    // A decision gets its date when none is given.
    if (const auto& wf = m_schema.def->status; wf && !wf->decision_date_field.empty()) {
      const int cs = column(wf->field), cd = column(wf->decision_date_field);
      if (cs >= 0 && cd >= 0 && row.values[static_cast<std::size_t>(cs)] &&
          wf->decisions.count(*row.values[static_cast<std::size_t>(cs)]) &&
          !row.values[static_cast<std::size_t>(cd)] &&
          (!cur || cur->row.values[static_cast<std::size_t>(cs)] !=
                       row.values[static_cast<std::size_t>(cs)]))
        row.values[static_cast<std::size_t>(cd)] = now.substr(0, 10);
    }
  }
  // The point: given (create, replace, a patch that sets it), kept (a patch that does not).
  bool own_point = false;
  if (w.op != WriteOp::Patch || w.patch_point) {
    row.wkb.clear();
    if (w.record.point_crs84) {
      const geo::XY rd = m_to_wgs->forward(*w.record.point_crs84);
      OGRPoint p(rd.x, rd.y);
      row.wkb.resize(p.WkbSize());
      p.exportToWkb(wkbNDR, row.wkb.data(), wkbVariantIso);
      own_point = true;
    }
  }
  if (m_schema.def) {
    std::set<std::string> gebied_ids;
    for (const auto& g : m_model->gebieden()) gebied_ids.insert(g.config.id);
    const RecordValues before = cur ? values_of(cur->row) : RecordValues{};
    for (auto& p : m_schema.def->check_record(values_of(row), cur ? &before : nullptr,
                                              m_config.store.soort_field, gebied_ids))
      if (std::none_of(out.problems.begin(), out.problems.end(),
                       [&](const FieldProblem& q) { return q.field == p.field; }))
        out.problems.push_back(std::move(p));
  }
  Entry e = place(std::move(row));  // placed before anything is written
  if (own_point && !e.placed.result.placed()) {
    const geo::XY& p = *w.record.point_crs84;
    const geo::XY swapped = m_to_wgs->forward(geo::XY{p.y, p.x});
    if (m_model->locate_rd(swapped.x, swapped.y))
      out.problems.push_back({"geometry", "[" + std::to_string(p.x) + ", " + std::to_string(p.y) +
                                              "] is outside the gemeente, and swapped it is "
                                              "inside: GeoJSON coordinates are [lon, lat]"});
    else
      out.problems.push_back({"geometry", "the point is outside the gemeente " +
                                              m_model->gemeente().name +
                                              " (coordinates are "
                                              "[lon, lat] in CRS84 unless Content-Crs says "
                                              "otherwise)"});
  }
  if (!out.problems.empty()) {
    out.outcome = WriteOutcome::Invalid;
    return out;
  }
  h.after = history_json(&e);
  out.outcome = cur ? WriteOutcome::Replaced : WriteOutcome::Created;
  out.soort = e.placed.soort;
  out.result = e.placed.result;
  out.etag = e.etag;
  StoreFile::Op op;
  op.kind = cur ? StoreFile::Op::Kind::Set : StoreFile::Op::Kind::Insert;
  op.id = w.record.id;
  op.row = e.row;
  op.history = std::move(h);
  pending.ops.push_back(std::move(op));
  pending.overlay[w.record.id] = std::move(e);
  return out;
}

WriteResult FeatureStore::write(const WriteRequest& request) {
  return write_batch({request}, true).front();
}

std::vector<WriteResult> FeatureStore::write_batch(const std::vector<WriteRequest>& requests,
                                                   bool atomic) {
  // Group commit: the job joins the queue; the first writer that finds no leader runs every
  // queued job in one transaction, then hands over.
  Job job;
  job.requests = &requests;
  job.atomic = atomic;
  std::unique_lock queue(m_queue_mutex);
  m_queue.push_back(&job);
  while (!job.done) {
    if (m_leader) {
      m_queue_cv.wait(queue);
      continue;
    }
    m_leader = true;
    std::vector<Job*> jobs;
    jobs.swap(m_queue);
    queue.unlock();
    // Once the transaction is over the next leader may start the next batch while this one
    // publishes; the jobs are done (answered) only when published.
    bool led = true;
    const auto hand_over = [&] {
      std::lock_guard q(m_queue_mutex);
      m_leader = false;
      led = false;
      m_queue_cv.notify_all();
    };
    try {
      run_batch(jobs, hand_over);
    } catch (...) {
      for (Job* j : jobs)
        if (!j->error) j->error = std::current_exception();
    }
    queue.lock();
    for (Job* j : jobs) j->done = true;
    if (led) m_leader = false;
    m_queue_cv.notify_all();
  }
  queue.unlock();
  if (job.error) std::rethrow_exception(job.error);
  return std::move(job.out);
}

void FeatureStore::run_batch(std::vector<Job*>& jobs, const std::function<void()>& written) {
  std::unique_lock lock(m_mutex);
  // Publish in the order of the writes, without holding up the next batch.
  const auto publish_after = [&](const std::vector<Change>& changes) {
    std::unique_lock pub(m_publish_mutex);
    lock.unlock();
    written();
    if (!changes.empty()) publish(changes);
  };
  const std::string now = now_utc();
  std::vector<Change> changes;  // what to publish
  Pending batch;
  std::map<std::string, long long> inserted;
  std::int64_t last = 0;
  try {
    m_file->transaction([&] {
      // Under the store's write lock: first what other instances wrote, then ours.
      changes = catch_up();
      for (Job* j : jobs) {
        Pending mine;
        mine.parent = &batch;
        bool failed = false;
        for (const auto& r : *j->requests) {
          // A failed request adds nothing to `mine`.
          j->out.push_back(prepare(r, mine, now));
          if (!j->out.back().ok()) failed = true;
        }
        if (j->atomic && failed) {
          for (auto& r : j->out)
            if (r.ok()) r.outcome = WriteOutcome::RolledBack;
          continue;
        }
        batch.merge(std::move(mine));
      }
      if (!batch.ops.empty()) inserted = m_file->apply(batch.ops, last);
    });
  } catch (...) {
    // Nothing of this batch was written; what other instances wrote is applied.
    const auto error = std::current_exception();
    for (Job* j : jobs) j->error = error;
    publish_after(changes);
    return;
  }
  m_seen = std::max(m_seen, last);
  for (auto& [id, state] : batch.overlay) {
    Change c{id, snap(id), std::nullopt};
    if (!state) {
      erase(id);
    } else {
      if (auto it = inserted.find(id); it != inserted.end() && state->row.fid < 0)
        state->row.fid = it->second;
      put(std::move(*state));
      c.after = snap(id);
    }
    changes.push_back(std::move(c));
  }
  publish_after(changes);
}

}  // namespace gebieden::layers
