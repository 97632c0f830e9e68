#pragma once
// Label glyphs for MapLibre / Mapbox GL: the glyph ranges that a style's `glyphs` URL names
// (/styles/fonts/{fontstack}/{range}.pbf), made from a TrueType/OpenType font with FreeType.
// Each glyph is a signed distance field (SDF) of the glyph rendered at 24 px with 3 px of buffer
// around it (what MapLibre's shaders expect: 192 of 255 is the edge, 8 px of distance fall from
// there to 0 outside), encoded by hand in the glyph protobuf:
//   message glyphs    { repeated fontstack stacks = 1; }
//   message fontstack { required string name = 1; required string range = 2;
//                       repeated glyph glyphs = 3; }
//   message glyph     { required uint32 id = 1; optional bytes bitmap = 2;
//                       required uint32 width = 3; required uint32 height = 4;
//                       required sint32 left = 5; required sint32 top = 6;
//                       required uint32 advance = 7; }
// No HTTP here: the server (server/styles_api.cpp) serves them. A font stack name maps to a
// font file in a folder (assets.fonts); GlyphServer keeps a bounded cache of rendered ranges.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gebieden::layers::glyphs {

constexpr int kFontSize = 24;     // pixels per em
constexpr int kBuffer = 3;        // pixels of SDF around each glyph's bitmap
constexpr double kRadius = 8;     // pixels of distance over which the SDF falls
constexpr double kCutoff = 0.25;  // where the edge is: 255 * (1 - cutoff) = 191.25
constexpr int kRangeSize = 256;   // code points per range
constexpr int kMaxCodePoint = 65535;

/// "0-255", "256-511", ... up to "65280-65535": the first code point of the range. Throws
/// input_error(InvalidParameter, "range") for anything else.
int parse_range(std::string_view text);

/// One glyph of a range: the SDF bitmap ((width + 6) x (height + 6) bytes, row by row; empty for
/// a glyph without ink such as the space) and the metrics in pixels at 24 px: `left` from the
/// pen to the bitmap, `top` from the top of the line (the ascender) to the top of the bitmap
/// (negative below it), `advance` to the next pen position.
struct Glyph {
  std::uint32_t id = 0;  // the code point
  std::string bitmap;
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::int32_t left = 0;
  std::int32_t top = 0;
  std::uint32_t advance = 0;
};

/// The SDF of an 8-bit coverage bitmap (`width` x `height`, rows `pitch` bytes apart) with
/// `buffer` pixels around it: (width + 2 buffer) x (height + 2 buffer) bytes. 255 - 255 *
/// (d / radius + cutoff), clamped to 0..255, where d is the signed distance in pixels to the edge
/// (negative inside); the edge between two pixels is placed by their coverage.
std::string sdf(const unsigned char* coverage, int width, int height, int pitch, int buffer,
                double radius, double cutoff);

/// The glyph protobuf of one range: one fontstack called `name` with range "start-end" and
/// `glyphs` (already encoded by encode_glyphs()).
std::string encode_range(std::string_view name, int start, std::string_view glyphs);
/// The `glyphs` members (field 3 of fontstack) of `list`, concatenated.
std::string encode_glyphs(const std::vector<Glyph>& list);

/// A font file opened with FreeType, at 24 px. Owns the FreeType library and the face (RAII);
/// not thread-safe (use one per thread, or a lock: GlyphServer does).
class Font {
 public:
  /// Throws std::runtime_error naming the file when FreeType cannot open it.
  explicit Font(const std::filesystem::path& file);
  ~Font();
  Font(const Font&) = delete;
  Font& operator=(const Font&) = delete;

  /// "Noto Sans Regular": the family and style names of the face.
  std::string name() const;
  /// Whether the font has a glyph for `code_point`.
  bool has(std::uint32_t code_point) const;
  /// The glyph of `code_point` as an SDF; nullopt when the font has none.
  std::optional<Glyph> glyph(std::uint32_t code_point) const;
  /// The same glyph's plain coverage bitmap (width x height, no buffer, no SDF) with the same
  /// metrics: the baseline of the benchmark and what the tests compare the SDF with.
  std::optional<Glyph> coverage(std::uint32_t code_point) const;
  /// Every glyph the font has in [start, start + 255], as SDFs.
  std::vector<Glyph> range(int start) const;

 private:
  std::optional<Glyph> render(std::uint32_t code_point, bool as_sdf) const;
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

/// Font stacks to font files, and the rendered ranges: thread-safe, for the whole service.
///
/// The font files are the *.ttf, *.otf (and .ttc) files anywhere under `folder`, found on the
/// first request. A font name matches a file whose name, without the extension and reduced to
/// lower-case letters and digits, equals the name so reduced ("Noto Sans Regular" ->
/// NotoSans-Regular.ttf), or equals it without a trailing "regular" or "book" ("DejaVu Sans
/// Book" -> DejaVuSans.ttf). A stack "A,B,C" uses the first name that matches; a stack of which
/// none matches uses the default font (as font servers do): the first of kDefaultFonts found,
/// else the first file. A file FreeType cannot open counts as not there.
class GlyphServer {
 public:
  static constexpr const char* kDefaultFonts[] = {"Noto Sans Regular", "DejaVu Sans Book",
                                                  "Liberation Sans Regular"};

  /// `max_bytes`: the bound of the cache of rendered ranges (least recently used out first).
  explicit GlyphServer(std::filesystem::path folder, std::size_t max_bytes = 32u << 20);

  struct Answer {
    std::shared_ptr<const std::string> pbf;  // the protobuf
    std::string font;                        // the file it was made from
    bool fallback = false;                   // no name of the stack matched: the default font
  };
  /// The range starting at `start` (a multiple of 256) of `fontstack`. Throws
  /// input_error(NotFound, "fontstack") when the folder has no font at all.
  Answer range(std::string_view fontstack, int start);

  /// The file of one font name; nullopt when none matches.
  std::optional<std::filesystem::path> find(std::string_view font_name);
  const std::filesystem::path& folder() const { return m_folder; }
  /// What the cache holds now (bytes of protobuf, ranges).
  std::size_t cached_bytes() const;
  std::size_t cached_ranges() const;

 private:
  void index_locked();
  std::optional<std::filesystem::path> find_locked(std::string_view font_name);
  /// The open font of a file; null when FreeType cannot open it (then never tried again).
  Font* font_locked(const std::filesystem::path& file);

  std::filesystem::path m_folder;
  std::size_t m_max_bytes;
  mutable std::mutex m_mutex;
  bool m_indexed = false;
  std::map<std::string, std::filesystem::path, std::less<>> m_files;  // reduced name -> file
  std::map<std::string, std::unique_ptr<Font>, std::less<>> m_fonts;  // file -> font (or null)
  // The cache: key "file|start" -> the encoded glyphs of that range, least recently used last.
  std::list<std::string> m_lru;
  struct Entry {
    std::shared_ptr<const std::string> glyphs;
    std::list<std::string>::iterator position;
  };
  std::unordered_map<std::string, Entry> m_cache;
  std::size_t m_bytes = 0;
};

}  // namespace gebieden::layers::glyphs
