#pragma once

// What `replicator status` shows about a mirror file, read in one read transaction.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tablestore/base/result.h"

struct sqlite3;

namespace tablestore::storage {

struct ChannelStatus {
  std::string tunnel_id;
  std::string channel_id;
  std::optional<std::string> token;  // the local checkpoint (null: none yet)
  std::string status;                // "open" or "finished"
  std::optional<std::string> kind;   // "base", "stream" or unknown
  std::optional<int64_t> server_sequence;
  int64_t rows_applied = 0;
  int64_t batches_applied = 0;
  int64_t duplicates_skipped = 0;
  std::optional<int64_t> last_change_time_us;  // sequence-info time of the last record
  int64_t updated_at_ms = 0;
};

struct ColumnStatus {
  std::string mirror_name;
  std::string source_name;
  bool primary_key = false;
  int position = 0;                // key position, or the attribute ordinal
  std::vector<std::string> types;  // every type held, in the order first seen
  std::optional<std::string> rename_reason;  // "config", "case_collision", "reserved_prefix"
  int64_t first_seen_at_ms = 0;
  bool added_this_run = false;          // drift since the current (or last) run started
  bool types_changed_this_run = false;  // a new type appeared in this run
};

struct TableStatus {
  std::string mirror_table;
  std::string source_table;
  std::string tunnel_id;
  std::string tunnel_name;
  std::string stage;
  int64_t stage_updated_at_ms = 0;
  bool created = false;   // the SQLite table exists (it is created with the first record)
  int64_t row_count = 0;  // SELECT count(*): a full scan, status is occasional
  std::vector<ChannelStatus> channels;
  std::vector<ColumnStatus> columns;  // primary key first
  // min over stream channels of last_change_time (null: no stream record applied yet).
  std::optional<int64_t> watermark_us;
  int64_t rows_applied = 0;
  int64_t duplicates_skipped = 0;
  std::optional<std::string> worker_client_id;
};

struct StatusSnapshot {
  int schema_version = 0;
  int64_t run_id = 0;
  std::optional<int64_t> run_started_at_ms;
  std::vector<TableStatus> tables;
  std::map<std::string, int64_t> counters;  // groups_committed, batches_applied, ...
};

// Opens `path` read-only (works while a writer runs: WAL) and reads the snapshot. Refuses
// (kFailedPrecondition) a file whose schema is newer than this binary or damaged;
// kNotFound if the file does not exist.
base::Result<StatusSnapshot> ReadStatusSnapshot(const std::string& path);

// Reads the snapshot through an open connection (used by Mirror::Snapshot).
base::Result<StatusSnapshot> ReadStatusSnapshot(sqlite3* db);

}  // namespace tablestore::storage
