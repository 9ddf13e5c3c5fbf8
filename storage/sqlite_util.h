#pragma once

// Thin helpers over the SQLite C API used inside storage/: an owning statement handle, and
// the one place that maps SQLite result codes to base::Status codes:
//   SQLITE_FULL                      → kResourceExhausted (disk full or max_page_count)
//   SQLITE_BUSY, SQLITE_LOCKED       → kUnavailable (retryable)
//   SQLITE_IOERR, SQLITE_CANTOPEN    → kUnavailable
//   SQLITE_CORRUPT, SQLITE_NOTADB    → kDataLoss
//   SQLITE_READONLY, SQLITE_PERM     → kPermissionDenied
//   SQLITE_CONSTRAINT, SQLITE_MISMATCH, SQLITE_TOOBIG, SQLITE_RANGE → kInvalidArgument
//   anything else                    → kInternal
// Not for use outside storage/.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "tablestore/base/result.h"
#include "tablestore/base/row.h"
#include "tablestore/base/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace tablestore::storage {

struct StmtDeleter {
  void operator()(sqlite3_stmt* stmt) const;
};
// An owning prepared statement (finalized on destruction).
using Stmt = std::unique_ptr<sqlite3_stmt, StmtDeleter>;

// Maps a SQLite (extended) result code to a Status: "<what>: <sqlite message> (SQLITE_X)".
// `db` may be null (the message then comes from sqlite3_errstr).
base::Status SqliteStatus(int rc, sqlite3* db, std::string_view what);

// Prepares `sql` for repeated use.
base::Result<Stmt> Prepare(sqlite3* db, std::string_view sql);

// Runs one or more statements without results.
base::Status Exec(sqlite3* db, const std::string& sql);

// Steps a statement that returns no row (or whose rows are ignored) to completion and
// resets it.
base::Status StepDone(sqlite3* db, sqlite3_stmt* stmt, std::string_view what);

// Binds a value exactly: integer/boolean → integer, double → real (NaN becomes NULL, as
// SQLite does), string → text, binary → blob; empty strings and blobs stay values (never
// NULL). The bytes are bound without copying: `value` must outlive the next step/reset.
// Returns the SQLite result code.
int BindValue(sqlite3_stmt* stmt, int index, const base::Value& value);

// Runs `sql` (one statement) and returns the first column of its first row as an
// integer (0 when there is no row).
base::Result<int64_t> QueryInt(sqlite3* db, const std::string& sql);

}  // namespace tablestore::storage
