// CSV input of the batch command (`gebieden geocode`): the input is a CSV file. geo/csv's two
// readers (CsvReader on a stream, CsvTextReader on the text in memory, which promises the
// rules of CsvReader) must read the same records on the same lines with the sniffed
// delimiter; the encoding detection and conversions run on it; then the whole batch
// (app::run_geocode over the dev address register, loaded once) places it into a CSV output.
// Invariants: no crash, the readers agree, the batch answers 0 (ran) or 1 (an input problem,
// said on its error stream), never throws.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "app/geocode_command.hpp"
#include "fuzz_common.hpp"
#include "geo/csv.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (!gebieden::fuzz::dev_state().geocoder) gebieden::fuzz::finding("no address register");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gebieden;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const char delimiter = geo::sniff_csv_delimiter(text);
    std::istringstream in{std::string(text)};
    geo::CsvReader stream_reader(in, delimiter);
    geo::CsvTextReader text_reader(text, delimiter);
    std::vector<std::string> a, b;
    for (;;) {
      const bool more_a = stream_reader.next(a);
      const bool more_b = text_reader.next(b);
      if (more_a != more_b) fuzz::finding("CsvReader and CsvTextReader disagree on the records");
      if (!more_a) break;
      if (a != b) fuzz::finding("CsvReader and CsvTextReader read different fields");
      if (stream_reader.line() != text_reader.line())
        fuzz::finding("CsvReader and CsvTextReader disagree on the line");
    }
    if (!text.empty()) (void)geo::split_csv_line(text.substr(0, text.find('\n')));
    if (const auto enc = geo::detect_text_encoding(text)) (void)geo::encoding_name(*enc);
    (void)geo::utf8_to_windows1252(geo::windows1252_to_utf8(text));

    app::GeocodeCliOptions o;
    o.input = fuzz::write_temp("input.csv", text).string();
    o.output = (fuzz::temp_dir() / "output.csv").string();
    o.progress = false;
    std::ostringstream out, err;
    const int rc = app::run_geocode(*fuzz::dev_state().geocoder, o, out, err);
    if (rc != 0 && rc != 1) fuzz::finding("run_geocode: an exit code other than 0 or 1");
  } catch (const std::exception& e) {
    fuzz::finding(e.what());
  }
  return 0;
}
