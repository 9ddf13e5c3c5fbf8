#pragma once

// `replicator status [--json]`: what the mirror file says, read-only (works while `run`
// runs: WAL readers never block the writer).

#include <string>

#include <nlohmann/json.hpp>

#include "storage/status_snapshot.h"

namespace CLI {
class App;
}  // namespace CLI

namespace tablestore::replicator {

void RegisterStatusCommand(CLI::App& app, int* exit_code);

// The JSON object `status --json` prints, computed at wall time `now_ms`.
nlohmann::json StatusToJson(const storage::StatusSnapshot& snap, int64_t now_ms,
                            int64_t retention_ms);

}  // namespace tablestore::replicator
