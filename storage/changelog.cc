#include "storage/changelog.h"

#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "storage/changelog_codec.h"
#include "storage/identifier.h"
#include "storage/mirror_reader.h"
#include "storage/sqlite_util.h"

namespace tablestore::storage {
namespace {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbHandle = std::unique_ptr<sqlite3, DbCloser>;

void BindText(sqlite3_stmt* s, int index, std::string_view text) {
  sqlite3_bind_text(s, index, text.empty() ? "" : text.data(), static_cast<int>(text.size()),
                    SQLITE_STATIC);
}

void BindBlob(sqlite3_stmt* s, int index, std::string_view bytes) {
  sqlite3_bind_blob(s, index, bytes.empty() ? "" : bytes.data(),
                    static_cast<int>(bytes.size()), SQLITE_STATIC);
}

std::string ColumnString(sqlite3_stmt* s, int i) {
  const void* p = sqlite3_column_blob(s, i);
  int n = sqlite3_column_bytes(s, i);
  return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}

base::Result<DbHandle> OpenDb(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  DbHandle db(raw);
  if (rc != SQLITE_OK) return SqliteStatus(rc, raw, "opening " + DisplayName(path));
  sqlite3_busy_timeout(raw, 5000);
  return db;
}

// The log's key/value state (_replicator_changelog_state).
struct State {
  int64_t started = 0;
  int64_t bytes = 0;
  int64_t records_total = 0;
  int64_t base_records = 0;
  std::optional<int64_t> base_time;
  int64_t mirror_batches = 0;
};

base::Result<State> LoadState(sqlite3* db) {
  TS_ASSIGN_OR_RETURN(Stmt stmt, Prepare(db, "SELECT key, value FROM _replicator_changelog_state"));
  State st;
  int rc;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    std::string key = ColumnString(stmt.get(), 0);
    bool null = sqlite3_column_type(stmt.get(), 1) == SQLITE_NULL;
    int64_t v = sqlite3_column_int64(stmt.get(), 1);
    if (key == "started") st.started = v;
    if (key == "bytes") st.bytes = v;
    if (key == "records_total") st.records_total = v;
    if (key == "base_records") st.base_records = v;
    if (key == "base_time" && !null) st.base_time = v;
    if (key == "mirror_batches") st.mirror_batches = v;
  }
  if (rc != SQLITE_DONE) return SqliteStatus(rc, db, "reading the change-log state");
  return st;
}

base::Status SaveState(sqlite3* db, const State& st) {
  TS_ASSIGN_OR_RETURN(Stmt stmt, Prepare(db, "INSERT OR REPLACE INTO _replicator_changelog_state "
                                             "(key, value) VALUES (?1, ?2)"));
  auto put = [&](const char* key, std::optional<int64_t> v) -> base::Status {
    sqlite3_bind_text(stmt.get(), 1, key, -1, SQLITE_STATIC);
    if (v) {
      sqlite3_bind_int64(stmt.get(), 2, *v);
    } else {
      sqlite3_bind_null(stmt.get(), 2);
    }
    return StepDone(db, stmt.get(), "writing the change-log state");
  };
  TS_RETURN_IF_ERROR(put("started", st.started));
  TS_RETURN_IF_ERROR(put("bytes", st.bytes));
  TS_RETURN_IF_ERROR(put("records_total", st.records_total));
  TS_RETURN_IF_ERROR(put("base_records", st.base_records));
  TS_RETURN_IF_ERROR(put("base_time", st.base_time));
  return put("mirror_batches", st.mirror_batches);
}

base::Result<int64_t> MirrorBatches(sqlite3* db) {
  return QueryInt(db, "SELECT value FROM _replicator_counters WHERE name = 'batches_applied'");
}

// Keeps, of several puts of one column, the greatest version (on a tie the later cell).
void PutCell(const base::Cell& cell, base::Row* row, bool replace_older_only) {
  for (base::Cell& held : row->cells) {
    if (held.name != cell.name) continue;
    int64_t held_ts = held.timestamp.value_or(0);
    int64_t ts = cell.timestamp.value_or(0);
    if (replace_older_only && held_ts > ts) return;
    held.value = cell.value;
    held.timestamp = cell.timestamp;
    return;
  }
  base::Cell c;
  c.name = cell.name;
  c.value = cell.value;
  c.timestamp = cell.timestamp;
  row->cells.push_back(std::move(c));
}

void EraseCell(const std::string& name, base::Row* row) {
  row->cells.erase(std::remove_if(row->cells.begin(), row->cells.end(),
                                  [&](const base::Cell& c) { return c.name == name; }),
                   row->cells.end());
}

}  // namespace

void FoldChange(const base::RowChange& change, std::optional<base::Row>* row) {
  switch (change.action) {
    case base::ActionType::kDeleteRow:
      row->reset();
      return;
    case base::ActionType::kPutRow: {
      base::Row fresh;
      fresh.primary_key = change.row.primary_key;
      for (const base::Cell& c : change.row.cells) {
        if (c.op == base::CellOp::kPut && c.value) PutCell(c, &fresh, true);
      }
      *row = std::move(fresh);
      return;
    }
    case base::ActionType::kUpdateRow: {
      if (!row->has_value()) {
        bool has_put = std::any_of(change.row.cells.begin(), change.row.cells.end(),
                                   [](const base::Cell& c) { return c.op == base::CellOp::kPut; });
        if (!has_put) return;  // an update of an absent row without puts does nothing
        base::Row fresh;
        fresh.primary_key = change.row.primary_key;
        *row = std::move(fresh);
      }
      base::Row& r = **row;
      for (const base::Cell& c : change.row.cells) {
        switch (c.op) {
          case base::CellOp::kPut:
            if (c.value) PutCell(c, &r, true);
            break;
          case base::CellOp::kDeleteAllVersions:
            EraseCell(c.name, &r);
            break;
          case base::CellOp::kDeleteOneVersion:
            for (const base::Cell& held : r.cells) {
              if (held.name == c.name && held.timestamp == c.timestamp) {
                EraseCell(c.name, &r);
                break;
              }
            }
            break;
        }
      }
      return;
    }
  }
}

// Prepared statements of one OnGroupApplied call (prepared when first needed).
struct ChangelogRecorder::Statements {
  sqlite3* db = nullptr;
  Stmt insert_entry;
  Stmt oldest;
  Stmt delete_entry;
  Stmt load_base;
  Stmt put_base;
  Stmt delete_base;
};

ChangelogRecorder::ChangelogRecorder(ChangelogOptions options) : options_(options) {}
ChangelogRecorder::~ChangelogRecorder() = default;

namespace {

// Replaces the base with the mirror's current rows (read through a separate read-only
// connection, which sees the last commit: the caller holds the write lock, so that is now).
base::Status TakeSnapshot(sqlite3* db, const std::string& path, int64_t now_ms, State* st) {
  TS_RETURN_IF_ERROR(Exec(db, "DELETE FROM _replicator_changelog; "
                              "DELETE FROM _replicator_changelog_base"));
  TS_ASSIGN_OR_RETURN(Stmt tables, Prepare(db, "SELECT mirror_table, tunnel_id FROM "
                                               "_replicator_bindings ORDER BY mirror_table"));
  std::vector<std::pair<std::string, std::string>> bound;
  while (sqlite3_step(tables.get()) == SQLITE_ROW) {
    bound.emplace_back(ColumnString(tables.get(), 0), ColumnString(tables.get(), 1));
  }
  TS_ASSIGN_OR_RETURN(Stmt put, Prepare(db, "INSERT OR REPLACE INTO _replicator_changelog_base "
                                            "(tunnel_id, key, row) VALUES (?1, ?2, ?3)"));
  for (const auto& [table, tunnel] : bound) {
    TS_ASSIGN_OR_RETURN(std::vector<base::Row> rows, ReadMirrorRows(path, table));
    std::vector<base::RowChange> one(1);
    std::string key, encoded;
    for (base::Row& row : rows) {
      key = EncodeKey(row);
      one[0].action = base::ActionType::kPutRow;
      one[0].row = std::move(row);
      EncodeChanges(one, &encoded);
      BindText(put.get(), 1, tunnel);
      BindBlob(put.get(), 2, key);
      BindBlob(put.get(), 3, encoded);
      TS_RETURN_IF_ERROR(StepDone(db, put.get(), "writing the change-log snapshot"));
    }
  }
  st->started = 1;
  st->bytes = 0;
  st->records_total = 0;
  st->base_records = 0;
  st->base_time = now_ms;
  return base::Status::Ok();
}

}  // namespace

base::Result<std::unique_ptr<ChangelogRecorder>> ChangelogRecorder::Start(
    const std::string& path, ChangelogOptions options, int64_t now_ms,
    std::vector<std::string>* warnings) {
  TS_ASSIGN_OR_RETURN(DbHandle db, OpenDb(path, SQLITE_OPEN_READWRITE));
  TS_RETURN_IF_ERROR(Exec(db.get(), "BEGIN IMMEDIATE"));
  base::Status status = [&]() -> base::Status {
    TS_ASSIGN_OR_RETURN(State st, LoadState(db.get()));
    TS_ASSIGN_OR_RETURN(int64_t batches, MirrorBatches(db.get()));
    if (st.started == 0) {
      TS_RETURN_IF_ERROR(TakeSnapshot(db.get(), path, now_ms, &st));
    } else if (st.mirror_batches != batches) {
      if (warnings) {
        warnings->push_back(
            "change log: " + std::to_string(batches - st.mirror_batches) +
            " batch(es) were applied while recording was off; the log restarts from a "
            "snapshot of the mirror (replay to earlier points is no longer possible)");
      }
      TS_RETURN_IF_ERROR(TakeSnapshot(db.get(), path, now_ms, &st));
    } else {
      // Entries of tunnels no longer bound (dropped by resync) can never be replayed.
      TS_RETURN_IF_ERROR(Exec(db.get(),
                              "DELETE FROM _replicator_changelog WHERE tunnel_id NOT IN "
                              "(SELECT tunnel_id FROM _replicator_bindings); "
                              "DELETE FROM _replicator_changelog_base WHERE tunnel_id NOT IN "
                              "(SELECT tunnel_id FROM _replicator_bindings)"));
      TS_ASSIGN_OR_RETURN(st.bytes, QueryInt(db.get(), "SELECT coalesce(sum(length(records)), "
                                                       "0) FROM _replicator_changelog"));
    }
    st.mirror_batches = batches;
    TS_RETURN_IF_ERROR(SaveState(db.get(), st));
    return Exec(db.get(), "COMMIT");
  }();
  if (!status.ok()) {
    Exec(db.get(), "ROLLBACK").IgnoreError();
    return status.WithContext("starting the change log of " + DisplayName(path));
  }
  return std::unique_ptr<ChangelogRecorder>(new ChangelogRecorder(options));
}

base::Status ChangelogRecorder::OnGroupApplied(sqlite3* db,
                                               std::span<const base::Batch* const> batches,
                                               const GroupResult& result, int64_t now_ms) {
  // Statements live for this call only: the connection belongs to the Mirror, which must be
  // able to close it whenever it likes (a statement kept here would make its close fail).
  Statements s;
  s.db = db;
  auto cached = [&](Stmt* stmt, const char* sql) -> base::Result<sqlite3_stmt*> {
    if (!*stmt) {
      TS_ASSIGN_OR_RETURN(*stmt, Prepare(db, sql));
    }
    return stmt->get();
  };
  TS_ASSIGN_OR_RETURN(State st, LoadState(db));
  if (st.started == 0) {
    return base::FailedPreconditionError("the change log was not started (ChangelogRecorder::Start)");
  }
  std::string encoded;
  for (size_t i = 0; i < batches.size(); ++i) {
    if (result.batches[i].outcome != BatchOutcome::kApplied) continue;  // only applied ones
    const base::Batch& b = *batches[i];
    EncodeChanges(b.changes, &encoded);
    std::optional<int64_t> min_seq, max_seq;
    for (const base::RowChange& c : b.changes) {
      if (!c.row.sequence) continue;
      int64_t t = c.row.sequence->timestamp;
      min_seq = min_seq ? std::min(*min_seq, t) : t;
      max_seq = max_seq ? std::max(*max_seq, t) : t;
    }
    TS_ASSIGN_OR_RETURN(
        sqlite3_stmt * ins,
        cached(&s.insert_entry,
               "INSERT INTO _replicator_changelog (commit_time, tunnel_id, channel_id, "
               "token_in, token_out, first_record, record_count, min_sequence_time, "
               "max_sequence_time, records) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
    sqlite3_bind_int64(ins, 1, now_ms);
    BindText(ins, 2, b.tunnel_id);
    BindText(ins, 3, b.channel_id);
    BindText(ins, 4, b.token_in);
    BindText(ins, 5, b.token_out);
    sqlite3_bind_int64(ins, 6, st.records_total);
    sqlite3_bind_int64(ins, 7, static_cast<int64_t>(b.changes.size()));
    if (min_seq) {
      sqlite3_bind_int64(ins, 8, *min_seq);
      sqlite3_bind_int64(ins, 9, *max_seq);
    } else {
      sqlite3_bind_null(ins, 8);
      sqlite3_bind_null(ins, 9);
    }
    BindBlob(ins, 10, encoded);
    TS_RETURN_IF_ERROR(StepDone(db, ins, "appending to the change log"));
    st.records_total += static_cast<int64_t>(b.changes.size());
    st.bytes += static_cast<int64_t>(encoded.size());
  }

  // Bounds: fold the oldest entries into the base. Trimming by size goes down to 90% of
  // the bound so that it happens about once per 10% of the bound, not on every group.
  const int64_t max_size = static_cast<int64_t>(options_.max_size);
  const int64_t size_target = max_size - max_size / 10;
  bool trim_size = max_size > 0 && st.bytes > max_size;
  for (;;) {
    TS_ASSIGN_OR_RETURN(sqlite3_stmt * old,
                        cached(&s.oldest, "SELECT seq, commit_time, tunnel_id, first_record, "
                                          "record_count, records FROM _replicator_changelog "
                                          "ORDER BY seq LIMIT 1"));
    int rc = sqlite3_step(old);
    if (rc == SQLITE_DONE) {
      sqlite3_reset(old);
      break;
    }
    if (rc != SQLITE_ROW) {
      sqlite3_reset(old);
      return SqliteStatus(rc, db, "reading the oldest change-log entry");
    }
    int64_t seq = sqlite3_column_int64(old, 0);
    int64_t commit_time = sqlite3_column_int64(old, 1);
    bool too_old = options_.max_age_ms > 0 && commit_time < now_ms - options_.max_age_ms;
    bool too_big = trim_size && st.bytes > size_target;
    if (!too_old && !too_big) {
      sqlite3_reset(old);
      break;
    }
    std::string tunnel = ColumnString(old, 2);
    int64_t first_record = sqlite3_column_int64(old, 3);
    int64_t record_count = sqlite3_column_int64(old, 4);
    std::string records = ColumnString(old, 5);
    sqlite3_reset(old);
    base::Result<std::vector<base::RowChange>> changes = DecodeChanges(records);
    if (!changes.ok()) {
      return changes.status().WithContext("change-log entry " + std::to_string(seq));
    }
    for (const base::RowChange& change : *changes) {
      std::string key = EncodeKey(change.row);
      TS_ASSIGN_OR_RETURN(sqlite3_stmt * load,
                          cached(&s.load_base, "SELECT row FROM _replicator_changelog_base "
                                               "WHERE tunnel_id = ?1 AND key = ?2"));
      BindText(load, 1, tunnel);
      BindBlob(load, 2, key);
      std::optional<base::Row> row;
      int lrc = sqlite3_step(load);
      if (lrc == SQLITE_ROW) {
        base::Result<std::vector<base::RowChange>> held =
            DecodeChanges(ColumnString(load, 0));
        if (!held.ok() || held->size() != 1) {
          sqlite3_reset(load);
          return base::DataLossError("damaged change-log base row of tunnel " +
                                     DisplayName(tunnel));
        }
        row = std::move((*held)[0].row);
      }
      sqlite3_reset(load);
      if (lrc != SQLITE_ROW && lrc != SQLITE_DONE) {
        return SqliteStatus(lrc, db, "reading the change-log base");
      }
      FoldChange(change, &row);
      if (row) {
        std::vector<base::RowChange> one(1);
        one[0].action = base::ActionType::kPutRow;
        one[0].row = std::move(*row);
        one[0].row.sequence.reset();
        EncodeChanges(one, &encoded);
        TS_ASSIGN_OR_RETURN(sqlite3_stmt * put,
                            cached(&s.put_base, "INSERT OR REPLACE INTO "
                                                "_replicator_changelog_base (tunnel_id, key, "
                                                "row) VALUES (?1, ?2, ?3)"));
        BindText(put, 1, tunnel);
        BindBlob(put, 2, key);
        BindBlob(put, 3, encoded);
        TS_RETURN_IF_ERROR(StepDone(db, put, "folding into the change-log base"));
      } else {
        TS_ASSIGN_OR_RETURN(sqlite3_stmt * del,
                            cached(&s.delete_base, "DELETE FROM _replicator_changelog_base "
                                                   "WHERE tunnel_id = ?1 AND key = ?2"));
        BindText(del, 1, tunnel);
        BindBlob(del, 2, key);
        TS_RETURN_IF_ERROR(StepDone(db, del, "folding into the change-log base"));
      }
    }
    TS_ASSIGN_OR_RETURN(sqlite3_stmt * del, cached(&s.delete_entry, "DELETE FROM "
                                                                    "_replicator_changelog "
                                                                    "WHERE seq = ?1"));
    sqlite3_bind_int64(del, 1, seq);
    TS_RETURN_IF_ERROR(StepDone(db, del, "trimming the change log"));
    st.bytes -= static_cast<int64_t>(records.size());
    st.base_records = first_record + record_count;
    st.base_time = commit_time;
  }
  TS_ASSIGN_OR_RETURN(st.mirror_batches, MirrorBatches(db));
  return SaveState(db, st);
}

// ---------------------------------------------------------------------------------------

namespace {

base::Result<std::vector<LoggedTable>> ReadTablesOn(sqlite3* db) {
  std::vector<LoggedTable> tables;
  const std::string where = "mirror";
  TS_ASSIGN_OR_RETURN(Stmt bindings, Prepare(db, "SELECT mirror_table, source_table, tunnel_id, "
                                                 "tunnel_name FROM _replicator_bindings ORDER "
                                                 "BY mirror_table"));
  int rc;
  while ((rc = sqlite3_step(bindings.get())) == SQLITE_ROW) {
    LoggedTable t;
    t.mirror_table = ColumnString(bindings.get(), 0);
    t.source_table = ColumnString(bindings.get(), 1);
    t.tunnel_id = ColumnString(bindings.get(), 2);
    t.tunnel_name = ColumnString(bindings.get(), 3);
    tables.push_back(std::move(t));
  }
  if (rc != SQLITE_DONE) return SqliteStatus(rc, db, where + ": reading bindings");
  TS_ASSIGN_OR_RETURN(Stmt cols, Prepare(db, "SELECT kind, mirror_column, source_column, types "
                                             "FROM _replicator_columns WHERE mirror_table = ?1 "
                                             "ORDER BY kind, position"));
  for (LoggedTable& t : tables) {
    BindText(cols.get(), 1, t.mirror_table);
    while ((rc = sqlite3_step(cols.get())) == SQLITE_ROW) {
      LoggedTable::Column c{ColumnString(cols.get(), 1), ColumnString(cols.get(), 2),
                            ColumnString(cols.get(), 3)};
      if (ColumnString(cols.get(), 0) == "primary_key") {
        t.key.push_back(std::move(c));
      } else {
        t.attributes.push_back(std::move(c));
      }
    }
    sqlite3_reset(cols.get());
    if (rc != SQLITE_DONE) return SqliteStatus(rc, db, where + ": reading the column registry");
  }
  return tables;
}

}  // namespace

base::Result<std::vector<LoggedTable>> ReadLoggedTables(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return base::NotFoundError("file " + DisplayName(path) + " does not exist");
  }
  TS_ASSIGN_OR_RETURN(DbHandle db, OpenDb(path, SQLITE_OPEN_READONLY));
  TS_RETURN_IF_ERROR(Exec(db.get(), "BEGIN"));
  base::Result<std::vector<LoggedTable>> tables = ReadTablesOn(db.get());
  Exec(db.get(), "ROLLBACK").IgnoreError();
  if (!tables.ok()) return tables.status().WithContext(DisplayName(path));
  return tables;
}

struct ChangelogReader::Db {
  DbHandle handle;
  sqlite3* db() const { return handle.get(); }
};

ChangelogReader::ChangelogReader() : db_(std::make_unique<Db>()) {}
ChangelogReader::~ChangelogReader() {
  if (db_ && db_->handle) Exec(db_->db(), "ROLLBACK").IgnoreError();
}

base::Result<std::unique_ptr<ChangelogReader>> ChangelogReader::Open(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return base::NotFoundError("file " + DisplayName(path) + " does not exist");
  }
  std::unique_ptr<ChangelogReader> reader(new ChangelogReader());
  TS_ASSIGN_OR_RETURN(reader->db_->handle, OpenDb(path, SQLITE_OPEN_READONLY));
  sqlite3* db = reader->db_->db();
  const std::string where = "change log of " + DisplayName(path);
  // One read transaction for everything read through this reader.
  TS_RETURN_IF_ERROR(Exec(db, "BEGIN"));
  TS_ASSIGN_OR_RETURN(int64_t has_log,
                      QueryInt(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' "
                                   "AND name = '_replicator_changelog_state'"));
  if (has_log == 0) {
    return base::FailedPreconditionError(where + ": the file has no change log (not a mirror, "
                                         "or written by a version without change logs)");
  }
  TS_ASSIGN_OR_RETURN(State st, LoadState(db));
  if (st.started == 0) {
    return base::FailedPreconditionError(
        where + ": recording never started (set [changelog] enabled = true and run)");
  }
  ChangelogInfo& info = reader->info_;
  info.started = true;
  info.base_records = st.base_records;
  info.records_total = st.records_total;
  info.base_time = st.base_time;
  TS_ASSIGN_OR_RETURN(info.entries, QueryInt(db, "SELECT count(*) FROM _replicator_changelog"));
  TS_ASSIGN_OR_RETURN(info.bytes, QueryInt(db, "SELECT coalesce(sum(length(records)), 0) "
                                               "FROM _replicator_changelog"));

  TS_ASSIGN_OR_RETURN(info.base_rows,
                      QueryInt(db, "SELECT count(*) FROM _replicator_changelog_base"));
  TS_ASSIGN_OR_RETURN(reader->tables_, ReadTablesOn(db));
  return reader;
}

base::Status ChangelogReader::ForEachBaseRow(
    const std::function<base::Status(const std::string&, base::RowChange&&)>& fn) {
  sqlite3* db = db_->db();
  TS_ASSIGN_OR_RETURN(Stmt stmt, Prepare(db, "SELECT tunnel_id, row FROM "
                                             "_replicator_changelog_base ORDER BY tunnel_id, "
                                             "key"));
  int rc;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    std::string tunnel = ColumnString(stmt.get(), 0);
    base::Result<std::vector<base::RowChange>> row = DecodeChanges(ColumnString(stmt.get(), 1));
    if (!row.ok() || row->size() != 1) {
      return base::DataLossError("damaged change-log base row of tunnel " + DisplayName(tunnel));
    }
    TS_RETURN_IF_ERROR(fn(tunnel, std::move((*row)[0])));
  }
  if (rc != SQLITE_DONE) return SqliteStatus(rc, db, "reading the change-log base");
  return base::Status::Ok();
}

base::Status ChangelogReader::ForEachEntry(
    const std::function<base::Result<bool>(ChangelogEntry&&)>& fn) {
  sqlite3* db = db_->db();
  TS_ASSIGN_OR_RETURN(Stmt stmt,
                      Prepare(db, "SELECT seq, commit_time, tunnel_id, channel_id, token_in, "
                                  "token_out, first_record, records FROM _replicator_changelog "
                                  "ORDER BY seq"));
  int rc;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    ChangelogEntry e;
    e.seq = sqlite3_column_int64(stmt.get(), 0);
    e.commit_time = sqlite3_column_int64(stmt.get(), 1);
    e.tunnel_id = ColumnString(stmt.get(), 2);
    e.channel_id = ColumnString(stmt.get(), 3);
    e.token_in = ColumnString(stmt.get(), 4);
    e.token_out = ColumnString(stmt.get(), 5);
    e.first_record = sqlite3_column_int64(stmt.get(), 6);
    base::Result<std::vector<base::RowChange>> changes =
        DecodeChanges(ColumnString(stmt.get(), 7));
    if (!changes.ok()) {
      return changes.status().WithContext("change-log entry " + std::to_string(e.seq));
    }
    e.changes = std::move(*changes);
    TS_ASSIGN_OR_RETURN(bool more, fn(std::move(e)));
    if (!more) return base::Status::Ok();
  }
  if (rc != SQLITE_DONE) return SqliteStatus(rc, db, "reading the change log");
  return base::Status::Ok();
}

}  // namespace tablestore::storage
