#include "storage/fixture.h"

#include <sqlite3.h>

#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include "base/clock.h"
#include "storage/changelog.h"
#include "storage/identifier.h"
#include "storage/mirror.h"
#include "storage/mirror_reader.h"
#include "storage/sqlite_util.h"

namespace tablestore::storage {
namespace {

// Loaded base rows and exported rows travel as batches of this pseudo channel; its
// checkpoint row is removed from the finished fixture.
constexpr char kBaseChannel[] = "_replicator_fixture_base";
constexpr size_t kRowsPerGroup = 10'000;
constexpr int kPageSize = 4096;

// Wall time frozen at the epoch: every *_at value of a fixture is 0 (determinism).
class FrozenClock : public base::Clock {
 public:
  SteadyTime Now() override { return std::chrono::steady_clock::now(); }
  WallTime WallNow() override { return WallTime{}; }
  bool SleepUntil(SteadyTime deadline, const base::CancelToken* cancel) override {
    return base::Clock::Real()->SleepUntil(deadline, cancel);
  }
};

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbHandle = std::unique_ptr<sqlite3, DbCloser>;

base::Result<DbHandle> OpenDb(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  DbHandle db(raw);
  if (rc != SQLITE_OK) return SqliteStatus(rc, raw, "opening " + DisplayName(path));
  sqlite3_busy_timeout(raw, 5000);
  return db;
}

void RemoveFileSet(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal", ".lock"}) {
    std::filesystem::remove(path + suffix, ec);
  }
}

// What one table of the fixture looks like and how its records are rewritten.
struct TablePlan {
  TableBinding binding;
  std::map<std::string, const MaskRule*> masks;  // by source column (hash / fixed)
};

base::Result<base::ValueType> KeyType(const std::string& types, const std::string& column) {
  if (types == "integer") return base::ValueType::kInteger;
  if (types == "string") return base::ValueType::kString;
  if (types == "binary") return base::ValueType::kBinary;
  return base::DataLossError("primary-key column " + DisplayName(column) + " has type list " +
                             DisplayName(types));
}

// Builds the plan of every selected table. `fixed_columns`: the registry's column list is
// the complete list, created in registry order (export); otherwise columns appear as the
// records show them (replay), limited to the registry's.
base::Result<std::map<std::string, TablePlan>> MakePlans(const std::vector<LoggedTable>& tables,
                                                         const FixtureOptions& options,
                                                         bool fixed_columns) {
  TS_RETURN_IF_ERROR(options.masks.Validate());
  std::set<std::string> wanted(options.tables.begin(), options.tables.end());
  std::map<std::string, const LoggedTable*> by_name;
  for (const LoggedTable& t : tables) by_name[t.mirror_table] = &t;
  for (const std::string& name : wanted) {
    if (by_name.count(name) == 0) {
      return base::InvalidArgumentError("--table " + DisplayName(name) +
                                        ": no such mirrored table in the file");
    }
  }
  std::map<std::string, std::set<std::string>> kept_columns;
  for (const auto& [table, column] : options.columns) {
    auto it = by_name.find(table);
    if (it == by_name.end()) {
      return base::InvalidArgumentError("--columns " + DisplayName(table) + "." +
                                        DisplayName(column) + ": no such mirrored table");
    }
    bool known = false;
    for (const auto& c : it->second->attributes) known = known || c.mirror_name == column;
    for (const auto& c : it->second->key) known = known || c.mirror_name == column;
    if (!known) {
      return base::InvalidArgumentError("--columns " + DisplayName(table) + "." +
                                        DisplayName(column) + ": table has no such column");
    }
    kept_columns[table].insert(column);
  }
  for (const MaskRule& rule : options.masks.rules) {
    if (rule.table == "*") continue;
    auto it = by_name.find(rule.table);
    bool known = false;
    if (it != by_name.end()) {
      for (const auto& c : it->second->attributes) known = known || c.mirror_name == rule.column;
      for (const auto& c : it->second->key) known = known || c.mirror_name == rule.column;
    }
    if (!known) {
      return base::InvalidArgumentError("mask " + DisplayName(rule.table) + "." +
                                        DisplayName(rule.column) +
                                        ": no such mirrored table or column");
    }
  }

  std::map<std::string, TablePlan> plans;
  for (const LoggedTable& t : tables) {
    if (!wanted.empty() && wanted.count(t.mirror_table) == 0) continue;
    TablePlan plan;
    TableBinding& b = plan.binding;
    b.mirror_table = t.mirror_table;
    b.source_table = t.source_table;
    b.tunnel_name = t.tunnel_name;
    b.tunnel_id = t.tunnel_id;
    for (const auto& k : t.key) {
      const MaskRule* rule = options.masks.Find(t.mirror_table, k.mirror_name);
      if (rule != nullptr && rule->kind != MaskKind::kHash) {
        return base::InvalidArgumentError(
            "mask " + DisplayName(t.mirror_table) + "." + DisplayName(k.mirror_name) +
            ": a primary-key column can only be hashed (drop or fixed would merge rows)");
      }
      if (rule != nullptr) plan.masks[k.source_name] = rule;
      if (k.mirror_name != k.source_name) b.columns.rename.emplace_back(k.source_name, k.mirror_name);
      if (fixed_columns) {
        TS_ASSIGN_OR_RETURN(base::ValueType type, KeyType(k.types, k.mirror_name));
        b.primary_key.push_back(KeyColumn{k.source_name, type});
      }
    }
    auto kept = kept_columns.find(t.mirror_table);
    for (const auto& a : t.attributes) {
      if (kept != kept_columns.end() && kept->second.count(a.mirror_name) == 0) continue;
      const MaskRule* rule = options.masks.Find(t.mirror_table, a.mirror_name);
      if (rule != nullptr && rule->kind == MaskKind::kDrop) continue;
      if (rule != nullptr) plan.masks[a.source_name] = rule;
      b.columns.include.push_back(a.source_name);
      if (a.mirror_name != a.source_name) b.columns.rename.emplace_back(a.source_name, a.mirror_name);
    }
    // An empty include list would mean "all": a table left without attribute columns gets
    // a fixed, empty column list instead.
    b.columns.fixed = fixed_columns || b.columns.include.empty();
    plans.emplace(t.mirror_table, std::move(plan));
  }
  return plans;
}

// Rewrites one record for the fixture: masked values replaced, dropped/unkept columns
// removed (so no source value of them is even handed to the writer).
base::Status Rewrite(const TablePlan& plan, const std::set<std::string>& kept,
                     const std::string& salt, base::RowChange* change) {
  change->origin.reset();
  auto mask = [&](base::Cell& cell) -> base::Status {
    auto it = plan.masks.find(cell.name);
    if (it == plan.masks.end() || !cell.value) return base::Status::Ok();
    TS_ASSIGN_OR_RETURN(base::Value v, MaskValue(*it->second, *cell.value, salt));
    cell.value = std::move(v);
    return base::Status::Ok();
  };
  for (base::Cell& c : change->row.primary_key) TS_RETURN_IF_ERROR(mask(c));
  auto& cells = change->row.cells;
  size_t out = 0;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (kept.count(cells[i].name) == 0) continue;
    TS_RETURN_IF_ERROR(mask(cells[i]));
    if (out != i) cells[out] = std::move(cells[i]);
    ++out;
  }
  cells.resize(out);
  return base::Status::Ok();
}

// A fixture under construction: a scratch mirror that becomes the output on Finish().
class Builder {
 public:
  explicit Builder(std::string out_path)
      : out_path_(std::move(out_path)), work_path_(out_path_ + ".building") {}
  ~Builder() {
    mirror_.reset();
    RemoveFileSet(work_path_);
    RemoveFileSet(out_path_ + ".vacuum");
  }

  base::Status Open(const FixtureOptions& options,
                    const std::map<std::string, TablePlan>& plans) {
    std::error_code ec;
    if (std::filesystem::exists(out_path_, ec) && !options.overwrite) {
      return base::InvalidArgumentError("output " + DisplayName(out_path_) +
                                        " exists (pass --force to replace it)");
    }
    RemoveFileSet(work_path_);
    {
      // A fixed page size, whatever SQLite's compile-time default.
      TS_ASSIGN_OR_RETURN(DbHandle db, OpenDb(work_path_, SQLITE_OPEN_READWRITE |
                                                              SQLITE_OPEN_CREATE));
      TS_RETURN_IF_ERROR(Exec(db.get(), "PRAGMA page_size = " + std::to_string(kPageSize) +
                                            "; VACUUM"));
    }
    MirrorOptions mo;
    mo.path = work_path_;
    mo.synchronous = Synchronous::kOff;  // a scratch file: durability comes from the rename
    mo.clock = &clock_;
    TS_ASSIGN_OR_RETURN(mirror_, Mirror::Open(mo));
    for (const auto& [name, plan] : plans) {
      TS_RETURN_IF_ERROR(mirror_->BindTable(plan.binding));
      std::set<std::string>& kept = kept_[plan.binding.tunnel_id];
      for (const std::string& c : plan.binding.columns.include) kept.insert(c);
      plans_by_tunnel_[plan.binding.tunnel_id] = &plan;
    }
    return base::Status::Ok();
  }

  const TablePlan* PlanFor(const std::string& tunnel_id) const {
    auto it = plans_by_tunnel_.find(tunnel_id);
    return it == plans_by_tunnel_.end() ? nullptr : it->second;
  }

  base::Status RewriteFor(const std::string& tunnel_id, const std::string& salt,
                          base::RowChange* change) {
    return Rewrite(*plans_by_tunnel_.at(tunnel_id), kept_[tunnel_id], salt, change);
  }

  // Queues a batch; applied in groups. Base/export rows use AddBaseRow.
  base::Status Add(base::Batch batch) {
    pending_rows_ += batch.changes.size();
    pending_.push_back(std::move(batch));
    if (pending_rows_ >= kRowsPerGroup) return Flush();
    return base::Status::Ok();
  }

  // Adds a row (a PUT_ROW) of a snapshot: loaded as chunks of the pseudo channel
  // kBaseChannel whose tokens chain ("0" → "1" → ...).
  base::Status AddBaseRow(const std::string& tunnel_id, base::RowChange change) {
    auto it = base_open_.find(tunnel_id);
    if (it == base_open_.end() || pending_[it->second].changes.size() >= kRowsPerGroup) {
      int64_t& n = base_next_token_[tunnel_id];
      base::Batch b;
      b.tunnel_id = tunnel_id;
      b.channel_id = kBaseChannel;
      b.token_in = std::to_string(n);
      b.token_out = std::to_string(n + 1);
      ++n;
      pending_.push_back(std::move(b));
      it = base_open_.insert_or_assign(tunnel_id, pending_.size() - 1).first;
    }
    pending_[it->second].changes.push_back(std::move(change));
    if (++pending_rows_ >= kRowsPerGroup) return Flush();
    return base::Status::Ok();
  }

  base::Status Flush() {
    if (pending_.empty()) return base::Status::Ok();
    base::Result<GroupResult> result = mirror_->ApplyGroup(pending_);
    if (!result.ok()) return result.status();
    for (size_t i = 0; i < result->batches.size(); ++i) {
      if (result->batches[i].outcome != BatchOutcome::kApplied) {
        const base::Batch& b = pending_[i];
        return base::DataLossError(
            "the change log does not chain: an entry of tunnel " + DisplayName(b.tunnel_id) +
            ", channel " + DisplayName(b.channel_id) + " starts at token " +
            DisplayName(b.token_in) + " but the channel stands at " +
            DisplayName(result->batches[i].stored_token));
      }
    }
    pending_.clear();
    pending_rows_ = 0;
    base_open_.clear();  // the next base row opens a new chunk (its tokens continue)
    return base::Status::Ok();
  }

  // Finishes the scratch file and writes the output atomically.
  base::Status Finish() {
    TS_RETURN_IF_ERROR(Flush());
    mirror_.reset();
    const std::string vacuum_path = out_path_ + ".vacuum";
    RemoveFileSet(vacuum_path);
    {
      TS_ASSIGN_OR_RETURN(DbHandle db, OpenDb(work_path_, SQLITE_OPEN_READWRITE));
      // No wall-clock values: created_at comes from SQL 'now' in migration 0001.
      TS_RETURN_IF_ERROR(Exec(db.get(),
                              "UPDATE _replicator_state SET value = 0 WHERE key = "
                              "'created_at'; DELETE FROM _replicator_checkpoints WHERE "
                              "channel_id = '" + std::string(kBaseChannel) + "'"));
      TS_ASSIGN_OR_RETURN(Stmt vacuum, Prepare(db.get(), "VACUUM INTO ?1"));
      sqlite3_bind_text(vacuum.get(), 1, vacuum_path.c_str(), -1, SQLITE_TRANSIENT);
      TS_RETURN_IF_ERROR(StepDone(db.get(), vacuum.get(), "writing the fixture"));
    }
    {
      TS_ASSIGN_OR_RETURN(DbHandle db, OpenDb(vacuum_path, SQLITE_OPEN_READWRITE));
      TS_RETURN_IF_ERROR(Exec(db.get(), "PRAGMA journal_mode = DELETE"));
    }
    std::error_code ec;
    std::filesystem::rename(vacuum_path, out_path_, ec);
    if (ec) {
      return base::UnavailableError("renaming " + DisplayName(vacuum_path) + " to " +
                                    DisplayName(out_path_) + ": " + ec.message());
    }
    return base::Status::Ok();
  }

 private:
  const std::string out_path_;
  const std::string work_path_;
  FrozenClock clock_;
  std::unique_ptr<Mirror> mirror_;
  std::map<std::string, const TablePlan*> plans_by_tunnel_;
  std::map<std::string, std::set<std::string>> kept_;  // by tunnel: source columns kept
  std::vector<base::Batch> pending_;
  size_t pending_rows_ = 0;
  std::map<std::string, size_t> base_open_;         // tunnel → its open chunk in pending_
  std::map<std::string, int64_t> base_next_token_;  // tunnel → next chunk's token_in
};

}  // namespace

base::Result<FixtureSummary> ReplayFixture(const std::string& log_path,
                                           const std::string& out_path,
                                           const FixtureOptions& options) {
  TS_ASSIGN_OR_RETURN(std::unique_ptr<ChangelogReader> log, ChangelogReader::Open(log_path));
  const ChangelogInfo& info = log->info();
  const bool trimmed_start = info.base_records > 0 || info.base_rows > 0;
  if (options.count && *options.count < info.base_records) {
    return base::OutOfRangeError(
        "--count " + std::to_string(*options.count) + ": the change log starts after record " +
        std::to_string(info.base_records) + " (older entries were trimmed into its snapshot)");
  }
  if (options.until_ms && info.base_time && *options.until_ms < *info.base_time &&
      trimmed_start) {
    return base::OutOfRangeError("--until " + std::to_string(*options.until_ms) +
                                 ": the change log starts at " + std::to_string(*info.base_time) +
                                 " (older entries were trimmed into its snapshot)");
  }
  TS_ASSIGN_OR_RETURN(auto plans, MakePlans(log->tables(), options, /*fixed_columns=*/false));
  FixtureSummary summary;
  summary.tables = plans.size();
  Builder builder(out_path);
  TS_RETURN_IF_ERROR(builder.Open(options, plans));
  const std::string& salt = options.masks.salt;
  auto add_base_row = [&](const std::string& tunnel, base::RowChange&& change) -> base::Status {
    if (builder.PlanFor(tunnel) == nullptr) return base::Status::Ok();
    TS_RETURN_IF_ERROR(builder.RewriteFor(tunnel, salt, &change));
    ++summary.base_rows;
    return builder.AddBaseRow(tunnel, std::move(change));
  };
  TS_RETURN_IF_ERROR(log->ForEachBaseRow(add_base_row));
  TS_RETURN_IF_ERROR(builder.Flush());
  auto add_entry = [&](ChangelogEntry&& e) -> base::Result<bool> {
    if (options.until_ms && e.commit_time > *options.until_ms) return false;
    if (options.count && e.first_record >= *options.count) return false;
    bool cut = false;
    if (options.count) {
      int64_t room = *options.count - e.first_record;
      if (room < static_cast<int64_t>(e.changes.size())) {
        e.changes.resize(static_cast<size_t>(room));
        cut = true;
      }
    }
    if (builder.PlanFor(e.tunnel_id) == nullptr) return true;  // table not selected
    for (base::RowChange& c : e.changes) {
      TS_RETURN_IF_ERROR(builder.RewriteFor(e.tunnel_id, salt, &c));
    }
    ++summary.entries;
    summary.records += static_cast<int64_t>(e.changes.size());
    summary.last_commit_time = e.commit_time;
    base::Batch b;
    b.tunnel_id = std::move(e.tunnel_id);
    b.channel_id = std::move(e.channel_id);
    b.token_in = std::move(e.token_in);
    // A cut batch is not complete: its channel stays at the batch's start.
    b.token_out = cut ? b.token_in : std::move(e.token_out);
    b.changes = std::move(e.changes);
    TS_RETURN_IF_ERROR(builder.Add(std::move(b)));
    return !cut;
  };
  TS_RETURN_IF_ERROR(log->ForEachEntry(add_entry));
  TS_RETURN_IF_ERROR(builder.Finish());
  return summary;
}

base::Result<FixtureSummary> ExportFixture(const std::string& mirror_path,
                                           const std::string& out_path,
                                           const FixtureOptions& options) {
  std::error_code ec;
  if (!std::filesystem::exists(mirror_path, ec)) {
    return base::NotFoundError("mirror " + DisplayName(mirror_path) + " does not exist");
  }
  // One read transaction: a consistent copy of the whole file, even while `run` writes.
  const std::string snapshot = out_path + ".snapshot";
  RemoveFileSet(snapshot);
  struct Cleanup {
    std::string path;
    ~Cleanup() { RemoveFileSet(path); }
  } cleanup{snapshot};
  {
    TS_ASSIGN_OR_RETURN(DbHandle db, OpenDb(mirror_path, SQLITE_OPEN_READONLY));
    TS_ASSIGN_OR_RETURN(Stmt vacuum, Prepare(db.get(), "VACUUM INTO ?1"));
    sqlite3_bind_text(vacuum.get(), 1, snapshot.c_str(), -1, SQLITE_TRANSIENT);
    TS_RETURN_IF_ERROR(StepDone(db.get(), vacuum.get(), "copying the mirror at one point"));
  }
  TS_ASSIGN_OR_RETURN(std::vector<LoggedTable> tables, ReadLoggedTables(snapshot));
  TS_ASSIGN_OR_RETURN(auto plans, MakePlans(tables, options, /*fixed_columns=*/true));
  FixtureSummary summary;
  summary.tables = plans.size();
  Builder builder(out_path);
  TS_RETURN_IF_ERROR(builder.Open(options, plans));
  for (const auto& [name, plan] : plans) {
    TS_ASSIGN_OR_RETURN(std::vector<base::Row> rows, ReadMirrorRows(snapshot, name));
    for (base::Row& row : rows) {
      base::RowChange change;
      change.action = base::ActionType::kPutRow;
      change.row = std::move(row);
      TS_RETURN_IF_ERROR(builder.RewriteFor(plan.binding.tunnel_id, options.masks.salt, &change));
      ++summary.base_rows;
      TS_RETURN_IF_ERROR(builder.AddBaseRow(plan.binding.tunnel_id, std::move(change)));
    }
  }
  TS_RETURN_IF_ERROR(builder.Finish());
  return summary;
}

}  // namespace tablestore::storage
