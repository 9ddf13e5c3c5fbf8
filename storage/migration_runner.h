#pragma once

// Applies the replicator's metadata schema (migrations/NNNN_name.sql, compiled into the
// binary) to a mirror file, and refuses files it must not touch.
//
// The runner keeps its ledger in `_replicator_migrations` (version, name, checksum,
// applied_at). A file is:
//   - fresh: no `_replicator*` table at all → every migration is applied;
//   - current or older: ledger versions are exactly 1..v with the binary's file names, and
//     every `_replicator*` table has the columns migrations 1..v create → pending ones
//     (v+1..latest) are applied, in order, in one transaction, each recorded in the ledger;
//   - refused with kFailedPrecondition, nothing written: a ledger version newer than the
//     binary knows, or damaged metadata (ledger gaps or unknown names, a metadata table or
//     column missing/extra/changed, metadata tables without a ledger).
// Thread-compatible; the caller owns the connection.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tablestore/base/result.h"
#include "tablestore/base/status.h"

struct sqlite3;

namespace tablestore::storage {

struct Migration {
  int version = 0;        // from the file name's leading digits
  std::string_view name;  // e.g. "0001_init.sql"
  std::string_view sql;
};

// The migrations compiled into this binary (generated from migrations/*.sql), by version.
std::span<const Migration> EmbeddedMigrations();

class MigrationRunner {
 public:
  // `migrations` must be numbered 1..N without gaps (checked by Check/Migrate, kInternal).
  explicit MigrationRunner(std::span<const Migration> migrations = EmbeddedMigrations());

  int latest_version() const;

  // Reads the file's schema version without writing (see the header comment for the
  // refusals). Run inside a transaction for a consistent view.
  base::Result<int> Check(sqlite3* db) const;

  // Applies the pending migrations inside one BEGIN IMMEDIATE transaction (rolled back
  // entirely on any error). Idempotent. Returns the version the file has afterwards.
  base::Result<int> Migrate(sqlite3* db, int64_t now_ms) const;

 private:
  base::Status ValidateList() const;
  // Applies migrations with index [from, to) and records them; no transaction handling.
  base::Status ApplyRange(sqlite3* db, size_t from, size_t to, int64_t now_ms) const;

  std::vector<Migration> migrations_;
};

}  // namespace tablestore::storage
