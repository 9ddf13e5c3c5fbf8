#pragma once

// One in-memory source table: primary-key schema, latest-version rows (each with its
// pre-encoded base record, RowStore::BaseRecords::kEncode), partitions by range of the
// first primary-key column, and each partition's stream of pre-encoded records
// (docs/emulator.md). Thread-compatible (TunnelService serializes access).

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tablestore/base/result.h"
#include "tablestore/base/row.h"
#include "tunnel/emulator/emulator_options.h"
#include "tunnel/emulator/encoded_record.h"
#include "tunnel/emulator/row_store.h"

namespace tablestore::tunnel::emulator {

// True for a non-empty valid UTF-8 string without NUL (table and column names).
bool IsValidName(std::string_view name);

struct StreamEntry {
  int64_t ts_ms = 0;  // emulator time of the write
  base::ActionType action = base::ActionType::kPutRow;
  base::SequenceInfo seq;
  EncodedRecord record;
};

struct Partition {
  int index = 0;
  std::optional<base::Value> lower;  // inclusive bound on the first pk column; none: -inf
  std::optional<base::Value> upper;  // exclusive; none: +inf
  bool live = true;
  int64_t created_ms = 0;
  int64_t sealed_ms = 0;  // when it was split (no more records)
  std::vector<int> parents;
  std::vector<int> children;
  std::deque<StreamEntry> stream;
  int64_t first_index = 0;  // absolute index of stream.front(); earlier entries are trimmed
  int64_t last_seq_us = 0;
  int32_t last_row_index = -1;

  int64_t end_index() const { return first_index + static_cast<int64_t>(stream.size()); }
  // nullptr when trimmed or not yet written.
  const StreamEntry* At(int64_t i) const;
  bool Contains(const base::Value& first_pk) const;
};

class Table {
 public:
  // kInvalidArgument for a bad spec (names, 1-4 key columns of integer/string/binary,
  // 1-64 partitions, split points).
  static base::Result<std::unique_ptr<Table>> Create(const TableSpec& spec, int64_t now_ms);
  // Use Create().
  Table(std::string name, std::vector<PrimaryKeyColumn> pk, int64_t created_ms);

  const std::string& name() const { return name_; }
  const std::vector<PrimaryKeyColumn>& primary_key() const { return pk_; }
  int64_t created_ms() const { return created_ms_; }
  const RowStore& rows() const { return rows_; }
  const std::vector<Partition>& partitions() const { return partitions_; }
  std::vector<int> LivePartitions() const;

  // Checks every change against the schema and the write rules (kInvalidArgument naming
  // the change index). Nothing is changed.
  base::Status Validate(const std::vector<base::RowChange>& changes, int64_t now_ms,
                        int64_t max_deviation_ms) const;
  // Applies validated changes in order: missing put timestamps become `now_us / 1000`,
  // rows change, and each change is appended to its partition's stream.
  void Apply(std::vector<base::RowChange> changes, int64_t now_us);

  // Splits a live partition in two by a value of the first key column (the median of
  // its rows when it has two distinct values, else the middle of its range). Returns the
  // children's indexes. kInvalidArgument if unknown, not live, or not splittable.
  base::Result<std::vector<int>> Split(int partition, int64_t now_ms);

  // Drops stream entries written before `cutoff_ms`.
  void Trim(int64_t cutoff_ms);

  // The live partition holding a key.
  int PartitionOf(const base::Value& first_pk) const;
  // Rows of partition `p`'s key range in key order.
  std::vector<std::pair<const PrimaryKey*, const StoredRowPtr*>> RowsIn(int p) const;

 private:
  std::string name_;
  std::vector<PrimaryKeyColumn> pk_;
  int64_t created_ms_;
  RowStore rows_;
  std::vector<Partition> partitions_;
};

}  // namespace tablestore::tunnel::emulator
