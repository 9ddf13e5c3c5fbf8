#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "tablestore/base/row.h"

namespace tablestore::storage {

struct ApplyOptions {
  // Make this commit durable (a synchronous=FULL commit), for the commit that precedes a
  // server Checkpoint or a TERMINATED report (design.md exactly-once rule 3).
  bool durable = false;
  // Report the primary keys of rows the group changed, per table (for change listeners).
  bool collect_changed_keys = false;
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

}  // namespace tablestore::storage
