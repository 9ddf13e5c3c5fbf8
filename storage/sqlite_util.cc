#include "storage/sqlite_util.h"

#include <sqlite3.h>

namespace tablestore::storage {

void StmtDeleter::operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }

namespace {

base::StatusCode CodeFor(int rc) {
  switch (rc & 0xff) {
    case SQLITE_FULL: return base::StatusCode::kResourceExhausted;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN: return base::StatusCode::kUnavailable;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return base::StatusCode::kDataLoss;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH: return base::StatusCode::kPermissionDenied;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
    case SQLITE_RANGE: return base::StatusCode::kInvalidArgument;
    default: return base::StatusCode::kInternal;
  }
}

}  // namespace

base::Status SqliteStatus(int rc, sqlite3* db, std::string_view what) {
  std::string message(what);
  message += ": ";
  // sqlite3_errmsg describes the most recent failure on `db`; fall back to the generic text
  // when the connection's last error is not this one.
  if (db != nullptr && sqlite3_extended_errcode(db) == rc) {
    message += sqlite3_errmsg(db);
  } else {
    message += sqlite3_errstr(rc);
  }
  message += " (SQLite code " + std::to_string(rc) + ")";
  return base::Status(CodeFor(rc), std::move(message));
}

base::Result<Stmt> Prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  Stmt stmt(raw);
  if (rc != SQLITE_OK) return SqliteStatus(rc, db, "prepare");
  if (!stmt) return base::InternalError("prepare: empty statement");
  return stmt;
}

base::Status Exec(sqlite3* db, const std::string& sql) {
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteStatus(rc, db, "exec");
  return base::Status::Ok();
}

base::Status StepDone(sqlite3* db, sqlite3_stmt* stmt, std::string_view what) {
  int rc;
  do {
    rc = sqlite3_step(stmt);
  } while (rc == SQLITE_ROW);
  if (rc != SQLITE_DONE) {
    base::Status status = SqliteStatus(sqlite3_extended_errcode(db), db, what);
    sqlite3_reset(stmt);
    return status;
  }
  sqlite3_reset(stmt);
  return base::Status::Ok();
}

int BindValue(sqlite3_stmt* stmt, int index, const base::Value& value) {
  if (value.bytes.size() > static_cast<size_t>(INT32_MAX)) return SQLITE_TOOBIG;
  switch (value.type) {
    case base::ValueType::kInteger:
    case base::ValueType::kBoolean:
      return sqlite3_bind_int64(stmt, index, value.integer);
    case base::ValueType::kDouble:
      return sqlite3_bind_double(stmt, index, value.dbl);
    case base::ValueType::kString:
      // A non-null pointer with length 0 is an empty text value, not NULL.
      return sqlite3_bind_text(stmt, index, value.bytes.empty() ? "" : value.bytes.data(),
                               static_cast<int>(value.bytes.size()), SQLITE_STATIC);
    case base::ValueType::kBinary:
      if (value.bytes.empty()) return sqlite3_bind_zeroblob(stmt, index, 0);
      return sqlite3_bind_blob(stmt, index, value.bytes.data(),
                               static_cast<int>(value.bytes.size()), SQLITE_STATIC);
    default:
      return SQLITE_MISMATCH;  // inf_min/inf_max/auto_increment never occur in records
  }
}

base::Result<int64_t> QueryInt(sqlite3* db, const std::string& sql) {
  TS_ASSIGN_OR_RETURN(Stmt stmt, Prepare(db, sql));
  int rc = sqlite3_step(stmt.get());
  if (rc == SQLITE_ROW) return static_cast<int64_t>(sqlite3_column_int64(stmt.get(), 0));
  if (rc == SQLITE_DONE) return int64_t{0};
  return SqliteStatus(rc, db, "query");
}

}  // namespace tablestore::storage
