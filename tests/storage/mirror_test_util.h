#pragma once

// Helpers for storage tests: building records and batches, opening mirrors, and reading a
// mirror file back through a separate read-only SQLite connection.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "storage/mirror.h"
#include "tablestore/base/row.h"

namespace tablestore::storage::testing {

base::Cell Pk(std::string name, base::Value value);
base::Cell Put(std::string name, base::Value value, int64_t ts);
base::Cell DelAll(std::string name);
base::Cell DelOne(std::string name, int64_t ts);

base::RowChange PutRow(std::vector<base::Cell> pk, std::vector<base::Cell> cells);
base::RowChange UpdateRow(std::vector<base::Cell> pk, std::vector<base::Cell> cells);
base::RowChange DeleteRow(std::vector<base::Cell> pk);

// A one-column string key {"id": id}.
std::vector<base::Cell> Key(const std::string& id);

base::Batch MakeBatch(std::string tunnel, std::string channel, std::string token_in,
                      std::string token_out, std::vector<base::RowChange> changes);

// Opens the mirror (ADD_FAILURE and null on error).
std::unique_ptr<Mirror> OpenMirror(const std::string& path);

// Opens a mirror and binds table `table` to tunnel "t1" (source "src", key from records).
std::unique_ptr<Mirror> OpenBound(const std::string& path, const std::string& table = "t");

// Applies one batch of tunnel "t1" channel "c1" with the next tokens (token_in = the stored
// checkpoint). Returns the status of ApplyGroup.
base::Status ApplyChanges(Mirror* mirror, std::vector<base::RowChange> changes);

// Runs `sql` on a fresh read-only connection to `path`; every value rendered as
// "NULL", "i:5", "r:1.5" (%.17g, so "-0" for negative zero), "t:abc", "b:<hex>".
std::vector<std::vector<std::string>> Query(const std::string& path, const std::string& sql);
// Query() of a single value.
std::string QueryOne(const std::string& path, const std::string& sql);

}  // namespace tablestore::storage::testing
