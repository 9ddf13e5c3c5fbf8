#include "storage/status_snapshot.h"

#include <sqlite3.h>

#include <filesystem>
#include <memory>

#include "storage/identifier.h"
#include "storage/migration_runner.h"
#include "storage/sqlite_util.h"

namespace tablestore::storage {

namespace {

std::string Text(sqlite3_stmt* s, int i) {
  const unsigned char* text = sqlite3_column_text(s, i);
  return text ? std::string(reinterpret_cast<const char*>(text),
                            static_cast<size_t>(sqlite3_column_bytes(s, i)))
              : std::string();
}
std::optional<std::string> OptText(sqlite3_stmt* s, int i) {
  if (sqlite3_column_type(s, i) == SQLITE_NULL) return std::nullopt;
  return Text(s, i);
}
std::optional<int64_t> OptInt(sqlite3_stmt* s, int i) {
  if (sqlite3_column_type(s, i) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int64(s, i);
}

std::vector<std::string> SplitTypes(const std::string& types) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < types.size()) {
    size_t comma = types.find(',', start);
    if (comma == std::string::npos) comma = types.size();
    out.push_back(types.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// Steps `s` over its rows calling `row(s)`; returns the SQLite error, if any.
template <class Fn>
base::Status ForEachRow(sqlite3* db, sqlite3_stmt* s, Fn&& row) {
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) row(s);
  sqlite3_reset(s);
  if (rc != SQLITE_DONE) return SqliteStatus(sqlite3_extended_errcode(db), db, "status");
  return base::Status::Ok();
}

base::Status ReadTables(sqlite3* db, StatusSnapshot* out) {
  TS_ASSIGN_OR_RETURN(
      Stmt bindings,
      Prepare(db, "SELECT b.mirror_table, b.source_table, b.tunnel_id, b.tunnel_name, b.stage, "
                  "b.stage_updated_at, (SELECT count(*) FROM sqlite_schema s WHERE "
                  "s.type = 'table' AND s.name = b.mirror_table), "
                  "(SELECT client_id FROM _replicator_workers w WHERE w.tunnel_id = b.tunnel_id) "
                  "FROM _replicator_bindings b ORDER BY b.mirror_table"));
  TS_RETURN_IF_ERROR(ForEachRow(db, bindings.get(), [&](sqlite3_stmt* s) {
    TableStatus t;
    t.mirror_table = Text(s, 0);
    t.source_table = Text(s, 1);
    t.tunnel_id = Text(s, 2);
    t.tunnel_name = Text(s, 3);
    t.stage = Text(s, 4);
    t.stage_updated_at_ms = sqlite3_column_int64(s, 5);
    t.created = sqlite3_column_int(s, 6) > 0;
    t.worker_client_id = OptText(s, 7);
    out->tables.push_back(std::move(t));
  }));

  TS_ASSIGN_OR_RETURN(
      Stmt channels,
      Prepare(db, "SELECT channel_id, token, status, kind, server_sequence, rows_applied, "
                  "batches_applied, duplicates_skipped, last_change_time, updated_at "
                  "FROM _replicator_checkpoints WHERE tunnel_id = ?1 ORDER BY channel_id"));
  TS_ASSIGN_OR_RETURN(
      Stmt columns,
      Prepare(db, "SELECT mirror_column, source_column, kind, position, types, rename_reason, "
                  "first_seen_at, first_seen_run, types_changed_run FROM _replicator_columns "
                  "WHERE mirror_table = ?1 ORDER BY kind DESC, position"));
  for (TableStatus& t : out->tables) {
    sqlite3_bind_text(channels.get(), 1, t.tunnel_id.c_str(), -1, SQLITE_TRANSIENT);
    TS_RETURN_IF_ERROR(ForEachRow(db, channels.get(), [&](sqlite3_stmt* s) {
      ChannelStatus c;
      c.tunnel_id = t.tunnel_id;
      c.channel_id = Text(s, 0);
      c.token = OptText(s, 1);
      c.status = Text(s, 2);
      c.kind = OptText(s, 3);
      c.server_sequence = OptInt(s, 4);
      c.rows_applied = sqlite3_column_int64(s, 5);
      c.batches_applied = sqlite3_column_int64(s, 6);
      c.duplicates_skipped = sqlite3_column_int64(s, 7);
      c.last_change_time_us = OptInt(s, 8);
      c.updated_at_ms = sqlite3_column_int64(s, 9);
      t.rows_applied += c.rows_applied;
      t.duplicates_skipped += c.duplicates_skipped;
      if (c.kind == "stream" && c.last_change_time_us &&
          (!t.watermark_us || *c.last_change_time_us < *t.watermark_us)) {
        t.watermark_us = c.last_change_time_us;
      }
      t.channels.push_back(std::move(c));
    }));
    sqlite3_bind_text(columns.get(), 1, t.mirror_table.c_str(), -1, SQLITE_TRANSIENT);
    TS_RETURN_IF_ERROR(ForEachRow(db, columns.get(), [&](sqlite3_stmt* s) {
      ColumnStatus c;
      c.mirror_name = Text(s, 0);
      c.source_name = Text(s, 1);
      c.primary_key = Text(s, 2) == "primary_key";
      c.position = sqlite3_column_int(s, 3);
      c.types = SplitTypes(Text(s, 4));
      c.rename_reason = OptText(s, 5);
      c.first_seen_at_ms = sqlite3_column_int64(s, 6);
      c.added_this_run = sqlite3_column_int64(s, 7) == out->run_id;
      c.types_changed_this_run =
          !c.added_this_run && sqlite3_column_int64(s, 8) == out->run_id;
      t.columns.push_back(std::move(c));
    }));
    if (t.created) {
      TS_ASSIGN_OR_RETURN(t.row_count,
                          QueryInt(db, "SELECT count(*) FROM " + QuoteIdentifier(t.mirror_table)));
    }
  }
  return base::Status::Ok();
}

}  // namespace

base::Result<StatusSnapshot> ReadStatusSnapshot(sqlite3* db) {
  StatusSnapshot out;
  TS_RETURN_IF_ERROR(Exec(db, "BEGIN"));  // one read transaction: a consistent view
  base::Status status = [&]() -> base::Status {
    MigrationRunner runner;
    TS_ASSIGN_OR_RETURN(out.schema_version, runner.Check(db));
    if (out.schema_version == 0) {
      return base::FailedPreconditionError("the file holds no replicator metadata");
    }
    TS_ASSIGN_OR_RETURN(Stmt state, Prepare(db, "SELECT key, value FROM _replicator_state"));
    TS_RETURN_IF_ERROR(ForEachRow(db, state.get(), [&](sqlite3_stmt* s) {
      std::string key = Text(s, 0);
      if (key == "run_id") out.run_id = sqlite3_column_int64(s, 1);
      if (key == "run_started_at") out.run_started_at_ms = OptInt(s, 1);
    }));
    TS_ASSIGN_OR_RETURN(Stmt counters,
                        Prepare(db, "SELECT name, value FROM _replicator_counters"));
    TS_RETURN_IF_ERROR(ForEachRow(db, counters.get(), [&](sqlite3_stmt* s) {
      out.counters[Text(s, 0)] = sqlite3_column_int64(s, 1);
    }));
    return ReadTables(db, &out);
  }();
  Exec(db, "COMMIT").IgnoreError();
  if (!status.ok()) return status.WithContext("reading mirror status");
  return out;
}

base::Result<StatusSnapshot> ReadStatusSnapshot(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return base::NotFoundError("mirror file " + DisplayName(path) + " does not exist");
  }
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> db(raw, &sqlite3_close_v2);
  if (rc != SQLITE_OK) {
    return SqliteStatus(rc, db.get(), "opening mirror " + DisplayName(path) + " read-only");
  }
  sqlite3_busy_timeout(db.get(), 5000);
  return ReadStatusSnapshot(db.get());
}

}  // namespace tablestore::storage
