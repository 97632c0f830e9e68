// Unit tests of server/access: roles, the key file (hashes only, atomic, 0600), the key ring
// (every role, wrong keys, the environment's editor tokens, a revoke seen without a restart, a
// broken file keeps the last good set) and the credential a request presents.
#include <sys/stat.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "geo/config.hpp"
#include "server/access.hpp"
#include "test_paths.hpp"
#include "util/error.hpp"

using namespace gebieden;
using namespace gebieden::server;
namespace fs = std::filesystem;

namespace {
std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A key ring that looks at the file at every call (no one-second wait in the tests).
KeyRing ring_of(const fs::path& file, std::vector<std::string> env = {}) {
  KeyRingOptions o;
  o.recheck_interval = std::chrono::milliseconds(0);
  return KeyRing(file, std::move(env), o);
}

ErrorCode code_of(const Request& req, std::string& parameter) {
  try {
    presented_credential(req);
  } catch (const input_error& e) {
    parameter = e.parameter();
    return e.code();
  }
  parameter.clear();
  return ErrorCode::Internal;
}
}  // namespace

TEST_CASE("roles: names, parsing, cumulative", "[access][unit]") {
  for (Role r : {Role::Reader, Role::Editor, Role::Admin}) CHECK(parse_role(role_name(r)) == r);
  CHECK_FALSE(parse_role("Editor"));
  CHECK_FALSE(parse_role("writer"));
  CHECK_FALSE(parse_role(""));
  const Principal admin{"a", Role::Admin}, editor{"e", Role::Editor}, reader{"r", Role::Reader};
  CHECK(admin.can(Role::Admin));
  CHECK(admin.can(Role::Editor));
  CHECK(admin.can(Role::Reader));
  CHECK_FALSE(editor.can(Role::Admin));
  CHECK(editor.can(Role::Editor));
  CHECK(editor.can(Role::Reader));
  CHECK_FALSE(reader.can(Role::Editor));
  CHECK(reader.can(Role::Reader));
}

TEST_CASE("key names", "[access][unit]") {
  CHECK(valid_key_name("anna"));
  CHECK(valid_key_name("wijkteam-noord.2026_a"));
  CHECK(valid_key_name(std::string(64, 'a')));
  CHECK_FALSE(valid_key_name(std::string(65, 'a')));
  CHECK_FALSE(valid_key_name(""));
  CHECK_FALSE(valid_key_name("Anna"));
  CHECK_FALSE(valid_key_name("an na"));
  CHECK_FALSE(valid_key_name("anna/../x"));
  CHECK_FALSE(valid_key_name("GEBIEDEN_WRITE_TOKEN"));  // so no file key shadows the env's
}

TEST_CASE("sha256_hex is SHA-256", "[access][unit]") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("the key file: add, list, revoke, hashes only, mode 0600, its folder created",
          "[access][unit]") {
  const fs::path file = test::temp_path("access") / "var" / "keys.json";
  CHECK(list_keys(file).empty());
  CHECK_FALSE(revoke_key(file, "anna"));
  CHECK_FALSE(fs::exists(file.parent_path()));  // a revoke of nothing makes no folder

  const std::string anna = add_key(file, "anna", Role::Editor);
  const std::string piet = add_key(file, "piet", Role::Reader);
  const std::string root = add_key(file, "root", Role::Admin);
  for (const auto& k : {anna, piet, root}) {
    INFO(k);
    CHECK(k.size() == 4 + 43);
    CHECK(k.rfind("gbk_", 0) == 0);
    CHECK(k.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
                              4) == std::string::npos);
  }
  CHECK(anna != piet);
  CHECK(piet != root);

  // No key in clear: the file holds their hashes only.
  const std::string text = read_all(file);
  for (const auto& k : {anna, piet, root}) {
    CHECK(text.find(k) == std::string::npos);
    CHECK(text.find(k.substr(4)) == std::string::npos);
    CHECK(text.find(sha256_hex(k)) != std::string::npos);
  }
  const auto j = nlohmann::json::parse(text);
  REQUIRE(j.at("keys").size() == 3);
  CHECK(j["keys"][0]["name"] == "anna");
  CHECK(j["keys"][0]["role"] == "editor");
  CHECK(j["keys"][0]["sha256"] == sha256_hex(anna));
  CHECK(j["keys"][0]["created"].get<std::string>().size() == 20);  // 2026-12-02T10:00:00Z

  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK_FALSE(fs::exists(fs::path(file.string() + ".tmp")));

  const auto listed = list_keys(file);
  REQUIRE(listed.size() == 3);
  CHECK(listed[0].name == "anna");
  CHECK(listed[0].role == Role::Editor);
  CHECK(listed[1].name == "piet");
  CHECK(listed[1].role == Role::Reader);
  CHECK(listed[2].name == "root");
  CHECK(listed[2].role == Role::Admin);
  CHECK(listed[2].created.back() == 'Z');

  // A duplicate name and a bad name are input errors naming "name"; the file is unchanged.
  try {
    add_key(file, "anna", Role::Admin);
    FAIL("a duplicate name was taken");
  } catch (const input_error& e) {
    CHECK(e.code() == ErrorCode::Conflict);
    CHECK(e.parameter() == "name");
  }
  try {
    add_key(file, "Anna Smit", Role::Reader);
    FAIL("a bad name was taken");
  } catch (const input_error& e) {
    CHECK(e.code() == ErrorCode::InvalidParameter);
    CHECK(e.parameter() == "name");
  }
  CHECK(read_all(file) == text);

  CHECK(revoke_key(file, "piet"));
  CHECK_FALSE(revoke_key(file, "piet"));
  const auto after = list_keys(file);
  REQUIRE(after.size() == 2);
  CHECK(after[0].name == "anna");
  CHECK(after[1].name == "root");
  // The name is free again.
  CHECK(add_key(file, "piet", Role::Editor) != piet);
}

TEST_CASE("the key ring: every role, wrong keys, the environment's editor tokens",
          "[access][unit]") {
  const fs::path file = test::temp_path("keys.json");
  const std::string reader = add_key(file, "lezer", Role::Reader);
  const std::string editor = add_key(file, "anna", Role::Editor);
  const std::string admin = add_key(file, "beheer", Role::Admin);
  const KeyRing ring(file, {"env-token-1", "", "env-token-2"});
  CHECK_FALSE(ring.empty());
  CHECK(ring.file_keys() == 3);
  CHECK(ring.env_tokens() == 2);  // the empty one is dropped

  auto p = ring.authenticate(reader);
  REQUIRE(p);
  CHECK(p->name == "lezer");
  CHECK(p->role == Role::Reader);
  p = ring.authenticate(editor);
  REQUIRE(p);
  CHECK(p->name == "anna");
  CHECK(p->role == Role::Editor);
  p = ring.authenticate(admin);
  REQUIRE(p);
  CHECK(p->name == "beheer");
  CHECK(p->role == Role::Admin);
  CHECK(p->can(Role::Editor));

  for (const char* t : {"env-token-1", "env-token-2"}) {
    p = ring.authenticate(t);
    REQUIRE(p);
    CHECK(p->name == "GEBIEDEN_WRITE_TOKEN");
    CHECK(p->role == Role::Editor);
  }

  CHECK_FALSE(ring.authenticate(""));
  CHECK_FALSE(ring.authenticate("gbk_wrong"));
  CHECK_FALSE(ring.authenticate("env-token-"));
  CHECK_FALSE(ring.authenticate(sha256_hex(editor)));  // the hash is not a key
  std::string one_off = editor;
  one_off.back() = one_off.back() == 'A' ? 'B' : 'A';
  CHECK_FALSE(ring.authenticate(one_off));
  one_off = editor;
  one_off[4] = one_off[4] == 'A' ? 'B' : 'A';
  CHECK_FALSE(ring.authenticate(one_off));
  CHECK_FALSE(ring.authenticate(editor + " "));
  CHECK_FALSE(ring.authenticate(editor.substr(0, editor.size() - 1)));
}

TEST_CASE("the key ring: empty without keys, the env principal's name is configurable",
          "[access][unit]") {
  const fs::path absent = test::temp_path("none") / "keys.json";
  const KeyRing none(absent, {});
  CHECK(none.empty());
  CHECK_FALSE(none.authenticate("anything"));
  const KeyRing no_file("", {});
  CHECK(no_file.empty());

  KeyRingOptions o;
  o.env_principal = "MY_TOKEN";
  const KeyRing env_only(absent, {"t"}, o);
  CHECK_FALSE(env_only.empty());
  const auto p = env_only.authenticate("t");
  REQUIRE(p);
  CHECK(p->name == "MY_TOKEN");
  CHECK(p->role == Role::Editor);
}

TEST_CASE("the key ring sees a revoke and an added key without a restart", "[access][unit]") {
  const fs::path file = test::temp_path("live.json");
  const std::string anna = add_key(file, "anna", Role::Editor);
  const std::string piet = add_key(file, "piet", Role::Admin);
  const KeyRing ring = ring_of(file);
  REQUIRE(ring.authenticate(anna));
  REQUIRE(ring.authenticate(piet));

  REQUIRE(revoke_key(file, "anna"));
  CHECK_FALSE(ring.authenticate(anna));
  CHECK(ring.authenticate(piet));

  const std::string kees = add_key(file, "kees", Role::Reader);
  const auto p = ring.authenticate(kees);
  REQUIRE(p);
  CHECK(p->role == Role::Reader);

  // Removing the file revokes every key of it.
  fs::remove(file);
  CHECK_FALSE(ring.authenticate(piet));
  CHECK(ring.empty());
}

TEST_CASE("the key ring looks at the file at most once per interval", "[access][unit]") {
  const fs::path file = test::temp_path("interval.json");
  const std::string anna = add_key(file, "anna", Role::Editor);
  const KeyRing ring(file, {});  // the default: once a second
  REQUIRE(ring.authenticate(anna));
  REQUIRE(revoke_key(file, "anna"));
  const auto revoked = std::chrono::steady_clock::now();
  // Within the second the old set may still answer; after it, never.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  CHECK_FALSE(ring.authenticate(anna));
  CHECK(std::chrono::steady_clock::now() - revoked < std::chrono::seconds(10));

  // reload() looks at once.
  const std::string kees = add_key(file, "kees", Role::Editor);
  ring.reload();
  CHECK(ring.authenticate(kees));
}

TEST_CASE("a broken key file keeps the last good set, at start it is an error", "[access][unit]") {
  const fs::path file = test::temp_path("broken.json");
  const std::string anna = add_key(file, "anna", Role::Editor);
  const KeyRing ring = ring_of(file);
  REQUIRE(ring.authenticate(anna));

  const std::string good = read_all(file);
  test::write_file(file, "{\"keys\": [ {\"name\": \"anna\", ");  // a half-written edit
  CHECK(ring.authenticate(anna));
  CHECK(ring.authenticate(anna));  // (said once on std::cerr)
  test::write_file(file, R"({"keys":[{"name":"x","role":"owner","sha256":"00"}]})");
  CHECK(ring.authenticate(anna));

  // Fixed: read again.
  test::write_file(file, good);
  CHECK(ring.authenticate(anna));
  REQUIRE(revoke_key(file, "anna"));
  CHECK_FALSE(ring.authenticate(anna));

  // At start there is no good set to keep: the constructor says what is wrong.
  test::write_file(file, "not json");
  CHECK_THROWS_AS(KeyRing(file, {}), key_file_error);
  // Found by fuzzing (tests/fuzz, fuzz_config): a number beyond a double (nlohmann's
  // out_of_range, not parse_error) escaped as another exception type.
  const fs::path huge = test::temp_path("huge-number.json");
  test::write_file(huge, R"({"keys": [], "comment": 1e999})");
  CHECK_THROWS_AS(KeyRing(huge, {}), key_file_error);
  // And so do the operations: they never overwrite a file they cannot read.
  CHECK_THROWS_AS(add_key(file, "kees", Role::Reader), key_file_error);
  CHECK_THROWS_AS(revoke_key(file, "anna"), key_file_error);
  CHECK_THROWS_AS(list_keys(file), key_file_error);
  CHECK(read_all(file) == "not json");

  // Each kind of bad entry.
  const std::string h = sha256_hex("k");
  for (const std::string& bad : std::vector<std::string>{
           R"([])", R"({"keys": {}})", R"({"keys": [1]})", R"({"kees": []})",
           R"({"keys": [{"role": "editor", "sha256": ")" + h + R"("}]})",
           R"({"keys": [{"name": "a", "sha256": ")" + h + R"("}]})",
           R"({"keys": [{"name": "a", "role": "editor"}]})",
           R"({"keys": [{"name": "a", "role": "editor", "sha256": "xyz"}]})",
           R"({"keys": [{"name": "A", "role": "editor", "sha256": ")" + h + R"("}]})",
           R"({"keys": [{"name": "a", "role": "editor", "sha256": ")" + h + R"(", "key": "k"}]})",
           R"({"keys": [{"name": "a", "role": "editor", "sha256": ")" + h +
               R"("}, {"name": "a", "role": "reader", "sha256": ")" + h + R"("}]})"}) {
    INFO(bad);
    test::write_file(file, bad);
    try {
      KeyRing r(file, {});
      FAIL("a bad key file was taken");
    } catch (const key_file_error& e) {
      // Never a hash in a message.
      CHECK(std::string(e.what()).find(h) == std::string::npos);
      CHECK(std::string(e.what()).find(file.string()) != std::string::npos);
    }
  }
  // A hand-written file with an upper-case hash and without "created" is fine.
  std::string upper = h;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  test::write_file(file,
                   R"({"keys": [{"name": "a", "role": "admin", "sha256": ")" + upper + R"("}]})");
  const KeyRing hand(file, {});
  const auto p = hand.authenticate("k");
  REQUIRE(p);
  CHECK(p->role == Role::Admin);
}

TEST_CASE("a key file that cannot be written is a key_file_error", "[access][unit]") {
  const fs::path blocker = test::temp_path("a-file");
  test::write_file(blocker, "x");
  // Its folder would be a file.
  CHECK_THROWS_AS(add_key(blocker / "keys.json", "anna", Role::Editor), key_file_error);
}

TEST_CASE("presented_credential: Authorization, X-Esri-Authorization, token", "[access][unit]") {
  Request req;
  CHECK_FALSE(presented_credential(req));

  req.headers["authorization"] = "Bearer gbk_abc";
  CHECK(presented_credential(req) == "gbk_abc");
  req.headers["authorization"] = "  bearer   gbk_abc  ";
  CHECK(presented_credential(req) == "gbk_abc");

  req = Request{};
  req.headers["x-esri-authorization"] = "Bearer esri-key";
  CHECK(presented_credential(req) == "esri-key");

  req = Request{};
  req.query = {{"f", "json"}, {"token", "query-key"}};
  CHECK(presented_credential(req) == "query-key");
  req.query = {{"token", ""}};
  CHECK_FALSE(presented_credential(req));

  // Authorization first, then X-Esri-Authorization, then the token.
  req = Request{};
  req.headers["authorization"] = "Bearer one";
  req.headers["x-esri-authorization"] = "Bearer two";
  req.query = {{"token", "three"}};
  CHECK(presented_credential(req) == "one");
  req.headers.erase("authorization");
  CHECK(presented_credential(req) == "two");

  // Malformed headers: not Bearer, no key, two words.
  std::string parameter;
  for (const char* bad :
       {"Basic dXNlcjpwYXNz", "Bearer", "Bearer   ", "gbk_abc", "Bearer a b", "Bearerx abc", ""}) {
    INFO(bad);
    req = Request{};
    req.headers["authorization"] = bad;
    CHECK(code_of(req, parameter) == ErrorCode::Unauthorized);
    CHECK(parameter == "Authorization");
  }
  req = Request{};
  req.headers["x-esri-authorization"] = "Token abc";
  CHECK(code_of(req, parameter) == ErrorCode::Unauthorized);
  CHECK(parameter == "X-Esri-Authorization");
  CHECK(error_spec(ErrorCode::Unauthorized).http_status == 401);
}

TEST_CASE("access.keys_file in the configuration", "[access][config][unit]") {
  nlohmann::json j = nlohmann::json::parse(R"({
    "boundaries": {"buurten": {"sources": ["b.geojson"]}},
    "scheme": {"gebieden": [{"id": "a", "name": "A", "wijken": ["WK000101"]}]}
  })");
  geo::Config c = geo::parse_config(j, "/srv/g/data/config.json");
  CHECK(c.access.keys_file == "var/keys.json");
  CHECK(c.resolve(c.access.keys_file) == "/srv/g/data/var/keys.json");

  j["access"] = {{"keys_file", "/etc/gebieden/keys.json"}, {"comment", "hashes only"}};
  c = geo::parse_config(j, "/srv/g/data/config.json");
  CHECK(c.resolve(c.access.keys_file) == "/etc/gebieden/keys.json");

  for (const nlohmann::json& bad :
       {nlohmann::json{{"keys_file", ""}}, nlohmann::json{{"keys_file", 1}},
        nlohmann::json{{"key_file", "x"}}, nlohmann::json("x")}) {
    INFO(bad.dump());
    j["access"] = bad;
    try {
      geo::parse_config(j, "/srv/g/data/config.json");
      FAIL("taken");
    } catch (const config_error& e) {
      CHECK(e.member().rfind("access", 0) == 0);
    }
  }
  // The default configuration names it.
  CHECK(geo::load_config(test::default_config()).access.keys_file == "var/keys.json");
}

TEST_CASE("the key ring from several threads while the file changes", "[access][unit]") {
  const fs::path file = test::temp_path("threads.json");
  const std::string stays = add_key(file, "stays", Role::Admin);
  const KeyRing ring = ring_of(file, {"env"});
  std::atomic<bool> wrong{false};
  std::atomic<bool> done{false};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t)
    readers.emplace_back([&] {
      while (!done) {
        const auto p = ring.authenticate(stays);
        if (!p || p->role != Role::Admin) wrong = true;
        const auto e = ring.authenticate("env");
        if (!e || e->role != Role::Editor) wrong = true;
        if (ring.authenticate("gbk_nothing")) wrong = true;
      }
    });
  for (int i = 0; i < 20; ++i) {
    std::string name = "k";  // (not "k" + to_string: GCC 12's false -Wrestrict)
    name += std::to_string(i);
    const std::string k = add_key(file, name, Role::Reader);
    ring.reload();
    if (!ring.authenticate(k)) wrong = true;
    REQUIRE(revoke_key(file, name));
    ring.reload();
    if (ring.authenticate(k)) wrong = true;
  }
  done = true;
  for (auto& t : readers) t.join();
  CHECK_FALSE(wrong);
  CHECK(ring.file_keys() == 1);
}
