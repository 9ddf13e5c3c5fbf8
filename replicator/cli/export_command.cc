#include "replicator/cli/export_command.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "replicator/cli/common.h"
#include "replicator/cli/replay_command.h"
#include "storage/fixture.h"

namespace tablestore::replicator {

void RegisterExportCommand(CLI::App& app, int* exit_code) {
  struct Args {
    std::string mirror;
    std::string config_path;
    FixtureCliOptions fixture;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "export", "write a fixture from the mirror at one consistent point (works while `run` "
                "runs)");
  cmd->add_option("--mirror", args->mirror, "mirror file (default: the config's sqlite.path)");
  cli::AddConfigOption(cmd, &args->config_path);
  AddFixtureOptions(cmd, &args->fixture);
  cmd->callback([args, exit_code]() {
    std::string mirror = args->mirror;
    if (mirror.empty()) {
      base::Result<config::ReplicatorConfig> cfg =
          cli::LoadConfigOrReport(args->config_path, exit_code);
      if (!cfg.ok()) return;
      mirror = cfg->sqlite.path;
    }
    base::Result<storage::FixtureOptions> options = ToFixtureOptions(args->fixture);
    if (!options.ok()) {
      *exit_code = FixtureExitCode(options.status());
      return;
    }
    base::Result<storage::FixtureSummary> summary =
        storage::ExportFixture(mirror, args->fixture.into, *options);
    if (!summary.ok()) {
      *exit_code = FixtureExitCode(summary.status().WithContext("export"));
      return;
    }
    std::cout << "exported " << summary->base_rows << " row(s) of " << summary->tables
              << " table(s) into " << args->fixture.into << "\n";
    *exit_code = cli::kExitOk;
  });
}

}  // namespace tablestore::replicator
