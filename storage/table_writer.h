#pragma once

// One mirrored table: its column registry, prepared statements and the row rules of
// docs/design.md "Row semantics in the mirror". Internal to storage/ (used by Mirror).
// Applier thread only. After a failed transaction the owner must discard the writer (its
// in-memory registry may hold columns that were rolled back) and Load it again.

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "storage/sqlite_util.h"
#include "storage/table_binding.h"
#include "storage/version_codec.h"
#include "tablestore/base/result.h"
#include "tablestore/base/row.h"

struct sqlite3;

namespace tablestore::storage {

// Per-transaction facts the writer needs for the registry.
struct WriteContext {
  int64_t run_id = 0;
  int64_t now_ms = 0;
  std::vector<std::string>* warnings = nullptr;  // may be null
};

class TableWriter {
 public:
  // Loads the table's registry from the file. `options` are this run's column options.
  // kFailedPrecondition if the registry and the file disagree (metadata without table).
  static base::Result<std::unique_ptr<TableWriter>> Load(sqlite3* db, std::string mirror_table,
                                                         ColumnOptions options);

  TableWriter(const TableWriter&) = delete;
  TableWriter& operator=(const TableWriter&) = delete;

  const std::string& mirror_table() const { return table_; }
  bool created() const { return created_; }

  // With a key from options: creates the table if needed, else checks that the key
  // matches (kFailedPrecondition otherwise).
  base::Status EnsureKey(const std::vector<KeyColumn>& key, const WriteContext& ctx);

  // Applies one record. `*changed` tells whether a row was written or deleted.
  // kInvalidArgument for a record that does not fit (key names/types, bad names).
  base::Status Apply(const base::RowChange& change, const WriteContext& ctx, bool* changed);

 private:
  struct KeyCol {
    std::string mirror_name;
    std::string source_name;
    base::ValueType type;
  };
  struct AttrCol {
    std::string mirror_name;
    std::string source_name;
    std::string quoted;
    uint32_t type_mask = 0;
    std::string types;  // comma-separated, in order first seen
  };

  TableWriter(sqlite3* db, std::string mirror_table, ColumnOptions options);

  base::Status LoadRegistry();
  base::Status CreateTable(const std::vector<KeyColumn>& key, const WriteContext& ctx);
  base::Status CheckRecordKey(const base::Row& row, const WriteContext& ctx);
  // The attribute ordinal for a source column, adding it when first seen; -1: not mirrored.
  base::Result<int> Resolve(const std::string& source_name, const WriteContext& ctx);
  base::Result<int> AddColumn(const std::string& source_name, const WriteContext& ctx);
  std::string ChooseName(const std::string& source_name, std::string* reason,
                         const WriteContext& ctx);
  base::Status InsertRegistry(const char* kind, int position, const std::string& mirror_name,
                              const std::string& source_name, const std::string& types,
                              const std::string& reason, const WriteContext& ctx);
  base::Status NoteTypes(const WriteContext& ctx);

  void ApplyCell(const base::Cell& cell, int ordinal);
  int BindKey(sqlite3_stmt* stmt, const base::Row& row);
  base::Status WriteFullRow(const base::Row& row);
  base::Status WriteChanged(const base::Row& row);
  // Binds the key, the attribute values (all, or only the dirty ones) and the version
  // blob to `s`, in that parameter order, then steps it. `what` names the write in errors.
  base::Status BindAndStep(sqlite3_stmt* s, const base::Row& row, bool only_dirty,
                           const char* what);
  base::Result<sqlite3_stmt*> PutStmt();
  base::Result<sqlite3_stmt*> UpdateStmt();
  std::string KeyWhere() const;
  base::Status Fail(int rc, const char* what);

  sqlite3* const db_;
  const std::string table_;
  const std::string quoted_table_;
  const ColumnOptions options_;
  std::unordered_set<std::string> include_;
  std::unordered_set<std::string> exclude_;
  std::unordered_map<std::string, std::string> rename_;

  bool created_ = false;
  std::vector<KeyCol> key_;
  std::vector<AttrCol> attrs_;
  std::unordered_map<std::string, int> attr_by_source_;  // -1: ignored
  std::unordered_set<std::string> used_names_;           // folded mirror names

  Stmt put_stmt_;  // INSERT OR REPLACE of every column
  size_t put_stmt_attrs_ = 0;
  Stmt select_stmt_;  // the _replicator column of one row
  Stmt delete_stmt_;
  Stmt types_stmt_;                                     // registry type update
  std::unordered_map<std::string, Stmt> update_stmts_;  // by set of changed ordinals

  // Scratch of the record being applied (reused, no allocation per row).
  VersionCodec codec_;
  std::vector<int> ordinals_;
  std::vector<CellVersion> cells_;
  std::vector<const base::Value*> values_;
  std::vector<uint8_t> dirty_;
  std::string update_key_;
  std::string blob_;
};

}  // namespace tablestore::storage
