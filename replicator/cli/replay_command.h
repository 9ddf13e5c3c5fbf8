#pragma once

// `replicator replay [LOG] --into FIXTURE [--until MS | --count N] [--table T ...]
// [--columns T.col,...] [--mask T.col=RULE ...] [--mask-file FILE] [--mask-salt SALT]
// [--force]`: builds a mirror file from a change log without any service
// (docs/changelog.md). LOG defaults to the config's sqlite.path.
//
// Also the option handling shared with `export` (the table/column/mask options).

#include <string>
#include <vector>

#include "storage/fixture.h"
#include "tablestore/base/result.h"

namespace CLI {
class App;
}  // namespace CLI

namespace tablestore::replicator {

void RegisterReplayCommand(CLI::App& app, int* exit_code);

// The fixture options as given on the command line.
struct FixtureCliOptions {
  std::string into;
  std::vector<std::string> tables;
  std::vector<std::string> columns;  // "TABLE.COLUMN"
  std::vector<std::string> masks;    // "TABLE.COLUMN=RULE"
  std::string mask_file;
  std::string mask_salt;
  bool force = false;
};

// Adds --into, --table, --columns, --mask, --mask-file, --mask-salt, --force.
void AddFixtureOptions(CLI::App* cmd, FixtureCliOptions* out);

// Turns them into storage options: reads the rules file (JSON:
// {"salt": "...", "rules": [{"table": "t", "column": "c", "action": "drop"|"hash"|"fixed",
// "value": "..."}]}); the salt comes from --mask-salt, else $REPLICATOR_MASK_SALT, else the
// file. kInvalidArgument for anything malformed.
base::Result<storage::FixtureOptions> ToFixtureOptions(const FixtureCliOptions& cli);

// The exit code for a failed replay/export: bad options are usage errors (2).
int FixtureExitCode(const base::Status& status);

}  // namespace tablestore::replicator
