#pragma once

// Helpers shared by the `replicator` subcommands. Main thread only.

#include <string>

#include "tablestore/config/replicator_config.h"
#include "tablestore/base/result.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace tablestore::replicator::cli {

// Exit codes (docs/contracts.md §2).
inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntime = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitRefused = 3;
inline constexpr int kExitAuth = 4;

// Adds `--config FILE` (default replicator.toml) bound to `*path`.
CLI::Option* AddConfigOption(CLI::App* app, std::string* path);

// Loads and validates the config, sets up logging. On error prints it to stderr and stores
// exit code 2 in `*exit_code`.
base::Result<config::ReplicatorConfig> LoadConfigOrReport(const std::string& path,
                                                          int* exit_code);

// Prints "replicator: <status>" to stderr and returns the exit code for it.
int ReportError(const base::Status& status);

// Asks "question [y/N]" on a terminal; false when stdin is not a terminal.
bool Confirm(const std::string& question);

}  // namespace tablestore::replicator::cli
