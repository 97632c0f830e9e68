// The MapLibre label glyphs (layers/glyphs.hpp): the protobuf we write, read back by a small
// decoder of our own; the metrics of the letters of Leeuwarden's names (Frisian ú, â, é among
// them); the SDF against FreeType's plain rendering of the same glyph; the font stacks and the
// cache; the range errors.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "layers/glyphs.hpp"
#include "test_paths.hpp"
#include "util/error.hpp"

using namespace gebieden;
namespace gl = layers::glyphs;

namespace {

// ---- A decoder of the glyph protobuf, independent of the encoder ----

struct Reader {
  std::string_view data;
  std::size_t pos = 0;
  bool done() const { return pos >= data.size(); }
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      REQUIRE(pos < data.size());
      const auto b = static_cast<unsigned char>(data[pos++]);
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    FAIL("varint longer than 10 bytes");
    return 0;
  }
  std::string_view bytes() {
    const auto n = static_cast<std::size_t>(varint());
    REQUIRE(pos + n <= data.size());
    const auto out = data.substr(pos, n);
    pos += n;
    return out;
  }
};

struct DecodedGlyph {
  std::uint32_t id = 0;
  std::string bitmap;
  std::uint32_t width = 0, height = 0, advance = 0;
  std::int32_t left = 0, top = 0;
};

struct DecodedStack {
  std::string name, range;
  std::map<std::uint32_t, DecodedGlyph> glyphs;
};

std::int32_t unzigzag(std::uint64_t z) {
  return static_cast<std::int32_t>((z >> 1) ^ (~(z & 1) + 1));
}

DecodedGlyph decode_glyph(std::string_view data) {
  Reader r{data};
  DecodedGlyph g;
  while (!r.done()) {
    const auto tag = r.varint();
    const auto field = tag >> 3, wire = tag & 7;
    if (field == 2) {
      REQUIRE(wire == 2);
      g.bitmap = std::string(r.bytes());
      continue;
    }
    REQUIRE(wire == 0);
    const auto v = r.varint();
    switch (field) {
      case 1:
        g.id = static_cast<std::uint32_t>(v);
        break;
      case 3:
        g.width = static_cast<std::uint32_t>(v);
        break;
      case 4:
        g.height = static_cast<std::uint32_t>(v);
        break;
      case 5:
        g.left = unzigzag(v);
        break;
      case 6:
        g.top = unzigzag(v);
        break;
      case 7:
        g.advance = static_cast<std::uint32_t>(v);
        break;
      default:
        FAIL("unknown glyph field " << field);
    }
  }
  return g;
}

std::vector<DecodedStack> decode(std::string_view pbf) {
  std::vector<DecodedStack> stacks;
  Reader top{pbf};
  while (!top.done()) {
    const auto tag = top.varint();
    REQUIRE(tag == ((1u << 3) | 2u));  // glyphs.stacks, length-delimited
    Reader r{top.bytes()};
    DecodedStack s;
    while (!r.done()) {
      const auto t = r.varint();
      REQUIRE((t & 7) == 2);
      const auto body = r.bytes();
      switch (t >> 3) {
        case 1:
          s.name = std::string(body);
          break;
        case 2:
          s.range = std::string(body);
          break;
        case 3: {
          const DecodedGlyph g = decode_glyph(body);
          CHECK(s.glyphs.count(g.id) == 0);
          s.glyphs[g.id] = g;
          break;
        }
        default:
          FAIL("unknown fontstack field " << (t >> 3));
      }
    }
    stacks.push_back(std::move(s));
  }
  return stacks;
}

std::filesystem::path fonts_folder() {
  return geo::AssetsConfig{}.fonts;
}

/// The characters of the names on the map we check: A..Z, a..z and the Frisian and Dutch ones.
std::vector<std::uint32_t> letters() {
  std::vector<std::uint32_t> out;
  for (std::uint32_t c = 'A'; c <= 'Z'; ++c) out.push_back(c);
  for (std::uint32_t c = 'a'; c <= 'z'; ++c) out.push_back(c);
  for (std::uint32_t c :
       {0xE9u /* é */, 0xFAu /* ú */, 0xE2u /* â */, 0xEBu /* ë */, 0xF4u /* ô */, 0xFBu /* û */})
    out.push_back(c);
  return out;
}

}  // namespace

TEST_CASE("glyphs: the range of a tile URL, and its errors name `range`", "[glyphs][unit]") {
  CHECK(gl::parse_range("0-255") == 0);
  CHECK(gl::parse_range("256-511") == 256);
  CHECK(gl::parse_range("65280-65535") == 65280);
  for (const char* bad :
       {"", "-", "0-", "-255", "0-256", "1-256", "255-510", "65536-65791", "0-255-511", "a-b",
        "0x0-255", " 0-255", "0-255 ", "+0-255", "000000256-511", "99999999999999999999-0"}) {
    INFO(bad);
    try {
      gl::parse_range(bad);
      FAIL("accepted");
    } catch (const input_error& e) {
      CHECK(e.parameter() == "range");
      CHECK(error_spec(e.code()).http_status == 400);
    }
  }
}

TEST_CASE("glyphs: the protobuf of the first range holds the letters with sensible metrics",
          "[glyphs][unit]") {
  gl::GlyphServer server(fonts_folder());
  const auto noto = server.find("Noto Sans Regular");
  REQUIRE(noto);  // fonts-noto-core (Makefile DEBS)
  const auto answer = server.range("Noto Sans Regular", 0);
  CHECK_FALSE(answer.fallback);
  CHECK(answer.font == noto->string());
  const auto stacks = decode(*answer.pbf);
  REQUIRE(stacks.size() == 1);
  CHECK(stacks[0].name == "Noto Sans Regular");
  CHECK(stacks[0].range == "0-255");
  const auto& glyphs = stacks[0].glyphs;
  for (const auto& [id, g] : glyphs) CHECK(id < 256);
  gl::Font font(*noto);
  for (std::uint32_t c : letters()) {
    INFO("U+" << std::hex << c);
    REQUIRE(glyphs.count(c));
    const DecodedGlyph& g = glyphs.at(c);
    CHECK(g.advance > 0);
    CHECK(g.advance < 2 * gl::kFontSize);
    CHECK(g.width > 0);
    CHECK(g.height > 0);
    CHECK(g.width <= 2u * gl::kFontSize);
    CHECK(g.height <= 2u * gl::kFontSize);
    CHECK(g.bitmap.size() == (g.width + 2 * gl::kBuffer) * (g.height + 2 * gl::kBuffer));
    CHECK(g.left > -gl::kFontSize);
    CHECK(g.left < gl::kFontSize);
    // top: from the ascender down to the bitmap; letters start below the ascender line and
    // end above the descender.
    CHECK(g.top <= 0);
    CHECK(g.top > -2 * gl::kFontSize);
    // The same metrics as FreeType's own rendering of the glyph.
    const auto plain = font.coverage(c);
    REQUIRE(plain);
    CHECK(plain->width == g.width);
    CHECK(plain->height == g.height);
    CHECK(plain->left == g.left);
    CHECK(plain->top == g.top);
    CHECK(plain->advance == g.advance);
  }
  // Capitals stand on the baseline and reach the cap height: the same top for E, H, T.
  CHECK(glyphs.at('E').top == glyphs.at('H').top);
  CHECK(glyphs.at('H').top == glyphs.at('T').top);
  // An accented capital reaches higher than its letter; a descender reaches lower.
  CHECK(glyphs.at(0xC9 /* É */).top > glyphs.at('E').top);
  CHECK(glyphs.at('p').height > glyphs.at('o').height);
  // The space: an advance and no ink (no bitmap).
  REQUIRE(glyphs.count(' '));
  CHECK(glyphs.at(' ').advance > 0);
  CHECK(glyphs.at(' ').bitmap.empty());
  CHECK(glyphs.at(' ').width == 0);
}

TEST_CASE("glyphs: the SDF is inside > 192 on the ink and 0 far from it", "[glyphs][unit]") {
  gl::GlyphServer server(fonts_folder());
  const auto file = server.find("Noto Sans Regular");
  REQUIRE(file);
  gl::Font font(*file);
  const int b = gl::kBuffer;
  bool far_seen = false;
  for (std::uint32_t c : letters()) {
    INFO("U+" << std::hex << c);
    const auto s = font.glyph(c);
    const auto plain = font.coverage(c);
    REQUIRE(s);
    REQUIRE(plain);
    const int w = static_cast<int>(plain->width), h = static_cast<int>(plain->height);
    const int sw = w + 2 * b, sh = h + 2 * b;
    REQUIRE(s->bitmap.size() == static_cast<std::size_t>(sw * sh));
    auto cov = [&](int x, int y) {
      return static_cast<unsigned char>(plain->bitmap[static_cast<std::size_t>(y * w + x)]);
    };
    auto val = [&](int x, int y) {
      return static_cast<unsigned char>(s->bitmap[static_cast<std::size_t>(y * sw + x)]);
    };
    int inside = 0;
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        if (cov(x, y) == 255) {
          ++inside;
          CHECK(val(x + b, y + b) > 192);
        } else if (cov(x, y) == 0) {
          CHECK(val(x + b, y + b) < 192);  // no ink: outside the edge
        }
    CHECK(inside > 0);
    // Farther than radius * (1 - cutoff) = 6 px from every pixel with ink (the edge is no
    // farther out than a pixel's centre): 0.
    for (int y = 0; y < sh; ++y)
      for (int x = 0; x < sw; ++x) {
        double nearest = 1e9;
        for (int v = 0; v < h; ++v)
          for (int u = 0; u < w; ++u)
            if (cov(u, v) > 0)
              nearest = std::min(nearest, std::hypot(double(x - b - u), double(y - b - v)));
        if (nearest > 6.05) {
          far_seen = true;
          CHECK(int(val(x, y)) == 0);
        }
      }
  }
  CHECK(far_seen);  // T, L, V have corners that far from their ink in the buffer
}

TEST_CASE("glyphs: sdf() of a square: the edge at 192, falling by 255/8 per pixel outside",
          "[glyphs][unit]") {
  // A 10 x 10 bitmap: a 4 x 4 square of full ink in the middle.
  std::vector<unsigned char> bm(100, 0);
  for (int y = 3; y < 7; ++y)
    for (int x = 3; x < 7; ++x) bm[static_cast<std::size_t>(y * 10 + x)] = 255;
  const std::string s = gl::sdf(bm.data(), 10, 10, 10, 3, 8, 0.25);
  REQUIRE(s.size() == 16u * 16u);
  auto at = [&](int x, int y) {
    return int(static_cast<unsigned char>(s[std::size_t(y * 16 + x)]));
  };
  // Along the middle row: outside the square the value falls with the distance (to the pixel
  // centre of the nearest ink: 1, 2, 3 px...), inside it is above the edge.
  const int row = 3 + 5;
  for (int x = 6; x < 10; ++x) CHECK(at(x, row) > 191);
  for (int d = 1; d <= 5; ++d) {
    INFO(d);
    const int expect = int(std::lround(255 - 255 * (d / 8.0 + 0.25)));
    CHECK(std::abs(at(3 + 6 + d, row) - expect) <= 1);
    CHECK(std::abs(at(3 + 3 - d, row) - expect) <= 1);
  }
  CHECK(at(0, 0) == 0);
  CHECK(at(15, 15) == 0);
  // Symmetric: the square's SDF is the same mirrored.
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 16; ++x) CHECK(at(x, y) == at(15 - x, y));
}

TEST_CASE("glyphs: font stacks, the default font, the cache", "[glyphs][unit]") {
  gl::GlyphServer server(fonts_folder());
  const auto noto = server.find("Noto Sans Regular");
  const auto dejavu = server.find("DejaVu Sans Book");
  REQUIRE(noto);
  REQUIRE(dejavu);  // fonts-dejavu-core: DejaVuSans.ttf, its name without "Book"
  CHECK(dejavu->filename() == "DejaVuSans.ttf");
  CHECK(server.find("Noto Sans Bold")->filename() == "NotoSans-Bold.ttf");
  CHECK_FALSE(server.find("No Such Font Regular"));
  CHECK_FALSE(server.find(""));
  CHECK_FALSE(server.find("../../etc/passwd"));

  // The first of the stack that exists.
  auto a = server.range("No Such Font Regular, DejaVu Sans Book,Noto Sans Regular", 0);
  CHECK(a.font == dejavu->string());
  CHECK_FALSE(a.fallback);
  CHECK(decode(*a.pbf)[0].name == "No Such Font Regular, DejaVu Sans Book,Noto Sans Regular");
  // None: the default font.
  a = server.range("No Such Font Regular,Nor This", 256);
  CHECK(a.fallback);
  CHECK(a.font == noto->string());
  const auto stacks = decode(*a.pbf);
  REQUIRE(stacks.size() == 1);
  CHECK(stacks[0].range == "256-511");
  for (const auto& [id, g] : stacks[0].glyphs) {
    CHECK(id >= 256);
    CHECK(id <= 511);
  }
  CHECK(stacks[0].glyphs.count(0x101));  // ā, Latin Extended-A

  // Cached: one range per file and start, whatever the stack's name.
  CHECK(server.cached_ranges() == 2);
  const auto before = server.cached_bytes();
  const auto again = server.range("Noto Sans Regular", 256);
  CHECK(server.cached_ranges() == 2);
  CHECK(server.cached_bytes() == before);
  CHECK(decode(*again.pbf)[0].glyphs.size() == stacks[0].glyphs.size());
  // A range the font has nothing in: an empty stack, still valid.
  const auto empty = server.range("Noto Sans Regular", 0xE000);
  CHECK(decode(*empty.pbf)[0].glyphs.empty());

  // Bounded: a cache of 1 byte keeps only the last range.
  gl::GlyphServer tiny(fonts_folder(), 1);
  for (int start : {0, 256, 512}) tiny.range("Noto Sans Regular", start);
  CHECK(tiny.cached_ranges() == 1);
}

TEST_CASE("glyphs: a folder without fonts, and a file that is not a font", "[glyphs][unit]") {
  const auto dir = test::temp_path("no-fonts");
  std::filesystem::create_directories(dir);
  gl::GlyphServer none(dir);
  try {
    none.range("Noto Sans Regular", 0);
    FAIL("no error");
  } catch (const input_error& e) {
    CHECK(e.parameter() == "fontstack");
    CHECK(error_spec(e.code()).http_status == 404);
  }
  CHECK_THROWS_AS(gl::Font(test::source_dir() + "/README.md"), std::runtime_error);

  // A file named like a font that is none: as if it were not there, never a 500.
  const auto broken = test::temp_path("broken-fonts");
  std::filesystem::create_directories(broken / "sub");
  std::ofstream(broken / "Broken-Regular.ttf") << "not a font";
  gl::GlyphServer only_broken(broken);
  CHECK(only_broken.find("Broken Regular"));
  try {
    only_broken.range("Broken Regular", 0);
    FAIL("no error");
  } catch (const input_error& e) {
    CHECK(e.parameter() == "fontstack");
  }
  gl::GlyphServer real(fonts_folder());
  const auto dejavu = real.find("DejaVu Sans Book");
  REQUIRE(dejavu);
  std::filesystem::create_symlink(*dejavu, broken / "sub" / "DejaVuSans.ttf");
  gl::GlyphServer mixed(broken);
  const auto a = mixed.range("Broken Regular", 0);
  CHECK(a.fallback);
  CHECK(std::filesystem::path(a.font).filename() == "DejaVuSans.ttf");
  CHECK(decode(*a.pbf)[0].glyphs.count('A'));
}

TEST_CASE("glyphs: assets.fonts is a folder, relative to the configuration file",
          "[glyphs][config][unit]") {
  auto parse = [](const std::string& fonts) {
    nlohmann::json j = nlohmann::json::parse(R"({
      "boundaries": {"buurten": {"sources": ["b.geojson"]}},
      "scheme": {"gebieden": [{"id": "a", "name": "A", "wijken": ["WK000101"]}]}
    })");
    if (!fonts.empty()) j["assets"] = {{"fonts", fonts}};
    return geo::parse_config(j, test::source_dir() + "/data/config.json");
  };
  CHECK(parse("").assets.fonts == "/usr/share/fonts");
  CHECK(
      std::filesystem::equivalent(parse("../styles").assets.fonts, test::source_dir() + "/styles"));
  for (const char* bad : {"../no-such-folder", "../README.md"}) {
    INFO(bad);
    try {
      parse(bad);
      FAIL("accepted");
    } catch (const config_error& e) {
      CHECK(e.member() == "assets.fonts");
      CHECK(std::string(e.what()).find("not a folder") != std::string::npos);
    }
  }
  nlohmann::json j = nlohmann::json::parse(R"({
    "boundaries": {"buurten": {"sources": ["b.geojson"]}},
    "scheme": {"gebieden": [{"id": "a", "name": "A", "wijken": ["WK000101"]}]},
    "assets": {"fonts": ""}})");
  CHECK_THROWS_AS(geo::parse_config(j, "/tmp/x/config.json"), config_error);
}
