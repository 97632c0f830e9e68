// gebieden: the command line. Thin: parse options, load the configuration, wire, run.

#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>

#include "app/export_command.hpp"
#include "app/geocode_command.hpp"
#include "app/import_command.hpp"
#include "app/keys_command.hpp"
#include "app/reassign_command.hpp"
#include "app/welkom_command.hpp"
#include "geo/area_model.hpp"
#include "geo/config.hpp"
#include "geo/gdal_io.hpp"
#include "server/http_server.hpp"
#include "server/reload.hpp"
#include "server/service.hpp"
#include "server/store_api.hpp"
#include "util/error.hpp"

namespace {
using namespace gebieden;

const char* severity_name(geo::Finding::Severity s) {
  switch (s) {
    case geo::Finding::Severity::Info:
      return "info";
    case geo::Finding::Severity::Warning:
      return "warning";
    case geo::Finding::Severity::Error:
      return "error";
  }
  return "?";
}

int run_check(const geo::Config& config) {
  const geo::AreaModel model = geo::AreaModel::load(config);
  std::vector<geo::Finding> all = model.findings();
  auto topo = model.check(config.check.gap_tolerance_m2, config.check.overlap_tolerance_m2);
  all.insert(all.end(), topo.begin(), topo.end());
  int errors = 0, warnings = 0, repaired = 0;
  for (const auto& f : all) {
    std::cout << severity_name(f.severity) << ": " << f.subject << ": " << f.message << "\n";
    if (f.severity == geo::Finding::Severity::Error) ++errors;
    if (f.severity == geo::Finding::Severity::Warning) ++warnings;
  }
  for (const auto& b : model.buurten()) repaired += b.repaired ? 1 : 0;
  std::cout << "\n"
            << model.buurten().size() << " buurten, " << model.wijken().size() << " wijken, "
            << model.gebieden().size() << " gebieden; " << repaired << " repaired geometries; "
            << errors << " errors, " << warnings << " warnings\n";
  if (!config.scheme.status.empty()) std::cout << "area scheme: " << config.scheme.status << "\n";
  std::cout << (errors == 0 ? "check passed" : "check FAILED") << std::endl;
  return errors == 0 ? 0 : 1;
}

/// The configuration as `serve` reads it: the file, the database from the environment, and the
/// command line's overrides. Throws config_error.
geo::Config read_serve_config(const std::string& config_path, const std::string& host, int port,
                              const std::string& store) {
  if (!std::filesystem::exists(config_path))
    throw config_error("", "the configuration file '" + config_path + "' was not found");
  geo::Config config = geo::load_config(config_path);
  // The store's database may come from the environment (a password stays out of the file).
  if (const char* db = config.store.database_env.empty()
                           ? nullptr
                           : std::getenv(config.store.database_env.c_str());
      db && *db)
    config.store.database = db;
  if (!host.empty()) config.server.host = host;
  if (port >= 0) config.server.port = port;
  if (!store.empty()) config.store.path = store;
  return config;
}

int run_serve(geo::Config config, const std::string& config_path, const std::string& host, int port,
              const std::string& store) {
  if (!host.empty()) config.server.host = host;
  if (port >= 0) config.server.port = port;
  if (!store.empty()) config.store.path = store;

  // Block the signals before any thread starts, so that only sigwait() below sees them.
  // SIGHUP reloads the configuration and the data (docs/faults.md); the others stop.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // The port first: a port in use is said now, not after loading (and creating the store).
  server::PortCheck port_check(config.server.host, config.server.port);
  auto state = server::load_state(config);
  std::size_t unplaced = 0;
  for (const auto& m : state->messages) {
    const bool detail = m.rfind("not placed:", 0) == 0;
    if (!detail || ++unplaced <= 10) std::cerr << m << "\n";
  }
  if (unplaced > 10)
    std::cerr << "... and " << unplaced - 10 << " more records not placed (see geocode_reason)\n";
  for (const auto& f : state->model->findings())
    if (f.severity != geo::Finding::Severity::Info)
      std::cerr << severity_name(f.severity) << ": " << f.subject << ": " << f.message << "\n";
  if (state->store) std::cerr << server::load_keys(*state) << "\n";
  auto service = std::make_shared<const server::Service>(state);
  server::HttpServer http(service, config.server.host, config.server.port, config.server.threads,
                          server::HttpLimits::of(config.server));
  port_check.release();
  http.start();
  std::cout << "listening on http://" << config.server.host << ":" << http.port() << std::endl;

  server::Reloader reloader(
      service, [&] { return read_serve_config(config_path, host, port, store); }, std::cerr);
  for (;;) {
    int sig = 0;
    sigwait(&signals, &sig);
    if (sig == SIGHUP) {
      std::cerr << "reloading (signal " << sig << ")" << std::endl;
      reloader.reload();
      continue;
    }
    std::cerr << "stopping (signal " << sig << ")" << std::endl;
    break;
  }
  http.stop();
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"gebieden: areas, geocoding and map layers for the sociale basis of a gemeente"};
  app.require_subcommand(1);
  std::string config_path = "data/leeuwarden.json";
  app.add_option("-c,--config", config_path, "configuration file")->capture_default_str();

  auto* serve = app.add_subcommand("serve", "serve the layers (OGC API - Features)");
  std::string host;
  int port = -1;
  serve->add_option("--host", host, "address to listen on (default from the config)");
  serve->add_option("--port", port, "port (0 picks a free one; default from the config)")
      ->check(CLI::Range(0, 65535));
  serve->add_option("-c,--config", config_path, "configuration file");
  std::string store_path;
  serve->add_option("--store", store_path,
                    "the store GeoPackage (default: store.path of the configuration); created "
                    "from store.source when it does not exist");

  auto* check =
      app.add_subcommand("check", "load the boundaries and report problems; exit 0 when clean");
  check->add_option("-c,--config", config_path, "configuration file");

  auto* geocode = app.add_subcommand(
      "geocode",
      "place every row of a CSV, GeoJSON or GeoPackage file in its buurt, wijk and gebied");
  geocode->add_option("-c,--config", config_path, "configuration file");
  app::GeocodeCliOptions geocode_options;
  app::add_geocode_options(*geocode, geocode_options);

  auto* reassign = app.add_subcommand(
      "reassign",
      "recompute the buurt, wijk and gebied of placed records with the configured boundaries and "
      "report which moved");
  reassign->add_option("-c,--config", config_path, "configuration file");
  app::ReassignCliOptions reassign_options;
  app::add_reassign_options(*reassign, reassign_options);

  auto* keys = app.add_subcommand(
      "keys", "manage the API keys: keys add NAME --role ROLE | keys revoke NAME | keys list");
  keys->add_option("-c,--config", config_path, "configuration file");
  app::KeysCliOptions keys_options;
  app::add_keys_options(*keys, keys_options, config_path);

  auto* import = app.add_subcommand(
      "import",
      "import records from a CSV, GeoJSON or GeoPackage file into the store, by their id "
      "(--dry-run: report only)");
  import->add_option("-c,--config", config_path, "configuration file");
  app::ImportCliOptions import_options;
  app::add_import_options(*import, import_options);

  auto* export_ = app.add_subcommand(
      "export", "export the store's records (public, or --private) to GeoPackage, CSV or GeoJSON");
  export_->add_option("-c,--config", config_path, "configuration file");
  app::ExportCliOptions export_options;
  app::add_export_options(*export_, export_options);

  auto* welkom = app.add_subcommand(
      "welkom", "a welcome pack (PDF) for every address of a list: --adressen FILE -o DIR");
  welkom->add_option("-c,--config", config_path, "configuration file");
  app::WelkomCliOptions welkom_options;
  app::add_welkom_options(*welkom, welkom_options);

  auto* help = app.add_subcommand("help", "show this help and exit");
  app.set_version_flag("--version", std::string("gebieden ") + GEBIEDEN_VERSION,
                       "print the version and exit");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (app.get_subcommands().empty()) {
      // No subcommand (or a mistyped one): say which there are, not only that one is required.
      const auto rest = app.remaining();
      const std::string unknown = rest.empty() ? std::string() : rest.front();
      std::cerr << (unknown.empty() ? "a subcommand is required"
                                    : "unknown subcommand '" + unknown + "'")
                << "; the subcommands are:\n";
      for (const auto* sub : app.get_subcommands({}))
        std::cerr << "  " << std::left << std::setw(10) << sub->get_name() << sub->get_description()
                  << "\n";
      std::cerr << "Run 'gebieden --help' (or 'gebieden SUBCOMMAND --help') for the options."
                << std::endl;
      return e.get_exit_code();
    }
    return app.exit(e);
  }
  if (*help) {
    // app.help() would describe the selected subcommand (help itself): the whole app instead.
    std::cout << app.get_formatter()->make_help(&app, "gebieden", CLI::AppFormatMode::Normal);
    return 0;
  }

  try {
    geo::gdal_init();
    if (!std::filesystem::exists(config_path)) {
      std::cerr << "configuration error: the configuration file '" << config_path
                << "' was not found (relative to " << std::filesystem::current_path().string()
                << "); name one with --config FILE" << std::endl;
      return 2;
    }
    geo::Config config = geo::load_config(config_path);
    // The store's database may come from the environment (a password stays out of the file).
    if (const char* db = config.store.database_env.empty()
                             ? nullptr
                             : std::getenv(config.store.database_env.c_str());
        db && *db)
      config.store.database = db;
    if (*serve) return run_serve(config, config_path, host, port, store_path);
    if (*check) return run_check(config);
    if (*geocode) return app::run_geocode(config, geocode_options);
    if (*reassign) return app::run_reassign(config, reassign_options);
    if (*keys) return app::run_keys(config, keys_options, std::cout, std::cerr);
    if (*import) return app::run_import(config, import_options, std::cout, std::cerr);
    if (*export_) return app::run_export(config, export_options, std::cout, std::cerr);
    if (*welkom) return app::run_welkom(config, welkom_options, std::cout, std::cerr);
  } catch (const config_error& e) {
    std::cerr << "configuration error: " << e.what() << std::endl;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
