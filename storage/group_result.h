#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tablestore/base/row.h"
#include "tablestore/base/status.h"

struct sqlite3;

namespace tablestore::storage {

class GroupHook;

struct ApplyOptions {
  // Make this commit durable (a synchronous=FULL commit), for the commit that precedes a
  // server Checkpoint or a TERMINATED report (design.md exactly-once rule 3).
  bool durable = false;
  // Report the primary keys of rows the group changed, per table (for change listeners).
  bool collect_changed_keys = false;
  // Run inside the group's transaction after its batches (change log, storage/changelog.h).
  // Not owned; may be null.
  GroupHook* hook = nullptr;
};

enum class BatchOutcome {
  kApplied,           // rows applied, checkpoint advanced to token_out
  kSkippedDuplicate,  // token_in did not match the stored checkpoint: nothing applied
};

struct BatchResult {
  BatchOutcome outcome = BatchOutcome::kApplied;
  // kSkippedDuplicate: the stored checkpoint the channel must restart from.
  std::string stored_token;
};

// Primary keys (values in key order) of the rows a group changed in one table, in apply
// order; a key changed several times appears once per change.
struct TableChanges {
  std::string mirror_table;
  std::vector<std::vector<base::Value>> keys;
};

struct GroupResult {
  std::vector<BatchResult> batches;  // one per input batch, same order
  size_t applied = 0;
  size_t skipped = 0;
  size_t rows_applied = 0;
  std::vector<TableChanges> changed;  // only with ApplyOptions::collect_changed_keys
  // Things the user should know, to be logged: renamed columns (case collision, reserved
  // prefix), new columns.
  std::vector<std::string> warnings;
};

// Extra writes that must commit atomically with a group (issue 8: the change log). Called
// by Mirror::ApplyGroup inside its transaction, after every batch was applied or skipped
// and before COMMIT, with the writer's connection; an error rolls the whole group back.
// Thread rule: called on the thread that calls ApplyGroup.
class GroupHook {
 public:
  virtual ~GroupHook() = default;
  virtual base::Status OnGroupApplied(sqlite3* db, std::span<const base::Batch* const> batches,
                                      const GroupResult& result, int64_t now_ms) = 0;
};

}  // namespace tablestore::storage
