#include "storage/mirror.h"

#include <sqlite3.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Transaction.h>

#include <map>
#include <unordered_map>
#include <utility>

#include "storage/identifier.h"
#include "storage/migration_runner.h"
#include "storage/sqlite_util.h"
#include "storage/table_writer.h"
#include "storage/writer_lock.h"

namespace tablestore::storage {

namespace {

const char* SynchronousPragma(Synchronous s) {
  switch (s) {
    case Synchronous::kOff: return "PRAGMA synchronous = OFF";
    case Synchronous::kNormal: return "PRAGMA synchronous = NORMAL";
    case Synchronous::kFull: return "PRAGMA synchronous = FULL";
  }
  return "PRAGMA synchronous = NORMAL";
}

base::Status FromException(const SQLite::Exception& e, std::string_view what) {
  base::Status status = SqliteStatus(e.getExtendedErrorCode(), nullptr, what);
  return base::Status(status.code(), std::string(what) + ": " + e.what());
}

void BindText(sqlite3_stmt* s, int index, std::string_view text) {
  sqlite3_bind_text(s, index, text.empty() ? "" : text.data(), static_cast<int>(text.size()),
                    SQLITE_STATIC);
}

std::string ColumnString(sqlite3_stmt* s, int i) {
  const unsigned char* text = sqlite3_column_text(s, i);
  return text ? std::string(reinterpret_cast<const char*>(text),
                            static_cast<size_t>(sqlite3_column_bytes(s, i)))
              : std::string();
}

std::string BatchContext(size_t index, const base::Batch& b) {
  return "batch " + std::to_string(index) + " (tunnel " + DisplayName(b.tunnel_id) +
         ", channel " + DisplayName(b.channel_id) + ", token_in " + DisplayName(b.token_in) +
         ")";
}

// Runs `fn` (which returns Status) converting SQLiteCpp and std exceptions to a Status:
// no exception leaves storage/.
template <class Fn>
auto Guard(std::string_view what, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const SQLite::Exception& e) {
    return FromException(e, what);
  } catch (const std::exception& e) {
    return base::InternalError(std::string(what) + ": " + e.what());
  }
}

}  // namespace

struct Mirror::Impl {
  MirrorOptions options;
  base::Clock* clock = nullptr;
  std::unique_ptr<WriterLock> lock;
  std::unique_ptr<SQLite::Database> database;
  sqlite3* db = nullptr;
  int64_t run_id = 0;

  // This run's column options per mirror table (from BindTable).
  std::map<std::string, ColumnOptions> column_options;
  // Loaded table writers by tunnel id. Discarded after any failed transaction.
  std::unordered_map<std::string, std::unique_ptr<TableWriter>> writers;
  // Stored checkpoints (nullopt: none) by (tunnel, channel). Discarded after a failure.
  std::map<std::pair<std::string, std::string>, std::optional<std::string>> checkpoints;

  Stmt load_checkpoint;
  Stmt upsert_checkpoint;
  Stmt skip_checkpoint;
  Stmt add_counters;
  Stmt binding_by_tunnel;

  void DiscardCaches() {
    writers.clear();
    checkpoints.clear();
  }

  base::Status SetSynchronous(Synchronous s) { return Exec(db, SynchronousPragma(s)); }

  base::Result<Stmt*> Cached(Stmt* stmt, const char* sql) {
    if (!*stmt) {
      TS_ASSIGN_OR_RETURN(*stmt, Prepare(db, sql));
    }
    return stmt;
  }

  base::Result<std::optional<std::string>*> StoredCheckpoint(const std::string& tunnel,
                                                             const std::string& channel) {
    auto key = std::make_pair(tunnel, channel);
    auto it = checkpoints.find(key);
    if (it != checkpoints.end()) return &it->second;
    TS_ASSIGN_OR_RETURN(Stmt * stmt, Cached(&load_checkpoint,
                                            "SELECT token FROM _replicator_checkpoints "
                                            "WHERE tunnel_id = ?1 AND channel_id = ?2"));
    sqlite3_stmt* s = stmt->get();
    BindText(s, 1, tunnel);
    BindText(s, 2, channel);
    std::optional<std::string> token;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) token = ColumnString(s, 0);
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      return SqliteStatus(sqlite3_extended_errcode(db), db, "reading a checkpoint");
    }
    return &checkpoints.emplace(std::move(key), std::move(token)).first->second;
  }

  base::Result<TableWriter*> WriterFor(const std::string& tunnel_id) {
    auto it = writers.find(tunnel_id);
    if (it != writers.end()) return it->second.get();
    TS_ASSIGN_OR_RETURN(Stmt * stmt, Cached(&binding_by_tunnel,
                                            "SELECT mirror_table FROM _replicator_bindings "
                                            "WHERE tunnel_id = ?1"));
    sqlite3_stmt* s = stmt->get();
    BindText(s, 1, tunnel_id);
    int rc = sqlite3_step(s);
    std::string table = rc == SQLITE_ROW ? ColumnString(s, 0) : "";
    sqlite3_reset(s);
    if (rc == SQLITE_DONE) {
      return base::FailedPreconditionError("no mirrored table is bound to tunnel " +
                                           DisplayName(tunnel_id) + " (call BindTable first)");
    }
    if (rc != SQLITE_ROW) {
      return SqliteStatus(sqlite3_extended_errcode(db), db, "reading a binding");
    }
    auto opts = column_options.find(table);
    TS_ASSIGN_OR_RETURN(
        auto writer,
        TableWriter::Load(db, table, opts == column_options.end() ? ColumnOptions{}
                                                                  : opts->second));
    TableWriter* raw = writer.get();
    writers.emplace(tunnel_id, std::move(writer));
    return raw;
  }

  base::Status ApplyBatch(size_t index, const base::Batch& batch, const WriteContext& ctx,
                          const ApplyOptions& apply, GroupResult* result,
                          std::map<std::string, size_t>* changed_index) {
    if (batch.tunnel_id.empty() || batch.channel_id.empty()) {
      return base::InvalidArgumentError("a batch needs a tunnel id and a channel id");
    }
    TS_ASSIGN_OR_RETURN(std::optional<std::string> * stored,
                        StoredCheckpoint(batch.tunnel_id, batch.channel_id));
    BatchResult& out = result->batches[index];
    if (stored->has_value() && **stored != batch.token_in) {
      // Duplicate or out of order (tokens are opaque): skip and count, never fail.
      out.outcome = BatchOutcome::kSkippedDuplicate;
      out.stored_token = **stored;
      ++result->skipped;
      TS_ASSIGN_OR_RETURN(Stmt * stmt,
                          Cached(&skip_checkpoint,
                                 "UPDATE _replicator_checkpoints SET duplicates_skipped = "
                                 "duplicates_skipped + 1 WHERE tunnel_id = ?1 AND "
                                 "channel_id = ?2"));
      BindText(stmt->get(), 1, batch.tunnel_id);
      BindText(stmt->get(), 2, batch.channel_id);
      return StepDone(db, stmt->get(), "counting a skipped batch");
    }
    TS_ASSIGN_OR_RETURN(TableWriter * writer, WriterFor(batch.tunnel_id));
    std::vector<std::vector<base::Value>>* keys = nullptr;
    if (apply.collect_changed_keys) {
      auto [it, inserted] = changed_index->emplace(writer->mirror_table(), result->changed.size());
      if (inserted) result->changed.push_back(TableChanges{writer->mirror_table(), {}});
      keys = &result->changed[it->second].keys;
    }
    std::optional<int64_t> last_change_time;
    const char* kind = nullptr;
    for (size_t r = 0; r < batch.changes.size(); ++r) {
      const base::RowChange& change = batch.changes[r];
      bool changed = false;
      base::Status status = writer->Apply(change, ctx, &changed);
      if (!status.ok()) {
        return status.WithContext("record " + std::to_string(r) + " (" +
                                  std::string(base::ActionTypeName(change.action)) + ")");
      }
      if (changed && keys != nullptr) {
        std::vector<base::Value> key;
        key.reserve(change.row.primary_key.size());
        for (const base::Cell& c : change.row.primary_key) key.push_back(*c.value);
        keys->push_back(std::move(key));
      }
      if (change.row.sequence) {
        last_change_time = change.row.sequence->timestamp;
        kind = "stream";
      } else if (kind == nullptr) {
        kind = "base";  // base-data records carry no sequence info (protocol §9.3)
      }
    }
    TS_ASSIGN_OR_RETURN(
        Stmt * stmt,
        Cached(&upsert_checkpoint,
               "INSERT INTO _replicator_checkpoints (tunnel_id, channel_id, token, status, "
               "kind, rows_applied, batches_applied, last_change_time, updated_at) "
               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?8) "
               "ON CONFLICT (tunnel_id, channel_id) DO UPDATE SET token = excluded.token, "
               "status = excluded.status, kind = coalesce(kind, excluded.kind), "
               "rows_applied = rows_applied + excluded.rows_applied, "
               "batches_applied = batches_applied + 1, "
               "last_change_time = coalesce(excluded.last_change_time, last_change_time), "
               "updated_at = excluded.updated_at"));
    sqlite3_stmt* s = stmt->get();
    BindText(s, 1, batch.tunnel_id);
    BindText(s, 2, batch.channel_id);
    BindText(s, 3, batch.token_out);
    sqlite3_bind_text(s, 4, batch.finished() ? "finished" : "open", -1, SQLITE_STATIC);
    if (kind) {
      sqlite3_bind_text(s, 5, kind, -1, SQLITE_STATIC);
    } else {
      sqlite3_bind_null(s, 5);
    }
    sqlite3_bind_int64(s, 6, static_cast<int64_t>(batch.changes.size()));
    if (last_change_time) {
      sqlite3_bind_int64(s, 7, *last_change_time);
    } else {
      sqlite3_bind_null(s, 7);
    }
    sqlite3_bind_int64(s, 8, ctx.now_ms);
    TS_RETURN_IF_ERROR(StepDone(db, s, "storing the checkpoint"));
    *stored = batch.token_out;
    out.outcome = BatchOutcome::kApplied;
    ++result->applied;
    result->rows_applied += batch.changes.size();
    return base::Status::Ok();
  }

  base::Result<GroupResult> ApplyGroup(std::span<const base::Batch* const> batches,
                                       const ApplyOptions& apply) {
    GroupResult result;
    if (batches.empty()) return result;
    result.batches.resize(batches.size());
    WriteContext ctx{run_id, clock->WallMillis(), &result.warnings};
    std::map<std::string, size_t> changed_index;
    bool durable = apply.durable && options.synchronous != Synchronous::kFull;
    if (durable) TS_RETURN_IF_ERROR(SetSynchronous(Synchronous::kFull));
    base::Status status = Guard("group commit", [&]() -> base::Status {
      SQLite::Transaction txn(*database, SQLite::TransactionBehavior::IMMEDIATE);
      for (size_t i = 0; i < batches.size(); ++i) {
        base::Status s = ApplyBatch(i, *batches[i], ctx, apply, &result, &changed_index);
        if (!s.ok()) return s.WithContext(BatchContext(i, *batches[i]));
      }
      TS_ASSIGN_OR_RETURN(
          Stmt * stmt,
          Cached(&add_counters,
                 "UPDATE _replicator_counters SET value = value + CASE name "
                 "WHEN 'groups_committed' THEN 1 WHEN 'batches_applied' THEN ?1 "
                 "WHEN 'batches_skipped' THEN ?2 WHEN 'rows_applied' THEN ?3 ELSE 0 END"));
      sqlite3_bind_int64(stmt->get(), 1, static_cast<int64_t>(result.applied));
      sqlite3_bind_int64(stmt->get(), 2, static_cast<int64_t>(result.skipped));
      sqlite3_bind_int64(stmt->get(), 3, static_cast<int64_t>(result.rows_applied));
      TS_RETURN_IF_ERROR(StepDone(db, stmt->get(), "updating counters"));
      // Issue 8: the change log commits with the data (storage/changelog.h).
      if (apply.hook != nullptr) {
        TS_RETURN_IF_ERROR(apply.hook->OnGroupApplied(db, batches, result, ctx.now_ms)
                               .WithContext("recording the change log"));
      }
      txn.commit();
      return base::Status::Ok();
    });
    if (durable) {
      base::Status restore = SetSynchronous(options.synchronous);
      if (status.ok()) status = restore;
    }
    if (!status.ok()) {
      DiscardCaches();  // the in-memory registry and checkpoints may hold rolled-back state
      return base::Status(status.code(),
                          "group commit of " + std::to_string(batches.size()) +
                              " batches rolled back, nothing of it was applied: " +
                              status.message());
    }
    return result;
  }

  // Runs `fn` in a BEGIN IMMEDIATE transaction; on failure rolls back and drops caches.
  template <class Fn>
  base::Status InTransaction(std::string_view what, Fn&& fn) {
    base::Status status = Guard(what, [&]() -> base::Status {
      SQLite::Transaction txn(*database, SQLite::TransactionBehavior::IMMEDIATE);
      TS_RETURN_IF_ERROR(fn());
      txn.commit();
      return base::Status::Ok();
    });
    if (!status.ok()) DiscardCaches();
    return status;
  }
};

Mirror::Mirror(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Mirror::~Mirror() = default;

const std::string& Mirror::path() const { return impl_->options.path; }

base::Result<std::unique_ptr<Mirror>> Mirror::Open(const MirrorOptions& options) {
  if (options.path.empty()) return base::InvalidArgumentError("mirror path is empty");
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->clock = options.clock != nullptr ? options.clock : base::Clock::Real();
  TS_ASSIGN_OR_RETURN(impl->lock, WriterLock::Acquire(options.path + ".lock"));
  base::Status status = Guard("opening the mirror", [&]() -> base::Status {
    impl->database = std::make_unique<SQLite::Database>(
        options.path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX,
        static_cast<int>(options.busy_timeout.count()));
    impl->db = impl->database->getHandle();
    return base::Status::Ok();
  });
  if (!status.ok()) return status.WithContext(DisplayName(options.path));
  sqlite3* db = impl->db;
  auto context = "mirror " + DisplayName(options.path);

  // Check before writing anything: a newer or damaged file is refused untouched.
  MigrationRunner runner;
  TS_RETURN_IF_ERROR(Exec(db, "BEGIN"));
  base::Result<int> version = runner.Check(db);
  Exec(db, "ROLLBACK").IgnoreError();
  if (!version.ok()) {
    base::Status s = version.status();
    if (s.code() == base::StatusCode::kDataLoss) {
      s = base::FailedPreconditionError("not a SQLite database, or corrupt: " + s.message());
    }
    return s.WithContext(context);
  }

  TS_ASSIGN_OR_RETURN(Stmt wal, Prepare(db, "PRAGMA journal_mode = WAL"));
  int rc = sqlite3_step(wal.get());
  std::string mode = rc == SQLITE_ROW ? ColumnString(wal.get(), 0) : "";
  if (mode != "wal") {
    return base::UnavailableError(context + ": cannot switch to WAL (journal mode '" + mode +
                                  "')");
  }
  wal.reset();
  TS_RETURN_IF_ERROR(impl->SetSynchronous(options.synchronous));
  TS_RETURN_IF_ERROR(
      Exec(db, "PRAGMA cache_size = -" + std::to_string(options.cache_size_kib)));
  int64_t now = impl->clock->WallMillis();
  base::Result<int> migrated = runner.Migrate(db, now);
  if (!migrated.ok()) return migrated.status().WithContext(context);

  // A new run: drift in `status` is measured from here.
  status = impl->InTransaction("starting a run", [&]() -> base::Status {
    TS_RETURN_IF_ERROR(Exec(db,
                            "UPDATE _replicator_state SET value = value + 1 WHERE key = "
                            "'run_id'; UPDATE _replicator_state SET value = " +
                                std::to_string(now) + " WHERE key = 'run_started_at'"));
    TS_ASSIGN_OR_RETURN(impl->run_id,
                        QueryInt(db, "SELECT value FROM _replicator_state WHERE key = 'run_id'"));
    return base::Status::Ok();
  });
  if (!status.ok()) return status.WithContext(context);
  return std::unique_ptr<Mirror>(new Mirror(std::move(impl)));
}

base::Status Mirror::BindTable(const TableBinding& binding) {
  TS_RETURN_IF_ERROR(ValidateIdentifier(binding.mirror_table, "mirror table name"));
  if (HasReservedPrefix(binding.mirror_table) ||
      FoldIdentifier(binding.mirror_table).rfind("sqlite_", 0) == 0) {
    return base::InvalidArgumentError("mirror table name " + DisplayName(binding.mirror_table) +
                                      " is reserved (names starting with _replicator or "
                                      "sqlite_ cannot be used)");
  }
  if (binding.source_table.empty() || binding.tunnel_id.empty()) {
    return base::InvalidArgumentError("binding of table " + DisplayName(binding.mirror_table) +
                                      " needs a source table and a tunnel id");
  }
  for (const auto& [from, to] : binding.columns.rename) {
    TS_RETURN_IF_ERROR(ValidateIdentifier(from, "renamed column name"));
    TS_RETURN_IF_ERROR(ValidateIdentifier(to, "new name of column " + DisplayName(from)));
    if (HasReservedPrefix(to)) {
      return base::InvalidArgumentError("column " + DisplayName(from) + " cannot be renamed to " +
                                        DisplayName(to) + ": the _replicator prefix is reserved");
    }
  }
  Impl& m = *impl_;
  const std::string& table = binding.mirror_table;
  const std::string remedy = "; run `replicator resync --table " + table + "`";
  base::Status status = m.InTransaction("binding table", [&]() -> base::Status {
    TS_ASSIGN_OR_RETURN(Stmt by_table,
                        Prepare(m.db, "SELECT source_table, tunnel_id, tunnel_name FROM "
                                      "_replicator_bindings WHERE mirror_table = ?1"));
    BindText(by_table.get(), 1, table);
    int rc = sqlite3_step(by_table.get());
    int64_t now = m.clock->WallMillis();
    if (rc == SQLITE_ROW) {
      std::string source = ColumnString(by_table.get(), 0);
      std::string tunnel = ColumnString(by_table.get(), 1);
      std::string name = ColumnString(by_table.get(), 2);
      if (tunnel != binding.tunnel_id) {
        return base::FailedPreconditionError(
            "table " + DisplayName(table) + " was filled from tunnel " + DisplayName(name) +
            " (id " + DisplayName(tunnel) + "), not from tunnel " +
            DisplayName(binding.tunnel_name) + " (id " + DisplayName(binding.tunnel_id) +
            "); its data and checkpoints belong to the old tunnel" + remedy +
            " to drop it and reload from the new one");
      }
      if (source != binding.source_table) {
        return base::FailedPreconditionError(
            "table " + DisplayName(table) + " mirrors source table " + DisplayName(source) +
            ", not " + DisplayName(binding.source_table) + remedy);
      }
      if (name != binding.tunnel_name) {
        TS_ASSIGN_OR_RETURN(Stmt rename, Prepare(m.db, "UPDATE _replicator_bindings SET "
                                                       "tunnel_name = ?1 WHERE mirror_table = ?2"));
        BindText(rename.get(), 1, binding.tunnel_name);
        BindText(rename.get(), 2, table);
        TS_RETURN_IF_ERROR(StepDone(m.db, rename.get(), "updating the tunnel name"));
      }
    } else if (rc == SQLITE_DONE) {
      TS_ASSIGN_OR_RETURN(Stmt by_tunnel, Prepare(m.db, "SELECT mirror_table FROM "
                                                        "_replicator_bindings WHERE tunnel_id = ?1"));
      BindText(by_tunnel.get(), 1, binding.tunnel_id);
      if (sqlite3_step(by_tunnel.get()) == SQLITE_ROW) {
        return base::FailedPreconditionError(
            "tunnel " + DisplayName(binding.tunnel_id) + " already feeds table " +
            DisplayName(ColumnString(by_tunnel.get(), 0)) +
            "; one tunnel feeds one mirrored table");
      }
      TS_ASSIGN_OR_RETURN(
          Stmt insert,
          Prepare(m.db, "INSERT INTO _replicator_bindings (mirror_table, source_table, "
                        "tunnel_id, tunnel_name, stage, stage_updated_at, created_at) "
                        "VALUES (?1, ?2, ?3, ?4, 'new', ?5, ?5)"));
      BindText(insert.get(), 1, table);
      BindText(insert.get(), 2, binding.source_table);
      BindText(insert.get(), 3, binding.tunnel_id);
      BindText(insert.get(), 4, binding.tunnel_name);
      sqlite3_bind_int64(insert.get(), 5, now);
      TS_RETURN_IF_ERROR(StepDone(m.db, insert.get(), "recording the binding"));
    } else {
      return SqliteStatus(sqlite3_extended_errcode(m.db), m.db, "reading bindings");
    }
    TS_ASSIGN_OR_RETURN(auto writer, TableWriter::Load(m.db, table, binding.columns));
    if (!binding.primary_key.empty()) {
      WriteContext ctx{m.run_id, now, nullptr};
      TS_RETURN_IF_ERROR(writer->EnsureKey(binding.primary_key, ctx));
    }
    m.writers[binding.tunnel_id] = std::move(writer);
    return base::Status::Ok();
  });
  if (!status.ok()) return status;
  m.column_options[table] = binding.columns;
  return base::Status::Ok();
}

base::Result<GroupResult> Mirror::ApplyGroup(std::span<const base::Batch> batches,
                                             const ApplyOptions& options) {
  std::vector<const base::Batch*> pointers;
  pointers.reserve(batches.size());
  for (const base::Batch& b : batches) pointers.push_back(&b);
  return impl_->ApplyGroup(pointers, options);
}

base::Result<GroupResult> Mirror::ApplyGroup(std::span<const base::Batch* const> batches,
                                             const ApplyOptions& options) {
  return impl_->ApplyGroup(batches, options);
}

base::Status Mirror::EnsureDurable() {
  Impl& m = *impl_;
  TS_RETURN_IF_ERROR(m.SetSynchronous(Synchronous::kFull));
  // An autocommit write with synchronous=FULL fsyncs the WAL, which makes every earlier
  // frame durable too.
  base::Status status = Exec(m.db,
                             "UPDATE _replicator_state SET value = value + 1 WHERE key = "
                             "'durable_marks'");
  base::Status restore = m.SetSynchronous(m.options.synchronous);
  if (!status.ok()) return status.WithContext("making the mirror durable");
  return restore;
}

base::Result<std::optional<std::string>> Mirror::LoadCheckpoint(std::string_view tunnel_id,
                                                                std::string_view channel_id) {
  auto stored = impl_->StoredCheckpoint(std::string(tunnel_id), std::string(channel_id));
  if (!stored.ok()) return stored.status();
  return **stored;
}

base::Result<std::vector<ChannelCheckpoint>> Mirror::LoadCheckpoints(std::string_view tunnel_id) {
  Impl& m = *impl_;
  TS_ASSIGN_OR_RETURN(Stmt stmt, Prepare(m.db, "SELECT channel_id, token, status FROM "
                                               "_replicator_checkpoints WHERE tunnel_id = ?1 "
                                               "AND token IS NOT NULL ORDER BY channel_id"));
  BindText(stmt.get(), 1, tunnel_id);
  std::vector<ChannelCheckpoint> out;
  int rc;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    out.push_back(ChannelCheckpoint{ColumnString(stmt.get(), 0), ColumnString(stmt.get(), 1),
                                    ColumnString(stmt.get(), 2) == "finished"});
  }
  if (rc != SQLITE_DONE) return SqliteStatus(rc, m.db, "reading checkpoints");
  return out;
}

base::Result<bool> Mirror::HasTunnelProgress(std::string_view tunnel_id) {
  Impl& m = *impl_;
  TS_ASSIGN_OR_RETURN(Stmt stmt, Prepare(m.db, "SELECT EXISTS (SELECT 1 FROM "
                                               "_replicator_checkpoints WHERE tunnel_id = ?1 "
                                               "AND token IS NOT NULL)"));
  BindText(stmt.get(), 1, tunnel_id);
  int rc = sqlite3_step(stmt.get());
  if (rc != SQLITE_ROW) return SqliteStatus(rc, m.db, "reading checkpoints");
  return sqlite3_column_int(stmt.get(), 0) != 0;
}

base::Status Mirror::DropTable(std::string_view mirror_table) {
  TS_RETURN_IF_ERROR(ValidateIdentifier(mirror_table, "mirror table name"));
  Impl& m = *impl_;
  std::string table(mirror_table);
  base::Status status = m.InTransaction("dropping table", [&]() -> base::Status {
    TS_ASSIGN_OR_RETURN(Stmt binding, Prepare(m.db, "SELECT tunnel_id FROM _replicator_bindings "
                                                    "WHERE mirror_table = ?1"));
    BindText(binding.get(), 1, table);
    int rc = sqlite3_step(binding.get());
    std::optional<std::string> tunnel;
    if (rc == SQLITE_ROW) tunnel = ColumnString(binding.get(), 0);
    binding.reset();  // DROP TABLE needs every statement of the connection finished
    TS_ASSIGN_OR_RETURN(Stmt exists, Prepare(m.db, "SELECT (SELECT count(*) FROM sqlite_schema "
                                                   "WHERE type = 'table' AND name = ?1), "
                                                   "(SELECT count(*) FROM _replicator_columns "
                                                   "WHERE mirror_table = ?1)"));
    BindText(exists.get(), 1, table);
    if (sqlite3_step(exists.get()) != SQLITE_ROW) {
      return SqliteStatus(sqlite3_extended_errcode(m.db), m.db, "reading the schema");
    }
    bool table_exists = sqlite3_column_int(exists.get(), 0) > 0;
    bool managed = sqlite3_column_int(exists.get(), 1) > 0 || tunnel.has_value();
    exists.reset();
    if (!table_exists && !managed) {
      return base::NotFoundError("no mirrored table " + DisplayName(table) + " in the file");
    }
    if (!managed) {
      return base::FailedPreconditionError("table " + DisplayName(table) +
                                           " is not managed by the replicator; not dropped");
    }
    TS_RETURN_IF_ERROR(Exec(m.db, "DROP TABLE IF EXISTS " + QuoteIdentifier(table)));
    TS_ASSIGN_OR_RETURN(Stmt cols, Prepare(m.db, "DELETE FROM _replicator_columns WHERE "
                                                 "mirror_table = ?1"));
    BindText(cols.get(), 1, table);
    TS_RETURN_IF_ERROR(StepDone(m.db, cols.get(), "dropping the column registry"));
    if (tunnel) {
      for (const char* sql : {"DELETE FROM _replicator_checkpoints WHERE tunnel_id = ?1",
                              "DELETE FROM _replicator_workers WHERE tunnel_id = ?1",
                              "DELETE FROM _replicator_bindings WHERE tunnel_id = ?1"}) {
        TS_ASSIGN_OR_RETURN(Stmt del, Prepare(m.db, sql));
        BindText(del.get(), 1, *tunnel);
        TS_RETURN_IF_ERROR(StepDone(m.db, del.get(), "dropping metadata"));
      }
    }
    return base::Status::Ok();
  });
  m.DiscardCaches();
  if (!status.ok()) return status.WithContext("table " + DisplayName(table));
  return base::Status::Ok();
}

base::Status Mirror::SetTableStage(std::string_view mirror_table, std::string_view stage) {
  Impl& m = *impl_;
  return m.InTransaction("setting the stage", [&]() -> base::Status {
    TS_ASSIGN_OR_RETURN(Stmt stmt, Prepare(m.db, "UPDATE _replicator_bindings SET stage = ?1, "
                                                 "stage_updated_at = ?2 WHERE mirror_table = ?3"));
    BindText(stmt.get(), 1, stage);
    sqlite3_bind_int64(stmt.get(), 2, m.clock->WallMillis());
    BindText(stmt.get(), 3, mirror_table);
    TS_RETURN_IF_ERROR(StepDone(m.db, stmt.get(), "setting the stage"));
    if (sqlite3_changes(m.db) == 0) {
      return base::NotFoundError("no binding for table " + DisplayName(mirror_table));
    }
    return base::Status::Ok();
  });
}

base::Status Mirror::SetChannelKind(std::string_view tunnel_id, std::string_view channel_id,
                                    ChannelKind kind) {
  Impl& m = *impl_;
  return m.InTransaction("setting a channel kind", [&]() -> base::Status {
    TS_ASSIGN_OR_RETURN(
        Stmt stmt,
        Prepare(m.db, "INSERT INTO _replicator_checkpoints (tunnel_id, channel_id, kind, "
                      "updated_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (tunnel_id, channel_id) "
                      "DO UPDATE SET kind = excluded.kind"));
    BindText(stmt.get(), 1, tunnel_id);
    BindText(stmt.get(), 2, channel_id);
    sqlite3_bind_text(stmt.get(), 3, kind == ChannelKind::kBase ? "base" : "stream", -1,
                      SQLITE_STATIC);
    sqlite3_bind_int64(stmt.get(), 4, m.clock->WallMillis());
    return StepDone(m.db, stmt.get(), "setting a channel kind");
  });
}

base::Status Mirror::SetServerSequence(std::string_view tunnel_id, std::string_view channel_id,
                                       int64_t sequence_number) {
  Impl& m = *impl_;
  return m.InTransaction("recording a server sequence number", [&]() -> base::Status {
    TS_ASSIGN_OR_RETURN(
        Stmt stmt,
        Prepare(m.db, "INSERT INTO _replicator_checkpoints (tunnel_id, channel_id, "
                      "server_sequence, updated_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT "
                      "(tunnel_id, channel_id) DO UPDATE SET server_sequence = "
                      "excluded.server_sequence"));
    BindText(stmt.get(), 1, tunnel_id);
    BindText(stmt.get(), 2, channel_id);
    sqlite3_bind_int64(stmt.get(), 3, sequence_number);
    sqlite3_bind_int64(stmt.get(), 4, m.clock->WallMillis());
    return StepDone(m.db, stmt.get(), "recording a server sequence number");
  });
}

base::Status Mirror::SetWorkerClientId(std::string_view tunnel_id, std::string_view client_id) {
  Impl& m = *impl_;
  TS_RETURN_IF_ERROR(m.SetSynchronous(Synchronous::kFull));
  base::Status status = m.InTransaction("recording the worker id", [&]() -> base::Status {
    TS_ASSIGN_OR_RETURN(
        Stmt stmt,
        Prepare(m.db, "INSERT INTO _replicator_workers (tunnel_id, client_id, updated_at) "
                      "VALUES (?1, ?2, ?3) ON CONFLICT (tunnel_id) DO UPDATE SET "
                      "client_id = excluded.client_id, updated_at = excluded.updated_at"));
    BindText(stmt.get(), 1, tunnel_id);
    BindText(stmt.get(), 2, client_id);
    sqlite3_bind_int64(stmt.get(), 3, m.clock->WallMillis());
    return StepDone(m.db, stmt.get(), "recording the worker id");
  });
  base::Status restore = m.SetSynchronous(m.options.synchronous);
  return status.ok() ? restore : status;
}

base::Status Mirror::ClearWorkerClientId(std::string_view tunnel_id) {
  Impl& m = *impl_;
  return m.InTransaction("clearing the worker id", [&]() -> base::Status {
    TS_ASSIGN_OR_RETURN(Stmt stmt,
                        Prepare(m.db, "DELETE FROM _replicator_workers WHERE tunnel_id = ?1"));
    BindText(stmt.get(), 1, tunnel_id);
    return StepDone(m.db, stmt.get(), "clearing the worker id");
  });
}

base::Result<std::optional<std::string>> Mirror::LoadWorkerClientId(std::string_view tunnel_id) {
  Impl& m = *impl_;
  TS_ASSIGN_OR_RETURN(Stmt stmt, Prepare(m.db, "SELECT client_id FROM _replicator_workers "
                                               "WHERE tunnel_id = ?1"));
  BindText(stmt.get(), 1, tunnel_id);
  int rc = sqlite3_step(stmt.get());
  if (rc == SQLITE_ROW) return std::optional<std::string>(ColumnString(stmt.get(), 0));
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  return SqliteStatus(rc, m.db, "reading the worker id");
}

base::Result<StatusSnapshot> Mirror::Snapshot() { return ReadStatusSnapshot(impl_->db); }

base::Result<int64_t> Mirror::SetMaxPageCount(int64_t pages) {
  return QueryInt(impl_->db, "PRAGMA max_page_count = " + std::to_string(pages));
}

}  // namespace tablestore::storage
