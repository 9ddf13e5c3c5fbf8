#pragma once

// Latest-version rows of one table, and the write rules shared by the source tables and
// by rows_at (docs/design.md "Row semantics in the mirror"; the source keeps one version
// per column, so both follow the same rules). Thread-compatible.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tablestore/base/row.h"
#include "tunnel/emulator/encoded_record.h"

namespace tablestore::tunnel::emulator {

using PrimaryKey = std::vector<base::Value>;

// Orders primary-key values: integers numerically, strings and binaries bytewise
// (unsigned); values of different types by type.
int ComparePkValue(const base::Value& a, const base::Value& b);

struct PkLess {
  bool operator()(const PrimaryKey& a, const PrimaryKey& b) const;
};

struct StoredCell {
  std::string name;
  base::Value value;
  int64_t timestamp = 0;  // ms
};

struct StoredRow {
  std::vector<StoredCell> cells;  // sorted by name, one per column
  // With RowStore::BaseRecords::kEncode (a Table's rows): the record a base channel serves
  // for this row, i.e. a ReadRecordsResponse `records` entry holding PUT_ROW of
  // RowStore::ToRow(key, *this) without sequence info. Otherwise empty.
  EncodedRecord base_record;
};

// Stored rows are immutable once in a RowStore: a write replaces the row with a new one,
// so a tunnel's base snapshot can share them, cached record included, instead of copying
// (EmulatedTunnel).
using StoredRowPtr = std::shared_ptr<const StoredRow>;

class RowStore {
 public:
  using Map = std::map<PrimaryKey, StoredRowPtr, PkLess>;

  // kEncode: every write encodes the new row's StoredRow::base_record (~1 µs and the
  // record's size per write; base pages are then byte copies). kNone: rows_at's stores.
  enum class BaseRecords { kNone, kEncode };

  explicit RowStore(std::vector<std::string> pk_names,
                    BaseRecords base_records = BaseRecords::kNone)
      : pk_names_(std::move(pk_names)), base_records_(base_records) {}

  // Applies one record: PUT_ROW replaces the row (greatest timestamp per column, later
  // cell on a tie); UPDATE_ROW applies cells in order (a put unless the held version is
  // newer, delete-one-version only on an equal timestamp, delete-all-versions always) and
  // creates an absent row only if it carries a put; DELETE_ROW removes the row.
  // REQUIRES: put cells carry a value and a timestamp.
  void Apply(base::ActionType action, const base::Row& row);

  const Map& rows() const { return rows_; }
  size_t size() const { return rows_.size(); }
  const std::vector<std::string>& pk_names() const { return pk_names_; }

  // The dump form of a row: primary-key cells (name, value) and attribute cells (name,
  // value, timestamp), cells in name order.
  base::Row ToRow(const PrimaryKey& key, const StoredRow& row) const;

  // JSON lines, one ROW per line in primary-key order (contracts.md §3 `/rows`).
  std::string ToJsonLines() const;

 private:
  // Stores `row` under `key`, encoding its base record first if so configured.
  void Store(PrimaryKey key, StoredRow row);
  // ToRow() into `*row`, reusing its cells' capacity.
  void FillRow(const PrimaryKey& key, const StoredRow& stored, base::Row* row) const;

  std::vector<std::string> pk_names_;
  BaseRecords base_records_;
  Map rows_;
  base::Row scratch_;  // Store()'s encoding input, kept for its capacity
};

// Sets `name` in `row` unless it holds a newer version; returns true if it changed.
void PutCell(StoredRow* row, const std::string& name, const base::Value& value, int64_t ts);

}  // namespace tablestore::tunnel::emulator
