#pragma once

#include <string>
#include <utility>
#include <vector>

#include "tablestore/base/row.h"

namespace tablestore::storage {

// Which source columns a mirrored table shows, and under which names. Names are source
// (Tablestore) column names, compared case-sensitively.
struct ColumnOptions {
  std::vector<std::string> include;  // only these attribute columns (empty: all)
  std::vector<std::string> exclude;  // never these
  // source name → mirror name. A column already in the registry keeps its registered name.
  std::vector<std::pair<std::string, std::string>> rename;
  // The include list is the complete column list: its columns are created with the table,
  // in that order, and no column is ever added on sight.
  bool fixed = false;
};

// One primary-key column as the source defines it: integer, string or binary.
struct KeyColumn {
  std::string name;
  base::ValueType type = base::ValueType::kString;
};

// A mirrored table and the tunnel that feeds it (recorded in _replicator_bindings).
struct TableBinding {
  std::string mirror_table;  // the SQLite table name (must not start with _replicator)
  std::string source_table;  // the Tablestore table
  std::string tunnel_name;
  std::string tunnel_id;
  ColumnOptions columns;
  // The source primary key in order. Empty: taken from the first record. When given, the
  // table is created at once and every record (and an existing table) must match it.
  std::vector<KeyColumn> primary_key;
};

}  // namespace tablestore::storage
