#include "layers/glyphs.hpp"

#include <ft2build.h>
#include FT_FREETYPE_H

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <type_traits>

#include "util/error.hpp"

namespace gebieden::layers::glyphs {

namespace {

// ---- the protobuf, by hand ----

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_tag(std::string& out, int field, int wire) {
  put_varint(out, (static_cast<std::uint64_t>(field) << 3) | static_cast<std::uint64_t>(wire));
}

void put_uint(std::string& out, int field, std::uint64_t v) {
  put_tag(out, field, 0);
  put_varint(out, v);
}

void put_sint(std::string& out, int field, std::int32_t v) {
  // zigzag: 0, -1, 1, -2, ... -> 0, 1, 2, 3, ...
  const std::uint32_t z =
      (static_cast<std::uint32_t>(v) << 1) ^ static_cast<std::uint32_t>(v >> 31);
  put_uint(out, field, z);
}

void put_bytes(std::string& out, int field, std::string_view bytes) {
  put_tag(out, field, 2);
  put_varint(out, bytes.size());
  out.append(bytes.data(), bytes.size());
}

// ---- the distance transform ----

constexpr double kInf = 1e20;

/// The squared Euclidean distance transform of one line (Felzenszwalb and Huttenlocher, 2012):
/// d[q] = min over p of (q - p)^2 + f[p], through the lower envelope of the parabolas rooted at
/// each p. `f` is read from `grid` at `offset + i * stride` and the result written back there.
void edt_line(std::vector<double>& grid, std::size_t offset, std::size_t stride, int n,
              std::vector<double>& f, std::vector<int>& v, std::vector<double>& z) {
  for (int i = 0; i < n; ++i) f[i] = grid[offset + static_cast<std::size_t>(i) * stride];
  int k = 0;
  v[0] = 0;
  z[0] = -kInf;
  z[1] = kInf;
  for (int q = 1; q < n; ++q) {
    // Where the parabola of q meets the rightmost one of the envelope; drop those it hides.
    // z[0] = -inf ends the loop: s is finite (f is at most kInf).
    auto meet = [&](int r) {
      return ((f[q] + double(q) * q) - (f[r] + double(r) * r)) / (2.0 * (q - r));
    };
    double s = meet(v[k]);
    while (s <= z[k]) s = meet(v[--k]);
    ++k;
    v[k] = q;
    z[k] = s;
    z[k + 1] = kInf;
  }
  k = 0;
  for (int q = 0; q < n; ++q) {
    while (z[k + 1] < q) ++k;
    const double d = q - v[k];
    grid[offset + static_cast<std::size_t>(q) * stride] = d * d + f[v[k]];
  }
}

void edt(std::vector<double>& grid, int w, int h) {
  const int n = std::max(w, h);
  std::vector<double> f(static_cast<std::size_t>(n));
  std::vector<int> v(static_cast<std::size_t>(n));
  std::vector<double> z(static_cast<std::size_t>(n) + 1);
  for (int x = 0; x < w; ++x)
    edt_line(grid, static_cast<std::size_t>(x), static_cast<std::size_t>(w), h, f, v, z);
  for (int y = 0; y < h; ++y)
    edt_line(grid, static_cast<std::size_t>(y) * static_cast<std::size_t>(w), 1, w, f, v, z);
}

/// Lower-case letters and digits only: "Noto Sans Regular" and "NotoSans-Regular" -> the same.
std::string reduce(std::string_view name) {
  std::string out;
  for (char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c)) out.push_back(static_cast<char>(std::tolower(c)));
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

int parse_range(std::string_view text) {
  auto bad = [&]() {
    return input_error(ErrorCode::InvalidParameter, "range",
                       "range: '" + std::string(text.substr(0, 40)) +
                           "' is not a glyph range (start-end: 256 code points from a multiple "
                           "of 256, such as 0-255 or 256-511, up to 65280-65535)");
  };
  const auto dash = text.find('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == text.size()) throw bad();
  auto number = [&](std::string_view digits) {
    if (digits.size() > 5) throw bad();
    int n = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') throw bad();
      n = n * 10 + (c - '0');
    }
    return n;
  };
  const int start = number(text.substr(0, dash));
  const int end = number(text.substr(dash + 1));
  if (start % kRangeSize != 0 || end != start + kRangeSize - 1 || end > kMaxCodePoint) throw bad();
  return start;
}

std::string sdf(const unsigned char* coverage, int width, int height, int pitch, int buffer,
                double radius, double cutoff) {
  const int w = width + 2 * buffer;
  const int h = height + 2 * buffer;
  const std::size_t size = static_cast<std::size_t>(w) * static_cast<std::size_t>(h);
  // Squared distances to the outside (0 for ink) and to the inside (0 for no ink); a pixel of
  // partial coverage a is taken as the edge (0.5 - a) pixels away on the one side or the other.
  std::vector<double> outer(size, kInf);
  std::vector<double> inner(size, 0.0);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const double a = coverage[static_cast<std::size_t>(y) * static_cast<std::size_t>(pitch) +
                                static_cast<std::size_t>(x)] /
                       255.0;
      if (a <= 0) continue;
      const std::size_t i = static_cast<std::size_t>(y + buffer) * static_cast<std::size_t>(w) +
                            static_cast<std::size_t>(x + buffer);
      if (a >= 1) {
        outer[i] = 0;
        inner[i] = kInf;
      } else {
        const double o = std::max(0.0, 0.5 - a);
        const double n = std::max(0.0, a - 0.5);
        outer[i] = o * o;
        inner[i] = n * n;
      }
    }
  edt(outer, w, h);
  edt(inner, w, h);
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    const double d = std::sqrt(outer[i]) - std::sqrt(inner[i]);
    const double v = std::round(255.0 - 255.0 * (d / radius + cutoff));
    out[i] = static_cast<char>(static_cast<unsigned char>(std::clamp(v, 0.0, 255.0)));
  }
  return out;
}

std::string encode_glyphs(const std::vector<Glyph>& list) {
  std::string out;
  std::string g;
  for (const Glyph& glyph : list) {
    g.clear();
    put_uint(g, 1, glyph.id);
    if (!glyph.bitmap.empty()) put_bytes(g, 2, glyph.bitmap);
    put_uint(g, 3, glyph.width);
    put_uint(g, 4, glyph.height);
    put_sint(g, 5, glyph.left);
    put_sint(g, 6, glyph.top);
    put_uint(g, 7, glyph.advance);
    put_bytes(out, 3, g);
  }
  return out;
}

std::string encode_range(std::string_view name, int start, std::string_view glyphs) {
  std::string stack;
  put_bytes(stack, 1, name);
  put_bytes(stack, 2, std::to_string(start) + "-" + std::to_string(start + kRangeSize - 1));
  stack.append(glyphs.data(), glyphs.size());
  std::string out;
  out.reserve(stack.size() + 8);
  put_bytes(out, 1, stack);
  return out;
}

// ---- FreeType ----

struct Font::Impl {
  struct LibraryDone {
    void operator()(FT_Library l) const { FT_Done_FreeType(l); }
  };
  struct FaceDone {
    void operator()(FT_Face f) const { FT_Done_Face(f); }
  };
  // The face before the library in destruction order: declared after it.
  std::unique_ptr<std::remove_pointer_t<FT_Library>, LibraryDone> library;
  std::unique_ptr<std::remove_pointer_t<FT_Face>, FaceDone> face;
  double ascender = 0;  // pixels
};

Font::Font(const std::filesystem::path& file) : m_impl(std::make_unique<Impl>()) {
  FT_Library library = nullptr;
  if (FT_Init_FreeType(&library) != 0) throw std::runtime_error("FreeType: cannot initialise");
  m_impl->library.reset(library);
  FT_Face face = nullptr;
  if (FT_New_Face(library, file.c_str(), 0, &face) != 0)
    throw std::runtime_error("FreeType: cannot open the font '" + file.string() + "'");
  m_impl->face.reset(face);
  if (FT_Set_Char_Size(face, 0, static_cast<FT_F26Dot6>(kFontSize * 64), 72, 72) != 0)
    throw std::runtime_error("FreeType: '" + file.string() + "' has no scalable outlines");
  m_impl->ascender = static_cast<double>(face->size->metrics.ascender) / 64.0;
}

Font::~Font() = default;

std::string Font::name() const {
  const FT_Face f = m_impl->face.get();
  std::string n = f->family_name ? f->family_name : "";
  if (f->style_name) n += std::string(n.empty() ? "" : " ") + f->style_name;
  return n;
}

bool Font::has(std::uint32_t code_point) const {
  return FT_Get_Char_Index(m_impl->face.get(), code_point) != 0;
}

std::optional<Glyph> Font::render(std::uint32_t code_point, bool as_sdf) const {
  const FT_Face face = m_impl->face.get();
  const FT_UInt index = FT_Get_Char_Index(face, code_point);
  if (index == 0) return std::nullopt;
  if (FT_Load_Glyph(face, index, FT_LOAD_NO_HINTING) != 0) return std::nullopt;
  const FT_GlyphSlot slot = face->glyph;
  Glyph g;
  g.id = code_point;
  g.advance = static_cast<std::uint32_t>(
      std::max(0L, std::lround(static_cast<double>(slot->metrics.horiAdvance) / 64.0)));
  if (slot->format == FT_GLYPH_FORMAT_OUTLINE && slot->outline.n_points > 0) {
    if (FT_Render_Glyph(slot, FT_RENDER_MODE_NORMAL) != 0) return std::nullopt;
    const FT_Bitmap& bm = slot->bitmap;
    if (bm.pixel_mode == FT_PIXEL_MODE_GRAY && bm.width > 0 && bm.rows > 0) {
      g.width = bm.width;
      g.height = bm.rows;
      g.left = slot->bitmap_left;
      g.top = static_cast<std::int32_t>(std::lround(slot->bitmap_top - m_impl->ascender));
      const int w = static_cast<int>(bm.width);
      const int h = static_cast<int>(bm.rows);
      // A negative pitch is a bottom-up bitmap: start at its last row in memory.
      const unsigned char* first =
          bm.pitch >= 0 ? bm.buffer : bm.buffer - static_cast<std::ptrdiff_t>(bm.pitch) * (h - 1);
      if (as_sdf) {
        g.bitmap = sdf(first, w, h, bm.pitch, kBuffer, kRadius, kCutoff);
      } else {
        g.bitmap.resize(static_cast<std::size_t>(w) * static_cast<std::size_t>(h));
        for (int y = 0; y < h; ++y)
          std::copy_n(first + static_cast<std::ptrdiff_t>(y) * bm.pitch, w,
                      g.bitmap.begin() + static_cast<std::ptrdiff_t>(y) * w);
      }
    }
  }
  return g;
}

std::optional<Glyph> Font::glyph(std::uint32_t code_point) const {
  return render(code_point, true);
}

std::optional<Glyph> Font::coverage(std::uint32_t code_point) const {
  return render(code_point, false);
}

std::vector<Glyph> Font::range(int start) const {
  std::vector<Glyph> out;
  for (int cp = start; cp < start + kRangeSize && cp <= kMaxCodePoint; ++cp)
    if (auto g = glyph(static_cast<std::uint32_t>(cp))) out.push_back(std::move(*g));
  return out;
}

// ---- the server side: names to files, and the cache ----

GlyphServer::GlyphServer(std::filesystem::path folder, std::size_t max_bytes)
    : m_folder(std::move(folder)), m_max_bytes(max_bytes) {}

void GlyphServer::index_locked() {
  if (m_indexed) return;
  m_indexed = true;
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<fs::path> files;
  for (fs::recursive_directory_iterator
           it(m_folder, fs::directory_options::skip_permission_denied, ec),
       end;
       !ec && it != end; it.increment(ec)) {
    std::error_code fec;
    if (!it->is_regular_file(fec)) continue;
    std::string ext = it->path().extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (ext == ".ttf" || ext == ".otf" || ext == ".ttc") files.push_back(it->path());
  }
  // The same name in two places (a .ttf and an .otf, two folders): the first in path order.
  std::sort(files.begin(), files.end());
  for (const auto& f : files) m_files.emplace(reduce(f.stem().string()), f);
}

std::optional<std::filesystem::path> GlyphServer::find_locked(std::string_view font_name) {
  index_locked();
  std::string key = reduce(font_name);
  if (key.empty()) return std::nullopt;
  if (auto it = m_files.find(key); it != m_files.end()) return it->second;
  for (std::string_view suffix : {"regular", "book"})
    if (ends_with(key, suffix) && key.size() > suffix.size())
      if (auto it = m_files.find(key.substr(0, key.size() - suffix.size())); it != m_files.end())
        return it->second;
  return std::nullopt;
}

std::optional<std::filesystem::path> GlyphServer::find(std::string_view font_name) {
  std::lock_guard lock(m_mutex);
  return find_locked(font_name);
}

Font* GlyphServer::font_locked(const std::filesystem::path& file) {
  auto it = m_fonts.find(file.string());
  if (it == m_fonts.end()) {
    std::unique_ptr<Font> font;
    try {
      font = std::make_unique<Font>(file);
    } catch (const std::exception&) {
      // not a font FreeType can open (damaged, a bitmap-only format): never chosen again
    }
    it = m_fonts.emplace(file.string(), std::move(font)).first;
  }
  return it->second.get();
}

GlyphServer::Answer GlyphServer::range(std::string_view fontstack, int start) {
  if (start < 0 || start % kRangeSize != 0 || start > kMaxCodePoint)
    throw input_error(ErrorCode::InvalidParameter, "range", "range: not a multiple of 256");
  std::lock_guard lock(m_mutex);
  Answer answer;
  std::optional<std::filesystem::path> file;
  Font* font = nullptr;
  auto take = [&](const std::optional<std::filesystem::path>& f) {
    if (f && (font = font_locked(*f))) file = f;
    return font != nullptr;
  };
  std::string_view rest = fontstack;
  bool found = false;
  while (!found && !rest.empty()) {
    const auto comma = rest.find(',');
    found = take(find_locked(trim(rest.substr(0, comma))));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  if (!found) {
    answer.fallback = true;
    for (const char* name : kDefaultFonts)
      if ((found = take(find_locked(name)))) break;
    for (auto it = m_files.begin(); !found && it != m_files.end(); ++it) found = take(it->second);
  }
  if (!found)
    throw input_error(ErrorCode::NotFound, "fontstack",
                      "no fonts: the fonts folder '" + m_folder.string() +
                          "' has no .ttf or .otf file that FreeType can open (assets.fonts)");
  answer.font = file->string();
  const std::string key = answer.font + "|" + std::to_string(start);
  std::shared_ptr<const std::string> glyphs;
  if (auto it = m_cache.find(key); it != m_cache.end()) {
    m_lru.splice(m_lru.begin(), m_lru, it->second.position);
    glyphs = it->second.glyphs;
  } else {
    glyphs = std::make_shared<const std::string>(encode_glyphs(font->range(start)));
    m_lru.push_front(key);
    m_cache.emplace(key, Entry{glyphs, m_lru.begin()});
    m_bytes += glyphs->size();
    while (m_bytes > m_max_bytes && m_lru.size() > 1) {
      auto old = m_cache.find(m_lru.back());
      m_bytes -= old->second.glyphs->size();
      m_cache.erase(old);
      m_lru.pop_back();
    }
  }
  answer.pbf = std::make_shared<const std::string>(encode_range(fontstack, start, *glyphs));
  return answer;
}

std::size_t GlyphServer::cached_bytes() const {
  std::lock_guard lock(m_mutex);
  return m_bytes;
}

std::size_t GlyphServer::cached_ranges() const {
  std::lock_guard lock(m_mutex);
  return m_cache.size();
}

}  // namespace gebieden::layers::glyphs
