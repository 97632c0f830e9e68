// Every documented geocoding example runs: the curl lines for /geocode and /reverse of the
// README and docs/geocoding.md are read from those files, sent to the in-process service, and
// must answer 200 with the status the document gives after "# ->" (one per result of a POST;
// "# -> 200" checks the status code only). Issue 9: the examples must use addresses of the
// register as it is.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "server/in_process.hpp"
#include "server/service.hpp"
#include "test_paths.hpp"

using namespace gebieden;
using nlohmann::json;

namespace {

struct Example {
  std::string source;  // file:line
  std::string command;
  std::vector<std::string> expected;  // statuses, or {"200"}
};

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

/// The curl commands of the ```sh blocks (and the README's plain ``` blocks) that call
/// /geocode or /reverse, continuation lines joined, with the expected answer of the comment.
std::vector<Example> examples_of(const std::string& file) {
  std::ifstream in(test::source_dir() + "/" + file);
  REQUIRE(in);
  std::vector<Example> out;
  std::string line, command;
  std::size_t number = 0, start = 0;
  bool in_block = false;
  while (std::getline(in, line)) {
    ++number;
    if (line.rfind("```", 0) == 0) {
      in_block = !in_block;
      continue;
    }
    if (!in_block) continue;
    std::string t = trim(line);
    if (command.empty()) {
      if (t.rfind("curl ", 0) != 0) continue;
      start = number;
    }
    if (!t.empty() && t.back() == '\\') {
      t.pop_back();
      command += t + " ";
      continue;
    }
    command += t;
    if (command.find("/geocode") != std::string::npos ||
        command.find("/reverse") != std::string::npos) {
      Example e;
      e.source = file + ":" + std::to_string(start);
      const std::size_t hash = command.find("# ->");
      if (hash != std::string::npos) {
        std::stringstream ss(command.substr(hash + 4));
        std::string item;
        while (std::getline(ss, item, ',')) e.expected.push_back(trim(item));
        command = trim(command.substr(0, command.find('#', 0) == hash ? hash : hash));
      }
      e.command = command;
      out.push_back(std::move(e));
    }
    command.clear();
  }
  return out;
}

/// The words of a shell command line: '...' and $'...' (with \n) quoting, blanks between.
std::vector<std::string> words(const std::string& cmd) {
  std::vector<std::string> out;
  std::string cur;
  bool any = false;
  for (std::size_t i = 0; i < cmd.size(); ++i) {
    const char c = cmd[i];
    if (c == ' ' || c == '\t') {
      if (any) out.push_back(cur);
      cur.clear();
      any = false;
    } else if (c == '\'' || (c == '$' && i + 1 < cmd.size() && cmd[i + 1] == '\'')) {
      const bool ansi = c == '$';
      i += ansi ? 2 : 1;
      for (; i < cmd.size() && cmd[i] != '\''; ++i) {
        if (ansi && cmd[i] == '\\' && i + 1 < cmd.size()) {
          ++i;
          cur += cmd[i] == 'n' ? '\n' : cmd[i];
        } else {
          cur += cmd[i];
        }
      }
      any = true;
    } else {
      cur += c;
      any = true;
    }
  }
  if (any) out.push_back(cur);
  return out;
}

server::Request request_of(const std::string& cmd) {
  server::Request r;
  r.method = "GET";
  const auto w = words(cmd);
  REQUIRE(!w.empty());
  REQUIRE(w[0] == "curl");
  for (std::size_t i = 1; i < w.size(); ++i) {
    const std::string& a = w[i];
    const auto next = [&]() -> std::string {
      REQUIRE(i + 1 < w.size());
      return w[++i];
    };
    if (a == "-X") {
      r.method = next();
    } else if (a == "-H") {
      const std::string h = next();
      const auto colon = h.find(':');
      REQUIRE(colon != std::string::npos);
      std::string name = h.substr(0, colon);
      for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      r.headers[name] = trim(h.substr(colon + 1));
    } else if (a == "-d" || a == "--data-binary") {
      std::string body = next();
      if (!body.empty() && body[0] == '@') {
        // A file, relative to the repository root (where the examples are run from).
        std::ifstream f(test::source_dir() + "/" + body.substr(1), std::ios::binary);
        INFO("example file " << body.substr(1));
        REQUIRE(f);
        std::ostringstream ss;
        ss << f.rdbuf();
        body = ss.str();
      }
      r.body = body;
      if (r.method == "GET") r.method = "POST";
    } else if (a.rfind("http://", 0) == 0) {
      const std::string rest = a.substr(a.find('/', 7));
      const auto q = rest.find('?');
      r.path = rest.substr(0, q);
      if (q != std::string::npos) {
        std::stringstream ss(rest.substr(q + 1));
        std::string kv;
        while (std::getline(ss, kv, '&')) {
          const auto eq = kv.find('=');
          const auto key = server::percent_decode(kv.substr(0, eq), true);
          const auto value = server::percent_decode(
              eq == std::string::npos ? std::string() : kv.substr(eq + 1), true);
          REQUIRE(key);
          REQUIRE(value);
          r.query.emplace_back(*key, *value);
        }
      }
    } else {
      FAIL("unexpected curl argument '" << a << "' in: " << cmd);
    }
  }
  return r;
}

}  // namespace

TEST_CASE("every documented geocoding example answers as documented", "[geocode][docs][unit]") {
  std::vector<Example> all;
  for (const char* file : {"README.md", "docs/geocoding.md"}) {
    auto e = examples_of(file);
    INFO(file);
    CHECK(e.size() >= 4);
    all.insert(all.end(), e.begin(), e.end());
  }
  for (const auto& e : all) {
    INFO(e.source << ": " << e.command);
    REQUIRE_FALSE(e.expected.empty());  // every example says what it answers
    const server::Request req = request_of(e.command);
    const server::Response r = test::default_service().handle(req);
    INFO(r.body.substr(0, 600));
    REQUIRE(r.status == 200);
    if (e.expected == std::vector<std::string>{"200"}) continue;
    const json j = json::parse(r.body);
    if (req.method == "POST") {
      REQUIRE(j["results"].size() == e.expected.size());
      for (std::size_t i = 0; i < e.expected.size(); ++i) {
        CHECK(j["results"][i]["status"] == e.expected[i]);
        if (e.expected[i] != "outside") CHECK_FALSE(j["results"][i]["buurtcode"].is_null());
      }
    } else {
      REQUIRE(e.expected.size() == 1);
      CHECK(j["status"] == e.expected[0]);
      if (e.expected[0] != "outside") CHECK_FALSE(j["buurtcode"].is_null());
    }
  }
}
