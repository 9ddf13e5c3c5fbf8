// `replicator`: the command line (contracts.md §2). Each command registers itself from its
// own file; this file only builds the app, maps CLI11 errors to exit code 2 and returns the
// exit code the command chose.

#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>

#include "replicator/cli/export_command.h"
#include "replicator/cli/inspect_command.h"
#include "replicator/cli/replay_command.h"
#include "replicator/cli/run_command.h"
#include "replicator/cli/status_command.h"
#include "replicator/cli/tunnel_command.h"
#include "replicator/cli/verify_command.h"

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitRuntime = 1;

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"replicator: keep a local SQLite copy of a Tablestore table (tunnel consumer)",
               "replicator"};
  app.require_subcommand(1);
  int exit_code = 0;

  tablestore::replicator::RegisterRunCommand(app, &exit_code);
  tablestore::replicator::RegisterStatusCommand(app, &exit_code);
  tablestore::replicator::RegisterTunnelCommand(app, &exit_code);
  tablestore::replicator::RegisterResyncCommand(app, &exit_code);
  tablestore::replicator::RegisterVerifyCommand(app, &exit_code);
  tablestore::replicator::RegisterInspectCommand(app, &exit_code);
  tablestore::replicator::RegisterReplayCommand(app, &exit_code);
  tablestore::replicator::RegisterExportCommand(app, &exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);  // prints help (rc 0) or the error
    return rc == 0 ? 0 : kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "replicator: " << e.what() << "\n";
    return kExitRuntime;
  }
  return exit_code;
}
