// Integration tests of `gebieden keys add|revoke|list`: the built binary, with a configuration in
// a temporary folder (its key file is access.keys_file, relative to it).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "server/access.hpp"
#include "server/process.hpp"
#include "test_paths.hpp"

using namespace gebieden;
namespace fs = std::filesystem;

namespace {
bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}
std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A configuration in a fresh folder; its keys in `keys_file` (relative to it).
fs::path make_config(const std::string& keys_file = "") {
  const fs::path dir = test::temp_path("keys-config");
  fs::create_directories(dir);
  std::string access;
  if (!keys_file.empty()) access = R"(, "access": {"keys_file": ")" + keys_file + R"("})";
  test::write_file(dir / "config.json",
                   R"({"boundaries": {"buurten": {"sources": ["b.geojson"]}},
                       "scheme": {"gebieden": [{"id": "a", "name": "A", "wijken": ["WK000101"]}]})" +
                       access + "}");
  return dir / "config.json";
}

/// Run `gebieden ARGS --config CONFIG`; stdout into `out`, stderr into `err`.
int keys(const std::string& args, const fs::path& config, std::string& out, std::string& err) {
  const fs::path err_file = test::temp_path("stderr.txt");
  const int rc =
      test::run_command("( " + std::string(GEBIEDEN_BINARY) + " keys " + args + " --config " +
                            config.string() + " 2>" + err_file.string() + " )",
                        out);
  err = read_all(err_file);
  return rc;
}
}  // namespace

TEST_CASE("gebieden keys: add, list, revoke through the binary", "[cli][access][integration]") {
  const fs::path config = make_config();
  const fs::path file = config.parent_path() / "var" / "keys.json";  // the default
  std::string out, err;

  REQUIRE(keys("list", config, out, err) == 0);
  CHECK(out.empty());
  CHECK(contains(err, "no keys"));

  // add: the key alone on stdout, the note on stderr.
  INFO(err);
  REQUIRE(keys("add anna --role editor", config, out, err) == 0);
  REQUIRE(out.size() == 4 + 43 + 1);
  CHECK(out.rfind("gbk_", 0) == 0);
  CHECK(out.back() == '\n');
  const std::string anna = out.substr(0, out.size() - 1);
  CHECK(contains(err, "only this once"));
  CHECK(!contains(err, anna));
  REQUIRE(fs::exists(file));
  CHECK(!contains(read_all(file), anna));  // hashes only
  CHECK(contains(read_all(file), server::sha256_hex(anna)));

  REQUIRE(keys("add beheer --role admin", config, out, err) == 0);
  const std::string beheer = out.substr(0, out.size() - 1);
  REQUIRE(keys("add lezer --role reader", config, out, err) == 0);

  // The key ring of the server takes what the command wrote.
  const server::KeyRing ring(file, {});
  auto p = ring.authenticate(anna);
  REQUIRE(p);
  CHECK(p->name == "anna");
  CHECK(p->role == server::Role::Editor);
  p = ring.authenticate(beheer);
  REQUIRE(p);
  CHECK(p->role == server::Role::Admin);

  // list: name, role, created; never a key or a hash.
  REQUIRE(keys("list", config, out, err) == 0);
  INFO(out);
  CHECK(contains(out, "NAME"));
  CHECK(contains(out, "anna"));
  CHECK(contains(out, "editor"));
  CHECK(contains(out, "beheer"));
  CHECK(contains(out, "admin"));
  CHECK(contains(out, "lezer"));
  CHECK(contains(out, "reader"));
  CHECK(contains(out, "Z\n"));  // the created time, UTC
  CHECK(!contains(out, anna));
  CHECK(!contains(out, server::sha256_hex(anna)));

  // revoke: gone from the list and from the ring (no new ring).
  REQUIRE(keys("revoke anna", config, out, err) == 0);
  CHECK(contains(err, "revoked"));
  REQUIRE(keys("list", config, out, err) == 0);
  CHECK(!contains(out, "anna"));
  CHECK(contains(out, "beheer"));
  ring.reload();
  CHECK(!ring.authenticate(anna));
  CHECK(ring.authenticate(beheer));
}

TEST_CASE("gebieden keys: errors are exit code 2 with a clear message",
          "[cli][access][integration]") {
  const fs::path config = make_config("keys/api-keys.json");
  const fs::path file = config.parent_path() / "keys" / "api-keys.json";
  std::string out, err;

  CHECK(keys("add anna --role writer", config, out, err) == 2);
  CHECK(contains(err, "unknown role 'writer'"));
  CHECK(contains(err, "reader, editor, admin"));
  CHECK(out.empty());
  CHECK(keys("add anna", config, out, err) == 2);
  CHECK(contains(err, "--role"));
  CHECK(keys("add 'Anna Smit' --role editor", config, out, err) == 2);
  CHECK(contains(err, "a-z 0-9"));
  CHECK(!fs::exists(file));

  REQUIRE(keys("add anna --role editor", config, out, err) == 0);  // access.keys_file
  CHECK(fs::exists(file));
  CHECK(keys("add anna --role admin", config, out, err) == 2);
  CHECK(contains(err, "'anna' already"));
  CHECK(out.empty());

  CHECK(keys("revoke piet", config, out, err) == 2);
  CHECK(contains(err, "no key called 'piet'"));

  // A key file that cannot be written: its folder is a file.
  const fs::path blocked = make_config("blocker/keys.json");
  test::write_file(blocked.parent_path() / "blocker", "x");
  CHECK(keys("add anna --role editor", blocked, out, err) == 2);
  CHECK(contains(err, "blocker"));
  CHECK(out.empty());

  // A malformed key file is never overwritten.
  test::write_file(file, "{ not json");
  CHECK(keys("add piet --role reader", config, out, err) == 2);
  CHECK(contains(err, "not valid JSON"));
  CHECK(keys("list", config, out, err) == 2);
  CHECK(read_all(file) == "{ not json");

  // No subcommand: which there are.
  CHECK(keys("", config, out, err) == 2);
  CHECK(contains(err, "add NAME --role ROLE, revoke NAME or list"));

  // The command is in the help.
  CHECK(test::run_command(std::string(GEBIEDEN_BINARY) + " help", out) == 0);
  CHECK(contains(out, "keys"));
}
