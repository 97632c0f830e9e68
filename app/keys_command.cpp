#include "app/keys_command.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <ostream>

#include "geo/config.hpp"
#include "server/access.hpp"
#include "util/error.hpp"

namespace gebieden::app {

void add_keys_options(CLI::App& keys, KeysCliOptions& o, std::string& config_path) {
  // No require_subcommand: `gebieden keys` alone is run_keys' message and exit code 2.
  keys.require_subcommand(0, 1);
  auto* add = keys.add_subcommand(
      "add", "add a key called NAME with a role; prints the key once (only its hash is kept)");
  // Checked by run_keys, not by CLI11, so that a missing or unknown role is exit code 2 with a
  // message of ours.
  add->add_option("NAME", o.name, "the key's name: 1 to 64 of a-z 0-9 . _ -");
  add->add_option("--role", o.role,
                  "reader (sees the private fields), editor (also writes) or admin (also deletes "
                  "and reads the history)");
  add->add_option("-c,--config", config_path, "configuration file");
  add->callback([&o] { o.action = "add"; });

  auto* revoke = keys.add_subcommand("revoke",
                                     "revoke the key called NAME (a running server stops taking "
                                     "it within a second)");
  revoke->add_option("NAME", o.name, "the key's name");
  revoke->add_option("-c,--config", config_path, "configuration file");
  revoke->callback([&o] { o.action = "revoke"; });

  auto* list = keys.add_subcommand("list", "list the keys: name, role, created (never a key)");
  list->add_option("-c,--config", config_path, "configuration file");
  list->callback([&o] { o.action = "list"; });
}

int run_keys(const geo::Config& config, const KeysCliOptions& o, std::ostream& out,
             std::ostream& err) {
  const std::filesystem::path file = config.resolve(config.access.keys_file);
  try {
    if (o.action == "add") {
      if (o.name.empty()) {
        err << "keys add: the key needs a NAME (gebieden keys add NAME --role ROLE)\n";
        return 2;
      }
      if (o.role.empty()) {
        err << "keys add: --role is required: reader, editor or admin\n";
        return 2;
      }
      const auto role = server::parse_role(o.role);
      if (!role) {
        err << "keys add: unknown role '" << o.role << "': the roles are reader, editor, admin\n";
        return 2;
      }
      const std::string key = server::add_key(file, o.name, *role);
      out << key << std::endl;
      err << "added the " << server::role_name(*role) << " key '" << o.name << "' to "
          << file.string()
          << ".\nThe key above is shown only this once (the file keeps only its hash): store it "
             "now.\n";
      return 0;
    }
    if (o.action == "revoke") {
      if (o.name.empty()) {
        err << "keys revoke: name the key to revoke (gebieden keys revoke NAME)\n";
        return 2;
      }
      if (!server::revoke_key(file, o.name)) {
        err << "keys revoke: there is no key called '" << o.name << "' in " << file.string()
            << "\n";
        return 2;
      }
      err << "revoked the key '" << o.name << "' in " << file.string()
          << "; a running server stops taking it within a second\n";
      return 0;
    }
    if (o.action == "list") {
      const auto keys = server::list_keys(file);
      if (keys.empty()) {
        err << "no keys in " << file.string() << "\n";
        return 0;
      }
      std::size_t width = 4;
      for (const auto& k : keys) width = std::max(width, k.name.size());
      out << std::left << std::setw(static_cast<int>(width) + 2) << "NAME" << std::setw(8) << "ROLE"
          << "CREATED\n";
      for (const auto& k : keys)
        out << std::left << std::setw(static_cast<int>(width) + 2) << k.name << std::setw(8)
            << server::role_name(k.role) << k.created << "\n";
      out.flush();
      return 0;
    }
    err << "keys: name a subcommand: add NAME --role ROLE, revoke NAME or list\n";
    return 2;
  } catch (const input_error& e) {
    err << "keys " << o.action << ": " << e.what() << "\n";
    return 2;
  } catch (const server::key_file_error& e) {
    err << "keys " << o.action << ": " << e.what() << "\n";
    return 2;
  }
}

}  // namespace gebieden::app
