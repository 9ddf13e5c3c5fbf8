#include "replicator/cli/common.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "replicator/logging.h"
#include "tablestore/replicator/replicator.h"

namespace tablestore::replicator::cli {

CLI::Option* AddConfigOption(CLI::App* app, std::string* path) {
  return app->add_option("-c,--config", *path, "configuration file (TOML)")
      ->default_val("replicator.toml");
}

base::Result<config::ReplicatorConfig> LoadConfigOrReport(const std::string& path,
                                                          int* exit_code) {
  base::Result<config::ReplicatorConfig> cfg = LoadConfig(path);
  if (!cfg.ok()) {
    std::cerr << "replicator: " << cfg.status().message() << "\n";
    *exit_code = kExitUsage;
    return cfg.status();
  }
  base::Status s = SetupLogging(cfg->logging);
  if (!s.ok()) {
    std::cerr << "replicator: " << s.message() << "\n";
    *exit_code = kExitUsage;
    return s;
  }
  return cfg;
}

int ReportError(const base::Status& status) {
  std::cerr << "replicator: " << status.ToString() << "\n";
  return ExitCodeFor(status) == 0 ? kExitRuntime : ExitCodeFor(status);
}

bool Confirm(const std::string& question) {
  if (!::isatty(STDIN_FILENO)) return false;
  std::cerr << question << " [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "y" || answer == "Y" || answer == "yes";
}

}  // namespace tablestore::replicator::cli
