// Integration tests of the command line itself: help, --version, a mistyped subcommand, a
// configuration that is not found, a port in use. They run the built binary.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>

#include "server/process.hpp"
#include "test_paths.hpp"

using namespace gebieden;

namespace {
std::string binary() {
  return GEBIEDEN_BINARY;
}
bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}
}  // namespace

TEST_CASE("gebieden --version and help answer, and exit 0", "[cli][integration]") {
  std::string out;
  CHECK(test::run_command(binary() + " --version", out) == 0);
  CHECK(contains(out, std::string("gebieden ") + GEBIEDEN_VERSION));
  CHECK(!contains(out, "subcommand is required"));

  CHECK(test::run_command(binary() + " help", out) == 0);
  for (const char* sub : {"serve", "check", "geocode", "reassign", "--version"}) {
    INFO(sub);
    CHECK(contains(out, sub));
  }
  CHECK(!contains(out, "subcommand is required"));
}

TEST_CASE("a mistyped or missing subcommand lists the subcommands", "[cli][integration]") {
  std::string out;
  CHECK(test::run_command(binary() + " serv", out) != 0);
  CHECK(contains(out, "unknown subcommand 'serv'"));
  for (const char* sub : {"serve", "check", "geocode", "reassign", "help"}) {
    INFO(sub);
    CHECK(contains(out, sub));
  }
  CHECK(test::run_command(binary(), out) != 0);
  CHECK(contains(out, "a subcommand is required; the subcommands are"));
  CHECK(contains(out, "reassign"));
}

TEST_CASE("a configuration file that is not found says --config", "[cli][config][integration]") {
  std::string out;
  const std::string missing = test::temp_path("nowhere.json").string();
  CHECK(test::run_command(binary() + " check --config " + missing, out) != 0);
  CHECK(contains(out, missing));
  CHECK(contains(out, "--config"));
  // The default, from a folder where it is not.
  CHECK(test::run_command("cd / && " + binary() + " check", out) != 0);
  CHECK(contains(out, "data/leeuwarden.json"));
  CHECK(contains(out, "--config"));
}

TEST_CASE("a port in use is said at once, naming host:port, before anything is loaded",
          "[cli][integration]") {
  test::ServerProcess running;
  REQUIRE(running.port() > 0);
  const std::string port = std::to_string(running.port());
  const auto store = test::temp_path("never-created.gpkg");
  std::string out;
  const auto start = std::chrono::steady_clock::now();
  const int rc =
      test::run_command(binary() + " serve --config " + test::default_config() +
                            " --host 127.0.0.1 --port " + port + " --store " + store.string(),
                        out);
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start);
  INFO(out);
  CHECK(rc != 0);
  CHECK(contains(out, "127.0.0.1:" + port));
  CHECK(contains(out, "in use"));
  // Nothing was loaded: no store was created, no loading messages, and quickly.
  CHECK(!std::filesystem::exists(store));
  CHECK(!contains(out, "addresses:"));
  CHECK(seconds.count() < 5);
  CHECK(running.alive());
}
