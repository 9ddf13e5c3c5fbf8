#pragma once

// Fixtures: reproducible SQLite files built from a change log (`replicator replay`) or from
// a live mirror (`replicator export`), optionally limited to some tables/columns and
// masked (storage/fixture_mask.h). docs/changelog.md describes both.
//
// A fixture is a mirror file like the one `run` writes (same tables, same `_replicator`
// metadata schema), built through storage::Mirror with a frozen clock, so every *_at value
// is 0. It is written to a scratch file next to the output and then copied with
// `VACUUM INTO` into a fresh file (fixed 4096-byte pages, rollback journal, no free pages,
// nothing of the scratch file's history): the same input and options give a byte-identical
// file. The output appears atomically (rename) and only on success.
//
// Errors: kInvalidArgument for bad options (unknown table/column, a mask that cannot apply,
// an existing output without `overwrite`); kOutOfRange for a replay point before the log's
// start (trimmed); kNotFound / kFailedPrecondition when the input is missing / has no log;
// kDataLoss when the log does not chain (an entry's token_in is not its channel's
// checkpoint). Thread-compatible (one call at a time per output path).

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "storage/fixture_mask.h"
#include "tablestore/base/result.h"

namespace tablestore::storage {

struct FixtureOptions {
  // Mirror tables to include (empty: every bound table).
  std::vector<std::string> tables;
  // (mirror table, mirror column): a table named here keeps only these attribute columns
  // (its primary key is always kept).
  std::vector<std::pair<std::string, std::string>> columns;
  MaskRules masks;
  // Replay only: apply the entries whose commit time (ms since the epoch, the recording
  // writer's clock) is <= until_ms ...
  std::optional<int64_t> until_ms;
  // ... and/or only the first `count` records recorded since recording started (a batch may
  // be cut; its channel's checkpoint then stays at the batch's token_in).
  std::optional<int64_t> count;
  bool overwrite = false;  // replace an existing output file
};

struct FixtureSummary {
  size_t tables = 0;
  int64_t base_rows = 0;  // rows loaded from the log's base snapshot (export: all rows)
  int64_t entries = 0;    // log entries applied (whole or cut)
  int64_t records = 0;    // records applied from those entries
  std::optional<int64_t> last_commit_time;  // of the last entry applied
};

// Builds `out_path` from the change log of the mirror file `log_path` (read in one read
// transaction: works while `run` records).
base::Result<FixtureSummary> ReplayFixture(const std::string& log_path,
                                           const std::string& out_path,
                                           const FixtureOptions& options);

// Builds `out_path` from the mirror file `mirror_path` at one consistent point (one read
// transaction, `VACUUM INTO` a scratch copy; works while `run` writes). The fixture holds
// the tables' rows, column registry and bindings, not checkpoints or the change log.
base::Result<FixtureSummary> ExportFixture(const std::string& mirror_path,
                                           const std::string& out_path,
                                           const FixtureOptions& options);

}  // namespace tablestore::storage
