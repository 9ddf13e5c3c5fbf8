#pragma once

// `replicator verify --emulator URL`: proves a mirror equals its source by comparing every
// row (keys, values with their exact types, versions) with the emulator's
// /admin/tables/{name}/rows dump.

#include <string>
#include <vector>

#include "tablestore/base/row.h"

namespace CLI {
class App;
}  // namespace CLI

namespace tablestore::replicator {

void RegisterVerifyCommand(CLI::App& app, int* exit_code);

struct RowDiff {
  size_t source_rows = 0;
  size_t mirror_rows = 0;
  size_t missing = 0;     // in the source, not in the mirror
  size_t unexpected = 0;  // in the mirror, not in the source
  size_t different = 0;   // same key, other content
  std::vector<std::string> examples;  // the first few differences, readable
  bool equal() const { return missing == 0 && unexpected == 0 && different == 0; }
};

// Compares two row sets by primary key; cells compared by name (order-insensitive) with
// exact values and versions. `compare_versions` false ignores cell timestamps.
RowDiff CompareRows(const std::vector<base::Row>& source, const std::vector<base::Row>& mirror,
                    bool compare_versions = true);

}  // namespace tablestore::replicator
