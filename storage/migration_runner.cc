#include "storage/migration_runner.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "storage/sqlite_util.h"

namespace tablestore::storage {

namespace {

constexpr char kLedgerTable[] = "_replicator_migrations";
constexpr char kLedgerSchema[] =
    "CREATE TABLE IF NOT EXISTS _replicator_migrations ("
    " version INTEGER PRIMARY KEY NOT NULL,"
    " name TEXT NOT NULL,"
    " checksum TEXT NOT NULL,"
    " applied_at INTEGER NOT NULL)";

std::string Checksum(std::string_view text) {  // FNV-1a 64, for forensics only
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

base::Status Refuse(const std::string& why) {
  return base::FailedPreconditionError(
      "mirror metadata is damaged: " + why +
      "; the file was not changed (restore a backup, or start a new mirror file)");
}

// Column shape of every `_replicator*` table: name → "col type notnull pk|..." lines.
base::Result<std::map<std::string, std::string>> MetadataShape(sqlite3* db) {
  std::map<std::string, std::string> shape;
  TS_ASSIGN_OR_RETURN(
      Stmt tables,
      Prepare(db, "SELECT name FROM sqlite_schema WHERE type = 'table' AND "
                  "name LIKE '\\_replicator%' ESCAPE '\\' ORDER BY name"));
  std::vector<std::string> names;
  int rc;
  while ((rc = sqlite3_step(tables.get())) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(tables.get(), 0);
    names.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
  }
  if (rc != SQLITE_DONE) return SqliteStatus(rc, db, "reading the schema");
  TS_ASSIGN_OR_RETURN(Stmt info, Prepare(db, "SELECT name, type, \"notnull\", pk FROM "
                                             "pragma_table_info(?1)"));
  for (const std::string& name : names) {
    sqlite3_bind_text(info.get(), 1, name.c_str(), -1, SQLITE_TRANSIENT);
    std::string columns;
    while ((rc = sqlite3_step(info.get())) == SQLITE_ROW) {
      for (int i = 0; i < 4; ++i) {
        const unsigned char* text = sqlite3_column_text(info.get(), i);
        columns += text ? reinterpret_cast<const char*>(text) : "";
        columns += i < 3 ? " " : "|";
      }
    }
    sqlite3_reset(info.get());
    if (rc != SQLITE_DONE) return SqliteStatus(rc, db, "reading the schema of " + name);
    shape[name] = columns;
  }
  return shape;
}

// Rolls back unless Commit() succeeded.
class TxnGuard {
 public:
  explicit TxnGuard(sqlite3* db) : db_(db) {}
  ~TxnGuard() {
    if (!done_ && !sqlite3_get_autocommit(db_)) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }
  TxnGuard(const TxnGuard&) = delete;
  TxnGuard& operator=(const TxnGuard&) = delete;
  base::Status Commit() {
    TS_RETURN_IF_ERROR(Exec(db_, "COMMIT"));
    done_ = true;
    return base::Status::Ok();
  }

 private:
  sqlite3* db_;
  bool done_ = false;
};

}  // namespace

MigrationRunner::MigrationRunner(std::span<const Migration> migrations)
    : migrations_(migrations.begin(), migrations.end()) {
  std::sort(migrations_.begin(), migrations_.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
}

int MigrationRunner::latest_version() const {
  return migrations_.empty() ? 0 : migrations_.back().version;
}

base::Status MigrationRunner::ValidateList() const {
  for (size_t i = 0; i < migrations_.size(); ++i) {
    if (migrations_[i].version != static_cast<int>(i) + 1) {
      return base::InternalError("migrations compiled into this binary are not numbered 1..N (" +
                                 std::string(migrations_[i].name) + ")");
    }
  }
  return base::Status::Ok();
}

base::Result<int> MigrationRunner::Check(sqlite3* db) const {
  TS_RETURN_IF_ERROR(ValidateList());
  TS_ASSIGN_OR_RETURN(auto shape, MetadataShape(db));
  if (shape.empty()) return 0;  // fresh file (user tables, if any, are not ours)
  if (shape.count(kLedgerTable) == 0) {
    return Refuse("metadata tables (" + shape.begin()->first +
                  ", ...) exist but the migration ledger _replicator_migrations is missing");
  }
  // The ledger: versions 1..v, names as compiled in.
  TS_ASSIGN_OR_RETURN(Stmt ledger, Prepare(db, "SELECT version, typeof(version), name FROM "
                                               "_replicator_migrations ORDER BY version"));
  int version = 0;
  int rc;
  std::vector<std::pair<int64_t, std::string>> rows;
  while ((rc = sqlite3_step(ledger.get())) == SQLITE_ROW) {
    const unsigned char* type = sqlite3_column_text(ledger.get(), 1);
    if (std::string_view(reinterpret_cast<const char*>(type)) != "integer") {
      return Refuse("the migration ledger holds a non-integer version");
    }
    const unsigned char* name = sqlite3_column_text(ledger.get(), 2);
    rows.emplace_back(sqlite3_column_int64(ledger.get(), 0),
                      name ? reinterpret_cast<const char*>(name) : "");
  }
  if (rc != SQLITE_DONE) return SqliteStatus(rc, db, "reading the migration ledger");
  if (!rows.empty() && rows.back().first > latest_version()) {
    return base::FailedPreconditionError(
        "mirror schema version " + std::to_string(rows.back().first) +
        " is newer than this binary supports (" + std::to_string(latest_version()) +
        "): the file was written by a newer replicator; run that version, or resync into a "
        "new mirror file. The file was not changed");
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].first != static_cast<int64_t>(i) + 1) {
      return Refuse("the migration ledger skips version " + std::to_string(i + 1));
    }
    if (rows[i].second != migrations_[i].name) {
      return Refuse("the migration ledger records '" + rows[i].second + "' as version " +
                    std::to_string(i + 1) + ", this binary has '" +
                    std::string(migrations_[i].name) + "'");
    }
    version = static_cast<int>(i) + 1;
  }
  // The metadata tables must look exactly as migrations 1..version make them.
  sqlite3* ref_raw = nullptr;
  int open_rc = sqlite3_open_v2(":memory:", &ref_raw, SQLITE_OPEN_READWRITE, nullptr);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> ref(ref_raw, &sqlite3_close_v2);
  if (open_rc != SQLITE_OK) return SqliteStatus(open_rc, nullptr, "opening a reference db");
  TS_RETURN_IF_ERROR(ApplyRange(ref.get(), 0, static_cast<size_t>(version), 0));
  TS_ASSIGN_OR_RETURN(auto expected, MetadataShape(ref.get()));
  for (const auto& [name, columns] : expected) {
    auto it = shape.find(name);
    if (it == shape.end()) return Refuse("metadata table " + name + " is missing");
    if (it->second != columns) {
      return Refuse("metadata table " + name + " has columns [" + it->second +
                    "], expected [" + columns + "]");
    }
  }
  for (const auto& entry : shape) {
    if (expected.count(entry.first) == 0) {
      return Refuse("unexpected metadata table " + entry.first + " for schema version " +
                    std::to_string(version));
    }
  }
  return version;
}

base::Status MigrationRunner::ApplyRange(sqlite3* db, size_t from, size_t to,
                                         int64_t now_ms) const {
  TS_RETURN_IF_ERROR(Exec(db, kLedgerSchema));
  TS_ASSIGN_OR_RETURN(Stmt record,
                      Prepare(db, "INSERT INTO _replicator_migrations "
                                  "(version, name, checksum, applied_at) VALUES (?1,?2,?3,?4)"));
  for (size_t i = from; i < to && i < migrations_.size(); ++i) {
    const Migration& m = migrations_[i];
    base::Status status = Exec(db, std::string(m.sql));
    if (!status.ok()) return status.WithContext("migration " + std::string(m.name));
    std::string sum = Checksum(m.sql);
    sqlite3_bind_int(record.get(), 1, m.version);
    sqlite3_bind_text(record.get(), 2, m.name.data(), static_cast<int>(m.name.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_text(record.get(), 3, sum.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(record.get(), 4, now_ms);
    TS_RETURN_IF_ERROR(StepDone(db, record.get(), "recording migration " + std::string(m.name)));
  }
  return base::Status::Ok();
}

base::Result<int> MigrationRunner::Migrate(sqlite3* db, int64_t now_ms) const {
  TS_RETURN_IF_ERROR(Exec(db, "BEGIN IMMEDIATE"));
  TxnGuard guard(db);
  TS_ASSIGN_OR_RETURN(int version, Check(db));
  if (version < latest_version()) {
    TS_RETURN_IF_ERROR(ApplyRange(db, static_cast<size_t>(version), migrations_.size(), now_ms));
  }
  TS_RETURN_IF_ERROR(guard.Commit());
  return latest_version();
}

}  // namespace tablestore::storage
