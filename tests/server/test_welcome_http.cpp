// The welcome pack against the real server and the real batch command: the PDF of a village and
// a city address read by poppler (pdfinfo: 1 or 2 A4 pages; pdftotext: the gebied and its
// team, as /locate names them), the HTML page, the JSON, the 400s naming the parameter and the
// 404 in the language asked; and `gebieden welkom` on a small list (a PDF per address, the
// failure CSV, exit code 1).

#include <httplib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "geo/csv.hpp"
#include "process.hpp"
#include "test_paths.hpp"

using namespace gebieden;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

/// Where the PDFs of this test go: under the build folder (beside the gebieden binary's folder).
fs::path output_dir() {
  const fs::path dir =
      fs::path(GEBIEDEN_BINARY).parent_path().parent_path() / "test-output" / "welkom";
  fs::create_directories(dir);
  return dir;
}

struct Row {
  std::string straat, nummer, postcode, woonplaats;
};

Row register_row(const std::string& woonplaats, int skip) {
  std::ifstream in(test::shared_data("synthetic/bag_leeuwarden_synthetic.csv"));
  geo::CsvReader r(in);
  std::vector<std::string> f;
  r.next(f);
  while (r.next(f)) {
    if (f.size() < 9 || f[6] != woonplaats || !f[3].empty() || !f[4].empty() || skip-- > 0)
      continue;
    return Row{f[1], f[2], f[5], f[6]};
  }
  FAIL("no address in " << woonplaats);
  return {};
}

std::string encode(const std::string& s) {
  std::string o;
  static const char* hex = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if (std::isalnum(c)) {
      o += static_cast<char>(c);
    } else {
      o += '%';
      o += hex[c >> 4];
      o += hex[c & 15];
    }
  }
  return o;
}

struct PdfInfo {
  int pages = 0;
  double width = 0, height = 0;
};

PdfInfo pdfinfo(const fs::path& file) {
  std::string out;
  REQUIRE(test::run_command("pdfinfo '" + file.string() + "'", out) == 0);
  PdfInfo info;
  std::smatch m;
  if (std::regex_search(out, m, std::regex("Pages:\\s+(\\d+)"))) info.pages = std::stoi(m[1]);
  if (std::regex_search(out, m, std::regex("Page size:\\s+([0-9.]+) x ([0-9.]+) pts"))) {
    info.width = std::stod(m[1]);
    info.height = std::stod(m[2]);
  }
  INFO(out);
  return info;
}

std::string squeeze(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\f') {
      if (!o.empty() && o.back() != ' ') o += ' ';
    } else {
      o += c;
    }
  }
  return o;
}

std::string pdftotext(const fs::path& file) {
  std::string out;
  REQUIRE(test::run_command("pdftotext -enc UTF-8 '" + file.string() + "' -", out) == 0);
  return squeeze(out);
}

void check_a4(const PdfInfo& info) {
  CHECK(info.pages >= 1);
  CHECK(info.pages <= 2);
  CHECK(std::round(info.width) == 595);
  CHECK(std::round(info.height) == 842);
}

}  // namespace

TEST_CASE("welkom over HTTP: the PDF, HTML and JSON of a village and a city address",
          "[welcome][integration]") {
  test::ServerProcess server;
  httplib::Client cli("127.0.0.1", server.port());
  cli.set_read_timeout(60);
  const fs::path dir = output_dir();
  for (const auto& [row, query] : {std::pair<Row, int>{register_row("Wergea", 2), 0},
                                   {register_row("Grou", 7), 1},
                                   {register_row("Leeuwarden", 321), 1}}) {
    const std::string adres = query == 0 ? row.straat + " " + row.nummer + ", " + row.woonplaats
                                         : row.postcode + " " + row.nummer;
    INFO(adres);
    // What /locate says of the same address: the expected buurt, gebied and team.
    auto loc = cli.Get(("/locate?q=" + encode(adres)).c_str());
    REQUIRE(loc);
    REQUIRE(loc->status == 200);
    const json where = json::parse(loc->body);
    const std::string gebied = where["gebied"]["naam"];
    const std::string team = where["gebied"]["team"]["name"];
    const std::string buurt = where["buurt"]["naam"];

    for (const std::string taal : {"nl", "fy"}) {
      auto res = cli.Get(("/welkom?adres=" + encode(adres) + "&taal=" + taal + "&f=pdf").c_str());
      REQUIRE(res);
      REQUIRE(res->status == 200);
      CHECK(res->get_header_value("Content-Type") == "application/pdf");
      const std::string disposition = res->get_header_value("Content-Disposition");
      CHECK(disposition.rfind("inline; filename=\"welkom-", 0) == 0);
      CHECK(disposition.find(row.postcode) != std::string::npos);
      const fs::path file = dir / (row.postcode + "-" + row.nummer + "-" + taal + ".pdf");
      test::write_file(file, res->body);
      check_a4(pdfinfo(file));
      const std::string text = pdftotext(file);
      CHECK(text.find(gebied) != std::string::npos);
      CHECK(text.find(team) != std::string::npos);
      CHECK(text.find(buurt) != std::string::npos);
      CHECK(text.find(taal == "fy" ? "Wolkom yn" : "Welkom in") != std::string::npos);
    }
    auto page = cli.Get(("/welkom?adres=" + encode(adres) + "&f=html").c_str());
    REQUIRE(page);
    REQUIRE(page->status == 200);
    CHECK(page->get_header_value("Content-Type").rfind("text/html", 0) == 0);
    CHECK(page->body.find(gebied) != std::string::npos);
    CHECK(page->body.find(team) != std::string::npos);
    CHECK(page->body.find("<svg") != std::string::npos);
    CHECK(page->body.find("f=pdf") != std::string::npos);

    auto js = cli.Get(("/welkom?adres=" + encode(adres) + "&f=json").c_str());
    REQUIRE(js);
    REQUIRE(js->status == 200);
    const json j = json::parse(js->body);
    CHECK(j["buurt"] == where["buurt"]);
    CHECK(j["wijk"] == where["wijk"]);
    CHECK(j["gebied"]["naam"] == gebied);
    CHECK(j["team"]["name"] == team);
    // No private field: the contact columns of the social base are not in the answer.
    for (const char* field : {"contact_naam", "contact_telefoon", "contact_email"})
      CHECK(js->body.find(field) == std::string::npos);
  }
}

TEST_CASE("welkom over HTTP: bad input is a 400 naming the parameter, an unknown address a 404",
          "[welcome][integration]") {
  test::ServerProcess server;
  httplib::Client cli("127.0.0.1", server.port());
  cli.set_read_timeout(60);
  const auto get = [&](const std::string& path) {
    auto r = cli.Get(path.c_str());
    REQUIRE(r);
    return std::make_pair(r->status, json::parse(r->body, nullptr, false));
  };
  const std::string good =
      encode(register_row("Grou", 1).postcode + " " + register_row("Grou", 1).nummer);
  struct Case {
    std::string path, parameter;
  };
  for (const Case& c : {Case{"/welkom", "adres"}, Case{"/welkom?adres=%20%20", "adres"},
                        Case{"/welkom?adres=" + std::string(400, 'a'), "adres"},
                        Case{"/welkom?adres=" + good + "&taal=de", "taal"},
                        Case{"/welkom?adres=" + good + "&f=docx", "f"},
                        Case{"/welkom?adres=" + good + "&kleur=rood", "kleur"}}) {
    INFO(c.path);
    const auto [status, body] = get(c.path);
    CHECK(status == 400);
    REQUIRE(body.is_object());
    CHECK(body["parameter"] == c.parameter);
  }
  const auto [status, body] =
      get("/welkom?adres=" + encode("Nergensnietstraat 12, Grou") + "&taal=fy");
  CHECK(status == 404);
  REQUIRE(body.is_object());
  CHECK(body["parameter"] == "adres");
  CHECK(body["description"].get<std::string>().find("Adres net fûn") != std::string::npos);
  const auto [status_en, body_en] =
      get("/welkom?adres=" + encode("Nergensnietstraat 12, Grou") + "&taal=en");
  CHECK(status_en == 404);
  CHECK(body_en["description"].get<std::string>().find("Address not found") != std::string::npos);
}

TEST_CASE("gebieden welkom: a PDF per address, the failures in a CSV, exit code 1",
          "[welcome][integration]") {
  const fs::path dir = output_dir() / "batch";
  fs::remove_all(dir);
  const fs::path list = test::temp_path("adressen.csv");
  const Row a = register_row("Wergea", 11), b = register_row("Leeuwarden", 77),
            c = register_row("Grou", 13);
  // The register's own columns (as a BAG extract has them), and one address that is not there.
  {
    std::ofstream out(list);
    out << "openbare_ruimte_naam,huisnummer,huisletter,toevoeging,postcode,woonplaats_naam\n";
    out << a.straat << "," << a.nummer << ",,,," << a.woonplaats << "\n";
    out << ",1,,,9999ZZ,\n";  // a postcode the register does not have: not placed
    out << "," << b.nummer << ",,," << b.postcode << ",\n";
    out << "Nergensnietstraat,12,,,,Grou\n";
    out << c.straat << "," << c.nummer << ",,,," << c.woonplaats << "\n";
  }
  std::string output;
  const std::string command = std::string(GEBIEDEN_BINARY) + " welkom -c '" +
                              test::default_config() + "' --store '" +
                              test::temp_path("welkom-store.gpkg").string() + "' --adressen '" +
                              list.string() + "' -o '" + dir.string() + "' --taal fy 2>&1";
  const int rc = test::run_command(command, output);
  INFO(output);
  CHECK(rc == 1);
  std::vector<fs::path> pdfs;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".pdf") pdfs.push_back(e.path());
  CHECK(pdfs.size() == 3);
  for (const auto& p : pdfs) {
    INFO(p);
    CHECK(p.filename().string().rfind("welkom-", 0) == 0);
    check_a4(pdfinfo(p));
    CHECK(pdftotext(p).find("Wolkom yn") != std::string::npos);
  }
  CHECK(fs::exists(dir / ("welkom-" + b.postcode + "-" + b.nummer + ".pdf")));
  std::ifstream report(dir / "niet-geplaatst.csv");
  REQUIRE(report);
  geo::CsvReader r(report);
  std::vector<std::string> f;
  REQUIRE(r.next(f));
  CHECK(f == std::vector<std::string>{"regel", "adres", "reden", "uitleg", "detail"});
  std::vector<std::vector<std::string>> rows;
  while (r.next(f))
    if (!(f.size() == 1 && f[0].empty())) rows.push_back(f);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0][0] == "3");
  CHECK(rows[1][0] == "5");
  CHECK(rows[1][1].find("Nergensnietstraat") != std::string::npos);
  CHECK_FALSE(rows[1][2].empty());
  CHECK(output.find("Nergensnietstraat") != std::string::npos);
}
