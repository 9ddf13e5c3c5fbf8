#pragma once

// `replicator run` and `replicator resync` (which resets one table, then runs).

#include "tablestore/config/replicator_config.h"

namespace CLI {
class App;
}  // namespace CLI

namespace tablestore::replicator {

void RegisterRunCommand(CLI::App& app, int* exit_code);
void RegisterResyncCommand(CLI::App& app, int* exit_code);

// Runs the replicator until SIGINT/SIGTERM (exit 0 after draining) or a fatal error
// (its exit code). A second signal N exits at once with 128+N. Shows full-load progress on
// a terminal, periodic log lines otherwise.
int RunUntilSignal(const config::ReplicatorConfig& config);

}  // namespace tablestore::replicator
