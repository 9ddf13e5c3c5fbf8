#pragma once

// `replicator export --into FIXTURE [--mirror FILE | --config FILE] [--table T ...]
// [--columns T.col,...] [--mask ...] [--force]`: writes a fixture from a live mirror at one
// consistent point (one read transaction; works while `run` runs). docs/changelog.md.

namespace CLI {
class App;
}  // namespace CLI

namespace tablestore::replicator {

void RegisterExportCommand(CLI::App& app, int* exit_code);

}  // namespace tablestore::replicator
