// Glyph ranges (layers/glyphs): the time to make one range of 256 code points as MapLibre asks
// for it (FreeType renders each glyph, the SDF of each, the protobuf), beside the baseline of
// FreeType rendering the same glyphs to plain coverage bitmaps (no SDF, no protobuf), measured
// in the same run, and the cache hit of GlyphServer (what every request after the first costs).
// The rounds alternate (ROUNDS rounds of each) and the ratio (of the thread's CPU time, which
// the other builds on a shared machine do not inflate as they do the wall clock) is taken round
// by round: the median is quoted with the lowest and highest beside it (bench/README.md).
//
//   build/bench/bench_glyphs [FONT_NAME [ROUNDS]]     (default "Noto Sans Regular", 15)

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "geo/config.hpp"
#include "layers/glyphs.hpp"

using namespace gebieden;
namespace gl = layers::glyphs;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

/// The CPU time of this thread in ms: on a shared machine the wall clock also counts the time
/// the other builds had the core.
double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const std::string name = argc > 1 ? argv[1] : "Noto Sans Regular";
  const int rounds = argc > 2 ? std::max(1, std::atoi(argv[2])) : 15;
  gl::GlyphServer server(geo::AssetsConfig{}.fonts);
  const auto file = server.find(name);
  if (!file) {
    std::fprintf(stderr, "no font '%s' under %s\n", name.c_str(),
                 geo::AssetsConfig{}.fonts.c_str());
    return 1;
  }
  gl::Font font(*file);
  std::printf("font %s (%s), %d rounds\n", font.name().c_str(), file->c_str(), rounds);
  std::printf("%-10s %7s %10s %10s %10s %10s %8s %8s %8s %12s %10s\n", "range", "glyphs",
              "sdf cpu ms", "plain cpu", "sdf wall", "plain wall", "ratio", "min", "max",
              "cache hit us", "pbf bytes");
  for (int start : {0, 256, 8192}) {
    std::vector<double> sdf_ms, plain_ms, ratios, sdf_cpu, plain_cpu;
    std::size_t glyphs = 0, bytes = 0, checksum = 0;
    for (int r = 0; r < rounds; ++r) {
      auto t0 = Clock::now();
      double c0 = cpu_ms();
      const std::string pbf = gl::encode_range(name, start, gl::encode_glyphs(font.range(start)));
      sdf_ms.push_back(ms_since(t0));
      sdf_cpu.push_back(cpu_ms() - c0);
      bytes = pbf.size();
      t0 = Clock::now();
      c0 = cpu_ms();
      glyphs = 0;
      for (int cp = start; cp < start + gl::kRangeSize; ++cp)
        if (const auto g = font.coverage(static_cast<std::uint32_t>(cp))) {
          ++glyphs;
          checksum += g->bitmap.size();
        }
      plain_ms.push_back(ms_since(t0));
      plain_cpu.push_back(cpu_ms() - c0);
      ratios.push_back(sdf_cpu.back() / std::max(plain_cpu.back(), 1e-6));
    }
    server.range(name, start);  // fill the cache
    const int hits = 200;
    const auto t0 = Clock::now();
    for (int i = 0; i < hits; ++i) checksum += server.range(name, start).pbf->size();
    const double hit_us = ms_since(t0) * 1000 / hits;
    std::printf("%5d-%-5d%6zu %10.2f %10.2f %10.2f %10.2f %7.1fx %7.1fx %7.1fx %12.1f %10zu\n",
                start, start + gl::kRangeSize - 1, glyphs, median(sdf_cpu), median(plain_cpu),
                median(sdf_ms), median(plain_ms), median(ratios),
                *std::min_element(ratios.begin(), ratios.end()),
                *std::max_element(ratios.begin(), ratios.end()), hit_us, bytes);
    if (checksum == 0) std::printf("(nothing rendered)\n");
  }
  return 0;
}
