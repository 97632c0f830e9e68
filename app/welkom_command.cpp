#include "app/welkom_command.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "app/command_support.hpp"
#include "geo/csv.hpp"
#include "layers/welcome.hpp"
#include "print/welcome_pdf.hpp"
#include "print/welcome_text.hpp"
#include "server/service.hpp"
#include "util/ascii.hpp"

namespace gebieden::app {

namespace fs = std::filesystem;

namespace {

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

/// The column of the first of `names` in the header, or -1.
int column(const std::vector<std::string>& header, std::initializer_list<const char*> names) {
  for (const char* n : names)
    for (std::size_t i = 0; i < header.size(); ++i)
      if (util::ascii_lower(trim(header[i])) == n) return static_cast<int>(i);
  return -1;
}

}  // namespace

void add_welkom_options(CLI::App& sub, WelkomCliOptions& o) {
  sub.add_option("--adressen", o.adressen,
                 "the addresses: a text file (one per line) or a CSV with an adres column or "
                 "BAG-shaped fields (postcode, huisnummer, huisletter, toevoeging, "
                 "openbare_ruimte_naam, woonplaats_naam)")
      ->required();
  sub.add_option("-o,--output", o.output_dir, "the folder for the PDFs (created when missing)")
      ->required();
  sub.add_option("--taal", o.taal, "the language of the packs: nl (default), fy or en");
  sub.add_option("--jobs", o.jobs, "workers (default: the number of cores)");
  sub.add_option("--store", o.store,
                 "the store GeoPackage (default: store.path of the configuration)");
}

std::vector<AddressLine> read_address_list(const std::string& path) {
  if (const std::string why = check_input_file(path, true); !why.empty()) throw command_error(why);
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto enc = geo::detect_text_encoding(bytes);
  if (enc == geo::TextEncoding::Windows1252) bytes = geo::windows1252_to_utf8(bytes);
  if (bytes.rfind("\xEF\xBB\xBF", 0) == 0) bytes.erase(0, 3);

  const std::string first_line = bytes.substr(0, bytes.find('\n'));
  char delimiter = ',';
  for (char d : {';', '\t'})
    if (std::count(first_line.begin(), first_line.end(), d) >
        std::count(first_line.begin(), first_line.end(), delimiter))
      delimiter = d;
  std::vector<std::string> header;
  {
    std::istringstream hs(first_line);
    geo::CsvReader r(hs, delimiter);
    r.next(header);
  }
  const int c_adres = column(header, {"adres", "address", "q", "volledig_adres"});
  const int c_postcode = column(header, {"postcode"});
  const int c_nummer = column(header, {"huisnummer"});
  const int c_letter = column(header, {"huisletter"});
  const int c_toev = column(header, {"toevoeging", "huisnummertoevoeging"});
  const int c_straat = column(header, {"openbare_ruimte_naam", "straat", "straatnaam"});
  const int c_plaats = column(header, {"woonplaats_naam", "woonplaats", "plaats"});
  // One column named adres: every further line is an address as it is (commas and all, as a
  // spreadsheet of one column writes it unquoted).
  const bool one_column = header.size() == 1 && c_adres == 0;
  const bool csv =
      !one_column &&
      (c_adres >= 0 || (c_nummer >= 0 && (c_postcode >= 0 || (c_straat >= 0 && c_plaats >= 0))));

  std::vector<AddressLine> out;
  std::istringstream body(bytes);
  if (!csv) {
    std::string line;
    std::size_t n = 0;
    while (std::getline(body, line)) {
      ++n;
      const std::string t = trim(line);
      if (t.empty() || t[0] == '#' || (one_column && n == 1)) continue;
      AddressLine a;
      a.line = n;
      a.text = t.size() >= 2 && t.front() == '"' && t.back() == '"'
                   ? trim(t.substr(1, t.size() - 2))
                   : t;
      a.request.q = a.text;
      out.push_back(std::move(a));
    }
  } else {
    geo::CsvReader r(body, delimiter);
    std::vector<std::string> f;
    r.next(f);  // the header
    const auto cell = [&](int i) {
      return i >= 0 && static_cast<std::size_t>(i) < f.size() ? trim(f[static_cast<std::size_t>(i)])
                                                              : std::string();
    };
    while (r.next(f)) {
      if (f.size() == 1 && trim(f[0]).empty()) continue;
      AddressLine a;
      a.line = r.line();
      if (c_adres >= 0 && !cell(c_adres).empty()) {
        a.text = cell(c_adres);
        a.request.q = a.text;
      } else {
        const std::string straat = cell(c_straat), nummer = cell(c_nummer), letter = cell(c_letter),
                          toev = cell(c_toev), postcode = cell(c_postcode), plaats = cell(c_plaats);
        if (!straat.empty()) a.request.straat = straat;
        if (!nummer.empty()) a.request.huisnummer = nummer;
        if (!letter.empty()) a.request.huisletter = letter;
        if (!toev.empty()) a.request.toevoeging = toev;
        if (!postcode.empty()) a.request.postcode = postcode;
        if (!plaats.empty()) a.request.plaats = plaats;
        std::string number = nummer + letter + (toev.empty() ? "" : "-" + toev);
        std::string first = trim(straat + " " + number);
        std::string second = trim(postcode + " " + plaats);
        a.text = first.empty() ? second : second.empty() ? first : first + ", " + second;
        if (a.text.empty()) continue;
      }
      out.push_back(std::move(a));
    }
  }
  if (out.empty()) throw command_error(path + ": no addresses in it");
  return out;
}

int run_welkom(const geo::Config& config, const WelkomCliOptions& o, std::ostream& out,
               std::ostream& err) {
  if (!print::parse_taal(o.taal)) {
    err << "error: --taal: '" << o.taal << "' is not supported (nl, fy, en)\n";
    return 2;
  }
  // The input first: a wrong path is said before the data loads.
  if (const std::string why = check_input_file(o.adressen, true); !why.empty()) {
    err << "error: " << why << "\n";
    return 1;
  }
  geo::Config c = config;
  if (!o.store.empty()) c.store.path = o.store;
  const auto state = server::load_state(c);
  if (!state->geocoder) {
    err << "configuration error: no address register is configured or found (addresses)\n";
    return 2;
  }
  return run_welkom(*state, o, out, err);
}

int run_welkom(const server::ServiceState& state, const WelkomCliOptions& o, std::ostream& out,
               std::ostream& err) {
  const auto started = std::chrono::steady_clock::now();
  const auto taal = print::parse_taal(o.taal);
  if (!taal) {
    err << "error: --taal: '" << o.taal << "' is not supported (nl, fy, en)\n";
    return 2;
  }
  if (!state.geocoder) {
    err << "configuration error: no address register is configured or found (addresses)\n";
    return 2;
  }
  std::vector<AddressLine> list;
  try {
    list = read_address_list(o.adressen);
    std::error_code ec;
    fs::create_directories(o.output_dir, ec);
    if (!fs::is_directory(o.output_dir))
      throw command_error("-o: cannot create the folder '" + o.output_dir + "'" +
                          (ec ? ": " + ec.message() : std::string()));
  } catch (const command_error& e) {
    err << "error: " << e.what() << "\n";
    return 1;
  }

  const layers::CatalogueView view = state.catalogue.view();
  std::vector<layers::CollectionPtr> collections;
  for (const auto& c : state.config.store.collections)
    if (auto p = view.get(c.id)) collections.push_back(std::move(p));
  const layers::WelcomeSources sources{*state.model, *state.geocoder, *state.nearby, collections};
  layers::WelcomeOptions options;
  options.now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  std::tm date{};
  const std::time_t now = std::time(nullptr);
  localtime_r(&now, &date);

  struct Outcome {
    bool placed = false;
    std::string file;
    std::string reason, detail;
    std::string write_error;
  };
  std::vector<Outcome> outcomes(list.size());
  std::atomic<std::size_t> next{0};
  std::mutex names_mutex;
  std::set<std::string> names;
  const auto work = [&] {
    for (std::size_t i = next++; i < list.size(); i = next++) {
      Outcome& oc = outcomes[i];
      try {
        const auto result = layers::build_welcome(sources, list[i].request, list[i].text, options);
        if (const auto* f = std::get_if<layers::WelcomeFailure>(&result)) {
          oc.reason = f->reason;
          oc.detail = f->detail;
          continue;
        }
        const auto& pack = std::get<layers::WelcomePack>(result);
        const print::WelcomePdf pdf =
            print::welcome_pdf(pack, state.style_sheet.get(), *taal, date);
        std::string name = print::welcome_file_name(pack, list[i].text);
        {
          const std::lock_guard<std::mutex> lock(names_mutex);
          const std::string stem = name.substr(0, name.size() - 4);
          for (int k = 2; !names.insert(name).second; ++k)
            name = stem + "-" + std::to_string(k) + ".pdf";
        }
        const fs::path path = fs::path(o.output_dir) / name;
        std::ofstream f(path, std::ios::binary);
        f.write(pdf.bytes.data(), static_cast<std::streamsize>(pdf.bytes.size()));
        f.close();
        if (!f) {
          oc.write_error = "cannot write " + path.string();
          continue;
        }
        oc.placed = true;
        oc.file = name;
      } catch (const std::exception& e) {
        oc.write_error = e.what();
      }
    }
  };
  unsigned jobs = o.jobs ? o.jobs : std::max(1u, std::thread::hardware_concurrency());
  jobs = std::min<unsigned>(jobs, static_cast<unsigned>(list.size()));
  std::vector<std::thread> pool;
  for (unsigned j = 1; j < jobs; ++j) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();

  // The report: stderr and niet-geplaatst.csv beside the PDFs.
  const fs::path report = fs::path(o.output_dir) / "niet-geplaatst.csv";
  std::ofstream csv(report, std::ios::binary);
  csv << "regel,adres,reden,uitleg,detail\r\n";
  std::size_t placed = 0, failed = 0, errors = 0;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const Outcome& oc = outcomes[i];
    if (oc.placed) {
      ++placed;
      continue;
    }
    if (!oc.write_error.empty()) {
      ++errors;
      err << "line " << list[i].line << ": '" << list[i].text << "': " << oc.write_error << "\n";
      csv << list[i].line << "," << csv_cell(list[i].text) << ",error," << csv_cell(oc.write_error)
          << ",\r\n";
      continue;
    }
    ++failed;
    err << "line " << list[i].line << ": '" << list[i].text << "': not placed: " << oc.reason
        << (oc.detail.empty() ? "" : " (" + oc.detail + ")") << "\n";
    csv << list[i].line << "," << csv_cell(list[i].text) << "," << csv_cell(oc.reason) << ","
        << csv_cell(print::reason_text(*taal, oc.reason)) << "," << csv_cell(oc.detail) << "\r\n";
  }
  csv.close();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  out << placed << " welcome packs (" << print::taal_code(*taal) << ") in " << o.output_dir << ", "
      << failed << " not placed" << (errors ? ", " + std::to_string(errors) + " errors" : "")
      << " (" << report.string() << "); " << list.size() << " addresses in "
      << format_fixed(seconds, 2) << " s with " << jobs << " workers\n";
  return failed + errors == 0 ? 0 : 1;
}

}  // namespace gebieden::app
