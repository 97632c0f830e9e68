#pragma once
// `gebieden keys add NAME --role reader|editor|admin`, `gebieden keys revoke NAME`,
// `gebieden keys list`: the API keys of the key file (access.keys_file of the configuration,
// relative to it; see server/access.hpp and docs/access.md). `add` prints the new key once on
// stdout, alone on a line; the file keeps only its SHA-256 hash.
//
// Exit codes: 0 when it ran; 2 for an unknown role, a bad or duplicate name, an unknown name on
// revoke, or a key file that cannot be read or written (and a configuration problem, as for
// every command).

#include <iosfwd>
#include <string>

namespace CLI {
class App;
}

namespace gebieden::geo {
struct Config;
}  // namespace gebieden::geo

namespace gebieden::app {

struct KeysCliOptions {
  std::string name;
  std::string role;
  // Which of the subcommands was chosen: "add", "revoke" or "list".
  std::string action;
};

/// Add the subcommands add, revoke and list to `keys`, each taking `-c,--config` into
/// `config_path` as the other commands do.
void add_keys_options(CLI::App& keys, KeysCliOptions& o, std::string& config_path);

/// Run the chosen subcommand on the key file of `config`; messages on `out` (the key, the list)
/// and `err` (notes and errors).
int run_keys(const geo::Config& config, const KeysCliOptions& o, std::ostream& out,
             std::ostream& err);

}  // namespace gebieden::app
