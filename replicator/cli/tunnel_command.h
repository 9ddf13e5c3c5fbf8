#pragma once

// `replicator tunnel create|list|describe|delete`: the tunnel meta operations.

namespace CLI {
class App;
}  // namespace CLI

namespace tablestore::replicator {

void RegisterTunnelCommand(CLI::App& app, int* exit_code);

}  // namespace tablestore::replicator
