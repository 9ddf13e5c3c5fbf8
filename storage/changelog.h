#pragma once

// The change log (issue 8, docs/changelog.md): every APPLIED batch of a group commit is
// appended to `_replicator_changelog` inside the same transaction as its data (through the
// Mirror's GroupHook), so the log is exactly-once like the mirror. Skipped duplicates are
// not recorded.
//
// Bounds: when the kept records exceed `max_size` bytes, or the oldest entry is older than
// `max_age`, the oldest entries are folded into `_replicator_changelog_base` (the mirror's
// state just before the oldest kept entry) and deleted, in the same transaction. The log
// therefore always starts from a snapshot and `replay` can always rebuild the mirror; what
// is lost by trimming is only the ability to replay to a point before the log's start.
// Recording that starts on a mirror which already holds data (or resumes after batches were
// applied with recording off) starts from a snapshot of the mirror as it is.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/group_result.h"
#include "tablestore/base/result.h"
#include "tablestore/base/row.h"

struct sqlite3;
struct sqlite3_stmt;

namespace tablestore::storage {

struct ChangelogOptions {
  uint64_t max_size = 0;   // bytes of encoded records kept; 0 = no size bound
  int64_t max_age_ms = 0;  // entries older than this (by commit time) are folded; 0 = none
};

// Records the change log of one mirror file. Pass it as ApplyOptions::hook to every
// Mirror::ApplyGroup of the file. Thread rule: the applier thread only (like the Mirror).
class ChangelogRecorder : public GroupHook {
 public:
  // Prepares recording into the mirror at `path` through a short-lived connection of its
  // own. Call after Mirror::Open and BindTable and before the first ApplyGroup with this
  // hook (nothing else may write meanwhile). Takes the start snapshot when the log is new or
  // when the mirror's batch counter shows batches applied without recording (a gap; a
  // warning is appended to `*warnings`), and drops entries of tunnels no longer bound
  // (after a resync). `now_ms` is the snapshot's time.
  static base::Result<std::unique_ptr<ChangelogRecorder>> Start(
      const std::string& path, ChangelogOptions options, int64_t now_ms,
      std::vector<std::string>* warnings);

  ~ChangelogRecorder() override;
  ChangelogRecorder(const ChangelogRecorder&) = delete;
  ChangelogRecorder& operator=(const ChangelogRecorder&) = delete;

  base::Status OnGroupApplied(sqlite3* db, std::span<const base::Batch* const> batches,
                              const GroupResult& result, int64_t now_ms) override;

 private:
  struct Statements;
  explicit ChangelogRecorder(ChangelogOptions options);

  const ChangelogOptions options_;
};

// Applies one record to a row as the mirror would (docs/design.md "Row semantics in the
// mirror"), on the row model: `*row` is the current row (nullopt: absent) with attribute
// cells holding value and version; afterwards it is the new row. Exposed for tests.
void FoldChange(const base::RowChange& change, std::optional<base::Row>* row);

// One recorded batch.
struct ChangelogEntry {
  int64_t seq = 0;
  int64_t commit_time = 0;  // ms since the epoch (the recording writer's wall clock)
  std::string tunnel_id;
  std::string channel_id;
  std::string token_in;
  std::string token_out;
  int64_t first_record = 0;  // records recorded before this one since recording started
  std::vector<base::RowChange> changes;
};

struct ChangelogInfo {
  bool started = false;
  int64_t base_records = 0;   // records folded into the base snapshot (the log's start)
  int64_t records_total = 0;  // records ever recorded
  std::optional<int64_t> base_time;  // commit time of the log's start point
  int64_t entries = 0;        // entries kept
  int64_t bytes = 0;          // encoded bytes kept
  int64_t base_rows = 0;      // rows in the base snapshot
};

// A mirrored table of the log's file, as bound and registered there.
struct LoggedTable {
  std::string mirror_table;
  std::string source_table;
  std::string tunnel_id;
  std::string tunnel_name;
  struct Column {
    std::string mirror_name;
    std::string source_name;
    std::string types;  // registry type list, e.g. "string" or "integer,boolean"
  };
  std::vector<Column> key;         // in key order
  std::vector<Column> attributes;  // in registry (creation) order
};

// The bound tables of a mirror file with their column registries (any mirror file, with or
// without a change log), read in one read transaction. kNotFound if the file is missing.
base::Result<std::vector<LoggedTable>> ReadLoggedTables(const std::string& path);

// Reads a file's change log, its base snapshot and its tables, all in ONE read transaction
// (a consistent point even while `run` records). Read-only. Thread-compatible.
class ChangelogReader {
 public:
  // kNotFound if the file does not exist; kFailedPrecondition if it has no change log
  // (recording never started, or a schema without the change-log tables).
  static base::Result<std::unique_ptr<ChangelogReader>> Open(const std::string& path);
  ~ChangelogReader();
  ChangelogReader(const ChangelogReader&) = delete;
  ChangelogReader& operator=(const ChangelogReader&) = delete;

  const ChangelogInfo& info() const { return info_; }
  const std::vector<LoggedTable>& tables() const { return tables_; }

  // Every base row (a PUT_ROW record whose cell timestamps are versions), by tunnel and
  // encoded key. `fn` returning an error stops and returns it.
  base::Status ForEachBaseRow(
      const std::function<base::Status(const std::string& tunnel_id, base::RowChange&&)>& fn);
  // Every entry in commit order. `fn` returns false to stop early.
  base::Status ForEachEntry(const std::function<base::Result<bool>(ChangelogEntry&&)>& fn);

 private:
  struct Db;
  ChangelogReader();
  std::unique_ptr<Db> db_;
  ChangelogInfo info_;
  std::vector<LoggedTable> tables_;
};

}  // namespace tablestore::storage
